#!/usr/bin/env bash
# Commands guard prints work when copied. Claude Code's own resume hint under guard names guard's settings file,
# which exists only inside the session: guard prints one that works outside (`guard run ... -- claude --resume ID`),
# and `guard explain`'s advice names the command as the user wrote it, not with guard's hook in it. A stand-in for
# Claude Code (a script named claude: it saves a session transcript where Claude does and prints Claude's hint
# from its own command line) runs on a real pseudo-terminal, in both modes.
. "$(dirname "$0")/../lib.sh"
needs python3
setup_world

SID=0b6f1c2e-1111-4222-8333-$(printf '%012d' "$RUN_ID" | tail -c 12)
mkdir -p "$PROJECT/bin"
cat >"$PROJECT/bin/claude" <<EOF
#!/bin/sh
for a in "\$@"; do [ "\$a" = --resume ] && { echo "RESUMED \$*"; exit 0; }; done
mkdir -p "\$HOME/.claude/projects/-project" && echo '{}' >"\$HOME/.claude/projects/-project/$SID.jsonl"
cat .env 2>/dev/null
echo "Resume this session with: claude \$* --resume $SID"
EOF
chmod +x "$PROJECT/bin/claude"
if [ ! -x "$GUARD" ]; then G=(false guard-missing); else G=("$GUARD"); fi

for mode in "" --no-userns; do
	tag="[${mode:-namespaces}]"
	pty 24 160 30 '[]' -- "${G[@]}" run $mode --allow-read /etc -- ./bin/claude
	t_match "$tag Claude's own hint names guard's settings file (what guard's hint replaces)" \
		"Resume this session with: claude --settings [^ ]*claude-settings\.json" "$PTY_OUT"
	HINT=$(printf '%s\n' "$PTY_OUT" | tr -d '\r' | sed -n 's/^guard: to resume this Claude Code session: //p' | tail -1)
	t_eq "$tag guard's resume hint: the same guard command with claude --resume ID" \
		"guard run $mode${mode:+ }--allow-read /etc -- ./bin/claude --resume $SID" "$HINT"
	# Copied into a shell outside the session: it runs (guard's own path in place of the word guard).
	if [ -n "$HINT" ]; then
		g ${HINT#guard }
		t_has "$tag ...and works when copied" "RESUMED --settings" "$OUT"
		t_rc "$tag ...exit 0" 0
	else
		t_skip_n 2 "$tag guard's resume hint works when copied" "no hint printed"
	fi

	# guard explain's advice (built from the session log): the user's command, no settings file of guard's.
	gr $mode -- ./bin/claude -p hi
	g explain .env
	t_match "$tag explain's advice names the command as the user wrote it" \
		"to allow +guard run .* -- \./bin/claude -p hi$" "$OUT"
	t_lacks "$tag ...without guard's settings file" "claude-settings.json" "$OUT"
done

# Without a terminal (a script, CI): Claude prints no resume hint there, and neither does guard.
rm -rf "$HOME/.claude/projects"
gr -- ./bin/claude -p hi
t_lacks "no terminal: no resume hint from guard" "to resume" "$ERR"

t_done
