/* The process behind a proxy connection, the Linux way (proxy_peer.h): which process of the session sent the
 * request, as the kernel tells it, and a duplicate of its stderr.
 *
 * Requests reach the proxy over TCP on a loopback address: in namespaces mode the sandbox's own loopback, inside
 * its network namespace; in Landlock-only mode the host's. There are no peer credentials to ask for (SO_PEERCRED
 * answers for unix sockets only, and HTTP clients speak to a proxy over TCP). The kernel still names the client's
 * socket: its inode in the TCP table of the connection's network namespace (/proc/PID/net/tcp of a process in it),
 * found by the connection's two endpoints; then the process that holds that inode among its descriptors
 * (/proc/PID/fd). Only the session's processes are looked at: in namespaces mode those in the sandbox's network
 * namespace, in Landlock-only mode guard's descendants (read from /proc in one pass), so another program on the
 * host reaching the proxy's port is never named, and the cost follows the session's size.
 *
 * What this names is the process holding the client's end when the request arrived: the one that connected, or
 * one it handed the socket to (inherited, or passed over a unix socket); when several hold it, the first in
 * /proc's order. A client gone before its first byte was read is named by no one. Its stderr is taken with
 * pidfd_getfd, never by opening a path (proxy_tell.c says why). */
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "lib/guard.h"
#include "lib/proc.h"
#include "net/proxy_peer.h"

/* "0100007F:D431" as /proc/net/tcp writes an IPv4 endpoint (tcp6: 32 hex digits, each 32-bit word in host order). */
static void endpoint_text(const struct sockaddr_storage *ss, char *out, size_t len)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		snprintf(out, len, "%08X:%04X", in->sin_addr.s_addr, ntohs(in->sin_port));
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
		uint32_t w[4];
		memcpy(w, &in6->sin6_addr, 16);
		snprintf(out, len, "%08X%08X%08X%08X:%04X", w[0], w[1], w[2], w[3], ntohs(in6->sin6_port));
	}
}

#define NO_TABLE ((unsigned long)-1)

/* The inode of the socket whose local end is `local` and remote end `remote` in this TCP table; 0 when none,
 * NO_TABLE when the table cannot be read (its process is gone). */
static unsigned long table_inode(const char *table, const char *local, const char *remote)
{
	FILE *f = fopen(table, "re");
	if (!f)
		return NO_TABLE;
	char line[512];
	unsigned long ino = 0;
	while (!ino && fgets(line, sizeof line, f)) {
		char l[64], r[64];
		unsigned long inode;
		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode; a busy table (sockets in TIME_WAIT) holds
		 * thousands of lines: only the one naming this endpoint is parsed */
		if (strstr(line, local) &&
		    sscanf(line, " %*s %63s %63s %*s %*s %*s %*s %*s %*s %lu", l, r, &inode) == 3 &&
		    strcmp(l, local) == 0 && strcmp(r, remote) == 0)
			ino = inode;
	}
	fclose(f);
	return ino;
}

static bool holds_socket(const char *pid, const char *want)
{
	char dir[300];
	snprintf(dir, sizeof dir, "/proc/%s/fd", pid);
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;
	while (d && !found && (e = readdir(d))) {
		char path[600], link[64];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		ssize_t n = readlink(path, link, sizeof link - 1);
		if (n > 0) {
			link[n] = 0;
			found = strcmp(link, want) == 0;
		}
	}
	if (d)
		closedir(d);
	return found;
}

struct parent {
	pid_t pid, ppid;
};

static int by_pid(const void *a, const void *b)
{
	pid_t x = ((const struct parent *)a)->pid, y = ((const struct parent *)b)->pid;
	return (x > y) - (x < y);
}

/* Is v[i] a descendant of `self`? mark: 0 not yet known, 1 yes, 2 no (filled along the way). */
static bool descends(const struct parent *v, size_t n, unsigned char *mark, size_t i, pid_t self)
{
	size_t chain[256], k = 0;
	unsigned char answer = 2;
	while (k < sizeof chain / sizeof *chain) {
		if (mark[i]) {
			answer = mark[i];
			break;
		}
		chain[k++] = i;
		if (v[i].ppid == self) {
			answer = 1;
			break;
		}
		struct parent key = {v[i].ppid, 0};
		const struct parent *up = bsearch(&key, v, n, sizeof *v, by_pid);
		if (!up)
			break;
		i = (size_t)(up - v);
	}
	while (k)
		mark[chain[--k]] = answer;
	return answer == 1;
}

/* The pids to look at (malloc'd, *n of them): the processes in the connection's network namespace `ns`, or,
 * in the host's namespace, guard's descendants. */
static pid_t *candidates(const struct stat *ns, bool host_ns, size_t *n)
{
	struct parent *v = NULL;
	size_t k = 0, cap = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		pid_t pid = (pid_t)atoi(e->d_name), ppid = 0;
		if (host_ns) {
			if (!(ppid = guard_proc_parent(pid)))
				continue;
		} else {
			char path[64];
			struct stat st;
			snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
			if (stat(path, &st) != 0 || st.st_ino != ns->st_ino || st.st_dev != ns->st_dev)
				continue;
		}
		if (k == cap)
			v = guard_xrealloc(v, (cap = cap ? cap * 2 : 256) * sizeof *v);
		v[k++] = (struct parent){pid, ppid};
	}
	if (d)
		closedir(d);
	pid_t *out = guard_xrealloc(NULL, (k ? k : 1) * sizeof *out);
	*n = 0;
	if (host_ns && k) {
		qsort(v, k, sizeof *v, by_pid);
		unsigned char *mark = calloc(k, 1);
		pid_t self = getpid();
		for (size_t i = 0; mark && i < k; i++)
			if (descends(v, k, mark, i, self))
				out[(*n)++] = v[i].pid;
		free(mark);
	} else {
		for (size_t i = 0; i < k; i++)
			out[(*n)++] = v[i].pid;
	}
	free(v);
	return out;
}

pid_t proxy_peer_pid(int cfd)
{
	struct sockaddr_storage peer, self;
	socklen_t pl = sizeof peer, sl = sizeof self;
	if (getpeername(cfd, (struct sockaddr *)&peer, &pl) != 0 ||
	    getsockname(cfd, (struct sockaddr *)&self, &sl) != 0 ||
	    (peer.ss_family != AF_INET && peer.ss_family != AF_INET6))
		return 0;
	/* The connection's namespace: SIOCGSKNS needs CAP_NET_ADMIN over it, which the supervisor has over the
	 * sandbox's own (it made its user namespace) but not over the host's, where Landlock-only mode's proxy
	 * listens: that one is the supervisor's own. */
	int nsfd = ioctl(cfd, SIOCGSKNS);
	struct stat ns;
	bool host_ns = nsfd < 0;
	bool have_ns = !host_ns ? fstat(nsfd, &ns) == 0 : stat("/proc/self/ns/net", &ns) == 0;
	if (nsfd >= 0)
		close(nsfd);
	if (!have_ns)
		return 0;
	char local[80], remote[80], want[48], path[64];
	endpoint_text(&peer, local, sizeof local);
	endpoint_text(&self, remote, sizeof remote);
	size_t n;
	pid_t *pids = candidates(&ns, host_ns, &n), found = 0;
	unsigned long ino = 0;
	/* Newest first: the client is usually the program just started (a curl, an npm); the session's init and
	 * shells, with their long-lived descriptors, come last. */
	for (size_t j = n; j-- > 0 && !found;) {
		size_t i = j;
		if (!ino) {
			snprintf(path, sizeof path, "/proc/%d/net/%s", (int)pids[i],
				 peer.ss_family == AF_INET ? "tcp" : "tcp6");
			ino = table_inode(path, local, remote);
			if (ino == NO_TABLE) {
				ino = 0;
				continue;
			}
			if (!ino)
				break; /* not in the table: the client is gone */
			snprintf(want, sizeof want, "socket:[%lu]", ino);
		}
		snprintf(path, sizeof path, "%d", (int)pids[i]);
		if (holds_socket(path, want))
			found = pids[i];
	}
	free(pids);
	return found;
}

void proxy_peer_exe(pid_t pid, char *out, size_t len)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
	ssize_t k = pid > 0 && len ? readlink(path, out, len - 1) : -1;
	if (len)
		out[k > 0 ? k : 0] = 0;
}

int proxy_peer_stderr(pid_t pid)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -1;
	int fd = (int)syscall(SYS_pidfd_getfd, pidfd, 2, 0);
	close(pidfd);
	return fd;
}

bool proxy_pipe_room(int fd, size_t len)
{
	int used = 0, cap = fcntl(fd, F_GETPIPE_SZ);
	return cap > 0 && ioctl(fd, FIONREAD, &used) == 0 && cap - used >= 0 && (size_t)(cap - used) >= len;
}
