/* Agent integration (DESIGN.md §1, layer 3): guard adds its own hook to an agent's command line, so the model
 * reads guard's explanation of a denial that the agent's own tools hit without libc (hook_claude.c,
 * hook_codex.c). No user file is touched:
 *   claude-code  `claude --settings FILE`, FILE in guard's run directory: a PostToolUseFailure hook;
 *   codex        `codex -c hooks={...}`: a PreToolUse (apply_patch) and a PostToolUse (Bash) hook, with the
 *                trust entries that let exactly these two run (hashed as codex does: agent_hook.c), and its own
 *                switches for its update check, analytics and plugin sync. */
#ifndef GUARD_AGENT_HOOK_H
#define GUARD_AGENT_HOOK_H

#include <stdbool.h>
#include "lib/guard.h"
#include "guard/policy.h"

#define GUARD_CLAUDE_SETTINGS "claude-settings.json"

enum guard_hook_agent {
	GUARD_AGENT_NONE,
	GUARD_AGENT_CLAUDE, /* profile claude-code */
	GUARD_AGENT_CODEX,  /* profile codex */
};

/* Whose hook is wanted: the profile loaded first (chosen by the command, or named with --profile), unless
 * GUARD_AGENT_HOOK is "0". */
enum guard_hook_agent guard_agent_hook_wanted(const struct guard_policy *p);

/* Where the agent's own arguments start in argv: `claude ARGS` / `codex ARGS`, also through env, npx/bunx/pnpx
 * with the npm package, node/bun with a script inside the package; else -1. */
int guard_agent_args(enum guard_hook_agent a, char *const *argv);

/* The command line to run: argv with guard's hook inserted where the agent's arguments start; the hook runs
 * `GUARD_IN hook claude-code|codex`. For Claude Code the settings file is written at settings_host (unless
 * dry_run) and named as settings_in. NULL (and a note) when the user passed their own settings or hooks, or the
 * place is unknown: then argv runs unchanged. The result is a NULL-terminated vector of owned strings
 * (guard_strv_clear frees it). */
char **guard_agent_hook_argv(enum guard_hook_agent a, char *const *argv, const char *settings_host,
			     const char *settings_in, const char *guard_in, bool dry_run, struct guard_strv *out);

/* Codex's trust hash of one command hook (its normalized identity: event label, matcher, handler; canonical
 * JSON, SHA-256), as "sha256:HEX" into out. false when the command holds characters this encoding does not
 * reproduce (anything but printable ASCII). */
bool guard_codex_hook_hash(const char *event_label, const char *matcher, const char *command, int timeout,
			   char out[72]);

#endif
