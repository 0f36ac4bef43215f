/* Facts about processes that each kernel tells its own way (Linux: /proc; macOS: libproc, kqueue). */
#ifndef GUARD_PROC_H
#define GUARD_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The parent of pid, numbered in the PID namespace of the /proc that guard sees (the host's, for a process
 * inside the sandbox's namespace); 0 when pid is gone or unreadable. */
pid_t guard_proc_parent(pid_t pid);
/* pid as the process numbers itself (Linux: the last NSpid of /proc/PID/status, its own PID namespace's number); 0 when
 * pid is gone or unreadable. *parent (may be NULL) gets what guard_proc_parent would say, from the same read. */
pid_t guard_proc_own_pid(pid_t pid, pid_t *parent);

/* Up to max children of parent into out; returns how many were found. */
size_t guard_proc_children(pid_t parent, pid_t *out, size_t max);

/* guard's own binary as the kernel names it, an absolute path without symlinks (malloc'd; NULL when the kernel
 * does not say). Under a covering mount (exec_rules.c) that is the covered command's path. */
char *guard_proc_self_exe(void);

/* The path this process was started by (execve's first argument, which names a symlink when one was run);
 * NULL where the kernel does not keep it (macOS). */
const char *guard_proc_exec_name(void);

/* An identity of this process's PID namespace: 0 when it cannot be read; macOS, which has one, says 1. */
unsigned long long guard_proc_pid_namespace(void);

/* Name this process for ps and top (best effort). */
void guard_proc_set_name(const char *name);

/* A descriptor that poll(2) reports readable once child exits (Linux: a pidfd; macOS: a kqueue); -1 when the
 * kernel has none (the caller then polls waitpid). */
int guard_proc_exit_fd(pid_t child);

/* target, as named by process pid relative to its root, its working directory (dirfd AT_FDCWD) or its open
 * directory dirfd, spelled as guard can open it; false when it cannot be told. */
bool guard_proc_path_as_seen(pid_t pid, int dirfd, const char *target, char *buf, size_t len);

#endif
