/* Preparing a session outside the sandbox (session_setup.c). */
#ifndef GUARD_SESSION_SETUP_H
#define GUARD_SESSION_SETUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

uint64_t guard_session_magic(void);          /* random, never 0 */
char *guard_find_shim(void);                 /* realpath of libguard.so, or NULL */
char *guard_make_rundir(void);               /* private 0700 dir in $XDG_RUNTIME_DIR or /tmp */
int guard_event_socket(const char *path);    /* bound SOCK_DGRAM with SO_PASSCRED */
void guard_remove_rundir(const char *dir);

#endif
