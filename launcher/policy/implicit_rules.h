/* What guard adds to a loaded policy on its own (implicit_rules.c), the same for every command that loads one. */
#ifndef GUARD_IMPLICIT_RULES_H
#define GUARD_IMPLICIT_RULES_H

#include <stdbool.h>
#include "guard/policy.h"

struct guard_implicit {
	const char *home, *project; /* absolute, normalized */
	unsigned passthrough;       /* --gpu --docker ...: 1 << enum guard_passthrough */
	bool lockdown;              /* --lockdown */
};

/* Complete a policy assembled from its sources (guard_policy_assemble) the way `guard run` will use it, so that
 * run, explain, policy and status agree: the passthroughs asked for and --lockdown (passthrough.c), then guard's
 * own rules (GUARD_SRC_BUILTIN), last so that no policy file or flag overrides them: its configuration (the trust
 * store) and state (the session logs) denied, and, when guard runs as root, every owner-only file under /etc,
 * /opt and /usr/local/etc denied by exact path. Reads the file system; creates nothing. */
void guard_policy_add_implicit(struct guard_policy *p, const struct guard_implicit *in);

/* Before a run: create guard's configuration and state directories (0700) when missing. A directory that does
 * not exist at launch cannot be covered, and the sandbox could plant one (a config that grants everything, a
 * forged log) wherever the policy lets it write. */
void guard_own_state_create(void);

#endif
