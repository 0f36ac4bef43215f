/* Starting the command inside the boundary and supervising it until it ends. */
#ifndef GUARD_SANDBOX_H
#define GUARD_SANDBOX_H

#include "plan/plan.h"
#include "supervisor/supervise.h"

/* Returned by guard_sandbox_run when the kernel refused to create the namespaces (the caller may replan for
 * Landlock-only mode); `why` says what failed. */
#define GUARD_SANDBOX_NO_USERNS (-2)

/* Run argv under the plan with environment env. Returns the exit status guard should exit with (the command's,
 * 128+signal, 125/126/127), or GUARD_SANDBOX_NO_USERNS. */
int guard_sandbox_run(const struct guard_plan *plan, char *const *argv, char *const *env,
		      struct guard_supervision *sup, char *why, size_t whylen);

#endif
