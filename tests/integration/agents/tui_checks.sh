# shellcheck shell=bash
# tui_checks.sh: the checks agent_gemini.sh and agent_opencode.sh share about an agent's TUI session under guard,
# sourced by them after lib.sh.

# tui_guard_lines TRANSCRIPT REQUESTS START-RE END-RE: the `guard:` lines printed while the agent's TUI owned the
# screen (from the first match of START-RE to the line of the last match of END-RE), escape sequences removed,
# less those the agent drew as a tool's output: text the model received too (REQUESTS, every request the fake
# API logged) is the agent showing what its tool printed, not guard drawing over its screen. The texts go through
# pipes: one argument may not exceed 128 KiB (MAX_ARG_STRLEN), and an agent's requests do.
tui_guard_lines() {
	python3 - <(printf '%s' "$1") <(printf '%s' "$2") "$3" "$4" <<'PY'
import re, sys
t, reqs = (open(f, encoding="utf-8", errors="replace").read() for f in sys.argv[1:3])
start_re, end_re = sys.argv[3:]
t = re.sub(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1bP[^\x1b]*\x1b\\|\x1b[@-_]", "", t)
m = re.search(start_re, t)
start = m.start() if m else len(t)
ends = list(re.finditer(end_re, t))
end = t.find("\n", ends[-1].end()) if ends else len(t)
end = len(t) if end < 0 else end
seen = reqs.replace("\\n", "\n").replace('\\"', '"').replace("\\u2014", "\u2014")
for line in t[start:end].splitlines():
    i = line.find("guard:")
    if i < 0:
        continue
    # to the first border or padding (2+ spaces): a wrapped line of the tool output the agent draws ends there
    frag = re.split(r"\s{2,}|[\u2502\u2503]", line[i:])[0].rstrip()
    if frag and frag in seen:
        continue
    print(line.strip())
PY
	local rc=$?
	# A check that could not run must not read as "no lines": say so, and the caller's empty-check fails.
	[ $rc -eq 0 ] || echo "tui_guard_lines: the check itself failed (python3 exit $rc)"
}

# summary_count TRANSCRIPT: N of guard's exit line "guard: N accesses denied", 0 without one.
summary_count() {
	local n
	n=$(printf '%s' "$1" | sed -n 's/.*guard: \([0-9][0-9]*\) access\(es\)\{0,1\} denied.*/\1/p' | tail -1)
	printf '%s\n' "${n:-0}"
}

# report_denied_count REPORT-JSON: the report's count of denied events.
report_denied_count() {
	printf '%s' "$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["counts"]["denied"])' 2>&1
}

# report_has_read_denial REPORT-JSON PATH: "yes" when the report lists a denied read of PATH.
report_has_read_denial() {
	printf '%s' "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin).get("denials") or []
print("yes" if any(x.get("path") == sys.argv[1] and x.get("op") == "read" for x in d) else "no")' "$2" 2>&1
}

# own_denials REPORT-JSON DIR...: the report's denials that refused the agent's own operation, one a line.
# The policy at work is not one: what a files.deny rule hides (.env, secrets/), and listings of the directories
# above each DIR (the project: tools walk up from the working directory; the agent's install): Landlock grants
# listings with their whole subtree, so granting those would open the rest of $HOME (or /).
own_denials() {
	printf '%s' "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin).get("denials") or []
below = [p.rstrip("/") + "/" for p in sys.argv[1:]]
for x in d:
    p, rule = x.get("path") or "", x.get("rule") or {}
    if rule.get("kind") == "deny":
        continue
    if x.get("op") == "read" and p.startswith("/") and any(b.startswith(p.rstrip("/") + "/") for b in below):
        continue
    print(x.get("op"), p, x.get("errno"), x.get("origin"), x.get("programs"), rule.get("kind"))' "${@:2}" 2>&1
}

# fake_api_wrapper WRAPPER FAKE ENV PROGRAM: write WRAPPER (named as the agent, so guard selects its profile), which
# starts FAKE (a fake API beside it, logging to requests.jsonl, playing script.json) on the sandbox's loopback and
# execs PROGRAM with ENV (assignments; $url is the fake's base URL).
fake_api_wrapper() {
	local w=$1 fake=$2 env=$3 prog=$4 dir=${1%/bin/*}
	cat >"$w" <<EOF
#!/bin/sh
rm -f '$dir/port'
python3 '$dir/$fake' '$dir/port' '$dir/requests.jsonl' '$dir/script.json' 2>>'$dir/api.err' &
i=0
while [ ! -s '$dir/port' ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done
url=http://127.0.0.1:\$(cat '$dir/port')
$env exec '$prog' "\$@"
EOF
	chmod +x "$w"
}
