#!/usr/bin/env bash
# network.allow through guard's proxy, with real servers on the host's 127.0.0.1 reached by test names (the proxy
# reads GUARD_TEST_HOSTS, a test-only hosts file): allowed via plain HTTP, CONNECT and SOCKS5 (curl, python
# urllib, git over http), keep-alive, denied with the explanation, special addresses refused, direct TCP and UDP
# to the host blocked, no DNS inside, every decision in the session log and the report. Namespaces mode, then the
# same essentials in Landlock-only mode (--no-userns).
. "$(dirname "$0")/../lib.sh"
needs python3 curl
setup_world

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { # wait_port PORT: until something listens on the host's 127.0.0.1:PORT
	local i
	for i in $(seq 1 50); do
		python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1)' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

SRV=$T_WORK/srv
mkdir -p "$SRV"
echo "HELLO-$RUN_ID" >"$SRV/hello.txt"
# A bare repository served the "dumb" way: plain files over HTTP.
git init -q --bare "$SRV/repo.git"
(
	cd "$T_WORK" && git init -q seed && cd seed && echo "repo-$RUN_ID" >README &&
		git -c user.name=t -c user.email=t@t add README && git -c user.name=t -c user.email=t@t commit -qm init &&
		git push -q "$SRV/repo.git" HEAD:refs/heads/main && git -C "$SRV/repo.git" symbolic-ref HEAD refs/heads/main &&
		git -C "$SRV/repo.git" update-server-info
) >/dev/null 2>&1
HPORT=$(free_port)
(cd "$SRV" && exec python3 -m http.server "$HPORT" --bind 127.0.0.1 --protocol HTTP/1.1) >/dev/null 2>&1 &
at_exit "kill $!"
UPORT=$(free_port)
python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    d, a = s.recvfrom(2048)
    open(sys.argv[2], "ab").write(d + b"\n")' "$UPORT" "$T_WORK/udp.log" &
at_exit "kill $!"
: >"$T_WORK/udp.log"
wait_port "$HPORT" || echo "# http server did not start"

HOSTS=$T_WORK/hosts
printf '127.0.0.1 allowed.test denied.test a.wild.test\n' >"$HOSTS"
export GUARD_TEST_HOSTS=$HOSTS
user_config "network:
  allow:
    - allowed.test:$HPORT
    - \"*.wild.test\"
    - \"*:$HPORT\""
# A line that names the user config's rule (for the 403's provenance): line 3, column 7.
CFG=$XDG_CONFIG_HOME/guard/config.yaml

# --- allowed -------------------------------------------------------------------------------------------------
gr -- curl -sS "http://allowed.test:$HPORT/hello.txt"
t_allowed "curl http:// through the proxy (absolute URI)" "HELLO-$RUN_ID"
gr -- curl -sS -p "http://allowed.test:$HPORT/hello.txt"
t_allowed "curl through a CONNECT tunnel" "HELLO-$RUN_ID"
gr -- curl -sS --socks5-hostname "127.0.0.1:3128" "http://allowed.test:$HPORT/hello.txt"
t_allowed "curl through SOCKS5 (domain name resolved by the proxy)" "HELLO-$RUN_ID"
gr -- sh -c 'curl -sS -x "$ALL_PROXY" "http://allowed.test:'"$HPORT"'/hello.txt"'
t_allowed "ALL_PROXY is socks5h:// and works" "HELLO-$RUN_ID"
gr -- python3 -c "import urllib.request; print(urllib.request.urlopen('http://allowed.test:$HPORT/hello.txt').read().decode())"
t_allowed "python urllib finds the proxy in the environment" "HELLO-$RUN_ID"
gr -- sh -c "git clone -q http://allowed.test:$HPORT/repo.git cloned && cat cloned/README"
t_allowed "git clone over http (http.proxy from GIT_CONFIG_*)" "repo-$RUN_ID"
rm -rf cloned
# keep-alive: two requests on one connection to the proxy, one upstream connection logged with both
gr -- python3 -c "
import http.client, os
c = http.client.HTTPConnection('127.0.0.1', 3128)
for i in range(2):
    c.request('GET', 'http://allowed.test:$HPORT/hello.txt'); r = c.getresponse(); print(r.status, r.read().decode().strip())
"
t_allowed "two requests on one kept-alive proxy connection" "200 HELLO-$RUN_ID"
SESS=$(ls -td "$XDG_STATE_HOME"/guard/sessions/*/ 2>/dev/null | head -1)
t_match "the kept-alive upstream connection carried both requests" '"via":"http".*"requests":2' \
	"$(grep '"origin":"proxy"' "$SESS/events.jsonl" 2>/dev/null)"
if command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" -ge 24 ] 2>/dev/null; then
	gr -- node -e "fetch('http://allowed.test:$HPORT/hello.txt').then(r => r.text()).then(t => console.log(t))"
	t_allowed "node fetch with NODE_USE_ENV_PROXY=1" "HELLO-$RUN_ID"
else
	t_skip "node fetch with NODE_USE_ENV_PROXY=1" "node < 24 does not read proxy variables"
fi
gr -- sh -c 'env | sort'
t_match "HTTP_PROXY/https_proxy/ALL_PROXY point at the proxy" \
	'HTTPS_PROXY=http://127.0.0.1:3128' "$OUT"
t_has "ALL_PROXY is socks5h" "all_proxy=socks5h://127.0.0.1:3128" "$OUT"
t_has "NO_PROXY names only the sandbox's loopback" "NO_PROXY=localhost,127.0.0.1,::1" "$OUT"
t_has "NODE_USE_ENV_PROXY=1" "NODE_USE_ENV_PROXY=1" "$OUT"
t_has "JAVA_TOOL_OPTIONS carries the proxy" "-Dhttps.proxyPort=3128" "$OUT"
t_has "npm and pip find it" "PIP_PROXY=http://127.0.0.1:3128" "$OUT"

# --- denied, with the explanation ------------------------------------------------------------------------------
gr -- curl -sS "http://denied.test:8080/x"
t_has "403 names the host and port" "does not allow denied.test:8080" "$OUT"
t_has "403 lists the rules with their file and line" "config.yaml:3:7" "$OUT"
t_has "403 says how to allow it (flag)" "--allow-net denied.test:8080" "$OUT"
t_has "403 says how to allow it (YAML)" 'allow: ["denied.test:8080"]' "$OUT"
t_has "403 says it is not a network failure" "not a network failure" "$OUT"
gr -- python3 -c "
import socket
s = socket.create_connection(('127.0.0.1', 3128))
s.sendall(b'CONNECT denied.test:443 HTTP/1.1\r\nHost: denied.test:443\r\n\r\n')
data = b''
while True:
    b = s.recv(65536)
    if not b: break
    data += b
print(data.decode())"
t_match "CONNECT to a host not listed: 403" '^HTTP/1.1 403 Forbidden' "$OUT"
t_has "the CONNECT refusal explains itself in a header too" "X-Guard-Denied: denied.test:443: denied.test is not in network.allow" "$OUT"
t_has "the CONNECT refusal's body names the rule set" "allowed.test:$HPORT" "$OUT"
gr -- curl -sS --socks5-hostname 127.0.0.1:3128 "http://denied.test:$((HPORT + 1))/"
t_has "SOCKS5 refusal: not allowed by ruleset (reply 2)" "(2)" "$ERR"
gr -- curl -sS "http://allowed.test:$((HPORT + 1))/"
t_has "a listed host on another port: the port is named" "port $((HPORT + 1)) is not allowed" "$OUT"
gr -- curl -sS "http://wild.test/"
t_has "*.wild.test does not allow wild.test itself" "wild.test is not in network.allow" "$OUT"
gr -- curl -sS "http://a.wild.test/"
t_has "*.wild.test allows a.wild.test (port 80: nothing listens, the proxy says so)" "could not reach a.wild.test:80" "$OUT"
# special addresses: "*:PORT" allows any name on the port, but not loopback or metadata unless named
gr -- curl -sS "http://127.0.0.2:$HPORT/hello.txt"
t_has "loopback refused unless a rule names the address" "a loopback address, which guard refuses" "$OUT"
t_lacks "...and nothing of the server leaked" "HELLO-$RUN_ID" "$OUT"
gr -- curl -sS --noproxy '' "http://localhost:$HPORT/hello.txt"
t_match "a name resolving to loopback refused too" "localhost resolves to (127\.0\.0\.1|\[::1\]):$HPORT, a loopback address" "$OUT"
gr -- curl -sS -m 10 "http://169.254.169.254:$HPORT/latest/meta-data/"
t_has "the cloud metadata address refused" "the cloud metadata service" "$OUT"
gr --allow-net "127.0.0.1:$HPORT" -- curl -sS --noproxy '' "http://127.0.0.1:$HPORT/hello.txt"
t_allowed "a rule naming the address itself reaches it" "HELLO-$RUN_ID"

# --- no direct path --------------------------------------------------------------------------------------------
gr -- curl -sS -m 5 --noproxy '*' "http://127.0.0.1:$HPORT/hello.txt"
t_refused "direct TCP to the host's 127.0.0.1 fails (own loopback)"
t_lacks "...and reaches nothing" "HELLO-$RUN_ID" "$OUT"
gr -- python3 -c "
import socket
s = socket.socket(); s.settimeout(5)
try:
    s.connect(('10.255.255.1', 80)); print('CONNECTED')
except OSError as e: print('refused', e)"
t_has "direct TCP to an outside address fails" "refused" "$OUT"
gr -- python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3): s.sendto(b'UDP-LEAK-$RUN_ID', ('127.0.0.1', $UPORT))
print('sent')"
sleep 0.3
t_lacks "UDP to the host's loopback never arrives" "UDP-LEAK" "$(cat "$T_WORK/udp.log")"
gr -- python3 -c "
import socket
try:
    print(socket.getaddrinfo('example.com', 443))
except OSError as e: print('no DNS:', e)"
t_has "no DNS from inside" "no DNS" "$OUT"

# --- the log and the report ------------------------------------------------------------------------------------
gr -- sh -c "curl -sS http://allowed.test:$HPORT/hello.txt; curl -sS http://denied.test:8080/x; curl -sS -p http://denied.test:8443/"
g report
t_match "report lists the allowed host" "allowed\.test:$HPORT +[0-9]+$" "$OUT"
t_match "report lists the denied hosts" "denied\.test:8080 +1, 1 denied" "$OUT"
t_match "report counts the denied CONNECT too" "denied\.test:8443 +1, 1 denied" "$OUT"
ALL=$(cat "$XDG_STATE_HOME"/guard/sessions/*/events.jsonl)
t_match "log: an allowed decision with bytes, duration and the rule" \
	'"origin":"proxy".*"path":"allowed.test:[0-9]+".*"result":"allowed".*"rule":\{"kind":"network.allow","pattern":"allowed.test:[0-9]+","file":"[^"]*config.yaml","line":3,"col":7.*"net":\{"via":"(http|connect)","addr":"127.0.0.1:[0-9]+","up":[1-9][0-9]*,"down":[1-9][0-9]*,"ms":[0-9]+' "$ALL"
t_match "log: a denial with its reason" \
	'"path":"denied.test:8080".*"result":"denied".*"reason":"denied.test is not in network.allow"' "$ALL"
t_match "log: the SOCKS5 path" '"via":"socks5"' "$ALL"
# Each decision names the process that sent the request as the kernel tells it (the holder of the client's socket),
# not as the process claims: the log's pid and program, the report's "who".
CURL=$(readlink -f "$(command -v curl)")
LAST=$(ls -td "$XDG_STATE_HOME"/guard/sessions/*/ | head -1)
t_match "log: a refused request names curl's pid and program" \
	'"origin":"proxy","pid":[1-9][0-9]*,"ppid":[1-9][0-9]*,.*"path":"denied.test:8443".*"exe":"'"$CURL"'"' \
	"$(cat "$LAST/events.jsonl")"
t_match "log: so does an allowed one" '"origin":"proxy","pid":[1-9].*"result":"allowed".*"exe":"'"$CURL"'"' \
	"$(cat "$LAST/events.jsonl")"
t_match "report: the refused request's process" 'who +pid [0-9]+ \(curl\)' "$OUT"

# --- Landlock-only mode ----------------------------------------------------------------------------------------
gr --no-userns -- sh -c 'echo "$HTTP_PROXY"; curl -sS "http://allowed.test:'"$HPORT"'/hello.txt"'
t_allowed "[landlock-only] curl through the proxy on the host's loopback" "HELLO-$RUN_ID"
t_nomatch "[landlock-only] the proxy port is the kernel's choice" 'http://127.0.0.1:3128$' "$OUT"
gr --no-userns -- curl -sS -p "http://allowed.test:$HPORT/hello.txt"
t_allowed "[landlock-only] CONNECT tunnel" "HELLO-$RUN_ID"
gr --no-userns -- curl -sS "http://denied.test:8080/x"
t_has "[landlock-only] denied with the explanation" "--allow-net denied.test:8080" "$OUT"
t_match "[landlock-only] log: the refused request names curl's pid and program" \
	'"origin":"proxy","pid":[1-9][0-9]*,.*"path":"denied.test:8080".*"exe":"'"$CURL"'"' \
	"$(cat "$(ls -td "$XDG_STATE_HOME"/guard/sessions/*/ | head -1)/events.jsonl")"
gr --no-userns -- curl -sS -m 5 --noproxy '*' "http://127.0.0.1:$HPORT/hello.txt"
t_refused "[landlock-only] direct TCP to another port refused (Landlock)"
t_lacks "[landlock-only] ...and reaches nothing" "HELLO-$RUN_ID" "$OUT"
gr --no-userns -- python3 -c "
import socket
for kind, name in ((socket.SOCK_DGRAM, 'udp'), (socket.SOCK_RAW, 'raw')):
    try:
        socket.socket(socket.AF_INET, kind, 0 if kind == socket.SOCK_DGRAM else 1); print(name, 'OPEN')
    except OSError as e: print(name, 'refused', e.errno)
try:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM, 132); print('sctp OPEN')
except OSError as e: print('sctp refused', e.errno)"
t_has "[landlock-only] UDP sockets refused (EACCES)" "udp refused 13" "$OUT"
t_has "[landlock-only] raw sockets refused" "raw refused" "$OUT"
t_has "[landlock-only] SCTP refused" "sctp refused 13" "$OUT"
gr --no-userns -- python3 -c "
import socket
try:
    print(socket.getaddrinfo('example.com', 443))
except OSError as e: print('no DNS:', e)"
t_has "[landlock-only] no DNS from inside" "no DNS" "$OUT"

t_done
