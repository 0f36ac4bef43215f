/* `guard hook AGENT`: the hooks guard adds to an agent's command line (agent_hook.c), run by the agent inside
 * the sandbox: hook_claude.c (Claude Code), hook_codex.c (Codex); what they share is hook_explain.c.
 * Run by an agent, not a person: a wrong invocation gets a usage note on stderr and still exits 0. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "hooks/hooks.h"

int guard_cmd_hook(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "claude-code") == 0)
		return guard_hook_claude_code();
	if (argc == 2 && strcmp(argv[1], "codex") == 0)
		return guard_hook_codex();
	FILE *to = argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) ? stdout : stderr;
	fprintf(to, "usage: guard hook claude-code   (Claude Code's PostToolUseFailure hook: JSON on stdin)\n"
		    "       guard hook codex         (Codex's PreToolUse/PostToolUse hook: JSON on stdin)\n");
	return 0;
}
