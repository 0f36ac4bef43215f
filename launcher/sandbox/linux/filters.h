/* The command's two seccomp programs (the boundary's filter and the observer's), compiled ahead. libseccomp takes a
 * few milliseconds to build them; done in the command, right before exec, that time added to every session's start.
 * So the supervisor compiles them in a thread of its own while the sandbox's init sets up its mounts, into a shared
 * mapping made before the clone, and init forks the command only once they are there (the same "c" byte that says
 * it is in its cgroup); the command just loads them. A program that cannot be compiled ends the run before the
 * command exists, with libseccomp's reason. */
#ifndef GUARD_FILTERS_H
#define GUARD_FILTERS_H

#include <stdbool.h>
#include <stddef.h>

#include "plan/boundary.h"
#include "plan/plan.h"
#include "sandbox/linux/bpf.h"
#include "supervisor/supervise.h"

struct guard_filters;

/* Before the clone or fork: the shared mapping (kept for the life of the process), or NULL with errno. */
struct guard_filters *guard_filters_map(void);

/* In the supervisor, after the clone or fork (the user namespace wants a single-threaded caller): start compiling
 * plan's programs. 0, or -1 with why (no thread). */
int guard_filters_start(struct guard_filters *f, const struct guard_plan *plan, const struct guard_supervision *sup,
			char *why, size_t whylen);
/* Wait for them: 0, or -1 with why (what could not be compiled). */
int guard_filters_finish(struct guard_filters *f, char *why, size_t whylen);

/* In the command, right before exec (no_new_privs set): the boundary's filter, then the observer's when the
 * session has one, its listener handed over obs_sock. 0, or -1 with why. */
int guard_filters_load(const struct guard_filters *f, int obs_sock, char *why, size_t whylen);

/* seccomp_linux.c: the boundary's program alone (guard_seccomp_install is both steps at once). */
int guard_seccomp_compile(const struct guard_seccomp_opts *o, struct guard_bpf *out, char *why, size_t whylen);
int guard_seccomp_load(const struct guard_bpf *p, char *why, size_t whylen);

#endif
