#!/usr/bin/env bash
# An agent profile's missing state is created with the right type before the agent starts (issue 11), and only
# when the agent is there: OpenCode 1.18 stops at start with EROFS when it cannot make ~/.cache/opencode or
# ~/.local/share/opentui/ in a home that has neither; `guard run -- claude` without Claude Code installed must not
# leave ~/.claude/ and ~/.claude.json behind before saying "command not found".
. "$(dirname "$0")/../lib.sh"
setup_world
rm -rf "$HOME/.cache" "$HOME/.local/share"

gr --profile opencode -- sh -c "mkdir -p '$HOME/.cache/opencode/bin' && echo ok > '$HOME/.local/share/opentui/x' && cat '$HOME/.local/share/opentui/x'"
t_allowed "opencode: ~/.cache/opencode/ and ~/.local/share/opentui/ usable in a home that had neither" ok
t_true "opencode: ~/.cache/opencode is a directory on the host" -d "$HOME/.cache/opencode"
t_true "opencode: ~/.local/share/opentui is a directory on the host" -d "$HOME/.local/share/opentui"
t_eq "opencode: ... and private" 700 "$(stat -c %a "$HOME/.local/share/opentui")"
gr --profile opencode --dry-run -- true
t_match "opencode: its model list's host is allowed" 'models\.opencode\.ai' "$OUT"

# No claude on this PATH: nothing is created, and the run says the command is not found.
mkdir -p "$T_WORK/empty-bin"
rm -rf "$HOME/.claude" "$HOME/.claude.json"
PATH=$T_WORK/empty-bin:/usr/bin:/bin
if command -v claude >/dev/null; then
	t_skip_n 3 "claude not installed" "a claude is on /usr/bin:/bin here"
else
	gr -- claude
	t_rc "claude not installed: command not found (127)" 127
	t_true "claude not installed: no ~/.claude/ created" ! -e "$HOME/.claude"
	t_true "claude not installed: no ~/.claude.json created" ! -e "$HOME/.claude.json"
fi
# The same command present: its state is created (a stand-in named claude).
printf '#!/bin/sh\nexit 0\n' >"$T_WORK/empty-bin/claude"
chmod 755 "$T_WORK/empty-bin/claude"
gr -- claude
t_true "claude present: ~/.claude/ created before it starts" -d "$HOME/.claude"
t_eq "claude present: ~/.claude.json created as JSON" '{}' "$(cat "$HOME/.claude.json" 2>/dev/null)"
t_done
