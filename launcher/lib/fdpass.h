/* Descriptors handed between processes over a unix socket (SCM_RIGHTS), one tagged byte per message: the
 * sandbox's init hands the proxy's listening socket and sockets made inside its network namespace to the
 * supervisor, the command's child hands the observer's seccomp listener. In lib/ because both sides of that
 * floor plan use it: net/ and supervisor/, and sandbox/linux/ above them. */
#ifndef GUARD_FDPASS_H
#define GUARD_FDPASS_H

struct cmsghdr;

/* Send one byte `tag` and, when fd >= 0, the descriptor with it (retried on EINTR; no SIGPIPE). 0, or -1 with
 * errno. */
int guard_fd_send(int sock, char tag, int fd);
/* Receive one message: its tag (0 when the peer is gone or on error) and at most one descriptor in *fd (-1: none;
 * close-on-exec; any further descriptors are closed). */
char guard_fd_recv(int sock, int *fd);
/* Close every descriptor an SCM_RIGHTS control message carries (one that nobody should have sent). */
void guard_fd_close_passed(const struct cmsghdr *c);

#endif
