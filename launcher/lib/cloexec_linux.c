/* The atomic forms: pipe2, SOCK_CLOEXEC and accept4. */
#include <fcntl.h>
#include <sys/socket.h>
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
