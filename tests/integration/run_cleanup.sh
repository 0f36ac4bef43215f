#!/usr/bin/env bash
# guard leaves nothing behind in the temp directories it uses: its run directory ($XDG_RUNTIME_DIR, else /tmp) and,
# in Landlock-only mode, the session's private temp dir ($TMPDIR, else /tmp); also when it refuses the command
# before launch or dies with 125 after making them (each refusal used to leave an empty guard-* dir in /tmp).
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
done
t_done
