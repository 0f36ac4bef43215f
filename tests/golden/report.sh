#!/usr/bin/env bash
# Golden tests of the report model: a checked-in session directory (tests/golden/report/session: session.json
# and events.jsonl with fixed times, pids and paths; a real run's would differ on every host) in, `guard report`
# as text, JSON and HTML out, compared with tests/golden/report/report.{txt,json,html}.
# GOLDEN_UPDATE=1 (make golden-update) rewrites the expected files instead.
#
# The fixture covers: denials seen by the shim and by the kernel observer, a repeated denial, a protected path
# (EROFS), a rename, a failed (not denied) read, files read and written in project, home, system and temp, a
# process tree, the proxy allowing one host and refusing another, and a last line cut short (as by SIGKILL).
. "$(dirname "$0")/common.sh"
GOLDEN_KIND=report
golden_world

ID=20260101T120000Z-9a0b1c
SESSIONS=$G_HOME/.local/state/guard/sessions
mkdir -p "$SESSIONS/$ID"
chmod 700 "$G_HOME/.local/state/guard" "$SESSIONS" "$SESSIONS/$ID"
cp "$GOLDEN_DIR/report/session/session.json" "$GOLDEN_DIR/report/session/events.jsonl" "$SESSIONS/$ID/"
chmod 600 "$SESSIONS/$ID"/*

# report_case NAME ARGS...: guard report ARGS, stdout then stderr and the exit status, against NAME.
report_case() {
	local name=$1
	shift
	G report "$@"
	golden_check "$name" "$(printf '%s\n-- stderr:\n%s\n-- exit %s\n' "$OUT" "$ERR" "$RC" | golden_paths)"
}

report_case report.txt "$ID"
report_case report.json "$ID" --format json
report_case report.html "$ID" --format html
report_case report-last.txt --last

t_done
