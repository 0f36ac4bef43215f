/* Process-level boundary pieces applied in the sandboxed child just before exec: seccomp, capabilities, rlimits,
 * and the environment. Each returns 0, or -1 with `why` filled with a one-line reason (errno kept). */
#ifndef GUARD_KERNEL_API_H
#define GUARD_KERNEL_API_H

#include <stdbool.h>
#include <stddef.h>
#include "guard/policy.h"

struct guard_seccomp_opts {
	bool allow_userns;   /* let the sandbox create user namespaces (default no) */
	bool deny_inet;      /* no network namespace isolates us: refuse AF_INET/AF_INET6/AF_PACKET sockets */
	bool inet_stream_only; /* Landlock-only proxy mode: AF_INET/AF_INET6 only as TCP streams (no UDP, raw, SCTP),
				* AF_PACKET refused; Landlock limits where TCP connects */
	bool net_closed;     /* network not open: refuse address families that leave the host past a network
			      * namespace or Landlock (vsock, packet, TIPC, RDS, ...); AF_UNIX, AF_NETLINK, IP stay */
};
/* Needs no_new_privs already set (refuses otherwise). Architectures the CPU can also enter (i386, x32) get the same
 * rules; any other is killed. */
int guard_seccomp_install(const struct guard_seccomp_opts *o, char *why, size_t whylen);
/* Print the filter table (for --dry-run). */
void guard_seccomp_describe(const struct guard_seccomp_opts *o, void (*line)(void *ctx, const char *text), void *ctx);

/* Drop every capability: bounding set, ambient, inheritable, permitted, effective; lock securebits so uid 0
 * regains nothing on exec. Needs CAP_SETPCAP for the bounding set (held inside our user namespace; as a plain
 * unprivileged process without one, the bounding set is left as is and nothing is held anyway). */
int guard_caps_drop_all(char *why, size_t whylen);
/* Does this process hold any capability in its effective/permitted/bounding sets? For tests and doctor. */
bool guard_caps_any(void);

struct guard_rlimits {
	long long processes;   /* RLIMIT_NPROC; <0: leave */
	long long open_files;  /* RLIMIT_NOFILE; <0: leave */
	bool core_dumps;       /* false: RLIMIT_CORE 0 */
	long long memory;      /* limits.memory bytes (a memory cgroup applies it); <0: none */
	long long cpu_milli;   /* limits.cpu share in thousandths of a CPU (a cpu cgroup applies it); <0: none */
	long long cpu_seconds; /* limits.cpu as CPU time: RLIMIT_CPU; <0: leave */
	long long data;        /* RLIMIT_DATA: the fallback for memory when no memory cgroup is writable; <0: leave */
};
void guard_rlimits_from_policy(const struct guard_policy *p, struct guard_rlimits *out);
int guard_rlimits_apply(const struct guard_rlimits *r, char *why, size_t whylen);

/* Build the sandbox environment from `in` (NULL-terminated): drop variables that look secret (*_TOKEN, *SECRET*,
 * *PASSWORD*, *_API_KEY, AWS_*, ...) unless env.pass names them, drop env.drop, then set the given overrides
 * ("TMPDIR=/tmp", ...; a bare "NAME" removes NAME). env.drop beats env.pass; env.pass beats the built-in guesses
 * (see env_scrub.c for the list). Returns a malloc'd NULL-terminated array (strings malloc'd); `dropped` (may be
 * NULL) receives the malloc'd array of dropped names. NULL (errno ENOMEM) when out of memory. */
char **guard_env_build(char *const *in, const struct guard_policy *p, char *const *overrides, char ***dropped);
void guard_strv_free(char **v);
/* Does `name` look like a secret by the built-in list? (for tests and dry-run) */
bool guard_env_looks_secret(const char *name);

#endif
