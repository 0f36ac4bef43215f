#!/usr/bin/env bash
# Choosing the profile: by the command's name (`guard run -- claude` → claude-code), through launchers (npx,
# node, uvx, python -m, env), overridden by --profile; `guard profiles` lists them, `guard profiles show`
# prints one with provenance.
. "$(dirname "$0")/../lib.sh"
setup_world

_put "$HOME/.claude/settings.json" "$(canary claude-settings)"
# A stand-in `claude` on PATH: it prints its marker and Claude Code's settings, which only the claude-code
# profile makes readable.
mkdir -p "$PROJECT/bin"
printf '#!/bin/sh\necho fake-claude\ncat "$HOME/.claude/settings.json"\n' >"$PROJECT/bin/claude"
chmod +x "$PROJECT/bin/claude"
export PATH="$PROJECT/bin:$PATH"

gr -- claude
t_allowed "guard run -- claude runs the command" fake-claude
t_allowed "... under claude-code: ~/.claude is readable" "$(canary claude-settings)"
gr -- "$PROJECT/bin/claude"
t_allowed "an absolute path to claude selects claude-code too" "$(canary claude-settings)"
gr --profile default -- claude
t_hidden "--profile default overrides the choice: ~/.claude out of reach" claude-settings
gr --dry-run -- claude
t_rc "--dry-run -- claude exits 0" 0
t_match "--dry-run names the chosen profile and why" 'profile claude-code, selected by the command name "claude"' "$ERR"
gr --dry-run -- sh -c true
t_nomatch "--dry-run of another command chooses nothing" 'selected by' "$ERR"

# expect_profile DESC PROFILE CMD...: `guard policy -- CMD` reports PROFILE.
expect_profile() {
	local desc=$1 want=$2
	shift 2
	g policy -- "$@"
	t_match "$desc → $want" "^# profile: $want\$" "$OUT"
}
expect_profile "claude" claude-code claude -p hi
expect_profile "codex" codex codex exec
expect_profile "aider" aider aider --model x
expect_profile "gemini" gemini /usr/local/bin/gemini
expect_profile "opencode" opencode opencode
expect_profile "cursor-agent" cursor cursor-agent
expect_profile "npx @anthropic-ai/claude-code@latest" claude-code npx -y @anthropic-ai/claude-code@latest
expect_profile "npx -p @openai/codex codex" codex npx -p @openai/codex codex
expect_profile "bunx @google/gemini-cli" gemini bunx @google/gemini-cli
expect_profile "npm exec opencode-ai" opencode npm exec opencode-ai
expect_profile "node .../node_modules/@google/gemini-cli/bundle/gemini.js" gemini node \
	/usr/lib/node_modules/@google/gemini-cli/bundle/gemini.js --yolo
expect_profile "node ~/.npm-global/bin/claude" claude-code node /home/u/.npm-global/bin/claude
expect_profile "uvx aider-chat" aider uvx --python 3.12 aider-chat
expect_profile "pipx run aider-chat" aider pipx run aider-chat
expect_profile "python3 -m aider" aider python3 -u -m aider.main
expect_profile "env FOO=1 codex" codex env -i FOO=1 codex
expect_profile "bash" default bash -c claude
expect_profile "npm install" default npm install @anthropic-ai/claude-code
expect_profile "node -e" default node -e 'require("@openai/codex")'
expect_profile "npx cowsay" default npx cowsay
g policy --profile codex -- claude
t_match "--profile beats the command's choice" '^# profile: codex$' "$OUT"

# --- guard profiles
g profiles
t_rc "guard profiles exits 0" 0
for p in default claude-code codex aider gemini opencode cursor; do
	t_match "guard profiles lists $p" "^$p " "$OUT"
done
t_match "guard profiles: claude-code is selected by claude" '^claude-code +claude, package @anthropic-ai/claude-code ' "$OUT"
t_match "guard profiles: cursor by cursor-agent" '^cursor +cursor-agent ' "$OUT"
t_match "guard profiles: a description per profile" "^codex .*OpenAI" "$OUT"

g profiles show claude-code
t_rc "guard profiles show claude-code exits 0" 0
line=$(grep -nE '^[[:space:]]*- ~/\.claude\.json[[:space:]]*$' "$ROOT_DIR/rules/claude-code.yaml" | head -1 | cut -d: -f1)
t_true "show: ~/.claude.json with rules/claude-code.yaml:$line" -n "$(printf '%s\n' "$OUT" | grep -F '~/.claude.json' |
	grep -E "rules/claude-code\.yaml:$line:[0-9]+ \(profile\)")"
t_match "show: what it extends keeps its own provenance" '\.env +rules/default\.yaml:[0-9]+:[0-9]+' "$OUT"
t_match "show: names the state entries" '^# state .*~/\.claude/, ~/\.claude\.json' "$OUT"
g profiles show no-such-profile
t_rc "guard profiles show of an unknown profile: 125" 125
t_match "... lists the known ones" 'claude-code' "$ERR"
g profiles bogus
t_rc "guard profiles with a bad argument: 125" 125

# --- profile-only keys are refused elsewhere
project_config 'extends: claude-code'
g policy
t_rc "extends: in a project file is refused: 125" 125
t_match "... with file:line:col and a pointer to --profile" '\.guard\.yaml:1:1: .*only for profiles.*--profile' "$ERR"
project_config 'state: [~/.x/]'
g policy
t_rc "state: in a project file is refused: 125" 125
rm -f .guard.yaml

# --- status names the choice
g status -- claude
t_match "status -- claude: profile claude-code and why" '^profile: +claude-code \(chosen by the command name "claude"\)' "$OUT"
t_match "status: rule counts per file" 'rules/claude-code\.yaml \(profile\)' "$OUT"

t_done
