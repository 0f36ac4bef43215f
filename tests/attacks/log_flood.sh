#!/usr/bin/env bash
# The session log has no bound (issue 13, class 6): from inside, a sandbox floods its own session's event socket
# (forged datagrams carrying the session's magic, which it can read: GUARD_MAGIC, the image) and makes real
# opens, to fill the host's disk through ~/.local/state/guard and to make `guard report` need as much memory as
# the log is large. With guard's defaults the log must stay under its cap (64M), every distinct denial made
# before the cap must be in the report, every denial past it counted (never dropped silently), the report must
# say what was held back, and `guard report` and the supervisor must stay small (peak resident memory, measured
# by the kernel: ru_maxrss). A second part grows a log by hand far past any cap and reads it back: the report
# streams it in bounded memory.
. "$(dirname "$0")/common.bash"

SESSIONS=$XDG_STATE_HOME/guard/sessions
CAP=$((64 << 20))
PEAK_KIB=$((96 << 10)) # generous bounds: the supervisor's aim is 64 MiB, the report's a fraction of the cap
SUP_KIB=$((64 << 10))
# An ASan-built guard (make san) keeps freed memory in its quarantine: its peak says nothing of guard's own bounds.
ASAN=
grep -qa __asan_init "$GUARD" && ASAN="guard is built with ASan (make san): its quarantine keeps freed memory resident"

# t_peak DESC KIB BOUND [COND...]: a peak-memory check, skipped (visibly) under ASan
t_peak() {
	local desc=$1 kib=$2 bound=$3
	shift 3
	if [ -n "$ASAN" ]; then t_skip "$desc" "$ASAN"; else t_true "$desc" "$@" "${kib:-999999999}" -le "$bound"; fi
}

# The flood, inside the sandbox: REPEATS copies of one read, ALLOWED_MIB of distinct allowed reads (6.8 KB
# paths), MARKERS distinct denials, a real denied open of ~/.ssh/id_rsa, then DENY_MIB of distinct denials (past
# the cap), then REAL distinct real opens.
FLOOD='
import errno, os, re, socket, struct, sys
allowed_mib, repeats, markers, deny_mib, real = (int(a) for a in sys.argv[1:6])
magic = int(os.environ["GUARD_MAGIC"], 16)
img = open(os.environ["GUARD_POLICY"], "rb").read()
sock = next(m.group(1).decode() for m in re.finditer(rb"(/[^\x00]*events\.sock)\x00", img))
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect(sock)
def ev(op, err, path):
    p = path.encode() + b"\0"
    s.send(struct.pack("<HHBBBBiiiIHHHHHH4xQ", 2, 48 + len(p), op, 1, 0, 0, err, os.getpid(), os.getppid(), 0,
                       len(p), 0, 0, 0, 0, 0, magic) + p)
long = "/" + "/".join(["x" * 250] * 27)
for _ in range(repeats):
    ev(1, 0, "/usr/flood-same")
n = sent = 0
while sent < allowed_mib << 20:
    ev(1, 0, "/usr/flood-allowed-%d%s" % (n, long)); sent += len(long); n += 1
for k in range(markers):
    ev(1, errno.EACCES, "/flood-marker/denied-%d" % k)
try:
    open(os.path.expanduser("~/.ssh/id_rsa")).read(); print("READ id_rsa")
except OSError as e:
    print("REAL-DENIAL", e.errno)
d = sent = 0
while sent < deny_mib << 20:
    ev(1, errno.EACCES, "/flood-deny/%d%s" % (d, long)); sent += len(long); d += 1
for k in range(real):
    try:
        open("/flood-real-%d-%s" % (k, "r" * 200))
    except OSError:
        pass
print("FLOOD", n, repeats, markers, d, real, flush=True)
'

# peak_kib CMD...: run CMD (output to $T_WORK/peak.out) and print its peak resident memory in KiB
peak_kib() {
	python3 -c 'import resource, subprocess, sys
with open(sys.argv[1], "wb") as out:
    subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.STDOUT)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$T_WORK/peak.out" "$@"
}

# log_json SESSION-DIR EXPR: a value from session.json's "log" object (python expression over `l`)
log_json() {
	python3 -c 'import json, sys
l = json.load(open(sys.argv[1] + "/session.json")).get("log") or {}
print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null
}

# The facts of a flood's report, from `guard report --format json` (in $T_WORK/peak.out): how many of the 200
# markers are listed, whether the real denial is, and the count of the repeated read.
REPORT_FACTS='import json, sys
d = json.load(open(sys.argv[1]))
paths = {x.get("path") for x in d["denials"]}
print(sum(1 for k in range(200) if "/flood-marker/denied-%d" % k in paths),
      any(p and p.endswith("/.ssh/id_rsa") for p in paths),
      sum(x["count"] for g in d["files"]["read"].values() for x in g if x["path"] == "/usr/flood-same"))'

# Guard's default cap (64M) in the default flavour; a smaller cap, and a smaller flood, in the others (the same
# mechanism, in a fraction of the time).
for f in $FLAVOURS; do
	if [ "$f" = ns ]; then cap=$CAP capopt=() mib=80 deny=20; else cap=$((4 << 20)) capopt=(--log-cap 4M) mib=5 deny=2; fi
	before=$(ls "$SESSIONS" 2>/dev/null)
	rm -f "$T_WORK/stats"
	GUARD_STATS=$T_WORK/stats ga "$f" ${capopt[@]+"${capopt[@]}"} -- python3 -c "$FLOOD" "$mib" 20000 200 "$deny" 2000
	sess=$(comm -13 <(printf '%s\n' $before | sort) <(ls "$SESSIONS" | sort) | head -1)
	dir=$SESSIONS/$sess
	t_match "[$f] the flood ran (forged events with the session's magic, real opens)" '^FLOOD [0-9]+ 20000 200 [0-9]+ 2000$' "$OUT"
	t_match "[$f] (the real open of ~/.ssh/id_rsa was refused)" '^REAL-DENIAL ' "$OUT"
	flood_denials=$(sed -n 's/^FLOOD [0-9]* [0-9]* [0-9]* \([0-9]*\) .*/\1/p' <<<"$OUT")
	size=$(stat -c %s "$dir/events.jsonl" 2>/dev/null || echo missing)
	t_true "[$f] the session log stays under its cap of $((cap >> 20))M ($size bytes after a flood of $((mib + deny))+ MiB)" \
		"$size" != missing -a "${size:-0}" -le "$cap"
	peak=$(peak_kib "$GUARD" report "$sess" --format json)
	facts=$(python3 -c "$REPORT_FACTS" "$T_WORK/peak.out" 2>&1)
	t_eq "[$f] all 200 distinct denials sent past the detail limit, and the real one, are in the report" \
		"200 True" "${facts% *}"
	t_peak "[$f] guard report's peak memory is bounded (${peak} KiB for a ${size}-byte log; bound $PEAK_KIB KiB)" \
		"$peak" "$PEAK_KIB" "$size" != missing -a
	same=$(grep -c '"path":"/usr/flood-same"' "$dir/events.jsonl")
	t_true "[$f] 20000 identical events are not written line by line ($same lines)" "$same" -ge 1 -a "$same" -le 70
	t_eq "[$f] ... and the report counts every one of them" 20000 "${facts##* }"
	said() { grep -qE "$1" "$T_WORK/peak.out" && echo yes || echo no; }
	t_eq "[$f] the report says how many allowed events were not recorded in detail, and why" yes \
		"$(said '[0-9]+ allowed events not recorded in detail after the log reached its cap')"
	# denials past the cap: each one written or counted, none dropped silently
	written=$(grep -c '"path":"/flood-deny/' "$dir/events.jsonl")
	counted=$(log_json "$dir" 'sum(e["count"] for e in l.get("summary", []) if e.get("op") == "read" and e.get("origin") == "shim" and e.get("rule") is None)')
	t_eq "[$f] every denial past the cap is counted: written $written + counted ${counted:-none} = sent" \
		"${flood_denials:-?}" "$((written + ${counted:-0}))"
	t_eq "[$f] the report states what was summarised (count, operation, rule)" yes \
		"$(said "[0-9]+ denials past the log's cap of $((cap >> 20))M were counted per operation and rule")"
	sup=$(sed -n 's/.*peak memory \([0-9]*\) KiB.*/\1/p' "$T_WORK/stats" 2>/dev/null | tail -1)
	t_peak "[$f] the supervisor's peak memory stays under 64 MiB through the flood (${sup:-not reported} KiB)" \
		"$sup" "$SUP_KIB"
	rm -rf "$dir"
done

# --- a log grown far past any cap (an old session, or one written by hand): 250000 distinct reads and 250000
# repeats of one denial, ~120 MB. The report streams it: its memory stays bounded, the counts stay exact.
sess=20260101T000000Z-f100d0 dir=$SESSIONS/$sess
mkdir -p "$dir"
printf '{"version":1,"id":"%s","argv":["flood"],"cwd":"/","project":"/p","home":"/h","profile":"default","mode":"namespaces","abi":7,"shim":true,"observer":true,"unobserved":null,"passthrough":[],"guard_pid":1,"start":1,"end":2,"exit":0,"events":500000,"denials":250000,"lost":0}\n' "$sess" >"$dir/session.json"
python3 -c 'import sys
pad = "p" * 250
with open(sys.argv[1], "w") as f:
    for i in range(250000):
        f.write("{\"t\":%d,\"origin\":\"shim\",\"pid\":7,\"ppid\":1,\"op\":\"read\",\"path\":\"/usr/share/f%d-%s\",\"path2\":null,\"cwd\":\"/\",\"result\":\"allowed\",\"errno\":null,\"rule\":null,\"argv\":null,\"truncated\":false}\n" % (i, i, pad))
    line = "{\"t\":5,\"origin\":\"shim\",\"pid\":7,\"ppid\":1,\"op\":\"read\",\"path\":\"/h/.ssh/id_rsa\",\"path2\":null,\"cwd\":\"/\",\"result\":\"denied\",\"errno\":\"EACCES\",\"rule\":null,\"argv\":null,\"truncated\":false}\n"
    f.write(line * 250000)' "$dir/events.jsonl"
size=$(stat -c %s "$dir/events.jsonl")
peak=$(peak_kib "$GUARD" report "$sess" --format json)
counts=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d["counts"]["events"], [x["count"] for x in d["denials"] if x["path"] == "/h/.ssh/id_rsa"])' "$T_WORK/peak.out" 2>&1)
t_eq "the report of a ${size}-byte log counts every event and merges the repeated denial" "500000 [250000]" "$counts"
t_peak "guard report streams a ${size}-byte log in bounded memory (${peak} KiB; bound $PEAK_KIB KiB)" \
	"$peak" "$PEAK_KIB"
rm -rf "$dir"

t_done
