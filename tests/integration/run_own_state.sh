#!/usr/bin/env bash
# guard's own rules (its config with the trust store, its session logs) are a policy source of their own, added
# for every command that loads a policy: `guard explain` outside a session, `guard policy`, `guard status` and
# `guard run` agree about them, even when the user config grants the directory they live in, and no advice offers
# an override that cannot work (the implicit rule comes after every flag, so --deny '!…' would do nothing).
. "$(dirname "$0")/../lib.sh"
setup_world
STORE=$XDG_CONFIG_HOME/guard/trusted
user_config 'files:
  read:
    - ~/.config/'
_put "$STORE" "$(canary trust_store)"
_put "$HOME/.config/tool/settings" "$(canary tool_settings)"

# The grant itself works: a file beside guard's directory is readable.
gr -- cat "$HOME/.config/tool/settings"
t_allowed "the user config's grant of ~/.config/ applies" "$(canary tool_settings)"

# explain, no session: the verdict guard run will reach.
g explain "$STORE"
t_rc "explain the trust store: exit 0" 0
t_match "explain (no session): the trust store is denied" '^  verdict +denied' "$OUT"
t_match "explain: decided by guard's own rule" 'guard: its own state' "$OUT"
t_nomatch "explain: no --deny '!…' advice" "deny '?!" "$OUT"
t_match "explain: says guard's own state is never exposed" "never exposed" "$OUT"
t_nomatch "explain: no doubled parentheses" '\(\(' "$OUT"

# run: denied, and the shim's message offers nothing that cannot work.
gr -- cat "$STORE"
t_denied "run: the trust store is denied" trust_store
t_nomatch "run: no --deny '!…' advice" "deny '!" "$ERR"
t_nomatch "run: no doubled parentheses" '\(\(' "$ERR"
t_match "run: the message names guard's own state" 'guard: its own state' "$ERR"

# The override the old advice offered really does nothing: explain must not have promised it.
gr --deny "!$XDG_CONFIG_HOME/guard/" -- cat "$STORE"
t_denied "run --deny '!…/guard/': still denied" trust_store

# The session logs too, though ~/.local/state is nobody's grant here: explain and run agree.
_put "$XDG_STATE_HOME/guard/planted" "$(canary state_file)"
user_config 'files:
  read:
    - ~/.config/
    - ~/.local/'
g explain "$XDG_STATE_HOME/guard/planted"
t_match "explain: guard's state dir is denied" '^  verdict +denied' "$OUT"
gr -- cat "$XDG_STATE_HOME/guard/planted"
t_denied "run: guard's state dir is denied" state_file

# guard policy and guard status list the rules, under their own source.
g policy
t_match "guard policy lists the config dir deny as guard's own" \
	"^  ${XDG_CONFIG_HOME//./\\.}/guard/ +guard: its own state \(implicit\)" "$OUT"
g status
t_match "guard status counts guard's own rules" '^  guard: its own state \(implicit\) +0 +0 +2 ' "$OUT"

t_done
