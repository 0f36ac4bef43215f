/* Applying the plan's Landlock ruleset in the child, best effort by ABI (plan_linux.c already masked every right
 * to what the running ABI handles). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "plan/net.h"
#include "sandbox/linux/plan_linux.h"

static int add_port(int rfd, unsigned port, uint64_t access, char *why, size_t whylen)
{
	struct guard_landlock_net_port_attr a = {.allowed_access = access, .port = port};
	if (syscall(SYS_landlock_add_rule, rfd, GUARD_LANDLOCK_RULE_NET_PORT, &a, 0) != 0) {
		snprintf(why, whylen, "Landlock TCP rule for port %u: %s", port, strerror(errno));
		return -1;
	}
	return 0;
}

/* Landlock-only mode: TCP connect to the proxy's port and to the loopback services network.allow names on the
 * host, bind (and connect) to published ports. */
static int add_net_rules(const struct guard_plan *plan, int rfd, char *why, size_t whylen)
{
	if (!plan->os->handled_net)
		return 0;
	unsigned proxy = guard_net_host_proxy_port(plan);
	if (proxy && add_port(rfd, proxy, LANDLOCK_ACCESS_NET_CONNECT_TCP, why, whylen))
		return -1;
	/* A host service on loopback that network.allow names: the host's loopback is the sandbox's here. */
	for (size_t i = 0; i < guard_net_forward_count(plan); i++)
		if (add_port(rfd, guard_net_forward_port(plan, i), LANDLOCK_ACCESS_NET_CONNECT_TCP, why, whylen))
			return -1;
	/* A published port: the sandbox's server binds it on the host, and its own clients connect to it. */
	for (size_t i = 0; i < guard_net_publish_count(plan); i++)
		if (add_port(rfd, guard_net_publish_port(plan, i),
			     LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP, why, whylen))
			return -1;
	return 0;
}

static int add_path_rules(const struct guard_plan *plan, int rfd, char *why, size_t whylen)
{
	for (size_t i = 0; i < plan->os->grants.n; i++) {
		const struct guard_grant *g = &plan->os->grants.v[i];
		int fd = open(g->path, O_PATH | O_CLOEXEC);
		if (fd < 0)
			continue; /* vanished since planning: nothing to grant */
		struct stat st;
		struct landlock_path_beneath_attr pb = {.allowed_access = g->access, .parent_fd = fd};
		if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
			pb.allowed_access &= GUARD_LL_FILE_RIGHTS;
		/* EBADFD: not a file on a file system (a rule that resolved to a pipe or socket, e.g. /dev/stdin):
		 * Landlock doesn't restrict those, so there is nothing to grant. */
		if (pb.allowed_access && syscall(SYS_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0 &&
		    errno != EBADFD) {
			snprintf(why, whylen, "Landlock rule for %s: %s", g->path, strerror(errno));
			close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

int guard_landlock_apply(const struct guard_plan *plan, char *why, size_t whylen)
{
	const struct guard_os_plan *os = plan->os;
	struct guard_landlock_ruleset_attr attr = {
		.handled_access_fs = os->handled_fs,
		.handled_access_net = os->handled_net,
		.scoped = os->scoped,
	};
	if (plan->abi < 1)
		return 0; /* --allow-degraded without Landlock: the caller accepted that */
	int rfd = (int)syscall(SYS_landlock_create_ruleset, &attr, guard_landlock_abi_caps(plan->abi).attr_size, 0);
	if (rfd < 0) {
		snprintf(why, whylen, "Landlock ruleset (ABI %d): %s", plan->abi, strerror(errno));
		return -1;
	}
	if (add_path_rules(plan, rfd, why, whylen) != 0 || add_net_rules(plan, rfd, why, whylen) != 0) {
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
