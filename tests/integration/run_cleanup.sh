#!/usr/bin/env bash
# guard leaves nothing behind in the temp directories it uses: its run directory ($XDG_RUNTIME_DIR, else /tmp) and,
# in Landlock-only mode, the session's private temp dir ($TMPDIR, else /tmp); also when it refuses the command
# before launch or dies with 125 after making them (each refusal used to leave an empty guard-* dir in /tmp), and
# when guard itself is killed with SIGKILL.
. "$(dirname "$0")/../lib.sh"
setup_world

RUNDIR=$T_WORK/run TMPD=$T_WORK/tmp
mkdir -p "$RUNDIR" "$TMPD"
chmod 700 "$RUNDIR"
# left: what is in the two dirs (then emptied, so that each check stands alone)
left() {
	ls -A "$RUNDIR" "$TMPD" 2>&1 | grep -v ':$' | grep -v '^$' | tr '\n' ' '
	find "$RUNDIR" "$TMPD" -mindepth 1 -delete 2>/dev/null
}
gt() { XDG_RUNTIME_DIR=$RUNDIR TMPDIR=$TMPD gr "$@"; }
mkdir -p ctl # a signal from inside the sandbox (Landlock-only can't create files next to .env)

for mode in ns ll; do
	opt=()
	[ $mode = ll ] && opt=(--no-userns)
	gt "${opt[@]}" -- cat src/main.c
	t_allowed "[$mode] a command runs" "$(canary main_c)"
	t_eq "[$mode] ... and leaves nothing in the run or temp dir" "" "$(left)"

	gt "${opt[@]}" --deny-exec true -- true
	t_rc "[$mode] a command refused before launch: 126" 126
	t_eq "[$mode] ... leaves nothing in the run or temp dir" "" "$(left)"

	gt "${opt[@]}" -- claude --version
	t_eq "[$mode] an agent with guard's hook (its settings file in the run dir) leaves nothing" "" "$(left)"

	# Refused (125) where no memory cgroup is writable (an unprivileged user), run where one is: either way, clean.
	user_config 'limits: {memory: 64M}'
	gt "${opt[@]}" -- true
	t_true "[$mode] limits.memory: ran or refused with 125 ($RC)" "$RC" = 0 -o "$RC" = 125
	t_eq "[$mode] ... leaves nothing in the run or temp dir" "" "$(left)"
	rm -f "$XDG_CONFIG_HOME/guard/config.yaml"

	# guard killed with SIGKILL (no atexit, no signal handler): the sandbox ends with it, all of it (nothing runs on
	# unobserved and unlogged), and a watcher outside removes its dirs once the sandbox has ended. What the
	# command started in turn too: a daemonised sleep (its parent gone: reparented) and one in a session of its
	# own (setsid). Namespaces mode: the PID namespace ends with its init; Landlock-only mode: guard's keeper
	# (the session's subreaper) ends them when guard dies.
	marker=$((RANDOM + 100000))
	XDG_RUNTIME_DIR=$RUNDIR TMPDIR=$TMPD "$GUARD" run "${opt[@]}" -- sh -c \
		"(sleep $marker &); (setsid sleep $marker &); sleep $marker & touch ctl/started; wait" \
		>/dev/null 2>&1 </dev/null &
	KPID=$!
	for i in $(seq 1 100); do [ "$(pgrep -c -x -f "sleep $marker")" = 3 ] && [ -e ctl/started ] && break; sleep 0.1; done
	t_eq "[$mode] three sleeps started" 3 "$(pgrep -c -x -f "sleep $marker")"
	t_ne "[$mode] guard made its run dir" "" "$(ls -A "$RUNDIR")"
	# The session's cgroup (as root: the pids cgroup that holds limits.processes), found from a sleep's own view.
	cgname=$(grep -o '/guard-[^/]*' "/proc/$(pgrep -o -x -f "sleep $marker")/cgroup" 2>/dev/null | head -1)
	cgdirs=$([ -n "$cgname" ] && find /sys/fs/cgroup -maxdepth 4 -type d -name "${cgname#/}" 2>/dev/null)
	kill -9 "$KPID"
	wait "$KPID" 2>/dev/null
	# A generous bound: the sandbox either ends at once or sleeps for a day.
	for i in $(seq 1 100); do pgrep -x -f "sleep $marker" >/dev/null || break; sleep 0.1; done
	t_eq "[$mode] guard killed with SIGKILL: its command and all it started ended with it" "" \
		"$(pgrep -a -x -f "sleep $marker")"
	pkill -KILL -x -f "sleep $marker"
	for i in $(seq 1 200); do [ -z "$(ls -A "$RUNDIR" "$TMPD" 2>/dev/null | grep -v ':$' | grep -v '^$')" ] && break; sleep 0.1; done
	t_eq "[$mode] guard killed with SIGKILL: nothing left in the run or temp dir" "" "$(left)"
	rm -f ctl/started
	# Its cgroup directories outlive it (nobody is left to remove them); the next guard that makes its own removes
	# them, as it removes every guard-* directory that no living session holds (flock) and no process is in. (Not
	# checked in between: a guard of a test running beside this one may already have removed them.)
	if [ -z "$cgdirs" ]; then
		t_skip_n 2 "[$mode] cgroup of a killed guard" "this run made no cgroup (as $(id -un): no writable hierarchy)"
	else
		gt "${opt[@]}" -- true
		t_rc "[$mode] the next guard runs" 0
		t_eq "[$mode] ... and removed the cgroup directories of the guard killed above" "" \
			"$(for d in $cgdirs; do [ -d "$d" ] && echo "$d"; done)"
	fi
done
t_done
