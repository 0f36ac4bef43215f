/* guard_event_socket_tune and _recv (event_socket.h) with SO_PASSCRED / SCM_CREDENTIALS. */
#include <string.h>
#include <sys/socket.h>

#include "lib/fdpass.h"
#include "supervisor/event_socket.h"

const char guard_shim_file[] = "libguard.so";

void guard_event_socket_tune(int fd)
{
	int one = 1, size = 8 << 20;
	/* The shim never blocks: a full queue loses events, so make it deep. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
}

long guard_event_socket_recv(int fd, void *buf, size_t len, pid_t *sender)
{
	union {
		char b[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {buf, len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b};
	*sender = 0;
	ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cr;
			memcpy(&cr, CMSG_DATA(c), sizeof cr);
			*sender = cr.pid;
		} else {
			guard_fd_close_passed(c); /* nobody should send us descriptors: drop them */
		}
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return 0;
	return (long)n;
}
