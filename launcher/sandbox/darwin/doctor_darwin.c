/* `guard doctor`, the namespace probe and the --dry-run lines for limits on macOS: Seatbelt is there on every
 * Mac; what can stop it is a sandbox guard already runs in (macOS refuses nesting). No namespaces, no cgroups:
 * limits are rlimits only. Compiled and linked here; not yet run on a Mac (README, "macOS"). */
#include <stdio.h>
#include <sys/utsname.h>

#include "policy/limits_plan.h"
#include "policy/passthrough.h"
#include "sandbox/darwin/seatbelt.h"
#include "sandbox/platform.h"

bool guard_platform_probe_namespaces(char *why, size_t whylen)
{
	snprintf(why, whylen, "macOS has no namespaces: Seatbelt is the boundary");
	return false;
}

bool guard_platform_doctor(bool json, bool no_userns)
{
	(void)no_userns;
	struct utsname u;
	if (uname(&u) != 0)
		u.release[0] = u.machine[0] = 0;
	bool nested = guard_seatbelt_active();
	if (json) {
		printf("{\"platform\":\"darwin\",\"kernel\":\"%s\",\"machine\":\"%s\",\"seatbelt\":%s,\"mode\":\"%s\"}"
		       "\n",
		       u.release, u.machine, nested ? "false" : "true", nested ? "none" : "seatbelt");
		return !nested;
	}
	printf("kernel      Darwin %s (%s)\n", u.release, u.machine);
	printf("seatbelt    %s\n",
	       nested ? "unavailable: guard runs inside a Seatbelt sandbox already, and macOS "
			"refuses a nested one (run guard outside the other sandbox)"
		      : "available (applied by guard itself, so DYLD_INSERT_LIBRARIES reaches the command)");
	printf("limits      rlimits only (memory: RLIMIT_DATA per process; cpu: a CPU-time budget)\n");
	printf("mode        %s\n", nested ? "none: no sandbox is possible here" : "Seatbelt + DYLD shim");
	return !nested;
}

void guard_limits_print(const struct guard_plan *plan)
{
	const struct guard_rlimits *r = &plan->rlimits;
	char b[64];
	if (r->data > 0)
		printf("  memory %s per process: RLIMIT_DATA (no cgroups on macOS)\n",
		       guard_format_size(r->data, b, sizeof b));
	if (r->cpu_seconds > 0)
		printf("  cpu time %llds per process: RLIMIT_CPU\n", r->cpu_seconds);
	const struct guard_strv *pt = guard_passthrough_applied();
	if (pt->n)
		printf("passthrough:\n");
	for (size_t i = 0; i < pt->n; i++)
		printf("  %s\n", pt->v[i]);
}
