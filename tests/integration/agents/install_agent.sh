# shellcheck shell=bash
# install_agent.sh: what the install_*.sh scripts share, sourced by them (not run): a pinned npm
# package installed once into a world-readable directory under $GUARD_AGENT_CACHE (default /var/tmp/guard-agents;
# the unprivileged test pass reuses root's install).
#
# Bumping an agent's pin (install_claude.sh, install_codex.sh, install_gemini.sh, install_opencode.sh):
#   1. `npm view PACKAGE version` names the newest release; set the *_VERSION default in the install script.
#   2. `tests/integration/agents/install_NAME.sh` installs it into the cache (a new directory: old pins stay
#      usable side by side); `TESTS='agent_*' make check` runs every agent test with it, as root and as the user.
#   3. What breaks is guard's to fix (the profile in rules/, or the fake API when the CLI speaks a newer wire
#      format), never by loosening a test's assertion. Update the versions listed in README ("Agents").
#   4. Set *_PREVIOUS to the newest release of the minor before (`npm view PACKAGE versions`; one whose platform
#      packages exist, for OpenCode); `make agents-previous` runs every agent test with those, as root.
#   CLAUDE_VERSION=... (etc.) in the environment runs the tests with another version without editing anything.
CACHE=${GUARD_AGENT_CACHE:-/var/tmp/guard-agents}
AGENT_FAILS= # set with SKIP_WHY when the agent is missing or does not run: a failure (agent_unavailable)

# install_agent PACKAGE VERSION DIR CMD: npm install PACKAGE@VERSION into DIR (under $CACHE) unless the command
# CMD (inside DIR) is already there. Sets SKIP_WHY on failure.
install_agent() {
	local pkg=$1 version=$2 dir=$3 cmd=$4 tmp
	[ -x "$cmd" ] && return 0
	command -v npm >/dev/null 2>&1 || { SKIP_WHY="npm is not installed"; AGENT_FAILS=1; return 1; }
	mkdir -p "$CACHE" 2>/dev/null && chmod 755 "$CACHE" 2>/dev/null
	[ -w "$CACHE" ] || { SKIP_WHY="$CACHE is not writable and holds no ${cmd##*/} $version"; AGENT_FAILS=1; return 1; }
	tmp=$(mktemp -d "$CACHE/.install.XXXXXX") || { SKIP_WHY="mktemp in $CACHE failed"; AGENT_FAILS=1; return 1; }
	chmod 755 "$tmp"
	# Into a temp dir, then renamed: another run never sees half an install.
	if ! (cd "$tmp" && umask 022 && HOME=$tmp/.npm-home timeout "${NPM_TIMEOUT:-240}" npm install --no-audit \
		--no-fund --loglevel=error --cache "$tmp/.npm-cache" "$pkg@$version" >"$tmp/npm.log" 2>&1); then
		SKIP_WHY="npm install $pkg@$version failed (registry unreachable?): $(tail -n 2 "$tmp/npm.log" | tr '\n' ' ')"
		AGENT_FAILS=1
		rm -rf "$tmp"
		return 1
	fi
	rm -rf "$tmp/.npm-cache" "$tmp/.npm-home"
	mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp" # lost a race: the other install stands
	[ -x "$cmd" ] || { SKIP_WHY="the install left no $cmd"; AGENT_FAILS=1; return 1; }
}

# A node for agents whose engines need a newer one than the system's (Debian 12's is 18): the npm registry's
# node-linux-ARCH package ships the official binary. Pinned; bump like an agent.
NODE_PIN=${NODE_PIN:-22.23.5}

# install_node MAJOR: NODE_DIR= when the system's node is MAJOR or newer; else installs node-linux-ARCH@$NODE_PIN
# into $CACHE/node-$NODE_PIN and sets NODE_DIR to the directory of its `node` (put it first on PATH). Sets
# SKIP_WHY on failure.
install_node() {
	local major arch
	NODE_DIR=
	major=$(node --version 2>/dev/null | sed -n 's/^v\([0-9]*\)\..*/\1/p')
	[ -n "$major" ] && [ "$major" -ge "$1" ] && return 0
	case $(uname -m) in
	x86_64) arch=x64 ;;
	aarch64) arch=arm64 ;;
	*) SKIP_WHY="node ${major:-(none)} is older than $1 and the npm registry has no node for $(uname -m)"; AGENT_FAILS=1; return 1 ;;
	esac
	NODE_DIR=$CACHE/node-$NODE_PIN/node_modules/node-linux-$arch/bin
	install_agent "node-linux-$arch" "$NODE_PIN" "$CACHE/node-$NODE_PIN" "$NODE_DIR/node" || return 1
	"$NODE_DIR/node" --version >/dev/null 2>&1 || { SKIP_WHY="$NODE_DIR/node does not run here"; AGENT_FAILS=1; return 1; }
}

# install_agent_main INSTALL_FUNCTION CMD: an install_*.sh run directly: prints CMD's path and exits 0, or prints
# why not and exits 1.
install_agent_main() {
	SKIP_WHY=
	if "$1"; then
		printf '%s\n' "$2"
		exit 0
	fi
	printf '%s\n' "$SKIP_WHY"
	exit 1
}

# agent_unavailable N DESC: the end-to-end test cannot run its N checks (SKIP_WHY says why). An agent that is not
# installed or does not run is a failure, not a skip: ./install-deps installs every pinned agent, and a test it
# should have made runnable never skips quietly. NO_AGENTS=1 (given to ./install-deps and make check alike) is the
# way to go without them, and skips. Anything else (no user namespaces on this machine) skips, naming it.
agent_unavailable() {
	if [ -n "$AGENT_FAILS" ] && [ -z "${NO_AGENTS:-}" ]; then
		_t_result 1 "$2: the agent is here and runs" "$SKIP_WHY" \
			"./install-deps installs it; NO_AGENTS=1 (for ./install-deps and make check) goes without the agents"
		[ "$1" -le 1 ] || t_skip_n $(($1 - 1)) "$2" "the agent cannot run (the failure above)"
	else
		t_skip_n "$1" "$2" "$SKIP_WHY${AGENT_FAILS:+ (NO_AGENTS=1)}"
	fi
}
