/* Descriptors born close-on-exec, so that no command guard starts inherits one. Linux sets the flag atomically;
 * macOS has neither pipe2 nor SOCK_CLOEXEC and sets it right after (guard forks only from its one thread). */
#ifndef GUARD_CLOEXEC_H
#define GUARD_CLOEXEC_H

#include <stdbool.h>

/* pipe(2), both ends close-on-exec and, with nonblock, non-blocking. 0, or -1 with errno (nothing left open). */
int guard_pipe_cloexec(int p[2], bool nonblock);
/* socket(2) and socketpair(2) with close-on-exec descriptors. */
int guard_socket_cloexec(int domain, int type, int protocol);
int guard_socketpair_cloexec(int domain, int type, int protocol, int sv[2]);

#endif
