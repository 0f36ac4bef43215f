#!/usr/bin/env python3
"""ptydrive.py ROWS COLS TIMEOUT STEPS_JSON -- CMD...: run CMD as session leader on a new pty of ROWS x COLS.
Steps: ["expect", regex] (waits up to 15 s, or ["expect", regex, seconds], for new output matching), ["send", text], ["sleep", s],
["kill", signal-name] (to CMD's pid), ["resize", rows, cols], ["on", regex, text] (from then on, whenever output
that arrived after its last answer matches, send text: a question a TUI may or may not ask; ["on", regex, text,
seconds]: send it that long after the match, for a TUI that draws its question before it listens for the answer), ["repeat", seconds, steps]
(the sends and sleeps in steps, again every `seconds` until CMD ends: a quit command a loaded TUI may drop). Prints the transcript, then PTY-EXIT=N (128+sig on a
signal) or PTY-FAIL: why. Exit 0 when every step succeeded and CMD ended in time."""
import fcntl, json, os, pty, re, select, signal, struct, sys, termios, time

rows, cols, total = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
steps = json.loads(sys.argv[4])
cmd = sys.argv[sys.argv.index("--") + 1:]
master, slave = pty.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    os.close(master)
    os.close(slave)
    # We are the terminal, so we say which (as tmux or an emulator does): never the caller's TERM, which under CI
    # or make check without a terminal is "dumb" or unset (Codex then asks "Continue anyway?" before its TUI).
    os.environ["TERM"] = os.environ.get("PTY_TERM", "xterm-256color")
    os.execvp(cmd[0], cmd)
os.close(slave)
buf, mark, status, deadline = "", 0, None, time.time() + total
answers = []  # [regex, text, position in buf after which it may answer again, delay, when to send]

def pump(t):
    global buf, status
    r, _, _ = select.select([master], [], [], t)
    if r:
        try:
            data = os.read(master, 4096)
        except OSError:
            data = b""
        if data:
            buf += data.decode("utf-8", "replace")
            for a in answers:
                if a[0].search(buf, a[2]):
                    a[2] = len(buf)
                    if not a[3]:
                        os.write(master, a[1].encode())
                    elif a[4] is None:
                        a[4] = time.time() + a[3]
    for a in answers:
        if a[4] is not None and time.time() >= a[4]:
            a[4] = None
            os.write(master, a[1].encode())
    if r and data:
        return
    if status is None:
        p, st = os.waitpid(pid, os.WNOHANG)
        if p:
            status = st

def finish(ok, why=""):
    if status is None:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    sys.stdout.write(buf.replace("\r", ""))
    if why:
        sys.stdout.write("\nPTY-FAIL: %s\n" % why)
    elif status is not None:
        code = os.waitstatus_to_exitcode(status)
        sys.stdout.write("\nPTY-EXIT=%d\n" % (128 - code if code < 0 else code))
    sys.exit(0 if ok else 1)

def wait(seconds):
    """Pump output for `seconds`, or until CMD has ended."""
    end = time.time() + seconds
    while time.time() < end and status is None:
        pump(0.05)

def send(text):
    try:
        os.write(master, text.encode())
    except OSError:
        pass  # CMD ended and closed its side

for step in steps:
    op = step[0]
    if op == "expect":
        end = min(time.time() + (step[2] if len(step) > 2 else 15), deadline)
        rx = re.compile(step[1])
        while True:
            m = rx.search(buf, mark)
            if m:
                mark = m.end()
                break
            if time.time() > end:
                finish(False, "timed out waiting for /%s/" % step[1])
            pump(0.05)
    elif op == "send":
        send(step[1])
    elif op == "sleep":
        end = time.time() + step[1]
        while time.time() < end:
            pump(0.05)
    elif op == "repeat":
        while status is None and time.time() < deadline:
            for sub in step[2]:
                if sub[0] == "send" and status is None:
                    send(sub[1])
                elif sub[0] == "sleep":
                    wait(sub[1])
            wait(step[1])
    elif op == "kill":
        os.kill(pid, getattr(signal, step[1]))
    elif op == "on":
        answers.append([re.compile(step[1]), step[2], len(buf), step[3] if len(step) > 3 else 0, None])
    elif op == "resize":
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", step[1], step[2], 0, 0))
while status is None:
    if time.time() > deadline:
        finish(False, "command did not end within %ss" % total)
    pump(0.05)
# drain what is left
while True:
    r, _, _ = select.select([master], [], [], 0.1)
    if not r:
        break
    try:
        data = os.read(master, 4096)
    except OSError:
        break
    if not data:
        break
    buf += data.decode("utf-8", "replace")
finish(True)
