/* Facts about another process that only /proc knows. */
#ifndef GUARD_PROC_H
#define GUARD_PROC_H

#include <sys/types.h>

/* The parent of pid, numbered in the PID namespace of the /proc that guard sees (the host's, for a process
 * inside the sandbox's namespace); 0 when pid is gone or unreadable. */
pid_t guard_proc_parent(pid_t pid);
/* pid as the process numbers itself: the last NSpid of /proc/PID/status (its own PID namespace's number); 0 when
 * pid is gone or unreadable. */
pid_t guard_proc_own_pid(pid_t pid);

#endif
