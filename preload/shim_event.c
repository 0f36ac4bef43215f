/* See shim_event.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "shim_event.h"
#include "shim_magic.h"
#include "shim_state.h"
#include "shim_sys.h"

/* The supervisor drains its socket continuously, but a unix datagram queue holds only
 * net.unix.max_dgram_qlen (10 by default) datagrams, and every reader dequeue wakes every waiting sender: 200
 * processes starting at once on 2 CPUs needed several hundred ms to get through. So when the queue is full we
 * wait for room, up to this long per event; after one timeout we stop waiting until a send succeeds again (a
 * stopped supervisor must not stall every call). */
#define WAIT_BUDGET_NS (1000L * 1000 * 1000)
#define FD_FLOOR 100 /* keep our fd out of the low numbers a daemon or a shell expects to get back */

static pthread_mutex_t sock_lock = PTHREAD_MUTEX_INITIALIZER;
static int sock_fd = -1; /* published last (release), after sock_dev/sock_ino */
static dev_t sock_dev;
static ino_t sock_ino;
static int congested;

static bool is_ours(int fd, dev_t dev, ino_t ino)
{
	struct stat st;
	return fd >= 0 && !shim_sys_failed(shim_sys2(SYS_fstat, fd, &st)) && S_ISSOCK(st.st_mode) && st.st_dev == dev &&
	       st.st_ino == ino;
}

/* A connected datagram socket on a high fd (connect carries the magic: the observer lets it through). */
static int make_socket(dev_t *dev, ino_t *ino)
{
	long fd = shim_sys3(SYS_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (shim_sys_failed(fd))
		return -1;
	struct rlimit rl;
	if (!shim_sys_failed(shim_sys4(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl)) && rl.rlim_cur > 2 * FD_FLOOR &&
	    fd < FD_FLOOR) {
		long hi = shim_sys3(SYS_fcntl, fd, F_DUPFD_CLOEXEC, FD_FLOOR);
		if (!shim_sys_failed(hi)) {
			shim_sys1(SYS_close, fd);
			fd = hi;
		}
	}
	int sndbuf = 1 << 20;
	shim_sys5(SYS_setsockopt, fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	struct stat st;
	if (shim_sys_failed(shim_sys6(SYS_connect, fd, (long)&shim.ev_addr, shim.ev_addrlen, (long)shim.magic, 0, 0)) ||
	    shim_sys_failed(shim_sys2(SYS_fstat, fd, &st))) {
		shim_sys1(SYS_close, fd);
		return -1;
	}
	*dev = st.st_dev;
	*ino = st.st_ino;
	return (int)fd;
}

static long now_ns(void)
{
	struct timespec ts;
	shim_sys2(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* 0, or -errno. */
static long send_one(int fd, const void *buf, size_t len, bool may_store)
{
	long deadline = 0;
	for (;;) {
		long r = shim_sys6(SYS_sendto, fd, (long)buf, (long)len, MSG_DONTWAIT | MSG_NOSIGNAL, 0, 0);
		if (r >= 0) {
			if (may_store && __atomic_load_n(&congested, __ATOMIC_RELAXED))
				__atomic_store_n(&congested, 0, __ATOMIC_RELAXED);
			return 0;
		}
		if (r == -EINTR)
			continue;
		if (r != -EAGAIN)
			return r;
		if (__atomic_load_n(&congested, __ATOMIC_RELAXED))
			return r;
		long t = now_ns();
		if (!deadline)
			deadline = t + WAIT_BUDGET_NS;
		if (t >= deadline) {
			if (may_store)
				__atomic_store_n(&congested, 1, __ATOMIC_RELAXED);
			return r;
		}
		/* Room in the supervisor's queue makes a connected datagram socket writable. */
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		long ms = (deadline - t) / 1000000 + 1;
		shim_sys3(SYS_poll, &p, 1, ms > 10 ? 10 : ms);
	}
}

static void send_datagram(const void *buf, size_t len)
{
	bool may_store = !shim_tls_vfork;
	int fd = __atomic_load_n(&sock_fd, __ATOMIC_ACQUIRE);
	if (is_ours(fd, sock_dev, sock_ino)) {
		long r = send_one(fd, buf, len, may_store);
		/* Refused: the supervisor's socket was replaced; reconnect once below. */
		if (r != -ECONNREFUSED && r != -ENOTCONN && r != -ECONNRESET)
			return;
	}
	if (!may_store) {
		/* Between vfork and exec: a socket of our own for this one datagram. */
		dev_t dev;
		ino_t ino;
		int tmp = make_socket(&dev, &ino);
		if (tmp >= 0) {
			send_one(tmp, buf, len, false);
			shim_sys1(SYS_close, tmp);
		}
		return;
	}
	pthread_mutex_lock(&sock_lock);
	fd = sock_fd;
	long r = -EBADF;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (!is_ours(fd, sock_dev, sock_ino) || attempt) {
			/* Gone (closed, dup2'd over, or refused): never close a number that may now be the program's,
			 * unless it is still our socket. */
			if (attempt && is_ours(fd, sock_dev, sock_ino))
				shim_sys1(SYS_close, fd);
			dev_t dev = 0;
			ino_t ino = 0;
			fd = make_socket(&dev, &ino);
			sock_dev = dev;
			sock_ino = ino;
			__atomic_store_n(&sock_fd, fd, __ATOMIC_RELEASE);
			if (fd < 0)
				break;
		}
		r = send_one(fd, buf, len, true);
		if (r != -ECONNREFUSED && r != -ENOTCONN && r != -ECONNRESET)
			break;
	}
	pthread_mutex_unlock(&sock_lock);
}

void shim_event_prepare(void)
{
	if (!shim.logging || shim_tls_vfork)
		return;
	int saved = errno;
	if (!is_ours(__atomic_load_n(&sock_fd, __ATOMIC_ACQUIRE), sock_dev, sock_ino)) {
		pthread_mutex_lock(&sock_lock);
		if (!is_ours(sock_fd, sock_dev, sock_ino)) {
			dev_t dev = 0;
			ino_t ino = 0;
			int fd = make_socket(&dev, &ino);
			sock_dev = dev;
			sock_ino = ino;
			__atomic_store_n(&sock_fd, fd, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&sock_lock);
	}
	errno = saved;
}

void shim_event_child(void)
{
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
	memcpy(&sock_lock, &fresh, sizeof sock_lock);
}

void shim_event_emit(const struct shim_ev *e)
{
	if (!shim.logging)
		return;
	char buf[GUARD_EVENT_MAX];
	struct guard_event ev = {
		.op = e->op,
		.origin = GUARD_ORIGIN_SHIM,
		.flags = e->flags,
		.err = e->err,
		.pid = (int)shim_sys0(SYS_getpid),
		.ppid = (int)shim_sys0(SYS_getppid),
		.rule = e->rule,
		.session = shim.magic,
		.path = e->path,
		.path2 = e->path2,
		.cwd = e->cwd,
	};
	size_t n = guard_event_encode(buf, sizeof buf, &ev, e->argv);
	if (n)
		send_datagram(buf, n);
}
