# tests/lib.sh — sourced by every integration and attack script (bash).
#
#   . "$(dirname "$0")/../lib.sh"
#   setup_world                        # temp world: fake $HOME with canary secrets, git project $PROJECT (cwd)
#   gr -- cat .env                     # guard run -- cat .env: sets RC, OUT, ERR (stdin </dev/null, timeout)
#   t_denied  "cat .env is denied" env # ran, failed, "Permission denied", canary "env" not in the output
#   t_allowed "ls works" src           # exit 0 and stdout contains "src"
#   t_refused "mv .env x fails"        # ran (not a guard error) and failed
#   t_clean   "no leak" "$(canary env)"
#   t_rc "exit 3 passes through" 3
#   t_done
# Generic checks: t_ok/t_fail DESC CMD..., t_eq/t_ne DESC A B, t_match/t_nomatch DESC ERE TEXT, t_has/t_lacks DESC
# STR TEXT, t_true DESC TEST-ARGS..., t_skip DESC REASON. A check on a guard run never passes when guard is
# missing or failed to start the command (RC is then "guard-missing", "timeout" or guard's own 125).
#
# TAP: one "ok N - desc" / "not ok N - desc" per check, "# ..." diagnostics after a failure, the plan "1..N" at
# the end (t_done), exit 1 when any check failed. tests/run aggregates it.
set -u

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(dirname "$TESTS_DIR")
BUILD=${BUILD:-$ROOT_DIR/build}
case $BUILD in /*) ;; *) BUILD=$ROOT_DIR/$BUILD ;; esac
GUARD=${GUARD:-$BUILD/guard}
case $GUARD in /*) ;; *) GUARD=$PWD/$GUARD ;; esac
HELPERS=$BUILD/tests/bin
# A system PATH: the invoking user's PATH may point into a home directory the sandbox (rightly) hides.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C
G_TIMEOUT=${G_TIMEOUT:-30}   # seconds for one guard invocation

# ---------------------------------------------------------------------------------------------------------- TAP
T_N=0
T_FAILED=0

# _t_result STATUS DESC [DIAGNOSTIC...]: STATUS 0 = ok.
_t_result() {
	local st=$1 desc=$2
	shift 2
	T_N=$((T_N + 1))
	if [ "$st" -eq 0 ]; then
		printf 'ok %d - %s\n' "$T_N" "$desc"
	else
		T_FAILED=$((T_FAILED + 1))
		printf 'not ok %d - %s\n' "$T_N" "$desc"
		local d
		for d in "$@"; do [ -n "$d" ] && _t_diag "$d"; done
	fi
	return "$st"
}

# Print text as TAP diagnostics ("#   " prefix), at most 15 lines per item.
_t_diag() {
	local text=$1 n=0 line
	while IFS= read -r line && [ $n -lt 15 ]; do
		printf '#   %s\n' "$line"
		n=$((n + 1))
	done <<<"$text"
	[ "$(printf '%s\n' "$text" | wc -l)" -gt 15 ] && printf '#   ...\n'
	return 0
}

# Last guard run, for diagnostics.
_t_last() {
	[ -n "${G_CMD:-}" ] || return 0
	printf 'last: %s\nexit: %s\nstdout: %s\nstderr: %s' "$G_CMD" "${RC:-}" "$(printf '%s' "${OUT:-}" | head -c 600)" \
		"$(printf '%s' "${ERR:-}" | head -c 600)"
}

# t_ok DESC CMD...: CMD exits 0.
t_ok() {
	local desc=$1 out st
	shift
	out=$("$@" 2>&1 </dev/null)
	st=$?
	[ $st -eq 0 ] && { _t_result 0 "$desc"; return; }
	_t_result 1 "$desc" "command: $*" "exit: $st" "output: $out"
}

# t_fail DESC CMD...: CMD exits non-zero.
t_fail() {
	local desc=$1 out st
	shift
	out=$("$@" 2>&1 </dev/null)
	st=$?
	[ $st -ne 0 ] && { _t_result 0 "$desc"; return; }
	_t_result 1 "$desc" "command (expected to fail): $*" "output: $out"
}

# t_eq DESC EXPECTED ACTUAL
t_eq() {
	[ "$2" = "$3" ] && { _t_result 0 "$1"; return; }
	_t_result 1 "$1" "expected: '$2'" "actual:   '$3'" "$(_t_last)"
}

# t_ne DESC UNEXPECTED ACTUAL
t_ne() {
	[ "$2" != "$3" ] && { _t_result 0 "$1"; return; }
	_t_result 1 "$1" "expected anything but: '$2'" "$(_t_last)"
}

# t_match DESC ERE TEXT: TEXT matches the extended regex (grep -E, any line).
t_match() {
	printf '%s\n' "$3" | grep -Eq -- "$2" && { _t_result 0 "$1"; return; }
	_t_result 1 "$1" "expected to match /$2/:" "$3" "$(_t_last)"
}

# t_nomatch DESC ERE TEXT
t_nomatch() {
	! printf '%s\n' "$3" | grep -Eq -- "$2" && { _t_result 0 "$1"; return; }
	_t_result 1 "$1" "expected NOT to match /$2/:" "$(printf '%s\n' "$3" | grep -E -- "$2" | head -5)" "$(_t_last)"
}

# t_has DESC STRING TEXT / t_lacks DESC STRING TEXT: fixed-string containment.
t_has() {
	case $3 in *"$2"*) _t_result 0 "$1"; return ;; esac
	_t_result 1 "$1" "expected to contain: '$2'" "in: $3" "$(_t_last)"
}
t_lacks() {
	case $3 in *"$2"*) _t_result 1 "$1" "must not contain: '$2'" "$(_t_last)"; return ;; esac
	_t_result 0 "$1"
}

# t_true DESC TEST-ARGS...: `test` expression, e.g. t_true "file kept" -f .env
t_true() {
	local desc=$1
	shift
	test "$@" && { _t_result 0 "$desc"; return; }
	_t_result 1 "$desc" "test $* is false" "$(_t_last)"
}

# t_skip DESC REASON
t_skip() {
	T_N=$((T_N + 1))
	printf 'ok %d - %s # SKIP %s\n' "$T_N" "$1" "$2"
}

# t_skip_n COUNT DESC REASON: skip a block of COUNT checks that could not run.
t_skip_n() {
	local i
	for ((i = 1; i <= $1; i++)); do t_skip "$2 ($i/$1)" "$3"; done
}

t_diag() { _t_diag "$*"; }

t_done() {
	printf '1..%d\n' "$T_N"
	[ "$T_FAILED" -eq 0 ]
	exit $?
}

# ------------------------------------------------------------------------------------------------- running guard
# g ARGS...: run "$GUARD ARGS..." with stdin from /dev/null and a timeout; sets RC, OUT, ERR, G_CMD.
# A missing guard binary never yields a plausible exit status (RC=guard-missing), so no test passes by accident.
g() {
	G_CMD="guard $*"
	if [ ! -x "$GUARD" ]; then
		RC=guard-missing OUT= ERR="guard binary missing: $GUARD"
		return 0
	fi
	timeout -k 5 "$G_TIMEOUT" "$GUARD" "$@" >"$T_WORK/out" 2>"$T_WORK/err" </dev/null
	RC=$?
	OUT=$(cat "$T_WORK/out")
	ERR=$(cat "$T_WORK/err")
	if [ "$RC" -eq 124 ]; then
		ERR="$ERR
[tests: timed out after ${G_TIMEOUT}s]"
		RC=timeout
	fi
	return 0
}

# gi INPUT ARGS...: like g, with INPUT on stdin.
gi() {
	local input=$1
	shift
	G_CMD="guard $* <<<'$input'"
	if [ ! -x "$GUARD" ]; then
		RC=guard-missing OUT= ERR="guard binary missing: $GUARD"
		return 0
	fi
	printf '%s' "$input" | timeout -k 5 "$G_TIMEOUT" "$GUARD" "$@" >"$T_WORK/out" 2>"$T_WORK/err"
	RC=$?
	OUT=$(cat "$T_WORK/out")
	ERR=$(cat "$T_WORK/err")
	[ "$RC" -eq 124 ] && RC=timeout
	return 0
}

# gr ARGS... : g run ARGS... (the common case)
gr() { g run "$@"; }

# Convenience checks on the last guard run.
# t_denied DESC SECRET-NAME: the command failed, said "Permission denied" (or EACCES/EPERM wording) and leaked no
# canary of SECRET-NAME.
t_denied() {
	local desc=$1 name=$2
	_t_denial "$desc" "$name" 'permission denied|operation not permitted|EACCES|EPERM' "'Permission denied'"
}

# t_hidden DESC SECRET-NAME: like t_denied, but "No such file or directory" also counts: for paths in the parts
# of $HOME that no rule grants, which the profile makes invisible rather than unreadable.
t_hidden() {
	_t_denial "$1" "$2" 'permission denied|operation not permitted|EACCES|EPERM|no such file|ENOENT' \
		"'Permission denied' or 'No such file'"
}

_t_denial() { # DESC NAME ERE WHAT
	if ! g_ran || [ "$RC" = 0 ]; then
		_t_result 1 "$1" "expected the command to run and fail with a denial" "$(_t_last)"
		return
	fi
	case $OUT$ERR in
	*"$(canary "$2")"*) _t_result 1 "$1" "canary of $2 leaked" "$(_t_last)"; return ;;
	esac
	printf '%s\n' "$ERR" | grep -Eqi "$3" && {
		_t_result 0 "$1"
		return
	}
	_t_result 1 "$1" "no $4 in stderr" "$(_t_last)"
}

# t_allowed DESC EXPECTED-TEXT: exit 0 and stdout contains the text.
t_allowed() {
	if [ "$RC" = 0 ]; then
		case $OUT in *"$2"*) _t_result 0 "$1"; return ;; esac
	fi
	_t_result 1 "$1" "expected exit 0 and stdout containing '$2'" "$(_t_last)"
}

# g_ran: did the last guard run start the command? (numeric status, not guard's own 125 nor 126/127)
g_ran() {
	case $RC in '' | *[!0-9]*) return 1 ;; 125 | 126 | 127) return 1 ;; esac
	return 0
}

# t_refused DESC: the command ran and failed (exit non-zero, not a guard error) — "mv .env x fails".
t_refused() {
	if g_ran && [ "$RC" -ne 0 ]; then
		_t_result 0 "$1"
		return
	fi
	_t_result 1 "$1" "expected the command to run and fail" "$(_t_last)"
}

# t_clean DESC STRING: the command ran (whatever its status) and STRING is nowhere in its stdout or stderr.
t_clean() {
	if ! g_ran; then
		_t_result 1 "$1" "the command did not run" "$(_t_last)"
		return
	fi
	case $OUT$ERR in *"$2"*) _t_result 1 "$1" "must not contain: '$2'" "$(_t_last)"; return ;; esac
	_t_result 0 "$1"
}

# t_out_nomatch DESC ERE: the command ran and no line of its stdout matches ERE.
t_out_nomatch() {
	if ! g_ran; then
		_t_result 1 "$1" "the command did not run" "$(_t_last)"
		return
	fi
	t_nomatch "$1" "$2" "$OUT"
}

# t_rc DESC EXPECTED: exit status of the last guard run.
t_rc() { t_eq "$1" "$2" "$RC"; }

# ------------------------------------------------------------------------------------------------------- world
# Unique per run: canaries carry it so a leak is never confused with another run's.
RUN_ID=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
canary() { printf 'CANARY-%s-%s' "$RUN_ID" "$1"; }

T_WORK=
T_CLEANUP=()
_t_cleanup() {
	local i
	for ((i = ${#T_CLEANUP[@]} - 1; i >= 0; i--)); do eval "${T_CLEANUP[i]}" >/dev/null 2>&1; done
	if [ -n "$T_WORK" ] && [ -d "$T_WORK" ]; then
		chmod -R u+rwX "$T_WORK" 2>/dev/null
		rm -rf "$T_WORK"
	fi
}
trap _t_cleanup EXIT
trap 'exit 130' INT TERM

# at_exit 'shell code': run at cleanup, last registered first.
at_exit() { T_CLEANUP+=("$1"); }

_put() { # _put PATH CONTENT
	mkdir -p "$(dirname "$1")"
	printf '%s\n' "$2" >"$1"
}

# setup_world: a fresh world in a temp dir owned by the invoking user (/var/tmp: guard gives the sandbox a
# private /tmp, and the world must not depend on the project being under /tmp):
#   $T_WORK/home     exported as HOME, with XDG_CONFIG_HOME / XDG_STATE_HOME / XDG_CACHE_HOME inside
#   $PROJECT         = $HOME/src/project, a git repository; the current directory afterwards
# Canaries (content "CANARY-<run>-<name>"), secret ones (must never be readable in the sandbox):
#   id_rsa aws_credentials private_doc env env_local server_pem secrets_db
# and public ones (readable): id_rsa_pub known_hosts bashrc gitconfig cache env_example main_c
setup_world() {
	local base
	for base in ${TEST_TMPDIR:-} /var/tmp /tmp; do
		[ -n "$base" ] && [ -d "$base" ] && [ -w "$base" ] && break
	done
	T_WORK=$(mktemp -d "$base/guard-test.XXXXXX") || { echo "Bail out! mktemp failed"; exit 1; }
	chmod 755 "$T_WORK"
	export HOME=$T_WORK/home
	export XDG_CONFIG_HOME=$HOME/.config XDG_STATE_HOME=$HOME/.local/state XDG_CACHE_HOME=$HOME/.cache
	unset XDG_RUNTIME_DIR XDG_DATA_HOME SSH_AUTH_SOCK GUARD_LANDLOCK_ABI TMPDIR
	mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_STATE_HOME"

	_put "$HOME/.ssh/id_rsa" "$(canary id_rsa)"
	_put "$HOME/.ssh/id_rsa.pub" "ssh-rsa AAAA $(canary id_rsa_pub)"
	_put "$HOME/.ssh/known_hosts" "example.org ssh-ed25519 AAAA $(canary known_hosts)"
	chmod 700 "$HOME/.ssh"
	chmod 600 "$HOME/.ssh/id_rsa"
	_put "$HOME/.aws/credentials" "[default]
aws_secret_access_key = $(canary aws_credentials)"
	_put "$HOME/.bashrc" "# $(canary bashrc)"
	_put "$HOME/.gitconfig" "# $(canary gitconfig)
[user]
	name = Guard Test
	email = guard-test@example.invalid
[init]
	defaultBranch = main"
	_put "$HOME/.cache/x" "$(canary cache)"
	_put "$HOME/Documents/private.txt" "$(canary private_doc)"

	export PROJECT=$HOME/src/project
	_put "$PROJECT/.env" "API_KEY=$(canary env)"
	_put "$PROJECT/.env.local" "API_KEY=$(canary env_local)"
	_put "$PROJECT/.env.example" "API_KEY=$(canary env_example)"
	_put "$PROJECT/src/main.c" "/* $(canary main_c) */ int main(void) { return 0; }"
	_put "$PROJECT/config/server.pem" "-----BEGIN PRIVATE KEY----- $(canary server_pem)"
	_put "$PROJECT/secrets/db.txt" "$(canary secrets_db)"
	git -C "$PROJECT" init -q
	cd "$PROJECT" || exit 1
}

# Every secret canary name; t_no_secrets checks none appears in a text.
SECRET_NAMES="id_rsa aws_credentials private_doc env env_local server_pem secrets_db"
t_no_secrets() {
	local n leaked=
	for n in $SECRET_NAMES; do
		case $2 in *"$(canary "$n")"*) leaked="$leaked $n" ;; esac
	done
	[ -z "$leaked" ] && { _t_result 0 "$1"; return; }
	_t_result 1 "$1" "leaked:$leaked" "$(_t_last)"
}

# user_config YAML: write $XDG_CONFIG_HOME/guard/config.yaml
user_config() { _put "$XDG_CONFIG_HOME/guard/config.yaml" "$1"; }
project_config() { printf '%s\n' "$1" >"$PROJECT/.guard.yaml"; }

# ------------------------------------------------------------------------------------------------------ probes
# Probes ask the kernel directly, not guard: a test must not let the program under test decide whether it runs.

# have_userns: can this user create a user namespace (and map itself)?
have_userns() {
	unshare --user --map-root-user --mount true >/dev/null 2>&1
}

# landlock_abi: prints the running kernel's Landlock ABI (0 when unavailable), read once (below) from the helper
# landlock_abi, a direct syscall: no python3 needed, and no answer from guard.
landlock_abi() { printf '%s\n' "$KERNEL_LANDLOCK_ABI"; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# needs PROG...: this script calls PROG. `tests/run --preflight` collects these lines from every script (the list
# of programs ./install-deps must install, checked in CI); a missing program is a failure naming it, never a skip.
needs() {
	local p missing=0
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 && continue
		_t_result 1 "$p is installed (this script calls it)" "$p not installed: run ./install-deps, which installs every program the tests call"
		missing=1
	done
	[ $missing = 0 ] || t_done
}

# pty ROWS COLS TIMEOUT STEPS -- CMD...: run CMD on a new pseudo-terminal, driven by STEPS (integration/ptydrive.py
# says which); sets PTY_OUT (transcript) and PTY_RC (exit status of CMD, or "fail").
PTYDRIVE=$TESTS_DIR/integration/ptydrive.py
pty() {
	PTY_OUT=$(python3 "$PTYDRIVE" "$@" 2>&1 </dev/null)
	PTY_RC=$(printf '%s\n' "$PTY_OUT" | sed -n 's/^PTY-EXIT=//p' | tail -1)
	[ -n "$PTY_RC" ] || PTY_RC=fail
	# ERR: the driver's verdict, which a failed check shows (the transcript is long, and only its start is shown)
	G_CMD="(on a pty) ${*:5}" RC=$PTY_RC OUT=$PTY_OUT ERR=$(printf '%s\n' "$PTY_OUT" | grep -a '^PTY-' | tail -1)
}

# helper NAME: path of a copy of the test helper binary $BUILD/tests/bin/NAME in $PROJECT/tools (the build tree
# may lie outside every tree the sandbox may execute from), or empty when it was not built. After setup_world.
helper() {
	[ -x "$HELPERS/$1" ] || return 0
	mkdir -p "$PROJECT/tools"
	cp "$HELPERS/$1" "$PROJECT/tools/$1" && printf '%s\n' "$PROJECT/tools/$1"
}

# Every script makes its world with git (setup_world) and probes with unshare (have_userns).
needs git unshare timeout
# Without the probe there is no true answer, and a guess turns into false skips ("no Landlock") or false failures.
KERNEL_LANDLOCK_ABI=$("$HELPERS/landlock_abi" 2>/dev/null)
case $KERNEL_LANDLOCK_ABI in
'' | *[!0-9]*)
	echo "Bail out! the Landlock probe $HELPERS/landlock_abi did not run (make tests builds it)"
	exit 1
	;;
esac
