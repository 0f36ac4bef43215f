/* The process behind a proxy connection on macOS (proxy_peer.h): not told. macOS has no way for guard to take a
 * duplicate of another process's descriptor (nothing like pidfd_getfd; task_for_pid needs an entitlement), and
 * opening the path behind its stderr would let the sandbox aim guard's write at a file it may only read. The
 * refusal still explains itself in the answer: the 403 body and its X-Guard-Denied header, SOCKS reply 2. */
#include <sys/ioctl.h>
#include <sys/filio.h>

#include "net/proxy_peer.h"

pid_t proxy_peer_pid(int cfd)
{
	(void)cfd;
	return 0;
}

void proxy_peer_exe(pid_t pid, char *out, size_t len)
{
	(void)pid;
	if (len)
		out[0] = 0;
}

int proxy_peer_stderr(pid_t pid)
{
	(void)pid;
	return -1;
}

/* A pipe starts with 16 KiB on macOS and grows only while writers keep it full: count on the 16 KiB. */
bool proxy_pipe_room(int fd, size_t len)
{
	int used = 0;
	return ioctl(fd, FIONREAD, &used) == 0 && used >= 0 && (size_t)used + len <= 16384;
}
