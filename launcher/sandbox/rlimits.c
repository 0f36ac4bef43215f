/* Resource limits of the sandbox: no core dumps (a core file is a copy of memory that may hold secrets, written
 * where the policy did not plan for it), optional caps on processes and open files.
 *
 * A limit here only ever lowers: the hard limit becomes min(policy, current hard) and the soft limit never rises
 * above what it was (raising soft NOFILE breaks select()-based programs and slows close-all loops). RLIMIT_NPROC
 * counts all processes of the real uid in the user namespace, not just the sandbox's. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "sandbox/kernel_api.h"

static int lower(int resource, const char *name, long long value, char *why, size_t whylen)
{
	struct rlimit cur;
	if (getrlimit(resource, &cur) < 0) {
		snprintf(why, whylen, "rlimit %s: getrlimit: %s", name, strerror(errno));
		return -1;
	}
	rlim_t want = (rlim_t)value;
	bool clamped = cur.rlim_max != RLIM_INFINITY && want > cur.rlim_max;
	struct rlimit next = cur;
	if (clamped)
		want = cur.rlim_max;
	next.rlim_max = want;
	if (cur.rlim_cur == RLIM_INFINITY || cur.rlim_cur > want)
		next.rlim_cur = want;
	if (setrlimit(resource, &next) < 0) {
		int e = errno;
		snprintf(why, whylen, "rlimit %s: setting %llu%s: %s", name, (unsigned long long)want,
			 clamped ? " (policy asked more than the hard limit; clamped)" : "", strerror(e));
		errno = e;
		return -1;
	}
	return 0;
}

int guard_rlimits_apply(const struct guard_rlimits *r, char *why, size_t whylen)
{
	if (r->processes >= 0 && lower(RLIMIT_NPROC, "processes", r->processes, why, whylen) < 0)
		return -1;
	if (r->open_files >= 0 && lower(RLIMIT_NOFILE, "open_files", r->open_files, why, whylen) < 0)
		return -1;
	if (r->cpu_seconds > 0 && lower(RLIMIT_CPU, "cpu", r->cpu_seconds, why, whylen) < 0)
		return -1;
	if (r->data > 0 && lower(RLIMIT_DATA, "memory", r->data, why, whylen) < 0)
		return -1;
	if (!r->core_dumps && lower(RLIMIT_CORE, "core_dumps", 0, why, whylen) < 0)
		return -1;
	return 0;
}
