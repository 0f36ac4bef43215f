/* Applying the plan's Landlock ruleset in the child, best effort by ABI (the plan already masked every right to
 * what the running ABI handles). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "plan/net.h"
#include "plan/plan.h"

static size_t ruleset_attr_size(int abi)
{
	if (abi >= 6)
		return sizeof(struct guard_landlock_ruleset_attr);
	if (abi >= 4)
		return offsetof(struct guard_landlock_ruleset_attr, scoped);
	return offsetof(struct guard_landlock_ruleset_attr, handled_access_net);
}

int guard_landlock_apply(const struct guard_plan *plan, char *why, size_t whylen)
{
	struct guard_landlock_ruleset_attr attr = {
		.handled_access_fs = plan->handled_fs,
		.handled_access_net = plan->handled_net,
		.scoped = plan->scoped,
	};
	if (plan->abi < 1)
		return 0; /* --allow-degraded without Landlock: the caller accepted that */
	int rfd = (int)syscall(SYS_landlock_create_ruleset, &attr, ruleset_attr_size(plan->abi), 0);
	if (rfd < 0) {
		snprintf(why, whylen, "Landlock ruleset (ABI %d): %s", plan->abi, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < plan->grants.n; i++) {
		const struct guard_grant *g = &plan->grants.v[i];
		int fd = open(g->path, O_PATH | O_CLOEXEC);
		if (fd < 0)
			continue; /* vanished since planning: nothing to grant */
		struct stat st;
		struct landlock_path_beneath_attr pb = {.allowed_access = g->access, .parent_fd = fd};
		if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
			pb.allowed_access &= GUARD_LL_FILE_RIGHTS;
		/* EBADFD: not a file on a file system (a rule that resolved to a pipe or socket, e.g. /dev/stdin):
		 * Landlock doesn't restrict those, so there is nothing to grant. */
		if (pb.allowed_access &&
		    syscall(SYS_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0 && errno != EBADFD) {
			snprintf(why, whylen, "Landlock rule for %s: %s", g->path, strerror(errno));
			close(fd);
			close(rfd);
			return -1;
		}
		close(fd);
	}
	if (guard_net_landlock_rules(plan, rfd, why, whylen) != 0) { /* TCP ports (net_plan.c) */
		close(rfd);
		return -1;
	}
	if (syscall(SYS_landlock_restrict_self, rfd, 0) != 0) {
		snprintf(why, whylen, "Landlock restrict_self: %s", strerror(errno));
		close(rfd);
		return -1;
	}
	close(rfd);
	return 0;
}
