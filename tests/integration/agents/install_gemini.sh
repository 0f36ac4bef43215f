#!/usr/bin/env bash
# install_gemini.sh: the pinned Gemini CLI (@google/gemini-cli) for agent_gemini.sh, installed once with npm into
# $GUARD_AGENT_CACHE (default /var/tmp/guard-agents)/gemini-cli-VERSION, world-readable (the unprivileged test
# pass reuses root's install). Gemini CLI needs node >= 20 (its package.json's engines); where the system's node is
# older (Debian 12 has 18) a pinned node from the npm registry's node-linux-ARCH package goes into the cache too,
# and GEMINI_NODE_DIR names the directory of its `node` (empty: the system's node will do). Prints the path of the
# gemini command and exits 0, or prints why not and exits 1. Sourced by agent_gemini.sh; run by ./install-deps
# (a failure there is not fatal: the test then fails, naming it). How to bump a pin: install_agent.sh.
. "$(dirname "${BASH_SOURCE[0]}")/install_agent.sh" # CACHE, install_agent, install_agent_main, install_node
GEMINI_VERSION=${GEMINI_VERSION:-0.61.0}
GEMINI_PREVIOUS=0.60.0 # the previous minor release (make agents-previous)
GEMINI_DIR=$CACHE/gemini-cli-$GEMINI_VERSION
GEMINI=$GEMINI_DIR/node_modules/.bin/gemini
GEMINI_NODE_MAJOR=20 # engines: node >= 20
GEMINI_NODE_DIR=

install_gemini() { # sets SKIP_WHY on failure, GEMINI_NODE_DIR when the system's node is too old
	install_node "$GEMINI_NODE_MAJOR" || return 1
	GEMINI_NODE_DIR=$NODE_DIR
	install_agent @google/gemini-cli "$GEMINI_VERSION" "$GEMINI_DIR" "$GEMINI"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	install_agent_main install_gemini "$GEMINI"
fi
