# tests/attacks/common.bash — sourced by every tests/attacks/*.sh (not a test itself: the runner takes *.sh only).
#
# An attack is a command run under guard that tries to get a canary out or to do damage. The attack itself does not
# judge: the checks here decide from what came out (stdout/stderr), from files outside the sandbox, and from
# listeners outside, whether it was blocked. Every attack runs in several variants ("flavours"):
#   ns       namespaces mode, the shim injected (guard's default)
#   ns-raw   namespaces mode, --no-shim (what a static binary or raw-syscall agent meets)
#   ll       Landlock-only mode (--no-userns), the shim injected
#   ll-raw   Landlock-only mode, --no-shim
# and where it matters through tests/bin/attack_static (raw syscalls, no libc wrappers for any shim to see).
#
#   . "$(dirname "$0")/common.bash"      # sources ../lib.sh, builds the world, finds the helpers
#   for f in $FLAVOURS; do ga "$f" -- CMD...; a_clean "[$f] CMD leaks nothing"; done
#
# Known gaps stay visible: `todo "reason" CHECK ARGS...` runs one check and, when it fails, prints
# "not ok N - desc # TODO reason" (tests/run counts it as skipped and lists it); when it passes it prints
# "ok N - desc # TODO reason" so the gap shows as closed. Never a silent skip.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
needs python3 # every attack script drives python3 inside the sandbox

setup_world
ATTACK=$(helper attack_static)
RAWOPS=$(helper rawops_static)
FLAVOURS=${ATTACK_FLAVOURS:-"ns ns-raw ll ll-raw"}
# Landlock-only mode needs Landlock; namespaces mode needs user namespaces. A flavour this machine cannot run is
# dropped with one visible skip.
if ! have_userns; then
	t_skip "namespaces-mode flavours" "no user namespaces here: only Landlock-only mode is attacked"
	FLAVOURS=$(printf '%s\n' $FLAVOURS | grep -v '^ns' | tr '\n' ' ')
fi
if [ "$(landlock_abi)" -lt 1 ]; then
	t_skip "Landlock-only flavours" "no Landlock in this kernel"
	FLAVOURS=$(printf '%s\n' $FLAVOURS | grep -v '^ll' | tr '\n' ' ')
fi
# the flavours of one kind; a static binary ignores LD_PRELOAD, so its attacks run once per mode (with guard's
# defaults), not once more with --no-shim
NS_FLAVOURS=$(printf '%s\n' $FLAVOURS | grep '^ns' | tr '\n' ' ')
STATIC_FLAVOURS=$(printf '%s\n' $FLAVOURS | grep -v -- '-raw$' | tr '\n' ' ')
[ -n "$STATIC_FLAVOURS" ] || STATIC_FLAVOURS=$FLAVOURS

# need_helper NAME: fail (never skip) when a helper the attacks rely on was not built.
need_helper() {
	[ -n "$1" ] && return 0
	_t_result 1 "helper $2 is built ($HELPERS/$2)" "run 'make tests' first"
	return 1
}
need_helper "$ATTACK" attack_static
need_helper "$RAWOPS" rawops_static

# flavour_args FLAVOUR: guard run options of a flavour
flavour_args() {
	case $1 in
	ns) ;;
	ns-raw) printf '%s\n' --no-shim ;;
	ll) printf '%s\n' --no-userns ;;
	ll-raw) printf '%s\n' --no-userns --no-shim ;;
	*) echo "unknown flavour $1" >&2 ;;
	esac
}

# ga FLAVOUR [GUARD-RUN-OPTIONS...] -- CMD...: guard run in that flavour (sets RC OUT ERR like gr).
ga() {
	local f=$1
	shift
	local -a opts
	mapfile -t opts < <(flavour_args "$f")
	gr ${opts[@]+"${opts[@]}"} "$@"
	G_CMD="[$f] $G_CMD"
}

# ----------------------------------------------------------------------------------------------- TODO support
# T_TODO set: the next results carry "# TODO $T_TODO", and a failure is not counted (tests/run lists it).
T_TODO=
_t_result() {
	local st=$1 desc=$2
	shift 2
	T_N=$((T_N + 1))
	local todo=
	[ -n "$T_TODO" ] && todo=" # TODO $T_TODO"
	if [ "$st" -eq 0 ]; then
		printf 'ok %d - %s%s\n' "$T_N" "$desc" "$todo"
	else
		[ -z "$T_TODO" ] && T_FAILED=$((T_FAILED + 1))
		printf 'not ok %d - %s%s\n' "$T_N" "$desc" "$todo"
		local d
		for d in "$@"; do [ -n "$d" ] && _t_diag "$d"; done
	fi
	return "$st"
}

# todo REASON CHECK ARGS...: one check, as a known gap.
todo() {
	local reason=$1
	shift
	T_TODO=$reason
	"$@"
	local st=$?
	T_TODO=
	return $st
}

# maybe_todo COND REASON CHECK ARGS...: a known gap only when COND (a shell test string, eval'd) holds.
maybe_todo() {
	local cond=$1 reason=$2
	shift 2
	if eval "$cond"; then todo "$reason" "$@"; else "$@"; fi
}

# ------------------------------------------------------------------------------------------------------ checks
# Every secret canary of the world, plus those a script adds with add_secret NAME.
add_secret() { SECRET_NAMES="$SECRET_NAMES $1"; }

# has_canary NAME TEXT: does TEXT hold NAME's canary as a whole word? ("env" must not match "env_example", nor
# "id_rsa" the public "id_rsa_pub": lib.sh's t_no_secrets matches substrings, so it is redefined here.)
has_canary() {
	printf '%s\n' "$2" | grep -aqE -- "$(canary "$1")([^A-Za-z0-9_]|\$)"
}
t_no_secrets() {
	local n leaked=
	for n in $SECRET_NAMES; do
		has_canary "$n" "$2" && leaked="$leaked $n"
	done
	[ -z "$leaked" ] && { _t_result 0 "$1"; return; }
	_t_result 1 "$1" "leaked:$leaked" "$(printf '%s\n' "$2" | grep -aE "CANARY-$RUN_ID-($(echo $leaked | tr ' ' '|'))" | head -5)" "$(_t_last)"
}

# a_clean DESC: the attack ran (guard started it) and no secret canary is in its stdout or stderr.
a_clean() {
	if ! g_ran; then
		_t_result 1 "$1" "the attack did not run (guard error or timeout)" "$(_t_last)"
		return
	fi
	t_no_secrets "$1" "$OUT
$ERR"
}

# a_refused DESC WHAT: the helper's "RESULT WHAT: ..." line says the kernel refused (any errno), and no canary.
a_refused() {
	local desc=$1 what=$2 line
	if ! g_ran; then
		_t_result 1 "$desc" "the attack did not run" "$(_t_last)"
		return
	fi
	line=$(printf '%s\n' "$OUT" | grep -F "RESULT $what: " | tail -1)
	case $line in
	'') _t_result 1 "$desc" "no 'RESULT $what:' line: the call was not reached" "$(_t_last)" ;;
	*": ok") _t_result 1 "$desc" "the kernel allowed it: $line" "$(_t_last)" ;;
	*) t_no_secrets "$desc" "$OUT
$ERR" ;;
	esac
}

# a_refused_with DESC WHAT ERE: like a_refused, and the errno name matches ERE (e.g. 'EPERM|ENOSYS'): a refusal by
# the boundary, not an accident of arguments.
a_refused_with() {
	local desc=$1 what=$2 ere=$3 line
	if ! g_ran; then
		_t_result 1 "$desc" "the attack did not run" "$(_t_last)"
		return
	fi
	line=$(printf '%s\n' "$OUT" | grep -F "RESULT $what: " | tail -1)
	if [ -z "$line" ]; then
		_t_result 1 "$desc" "no 'RESULT $what:' line: the call was not reached" "$(_t_last)"
	elif printf '%s\n' "${line##*: }" | grep -Eqx -- "$ere"; then
		_t_result 0 "$desc"
	else
		_t_result 1 "$desc" "expected $ere, got: $line" "$(_t_last)"
	fi
}

# a_stopped DESC: the helper's last RESULT line is a refusal (whichever step it was), and no canary.
a_stopped() {
	local line
	if ! g_ran; then
		_t_result 1 "$1" "the attack did not run" "$(_t_last)"
		return
	fi
	line=$(printf '%s\n' "$OUT" | grep '^RESULT ' | tail -1)
	case $line in
	'') _t_result 1 "$1" "no RESULT line: the helper did not get to a call" "$(_t_last)" ;;
	*": ok") _t_result 1 "$1" "the kernel allowed every step: $line" "$(_t_last)" ;;
	*) t_no_secrets "$1" "$OUT
$ERR" ;;
	esac
}

# a_killed_or_refused DESC WHAT ERE: refused with ERE, or the process was killed by SIGSYS (a seccomp kill also
# blocks the call).
a_killed_or_refused() {
	if [ "$RC" = $((128 + 31)) ] || [ "$RC" = $((128 + 9)) ]; then
		_t_result 0 "$1"
		return
	fi
	a_refused_with "$@"
}

# Files holding a secret canary, outside the originals: copies, hard links, planted files left behind in the
# project or the home directory (where a later `git add -A`, backup or upload outside the sandbox would take them).
ORIGINALS=("$PROJECT/.env" "$PROJECT/.env.local" "$PROJECT/config/server.pem" "$PROJECT/secrets/db.txt"
	"$HOME/.ssh/id_rsa" "$HOME/.aws/credentials" "$HOME/Documents/private.txt")
secret_copies() {
	local n f o hits=
	for n in $SECRET_NAMES; do
		while IFS= read -r f; do
			[ -n "$f" ] || continue
			for o in "${ORIGINALS[@]}"; do [ "$f" = "$o" ] && continue 2; done
			hits="$hits$f ($n)
"
		done < <(grep -rlE --exclude-dir=.git -- "$(canary "$n")([^A-Za-z0-9_]|\$)" "$PROJECT" "$HOME" 2>/dev/null)
	done
	printf '%s' "$hits"
}

# a_no_copies DESC: no file outside the originals holds a secret; removes what it found so later attacks start
# clean.
a_no_copies() {
	local hits
	hits=$(secret_copies)
	if [ -z "$hits" ]; then
		_t_result 0 "$1"
		return
	fi
	_t_result 1 "$1" "files holding a secret after the run:" "$hits" "$(_t_last)"
	local f
	while IFS= read -r f; do
		f=${f% (*}
		[ -n "$f" ] && rm -f -- "$f"
	done <<<"$hits"
}

# a_git_clean DESC: no git object of the project holds a secret (git add / stash of a secret).
a_git_clean() {
	local n leaked= all
	all=$(git -C "$PROJECT" cat-file --batch-all-objects --batch 2>/dev/null | grep -aoE "CANARY-$RUN_ID-[A-Za-z0-9_]+")
	for n in $SECRET_NAMES; do
		has_canary "$n" "$all" && leaked="$leaked $n"
	done
	[ -z "$leaked" ] && { _t_result 0 "$1"; return; }
	_t_result 1 "$1" "git objects hold:$leaked" "$(_t_last)"
}

# alive PID: is that process still there (and not a zombie)?
alive() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# start_outside VAR CMD...: start CMD in the background outside the sandbox, stopped at exit; its pid in VAR.
start_outside() {
	local __var=$1
	shift
	"$@" </dev/null >/dev/null 2>&1 &
	local pid=$!
	at_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
	printf -v "$__var" '%s' "$pid"
}
