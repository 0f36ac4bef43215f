/* Agent integration (DESIGN.md §1, layer 3): with the claude-code profile, guard hands Claude Code a settings
 * file of its own (`claude --settings FILE`, no user file touched) whose PostToolUseFailure hook runs
 * `guard hook claude-code` (cmd_hook.c) inside the sandbox, so the model reads guard's explanation of a denial
 * that Claude Code's own tools hit without libc. */
#ifndef GUARD_AGENT_HOOK_H
#define GUARD_AGENT_HOOK_H

#include <stdbool.h>
#include "guard.h"
#include "guard/policy.h"

#define GUARD_CLAUDE_SETTINGS "claude-settings.json"

/* Is the hook wanted? The profile loaded first is claude-code (chosen by `guard run -- claude`, or named
 * with --profile), and GUARD_AGENT_HOOK is not "0". */
bool guard_agent_hook_wanted(const struct guard_policy *p);

/* Where Claude Code's own arguments start in argv: claude ARGS (also through env, npx/bunx/pnpx
 * @anthropic-ai/claude-code, node/bun .../@anthropic-ai/claude-code/cli.js), else -1. */
int guard_agent_claude_args(char *const *argv);

/* The command line to run: argv with `--settings SETTINGS_IN` inserted where claude's arguments start, and
 * the settings file written at settings_host (unless dry_run); its hook runs `GUARD_IN hook claude-code`.
 * NULL (and a note) when the user passed --settings, or the place is unknown: then argv runs unchanged.
 * The result is a NULL-terminated vector of owned strings (guard_strv_clear frees it). */
char **guard_agent_hook_argv(char *const *argv, const char *settings_host, const char *settings_in,
			     const char *guard_in, bool dry_run, struct guard_strv *out);

#endif
