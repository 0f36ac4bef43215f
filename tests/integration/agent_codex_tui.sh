#!/usr/bin/env bash
# Codex in its interactive TUI (issue 11): the real CLI (@openai/codex, pinned) under guard on a pseudo-terminal
# (160x45), its own sandbox and approvals off (guard is the sandbox), the scripted fake Responses API
# (agents/fake_openai.py, as agent_codex.sh uses it) as its model provider on the sandbox's own loopback. A first
# start in a fresh home: trust the folder, keep the model (it offers a newer one), one turn in which the scripted
# model runs `cat .env` through its shell tool, /quit. A second start: straight to the prompt, /quit. We assert: no
# canary reached the model and the shell's refusal did; the screen never shows a `guard:` line while the TUI owns
# it; its state persisted (the second start asks neither question again); the report lists no denial of the
# agent's own work but those still open; and the exit summary's count equals the report's.
#
# The CLI is installed once into $GUARD_AGENT_CACHE by agents/install_codex.sh with npm; when it can't be
# installed, every check is skipped with the reason. Namespaces mode only: the fake runs on the sandbox's loopback.
# test-timeout: 300
. "$(dirname "$0")/../lib.sh"

. "$TESTS_DIR/integration/agents/install_codex.sh" # CODEX_VERSION, CODEX_DIR, CODEX, install_codex
. "$TESTS_DIR/integration/agents/tui_checks.sh"    # tui_guard_lines, summary_count, own_denials...
FAKE=$TESTS_DIR/integration/agents/fake_openai.py
N_CHECKS=11

needs python3 node # node: codex's launcher is a node script
SKIP_WHY=
if ! have_userns; then
	SKIP_WHY="no user namespaces here (the fake API runs on the sandbox's own loopback)"
elif install_codex && ! "$CODEX" --version >/dev/null 2>&1; then
	SKIP_WHY="$CODEX does not run here" AGENT_FAILS=1
fi
if [ -n "$SKIP_WHY" ]; then
	agent_unavailable $N_CHECKS "Codex TUI end to end"
	t_done
fi

setup_world
export PATH=/usr/local/bin:/usr/bin:/bin
unset CODEX_HOME                       # the profile grants the default ~/.codex
export OPENAI_API_KEY=sk-fake-$RUN_ID # passed in by the profile's env.pass

F=$PROJECT/.fake
mkdir -p "$F/bin"
cp "$FAKE" "${FAKE%/*}/fake_api.py" "$F/"
echo '[{"shell": "cat .env"}, {"text": "All looked at: the turn is over."}]' >"$F/script.json"
# Named codex (so guard selects the codex profile): the fake on the sandbox's loopback, then the real CLI with it as
# the model provider.
fake_api_wrapper "$F/bin/codex" fake_openai.py 'FAKE_URL=$url' "$CODEX"
sed -i "s|exec '$CODEX' \"\\\$@\"|exec '$CODEX' -m gpt-5.5 -c model_provider=fake -c \"model_providers.fake={name=\\\\\"fake\\\\\",base_url=\\\\\"\$url/v1\\\\\",env_key=\\\\\"OPENAI_API_KEY\\\\\",wire_api=\\\\\"responses\\\\\"}\" --dangerously-bypass-approvals-and-sandbox \"\\\$@\"|" "$F/bin/codex"
if [ ! -x "$GUARD" ]; then G=(false guard-missing); else G=("$GUARD"); fi

TUI_START='OpenAI.{0,12}Codex'
TUI_END='Shutting.{0,12}down'
QUESTIONS='Trust.{0,12}this.{0,12}folder|Use.{0,12}existing.{0,12}model'
STEPS='[["expect", "Trust.{0,12}this.{0,12}folder", 60], ["sleep", 1], ["send", "\r"],
	["expect", "Use.{0,12}existing.{0,12}model", 60], ["sleep", 1], ["send", "\u001b[B"], ["sleep", 1], ["send", "\r"],
	["expect", "YOLO", 60], ["sleep", 3], ["send", "Look at the project configuration."], ["sleep", 1], ["send", "\r"],
	["expect", "the.{0,12}turn.{0,12}is.{0,12}over", 90], ["sleep", 2], ["send", "/quit"], ["sleep", 1], ["send", "\r"]]'
pty 45 160 240 "$STEPS" -- "${G[@]}" run --allow-read "$CODEX_DIR" -- "$F/bin/codex"
RUN1=$PTY_OUT
[ "$PTY_RC" = fail ] && t_diag "first start: $(printf '%s\n' "$PTY_OUT" | grep -a '^PTY-FAIL' | tail -1)"
t_eq "first start: trust, keep the model, one turn and /quit in the TUI; exit 0" 0 "$PTY_RC"
REQS=$(cat "$F/requests.jsonl" 2>/dev/null)
t_no_secrets "no canary reached the model (every request the fake API received)" "$REQS"
t_lacks "the API key stayed out of the conversation" "sk-fake-$RUN_ID" "$REQS"
t_has "cat .env: the refusal reached the model" 'Permission denied' "$REQS"
t_eq "no guard: line on the screen while the TUI owned it" "" "$(tui_guard_lines "$RUN1" "$REQS" "$TUI_START" "$TUI_END")"

g report --last --format json
REPORT=$OUT
# Still open (issue 11), listed so that any other denial fails here: the TUI's start-up announcement
# (raw.githubusercontent.com/openai/codex/main/announcement_tip.toml), which Codex 0.171 fetches with no switch to
# turn it off (tui.show_tooltips does not). Its update check, analytics and plugin sync (api.github.com, github.com,
# ab.chatgpt.com) are off through its own config keys, which guard adds to its command line (agent_hook.c).
KNOWN_OPEN="^connect raw\.githubusercontent\.com:443 "
t_eq "the report lists no denial of the agent's own operation but those still open" "" \
	"$(own_denials "$REPORT" "$PROJECT" "$CODEX_DIR" | grep -Ev -- "$KNOWN_OPEN" | grep -v '^$')"
t_eq "the exit summary's count equals the report's" "$(report_denied_count "$REPORT")" "$(summary_count "$RUN1")"

STEPS='[["expect", "YOLO", 90], ["sleep", 3], ["send", "/quit"], ["sleep", 1], ["send", "\r"]]'
pty 45 160 150 "$STEPS" -- "${G[@]}" run --allow-read "$CODEX_DIR" -- "$F/bin/codex"
RUN2=$PTY_OUT
[ "$PTY_RC" = fail ] && t_diag "second start: $(printf '%s\n' "$PTY_OUT" | grep -a '^PTY-FAIL' | tail -1)"
t_eq "second start: straight to the prompt and /quit; exit 0" 0 "$PTY_RC"
t_match "first start: the trust and model questions were asked" "$QUESTIONS" "$RUN1"
t_nomatch "second start: neither question again (its state persisted in ~/.codex)" "$QUESTIONS" "$RUN2"
t_eq "second start: no guard: line on the screen while the TUI owned it" "" \
	"$(tui_guard_lines "$RUN2" "$(cat "$F/requests.jsonl" 2>/dev/null)" "$TUI_START" "$TUI_END")"
t_done
