#!/usr/bin/env bash
# tests/bench/workloads.sh — the workloads section of `make bench` (issue 14): what an agent's commands cost
# inside a session. Each workload runs in ONE session, several ways, in paired runs (run i of every way back to
# back, the order rotating per run); a ratio is a way's time over bare's time in the same run, printed as
# median [min-max] over the runs.
#
#   BUILD=build tests/bench/workloads.sh     WRUNS=N paired runs (default 5), WORKLOADS='exec git' a subset
#
# Ways: bare; guard (default policy, shim and observer on); bwrap (an equivalent policy); guard --no-shim; guard
# --no-observer; guard with neither. Wall time is what a user feels; CPU time (the command and every descendant,
# guard's supervisor included) is steadier on a machine shared with other jobs. A last pass runs each workload once
# more under guard with GUARD_STATS set and prints the supervisor's own counters: where the time goes.
set -u
export LC_ALL=C
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
G=$BUILD/guard
WRUNS=${WRUNS:-5}
WORKLOADS=${WORKLOADS:-exec python git cc node pytest}

die() { echo "workloads: $*" >&2; exit 1; }
[ -x "$G" ] || die "$G missing: run make first"

W=$(mktemp -d "${TMPDIR:-/tmp}/guard-workloads.XXXXXX") || die "mktemp failed"
chmod 755 "$W"
trap 'rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
export HOME=$W/home XDG_STATE_HOME=$W/state XDG_CONFIG_HOME=$W/home/.config GUARD_QUIET=1
unset LD_PRELOAD GUARD_POLICY GUARD_SESSION GUARD_STATS
mkdir -p "$HOME/.config" "$XDG_STATE_HOME"
printf '[user]\n\tname = bench\n\temail = bench@example.invalid\n' >"$HOME/.gitconfig"
git_quiet() { git -c init.defaultBranch=main "$@" >/dev/null 2>&1; }

TIMEIT=$W/timeit
cc -O2 -o "$TIMEIT" "$ROOT/tests/bench/timeit.c" || die "cannot build tests/bench/timeit.c"

# ------------------------------------------------------------------------------------------------- the world
# One project (a git repository) holding each workload's directory; the 20k-file repository is a project of its
# own, as it would be.
P=$W/work
mkdir -p "$P/exec" "$P/py" "$P/cc/out" "$P/node/node_modules" "$P/pytest"
(cd "$P" && git_quiet init)
cp -r "$ROOT/include" "$ROOT/preload" "$P/cc/"
for i in $(seq 0 199); do
	mkdir -p "$P/node/node_modules/m$i"
	echo "const path = require('path'); module.exports = { id: $i, name: path.basename(__dirname) };" \
		>"$P/node/node_modules/m$i/index.js"
done
{
	echo "let sum = 0;"
	echo "for (let i = 0; i < 200; i++) sum += require('m' + i).id;"
	echo "if (sum !== 19900) process.exit(1);"
} >"$P/node/main.js"
for f in $(seq 0 29); do
	{
		echo "import pytest"
		for t in $(seq 0 9); do
			echo "def test_f${f}_$t():"
			echo "    assert $t + $f >= 0"
		done
	} >"$P/pytest/test_m$f.py"
done
GITP=$W/git20k
mkdir -p "$GITP"
(
	cd "$GITP" || exit 1
	for d in $(seq -w 0 199); do echo "d$d"; done | xargs mkdir
	for d in $(seq -w 0 199); do (cd "d$d" && seq -f "f%03g.txt" 0 99 | xargs touch); done
	git_quiet init && git_quiet add -A && git_quiet commit -m init && git status >/dev/null
)

# name|directory|label|script (run by sh -c)
PY_IMPORTS='import json, re, os, sys, subprocess, collections, itertools, functools, pathlib, typing, datetime, argparse'
CC_FILES='preload/core/event.c preload/core/explain.c preload/core/image.c preload/core/match.c preload/core/path.c
preload/shim_dedup.c preload/shim_envp.c preload/shim_note.c'
WDEFS=(
	"exec|$P/exec|500 execs of /bin/true from sh|i=0; while [ \$i -lt 500 ]; do /bin/true; i=\$((i+1)); done"
	"python|$P/py|python3: 12 stdlib imports, 20 times|for i in \$(seq 20); do python3 -c '$PY_IMPORTS'; done"
	"git|$GITP|git status, 20k-file repo, 20 times|for i in \$(seq 20); do git status >/dev/null; done"
	"cc|$P/cc|gcc -O2 -c of 8 C sources (guard's shim)|for f in $(echo $CC_FILES); do gcc -std=gnu11 -O2 -Iinclude -D_GNU_SOURCE -c \$f -o out/\$(basename \$f).o || exit 1; done"
	"node|$P/node|node requiring 200 modules, 10 times|for i in \$(seq 10); do node main.js || exit 1; done"
	"pytest|$P/pytest|pytest --collect-only of 300 tests, 2 times|for i in 1 2; do python3 -m pytest -q -p no:cacheprovider --collect-only >/dev/null || exit 1; done"
)

have() {
	case $1 in
	node) command -v node >/dev/null ;;
	pytest) python3 -c 'import pytest' 2>/dev/null ;;
	*) true ;;
	esac
}
why_missing() {
	case $1 in
	node) echo "node is not installed (./install-deps installs nodejs)" ;;
	pytest) echo "python3-pytest is not installed (./install-deps installs it)" ;;
	esac
}

HAVE_BWRAP=0
command -v bwrap >/dev/null 2>&1 && HAVE_BWRAP=1
# bwrap with roughly guard's default policy: system trees read-only, the project writable, the fake home's git
# config readable, a private /tmp, fresh /proc and /dev, every namespace.
bwrap_args() { # bwrap_args PROJECT DIR: the command prefix in BW
	BW=(bwrap --unshare-all --die-with-parent --new-session)
	local d
	for d in /usr /etc /opt /sys /bin /sbin /lib /lib32 /lib64 /libx32; do
		[ -e "$d" ] || continue
		if [ -L "$d" ]; then BW+=(--symlink "$(readlink "$d")" "$d"); else BW+=(--ro-bind "$d" "$d"); fi
	done
	BW+=(--proc /proc --dev /dev --tmpfs /tmp --ro-bind "$HOME" "$HOME" --bind "$1" "$1" --chdir "$2")
	[ "$(id -u)" -eq 0 ] && BW+=(--cap-drop ALL)
}

WAYS=(bare guard bwrap noshim noobs neither)
# run_way WAY DIR SCRIPT: times one session; "WALL CPU" in $TW, "" when it failed (the reason in ERRS)
ERRS=()
run_way() {
	local way=$1 dir=$2 script=$3 cmd
	case $way in
	bare) cmd=(sh -c "$script") ;;
	guard) cmd=("$G" run -- sh -c "$script") ;;
	noshim) cmd=("$G" run --no-shim -- sh -c "$script") ;;
	noobs) cmd=("$G" run --no-observer -- sh -c "$script") ;;
	neither) cmd=("$G" run --no-shim --no-observer -- sh -c "$script") ;;
	bwrap)
		local proj=$P
		[ "$dir" = "$GITP" ] && proj=$GITP
		bwrap_args "$proj" "$dir"
		cmd=("${BW[@]}" sh -c "$script")
		;;
	esac
	TW=
	local out
	out=$(cd "$dir" && "$TIMEIT" "${cmd[@]}" 3>&1 >/dev/null 2>"$W/err.txt")
	set -- $out
	if [ $# -ne 3 ] || [ "$3" != 0 ]; then
		ERRS+=("$name, $way: $(head -c 200 "$W/err.txt" | tr '\n' ' ')")
		return 1
	fi
	TW="$1 $2"
}

# median_range VALUES...: "median [min-max]"
median_range() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f [%.2f-%.2f]", m, v[1], v[NR] }'
}

echo "workloads: each in ONE session, $WRUNS paired runs; ratio = the way's time / bare's in the same run," \
	"median [min-max]"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A WALL CPU
WALL_ROWS=() CPU_ROWS=()
for def in "${WDEFS[@]}"; do
	IFS='|' read -r name dir label script <<<"$def"
	case " $WORKLOADS " in *" $name "*) ;; *) continue ;; esac
	if ! have "$name"; then
		ERRS+=("$name: $(why_missing "$name")")
		continue
	fi
	run_way bare "$dir" "$script" >/dev/null || continue # warm the caches; a failing workload is reported once
	for r in $(seq "$WRUNS"); do
		n=${#WAYS[@]}
		for k in $(seq 0 $((n - 1))); do
			way=${WAYS[$(((k + r) % n))]}
			[ "$way" = bwrap ] && [ $HAVE_BWRAP = 0 ] && continue
			run_way "$way" "$dir" "$script" || continue
			WALL[$name,$way,$r]=${TW% *}
			CPU[$name,$way,$r]=${TW#* }
		done
	done
	# ratios per run, then median [min-max]
	ratio_of() { # ratio_of KIND WAY BASEWAY
		local vals=() r a b
		for r in $(seq "$WRUNS"); do
			if [ "$1" = wall ]; then a=${WALL[$name,$2,$r]:-}; b=${WALL[$name,$3,$r]:-}; else
				a=${CPU[$name,$2,$r]:-}; b=${CPU[$name,$3,$r]:-}; fi
			[ -n "$a" ] && [ -n "$b" ] && vals+=("$(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.4f", a / b }')")
		done
		[ ${#vals[@]} -gt 0 ] && median_range "${vals[@]}" || echo "-"
	}
	bare_ms() { # bare_ms KIND: median of bare's times
		local vals=() r
		for r in $(seq "$WRUNS"); do
			if [ "$1" = wall ]; then vals+=(${WALL[$name,bare,$r]:-}); else vals+=(${CPU[$name,bare,$r]:-}); fi
		done
		[ ${#vals[@]} -gt 0 ] && median_range "${vals[@]}" | cut -d' ' -f1 || echo "-"
	}
	for kind in wall cpu; do
		bw=$(ratio_of $kind bwrap bare) gbw=$(ratio_of $kind guard bwrap)
		[ $kind = cpu ] && bw=- gbw=- # see the note under the CPU table
		row=$(printf '%-44s %9s  %-19s %-19s %-19s %-19s %-19s %-19s' "$label" "$(bare_ms $kind)" \
			"$(ratio_of $kind guard bare)" "$bw" "$gbw" \
			"$(ratio_of $kind noshim bare)" "$(ratio_of $kind noobs bare)" "$(ratio_of $kind neither bare)")
		if [ $kind = wall ]; then WALL_ROWS+=("$row"); else CPU_ROWS+=("$row"); fi
	done
done

header() {
	printf '%-44s %9s  %-19s %-19s %-19s %-19s %-19s %-19s\n' "$1" "bare ms" "guard/bare" "bwrap/bare" \
		"guard/bwrap" "--no-shim/bare" "--no-observer/bare" "neither/bare"
}
echo
header "wall time (target: guard/bare, guard/bwrap <= 1.05)"
printf '%s\n' "${WALL_ROWS[@]}"
echo
header "CPU time, all processes of the session"
printf '%s\n' "${CPU_ROWS[@]}"
echo "(bwrap's CPU time is not measured: the processes of its sandbox are reaped by its own pid-1, which the"
echo "rusage of the waited-for bwrap does not include)"

# ------------------------------------------------------------------------------------------- where it goes
# One more session per workload with the supervisor's counters (GUARD_STATS=FILE, supervisor/stats.c): how many
# events each layer brought and what serving them cost the supervisor.
echo
echo "where the time goes (one guard session per workload, the supervisor's own counters; 'stopped' is the time a"
echo "process waited in a notified call, from the supervisor's receive to its answer):"
for def in "${WDEFS[@]}"; do
	IFS='|' read -r name dir label script <<<"$def"
	case " $WORKLOADS " in *" $name "*) ;; *) continue ;; esac
	have "$name" || continue
	rm -f "$W/stats.txt"
	(cd "$dir" && GUARD_STATS=$W/stats.txt "$G" run -- sh -c "$script" >/dev/null 2>&1)
	if [ -s "$W/stats.txt" ]; then
		printf '  %-10s %s\n' "$name" "$(cat "$W/stats.txt")"
	else
		printf '  %-10s %s\n' "$name" "(no counters: this guard does not write GUARD_STATS)"
	fi
done

echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (with more runnable jobs than CPUs the wall ratios" \
	"measure the scheduler, not guard: read the CPU table)"
if [ ${#ERRS[@]} -gt 0 ]; then
	echo
	printf 'workloads not measured: %s\n' "${ERRS[@]}"
fi
exit 0
