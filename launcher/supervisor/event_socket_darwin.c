/* guard_event_socket_tune and _recv (event_socket.h). macOS passes no credentials with a datagram, and its
 * recvmsg has no MSG_CMSG_CLOEXEC: descriptors a sender attached are closed right away. */
#include <sys/socket.h>
#include <unistd.h>

#include "supervisor/event_socket.h"

const char guard_shim_file[] = "libguard.dylib";

void guard_event_socket_tune(int fd)
{
	/* The shim never blocks: a full queue loses events, so make it as deep as the system allows. */
	for (int size = 8 << 20; size >= 64 << 10; size /= 2)
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) == 0)
			break;
}

long guard_event_socket_recv(int fd, void *buf, size_t len, pid_t *sender)
{
	union {
		char b[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {buf, len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b};
	*sender = 0;
	ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
	if (n < 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			for (const int *p = (const int *)CMSG_DATA(c);
			     (const char *)(p + 1) <= (const char *)c + c->cmsg_len; p++)
				close(*p);
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return 0;
	return (long)n;
}
