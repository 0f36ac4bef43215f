#!/usr/bin/env bash
# install_codex.sh: the pinned Codex CLI (@openai/codex) for agent_codex.sh, installed once with npm into
# $GUARD_AGENT_CACHE (default /var/tmp/guard-agents)/codex-VERSION, world-readable (the unprivileged test
# pass reuses root's install). Prints the path of the codex command and exits 0, or prints why not and exits 1.
# Sourced by agent_codex.sh; run by .ci/run ahead of the tests (a failure there never fails CI: the test then
# skips with the reason).
CODEX_VERSION=${CODEX_VERSION:-0.169.0}
CACHE=${GUARD_AGENT_CACHE:-/var/tmp/guard-agents}
CODEX_DIR=$CACHE/codex-$CODEX_VERSION
CODEX=$CODEX_DIR/node_modules/.bin/codex

install_codex() { # sets SKIP_WHY on failure
	[ -x "$CODEX" ] && return 0
	command -v npm >/dev/null 2>&1 || { SKIP_WHY="npm is not installed"; return 1; }
	mkdir -p "$CACHE" 2>/dev/null && chmod 755 "$CACHE" 2>/dev/null
	[ -w "$CACHE" ] || { SKIP_WHY="$CACHE is not writable and holds no codex $CODEX_VERSION"; return 1; }
	local tmp
	tmp=$(mktemp -d "$CACHE/.install.XXXXXX") || { SKIP_WHY="mktemp in $CACHE failed"; return 1; }
	chmod 755 "$tmp"
	# Into a temp dir, then renamed: another run never sees half an install.
	if ! (cd "$tmp" && umask 022 && HOME=$tmp/.npm-home timeout "${NPM_TIMEOUT:-240}" npm install --no-audit \
		--no-fund --loglevel=error --cache "$tmp/.npm-cache" "@openai/codex@$CODEX_VERSION" \
		>"$tmp/npm.log" 2>&1); then
		SKIP_WHY="npm install @openai/codex@$CODEX_VERSION failed (registry unreachable?): $(tail -n 2 "$tmp/npm.log" | tr '\n' ' ')"
		rm -rf "$tmp"
		return 1
	fi
	rm -rf "$tmp/.npm-cache" "$tmp/.npm-home"
	mv -T "$tmp" "$CODEX_DIR" 2>/dev/null || rm -rf "$tmp" # lost a race: the other install stands
	[ -x "$CODEX" ] || { SKIP_WHY="the install left no $CODEX"; return 1; }
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	SKIP_WHY=
	if install_codex; then
		printf '%s\n' "$CODEX"
	else
		printf '%s\n' "$SKIP_WHY"
		exit 1
	fi
fi
