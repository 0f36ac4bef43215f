#!/usr/bin/env bash
# Host services on loopback by rule: network.allow 127.0.0.1:PORT, localhost:PORT and [::1]:PORT make a service on
# the host's loopback answer at the same address inside the sandbox, with guard's proxy variables set (NO_PROXY
# sends loopback direct), so a local model gateway or database works with its usual URL. Attacks: nothing else
# on the host's loopback answers, directly or through the proxy, in namespaces mode and in Landlock-only mode.
. "$(dirname "$0")/../lib.sh"
needs python3 curl
setup_world

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { # wait_port HOST PORT: until something listens there on the host
	local i
	for i in $(seq 1 50); do
		python3 -c 'import socket,sys; socket.create_connection((sys.argv[1],int(sys.argv[2])),1)' "$1" "$2" \
			2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# serve DIR HOST PORT: an HTTP server on the host, ended with the script
serve() {
	(cd "$1" && exec python3 -m http.server "$3" --bind "$2") >/dev/null 2>&1 &
	at_exit "kill $!"
	wait_port "$2" "$3"
}

SVC=$T_WORK/svc
OTHER=$T_WORK/other
mkdir -p "$SVC" "$OTHER"
echo "GATEWAY-$RUN_ID" >"$SVC/page.txt"
canary other >"$OTHER/page.txt" # what a service the policy does not name would give away
A=$(free_port)
B=$(free_port)
serve "$SVC" 127.0.0.1 "$A" || t_diag "the host's service on 127.0.0.1:$A did not start"
serve "$OTHER" 127.0.0.1 "$B" || t_diag "the other service on 127.0.0.1:$B did not start"
HAVE6=no
A6=$(free_port)
if python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET6); s.bind(("::1",int(sys.argv[1])))' "$A6" 2>/dev/null &&
	serve "$SVC" ::1 "$A6"; then
	HAVE6=yes
fi

# The direct path, as a gateway's client uses it: plain curl with guard's environment (NO_PROXY has loopback).
user_config "network:
  allow: [\"127.0.0.1:$A\"]"
gr -- curl -sS -m 10 "http://127.0.0.1:$A/page.txt"
t_eq "network.allow 127.0.0.1:PORT: the host's service answers at the same address inside" "GATEWAY-$RUN_ID" "$OUT"
gr -- sh -c 'echo "no_proxy=$NO_PROXY"'
t_has "...while NO_PROXY still sends loopback direct" "127.0.0.1" "$OUT"
gr -- python3 -c "
import urllib.request
print(urllib.request.urlopen('http://127.0.0.1:$A/page.txt', timeout=10).read().decode().strip())"
t_eq "...python's urllib (proxy variables honoured) reaches it too" "GATEWAY-$RUN_ID" "$OUT"
gr -- sh -c "for i in 1 2 3; do curl -sS -m 10 http://127.0.0.1:$A/page.txt; done"
t_eq "...several connections in a row" "GATEWAY-$RUN_ID GATEWAY-$RUN_ID GATEWAY-$RUN_ID" "$(echo $OUT)"
SID=$(ls -t "$XDG_STATE_HOME/guard/sessions" | head -1)
t_match "...each connection is in the session log, with the rule" \
	"\"path\":\"127.0.0.1:$A\".*\"result\":\"allowed\".*\"pattern\":\"127.0.0.1:$A\".*\"via\":\"forward\"" \
	"$(cat "$XDG_STATE_HOME/guard/sessions/$SID/events.jsonl" 2>/dev/null)"

# Attacks with that rule: the other service on the host's loopback stays out of reach.
gr -- curl -sS -m 10 "http://127.0.0.1:$B/page.txt"
t_ne "attack: another port of the host's loopback does not answer directly" 0 "$RC"
t_clean "...and gives nothing away" "$(canary other)"
gr -- curl -sS -m 10 --noproxy '' -x "http://127.0.0.1:3128" "http://127.0.0.1:$B/page.txt"
t_lacks "attack: ...nor through guard's proxy" "$(canary other)" "$OUT"
t_has "...which refuses it, saying why" "network policy does not allow 127.0.0.1:$B" "$OUT"
gr -- curl -sS -m 10 --noproxy '' -x "http://127.0.0.1:3128" "http://localhost:$B/page.txt"
t_lacks "attack: ...nor as localhost through the proxy" "$(canary other)" "$OUT"
gr -- python3 -c "
import socket
for host in ('127.0.0.2', '::1', '127.0.0.1'):
    for port in ($B, 22, 631, 5432):
        try:
            s = socket.create_connection((host, port), 2); s.sendall(b'GET /page.txt HTTP/1.0\r\n\r\n')
            print('REACHED', host, port, s.recv(4096))
        except OSError:
            pass
print('done')"
t_lacks "attack: no other address or port of the loopback reaches the host" "REACHED" "$OUT"
t_clean "...and nothing leaks" "$(canary other)"

# localhost:PORT, accepted as a flag; both names of loopback answer.
user_config "network:
  allow: []"
gr --allow-net "localhost:$A" -- curl -sS -m 10 "http://localhost:$A/page.txt"
t_eq "--allow-net localhost:PORT: http://localhost:PORT reaches the host's service" "GATEWAY-$RUN_ID" "$OUT"
gr --allow-net "localhost:$A" -- curl -sS -m 10 --noproxy '' "http://localhost:$A/page.txt"
t_eq "...and through guard's proxy when a tool ignores NO_PROXY" "GATEWAY-$RUN_ID" "$OUT"
gr --allow-net "localhost:$A" -- curl -sS -m 10 "http://localhost:$B/page.txt"
t_clean "attack: localhost:PORT opens no other port" "$(canary other)"

if [ "$HAVE6" = yes ]; then
	gr --allow-net "[::1]:$A6" -- curl -sS -m 10 -g "http://[::1]:$A6/page.txt"
	t_eq "--allow-net [::1]:PORT: the host's ::1 service answers at [::1] inside" "GATEWAY-$RUN_ID" "$OUT"
else
	t_skip "--allow-net [::1]:PORT" "no IPv6 loopback on this host"
fi

# Opposite directions on one port: refused before anything runs.
user_config "network:
  allow: [\"127.0.0.1:$A\"]
  publish: [$A]"
gr -- touch "$PROJECT/should-not-exist"
t_rc "publish and a host service on the same port: guard's error" 125
t_match "...naming both entries" "network.publish $A .*network.allow 127.0.0.1:$A" "$ERR"
t_true "...and nothing ran" ! -e "$PROJECT/should-not-exist"

# The dry run says what answers where.
user_config "network:
  allow: [\"localhost:$A\"]"
gr --dry-run -- true
t_match "the dry run lists the host service" "host service: 127.0.0.1 and \[::1\] port $A \(localhost:$A" "$OUT"

# Landlock-only: the host's loopback is the sandbox's; a Landlock TCP rule lets exactly that port through.
if [ "$(landlock_abi)" -ge 4 ]; then
	user_config "network:
  allow: [\"127.0.0.1:$A\"]"
	gr --no-userns -- curl -sS -m 10 "http://127.0.0.1:$A/page.txt"
	t_eq "[landlock-only] 127.0.0.1:PORT reaches the host's service" "GATEWAY-$RUN_ID" "$OUT"
	gr --no-userns -- python3 -c "
import socket
try:
    socket.create_connection(('127.0.0.1', $B), 5); print('REACHED')
except OSError as e: print('refused', e.errno)"
	t_has "attack: [landlock-only] another port of the host's loopback is refused by Landlock" "refused 13" "$OUT"
	t_clean "...and gives nothing away" "$(canary other)"
else
	t_skip_n 3 "[landlock-only] host services" "Landlock ABI $(landlock_abi) has no TCP rules (needs 4)"
fi

t_done
