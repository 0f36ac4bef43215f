#!/usr/bin/env bash
# make agents-previous: every agent test (tests/integration/agent_*.sh) with the previous minor release of each
# agent (the *_PREVIOUS pins in install_*.sh; installed into the cache on first use), as root: a profile must work
# with the release before the newest too (issue 11). Arguments go to tests/run's environment as for make check.
set -eu
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
for a in claude codex gemini opencode; do
	# shellcheck source=/dev/null
	. "tests/integration/agents/install_$a.sh"
done
export CLAUDE_VERSION=$CLAUDE_PREVIOUS CODEX_VERSION=$CODEX_PREVIOUS GEMINI_VERSION=$GEMINI_PREVIOUS \
	OPENCODE_VERSION=$OPENCODE_PREVIOUS
echo "agents-previous: Claude Code $CLAUDE_VERSION, Codex $CODEX_VERSION, Gemini CLI $GEMINI_VERSION, OpenCode $OPENCODE_VERSION"
TESTS='agent_*' USER_PASS=none exec tests/run
