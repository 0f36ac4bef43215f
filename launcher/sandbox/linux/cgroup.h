/* The session's cgroups (cgroup_linux.c): pids, memory and cpu. */
#ifndef GUARD_CGROUP_H
#define GUARD_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum { GUARD_CG_PIDS, GUARD_CG_MEMORY, GUARD_CG_CPU, GUARD_CG_COUNT };

struct guard_cgroup {
	char *dir;                  /* NULL: none (the first directory made; kept for callers that need one) */
	char *dirs[GUARD_CG_COUNT]; /* per controller: the session's directory, or NULL (v2: all the same) */
	bool v2[GUARD_CG_COUNT];
	int lock[GUARD_CG_COUNT]; /* the directory made for this controller, held by flock while the session lives */
	bool locked[GUARD_CG_COUNT];
};

/* What to limit; <0: not wanted. */
struct guard_cgroup_limits {
	long long pids_max, memory, cpu_milli;
};

/* Create guard-<id> under our own cgroup for each wanted controller (cgroup v2 where the controller is available
 * to us there, else the v1 hierarchy of that controller) and write its limit. First it removes the empty guard-*
 * directories a guard that was killed (SIGKILL, a crash) left beside it: each session holds an flock on its own
 * directory for as long as it lives, so a directory nobody holds is a dead session's. Returns a bit mask of the
 * controllers set up (1 << GUARD_CG_*); what is missing is the caller's to report. */
unsigned guard_cgroup_create(struct guard_cgroup *cg, const char *id, const struct guard_cgroup_limits *want);
int guard_cgroup_add(const struct guard_cgroup *cg, pid_t pid);
/* Kill what is left in it and remove it. */
void guard_cgroup_destroy(struct guard_cgroup *cg);

/* `guard doctor` / --dry-run: how a controller ("pids", "memory", "cpu") would be applied here: "cgroup v2
 * (delegated)", "cgroup v2", "cgroup v1 (as root)", or NULL when no hierarchy is writable. */
const char *guard_cgroup_mechanism(int controller);

#endif
