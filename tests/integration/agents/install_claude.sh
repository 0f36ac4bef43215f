#!/usr/bin/env bash
# install_claude.sh: the pinned Claude Code CLI for agent_claude.sh, installed once with npm into
# $GUARD_AGENT_CACHE (default /var/tmp/guard-agents)/claude-code-VERSION, world-readable (the unprivileged test
# pass reuses root's install). Prints the path of the claude command and exits 0, or prints why not and exits 1.
# Sourced by agent_claude.sh; run by ./install-deps ahead of the tests (a failure there is not fatal: the tests
# then fail, naming it; agent_unavailable). The install itself: install_agent.sh.
. "$(dirname "${BASH_SOURCE[0]}")/install_agent.sh" # CACHE, install_agent, install_agent_main
CLAUDE_VERSION=${CLAUDE_VERSION:-2.1.337}
CLAUDE_PREVIOUS=2.0.77 # the previous minor release (make agents-previous)
CLAUDE_DIR=$CACHE/claude-code-$CLAUDE_VERSION
CLAUDE=$CLAUDE_DIR/node_modules/.bin/claude

install_claude() { # sets SKIP_WHY on failure
	install_agent @anthropic-ai/claude-code "$CLAUDE_VERSION" "$CLAUDE_DIR" "$CLAUDE"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	install_agent_main install_claude "$CLAUDE"
fi
