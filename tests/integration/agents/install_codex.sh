#!/usr/bin/env bash
# install_codex.sh: the pinned Codex CLI (@openai/codex) for agent_codex.sh, installed once with npm into
# $GUARD_AGENT_CACHE (default /var/tmp/guard-agents)/codex-VERSION, world-readable (the unprivileged test
# pass reuses root's install). Prints the path of the codex command and exits 0, or prints why not and exits 1.
# Sourced by agent_codex.sh; run by ./install-deps ahead of the tests (a failure there is not fatal: the tests
# then fail, naming it; agent_unavailable). The install itself: install_agent.sh.
. "$(dirname "${BASH_SOURCE[0]}")/install_agent.sh" # CACHE, install_agent, install_agent_main
CODEX_VERSION=${CODEX_VERSION:-0.171.0}
CODEX_PREVIOUS=0.170.0 # the previous minor release (make agents-previous)
CODEX_DIR=$CACHE/codex-$CODEX_VERSION
CODEX=$CODEX_DIR/node_modules/.bin/codex

install_codex() { # sets SKIP_WHY on failure
	install_agent @openai/codex "$CODEX_VERSION" "$CODEX_DIR" "$CODEX"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	install_agent_main install_codex "$CODEX"
fi
