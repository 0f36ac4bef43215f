/* Paths as a stopped process named them, made absolute the way the kernel resolves them (proc_path_linux.c).
 *
 * The observer reads a call's path from the process's memory and must judge the file the kernel will reach, not
 * the text: relative to the call's directory descriptor or the process's cwd, and through the magic links of
 * /proc (Bun names files as /proc/self/fd/N/NAME: the directory open as N, then NAME in it). */
#ifndef GUARD_PROC_PATH_H
#define GUARD_PROC_PATH_H

#include <stdbool.h>
#include <sys/types.h>

/* `path` as pid (a thread id in the supervisor's pid namespace) would resolve it: against descriptor `dirfd`
 * (when use_dirfd and it is not AT_FDCWD) or its cwd, with /proc/self, /proc/thread-self and /proc/<pid>'s
 * fd/N, cwd and root links followed, then `.`, `..` and repeated or trailing slashes removed. Returns a new
 * string, or NULL when a link cannot be read (the process is gone, the descriptor closed). *cwd_out (may be
 * NULL) gets the process's cwd (or ""). */
char *guard_proc_path(pid_t pid, bool use_dirfd, long dirfd, const char *path, char **cwd_out);

#endif
