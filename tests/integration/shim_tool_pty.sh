#!/usr/bin/env bash
# A tool's pseudo-terminal is a reader; the session's own terminal, in an agent's session, is not (issue 11).
# Gemini CLI runs its shell tool's commands on a pty of its own (node-pty) and gives what they print to the model:
# a denied `cat .env` there must carry guard's one line, once per pty, as a pipe would. The terminal the agent's
# TUI owns gets none, by whichever path a process names it: its stderr, /dev/tty, /dev/pts/N, /proc/self/fd/N,
# nor the terminal guard was started on when mask_output gives the command a pty of the supervisor's (reached as
# /dev/pts/M). A python3 tool (the stand-in for node-pty: a new pty, setsid, the pty as controlling terminal)
# captures each pty's output and prints it prefixed. Run on a real pty (lib.sh's pty), in both modes; the
# mask_output case once per mode too.
. "$(dirname "$0")/../lib.sh"
needs python3
setup_world

if [ ! -x "$GUARD" ]; then G=(false guard-missing); else G=("$GUARD"); fi
LINE='guard: denied read of \.env'

# tool.py: TOOL1 runs `cat .env` twice on one new pty (two processes, one reader: one line), TOOL2 once on the
# next pty, made after the first is closed (it usually gets the same number back: a new reader all the same). The
# wait is for the kernel's coarse clock to pass the first pty's birth, which tells the two apart; no timing is
# asserted. Then the session's terminal, by every path to it; OUTER (when set) is the terminal guard was started on.
cat >"$PROJECT/tool.py" <<'EOF'
import fcntl, os, subprocess, sys, termios, time

def on_pty(cmd, tag):
    m, s = os.openpty()
    born = os.fstat(s).st_ctime_ns
    print(tag + "-PTY " + os.ttyname(s), flush=True)
    def leader():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    p = subprocess.Popen(["sh", "-c", cmd], stdin=s, stdout=s, stderr=s, preexec_fn=leader)
    os.close(s)
    out = b""
    while True:
        try:
            d = os.read(m, 4096)
        except OSError:
            break
        if not d:
            break
        out += d
    p.wait()
    os.close(m)
    for line in out.decode("utf-8", "replace").splitlines():
        print(tag + "|" + line.rstrip("\r"), flush=True)
    return born

born = on_pty("cat .env; cat .env", "TOOL1")
while time.clock_gettime_ns(5) <= born:  # CLOCK_REALTIME_COARSE, the clock a node's times come from
    time.sleep(0.01)
on_pty("cat .env", "TOOL2")
print("SESSION-TTY " + os.ttyname(1), "OUTER " + os.environ.get("OUTER", "-"), flush=True)
for redirect in ["", "2>/dev/tty", "2>" + os.ttyname(1), "2>/proc/self/fd/1"] + (["2>$OUTER"] if os.environ.get("OUTER") else []):
    subprocess.run(["sh", "-c", "cat .env " + redirect])
print("TOOL-DONE", flush=True)
EOF

# tool_lines TRANSCRIPT TAG: how many of guard's lines TAG's pty carried
tool_lines() { printf '%s\n' "$1" | grep -c "^$2|$LINE"; }

check() { # check TAG PATHS: assertions over $PTY_OUT; PATHS: how many paths to the session's terminal were tried
	t_match "$1 the tool ran to its end" 'TOOL-DONE' "$PTY_OUT"
	t_eq "$1 cat's own error reached the session's terminal by each of the $2 paths" "$2" \
		"$(printf '%s\n' "$PTY_OUT" | grep -c '^cat: \.env: Permission denied')"
	t_eq "$1 a tool's pty: guard's line, once for two processes on it" 1 "$(tool_lines "$PTY_OUT" TOOL1)"
	t_eq "$1 the next tool pty (its number reused): the line again" 1 "$(tool_lines "$PTY_OUT" TOOL2)"
	t_eq "$1 the session's terminal: no line by any path to it (stderr, /dev/tty, /dev/pts/N, /proc/self/fd, guard's own)" 0 \
		"$(printf '%s\n' "$PTY_OUT" | grep -v '^TOOL[12]|' | grep -c "$LINE")"
	t_match "$1 the exit summary speaks for the session's terminal" 'guard: [0-9]+ accesses denied' "$PTY_OUT"
	[ "$(printf '%s\n' "$PTY_OUT" | sed -n 's/^TOOL1-PTY //p')" = "$(printf '%s\n' "$PTY_OUT" | sed -n 's/^TOOL2-PTY //p')" ] ||
		t_diag "$1 the second tool pty got a number of its own this time: its reuse was not exercised"
}

for mode in "" --no-userns; do
	tag="[${mode:-namespaces}]"
	pty 24 200 60 '[]' -- "${G[@]}" run $mode --profile gemini -- python3 tool.py
	check "$tag" 4

	# mask_output: the command's terminal is the supervisor's pty; the one guard was started on is the user's
	# still, and a process that opens it by its /dev/pts name must not get guard's line drawn there either. With
	# stdin not a terminal the supervisor leaves that one in canonical mode (raw mode alone would keep the line off)
	user_config 'mask_output:
  presets: [openai]'
	pty 24 200 60 '[]' -- sh -c 'OUTER=$(tty) && export OUTER && exec "$@" </dev/null' sh "${G[@]}" run $mode --profile gemini -- python3 tool.py
	check "$tag mask_output:" 5
	t_match "$tag mask_output: the command has a terminal of its own" "SESSION-TTY /dev/pts/" "$PTY_OUT"
	rm -f "$XDG_CONFIG_HOME/guard/config.yaml"
done

t_done
