#!/usr/bin/env bash
# DNS rebinding into the LAN (issue 13, class 8): a name network.allow allows resolves to a private address (RFC 1918,
# CGNAT, IPv6 unique local, or an IPv4-mapped form of one). A real HTTP server listens on such an address of this
# host; the proxy's test resolver (GUARD_TEST_HOSTS, which stands for a DNS the attacker controls and is filtered
# like one for private ranges) answers the allowed name with it. The harness decides from the server's own log:
# a request that arrived is a leak. Then the ways the user says yes: network.allow_private in their own config,
# --allow-private-net, a rule naming the address itself; a project file cannot say yes, bad values get FILE:LINE:COL.
#
# The addresses: as root, 10.213.X.Y/32 added to lo for this run (removed at exit; no dummy interface needed); in
# both passes, any RFC 1918 / ULA address the host's interfaces already carry (say a ULA on eth0).
. "$(dirname "$0")/common.bash"
needs curl ip

ADDRS=()
if is_root; then
	A4=10.213.$((0x${RUN_ID:0:2} % 250 + 1)).$((0x${RUN_ID:2:2} % 250 + 1))
	if ip addr add "$A4/32" dev lo label lo:gtp 2>"$T_WORK/ip.err"; then
		at_exit "ip addr del '$A4/32' dev lo"
		ADDRS+=("$A4")
	else
		t_diag "could not add $A4 to lo: $(cat "$T_WORK/ip.err")"
	fi
fi
# The host's own private addresses (not another run's lo:gtp one, which goes away when that run ends).
while read -r a; do
	ADDRS+=("$a")
done < <(ip -o addr show 2>/dev/null | grep -v 'lo:gtp' | awk '{print $4}' | python3 -c '
import ipaddress, sys
nets = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")]
seen = set()
for line in sys.stdin:
    a = ipaddress.ip_interface(line.strip()).ip
    if any(a in n for n in nets) and a.version not in seen:
        seen.add(a.version); print(a)')
if [ ${#ADDRS[@]} -eq 0 ]; then
	t_skip "a name resolving to a private address is refused" \
		"no private (RFC 1918 / ULA) address on this host's interfaces, and not root to add one"
	t_done
fi

free_port() { python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1"; }
# serve ADDR PORT LOG: an HTTP server on ADDR:PORT answering "LAN-$RUN_ID", every request line appended to LOG.
cat >"$T_WORK/serve.py" <<'PY'
import http.server, socket, sys
addr, port, log, body = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4].encode()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        open(log, "a").write("GOT " + self.path + "\n")
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
class S(http.server.HTTPServer):
    address_family = socket.AF_INET6 if ":" in addr else socket.AF_INET
S((addr, port), H).serve_forever()
PY
serve() {
	python3 "$T_WORK/serve.py" "$@" "LAN-$RUN_ID" </dev/null >/dev/null 2>>"$T_WORK/server.err" &
	at_exit "kill $!"
}

HOSTS=$T_WORK/hosts
export GUARD_TEST_HOSTS=$HOSTS
CFG=$XDG_CONFIG_HOME/guard/config.yaml

for ADDR in "${ADDRS[@]}"; do
	PORT=$(free_port "$ADDR")
	LOG=$T_WORK/got-$PORT.log
	: >"$LOG"
	serve "$ADDR" "$PORT" "$LOG"
	case $ADDR in *:*) URLADDR="[$ADDR]" ;; *) URLADDR=$ADDR ;; esac
	for _ in $(seq 50); do curl -s -m 1 "http://$URLADDR:$PORT/sanity" >/dev/null && break; sleep 0.1; done
	t_match "outside, the server on $URLADDR:$PORT answers (else the checks below prove nothing)" "GOT /sanity" \
		"$(cat "$LOG")"
	# the names: lan.test answers the address itself; mapped.test its IPv4-mapped IPv6 form
	printf '%s lan.test\n' "$ADDR" >"$HOSTS"
	case $ADDR in *:*) ;; *) printf '::ffff:%s mapped.test\n' "$ADDR" >>"$HOSTS" ;; esac
	user_config "network:
  allow:
    - lan.test:$PORT
    - mapped.test:$PORT"

	# arrived TAG: did a request tagged TAG reach the server?
	arrived() { grep -F -- "/$1" "$LOG" | head -3; }
	a_nothing_arrived() { # DESC TAG
		local got
		got=$(arrived "$2")
		if [ -n "$got" ]; then
			_t_result 1 "$1" "the server on the private address received:" "$got" "$(_t_last)"
		elif ! g_ran; then
			_t_result 1 "$1" "the attack did not run" "$(_t_last)"
		else
			_t_result 0 "$1"
		fi
	}
	for f in $STATIC_FLAVOURS; do
		tag="[$f $URLADDR]"
		ga "$f" -- curl -sS -m 10 "http://lan.test:$PORT/rebind-http-$f"
		a_nothing_arrived "$tag an allowed name resolving to the private address reaches nothing (HTTP)" "rebind-http-$f"
		t_has "$tag the 403 names the address and what it is" "resolves to $URLADDR:$PORT, a" "$OUT"
		t_has "$tag the 403 names the key that allows it" "network.allow_private: true" "$OUT"
		t_has "$tag guard's one line on curl's stderr says so too" \
			"guard: the sandbox's proxy refused lan.test:$PORT: lan.test resolves to $URLADDR:$PORT" "$ERR"
		g explain --last
		t_has "$tag guard explain names the key" "network.allow_private" "$OUT"
		g report
		t_match "$tag guard report names curl, as the kernel told the proxy (no pid -1)" 'who +pid [0-9]+ \(curl\)' "$OUT"
		t_has "$tag guard report says guard's proxy refused it" "told by guard's proxy" "$OUT"
		ga "$f" -- curl -sS -m 10 -p "http://lan.test:$PORT/rebind-connect-$f"
		a_nothing_arrived "$tag the same through a CONNECT tunnel" "rebind-connect-$f"
		ga "$f" -- sh -c 'curl -sS -m 10 -x "$ALL_PROXY" "$1"' sh "http://lan.test:$PORT/rebind-socks-$f"
		a_nothing_arrived "$tag the same through SOCKS5" "rebind-socks-$f"
		t_has "$tag ...refused by the proxy (SOCKS reply 2: not allowed)" "(2)" "$ERR"
		if [ -z "${ADDR##*.*}" ] && [ -n "${ADDR##*:*}" ]; then
			ga "$f" -- curl -sS -m 10 "http://mapped.test:$PORT/rebind-mapped-$f"
			a_nothing_arrived "$tag an answer in IPv4-mapped IPv6 form (::ffff:$ADDR) reaches nothing" \
				"rebind-mapped-$f"
		fi
	done

	# --- the ways the user says yes ---------------------------------------------------------------------------
	user_config "network:
  allow_private: true
  allow:
    - lan.test:$PORT"
	gr -- curl -sS -m 10 "http://lan.test:$PORT/optin-config"
	t_allowed "[$URLADDR] network.allow_private: true in the user's config lets the name through" "LAN-$RUN_ID"
	g policy
	t_match "[$URLADDR] guard policy shows the setting and where it was set" \
		"network.allow_private: true.*
.*config.yaml:2:18 \(user config\)" "$OUT"
	project_config "network:
  allow_private: false"
	gr -- curl -sS -m 10 "http://lan.test:$PORT/project-false"
	t_eq "[$URLADDR] a project's allow_private: false tightens the user's true" "" "$(arrived project-false)"
	rm -f "$PROJECT/.guard.yaml"

	user_config "network:
  allow:
    - lan.test:$PORT"
	gr --allow-private-net -- curl -sS -m 10 "http://lan.test:$PORT/optin-flag"
	t_allowed "[$URLADDR] --allow-private-net lets the name through" "LAN-$RUN_ID"
	gr --allow-net "$URLADDR:$PORT" -- curl -sS -m 10 "http://lan.test:$PORT/named"
	t_allowed "[$URLADDR] a rule naming the address itself lets the name through" "LAN-$RUN_ID"
	gr --allow-net "$URLADDR:$((PORT + 1))" -- curl -sS -m 10 "http://lan.test:$PORT/named-other-port"
	t_eq "[$URLADDR] ...but only on the port that rule names" "" "$(arrived named-other-port)"
done

# --- who may set it, and bad values --------------------------------------------------------------------------
user_config "network:
  allow: [lan.test]"
project_config "network:
  allow_private: true"
gr -- true
t_eq "a project file cannot turn allow_private on: guard refuses to run" 125 "$RC"
t_has "...naming the project file's line and column" "$PROJECT/.guard.yaml:2:18:" "$ERR"
t_has "...and who may set it" "only by the user's own config or a flag" "$ERR"
rm -f "$PROJECT/.guard.yaml"
for bad in yes '"true"' 1 '[true]'; do
	user_config "network:
  allow_private: $bad"
	gr -- true
	t_eq "allow_private: $bad is refused" 125 "$RC"
	t_has "allow_private: $bad: the error names FILE:LINE:COL" "$CFG:2:18: network.allow_private must be true or false" \
		"$ERR"
done

t_done
