/* Agent profiles: which command selects which profile (profile_select.c), and a profile's `state:` entries
 * created before a run (profile_state.c). */
#ifndef GUARD_PROFILE_H
#define GUARD_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include "guard/policy.h"

struct guard_agent {
	const char *profile;         /* rules/NAME.yaml */
	const char *const *commands; /* program names that select it: "claude" */
	const char *const *packages; /* what npx/uvx/node... run: "@anthropic-ai/claude-code" */
};
/* Every agent profile; ends with {NULL}. */
extern const struct guard_agent guard_agents[];

/* Is this profile one of an agent's? Its command then owns the terminal (a TUI): guard writes nothing there. */
bool guard_profile_is_agent(const char *profile);

/* The profile a command line selects, or NULL (the default profile). Matches argv[0]'s name, and for launchers
 * the package or script they run: npx/bunx/pnpx/`npm exec`/`pnpm dlx`/`yarn dlx`/`bun x` PKG, uvx/`pipx run`/
 * `uv tool run` PKG, node/bun/deno SCRIPT (by the package directory it lies in, or its name), python -m MOD,
 * and `env [NAME=VALUE...] CMD`. `why` (may be NULL) gets what matched, like: the command name "claude";
 * `args_at` (may be NULL) the index in argv where the agent's own arguments start (-1: unknown). */
const char *guard_profile_for_command(char *const *argv, char *why, size_t whylen, int *args_at);

/* Before a run: create each missing `state:` entry of the policy (a directory when written with a trailing '/',
 * else an empty file; missing parents as 0700 directories) and say so on stderr. With dry_run, only say what
 * would be created. A failure is a note, not an error: the agent then runs without that state. */
void guard_profile_prepare_state(const struct guard_policy *p, const char *home, bool dry_run);

#endif
