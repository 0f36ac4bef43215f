/* Preparing a session outside the sandbox (session_setup.c). */
#ifndef GUARD_SESSION_SETUP_H
#define GUARD_SESSION_SETUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

uint64_t guard_session_magic(void);       /* random, never 0 */
char *guard_find_shim(void);              /* realpath of libguard.so, or NULL */
char *guard_make_rundir(void);            /* private 0700 dir in $XDG_RUNTIME_DIR or /tmp */
int guard_event_socket(const char *path); /* bound SOCK_DGRAM with SO_PASSCRED */
void guard_remove_rundir(const char *dir);
/* Removes the paths (recursively) once guard is gone, however it ends (kill -9 included): a detached process waits
 * for the returned descriptor's last copy to close. It is close-on-exec: the sandbox's init (no exec) holds one,
 * so the run directory outlives the supervisor only as long as the sandbox does. Keep it open while the paths
 * are in use; -1 when no watcher could be started. The detached process is started by a child that exits at
 * once; waiting for it here cost every session ~2 ms of start-up, so *starter is that child's pid (or -1), for
 * the caller to reap once it is done with the paths. */
int guard_cleanup_watch(char *const *paths, size_t n, pid_t *starter);

#endif
