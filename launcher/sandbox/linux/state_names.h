/* The names a state file's private directory admits (see state_sync.h): the observer's part.
 *
 * Landlock grants by directory, not by name: the directory holding ~/.claude.json must be writable for the
 * agent to create ~/.claude.json.lock/ and ~/.claude.json.tmp.* and rename them over the file, and that would let
 * it create anything there. The directory is in the private home (nothing written there reaches the host but the
 * state file, saved back by init), so what is at stake is honesty, not the boundary: a tool that writes
 * ~/.bashrc must be told "denied", not succeed into a copy that vanishes. So calls that create, remove, rename
 * or chmod names stop at the observer, which refuses names the policy does not grant (EACCES) and lets the
 * rest continue. Racy like every seccomp-notify check: a process that rewrites the path after it was read
 * reaches only the private home. */
#ifndef GUARD_STATE_NAMES_H
#define GUARD_STATE_NAMES_H

#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdbool.h>

#include "plan/plan.h"

/* Does the plan copy a state file into the private home (GUARD_MNT_STATE_COPY)? */
bool guard_state_names_needed(const struct guard_plan *plan);
/* Add the notification rules (every call that creates, removes, renames or chmods a name, and opens with
 * O_CREAT, with or without the session magic). 0, or -1 with why. */
int guard_state_names_rules(scmp_filter_ctx ctx, char *why, size_t whylen);
/* The state file whose own names (itself, NAME.lock/, NAME.tmp.*, NAME.backup) include path, or NULL: those the agent may
 * make, write and rename in the private home, though no rule names them. */
const char *guard_state_names_own(const struct guard_plan *plan, const char *path);
/* The answer for a stopped call `name` (a syscall name): 0 to let it continue, or the errno to fail it with. */
int guard_state_names_check(const struct guard_plan *plan, const struct guard_image *img,
			    const struct seccomp_notif *req, const char *name);

#endif
