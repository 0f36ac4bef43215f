/* The byte relay between two connected sockets (relay.h): splice through pipes, so the bytes never enter user
 * space. And connecting within a time limit, for the relay's users. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/fdpass.h"
#include "net/relay.h"

int guard_net_connect_within(int fd, const struct sockaddr *sa, socklen_t len, int ms)
{
	guard_fd_nonblock(fd);
	if (connect(fd, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -1;
	struct pollfd p = {fd, POLLOUT, 0};
	int r;
	while ((r = poll(&p, 1, ms)) < 0 && errno == EINTR)
		;
	if (r <= 0) {
		errno = r == 0 ? ETIMEDOUT : errno;
		return -1;
	}
	int err = 0;
	socklen_t el = sizeof err;
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
	errno = err;
	return err ? -1 : 0;
}

#define RELAY_PIPE (1 << 20) /* pipe capacity asked for: fewer splices per megabyte */

void guard_net_relay(int a, int b, unsigned long long *ab, unsigned long long *ba)
{
	int pipes[2][2] = {{-1, -1}, {-1, -1}};
	size_t cap[2], pend[2] = {0, 0};
	bool eof[2] = {false, false}, shut[2] = {false, false}, dead = false;
	int src[2] = {a, b}, dst[2] = {b, a};
	unsigned long long *count[2] = {ab, ba};
	guard_fd_nonblock(a);
	guard_fd_nonblock(b);
	for (int d = 0; d < 2; d++) {
		if (pipe2(pipes[d], O_NONBLOCK | O_CLOEXEC) != 0)
			goto out;
		int sz = fcntl(pipes[d][1], F_GETPIPE_SZ);
		cap[d] = sz > 0 ? (size_t)sz : 65536;
	}
	while (!dead && !(shut[0] && shut[1])) {
		bool progress = false;
		for (int d = 0; d < 2 && !dead; d++) {
			if (!eof[d] && pend[d] < cap[d]) {
				ssize_t k = splice(src[d], NULL, pipes[d][1], NULL, cap[d] - pend[d],
						   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
				if (k > 0) {
					pend[d] += (size_t)k;
					progress = true;
					/* A bulk transfer: a bigger pipe means fewer splices per megabyte. Small exchanges never
					 * pay for it. */
					if (pend[d] == cap[d] && cap[d] < RELAY_PIPE) {
						int sz = fcntl(pipes[d][1], F_SETPIPE_SZ, RELAY_PIPE);
						if (sz > 0)
							cap[d] = (size_t)sz;
					}
				} else if (k == 0) {
					eof[d] = true;
					progress = true;
				} else if (errno != EAGAIN && errno != EINTR) {
					dead = true; /* reset: both directions end */
				}
			}
			if (pend[d] > 0) {
				ssize_t k = splice(pipes[d][0], NULL, dst[d], NULL, pend[d],
						   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
				if (k > 0) {
					pend[d] -= (size_t)k;
					*count[d] += (unsigned long long)k;
					progress = true;
				} else if (k < 0 && errno != EAGAIN && errno != EINTR) {
					dead = true; /* the receiver is gone */
				}
			}
			if (eof[d] && pend[d] == 0 && !shut[d]) {
				shutdown(dst[d], SHUT_WR);
				shut[d] = true;
				progress = true;
			}
		}
		if (progress || dead)
			continue;
		struct pollfd p[2] = {{a, 0, 0}, {b, 0, 0}};
		for (int d = 0; d < 2; d++) {
			if (!eof[d] && pend[d] < cap[d])
				p[d].events |= POLLIN; /* src[d] is p[d] */
			if (pend[d] > 0)
				p[1 - d].events |= POLLOUT;
		}
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		/* A hangup on a descriptor we are not reading (only writing to, or idle) can't be consumed by a splice:
		 * the connection is gone. One we read from ends its direction on the next splice. */
		for (int i = 0; i < 2; i++)
			if ((p[i].revents & (POLLERR | POLLNVAL)) ||
			    ((p[i].revents & POLLHUP) && !(p[i].events & POLLIN)))
				dead = true;
	}
out:
	for (int d = 0; d < 2; d++)
		for (int k = 0; k < 2; k++)
			if (pipes[d][k] >= 0)
				close(pipes[d][k]);
}
