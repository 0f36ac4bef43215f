#!/usr/bin/env bash
# The report tells facts from claims (issue 13, class 7): a process in the sandbox writes events to its own
# session's event socket by hand (it knows the socket, beside GUARD_POLICY, and the session magic, GUARD_MAGIC:
# the shim in it needs both). Such events are the process's claims: the report shows them as self-reported, never
# as what the kernel saw, and one that names another pid than its sender (the kernel's SCM_CREDENTIALS) is
# flagged as forged. One claiming to be the kernel observer's is not logged at all.
. "$(dirname "$0")/common.bash"

FORGE='
import os, socket, struct
magic = int(os.environ["GUARD_MAGIC"], 16)
sock = os.path.join(os.path.dirname(os.environ["GUARD_POLICY"]), "events.sock")
def ev(origin, pid, path):
    name = path.encode() + b"\0"
    return struct.pack("<HHBBBBiiiIHHHHHHIQ", 2, 48 + len(name), 1, origin, 0, 0, 0, pid, 1, 0, len(name), 0, 0, 0,
                       0, 0, 0, magic) + name
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for d in (ev(1, os.getpid(), "/forged/honest-claim"), ev(1, 4242, "/forged/lying-pid"),
          ev(2, os.getpid(), "/forged/as-kernel")):
    s.sendto(d, sock)
print("SENT")
# Alive while guard checks the sender (a sender already gone cannot be checked, and is not flagged).
import time; time.sleep(3)
'
# report_has PY-EXPR: the newest session's JSON report, as r, makes the expression true
report_has() {
	"$GUARD" report --json 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)
files = [f for w in r["files"].values() for g in w.values() for f in g]
def file(p): return next((f for f in files if f["path"] == p), None)
sys.exit(0 if eval(sys.argv[1]) else 1)' "$1"
}
t_report() { # DESC PY-EXPR
	if report_has "$2"; then _t_result 0 "$1"; else _t_result 1 "$1" "not true of guard report --json: $2" \
		"$("$GUARD" report 2>&1 | head -60)"; fi
}

for f in $STATIC_FLAVOURS; do
	ga "$f" -- sh -c 'python3 -c "$1" && "$2" sendfile src/main.c >/dev/null' sh "$FORGE" "$ATTACK"
	t_match "[$f] (the sandbox wrote to its own event socket)" SENT "$OUT"
	t_report "[$f] a hand-written event is listed as self-reported, not as the kernel's" \
		'file("/forged/honest-claim") and file("/forged/honest-claim")["kernel"] == 0'
	t_report "[$f] an event whose claimed pid is not its sender's is flagged as contradicted" \
		'any(c["path"] == "/forged/lying-pid" and c["claimed_pid"] == 4242 and c["pid"] != 4242 for c in r["contradicted"])'
	t_report "[$f] ... and only that one" \
		'[c["path"] for c in r["contradicted"]] == ["/forged/lying-pid"]'
	t_report "[$f] an event claiming to be the kernel observer's is not logged" 'file("/forged/as-kernel") is None'
	t_report "[$f] what the kernel observer saw (a static read) is listed as the kernel's" \
		'file(r["session"]["project"] + "/src/main.c")["kernel"] >= 1'
	g report
	t_match "[$f] guard report (text) names the forgery" 'Contradicted by the kernel \(1\)' "$OUT"
	t_match "[$f] guard report (text) says who told each file" 'honest-claim +1  self-reported' "$OUT"
	g report --format html
	t_match "[$f] guard report (HTML) names the forgery" 'Contradicted by the kernel \(1\)' "$OUT"
done

t_done
