/* The session's pids cgroup (cgroup_linux.c). */
#ifndef GUARD_CGROUP_H
#define GUARD_CGROUP_H

#include <sys/types.h>

struct guard_cgroup {
	char *dir; /* NULL: none */
};

/* Create guard-<id> under our own cgroup with pids.max; 0, or -1 when no pids hierarchy is writable here. */
int guard_cgroup_create(struct guard_cgroup *cg, const char *id, long long pids_max);
int guard_cgroup_add(const struct guard_cgroup *cg, pid_t pid);
/* Kill what is left in it and remove it. */
void guard_cgroup_destroy(struct guard_cgroup *cg);

#endif
