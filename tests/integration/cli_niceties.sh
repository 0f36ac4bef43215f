#!/usr/bin/env bash
# What a user expects of a CLI: `guard report` longer than the terminal opens in $PAGER (only on a terminal),
# no colour escapes (NO_COLOR holds trivially, on a terminal or not), and every JSON listing carries its
# format "version" (guard(1) JSON OUTPUT).
. "$(dirname "$0")/../lib.sh"
setup_world
gr -- sh -c 'cat .env; cat config/server.pem; ls; true'
t_rc "a session to report on" 0

printf '#!/bin/sh\nprintf "PAGED %%s lines\\n" "$(wc -l)"\n' >"$T_WORK/pager"
chmod +x "$T_WORK/pager"
g report
lines=$(wc -l <<<"$OUT")
t_true "the report is longer than a 5-row terminal ($lines lines)" "$lines" -gt 5
t_lacks "not a terminal: no pager" "PAGED" "$OUT"
t_match "... the report itself" 'denied' "$OUT"
if command -v python3 >/dev/null; then
	pty 5 100 20 '[]' -- env PAGER="$T_WORK/pager" "$GUARD" report
	t_eq "on a 5-row terminal: exit 0" 0 "$PTY_RC"
	t_match "on a 5-row terminal: the report goes to \$PAGER, whole" "PAGED $lines lines" "$PTY_OUT"
	pty 200 100 20 '[]' -- env PAGER="$T_WORK/pager" "$GUARD" report
	t_lacks "on a 200-row terminal: no pager" "PAGED" "$PTY_OUT"
	t_match "... the report itself" 'denied' "$PTY_OUT"
	pty 5 100 20 '[]' -- env PAGER= "$GUARD" report
	t_lacks "PAGER empty: no pager" "PAGED" "$PTY_OUT"
	t_match "... the report itself" 'denied' "$PTY_OUT"
	pty 5 100 20 '[]' -- env PAGER=/nonexistent/pager "$GUARD" report
	t_match "a pager that cannot start: the report is printed anyway" 'denied' "$PTY_OUT"
	t_eq "... exit 0" 0 "$PTY_RC"
	for c in report sessions profiles doctor status policy; do
		pty 50 200 20 '[]' -- env NO_COLOR=1 PAGER=cat "$GUARD" "$c"
		t_lacks "guard $c on a terminal with NO_COLOR: no escape sequences" $'\e[' "$PTY_OUT"
	done
else
	t_skip_n 13 "pager and NO_COLOR on a terminal" "python3 not installed (the pty driver)"
fi

g profiles --json
t_rc "profiles --json exits 0" 0
t_match "profiles --json: {\"version\":1,\"profiles\":[...]}" '^\{"version":1,"profiles":\[' "$OUT"
t_match "... each profile with name, selected_by, description" '\{"name":"claude-code","selected_by":"[^"]*claude[^"]*","description":"' "$OUT"
JSON_PROFILES=$OUT
g doctor --json
t_match "doctor --json: \"version\":1" '^\{"version":1,' "$OUT"
JSON_DOCTOR=$OUT
g sessions --json
t_match "sessions --json: each session has \"version\":1" '^  \{"version":1,"id":' "$OUT"
JSON_SESSIONS=$OUT
g report --format json
t_match "report --format json: \"version\":1" '"version": *1' "$OUT"
JSON_REPORT=$OUT
g policy --json --deny-exec curl
t_rc "policy --json exits 0" 0
t_match "policy --json: \"version\":1" '^\{"version":1,"project":' "$OUT"
t_match "... each entry with its origin" '"deny":\[\{"command":"curl","negated":false,"file":"--deny-exec","line":0,"col":0,"source":"flag"\}' "$OUT"
t_match "... files.deny from rules/default.yaml with line and column" '\{"pattern":"\.env","negated":false,"file":"rules/default\.yaml","line":[0-9]+,"col":[0-9]+,"source":"profile"\}' "$OUT"
JSON_POLICY=$OUT
if command -v python3 >/dev/null; then
	for j in PROFILES DOCTOR SESSIONS REPORT POLICY; do
		v=$(eval "printf '%s' \"\$JSON_$j\"")
		r=$(python3 -c 'import json,sys; d=json.load(sys.stdin); d=d[0] if isinstance(d,list) else d; print(d["version"])' <<<"$v" 2>&1)
		t_eq "${j,,} JSON parses and its version is 1" 1 "$r"
	done
else
	t_skip_n 5 "JSON parses" "python3 not installed"
fi
t_done
