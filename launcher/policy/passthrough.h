/* Passthroughs (gpu, docker, display, ssh-agent, git-worktrees) and --lockdown: passthrough.c. */
#ifndef GUARD_PASSTHROUGH_H
#define GUARD_PASSTHROUGH_H

#include "lib/guard.h"
#include "guard/policy.h"

/* Turn the passthroughs asked for (policy `passthrough:` and `flags`, the --gpu --docker ... bits: 1 << enum
 * guard_passthrough) into policy entries, and apply --lockdown (`lockdown`). Call after the policy is loaded and
 * before the plan. */
void guard_passthrough_apply(struct guard_policy *pol, unsigned flags, bool lockdown, const char *home,
			     const char *project);
/* What was applied, one line each ("docker: /var/run/docker.sock bound in ..."). */
const struct guard_strv *guard_passthrough_applied(void);
/* --lockdown's environment: the entries of env named PATH, HOME, TERM, LANG, TZ, USER (array malloc'd, strings
 * shared with env). */
char **guard_lockdown_environ(char **env);

#endif
