#!/usr/bin/env bash
# install_claude.sh: the pinned Claude Code CLI for agent_claude.sh, installed once with npm into
# $GUARD_AGENT_CACHE (default /var/tmp/guard-agents)/claude-code-VERSION, world-readable (the unprivileged test
# pass reuses root's install). Prints the path of the claude command and exits 0, or prints why not and exits 1.
# Sourced by agent_claude.sh; run by .ci/run ahead of the tests (a failure there never fails CI: the test then
# skips with the reason).
CLAUDE_VERSION=${CLAUDE_VERSION:-2.1.330}
CACHE=${GUARD_AGENT_CACHE:-/var/tmp/guard-agents}
CLAUDE_DIR=$CACHE/claude-code-$CLAUDE_VERSION
CLAUDE=$CLAUDE_DIR/node_modules/.bin/claude

install_claude() { # sets SKIP_WHY on failure
	[ -x "$CLAUDE" ] && return 0
	command -v npm >/dev/null 2>&1 || { SKIP_WHY="npm is not installed"; return 1; }
	mkdir -p "$CACHE" 2>/dev/null && chmod 755 "$CACHE" 2>/dev/null
	[ -w "$CACHE" ] || { SKIP_WHY="$CACHE is not writable and holds no claude $CLAUDE_VERSION"; return 1; }
	local tmp
	tmp=$(mktemp -d "$CACHE/.install.XXXXXX") || { SKIP_WHY="mktemp in $CACHE failed"; return 1; }
	chmod 755 "$tmp"
	# Into a temp dir, then renamed: another run never sees half an install.
	if ! (cd "$tmp" && umask 022 && HOME=$tmp/.npm-home timeout "${NPM_TIMEOUT:-240}" npm install --no-audit \
		--no-fund --loglevel=error --cache "$tmp/.npm-cache" "@anthropic-ai/claude-code@$CLAUDE_VERSION" \
		>"$tmp/npm.log" 2>&1); then
		SKIP_WHY="npm install @anthropic-ai/claude-code@$CLAUDE_VERSION failed (registry unreachable?): $(tail -n 2 "$tmp/npm.log" | tr '\n' ' ')"
		rm -rf "$tmp"
		return 1
	fi
	rm -rf "$tmp/.npm-cache" "$tmp/.npm-home"
	mv -T "$tmp" "$CLAUDE_DIR" 2>/dev/null || rm -rf "$tmp" # lost a race: the other install stands
	[ -x "$CLAUDE" ] || { SKIP_WHY="the install left no $CLAUDE"; return 1; }
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	SKIP_WHY=
	if install_claude; then
		printf '%s\n' "$CLAUDE"
	else
		printf '%s\n' "$SKIP_WHY"
		exit 1
	fi
fi
