/* What the running kernel and this process allow: for `guard doctor`, for choosing the sandbox mode, and for tests
 * that skip visibly. Each probe fills `why` (may be empty) with a one-line reason or note; none changes the
 * calling process (the namespace probe runs in a child). */
#ifndef GUARD_PROBE_API_H
#define GUARD_PROBE_API_H

#include <stdbool.h>
#include <stddef.h>

/* The Landlock ABI guard will drive: the kernel's, capped at GUARD_LANDLOCK_ABI_MAX, or lower when the environment
 * variable GUARD_LANDLOCK_ABI=N asks (for tests; a higher N is clamped with a note, N=0 turns Landlock off).
 * 0: Landlock unavailable (kernel without it: ENOSYS; built in but disabled at boot: EOPNOTSUPP), with the reason.
 * -1: the probe itself failed (e.g. a container's seccomp filter refuses the call), with the reason. */
int guard_probe_landlock_abi(char *why, size_t whylen);
/* The kernel's own Landlock ABI, no cap and no override; <= 0 as above. */
int guard_probe_landlock_kernel_abi(void);

/* Can this process create user + mount + PID namespaces, map itself, and mount tmpfs and a fresh /proc in them?
 * Tried for real in a forked child. When not, `why` names the cause (kernel.unprivileged_userns_clone=0,
 * user.max_user_namespaces=0, kernel.apparmor_restrict_unprivileged_userns=1, a container's filter...). */
bool guard_probe_userns(char *why, size_t whylen);
/* 1 when Ubuntu's kernel.apparmor_restrict_unprivileged_userns is on, 0 off, -1 when the sysctl does not exist. */
int guard_probe_apparmor_userns_restricted(void);

/* An integer from /proc/sys (or any one-number file); `missing` when absent or unparsable. */
long guard_read_sysctl(const char *path, long missing);

/* Can this process install a seccomp filter (SECCOMP_MODE_FILTER with SECCOMP_RET_ERRNO)? */
bool guard_probe_seccomp(char *why, size_t whylen);
/* Is SECCOMP_RET_USER_NOTIF available (the kernel observer)? */
bool guard_probe_seccomp_notify(void);

#endif
