#!/usr/bin/env bash
# mask_output through the pty proxy (launcher/outproxy.c): a key printed in two writes with a pause between is
# masked on the terminal; the command still sees a terminal of the right size, resizes, ^C, raw-mode input and
# job control of an inner shell; the user's terminal is given back as it was; exit status passes through. In
# namespaces mode and in Landlock-only mode (--no-userns). Driven by the python3 pty driver (ptydrive.py,
# through lib.sh's pty).
. "$(dirname "$0")/../lib.sh"
needs python3
setup_world

if [ ! -x "$GUARD" ]; then G=(false guard-missing); else G=("$GUARD"); fi

user_config 'mask_output:
  presets: [openai, github]
  patterns:
    - {regex: "tok_[a-z0-9]{8,}", show_prefix: 4}'
KEY1=sk-proj-Ab3dEf5hIj7lMn9
KEY2=pQr1sTu3vWx5yZa7bCd9eFg1h
GHP=ghp_Ab3dEf5hIj7lMn9pQr1sTu3vWx5yZa7bCd9e

TUI='import os, sys, tty, termios
old = termios.tcgetattr(0)
tty.setraw(0)
os.write(1, b"RAW-READY\r\n")
got = [os.read(0, 1)[0] for _ in range(3)]
termios.tcsetattr(0, termios.TCSADRAIN, old)
print("GOT:" + ",".join(map(str, got)))'

STOPPER='import os, signal, sys, termios, time
def attrs(): return termios.tcgetattr(0)
before = attrs()
pid = os.fork()
if pid == 0:
    os.setpgid(0, 0)
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    os.tcsetpgrp(0, os.getpgrp())
    signal.signal(signal.SIGTTOU, signal.SIG_DFL)
    os.execvp(sys.argv[1], sys.argv[1:])
try:
    os.setpgid(pid, pid)
except OSError:
    pass
time.sleep(0.7)
raw = attrs()
os.kill(pid, signal.SIGTSTP)
_, st = os.waitpid(pid, os.WUNTRACED)
time.sleep(0.2)
stopped = attrs()
os.kill(pid, signal.SIGCONT)
time.sleep(0.3)
again = attrs()
_, st2 = os.waitpid(pid, 0)
signal.signal(signal.SIGTTOU, signal.SIG_IGN)
os.tcsetpgrp(0, os.getpgrp())
after = attrs()
icanon = lambda a: bool(a[3] & termios.ICANON)
print("RAW=%s" % (not icanon(raw)))
print("STOPPED=%s" % os.WIFSTOPPED(st))
print("STOPPED-TERM-RESTORED=%s" % (stopped == before))
print("RAW-AGAIN=%s" % (not icanon(again)))
print("END=%d RESTORED=%s" % (os.waitstatus_to_exitcode(st2), after == before))'

modes=("namespaces")
have_userns || modes=()
modes+=("landlock-only")
for mode in "${modes[@]}"; do
	flags=()
	[ "$mode" = landlock-only ] && flags=(--no-userns)
	R=("${G[@]}" run "${flags[@]}" --)

	pty 33 111 30 '[]' -- "${R[@]}" sh -c "stty size; test -t 0 && test -t 1 && echo ALL-TTY; printf 'key=$KEY1'; sleep 0.2; printf '$KEY2 end\n'; printf 'gh $GHP tok_abcd1234xyz\n' >&2; exit 3"
	t_eq "$mode: exit status passes through the pty proxy" 3 "$PTY_RC"
	t_match "$mode: the command sees the terminal size (33 111)" '^33 111$' "$PTY_OUT"
	t_match "$mode: stdin and stdout are a terminal" 'ALL-TTY' "$PTY_OUT"
	t_match "$mode: a key split across two writes 200 ms apart is masked" 'key=\[MASKED:openai\] end' "$PTY_OUT"
	t_match "$mode: stderr on the terminal is masked (preset, show_prefix)" 'gh \[MASKED:github\] tok_\*\*\*\*' "$PTY_OUT"
	t_lacks "$mode: no part of the key reaches the terminal" "$KEY2" "$PTY_OUT"

	pty 24 80 30 '[["expect","READY"],["resize",40,100],["sleep",0.5],["send","\n"],["expect","[0-9]+ [0-9]+"]]' -- \
		"${R[@]}" sh -c 'echo RE""ADY; read x; stty size'
	t_match "$mode: a resize reaches the command (40 100)" '^40 100$' "$PTY_OUT"

	# The driver gives up after 30 s: a 130 means ^C, not the end of the sleep, ended it.
	pty 24 80 30 '[["expect","READY"],["sleep",0.3],["send","\u0003"]]' -- "${R[@]}" sh -c 'echo RE""ADY; exec sleep 100'
	t_eq "$mode: ^C ends guard run -- sleep 100 with 130" 130 "$PTY_RC"

	pty 24 80 30 '[["expect","RAW-READY"],["send","a"],["sleep",0.2],["send","b"],["sleep",0.2],["send","\u0003"],["expect","GOT:"]]' -- \
		"${R[@]}" python3 -c "$TUI"
	t_eq "$mode: a raw-mode program: exit 0" 0 "$PTY_RC"
	t_match "$mode: a raw-mode program reads single bytes, ^C as a byte" 'GOT:97,98,3' "$PTY_OUT"

	# The user's terminal is given back as it was (guard puts it in raw mode while it runs).
	pty 24 80 30 '[]' -- sh -c "stty -a >'$T_WORK/before'; $(printf '%q ' "${R[@]}") true; stty -a >'$T_WORK/after'"
	t_eq "$mode: terminal settings restored after the session" "$(cat "$T_WORK/before")" "$(cat "$T_WORK/after")"

	# guard stopped from outside (kill -TSTP) gives the terminal back while stopped and takes it again on SIGCONT.
	# (A small job-control parent runs guard as the foreground job; a stop in an orphaned group would be ignored.)
	pty 24 80 30 '[]' -- python3 -c "$STOPPER" "${R[@]}" sleep 1.5
	t_match "$mode: while it runs, the terminal is raw" 'RAW=True' "$PTY_OUT"
	t_match "$mode: SIGTSTP stops guard" 'STOPPED=True' "$PTY_OUT"
	t_match "$mode: while guard is stopped, the terminal is as it was" 'STOPPED-TERM-RESTORED=True' "$PTY_OUT"
	t_match "$mode: after SIGCONT, raw again" 'RAW-AGAIN=True' "$PTY_OUT"
	t_match "$mode: the session ends normally and the terminal is restored" 'END=0 RESTORED=True' "$PTY_OUT"

	# Job control of a shell inside: ^Z travels as a byte and stops the inner job; fg resumes it.
	pty 24 200 60 '[["expect","IN-MARK"],["send","sleep 30\n"],["sleep",0.5],["send","\u001a"],["expect","Stopped"],
		["expect","IN-MARK"],["send","fg\n"],["sleep",0.3],["send","\u0003"],["expect","IN-MARK"],
		["send","echo DONE-$((6*7))\n"],["expect","DONE-42"],["send","exit 5\n"]]' -- \
		"${R[@]}" env PS1='IN-MARK$ ' bash --norc --noprofile -i
	t_match "$mode: ^Z stops a job of the shell inside (Stopped)" 'Stopped' "$PTY_OUT"
	t_match "$mode: fg and ^C work inside, the shell goes on" 'DONE-42' "$PTY_OUT"
	t_eq "$mode: the inner shell's exit status passes through" 5 "$PTY_RC"
done

t_done
