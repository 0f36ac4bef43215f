#!/usr/bin/env bash
# Claude Code in its interactive TUI (issue 11): the real CLI (@anthropic-ai/claude-code, pinned) under guard on a
# pseudo-terminal (160x45), driven by the scripted fake Messages API (agents/fake_anthropic.py) that runs inside
# the sandbox on its own loopback. A first start in a fresh home, as a new user meets it: the theme, the security
# notes and the folder-trust question, one turn in which the scripted model reads .env with Read and runs
# `cat .env` with Bash (a permission question, if asked, is answered yes), then /exit. A second start. We assert:
# no canary reached the model; the agent's own state persisted (~/.claude.json, which Claude Code writes only
# through a ~/.claude.json.lock directory and ~/.claude.json.tmp.* files renamed over it, is on the host with the
# onboarding done and the folder trusted, and the second start asks none of the questions again); the screen never
# shows a `guard:` line while the TUI owns it; the report lists no denial but the scripted .env reads; and the exit
# summary's count equals the report's.
#
# The key is given as ANTHROPIC_AUTH_TOKEN, as a user of a gateway (LiteLLM, a local proxy) gives it: with an
# unapproved ANTHROPIC_API_KEY Claude Code 2.1.337's onboarding first checks it can reach api.anthropic.com itself
# (ignoring ANTHROPIC_BASE_URL) and stops there without a network.
#
# The CLI is installed once into $GUARD_AGENT_CACHE by agents/install_claude.sh with npm; when it can't be
# installed, every check is skipped with the reason. Namespaces mode only: the fake runs on the sandbox's loopback.
# test-timeout: 400
. "$(dirname "$0")/../lib.sh"

. "$TESTS_DIR/integration/agents/install_claude.sh" # CLAUDE_VERSION, CLAUDE_DIR, CLAUDE, install_claude
. "$TESTS_DIR/integration/agents/tui_checks.sh"     # tui_guard_lines, summary_count, own_denials...
FAKE=$TESTS_DIR/integration/agents/fake_anthropic.py
N_CHECKS=15

needs python3
SKIP_WHY=
if ! have_userns; then
	SKIP_WHY="no user namespaces here (the fake API runs on the sandbox's own loopback)"
elif install_claude && ! "$CLAUDE" --version >/dev/null 2>&1; then
	SKIP_WHY="$CLAUDE does not run here" AGENT_FAILS=1
fi
if [ -n "$SKIP_WHY" ]; then
	agent_unavailable $N_CHECKS "Claude Code TUI end to end"
	t_done
fi

setup_world
export PATH=/usr/local/bin:/usr/bin:/bin
rm -rf "$HOME/.claude" "$HOME/.claude.json" # a first run: guard creates the profile's state
unset ANTHROPIC_API_KEY CLAUDE_CODE_OAUTH_TOKEN
export ANTHROPIC_AUTH_TOKEN=sk-ant-fake-$RUN_ID # passed in by the profile's env.pass
is_root && export IS_SANDBOX=1                  # claude refuses to run as root otherwise

# Everything the scripted session needs lives in the project: the sandbox sees it (the test tree may not be).
F=$PROJECT/.fake
mkdir -p "$F/bin"
cp "$FAKE" "${FAKE%/*}/fake_api.py" "$F/" # the fake and the module it imports
python3 - "$F/script.json" "$PROJECT" <<'EOF'
import json, sys
out, p = sys.argv[1:]
json.dump([
    {"tool": "Read", "input": {"file_path": p + "/.env"}},
    {"tool": "Bash", "input": {"command": "cat .env", "description": "Show .env"}},
    {"text": "All looked at: the turn is over."},
], open(out, "w"))
EOF
# Named claude (so guard selects the claude-code profile and adds its hook): the fake on the sandbox's loopback,
# then the real CLI.
fake_api_wrapper "$F/bin/claude" fake_anthropic.py 'ANTHROPIC_BASE_URL=$url' "$CLAUDE"
if [ ! -x "$GUARD" ]; then G=(false guard-missing); else G=("$GUARD"); fi

# The TUI moves the cursor instead of printing spaces: words on screen are matched with gaps between them.
TUI_START='Welcome'
TUI_END='Resume.{0,12}this.{0,12}session'
# 2.0 prints nothing of its own at exit: its screen ends with the last redraw of the prompt's status line.
case $CLAUDE_VERSION in 2.0.*) TUI_END='for.{0,12}shortcuts' ;; esac
# 2.0 also dials out at every start with no switch to stop it: its auto-updater runs `npm view` (registry.npmjs.org)
# before it looks at DISABLE_AUTOUPDATER, and it installs the official plugin marketplace with git (github.com over
# https, then ssh, whose name lookup the sandbox has no resolver for) unless a managed policy forbids it. Those
# hosts stay closed on purpose (rules/claude-code.yaml): for 2.0 these refusals are expected, nothing else is.
EXPECTED_REFUSALS='^$'
case $CLAUDE_VERSION in 2.0.*)
	EXPECTED_REFUSALS="^connect (registry\.npmjs\.org:443 .*'npm'|github\.com:443 .*git-remote-https|[0-9.]+:53 .*'ssh')"
	;;
esac
QUESTIONS='Choose.{0,12}the.{0,12}text.{0,12}style|Security.{0,12}notes|Quick.{0,12}safety.{0,12}check'
READY='shift.tab|for.{0,12}shortcuts'

# The first start: the theme (the default), the security notes, trust the folder, one turn, /exit. Trusting is
# the second choice in 2.1 ("Yes, I trust this folder"), the first in 2.0 ("Yes, proceed": make agents-previous).
# A permission question is answered 1.5 s after it is drawn: under load 2.0 draws it before it listens, and an
# answer sent at once was lost (the turn then waited for it until the test timed out).
TRUST='["expect", "Yes,.{0,12}I.{0,12}trust", 30], ["sleep", 1], ["send", "\u001b[B"], ["sleep", 1], ["send", "\r"]'
case $CLAUDE_VERSION in 2.0.*) TRUST='["expect", "Yes,.{0,12}proceed", 30], ["sleep", 1], ["send", "\r"]' ;; esac
STEPS='[["expect", "Choose.{0,12}the.{0,12}text", 60], ["sleep", 1], ["send", "\r"],
	["expect", "Security.{0,12}notes", 30], ["sleep", 1], ["send", "\r"],
	'"$TRUST"',
	["expect", "'"$READY"'", 60], ["on", "Do.{0,12}you.{0,12}want.{0,12}to.{0,12}proceed", "\r", 1.5], ["sleep", 2],
	["send", "Look at the project configuration."], ["expect", "configuration", 30], ["sleep", 1], ["send", "\r"],
	["expect", "the.{0,12}turn.{0,12}is.{0,12}over", 150], ["sleep", 2], ["send", "/exit"], ["sleep", 2],
	["send", "\r"]]'
pty 45 160 300 "$STEPS" -- "${G[@]}" run --allow-read "$CLAUDE_DIR" -- "$F/bin/claude"
RUN1=$PTY_OUT
[ "$PTY_RC" = fail ] && t_diag "first start: $(printf '%s\n' "$PTY_OUT" | grep -a '^PTY-FAIL' | tail -1)"
t_eq "first start: theme, security notes, trust, one turn and /exit in the TUI; exit 0" 0 "$PTY_RC"
t_match "first start: the onboarding and trust questions were asked" "$QUESTIONS" "$RUN1"
REQS=$(cat "$F/requests.jsonl" 2>/dev/null)
t_eq "the model saw the results of both tool calls" 2 "$(printf '%s\n' "$REQS" | python3 -c '
import json, sys
n = 0
for l in sys.stdin:
    try:
        b = json.loads(l).get("body") or {}
    except ValueError:
        continue
    ms = [m for m in b.get("messages") or [] if isinstance(m.get("content"), list)]
    n = max(n, sum(1 for m in ms for c in m["content"] if isinstance(c, dict) and c.get("type") == "tool_result"))
print(n)')"
t_no_secrets "no canary reached the model (every request the fake API received)" "$REQS"
t_lacks "the token stayed out of the conversation" "sk-ant-fake-$RUN_ID" "$REQS"
t_has "Bash cat .env: the shim's line reached the model" 'guard: denied read of .env by files.deny' "$REQS"
t_eq "no guard: line on the screen while the TUI owned it" "" "$(tui_guard_lines "$RUN1" "$REQS" "$TUI_START" "$TUI_END")"

g report --last --format json
REPORT=$OUT
t_eq "the report lists the scripted .env reads as denied" yes "$(report_has_read_denial "$REPORT" "$PROJECT/.env")"
# None is open (issue 11). What its normal work met before, and why it no longer shows: mkdir of its existing
# ~/.claude is the kernel's EEXIST, not guard's EACCES (state_names.h; agent_state.sh); the O_PATH open of ~/.config
# on its way to ~/.config/anthropic reads nothing and is no access (observer_verdicts.sh); its updater, changelog,
# and plugin-marketplace traffic (downloads.claude.ai, github.com, raw.githubusercontent.com, registry.npmjs.org,
# and the ssh to github.com whose name lookup the sandbox has no resolver for) are off through its own switches in
# the profile's env.set, the hosts stay closed; its claude-cli:// handler (a .desktop file in
# ~/.local/share/applications that the desktop runs later, outside the sandbox: never granted) is off through
# disableDeepLinkRegistration in guard's settings file.
t_eq "the report lists no denial of the agent's own operation" "" \
	"$(own_denials "$REPORT" "$PROJECT" "$CLAUDE_DIR" | grep -Ev "$EXPECTED_REFUSALS")"
t_eq "the exit summary's count equals the report's" "$(report_denied_count "$REPORT")" "$(summary_count "$RUN1")"
t_eq "its state is on the host: ~/.claude.json with the onboarding done and the folder trusted" "yes yes" \
	"$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("yes" if d.get("hasCompletedOnboarding") else "no",
      "yes" if (d.get("projects") or {}).get(sys.argv[2], {}).get("hasTrustDialogAccepted") else "no")
' "$HOME/.claude.json" "$PROJECT" 2>&1)"
t_eq "no lock directory or temporary file of ~/.claude.json left behind" "" \
	"$(cd "$HOME" && ls -d .claude.json.lock .claude.json.tmp.* 2>/dev/null)"

# The second start: straight to the prompt, /exit.
STEPS='[["expect", "'"$READY"'", 90], ["sleep", 2], ["send", "/exit"], ["sleep", 2], ["send", "\r"]]'
pty 45 160 200 "$STEPS" -- "${G[@]}" run --allow-read "$CLAUDE_DIR" -- "$F/bin/claude"
RUN2=$PTY_OUT
[ "$PTY_RC" = fail ] && t_diag "second start: $(printf '%s\n' "$PTY_OUT" | grep -a '^PTY-FAIL' | tail -1)"
t_eq "second start: straight to the prompt and /exit; exit 0" 0 "$PTY_RC"
t_nomatch "second start: none of the onboarding or trust questions again" "$QUESTIONS" "$RUN2"
t_eq "second start: no guard: line on the screen while the TUI owned it" "" \
	"$(tui_guard_lines "$RUN2" "$(cat "$F/requests.jsonl" 2>/dev/null)" "$TUI_START" "$TUI_END")"
t_done
