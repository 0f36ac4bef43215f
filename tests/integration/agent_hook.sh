#!/usr/bin/env bash
# `guard hook claude-code` / `guard hook codex` and the profiles' wiring, without the agents themselves
# (agent_claude.sh and agent_codex.sh run the real CLIs): the hooks' JSON in and out inside a sandbox, their
# silence when there is nothing to explain (or nothing guard did), the `--settings` guard inserts for a command
# named claude and the `-c hooks={...}` for one named codex (stand-in scripts that run the hooks as the agents
# would; the codex one also checks guard's trust hashes against its own computation of codex's algorithm).
. "$(dirname "$0")/../lib.sh"
needs python3
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
hook_input Bash command "./static-reader .env" "Exit code 1
rawread_static: .env: Permission denied (EACCES)" >"$PROJECT/in-static.json"
printf '{"tool_name": "Read", "tool_input": ' >"$PROJECT/in-bad.json"

gr -- sh -c "for f in read hidden typo write bash static bad; do echo \"== \$f\"; '$GB' hook claude-code <in-\$f.json; echo \"rc=\$?\"; done"
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
t_match "Bash running a static program (no shim inside): its refusal explained" \
	'"additionalContext":"guard: denied read of \.env by files\.deny' "$(sect static)"
t_eq "truncated JSON: nothing" "" "$(sect bad)"
t_eq "every call exited 0" "rc=0 rc=0 rc=0 rc=0 rc=0 rc=0 rc=0" "$(printf '%s\n' "$OUT" | grep '^rc=' | tr '\n' ' ' | sed 's/ $//')"

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

# ---- Codex ----------------------------------------------------------------------------------------------------
codex_input() { # EVENT TOOL INPUT-KEY INPUT [RESPONSE]
	python3 -c 'import json, sys; ev, t, k, v, r, c = sys.argv[1:]
d = {"session_id": "s", "turn_id": "t", "hook_event_name": ev, "tool_name": t, "tool_input": {k: v}, "cwd": c,
     "tool_use_id": "call_1"}
if ev == "PostToolUse": d["tool_response"] = r
print(json.dumps(d))' "$1" "$2" "$3" "$4" "${5:-}" "$PROJECT"
}
patch() { printf '*** Begin Patch\n%s\n*** End Patch\n' "$1"; }
codex_input PreToolUse apply_patch command "$(patch "*** Update File: .env
@@
-A
+B
*** Add File: $HOME/planted.sh
+echo hi
*** Add File: src/ok.txt
+fine")" >"$PROJECT/cx-patch.json"
codex_input PreToolUse apply_patch command "$(patch "*** Update File: README.md
*** Move to: .git/hooks/pre-commit
@@
+x")" >"$PROJECT/cx-move.json"
codex_input PreToolUse apply_patch command "$(patch "*** Add File: src/new.txt
+ok")" >"$PROJECT/cx-okpatch.json"
codex_input PostToolUse Bash command "./static-reader .env" \
	"rawread_static: .env: Permission denied (EACCES)" >"$PROJECT/cx-static.json"
codex_input PostToolUse Bash command "cat .env" "guard: denied read of .env by files.deny \".env\" (x)
cat: .env: Permission denied" >"$PROJECT/cx-shim.json"
codex_input PostToolUse Bash command "go run ." "open $PROJECT/.env: permission denied" >"$PROJECT/cx-go.json"
codex_input PostToolUse Bash command "python3 x.py" "PermissionError: [Errno 13] Permission denied: '.env'" \
	>"$PROJECT/cx-py.json"
codex_input PostToolUse Bash command "cat locked" "cat: locked: Permission denied" >"$PROJECT/cx-mode.json"
codex_input PostToolUse Bash command "cat nope" "cat: nope.txt: No such file or directory" >"$PROJECT/cx-typo.json"
codex_input PostToolUse Bash command "./static-reader ~/.ssh/id_rsa" \
	"rawread_static: $HOME/.ssh/id_rsa: No such file or directory (ENOENT)" >"$PROJECT/cx-hidden.json"
codex_input PostToolUse view_image path .env "Permission denied" >"$PROJECT/cx-other.json"
printf '{"hook_event_name": "PostToolUse", "tool_name": "Bash", ' >"$PROJECT/cx-bad.json"
CX_CASES="patch move okpatch static shim go py mode typo hidden other bad"

gr -- sh -c "for f in $CX_CASES; do echo \"== \$f\"; '$GB' hook codex <cx-\$f.json; echo \"rc=\$?\"; done"
t_eq "codex: the hook ran inside the sandbox" 0 "$RC"
ctx() { # CASE EVENT: the additionalContext of that case's answer, checking its hookEventName
	sect "$1" | python3 -c 'import json, sys
s = sys.stdin.read()
if s.strip():
    d = json.loads(s)["hookSpecificOutput"]
    assert d["hookEventName"] == sys.argv[1], d
    print(d["additionalContext"])' "$2" 2>&1
}
t_match "apply_patch updating .env: explained before codex applies it" \
	'^guard: denied write of \.env by files\.deny "\.env"' "$(ctx patch PreToolUse | sed -n 1p)"
t_match "…and the file it would add in \$HOME (home is deny-by-default)" \
	'^guard: denied create of .*/planted\.sh — not granted for writing' "$(ctx patch PreToolUse | sed -n 2p)"
t_eq "…and nothing about the project file it may add" 2 "$(ctx patch PreToolUse | wc -l)"
t_match "apply_patch moving a file onto .git/hooks/pre-commit: the protected target explained" \
	'guard: denied create of \.git/hooks/pre-commit by files\.protect' "$(ctx move PreToolUse)"
t_eq "apply_patch of project files only: nothing" "" "$(sect okpatch)"
t_match "a static program's 'Permission denied (EACCES)': explained" \
	'^guard: denied read of \.env by files\.deny "\.env"' "$(ctx static PostToolUse)"
t_eq "output where the shim already said it: nothing" "" "$(sect shim)"
t_match "Go's 'open PATH: permission denied': explained" '^guard: denied read of \.env by files\.deny' \
	"$(ctx go PostToolUse)"
t_eq "…once (the field's words before the path are not taken for a path)" 1 "$(ctx go PostToolUse | wc -l)"
t_match "Python's PermissionError: explained" '^guard: denied read of \.env by files\.deny' "$(ctx py PostToolUse)"
t_eq "a refusal the policy does not account for (a file's mode): guard not blamed" "" "$(sect mode)"
t_eq "a missing project file (a typo): nothing" "" "$(sect typo)"
t_match "a hidden home file ('No such file' inside): explained by the policy" \
	'guard: denied read of .*/\.ssh/id_rsa by files\.deny' "$(ctx hidden PostToolUse)"
t_eq "a tool guard does not hook (view_image): nothing" "" "$(sect other)"
t_eq "truncated JSON: nothing" "" "$(sect bad)"
t_eq "codex: every call exited 0" "$(for c in $CX_CASES; do printf 'rc=0 '; done | sed 's/ $//')" \
	"$(printf '%s\n' "$OUT" | grep '^rc=' | tr '\n' ' ' | sed 's/ $//')"

# A command named codex gets `-c hooks={...}` right after argv[0]: both hooks, and trust entries that match
# codex's hash of them (recomputed here from the parsed TOML: canonical JSON of the normalized hook, SHA-256).
cat >"$PROJECT/bin/codex" <<'EOF'
#!/usr/bin/env python3
import hashlib, json, subprocess, sys, tomllib
args = sys.argv[1:]
print("argv: " + " ".join("<config>" if a.startswith("hooks={") else a for a in args))
if len(args) < 2 or args[0] != "-c" or not args[1].startswith("hooks="):
    sys.exit(0)
hooks = tomllib.loads(args[1])["hooks"]
state = hooks.pop("state")
labels = {"PreToolUse": "pre_tool_use", "PostToolUse": "post_tool_use"}
for event, groups in sorted(hooks.items()):
    for gi, g in enumerate(groups):
        for hi, h in enumerate(g["hooks"]):
            ident = {"event_name": labels[event], "matcher": g.get("matcher"),
                     "hooks": [{"type": h["type"], "command": h["command"], "timeout": h["timeout"], "async": False}]}
            want = "sha256:" + hashlib.sha256(json.dumps(ident, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
            key = "/<session-flags>/config.toml:%s:%d:%d" % (labels[event], gi, hi)
            print("hook %s %s trusted=%s" % (event, g.get("matcher"), state.get(key, {}).get("trusted_hash") == want))
            inp = open("cx-patch.json" if event == "PreToolUse" else "cx-static.json").read()
            r = subprocess.run(["sh", "-c", h["command"]], input=inp, capture_output=True, text=True)
            print("answer %s: %s" % (event, r.stdout.strip()))
EOF
chmod +x "$PROJECT/bin/codex"
for mode in namespaces landlock-only; do
	opts=()
	[ $mode = landlock-only ] && opts=(--no-userns)
	gr "${opts[@]}" -- ./bin/codex exec hi
	t_match "$mode: -c hooks={...} and Codex's switches for its update check, analytics and plugins inserted after argv[0], the user's arguments kept" \
		'^argv: -c <config> -c check_for_update_on_startup=false -c analytics\.enabled=false -c features\.plugins=false exec hi$' \
		"$(printf '%s\n' "$OUT" | grep '^argv:')"
	t_eq "$mode: a PreToolUse hook for apply_patch and a PostToolUse one for Bash, each trusted by its hash" \
		"hook PostToolUse ^Bash$ trusted=True|hook PreToolUse ^apply_patch$ trusted=True" \
		"$(printf '%s\n' "$OUT" | grep '^hook ' | tr '\n' '|' | sed 's/|$//')"
	t_has "$mode: the hook commands work inside (patch explained)" \
		'answer PreToolUse: {"hookSpecificOutput":{"hookEventName":"PreToolUse","additionalContext":"guard: denied write of .env' "$OUT"
	t_has "$mode: …(static program's output explained)" \
		'answer PostToolUse: {"hookSpecificOutput":{"hookEventName":"PostToolUse","additionalContext":"guard: denied read of .env' "$OUT"
done
gr -- ./bin/codex -c 'hooks.PostToolUse=[]' exec hi
t_match "the user's own -c hooks...: left alone, with a note" "your -c hooks\.\.\. replaces guard's" "$ERR"
t_match "…and the command line unchanged" '^argv: -c hooks\.PostToolUse=\[\] exec hi$' "$(printf '%s\n' "$OUT" | grep '^argv:')"
GUARD_AGENT_HOOK=0 gr -- ./bin/codex exec hi
t_match "GUARD_AGENT_HOOK=0: no hook" '^argv: exec hi$' "$(printf '%s\n' "$OUT" | grep '^argv:')"
t_done
