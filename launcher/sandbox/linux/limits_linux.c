/* Applying limits.processes (as root), limits.memory and limits.cpu through the session's cgroups, with the
 * rlimit fallbacks when no hierarchy is writable here:
 *
 *   memory   memory cgroup (v2 memory.max + memory.swap.max 0; v1 memory.limit_in_bytes + memsw): the kernel's
 *            OOM killer ends the biggest process of the session (exit 137). Fallback: RLIMIT_DATA per process
 *            (malloc fails instead; not a total over processes). Never RLIMIT_AS: it breaks JITs and Go, which
 *            reserve far more address space than they use.
 *   cpu      a share ("50%", 1.5): cpu.max (v2) or cpu.cfs_quota_us (v1), no rlimit can express a rate, so without
 *            a cgroup it is not applied (noted). A duration ("10m") is RLIMIT_CPU, per process, everywhere.
 *   processes  RLIMIT_NPROC for users; as root (exempt from it) the pids cgroup. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/linux/cgroup.h"
#include "policy/limits_plan.h"
#include "policy/passthrough.h"
#include "plan/plan.h"

/* A limit the policy asks for and this machine cannot hold as written is a boundary not applied: refused (125),
 * unless --allow-degraded accepted the fallback, which is then said. */
static void missing(bool allow_degraded, struct guard_cgroup *cg, const char *hint, const char *what)
{
	if (!allow_degraded) {
		guard_cgroup_destroy(cg);
		guard_die(hint, "%s: refused", what);
	}
	guard_note("%s: running with --allow-degraded", what);
}

bool guard_limits_cgroup(struct guard_plan *plan, struct guard_cgroup *cg, const char *id, bool allow_degraded)
{
	struct guard_rlimits *r = &plan->rlimits;
	struct guard_cgroup_limits want = {
		.pids_max = r->processes > 0 && geteuid() == 0 ? r->processes : -1,
		.memory = r->memory > 0 ? r->memory : -1,
		.cpu_milli = r->cpu_milli > 0 ? r->cpu_milli : -1,
	};
	if (want.pids_max < 0 && want.memory < 0 && want.cpu_milli < 0)
		return false;
	unsigned got = guard_cgroup_create(cg, id, &want);
	char b[64], what[300];
	if (want.pids_max > 0 && !(got & (1u << GUARD_CG_PIDS))) {
		snprintf(what, sizeof what,
			 "limits.processes %lld: guard runs as root (exempt from RLIMIT_NPROC) and no "
			 "pids cgroup is writable here to hold it",
			 want.pids_max);
		missing(allow_degraded, cg, "see `guard doctor`; --allow-degraded runs without the process cap", what);
	}
	if (want.memory > 0 && !(got & (1u << GUARD_CG_MEMORY))) {
		snprintf(what, sizeof what,
			 "limits.memory %s: no memory cgroup is writable here, only RLIMIT_DATA per "
			 "process (allocations fail past it; not a total over processes)",
			 guard_format_size(want.memory, b, sizeof b));
		missing(allow_degraded, cg,
			"see `guard doctor`; --allow-degraded applies it as RLIMIT_DATA per process", what);
		r->data = want.memory;
	}
	if (want.cpu_milli > 0 && !(got & (1u << GUARD_CG_CPU))) {
		snprintf(what, sizeof what,
			 "limits.cpu %s: no cpu cgroup is writable here, so the share cannot be "
			 "enforced",
			 guard_format_cpu(want.cpu_milli, b, sizeof b));
		missing(allow_degraded, cg,
			"see `guard doctor`; --allow-degraded runs without the share (a duration like \"10m\" is "
			"RLIMIT_CPU and needs no cgroup)",
			what);
	}
	return got != 0;
}

void guard_limits_doctor(const char **memory, const char **cpu, const char **processes)
{
	const char *m = guard_cgroup_mechanism(GUARD_CG_MEMORY), *c = guard_cgroup_mechanism(GUARD_CG_CPU),
		   *p = guard_cgroup_mechanism(GUARD_CG_PIDS);
	*memory = m ? m : "rlimits only (RLIMIT_DATA per process)";
	*cpu = c ? c : "rlimits only (a CPU-time budget like \"10m\" works; a share like \"50%\" is not enforced)";
	*processes = geteuid() != 0 ? "RLIMIT_NPROC" : p ? p : "not enforced (root is exempt from RLIMIT_NPROC)";
}

void guard_limits_print(const struct guard_plan *plan)
{
	const struct guard_rlimits *r = &plan->rlimits;
	char b[64];
	if (r->memory > 0) {
		const char *how = guard_cgroup_mechanism(GUARD_CG_MEMORY);
		printf("  memory %s: %s\n", guard_format_size(r->memory, b, sizeof b),
		       how ? how : "none writable here: refused, or RLIMIT_DATA per process with --allow-degraded");
	}
	if (r->cpu_milli > 0) {
		const char *how = guard_cgroup_mechanism(GUARD_CG_CPU);
		printf("  cpu %s: %s\n", guard_format_cpu(r->cpu_milli, b, sizeof b),
		       how ? how : "none writable here: refused, or not enforced with --allow-degraded");
	}
	if (r->cpu_seconds > 0)
		printf("  cpu time %llds per process: RLIMIT_CPU\n", r->cpu_seconds);
	if (r->processes > 0 && geteuid() == 0) {
		const char *how = guard_cgroup_mechanism(GUARD_CG_PIDS);
		printf("  processes as root: %s\n",
		       how ? how : "none writable here: refused, or not enforced with --allow-degraded");
	}
	const struct guard_strv *pt = guard_passthrough_applied();
	if (pt->n)
		printf("passthrough:\n");
	for (size_t i = 0; i < pt->n; i++)
		printf("  %s\n", pt->v[i]);
}
