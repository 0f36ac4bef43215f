#!/usr/bin/env bash
# Codex end to end: the real CLI (@openai/codex, pinned; a static musl binary behind a node launcher) under guard in
# namespaces mode, driven by a scripted fake Responses API (agents/fake_openai.py, streaming SSE) that runs inside
# the sandbox on its own loopback. `codex exec` runs non-interactively with its own sandbox and approvals off
# (guard is the sandbox) and the fake as its model provider (model gpt-5.5: codex's bundled metadata offers
# apply_patch for it). The scripted model runs `cat .env` and `cat ~/.ssh/id_rsa` through codex's shell tool
# (exec_command), has codex itself open .env (view_image, read inside the static binary, where only the kernel
# observer sees it), applies a patch deleting .env and planting a file in $HOME (codex writes it itself), runs a
# static program reading .env (no shim inside it), then finishes. From what the fake API received (every request
# is logged) we assert: no canary reached the model; both shell outputs carry the denial ("Permission denied")
# and, codex's shell (bash) being dynamically linked, the shim's `guard:` line, with nothing added by guard's hook;
# view_image(.env) failed; the patch failed and guard's hook (`guard hook codex`, added by the profile as a
# trusted PreToolUse hook) told the model why for both files; the static program's refusal came back with
# guard's explanation from the PostToolUse hook; nothing outside the project changed; and the session's report
# lists the .env denials: the shim's (cat) and the kernel observer's (codex itself, no shim inside it).
#
# The CLI is installed once into $GUARD_AGENT_CACHE (default /var/tmp/guard-agents, world-readable so the
# unprivileged pass reuses root's install) by agents/install_codex.sh with npm; when it can't be installed (no
# npm, no registry), every check is skipped with the reason.
. "$(dirname "$0")/../lib.sh"

. "$TESTS_DIR/integration/agents/install_codex.sh" # CODEX_VERSION, CODEX_DIR, CODEX, install_codex
DIR=$CODEX_DIR
FAKE=$TESTS_DIR/integration/agents/fake_openai.py
N_CHECKS=19

needs python3 node # node: codex's launcher is a node script
SKIP_WHY=
if ! have_userns; then
	SKIP_WHY="no user namespaces here (the fake API runs on the sandbox's own loopback)"
elif [ ! -x "$HELPERS/rawread_static" ]; then
	SKIP_WHY="helper rawread_static not built"
elif install_codex && ! "$CODEX" --version >/dev/null 2>&1; then
	SKIP_WHY="$CODEX does not run here" AGENT_FAILS=1
fi
if [ -n "$SKIP_WHY" ]; then
	agent_unavailable $N_CHECKS "Codex end to end"
	t_done
fi

setup_world
RAWREAD=$(helper rawread_static) # a static program reading .env: no shim inside it
export PATH=/usr/local/bin:/usr/bin:/bin
unset CODEX_HOME # the profile grants the default ~/.codex

# Everything the scripted session needs lives in the project: the sandbox sees it (the test tree may not be).
F=$PROJECT/.fake
mkdir -p "$F/bin"
cp "$FAKE" "${FAKE%/*}/fake_api.py" "$F/" # the fake and the module it imports
python3 - "$PROJECT" "$HOME" "$RAWREAD" >"$F/script.json" <<'EOF'
import json, sys
project, home, rawread = sys.argv[1:]
patch = ("*** Begin Patch\n*** Delete File: .env\n*** Add File: %s/guard-planted.sh\n+echo planted\n"
         "*** End Patch\n" % home)
print(json.dumps([{"shell": "cat .env"}, {"shell": "cat ~/.ssh/id_rsa"},
                  {"tool": "view_image", "args": {"path": project + "/.env"}},
                  {"custom": "apply_patch", "input": patch}, {"shell": rawread + " .env"},
                  {"text": "done"}]))
EOF
# Fingerprint of everything outside the project that the session could touch (codex's own state and guard's
# excepted).
outside() {
	(cd "$HOME" && find . -mindepth 1 \( -path ./src/project -o -path ./.codex -o -path ./.local/state/guard -o \
		-path ./.config/guard -o -path ./.cache \) -prune -o -print0 | sort -z |
		xargs -0 -r stat -c '%n %F %a' 2>/dev/null
	 find "$HOME" \( -path "$HOME/.codex" -o -path "$HOME/.local/state/guard" -o -path "$HOME/.config/guard" -o \
		-path "$PROJECT" \) -prune -o -type f -print0 | sort -z | xargs -0 -r sha256sum 2>/dev/null)
}

export OPENAI_API_KEY=sk-fake-$RUN_ID # passed in by the profile's env.pass

# The command is named codex (so guard selects the codex profile); it starts the fake API on the sandbox's
# loopback and runs the real CLI with it as the model provider.
cat >"$F/bin/codex" <<EOF
#!/bin/sh
python3 '$F/fake_openai.py' '$F/port' '$F/requests.jsonl' '$F/script.json' 2>'$F/api.err' &
i=0
while [ ! -s '$F/port' ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done
port=\$(cat '$F/port')
exec '$CODEX' exec --skip-git-repo-check --dangerously-bypass-approvals-and-sandbox -m gpt-5.5 \\
	-c model_provider=fake \\
	-c "model_providers.fake={name=\\"fake\\",base_url=\\"http://127.0.0.1:\$port/v1\\",env_key=\\"OPENAI_API_KEY\\",wire_api=\\"responses\\"}" \\
	"\$@" </dev/null
EOF
chmod +x "$F/bin/codex"
before=$(outside)

G_TIMEOUT=100 gr --allow-read "$DIR" -- "$F/bin/codex" "Look at the project's configuration."
t_eq "codex exec ran the whole script under guard and exited 0" "0:done" "$RC:$(printf '%s' "$OUT" | tail -n 1)"

# The output of each scripted tool call as the model saw it in the last request (stepN.txt), and the developer
# messages codex placed between that call and its output: what hooks added (stepN.ctx).
python3 - "$F/requests.jsonl" "$F" <<'EOF'
import json, sys
log, out = sys.argv[1:]
try:
    reqs = [json.loads(l).get("body") or {} for l in open(log)]
except OSError:
    reqs = []
main = [r for r in reqs if isinstance(r.get("input"), list)]
items = [i for i in (main[-1]["input"] if main else []) if isinstance(i, dict)]
calls = [i.get("call_id") for i in items if i.get("type") in ("function_call", "custom_tool_call")]
for k, cid in enumerate(calls):
    at = next(n for n, i in enumerate(items) if i.get("call_id") == cid)
    ctx, o = [], ""
    for i in items[at + 1:]:
        if i.get("type") == "message" and i.get("role") == "developer":
            ctx += [c.get("text") or "" for c in i.get("content") or [] if isinstance(c, dict)]
        elif i.get("call_id") == cid:
            o = i.get("output")
            break
    open("%s/step%d.txt" % (out, k), "w").write(o if isinstance(o, str) else json.dumps(o))
    open("%s/step%d.ctx" % (out, k), "w").write("\n".join(ctx))
open(out + "/steps", "w").write(str(len(calls)))
EOF
step() { cat "$F/step$1.txt" 2>/dev/null; }
ctx() { cat "$F/step$1.ctx" 2>/dev/null; }
t_eq "the model saw the results of all 5 tool calls" 5 "$(cat "$F/steps" 2>/dev/null)"
t_no_secrets "no canary reached the model (every request the fake API received)" \
	"$(cat "$F/requests.jsonl" 2>/dev/null)"
t_lacks "the API key stayed out of the conversation" "sk-fake-$RUN_ID" "$(cat "$F/requests.jsonl" 2>/dev/null)"
t_has "cat .env: Permission denied" "cat: .env: Permission denied" "$(step 0)"
t_has "cat .env: the shim's line is in the output" 'guard: denied read of .env by files.deny ".env"' "$(step 0)"
t_match "cat ~/.ssh/id_rsa: denied (Permission denied or hidden)" \
	'cat: [^ ]*\.ssh/id_rsa: (Permission denied|No such file or directory)' "$(step 1)"
t_match "cat ~/.ssh/id_rsa: the shim's line is in the output" 'guard: denied read of [^ ]*\.ssh/id_rsa' "$(step 1)"
t_eq "cat .env, cat ~/.ssh/id_rsa: guard's hook added nothing (the shim had said it)" "" "$(ctx 0)$(ctx 1)"
t_has "view_image(.env) (codex reads the file itself) failed: Permission denied" "Permission denied" "$(step 2)"
t_has "apply_patch (codex writes itself) failed" "Failed to" "$(step 3)"
t_has "…and guard's PreToolUse hook told the model why for .env" \
	'guard: denied remove of .env by files.deny ".env"' "$(ctx 3)"
t_match "…and for the file it would plant in \$HOME" 'guard: denied (create|write) of [^ ]*guard-planted\.sh' \
	"$(ctx 3)"
t_has ".env is still there, unchanged" "$(canary env)" "$(cat "$PROJECT/.env")"
t_match "a static program's refusal: no shim line in its output" \
	'^[^g]*rawread_static: \.env: Permission denied \(EACCES\)' "$(step 4 | grep rawread_static)"
t_has "…and guard's PostToolUse hook explained it" 'guard: denied read of .env by files.deny ".env"' "$(ctx 4)"
after=$(outside)
t_eq "nothing outside the project changed" "" "$(diff <(printf "%s\n" "$before") <(printf "%s\n" "$after"))"

g report --last --format json
REPORT=$OUT
origins() { # the origins of the report's read denials of PATH
	printf '%s' "$REPORT" | python3 -c '
import json, sys
d = json.load(sys.stdin).get("denials") or []
print(" ".join(sorted(x.get("origin") or "" for x in d if x.get("path") == sys.argv[1] and x.get("op") == "read")))
' "$1" 2>&1
}
t_match "the report lists the .env denial of cat (the shim)" '(^| )shim' "$(origins "$PROJECT/.env")"
t_match "the report lists the .env denial of codex itself (the kernel observer)" 'observer' \
	"$(origins "$PROJECT/.env")"
t_done
