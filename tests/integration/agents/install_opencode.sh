#!/usr/bin/env bash
# install_opencode.sh: the pinned OpenCode CLI (opencode-ai: a Bun-built binary per platform, dynamically linked)
# for agent_opencode.sh, installed once with npm into $GUARD_AGENT_CACHE (default /var/tmp/guard-agents)/
# opencode-VERSION, world-readable (the unprivileged test pass reuses root's install). Prints the path of the
# opencode command and exits 0, or prints why not and exits 1. Sourced by agent_opencode.sh; run by
# ./install-deps (a failure there is not fatal: the test then fails, naming it). How to bump a pin:
# install_agent.sh.
. "$(dirname "${BASH_SOURCE[0]}")/install_agent.sh" # CACHE, install_agent, install_agent_main
OPENCODE_VERSION=${OPENCODE_VERSION:-1.18.33}
OPENCODE_PREVIOUS=1.17.19 # the previous minor release (make agents-previous)
OPENCODE_DIR=$CACHE/opencode-$OPENCODE_VERSION
OPENCODE=$OPENCODE_DIR/node_modules/.bin/opencode

install_opencode() { # sets SKIP_WHY on failure
	install_agent opencode-ai "$OPENCODE_VERSION" "$OPENCODE_DIR" "$OPENCODE"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	install_agent_main install_opencode "$OPENCODE"
fi
