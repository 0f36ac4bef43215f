#!/usr/bin/env bash
# guard report / explain / sessions on real sessions: what `guard run` recorded (a denied .env, a static binary's
# raw read through the observer, a process tree), every output format (JSON checked by python3, HTML by escaping
# and, when installed, a headless Chromium render), explain outside and inside the sandbox, a supervisor killed
# with SIGKILL, and a sandbox that can neither read nor erase the log.
. "$(dirname "$0")/../lib.sh"
needs python3 chromium
setup_world

SESSIONS=$XDG_STATE_HOME/guard/sessions
newest() { ls -1t "$SESSIONS" 2>/dev/null | head -1; }
count() { ls -1 "$SESSIONS" 2>/dev/null | wc -l; }

# jq-free JSON checks: python3 reads the report on stdin and runs one expression over it.
pyjson() { # pyjson EXPR: exit 0 when EXPR (over `r`, the parsed stdin) is true
	python3 -c 'import json,sys; r=json.load(sys.stdin); sys.exit(0 if eval(sys.argv[1]) else 1)' "$1"
}

# --- a session with a denial
gr -- cat .env
t_denied "cat .env is denied" env
t_eq "one session recorded" 1 "$(count)"
ID=$(newest)
t_true "session.json written" -s "$SESSIONS/$ID/session.json"
t_eq "session dir is private (0700)" 700 "$(stat -c %a "$SESSIONS/$ID" 2>/dev/null)"
t_has "guard run ends with the one-line summary" "denied — run: guard report" "$ERR"

g sessions
t_rc "sessions exits 0" 0
t_has "sessions lists the command" "cat .env" "$OUT"
t_has "sessions lists the id" "$ID" "$OUT"

g report
t_rc "report exits 0" 0
t_has "report: the .env denial" "read .env  EACCES" "$OUT"
t_match "report: the rule with its provenance" 'files\.deny "\.env" \(rules/default\.yaml:[0-9]+:[0-9]+, profile\)' "$OUT"
t_has "report: exit status of the command" "exit 1" "$OUT"

g report --format json
t_rc "report --format json exits 0" 0
printf '%s' "$OUT" | python3 -m json.tool >/dev/null 2>&1
t_eq "report JSON is valid (python3 -m json.tool)" 0 "$?"
printf '%s' "$OUT" | pyjson 'any(d["path"].endswith("/.env") and d["rule"] and d["rule"]["kind"] == "deny" for d in r["denials"])'
t_eq "report JSON: .env denied by a deny rule" 0 "$?"
printf '%s' "$OUT" | pyjson 'r["session"]["exit"] == 1 and r["session"]["argv"] == ["cat", ".env"] and r["counts"]["denied"] >= 1'
t_eq "report JSON: argv, exit and counts" 0 "$?"

g report --format html
t_rc "report --format html exits 0" 0
printf '%s\n' "$OUT" >"$T_WORK/report.html"
t_lacks "HTML: no script" "<script" "$OUT"
t_nomatch "HTML: no external resource" '(src|href)="?(https?:)?//' "$OUT"
# A real browser renders it (no network, a throwaway profile).
HOME=$T_WORK timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
	--user-data-dir="$T_WORK/chromium" --window-size=1200,1600 --screenshot="$T_WORK/report.png" \
	"file://$T_WORK/report.html" >/dev/null 2>&1
t_true "HTML renders in headless Chromium (screenshot written)" -s "$T_WORK/report.png"

# --- explain, outside the sandbox
g explain .env
t_rc "explain .env exits 0" 0
t_has "explain: denied by the deny rule" "denied (files.deny" "$OUT"
t_match "explain: the rule with FILE:LINE:COL" 'decided   files\.deny "\.env"  rules/default\.yaml:[0-9]+:[0-9]+ \(profile\)' "$OUT"
t_match "explain: the tree rule" 'tree      files\.write "\$PROJECT"' "$OUT"
t_match "explain: the enforcing layer" 'layer     (cover|Landlock)' "$OUT"
t_match "explain: the recorded attempt" 'attempts  [1-9][0-9]* in session' "$OUT"
t_has "explain: the flag that would allow it" "--deny '!" "$OUT"

g explain --last
t_rc "explain --last exits 0" 0
t_has "explain --last: the .env denial" "/.env (read)" "$OUT"

# --- explain inside the sandbox: the policy through GUARD_POLICY, no log
GUARD_IN=$(mkdir -p "$PROJECT/tools" && cp "$GUARD" "$PROJECT/tools/guard" && echo "$PROJECT/tools/guard")
# (for a sanitizer build: ASan must accept the shim preloaded first, and LeakSanitizer needs ptrace, which the
# sandbox forbids)
gr -- env ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 "$GUARD_IN" explain .env
t_rc "explain inside the sandbox exits 0" 0
t_has "explain inside: the rule" "files.deny \".env\"" "$OUT"
t_has "explain inside: says the log is not visible" "not visible from inside the sandbox" "$OUT"

# --- the sandbox can neither read nor erase the log
before=$(count)
gr -- ls "$SESSIONS"
t_refused "the sandbox cannot list the sessions"
gr -- rm -rf "$SESSIONS"
t_true "the sessions survive rm -rf from inside" -d "$SESSIONS/$ID"
gr -- sh -c "echo forged >> '$SESSIONS/$ID/events.jsonl'"
t_refused "the sandbox cannot append to a log"
t_lacks "no forged line" "forged" "$(cat "$SESSIONS/$ID/events.jsonl")"
t_eq "every run recorded its own session" $((before + 3)) "$(count)"

# --- the same in Landlock-only mode (no namespaces: the home is not replaced, Landlock alone hides the log)
gr --no-userns -- ls "$SESSIONS"
t_refused "Landlock-only mode: the sandbox cannot list the sessions"
gr --no-userns -- sh -c "echo forged >> '$SESSIONS/$ID/events.jsonl'"
t_refused "Landlock-only mode: the sandbox cannot append to a log"
gr --no-userns -- env ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 "$GUARD_IN" explain .env
t_has "Landlock-only mode: explain inside works from GUARD_POLICY" "not visible from inside the sandbox" "$OUT"
g report
t_has "Landlock-only mode: the report says so" "landlock-only mode" "$OUT"

# --- the process tree
gr -- sh -c 'sh -c "cat src/main.c"'
g report --format json
printf '%s' "$OUT" | pyjson '([p for p in r["processes"] if p["argv"] == ["cat", "src/main.c"]][0]["ppid"] in
[p["pid"] for p in r["processes"] if p["argv"] == ["sh", "-c", "cat src/main.c"]])'
t_eq "report: cat is the child of the inner sh" 0 "$?"
g report
t_match "report text: the nested tree" '(\||`)- [0-9]+  cat src/main.c' "$OUT"

# --- the same tree, read late: guard stopped (a busy machine) while the sandbox runs it, so that every datagram is
# read after the process that sent it has ended, when /proc no longer tells its numbers. An honest cat is not
# listed as forged, and still sits under its sh.
rm -f ctl-ready ctl-go ctl-done
"$GUARD" run -- sh -c 'touch ctl-ready; while [ ! -e ctl-go ]; do sleep 0.05; done
	sh -c "cat src/main.c"; touch ctl-done; while [ -e ctl-go ]; do sleep 0.05; done' >/dev/null 2>&1 </dev/null &
late=$!
for i in $(seq 1 200); do [ -e ctl-ready ] && break; sleep 0.05; done
kill -STOP "$late"
touch ctl-go
for i in $(seq 1 200); do [ -e ctl-done ] && break; sleep 0.05; done
t_true "read late: the sandbox ran on while guard was stopped" -e ctl-done
kill -CONT "$late"
sleep 0.5
rm -f ctl-go
wait "$late"
t_eq "read late: the session ended normally" 0 "$?"
g report --format json
printf '%s' "$OUT" | pyjson 'r["contradicted"] == []'
t_eq "read late: no honest process listed as forged" 0 "$?"
printf '%s' "$OUT" | pyjson '([p for p in r["processes"] if p["argv"] == ["cat", "src/main.c"]][0]["ppid"] in
[p["pid"] for p in r["processes"] if p["argv"] == ["sh", "-c", "cat src/main.c"]])'
t_eq "read late: cat is still the child of the inner sh" 0 "$?"
rm -f ctl-ready ctl-done

# --- a static binary's raw read reaches the log through the observer
RAWREAD=$(helper rawread_static)
if [ -z "$RAWREAD" ]; then
	t_skip_n 2 "static binary's denial in the report" "helper rawread_static not built"
else
	gr -- "$RAWREAD" .env
	t_denied "rawread_static .env is denied" env
	g report --format json
	if printf '%s' "$OUT" | pyjson 'r["session"]["observer"]'; then
		printf '%s' "$OUT" | pyjson 'any(d["path"].endswith("/.env") and "observer" in (d["origin"] or "") for d in r["denials"])'
		t_eq "report: the static binary's .env denial, seen by the observer" 0 "$?"
	else
		t_skip "report: the static binary's .env denial" "the kernel observer was not available"
	fi
fi

# --- SIGKILL of guard itself mid-session: the log keeps what was sent
before=$(count)
"$GUARD" run -- sh -c 'cat .env; exec sleep 5' >/dev/null 2>&1 </dev/null &
GPID=$!
ok=1
for _ in $(seq 1 100); do
	if [ "$(count)" -gt "$before" ]; then
		id=$(newest)
		grep -q '/\.env","path2".*"result":"denied"' "$SESSIONS/$id/events.jsonl" 2>/dev/null && ok=0 && break
	fi
	sleep 0.1
done
t_eq "the denial reached the log while guard runs" 0 "$ok"
{
	kill -KILL "$GPID"
	wait "$GPID"
} 2>/dev/null
g report
t_has "report on a killed session: no end record" "no end record" "$OUT"
t_has "report on a killed session: the denial is there" "read .env  EACCES" "$OUT"
g sessions
t_match "sessions: the killed session is marked" 'killed|running' "$OUT"

# A PATH search through a directory the user's own permissions close (another user's bin, a mode-000 dir): the
# miss is not guard's doing and is not reported as a denial (only an unprivileged user sees the difference: root
# reads through the mode and finds nothing there).
LOCKED=$(mktemp -d /var/tmp/guard-locked.XXXXXX)
chmod 000 "$LOCKED"
at_exit "chmod 700 '$LOCKED'; rm -rf '$LOCKED'"
PATH="$LOCKED:$PATH" gr -- true
t_rc "true runs with a closed directory first on PATH" 0
t_lacks "...and guard says nothing was denied" "denied" "$ERR"
g report --last
t_lacks "...nor does the report list the PATH miss" "$LOCKED" "$OUT"

t_done
