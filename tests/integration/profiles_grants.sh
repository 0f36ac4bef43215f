#!/usr/bin/env bash
# Agent profiles grant their agent's state and nothing else: in a fake home holding every agent's files, each
# profile reads and writes its own agent's state, while secrets, other agents' state and the rest of the home
# stay out of reach; API keys pass per profile; missing state is created before the run.
. "$(dirname "$0")/../lib.sh"
setup_world

# profile | a state file it reads | a state dir it writes in | an API key variable it passes
PROFILES='claude-code .claude/settings.json .claude/projects ANTHROPIC_API_KEY
codex .codex/config.toml .codex/sessions OPENAI_API_KEY
gemini .gemini/settings.json .gemini/tmp GEMINI_API_KEY
opencode .config/opencode/opencode.json .local/share/opencode/storage OPENCODE_API_KEY
aider .aider.conf.yml .aider/caches AIDER_OPENAI_API_KEY
cursor .cursor/cli-config.json .cursor/chats CURSOR_API_KEY'

while read -r prof file dir var; do
	_put "$HOME/$file" "$(canary "$prof-state")"
	mkdir -p "$HOME/$dir"
done <<<"$PROFILES"
_put "$HOME/.claude.json" '{"numStartups": 1}'
_put "$HOME/.local/state/opencode/model.json" '{}'
_put "$HOME/.config/cursor/auth.json" '{"accessToken": "x"}'
_put "$HOME/.claude/x.pem" "$(canary claude_pem)"

while read -r prof file dir var; do
	gr --profile "$prof" -- cat "$HOME/$file"
	t_allowed "$prof: reads its state ~/$file" "$(canary "$prof-state")"
	gr --profile "$prof" -- sh -c "echo written > '$HOME/$dir/new.txt' && cat '$HOME/$dir/new.txt'"
	t_allowed "$prof: writes in ~/$dir" written
	t_eq "$prof: ... and the file is there after the run" written "$(cat "$HOME/$dir/new.txt" 2>/dev/null)"
	rm -f "$HOME/$dir/new.txt"
	gr --profile "$prof" -- cat "$HOME/.ssh/id_rsa"
	t_denied "$prof: ~/.ssh/id_rsa still denied" id_rsa
	gr --profile "$prof" -- cat "$HOME/.aws/credentials"
	t_denied "$prof: ~/.aws/credentials still denied" aws_credentials
	gr --profile "$prof" -- cat "$HOME/Documents/private.txt"
	t_hidden "$prof: the rest of the home is out of reach (~/Documents)" private_doc
	gr --profile "$prof" -- sh -c "echo x > '$HOME/Documents/new.txt'"
	t_refused "$prof: no writing elsewhere in the home"
	t_true "$prof: ... nothing written" ! -e "$HOME/Documents/new.txt"
	gr --profile "$prof" -- sh -c "echo x > '$HOME/new-in-home.txt'"
	t_refused "$prof: no new entries in the home itself"
	t_true "$prof: ... nothing created" ! -e "$HOME/new-in-home.txt"
	gr --profile "$prof" -- cat .env
	t_denied "$prof: the project's .env still denied" env
	gr --profile "$prof" -- cat src/main.c
	t_allowed "$prof: the project still readable" "$(canary main_c)"
	# The API key of this agent passes; the default profile drops it.
	export "$var=$(canary "$prof-key")"
	gr --profile "$prof" -- sh -c "echo \"\$$var\""
	t_allowed "$prof: passes \$$var" "$(canary "$prof-key")"
	gr --profile default -- sh -c "echo \"\$$var\""
	t_clean "default: drops \$$var" "$(canary "$prof-key")"
	unset "$var"
done <<<"$PROFILES"

# One agent's profile does not open another agent's state.
gr --profile claude-code -- cat "$HOME/.codex/config.toml"
t_hidden "claude-code: cannot read ~/.codex" codex-state
gr --profile codex -- cat "$HOME/.claude/settings.json"
t_hidden "codex: cannot read ~/.claude" claude-code-state
gr --profile default -- cat "$HOME/.claude/settings.json"
t_hidden "default: cannot read ~/.claude" claude-code-state
export OPENAI_API_KEY=$(canary openai-key)
gr --profile claude-code -- sh -c 'echo "$OPENAI_API_KEY"'
t_clean "claude-code: does not pass OPENAI_API_KEY" "$(canary openai-key)"
unset OPENAI_API_KEY

# Inside an agent's state dir the user can still take a file away (profile grants are not scanned for the
# default profile's names like *.pem: they are curated, see scan.c).
gr --profile claude-code --deny "$HOME/.claude/x.pem" -- cat "$HOME/.claude/x.pem"
t_denied "claude-code: --deny of a file inside ~/.claude applies" claude_pem

# ~/.claude.json is writable in place, and (namespaces mode, issue 11) through its own temp names beside it, which
# Claude Code 2.1.332 saves it by (agent_state.sh); nothing else beside it.
gr --profile claude-code -- sh -c "printf '{\"numStartups\": 2}' > '$HOME/.claude.json' && cat '$HOME/.claude.json'"
t_allowed "claude-code: ~/.claude.json writable in place" '"numStartups": 2'
gr --profile claude-code -- sh -c "echo x > '$HOME/.claude.json.tmpx'"
t_refused "claude-code: no new files beside ~/.claude.json"
t_true "claude-code: ... none created" ! -e "$HOME/.claude.json.tmp.1.abc"
gr --profile opencode -- sh -c "echo s > '$HOME/.local/state/opencode/x' && cat '$HOME/.local/state/opencode/x'"
t_allowed "opencode: ~/.local/state/opencode writable" s
gr --profile cursor -- cat "$HOME/.config/cursor/auth.json"
t_allowed "cursor: ~/.config/cursor readable" accessToken
gr --profile aider -- sh -c "echo x >> '$HOME/.aider.conf.yml'"
t_refused "aider: ~/.aider.conf.yml is read-only"

# --- state created before the run when missing, not on a dry run
rm -rf "$HOME/.codex" "$HOME/.gemini"
gr --dry-run --profile gemini -- true
t_rc "dry run exits 0" 0
t_match "dry run says what it would create" 'would create ~/\.gemini/' "$ERR"
t_true "dry run created nothing" ! -e "$HOME/.gemini"
gr --profile codex -- sh -c "echo login > '$HOME/.codex/auth.json' && cat '$HOME/.codex/auth.json'"
t_allowed "codex: a missing ~/.codex is created and usable on the first run" login
t_match "codex: guard says it created ~/.codex/" 'created ~/\.codex/' "$ERR"
t_eq "codex: ~/.codex is private (0700)" 700 "$(stat -c %a "$HOME/.codex" 2>/dev/null)"
t_eq "codex: the agent's file is kept" login "$(cat "$HOME/.codex/auth.json" 2>/dev/null)"
gr --profile codex -- true
t_nomatch "codex: nothing to create the second time" 'created' "$ERR"
rm -f "$HOME/.claude.json"
gr --profile claude-code -- sh -c "test -f '$HOME/.claude.json' && cat '$HOME/.claude.json' && echo created-file"
t_allowed "claude-code: a missing ~/.claude.json is created as an empty JSON object" '{}'
t_allowed "claude-code: ... and readable in the sandbox" created-file
t_eq "claude-code: ~/.claude.json is 0600" 600 "$(stat -c %a "$HOME/.claude.json" 2>/dev/null)"

# --- guard policy shows the profile's entries with their provenance
g policy --profile claude-code
line=$(grep -nE '^[[:space:]]*- ~/\.claude/[[:space:]]*$' "$ROOT_DIR/rules/claude-code.yaml" | head -1 | cut -d: -f1)
t_true "policy: ~/.claude/ from rules/claude-code.yaml:$line" -n "$(printf '%s\n' "$OUT" | grep -F '~/.claude/' |
	grep -E "rules/claude-code\.yaml:$line:[0-9]+")"
t_match "policy: default entries keep rules/default.yaml provenance" '/usr +rules/default\.yaml:[0-9]+:[0-9]+' "$OUT"
t_match "policy: api.anthropic.com allowed by the profile" 'api\.anthropic\.com.*rules/claude-code\.yaml' "$OUT"
t_match "policy: ANTHROPIC_API_KEY passed by the profile" 'ANTHROPIC_API_KEY.*rules/claude-code\.yaml' "$OUT"

t_done
