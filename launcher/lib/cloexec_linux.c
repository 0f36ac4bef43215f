/* The atomic forms: pipe2, SOCK_CLOEXEC and accept4; close_range. */
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cloexec.h"

int guard_pipe_cloexec(int p[2], bool nonblock)
{
	return pipe2(p, O_CLOEXEC | (nonblock ? O_NONBLOCK : 0));
}

int guard_socket_cloexec(int domain, int type, int protocol)
{
	return socket(domain, type | SOCK_CLOEXEC, protocol);
}

int guard_socketpair_cloexec(int domain, int type, int protocol, int sv[2])
{
	return socketpair(domain, type | SOCK_CLOEXEC, protocol, sv);
}

int guard_accept_cloexec(int listen_fd)
{
	return accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
}

/* close_range (Linux 5.9) in one call; before it, one close per possible descriptor. */
static void close_span(unsigned from, unsigned to)
{
	if (from > to || syscall(SYS_close_range, from, to, 0U) == 0)
		return;
	struct rlimit rl;
	unsigned top = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ? (unsigned)rl.rlim_cur : 65536;
	for (unsigned fd = from; fd <= to && fd < top; fd++)
		close((int)fd);
}

void guard_close_from(int low, int keep)
{
	if (keep >= low) {
		close_span((unsigned)low, (unsigned)keep - 1);
		close_span((unsigned)keep + 1, ~0U);
	} else {
		close_span((unsigned)low, ~0U);
	}
}
