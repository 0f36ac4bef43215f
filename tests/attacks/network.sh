#!/usr/bin/env bash
# Network with `network: none` (the default, issue 4): listeners outside the sandbox — TCP and UDP on the host's
# loopback, a host abstract unix socket, host pathname sockets in /tmp, $XDG_RUNTIME_DIR and $HOME — record what
# reaches them; the sandbox tries to reach each one (static raw syscalls, python, curl), resolve a name, and connect
# to the cloud metadata address. The harness decides from the listeners' log: anything that arrived is a leak.
. "$(dirname "$0")/common.bash"
needs curl

LOG=$T_WORK/listener.log
: >"$LOG"
SOCKDIR=/tmp/guard-attack-$RUN_ID
mkdir -p "$SOCKDIR" && chmod 755 "$SOCKDIR"
at_exit "rm -rf '$SOCKDIR'"
# $XDG_RUNTIME_DIR: the user's /run/user/UID where it exists or root can make it (an unprivileged user without one
# has no runtime dir to attack); and a socket elsewhere on the host, outside /tmp, /run and $HOME (LXD keeps one in
# /var/snap/lxd/common/lxd/unix.socket, Nix in /nix/var/nix/daemon-socket/)
RUNTIME=/run/user/$(id -u)
if [ ! -d "$RUNTIME" ] && is_root && mkdir -p "$RUNTIME" 2>/dev/null; then
	chmod 700 "$RUNTIME"
	at_exit "rm -rf '$RUNTIME'"
fi
ELSEWHERE=/var/tmp/guard-attack-$RUN_ID
mkdir -p "$ELSEWHERE" && chmod 755 "$ELSEWHERE"
at_exit "rm -rf '$ELSEWHERE'"
ABSTRACT=@guard-attack-$RUN_ID
PATHS=("$SOCKDIR/agent.sock" "$HOME/.guard-attack.sock" "$ELSEWHERE/daemon.sock")
if [ -d "$RUNTIME" ] && [ -w "$RUNTIME" ]; then
	export XDG_RUNTIME_DIR=$RUNTIME
	PATHS+=("$RUNTIME/guard-attack-$RUN_ID.sock")
	at_exit "rm -f '$RUNTIME/guard-attack-$RUN_ID.sock'"
else
	t_skip "a host socket in \$XDG_RUNTIME_DIR is unreachable" "no /run/user/$(id -u) for this user here"
fi

cat >"$T_WORK/listen.py" <<'PY'
# listen.py LOG PORTFILE ABSTRACT PATH...: TCP and UDP on 127.0.0.1, an abstract and pathname unix sockets.
# Every connection or datagram is logged as "GOT <kind> <data>"; the chosen ports go to PORTFILE.
import os, select, socket, sys
log = open(sys.argv[1], "a", buffering=1)
socks = {}
def add(s, kind, listen=True):
    if listen:
        s.listen(16)
    socks[s.fileno()] = (s, kind, listen)
t = socket.socket(); t.bind(("127.0.0.1", 0)); add(t, "tcp")
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0)); add(u, "udp", False)
a = socket.socket(socket.AF_UNIX); a.bind("\0" + sys.argv[3][1:]); add(a, "abstract")
for p in sys.argv[4:]:
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(p); os.chmod(p, 0o777); add(s, "unix:" + p)
    except OSError as e:
        log.write("bind %s: %s\n" % (p, e))
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write("%d %d\n" % (t.getsockname()[1], u.getsockname()[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
conns = {}
while True:
    r, _, _ = select.select(list(socks) + list(conns), [], [], 1)
    for fd in r:
        if fd in socks:
            s, kind, listen = socks[fd]
            if listen:
                c, _ = s.accept(); c.settimeout(2); conns[c.fileno()] = (c, kind)
                log.write("GOT %s connection\n" % kind)
            else:
                data, _ = s.recvfrom(4096); log.write("GOT %s %r\n" % (kind, data))
        else:
            c, kind = conns[fd]
            try:
                data = c.recv(4096)
            except OSError:
                data = b""
            if data:
                log.write("GOT %s %r\n" % (kind, data))
            else:
                del conns[fd]; c.close()
PY
python3 "$T_WORK/listen.py" "$LOG" "$T_WORK/ports" "$ABSTRACT" "${PATHS[@]}" </dev/null >/dev/null 2>"$T_WORK/listen.err" &
LPID=$!
at_exit "kill $LPID"
for _ in $(seq 100); do [ -s "$T_WORK/ports" ] && break; sleep 0.05; done
read -r TPORT UPORT <"$T_WORK/ports" 2>/dev/null
if [ -z "${TPORT:-}" ]; then
	_t_result 1 "the listeners outside started" "$(cat "$T_WORK/listen.err")"
	t_done
fi
# sanity, outside: every listener answers, or the checks below would prove nothing
"$ATTACK" tcp 127.0.0.1 "$TPORT" "SANITY-tcp" >/dev/null
"$ATTACK" udp 127.0.0.1 "$UPORT" "SANITY-udp" >/dev/null
"$ATTACK" unix "$ABSTRACT" "SANITY-abstract" >/dev/null
for p in "${PATHS[@]}"; do "$ATTACK" unix "$p" "SANITY-path" >/dev/null; done
sleep 0.3
t_eq "outside, every listener receives (tcp, udp, abstract, ${#PATHS[@]} paths)" $((3 + ${#PATHS[@]})) \
	"$(grep -c "SANITY" "$LOG")"

# arrived TAG: what reached the listeners from attacks tagged TAG
arrived() { grep -F -- "EXFIL-$1" "$LOG" | head -5; }
# a_nothing_arrived DESC TAG
a_nothing_arrived() {
	local got
	sleep 0.2
	got=$(arrived "$2")
	if [ -z "$got" ]; then
		if g_ran; then _t_result 0 "$1"; else _t_result 1 "$1" "the attack did not run" "$(_t_last)"; fi
	else
		_t_result 1 "$1" "the listener outside received:" "$got" "$(_t_last)"
	fi
}

for f in $STATIC_FLAVOURS; do
	ga "$f" -- "$ATTACK" tcp 127.0.0.1 "$TPORT" "EXFIL-tcp-$f"
	a_nothing_arrived "[$f] static: TCP to the host's 127.0.0.1:$TPORT reaches nothing" "tcp-$f"
	ga "$f" -- "$ATTACK" udp 127.0.0.1 "$UPORT" "EXFIL-udp-$f"
	a_nothing_arrived "[$f] static: UDP to the host's 127.0.0.1:$UPORT reaches nothing" "udp-$f"
	ga "$f" -- "$ATTACK" unix "$ABSTRACT" "EXFIL-abstract-$f"
	a_nothing_arrived "[$f] static: the host's abstract unix socket $ABSTRACT is unreachable" "abstract-$f"
	ga "$f" -- "$ATTACK" tcp 169.254.169.254 80 ""
	a_stopped "[$f] static: connect to the cloud metadata address 169.254.169.254:80 fails"
	for i in "${!PATHS[@]}"; do
		p=${PATHS[$i]}
		ga "$f" -- "$ATTACK" unix "$p" "EXFIL-path$i-$f"
		maybe_todo '[ "$f" = ll ]' "Landlock-only mode: host sockets reached by path are not hidden before Landlock ABI 9 (README)" \
			a_nothing_arrived "[$f] static: the host socket ${p/#"$HOME"/\~} is unreachable" "path$i-$f"
	done
	ga "$f" -- "$ATTACK" socket vsock
	todo "AF_VSOCK is not confined by a network namespace: in a VM it reaches the hypervisor's services (CID 2); not connected here (the host's vsock services are not ours to probe)" \
		a_refused "[$f] static: no AF_VSOCK socket under network: none" "socket vsock"
done
for f in $FLAVOURS; do
	ga "$f" -- python3 -c 'import socket, sys
tp, up, ab, tag = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
def attempt(what, fn):
    try: fn(); print(what, "sent")
    except OSError as e: print(what, e)
def tcp():
    s = socket.create_connection(("127.0.0.1", tp), timeout=3); s.sendall(("EXFIL-pytcp-" + tag).encode())
def udp():
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(("EXFIL-pyudp-" + tag).encode(), ("127.0.0.1", up))
def abstract():
    s = socket.socket(socket.AF_UNIX); s.connect("\0" + ab[1:]); s.sendall(("EXFIL-pyabstract-" + tag).encode())
def dns():
    print(socket.getaddrinfo("example.com", 443))
attempt("tcp", tcp); attempt("udp", udp); attempt("abstract", abstract); attempt("dns", dns)' "$TPORT" "$UPORT" "$ABSTRACT" "$f"
	a_nothing_arrived "[$f] python: TCP, UDP, abstract socket reach no listener outside" "py"
	t_nomatch "[$f] python: getaddrinfo(example.com) resolves nothing" "^\[\(" "$OUT"
	ga "$f" -- sh -c 'curl -s --max-time 3 "http://127.0.0.1:$1/EXFIL-curl-$2"; getent hosts example.com; true' sh "$TPORT" "$f"
	a_nothing_arrived "[$f] curl to the host's loopback reaches nothing" "curl-$f"
	t_nomatch "[$f] getent hosts example.com resolves nothing" "example\.com" "$OUT"
done
# the resolver: a route to the nameserver from inside would carry DNS queries (and data in them) out
ns_addr=$(awk '$1 == "nameserver" {print $2; exit}' /etc/resolv.conf 2>/dev/null)
if [ -n "$ns_addr" ]; then
	outside=$("$ATTACK" udp-connect "$ns_addr" 53 | tail -1)
	[ "${outside##*: }" = ok ] || t_diag "outside, the nameserver $ns_addr has no route either ($outside): the check below is weak here"
	for f in $STATIC_FLAVOURS; do
		ga "$f" -- "$ATTACK" udp-connect "$ns_addr" 53
		a_stopped "[$f] static: no route to the nameserver $ns_addr:53"
	done
else
	t_skip "no route to the nameserver from inside" "no nameserver in /etc/resolv.conf"
fi

t_done
