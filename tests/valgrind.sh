#!/usr/bin/env bash
# tests/valgrind.sh — memcheck over the unit tests and the launcher (`make valgrind` calls it as
# `BUILD=build tests/valgrind.sh`).
#
#   1. every $BUILD/tests/test_* under valgrind: its TAP must pass as usual, and memcheck must report no errors
#      and no definitely or indirectly lost memory;
#   2. the launcher's own allocations over whole commands: `guard policy`, `guard run [--dry-run] -- true`
#      and the same with --allow-degraded (in a scratch git project, as the invoking user), and the agents'
#      hooks (`guard hook claude-code|codex` on a tool call), same criteria.
#
# valgrind 3.19 does not know the Landlock system calls (and a seccomp filter would also confine valgrind
# itself): GUARD_UNDER_VALGRIND=1 is exported, and tests that need those skip, visibly, in their TAP
# (they can also test RUNNING_ON_VALGRIND from <valgrind/valgrind.h>). Children are not traced
# (--trace-children=no): what the launcher execs runs natively, so only guard's own memory is checked.
# Under valgrind guard finds no Landlock: `guard run` refuses (exit 125, still leak-checked) and
# `guard run --allow-degraded` runs the whole launcher and supervisor without it.
#
# Environment: BUILD (default build), VG_TIMEOUT (seconds per program, default 600), VERBOSE=1 (print each
# program's TAP and valgrind log). Last line: "valgrind: N programs, N failed, N skipped"; exit 1 if any failed.
set -u
export LC_ALL=C
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
VG_TIMEOUT=${VG_TIMEOUT:-600}
VERBOSE=${VERBOSE:-0}
export GUARD_UNDER_VALGRIND=1

command -v valgrind >/dev/null || { echo "valgrind: not installed (apt-get install valgrind)"; exit 1; }
VG=(valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
	--show-leak-kinds=definite,indirect --trace-children=no --num-callers=30
	--suppressions="$ROOT/tests/valgrind.supp")

LOG=$(mktemp -d "${TMPDIR:-/tmp}/guard-vg.XXXXXX") || exit 1
trap 'chmod -R u+rwX "$LOG" 2>/dev/null; rm -rf "$LOG"' EXIT
N=0 FAILED=0 SKIPPED=0

# vg LABEL KIND CMD...: run CMD under memcheck; KIND tap (TAP must pass) or cmd (exit status checked by caller
# through $LOG/rc). Sets VG_RC.
vg() {
	local label=$1 kind=$2
	shift 2
	local out=$LOG/out vlog=$LOG/vg.log start end
	N=$((N + 1))
	start=$(date +%s)
	# One log for the process and its forked children (the test's, the launcher's before exec), on an inherited
	# descriptor: --log-file would hand an exec'd program a low descriptor of its own and shift its fd numbers.
	(cd "${VG_CWD:-.}" && timeout -k 10 "$VG_TIMEOUT" "${VG[@]}" --log-fd=9 "$@" >"$out" 2>"$LOG/err" \
		9>"$vlog" <"${VG_STDIN:-/dev/null}"
	 echo $? >"$LOG/rc") 2>/dev/null
	end=$(date +%s)
	VG_RC=$(cat "$LOG/rc")
	local problems=() errs lost
	errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$vlog" | awk '{n += $1} END {print n + 0}')
	lost=$(grep -E 'definitely lost: [1-9]|indirectly lost: [1-9]' "$vlog" | head -2 | sed 's/^==[0-9]*== *//')
	[ "$VG_RC" = 99 ] || [ "${errs:-0}" != 0 ] && problems+=("memcheck errors: $errs (all processes)")
	[ -n "$lost" ] && problems+=("leaks: $(echo "$lost" | tr '\n' ';')")
	[ "$VG_RC" = 124 ] || [ "$VG_RC" = 137 ] && problems+=("timed out after ${VG_TIMEOUT}s")
	local skips=0 fails=0 plan
	if [ "$kind" = tap ]; then
		fails=$(grep -c '^not ok' "$out")
		skips=$(grep -ciE '^ok .*# *skip' "$out")
		plan=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$out" | tail -1)
		[ "$fails" -gt 0 ] && problems+=("$fails failing tests")
		[ -z "$plan" ] && problems+=("no TAP plan (exit $VG_RC)")
		[ -n "$plan" ] && [ "$plan" != "$(grep -cE '^(not )?ok' "$out")" ] && problems+=("plan $plan, ran $(grep -cE '^(not )?ok' "$out")")
		[ "$VG_RC" != 0 ] && [ "$VG_RC" != 99 ] && [ "$fails" = 0 ] && problems+=("exit status $VG_RC")
		SKIPPED=$((SKIPPED + skips))
	fi
	local status=PASS
	[ ${#problems[@]} -gt 0 ] && status=FAIL
	printf '%-4s  %-40s errors %s, %s skipped (%ss)\n' "$status" "$label" "${errs:-?}" "$skips" "$((end - start))"
	[ "$kind" = tap ] && grep -iE '^ok .*# *skip' "$out" | sed "s/^/        /"
	local p
	for p in "${problems[@]+"${problems[@]}"}"; do echo "  FAIL  $label: $p"; done
	if [ $status = FAIL ] || [ "$VERBOSE" = 1 ]; then
		[ $status = FAIL ] && FAILED=$((FAILED + 1))
		grep -E '^not ok' -A3 "$out" | head -20 | sed 's/^/  | /'
		echo "  ---- valgrind log (errors and leaks) ----"
		grep -vE '^==[0-9]+== *$' "$vlog" | sed -n '/ERROR SUMMARY\|Invalid\|uninitialised\|definitely\|indirectly\|Syscall\|at 0x\|by 0x/p' |
			head -60 | sed 's/^/  | /'
		[ -s "$LOG/err" ] && { echo "  ---- stderr (last 10 lines) ----"; tail -n 10 "$LOG/err" | sed 's/^/  | /'; }
	fi
	if [ "$kind" = cmd ]; then cp "$out" "$LOG/cmd.out"; cp "$LOG/err" "$LOG/cmd.err"; fi
	return 0
}

echo "== unit tests under valgrind ($BUILD/tests) =="
shopt -s nullglob
units=("$BUILD"/tests/test_*)
[ ${#units[@]} -gt 0 ] || { echo "  no unit tests in $BUILD/tests (make tests first)"; exit 1; }
for t in "${units[@]}"; do
	[ -x "$t" ] && [ -f "$t" ] || continue
	# A shell wrapper (test_format, test_layers, test_macos_*) runs no guard code of its own: memcheck would
	# trace bash while the programs it starts run natively.
	[ "$(head -c 4 "$t" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
	vg "unit/$(basename "$t")" tap "$t"
done

echo "== guard under valgrind =="
GUARD=$BUILD/guard
# The scratch project lives outside /tmp: the sandbox gets a private /tmp.
PROJ=$(mktemp -d /var/tmp/guard-vg-project.XXXXXX) || exit 1
trap 'chmod -R u+rwX "$LOG" 2>/dev/null; rm -rf "$LOG" "$PROJ"' EXIT
git -C "$PROJ" init -q 2>/dev/null
printf 'SECRET=canary\n' >"$PROJ/.env"

run_guard() { # run_guard LABEL EXPECTED-STATUS ARGS...: a guard command under memcheck, run in the project
	local label=$1 want=$2 failed_before=$FAILED
	shift 2
	VG_CWD=$PROJ vg "$label" cmd "$GUARD" "$@"
	[ "$FAILED" != "$failed_before" ] && return 0
	[ "$VG_RC" = "$want" ] && return 0
	FAILED=$((FAILED + 1))
	echo "  FAIL  $label: exit $VG_RC, expected $want"
	tail -n 10 "$LOG/cmd.err" | sed 's/^/  | /'
}

run_guard "guard policy" 0 policy
run_guard "guard run --dry-run -- true" 125 run --dry-run -- true
# Under valgrind the Landlock probe finds no Landlock: guard refuses to run (125) without --allow-degraded,
# and with it runs the whole launcher and supervisor (namespaces, mounts, session log) without Landlock.
run_guard "guard run -- true (refused: no Landlock under valgrind)" 125 run -- true
run_guard "guard run --allow-degraded -- true" 0 run --allow-degraded -- true
run_guard "guard run --allow-degraded --dry-run -- true" 0 run --allow-degraded --dry-run -- true

# The agents' hooks read a tool call on stdin and the session's compiled policy ($GUARD_POLICY, copied out of a
# session run natively): each must answer with guard's line for .env.
"$GUARD" run -q --allow-degraded --project "$PROJ" -- sh -c 'cat "$GUARD_POLICY" >"$1/policy.img"' sh "$PROJ" \
	2>/dev/null
printf '%s\n' '{"hook_event_name":"PostToolUseFailure","tool_name":"Read","tool_input":{"file_path":".env"},' \
	'"error":"EACCES: permission denied, open '"'$PROJ/.env'"'","cwd":"'"$PROJ"'"}' | tr -d '\n' >"$PROJ/claude.json"
printf '%s' '{"hook_event_name":"PreToolUse","tool_name":"apply_patch","cwd":"'"$PROJ"'","tool_input":' \
	'{"command":"*** Begin Patch\n*** Update File: .env\n@@\n-a\n+b\n*** End Patch\n"}}' >"$PROJ/codex-pre.json"
printf '%s' '{"hook_event_name":"PostToolUse","tool_name":"Bash","cwd":"'"$PROJ"'","tool_input":{"command":"x"},' \
	'"tool_response":"x: .env: Permission denied (EACCES)\nopen '"$PROJ"'/.env: permission denied\n"}' \
	>"$PROJ/codex-post.json"
for h in claude:claude-code codex-pre:codex codex-post:codex; do
	GUARD_POLICY=$PROJ/policy.img VG_STDIN=$PROJ/${h%%:*}.json run_guard "guard hook ${h#*:} (${h%%:*})" 0 hook "${h#*:}"
	if ! grep -q 'guard: denied [a-z]* of .env by files.deny' "$LOG/cmd.out" 2>/dev/null; then
		FAILED=$((FAILED + 1))
		echo "  FAIL  guard hook ${h#*:} (${h%%:*}): no explanation of .env in its answer"
	fi
done

echo "valgrind: $N programs, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" -eq 0 ]
