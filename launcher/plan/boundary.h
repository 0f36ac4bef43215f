/* The process side of a plan, decided on the host with the rest of it: which sockets the system-call filter
 * refuses (the network's shape), and the resource limits. A platform applies them its own way. */
#ifndef GUARD_PLAN_BOUNDARY_H
#define GUARD_PLAN_BOUNDARY_H

#include <stdbool.h>

#include "guard/policy.h"

struct guard_seccomp_opts {
	bool allow_userns;     /* let the sandbox create user namespaces (no plan sets it; a knob for tests) */
	bool deny_inet;        /* no network namespace isolates us: refuse AF_INET/AF_INET6/AF_PACKET sockets */
	bool inet_stream_only; /* Landlock-only proxy mode: AF_INET/AF_INET6 only as TCP streams (no UDP, raw, SCTP),
				* AF_PACKET refused; Landlock limits where TCP connects */
	bool net_closed;       /* network not open: refuse address families that leave the host past a network
			      * namespace or Landlock (vsock, packet, TIPC, RDS, ...); AF_UNIX, AF_NETLINK, IP stay */
};

struct guard_rlimits {
	long long processes;   /* RLIMIT_NPROC; <0: leave */
	long long open_files;  /* RLIMIT_NOFILE; <0: leave */
	bool core_dumps;       /* false: RLIMIT_CORE 0 */
	long long memory;      /* limits.memory bytes (a memory cgroup applies it); <0: none */
	long long cpu_milli;   /* limits.cpu share in thousandths of a CPU (a cpu cgroup applies it); <0: none */
	long long cpu_seconds; /* limits.cpu as CPU time: RLIMIT_CPU; <0: leave */
	long long data;        /* RLIMIT_DATA: the fallback for memory when no memory cgroup is writable; <0: leave */
};
/* The policy's limits section as the plan keeps it (plan.c). */
void guard_rlimits_from_policy(const struct guard_policy *p, struct guard_rlimits *out);

#endif
