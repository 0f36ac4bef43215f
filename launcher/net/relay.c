/* The byte relay between two connected sockets (relay.h), one stage per direction (relay_stage.h: a pipe and
 * splice on Linux, so the bytes never enter user space). And connecting within a time limit, for the relay's
 * users. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/cloexec.h"
#include "net/relay.h"
#include "net/relay_stage.h"

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

void guard_net_relay(int a, int b, unsigned long long *ab, unsigned long long *ba)
{
	struct relay_stage *st[2] = {relay_stage_open(), relay_stage_open()};
	bool eof[2] = {false, false}, shut[2] = {false, false}, dead = !st[0] || !st[1];
	int src[2] = {a, b}, dst[2] = {b, a};
	unsigned long long *count[2] = {ab, ba};
	guard_fd_nonblock(a);
	guard_fd_nonblock(b);
	while (!dead && !(shut[0] && shut[1])) {
		bool progress = false;
		for (int d = 0; d < 2 && !dead; d++) {
			if (!eof[d] && relay_stage_room(st[d]) > 0) {
				ssize_t k = relay_stage_fill(st[d], src[d]);
				if (k > 0) {
					progress = true;
				} else if (k == 0) {
					eof[d] = true;
					progress = true;
				} else if (errno != EAGAIN && errno != EINTR) {
					dead = true; /* reset: both directions end */
				}
			}
			if (relay_stage_pending(st[d]) > 0) {
				ssize_t k = relay_stage_drain(st[d], dst[d]);
				if (k > 0) {
					*count[d] += (unsigned long long)k;
					progress = true;
				} else if (k < 0 && errno != EAGAIN && errno != EINTR) {
					dead = true; /* the receiver is gone */
				}
			}
			if (eof[d] && relay_stage_pending(st[d]) == 0 && !shut[d]) {
				shutdown(dst[d], SHUT_WR);
				shut[d] = true;
				progress = true;
			}
		}
		if (progress || dead)
			continue;
		struct pollfd p[2] = {{a, 0, 0}, {b, 0, 0}};
		for (int d = 0; d < 2; d++) {
			if (!eof[d] && relay_stage_room(st[d]) > 0)
				p[d].events |= POLLIN; /* src[d] is p[d] */
			if (relay_stage_pending(st[d]) > 0)
				p[1 - d].events |= POLLOUT;
		}
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		/* A hangup on a descriptor we are not reading (only writing to, or idle) can't be consumed by a read:
		 * the connection is gone. One we read from ends its direction on the next read. */
		for (int i = 0; i < 2; i++)
			if ((p[i].revents & (POLLERR | POLLNVAL)) ||
			    ((p[i].revents & POLLHUP) && !(p[i].events & POLLIN)))
				dead = true;
	}
	relay_stage_close(st[0]);
	relay_stage_close(st[1]);
}
