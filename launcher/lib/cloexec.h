/* Descriptors born close-on-exec, so that no command guard starts inherits one. Linux sets the flag atomically;
 * macOS has neither pipe2, SOCK_CLOEXEC nor accept4 and sets it right after: guard forks only from its one thread,
 * and the threads that accept (the network proxy) start after the session's command was forked. */
#ifndef GUARD_CLOEXEC_H
#define GUARD_CLOEXEC_H

#include <stdbool.h>

/* pipe(2), both ends close-on-exec and, with nonblock, non-blocking. 0, or -1 with errno (nothing left open). */
int guard_pipe_cloexec(int p[2], bool nonblock);
/* socket(2) and socketpair(2) with close-on-exec descriptors. */
int guard_socket_cloexec(int domain, int type, int protocol);
int guard_socketpair_cloexec(int domain, int type, int protocol, int sv[2]);
/* accept(2) of a connection, close-on-exec (the peer's address is not asked for): the descriptor, or -1 with errno. */
int guard_accept_cloexec(int listen_fd);

/* Close every descriptor from `low` up but `keep` (-1: none): a helper process that must hold nothing else. */
void guard_close_from(int low, int keep);

/* Make fd non-blocking (a no-op when it is already): cloexec.c, the same on every platform. */
void guard_fd_nonblock(int fd);

#endif
