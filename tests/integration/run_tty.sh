#!/usr/bin/env bash
# Interactive use: the command sees a terminal of the right size, ^C interrupts it, ^Z/fg work from a job-control
# shell, a resize reaches it, and a SIGTERM to guard reaches the command. Driven through a pseudo-terminal by a
# small python3 pty driver (ptydrive.py, through lib.sh's pty; no tmux or expect needed).
. "$(dirname "$0")/../lib.sh"
needs python3
setup_world

if [ ! -x "$GUARD" ]; then G=(false guard-missing); else G=("$GUARD"); fi

# --- the terminal and its size
pty 33 111 30 '[]' -- "${G[@]}" run -- sh -c 'stty size; tty; test -t 0 && echo STDIN-IS-TTY'
t_eq "on a pty: exit 0" 0 "$PTY_RC"
t_match "the command sees the terminal size (33 111)" '^33 111$' "$PTY_OUT"
t_match "tty names a terminal" '^/dev/(pts/[0-9]+|tty[^ ]*|console)$' "$PTY_OUT"
t_match "stdin is a tty" 'STDIN-IS-TTY' "$PTY_OUT"

# --- a resize reaches the command
pty 24 80 30 '[["expect","READY"],["resize",40,100],["sleep",0.5],["send","\n"],["expect","[0-9]+ [0-9]+"]]' -- \
	"${G[@]}" run -- sh -c 'echo RE""ADY; read x; stty size'
t_eq "resize: exit 0" 0 "$PTY_RC"
t_match "resize: the command sees the new size (40 100)" '^40 100$' "$PTY_OUT"

# --- input reaches the command
pty 24 80 30 '[["expect","READY"],["send","typed-line\n"],["expect","GOT=typed-line"]]' -- \
	"${G[@]}" run -- sh -c 'echo RE""ADY; read x; echo "GOT=$x"'
t_eq "terminal input reaches the command: exit 0" 0 "$PTY_RC"
t_match "terminal input reaches the command" 'GOT=typed-line' "$PTY_OUT"

# --- ^C
# The driver gives up after 30 s: a 130 means ^C, not the end of the sleep, ended it.
pty 24 80 30 '[["expect","READY"],["sleep",0.3],["send","\u0003"]]' -- \
	"${G[@]}" run -- sh -c 'echo RE""ADY; exec sleep 100'
t_eq "^C to guard run -- sleep 100 ends it with 130" 130 "$PTY_RC"

# --- SIGTERM to guard is forwarded (with a pty, and without one)
pty 24 80 30 '[["expect","READY"],["kill","SIGTERM"]]' -- \
	"${G[@]}" run -- sh -c 'trap "echo GOT-TE\"\"RM; exit 42" TERM; echo RE""ADY; while :; do sleep 0.1; done'
t_match "SIGTERM to guard (pty): the command's trap runs" 'GOT-TERM' "$PTY_OUT"
t_eq "SIGTERM to guard (pty): the command's exit status 42 passes through" 42 "$PTY_RC"

if [ -x "$GUARD" ]; then
	"$GUARD" run -- sh -c 'trap "echo GOT-TERM; exit 42" TERM; echo READY; while :; do sleep 0.1; done' \
		>"$T_WORK/term.out" 2>"$T_WORK/term.err" </dev/null &
	gpid=$!
	for _ in $(seq 100); do grep -q READY "$T_WORK/term.out" && break; sleep 0.1; done
	kill -TERM "$gpid"
	( sleep 15; kill -KILL "$gpid" 2>/dev/null ) &
	watchdog=$!
	wait "$gpid"
	rc=$?
	kill "$watchdog" 2>/dev/null
	t_match "SIGTERM to guard (no tty): the command's trap runs" 'GOT-TERM' "$(cat "$T_WORK/term.out")"
	t_eq "SIGTERM to guard (no tty): exit status 42 passes through" 42 "$rc"
else
	_t_result 1 "SIGTERM to guard (no tty): the command's trap runs" "guard binary missing: $GUARD"
	_t_result 1 "SIGTERM to guard (no tty): exit status 42 passes through" "guard binary missing: $GUARD"
fi

# --- ^Z / fg from a job-control shell. The harness is checked first on a plain command; if job control does
# not work on this pty without guard, the guard case is skipped with that reason. After a job stops, bash
# restores its terminal modes flushing pending input, so "fg" is typed only once it has settled (typed at once,
# a loaded machine lost its "f": "bash: g: command not found").
JOBSTEPS='[["expect","PS-MARK"],["send","%CMD% sh -c '"'"'echo RE\"\"ADY; read x; echo G\"\"OT=$x'"'"'\n"],
 ["expect","READY"],["sleep",0.5],["send","\u001a"],["expect","Stopped"],["expect","PS-MARK"],["sleep",0.5],
 ["send","fg\n"],
 ["sleep",0.7],["send","hello\n"],["expect","GOT=hello"],["expect","PS-MARK"],
 ["send","echo EX\"\"IT=$?\n"],["expect","EXIT=[0-9]+"],["send","exit\n"]]'
jobsession() { # jobsession PREFIX: PREFIX is prepended to the sh command typed into bash
	# inside a JSON string: printf %q's backslashes (a path with spaces) doubled; quoted, so that bash's
	# replacement takes them (and any &) literally
	local prefix=${1//\\/"\\\\"}
	local steps=${JOBSTEPS//%CMD%/"$prefix"}
	pty 24 250 60 "$steps" -- env PS1='PS-MARK$ ' bash --norc --noprofile -i
}
jobsession ""
if [ "$PTY_RC" = 0 ] && printf '%s\n' "$PTY_OUT" | grep -q 'EXIT=0'; then
	jobsession "$(printf '%q' "$GUARD") run --"
	t_eq "^Z/fg: the job-control session ends normally" 0 "$PTY_RC"
	t_match "^Z stops guard run (bash reports Stopped)" 'Stopped' "$PTY_OUT"
	t_match "after fg the command reads the terminal again" 'GOT=hello' "$PTY_OUT"
	t_match "after fg the command's exit status is 0" 'EXIT=0' "$PTY_OUT"
else
	t_skip_n 4 "^Z/fg through guard" "job control on a pty does not work here even without guard: $(
		printf '%s\n' "$PTY_OUT" | grep PTY-FAIL | head -1)"
fi

t_done
