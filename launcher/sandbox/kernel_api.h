/* Process-level boundary pieces applied in the sandboxed child just before exec: seccomp, capabilities, rlimits
 * (their options are plan data: plan/boundary.h). Each returns 0, or -1 with `why` filled with a one-line reason
 * (errno kept). */
#ifndef GUARD_KERNEL_API_H
#define GUARD_KERNEL_API_H

#include <stdbool.h>
#include <stddef.h>
#include "plan/boundary.h"

/* Compile and load in one step (a session compiles ahead instead: sandbox/linux/filters.h). Needs no_new_privs
 * already set (refuses otherwise). Architectures the CPU can also enter (i386, x32) get the same rules; any other
 * is killed. */
int guard_seccomp_install(const struct guard_seccomp_opts *o, char *why, size_t whylen);
/* Print the filter table (for --dry-run). */
void guard_seccomp_describe(const struct guard_seccomp_opts *o, void (*line)(void *ctx, const char *text), void *ctx);

/* Drop every capability: bounding set, ambient, inheritable, permitted, effective; lock securebits so uid 0
 * regains nothing on exec. Needs CAP_SETPCAP for the bounding set (held inside our user namespace; as a plain
 * unprivileged process without one, the bounding set is left as is and nothing is held anyway). */
int guard_caps_drop_all(char *why, size_t whylen);
/* Does this process hold any capability in its effective/permitted/bounding sets? For tests and doctor. */
bool guard_caps_any(void);

int guard_rlimits_apply(const struct guard_rlimits *r, char *why, size_t whylen);

#endif
