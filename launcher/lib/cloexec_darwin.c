/* macOS has no pipe2, no SOCK_CLOEXEC and no accept4: the flags follow the call. */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/cloexec.h"

static int set_flags(int fd, bool nonblock)
{
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0)
		return -1;
	if (nonblock) {
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
			return -1;
	}
	return 0;
}

static int close_both(int p[2])
{
	int err = errno;
	close(p[0]);
	close(p[1]);
	errno = err;
	return -1;
}

int guard_pipe_cloexec(int p[2], bool nonblock)
{
	if (pipe(p) != 0)
		return -1;
	if (set_flags(p[0], nonblock) != 0 || set_flags(p[1], nonblock) != 0)
		return close_both(p);
	return 0;
}

/* A new descriptor (or -1 as the call returned it) made close-on-exec, or closed when that fails. */
static int cloexec_or_close(int fd)
{
	if (fd >= 0 && set_flags(fd, false) != 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

int guard_socket_cloexec(int domain, int type, int protocol)
{
	return cloexec_or_close(socket(domain, type, protocol));
}

int guard_socketpair_cloexec(int domain, int type, int protocol, int sv[2])
{
	if (socketpair(domain, type, protocol, sv) != 0)
		return -1;
	if (set_flags(sv[0], false) != 0 || set_flags(sv[1], false) != 0)
		return close_both(sv);
	return 0;
}

int guard_accept_cloexec(int listen_fd)
{
	return cloexec_or_close(accept(listen_fd, NULL, NULL));
}

/* macOS has no close_range: one close per descriptor the process may have. */
void guard_close_from(int low, int keep)
{
	int top = getdtablesize();
	for (int fd = low; fd < top; fd++)
		if (fd != keep)
			close(fd);
}
