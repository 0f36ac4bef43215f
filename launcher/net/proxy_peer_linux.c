/* The process behind a proxy connection, the Linux way (proxy_peer.h). The client's socket is found the kernel's
 * way: its inode in the TCP table of the connection's network namespace (/proc/PID/net/tcp of a process in that
 * namespace), then the process with that inode among its descriptors; its stderr is duplicated with pidfd_getfd. */
#include <dirent.h>
#include <errno.h>
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

/* The inode of the socket whose local end is `local` and remote end `remote` in this TCP table; 0 when none. */
static unsigned long table_inode(const char *table, const char *local, const char *remote)
{
	FILE *f = fopen(table, "re");
	char line[512];
	unsigned long ino = 0;
	while (f && !ino && fgets(line, sizeof line, f)) {
		char l[64], r[64];
		unsigned long inode;
		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, " %*s %63s %63s %*s %*s %*s %*s %*s %*s %lu", l, r, &inode) == 3 &&
		    strcmp(l, local) == 0 && strcmp(r, remote) == 0)
			ino = inode;
	}
	if (f)
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

/* Is pid one of ours (guard is the subreaper of what the session leaves behind)? */
static bool descendant(pid_t pid)
{
	pid_t self = getpid();
	for (int depth = 0; pid > 1 && depth < 256; depth++) {
		pid = guard_proc_parent(pid);
		if (pid == self)
			return true;
	}
	return false;
}

/* The pid (host's numbering) of the session's process holding the client's end of cfd; 0 when none. */
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
	char local[80], remote[80], want[48];
	endpoint_text(&peer, local, sizeof local);
	endpoint_text(&self, remote, sizeof remote);
	unsigned long ino = 0;
	pid_t found = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && !found && (e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		char path[300];
		struct stat st;
		snprintf(path, sizeof path, "/proc/%s/ns/net", e->d_name);
		if (stat(path, &st) != 0 || st.st_ino != ns.st_ino || st.st_dev != ns.st_dev)
			continue;
		if (!ino) {
			snprintf(path, sizeof path, "/proc/%s/net/%s", e->d_name,
				 peer.ss_family == AF_INET ? "tcp" : "tcp6");
			ino = table_inode(path, local, remote);
			if (!ino)
				break; /* not in the table: the client is gone */
			snprintf(want, sizeof want, "socket:[%lu]", ino);
		}
		if (holds_socket(e->d_name, want))
			found = (pid_t)atoi(e->d_name);
	}
	if (d)
		closedir(d);
	/* The host's namespace (Landlock-only): other programs reach the proxy's port too; tell only the session's. */
	if (found && host_ns && !descendant(found))
		found = 0;
	return found;
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
