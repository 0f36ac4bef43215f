/* A resume hint for Claude Code sessions under guard that works when copied (claude_resume.c). */
#ifndef GUARD_CLAUDE_RESUME_H
#define GUARD_CLAUDE_RESUME_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "lib/guard.h"

/* The id of the newest session Claude Code saved at or after since (its configuration directory:
 * $CLAUDE_CONFIG_DIR, else home/.claude), into id (cap bytes). false when none. */
bool guard_claude_session_saved(const char *home, time_t since, char *id, size_t cap);

/* "guard: to resume this Claude Code session: guard run ARGS -- CLAUDE --resume ID" on stderr: guard's own
 * options as the user gave them (guard_args, nargs: between `run` and the command), then the user's claude. */
void guard_claude_resume_hint(char *const *guard_args, size_t nargs, const char *claude, const char *id);

#endif
