#!/usr/bin/env bash
# network.publish: a server started inside the sandbox on its own loopback is reached from the host's 127.0.0.1
# (and ::1); a port already in use on the host fails before anything runs; Landlock-only mode lets the sandbox
# bind exactly the published port; an open network (["*"]) has no namespace and no proxy.
. "$(dirname "$0")/../lib.sh"
needs python3 curl
setup_world

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
echo "PAGE-$RUN_ID" >"$PROJECT/page.txt"
# Coordination files live in a directory without secrets: Landlock-only mode can't let new files be written in
# the project root, which holds .env.
CTL=$PROJECT/ctl
mkdir -p "$CTL"

# serve_inside PORT [GUARD-FLAGS...]: guard in the background, running an HTTP server on the sandbox's 127.0.0.1:PORT
# until $CTL/stop appears (at most 25 s); waits until $CTL/ready exists. Sets GPID.
serve_inside() {
	local port=$1 i
	shift
	rm -f "$CTL/ready" "$CTL/stop"
	timeout -k 5 40 "$GUARD" run "$@" -- sh -c "python3 -m http.server $port --bind 127.0.0.1 >/dev/null 2>&1 & sp=\$!
		for i in \$(seq 1 50); do python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", $port), 1)' 2>/dev/null && break; sleep 0.1; done
		touch ctl/ready; for i in \$(seq 1 250); do [ -e ctl/stop ] && break; sleep 0.1; done; kill \$sp" \
		>"$T_WORK/bg.out" 2>"$T_WORK/bg.err" </dev/null &
	GPID=$!
	for i in $(seq 1 100); do [ -e "$CTL/ready" ] && return 0; sleep 0.1; done
	return 1
}
stop_inside() {
	touch "$CTL/stop"
	wait "$GPID"
	BG_RC=$?
}

P=$(free_port)
user_config "network:
  publish: [$P]"
if serve_inside "$P"; then
	t_eq "publish: curl from the host reaches the server inside" "PAGE-$RUN_ID" \
		"$(curl -sS -m 5 --noproxy '*' "http://127.0.0.1:$P/page.txt" 2>&1)"
	OUT6=$(curl -sS -m 5 --noproxy '*' -g "http://[::1]:$P/page.txt" 2>&1)
	if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null; then
		t_eq "publish: ... and through the host's ::1" "PAGE-$RUN_ID" "$OUT6"
	else
		t_skip "publish: ... and through the host's ::1" "no IPv6 loopback here"
	fi
	t_eq "publish: several connections in a row" "PAGE-$RUN_ID PAGE-$RUN_ID PAGE-$RUN_ID" \
		"$(for i in 1 2 3; do curl -sS -m 5 --noproxy '*' "http://127.0.0.1:$P/page.txt"; done | tr '\n' ' ' | sed 's/ $//')"
	stop_inside
	t_eq "publish: the session ends normally" 0 "$BG_RC"
else
	stop_inside
	_t_result 1 "publish: the server inside started" "$(cat "$T_WORK/bg.err")"
	t_skip_n 4 "publish" "the server inside did not start"
fi
t_fail "publish: the port is closed again after the session" curl -sS -m 2 --noproxy '*' "http://127.0.0.1:$P/page.txt"

# Nothing listening inside: the host's connection ends at once instead of hanging.
Q=$(free_port)
user_config "network:
  publish: [$Q]"
timeout -k 5 30 "$GUARD" run -- sleep 4 >/dev/null 2>&1 &
BGP=$!
sleep 1.5
curl -sS -m 10 --noproxy '*' "http://127.0.0.1:$Q/" >/dev/null 2>&1
rc=$?
t_ne "publish with nothing listening inside: the connection fails" 0 $rc
t_true "...by being closed, not by curl's own 10 s timeout (curl exit $rc; 28 is a timeout)" "$rc" != 28
wait $BGP

# A port in use on the host: refused before anything runs, naming the entry.
python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(1); time.sleep(30)' "$Q" &
at_exit "kill $!"
sleep 0.5
gr -- touch "$PROJECT/should-not-exist"
t_rc "publish of a port in use: guard's error" 125
t_match "...naming the port and the config line" "network.publish $Q \(.*config.yaml:2\).*in use" "$ERR"
t_true "...and nothing ran" ! -e "$PROJECT/should-not-exist"

# Landlock-only: the sandbox binds the published port on the host itself, and only that one.
R=$(free_port)
user_config "network:
  publish: [$R]"
if serve_inside "$R" --no-userns; then
	t_eq "[landlock-only] publish: the host reaches the server the sandbox bound" "PAGE-$RUN_ID" \
		"$(curl -sS -m 5 --noproxy '*' "http://127.0.0.1:$R/page.txt" 2>&1)"
else
	_t_result 1 "[landlock-only] publish: the server inside started" "$(cat "$T_WORK/bg.err")"
fi
stop_inside
S=$(free_port)
gr --no-userns -- python3 -c "
import socket
s = socket.socket()
try:
    s.bind(('127.0.0.1', $S)); print('BOUND')
except OSError as e: print('refused', e.errno)"
t_has "[landlock-only] binding a port that is not published is refused" "refused 13" "$OUT"

# An open network: no namespace, no proxy variables, the host's loopback is the sandbox's.
T=$(free_port)
(cd "$PROJECT" && exec python3 -m http.server "$T" --bind 127.0.0.1) >/dev/null 2>&1 &
at_exit "kill $!"
for i in $(seq 1 50); do curl -s -m 1 --noproxy '*' "http://127.0.0.1:$T/" >/dev/null 2>&1 && break; sleep 0.1; done
user_config 'network:
  allow: ["*"]'
gr -- sh -c "echo \"proxy=[\${HTTP_PROXY:-}]\"; curl -sS -m 5 http://127.0.0.1:$T/page.txt"
t_has "open network: no proxy variables" "proxy=[]" "$OUT"
t_has "open network: the host's loopback server is reached directly" "PAGE-$RUN_ID" "$OUT"
gr --dry-run -- true
t_has "open network: the dry run says so" "network: open" "$OUT"
t_nomatch "open network: no network namespace" "mode: namespaces \(.*net\)" "$OUT"

t_done
