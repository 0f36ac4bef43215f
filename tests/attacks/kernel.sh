#!/usr/bin/env bash
# Kernel surface: typing into the user's terminal (TIOCSTI), signalling and tracing a process outside, new user
# namespaces (unshare, clone, clone3), keyrings, bpf, perf_event_open, io_uring, userfaultfd, file handles,
# personality flags, raw devices, and the 32-bit entry (int $0x80) for each that has one. The static helper calls
# the kernel directly; the harness judges from its RESULT lines, from the terminal's input queue, from whether the
# process outside survived, and from canaries.
. "$(dirname "$0")/common.bash"

# The 32-bit entry is attacked with guard's defaults and with --no-observer: the observer watches the 32-bit
# entry too (it stops and logs its opens and execs), which must not be what keeps them out (the boundary's filter
# has to hold alone).
I386_OPTS=("" "--no-observer")
# The host's own kernel may have no usable 32-bit entry (CONFIG_IA32_EMULATION off, ia32_emulation=0, or a VM
# monitor that kills int $0x80): probed outside guard, where nothing can refuse it. Then there is nothing to attack.
NO_INT80=
"$ATTACK" int80 getpid 2>/dev/null | grep -q 'RESULT int80 getpid: ok$' ||
	NO_INT80="the host kernel kills int \$0x80 outside guard too: no 32-bit entry to attack"
refused80() { # refused80 DESC WHAT ERE: a_refused_with, or a visible skip without a 32-bit entry
	if [ -n "$NO_INT80" ]; then t_skip "$1" "$NO_INT80"; else a_refused_with "$@"; fi
}

# --- TIOCSTI: the sandbox's terminal is the user's; characters pushed into its input are read by the user's shell
# once the sandbox exits. A python pty driver plays the terminal and reports what is left in its input queue.
cat >"$T_WORK/ptyrun.py" <<'PY'
import fcntl, os, pty, select, sys, termios, time
cmd = sys.argv[sys.argv.index("--") + 1:]
m, s = pty.openpty()
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(s, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(s, fd)
    os.close(m); os.close(s)
    os.execvp(cmd[0], cmd)
out, status, deadline = b"", None, time.time() + 20
while time.time() < deadline:
    r, _, _ = select.select([m], [], [], 0.05)
    if r:
        try: out += os.read(m, 65536)
        except OSError: pass
    if status is None:
        p, st = os.waitpid(pid, os.WNOHANG)
        if p: status = st; deadline = min(deadline, time.time() + 0.3)
# what the user's shell would read next
attr = termios.tcgetattr(s)
attr[3] &= ~(termios.ICANON | termios.ECHO)
attr[6][termios.VMIN] = 0; attr[6][termios.VTIME] = 0
termios.tcsetattr(s, termios.TCSANOW, attr)
try: pending = os.read(s, 65536)
except OSError: pending = b""
print("OUTPUT:", out.decode(errors="replace").replace("\r", "").replace("\n", " | "))
print("PENDING-INPUT:", pending.decode(errors="replace").replace("\n", "\\n"))
print("STATUS:", status)
PY
pty_run() { timeout -k 5 30 python3 "$T_WORK/ptyrun.py" -- "$@" 2>&1; }
INJECT="echo INJECTED-$RUN_ID"
sanity=$(pty_run "$ATTACK" tiocsti "$INJECT
")
case $sanity in
*"PENDING-INPUT: $INJECT"*) t_diag "outside the sandbox TIOCSTI works here: the checks below are meaningful" ;;
*) t_diag "outside the sandbox TIOCSTI does not inject here (dev.tty.legacy_tiocsti=0?): the checks below are weak" ;;
esac
# t_not_injected DESC TRANSCRIPT
t_not_injected() {
	case $2 in
	*"PENDING-INPUT: "*INJECTED-$RUN_ID*) _t_result 1 "$1" "the terminal's input now holds the injected command" "$2" ;;
	*"STATUS: None"*) _t_result 1 "$1" "the command did not finish" "$2" ;;
	*"PENDING-INPUT:"*) _t_result 0 "$1" ;;
	*) _t_result 1 "$1" "the pty driver failed" "$2" ;;
	esac
}
for f in $FLAVOURS; do
	mapfile -t opts < <(flavour_args "$f")
	tr=$(pty_run "$GUARD" run ${opts[@]+"${opts[@]}"} -- python3 -c 'import fcntl, sys, termios
for c in sys.argv[1] + "\n":
    try: fcntl.ioctl(0, termios.TIOCSTI, c.encode())
    except OSError as e: print("TIOCSTI", e); break' "$INJECT")
	t_not_injected "[$f] python: TIOCSTI into the user's terminal injects nothing" "$tr"
done
for f in $STATIC_FLAVOURS; do
	mapfile -t opts < <(flavour_args "$f")
	tr=$(pty_run "$GUARD" run ${opts[@]+"${opts[@]}"} -- "$ATTACK" tiocsti "$INJECT
")
	t_not_injected "[$f] static: TIOCSTI (fd 0 and /dev/tty) injects nothing" "$tr"
	tr=$(pty_run "$GUARD" run ${opts[@]+"${opts[@]}"} -- "$ATTACK" tiocsti-hi "$INJECT
")
	t_not_injected "[$f] static: TIOCSTI with garbage in the command's upper 32 bits injects nothing" "$tr"
	for o in "${I386_OPTS[@]}"; do
		if [ -n "$NO_INT80" ]; then
			t_skip "[$f${o:+ $o}] static: TIOCSTI through int \$0x80 injects nothing" "$NO_INT80"
			continue
		fi
		tr=$(pty_run "$GUARD" run ${opts[@]+"${opts[@]}"} $o -- "$ATTACK" int80 tiocsti "$INJECT
")
		t_not_injected "[$f${o:+ $o}] static: TIOCSTI through int \$0x80 injects nothing" "$tr"
	done
done

# --- a process outside: signal it (kill, its process group, pidfd, SIGIO through F_SETOWN) or trace it
start_victim() { start_outside VICTIM setsid sleep 300; sleep 0.1; }
start_victim
for f in $FLAVOURS; do
	ga "$f" -- sh -c 'kill -9 "$1"; kill -9 -- "-$1"; python3 -c "import os, sys; os.kill(int(sys.argv[1]), 9)" "$1"
		timeout 3 strace -p "$1" -o /dev/null; timeout 3 gdb -batch -p "$1"; true' sh "$VICTIM"
	t_true "[$f] kill, kill of its process group, python os.kill, strace -p, gdb -p leave a process outside alive" -n "$(alive "$VICTIM" && echo y)"
	alive "$VICTIM" || start_victim
done
for f in $STATIC_FLAVOURS; do
	ga "$f" -- sh -c 'for s in 9 15; do "$1" kill "$2" $s; "$1" pidfd-kill "$2" $s; done; "$1" sigio "$2"; "$1" ptrace "$2"
		"$1" vmread "$2" 400000; exec "$1" ptrace $PPID' sh "$ATTACK" "$VICTIM"
	a_refused_with "[$f] static: ptrace of its parent (init, or guard itself in Landlock-only mode) is refused" "ptrace SEIZE" 'EPERM|ESRCH'
	ga "$f" -- sh -c 'for s in 9 15; do "$1" kill "$2" $s; "$1" pidfd-kill "$2" $s; done; "$1" sigio "$2"; "$1" ptrace "$2"
		"$1" vmread "$2" 400000' sh "$ATTACK" "$VICTIM"
	a_refused_with "[$f] static: kill(outside pid, SIGKILL) is refused" kill 'EPERM|ESRCH'
	a_refused "[$f] static: ptrace(PTRACE_SEIZE) of a process outside is refused" "ptrace SEIZE"
	a_refused_with "[$f] static: process_vm_readv of a process outside is refused" process_vm_readv 'EPERM|ESRCH'
	t_true "[$f] static: kill, pidfd_send_signal, SIGIO (F_SETOWN), ptrace leave the process outside alive" -n "$(alive "$VICTIM" && echo y)"
	alive "$VICTIM" || start_victim
done

# --- a new user namespace: every capability again (inside it), and kernel surface that needs them
for f in $FLAVOURS; do
	ga "$f" -- sh -c 'unshare -U sh -c "echo IN-NEW-USERNS"; unshare -Urm sh -c "echo IN-NEW-USERNS-ROOT; id -u"
		python3 -c "import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
print(\"IN-NEW-USERNS-PY\" if libc.unshare(0x10000000) == 0 else \"unshare: \" + os.strerror(ctypes.get_errno()))"; true'
	t_nomatch "[$f] unshare -U / unshare -Urm / python unshare(CLONE_NEWUSER) get no new user namespace" "IN-NEW-USERNS" "$OUT"
done
for f in $STATIC_FLAVOURS; do
	ga "$f" -- sh -c 'for op in unshare-user clone-user clone3-user; do "$1" $op; done' sh "$ATTACK"
	a_refused_with "[$f] static: unshare(CLONE_NEWUSER) is refused" "unshare CLONE_NEWUSER" EPERM
	a_refused_with "[$f] static: clone(CLONE_NEWUSER) is refused" "clone CLONE_NEWUSER" EPERM
	a_refused_with "[$f] static: clone3(CLONE_NEWUSER) is refused (ENOSYS: libc falls back to clone)" "clone3 CLONE_NEWUSER" 'ENOSYS|EPERM'
done

# --- keyrings: a key in the user's keyring outside holds a secret
add_secret keyring
KEYDESC=guard-attack-$RUN_ID
KEYID=$(python3 - "$KEYDESC" "$(canary keyring)" <<'PY'
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
data = sys.argv[2].encode()
# add_key("user", desc, data, len, KEY_SPEC_USER_KEYRING)
print(libc.syscall(248, b"user", sys.argv[1].encode(), data, ctypes.c_size_t(len(data)), ctypes.c_int(-4)))
PY
)
if [ -n "$KEYID" ] && [ "$KEYID" -gt 0 ] 2>/dev/null; then
	at_exit "python3 -c 'import ctypes; ctypes.CDLL(None).syscall(250, 21, $KEYID)'" # KEYCTL_INVALIDATE
	for f in $FLAVOURS; do
		ga "$f" -- sh -c 'cat /proc/keys; keyctl print %user:"$1" 2>&1; python3 -c "import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True); libc.syscall.restype = ctypes.c_long
k = libc.syscall(250, 10, -4, b\"user\", sys.argv[1].encode(), 0)  # KEYCTL_SEARCH in @u
buf = ctypes.create_string_buffer(512)
print(\"key\", k, libc.syscall(250, 11, k, buf, 512), buf.value)" "$1"' sh "$KEYDESC"
		a_clean "[$f] the user's keyring: /proc/keys, keyctl, python keyctl leak nothing"
	done
	for f in $STATIC_FLAVOURS; do
		ga "$f" -- "$ATTACK" keyctl "$KEYDESC"
		a_refused_with "[$f] static: keyctl is refused" "keyctl GET_KEYRING_ID @u" EPERM
		a_clean "[$f] ... and the key's payload does not leak"
	done
else
	_t_result 1 "a key could be added to the user keyring outside (for the keyctl attacks)" "add_key returned: $KEYID"
fi

# --- bpf, perf_event_open, io_uring, userfaultfd: native and 32-bit
for f in $STATIC_FLAVOURS; do
	ga "$f" -- sh -c 'for op in bpf perf perf-cpu io_uring userfaultfd; do "$1" $op; done' sh "$ATTACK"
	a_refused_with "[$f] static: bpf(BPF_MAP_CREATE) is refused" "bpf MAP_CREATE" EPERM
	a_refused_with "[$f] static: perf_event_open on itself is refused" "perf_event_open self" 'EPERM|EACCES'
	a_refused_with "[$f] static: perf_event_open on a CPU (every process) is refused" "perf_event_open cpu 0, all processes" 'EPERM|EACCES'
	a_refused_with "[$f] static: io_uring_setup is refused" "io_uring_setup" 'EPERM|ENOSYS'
	a_refused_with "[$f] static: userfaultfd is refused" "userfaultfd" 'EPERM|ENOSYS'
done

# --- open_by_handle_at: a handle for .env computed outside opens the inode past every path check
HANDLE=$(python3 - "$PROJECT/.env" <<'PY'
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
class FH(ctypes.Structure):
    _fields_ = [("bytes", ctypes.c_uint), ("type", ctypes.c_int), ("h", ctypes.c_ubyte * 128)]
fh = FH(); fh.bytes = 128; mnt = ctypes.c_int()
if libc.name_to_handle_at(-100, sys.argv[1].encode(), ctypes.byref(fh), ctypes.byref(mnt), 0) == 0:
    print(fh.type, bytes(fh.h[:fh.bytes]).hex())
PY
)
if [ -n "$HANDLE" ]; then
	for f in $STATIC_FLAVOURS; do
		ga "$f" -- "$ATTACK" handle "$PROJECT" $HANDLE
		a_refused_with "[$f] static: open_by_handle_at(.env's handle) is refused" open_by_handle_at 'EPERM|EACCES'
		a_clean "[$f] ... and .env does not leak"
		ga "$f" -- "$ATTACK" name2handle src/main.c
		a_refused_with "[$f] static: name_to_handle_at is refused" name_to_handle_at 'EPERM|EOPNOTSUPP'
	done
else
	t_skip "open_by_handle_at of .env's handle" "this filesystem gives no file handles"
fi

# --- personality: READ_IMPLIES_EXEC (data executable), ADDR_NO_RANDOMIZE (no ASLR)
for f in $FLAVOURS; do
	ga "$f" -- sh -c 'setarch -R cat /proc/self/personality; setarch --read-implies-exec cat /proc/self/personality; true'
	t_out_nomatch "[$f] setarch -R / --read-implies-exec change no personality" '^0*[1-9a-f][0-9a-f]*$'
done
for f in $STATIC_FLAVOURS; do
	for pers in 0400000 0040000; do
		ga "$f" -- "$ATTACK" personality "$pers"
		a_refused_with "[$f] static: personality(0x$pers) is refused" personality EPERM
	done
done

# --- the 32-bit entry: every call above again through int $0x80 (a 64-bit process may use it), with guard's
# defaults and with --no-observer. A call the kernel killed the helper for counts as refused.
INT80='r() { "$A" int80 "$@"; s=$?; [ $s -gt 128 ] && echo "RESULT int80 $1: KILLED-SIG$((s - 128))"; return 0; }
	r getpid; r unshare-user; r clone-user; r keyctl; r ptrace "$V"; r bpf; r perf; r io_uring; r personality 0400000
	r umount "$PWD/.env"; r mount-bind "$PWD/src:$PWD/.env"; r open_by_handle; r socket-inet'
for f in $STATIC_FLAVOURS; do
	for o in "${I386_OPTS[@]}"; do
		[ -n "$NO_INT80" ] || ga "$f" $o -- env A="$ATTACK" V="$VICTIM" sh -c "$INT80"
		tag="[$f${o:+ $o}] static, int \$0x80:"
		[ -n "$o" ] && refused80 "$tag sanity: getpid works (the calls below reach the filter)" "int80 getpid" ok
		refused80 "$tag unshare(CLONE_NEWUSER) is refused" "int80 unshare-user" 'EPERM|KILLED-SIG31'
		refused80 "$tag clone(CLONE_NEWUSER) is refused" "int80 clone-user" 'EPERM|KILLED-SIG31'
		refused80 "$tag keyctl is refused" "int80 keyctl" 'EPERM|KILLED-SIG31'
		refused80 "$tag ptrace of a process outside is refused" "int80 ptrace" 'EPERM|ESRCH|KILLED-SIG31'
		refused80 "$tag bpf is refused" "int80 bpf" 'EPERM|KILLED-SIG31'
		refused80 "$tag perf_event_open is refused" "int80 perf" 'EPERM|EACCES|KILLED-SIG31'
		refused80 "$tag io_uring_setup is refused" "int80 io_uring" 'EPERM|ENOSYS|KILLED-SIG31'
		refused80 "$tag personality(READ_IMPLIES_EXEC) is refused" "int80 personality" 'EPERM|KILLED-SIG31'
		refused80 "$tag umount2 of a cover is refused" "int80 umount" 'EPERM|KILLED-SIG31'
		refused80 "$tag mount(MS_BIND) over a cover is refused" "int80 mount-bind" 'EPERM|KILLED-SIG31'
		refused80 "$tag open_by_handle_at is refused" "int80 open_by_handle" 'EPERM|KILLED-SIG31'
		if [ "$f" = ll ]; then
			refused80 "$tag socket(AF_INET) is refused (Landlock-only: no network namespace)" "int80 socket-inet" 'EACCES|EPERM|KILLED-SIG31'
		fi
		alive "$VICTIM" || start_victim
	done
done

# --- raw devices and kernel knobs: the disk under every file, kernel memory, the kernel log, sysrq
rootdev=$(awk '$5 == "/" {print $3; exit}' /proc/self/mountinfo)
rootdev=$(readlink -f "/dev/block/$rootdev" 2>/dev/null)
for f in $FLAVOURS; do
	ga "$f" -- python3 -c 'import sys
for d in sys.argv[1:]:
    try:
        with open(d, "rb") as fh: print("READ", d, len(fh.read(512)))
    except OSError as e: print("no", d, e)
for p, v in (("/proc/sysrq-trigger", "h"), ("/sys/kernel/mm/transparent_hugepage/enabled", "never")):
    try:
        with open(p, "w") as fh: fh.write(v)
        print("WROTE", p)
    except OSError as e: print("no", p, e)' ${rootdev:+"$rootdev"} /dev/mem /dev/kmem /dev/port /dev/kmsg
	t_out_nomatch "[$f] the root disk ${rootdev:-?}, /dev/mem, /dev/port, /dev/kmsg cannot be read" '^READ '
	t_out_nomatch "[$f] /proc/sysrq-trigger and /sys knobs cannot be written" '^WROTE '
done

t_done
