#!/usr/bin/env bash
# Editor, agent and tool configuration in the project (issue 13, class 3): what VS Code (tasks.json with runOn:
# folderOpen, settings, launch configurations), JetBrains IDEs (.idea run configurations), Claude Code (project
# settings with hooks, commands, agents), any MCP client (.mcp.json), direnv (.envrc), npm (.npmrc script-shell)
# and pre-commit run when the user opens the project or uses the tool outside the sandbox. rules/default.yaml
# protects them: an existing one stays unchanged, a new one is moved aside at once (late_covers_linux.c).
. "$(dirname "$0")/common.bash"

PLANTS=".vscode/tasks.json .vscode/settings.json .vscode/launch.json .idea/runConfigurations/x.xml .idea/workspace.xml
.claude/settings.json .claude/settings.local.json .claude/commands/x.md .claude/agents/x.md .mcp.json .envrc .npmrc
.pre-commit-config.yaml"

# planted_left: the plants still in place (holding PLANTED) after a run
planted_left() {
	local p left=
	for p in $PLANTS; do grep -qs PLANTED "$p" && left="$left $p"; done
	printf '%s' "$left"
}
clean_plants() {
	rm -rf .vscode .idea .claude .mcp.json .envrc .npmrc .pre-commit-config.yaml .vscode.guard-blocked-* \
		.idea.guard-blocked-* .claude.guard-blocked-* .mcp.json.* .envrc.* .npmrc.* .pre-commit-config.yaml.*
}

# --- new files: created during the session, each is moved aside (none is left where the tool looks)
for f in $FLAVOURS; do
	clean_plants
	ga "$f" -- sh -c 'for p in $1; do mkdir -p "$(dirname "$p")"; echo PLANTED > "$p"; done; true' sh "$PLANTS"
	t_eq "[$f] editor, agent and tool configuration planted in the project is not left in place" "" "$(planted_left)"
	t_true "[$f] ... and the command ran" "$RC" = 0
done

# --- existing files: the sandbox may read them, not change them
for f in $FLAVOURS; do
	clean_plants
	for p in $PLANTS; do mkdir -p "$(dirname "$p")" && echo original > "$p"; done
	ga "$f" -- sh -c 'for p in $1; do cat "$p" >/dev/null || echo "unreadable $p"; echo PLANTED >> "$p"; echo PLANTED > "$p"
		mv "$p" "$p.x" && echo PLANTED > "$p"; done 2>/dev/null; true' sh "$PLANTS"
	t_eq "[$f] existing editor, agent and tool configuration is not changed" "" "$(planted_left)"
	t_lacks "[$f] ... and the protected ones are readable (.npmrc and .envrc are secrets: denied)" \
		"unreadable .vscode" "$OUT"
done
clean_plants

# --- the claude-code profile lets Claude Code keep the permissions it remembers in .claude/settings.local.json
# (its own legitimate write); the rest stays protected. (The file exists: Landlock-only mode refuses new entries
# beside a protected path.)
for f in $FLAVOURS; do
	rm -rf .claude
	mkdir .claude && echo old > .claude/settings.local.json
	ga "$f" --profile claude-code -- sh -c 'echo "{}" > .claude/settings.local.json
		echo PLANTED > .claude/settings.json; true'
	t_eq "[$f] claude-code profile: .claude/settings.local.json may be written" "{}" \
		"$(cat .claude/settings.local.json 2>/dev/null)"
	t_true "[$f] ... .claude/settings.json may not" ! -e .claude/settings.json
done
rm -rf .claude

t_done
