#!/usr/bin/env bash
# `guard hook claude-code` and the claude-code profile's wiring, without Claude Code itself (agent_claude.sh runs
# the real CLI): the hook's JSON in and out inside a sandbox, its silence when there is nothing to explain, and the
# `--settings` guard inserts for a command named claude (a stand-in script that runs the hook as Claude Code would).
. "$(dirname "$0")/../lib.sh"
setup_world

# guard itself where the sandbox may run it (the build tree may lie outside every granted tree).
mkdir -p "$PROJECT/tools" && cp "$GUARD" "$PROJECT/tools/guard"
GB=$PROJECT/tools/guard
hook_input() { # TOOL PATH-KEY PATH ERROR
	python3 -c 'import json, sys; t, k, p, e, c = sys.argv[1:]
print(json.dumps({"session_id": "s", "hook_event_name": "PostToolUseFailure", "tool_name": t,
                  "tool_input": {k: p}, "error": e, "cwd": c}))' "$@" "$PROJECT"
}
hook_input Read file_path "$PROJECT/.env" "EACCES: permission denied, open '$PROJECT/.env'" >"$PROJECT/in-read.json"
hook_input Read file_path "$HOME/.ssh/id_rsa" "File does not exist." >"$PROJECT/in-hidden.json"
hook_input Read file_path "$PROJECT/nope.txt" "File does not exist." >"$PROJECT/in-typo.json"
hook_input Write file_path "$HOME/.bashrc" "EACCES: permission denied, open '$HOME/.bashrc.tmp.12.ab'" \
	>"$PROJECT/in-write.json"
hook_input Bash command "cat .env" "Exit code 1
guard: denied read of .env by files.deny \".env\"
cat: .env: Permission denied" >"$PROJECT/in-bash.json"
printf '{"tool_name": "Read", "tool_input": ' >"$PROJECT/in-bad.json"

gr -- sh -c "for f in read hidden typo write bash bad; do echo \"== \$f\"; '$GB' hook claude-code <in-\$f.json; echo \"rc=\$?\"; done"
sect() { printf '%s\n' "$OUT" | sed -n "/^== $1\$/,/^rc=/p" | sed '1d;$d'; }
t_eq "the hook ran inside the sandbox" 0 "$RC"
t_eq "Read(.env): one JSON answer with guard's line as additionalContext" \
	"PostToolUseFailure|guard: denied read of .env by files.deny \".env\"" \
	"$(sect read | python3 -c 'import json, sys
d = json.load(sys.stdin)["hookSpecificOutput"]
print(d["hookEventName"] + "|" + d["additionalContext"].split(" (", 1)[0])' 2>&1)"
t_has "…the same text the shim prints for cat .env" "$(sect read | python3 -c 'import json, sys
print(json.load(sys.stdin)["hookSpecificOutput"]["additionalContext"])' 2>/dev/null)" \
	"$(gr -- cat .env; printf '%s' "$ERR")"
t_match "Read of a hidden home file (no such file inside): explained by the policy" \
	'guard: denied read of .*/\.ssh/id_rsa by files\.deny' "$(sect hidden)"
t_eq "Read of a missing project file (a typo): nothing" "" "$(sect typo)"
t_match "Write(~/.bashrc) through its temp file: explained for ~/.bashrc itself" \
	'guard: denied write of .*/\.bashrc — read-only' "$(sect write)"
t_eq "Bash: the shim already said it, nothing added" "" "$(sect bash)"
t_eq "truncated JSON: nothing" "" "$(sect bad)"
t_eq "every call exited 0" "rc=0 rc=0 rc=0 rc=0 rc=0 rc=0" "$(printf '%s\n' "$OUT" | grep '^rc=' | tr '\n' ' ' | sed 's/ $//')"

# Outside a sandbox (no GUARD_POLICY) and with no input: silent, exit 0.
out=$(env -u GUARD_POLICY "$GUARD" hook claude-code <"$PROJECT/in-read.json" 2>&1; echo "rc=$?")
t_eq "no GUARD_POLICY: nothing, exit 0" "rc=0" "$out"
out=$("$GUARD" hook claude-code </dev/null 2>&1; echo "rc=$?")
t_eq "empty stdin: nothing, exit 0" "rc=0" "$out"

# A command named claude gets guard's --settings right after argv[0]; the settings' hook command works inside.
mkdir -p "$PROJECT/bin"
cat >"$PROJECT/bin/claude" <<'EOF'
#!/bin/sh
printf 'argv: %s\n' "$*"
cmd=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["hooks"]["PostToolUseFailure"][0]["hooks"][0]["command"])' "$2")
sh -c "$cmd" <in-read.json
EOF
chmod +x "$PROJECT/bin/claude"
for mode in namespaces landlock-only; do
	opts=()
	[ $mode = landlock-only ] && opts=(--no-userns)
	gr "${opts[@]}" -- ./bin/claude -p hi
	t_match "$mode: --settings inserted after argv[0], the user's arguments kept" \
		'^argv: --settings /[^ ]*claude-settings\.json -p hi$' "$(printf '%s\n' "$OUT" | grep '^argv:')"
	t_has "$mode: the settings' hook command explains Read(.env)" '"additionalContext":"guard: denied read of .env' "$OUT"
done
gr -- ./bin/claude --settings mine.json -p hi
t_match "the user's own --settings: left alone, with a note" "your --settings replaces guard's" "$ERR"
t_match "…and the command line unchanged" '^argv: --settings mine\.json -p hi$' "$(printf '%s\n' "$OUT" | grep '^argv:')"
gr --profile default -- ./bin/claude -p hi
t_match "another profile: no hook" '^argv: -p hi$' "$(printf '%s\n' "$OUT" | grep '^argv:')"
t_done
