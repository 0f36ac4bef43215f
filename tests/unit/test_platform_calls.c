/* The small per-platform functions that stand in for calls one kernel lacks (lib/random, lib/cloexec, lib/proc,
 * lib/errname, lib/rename, plan/glob_each, plan/dir_entries, net/relay_stage, net/proxy_peer): each against the
 * real kernel, on real files, sockets and processes. Neutral: on a Mac the same program tests the *_darwin.c side. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cloexec.h"
#include "lib/fileio.h"
#include "lib/guard.h"
#include "lib/proc.h"
#include "lib/random.h"
#include "net/proxy_peer.h"
#include "net/relay_stage.h"
#include "plan/dir_entries.h"
#include "plan/glob_each.h"
#include "tap.h"

static char root[PATH_MAX / 2];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void touch(const char *rel)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/%s", root, rel);
	int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
}

struct found {
	char all[4096];
	int n;
};

static void collect_path(const char *path, void *ctx)
{
	struct found *f = ctx;
	const char *rel = path + strlen(root);
	size_t len = strlen(f->all);
	snprintf(f->all + len, sizeof f->all - len, "%s;", rel);
	f->n++;
}

struct entries {
	int n, dots, dirs;
	bool inode_ok;
	int dirfd;
};

static void collect_entry(const char *name, unsigned char type, ino_t ino, void *ctx)
{
	struct entries *e = ctx;
	if (!strcmp(name, ".") || !strcmp(name, "..")) {
		e->dots++;
		return;
	}
	e->n++;
	e->dirs += type == DT_DIR;
	struct stat st;
	if (fstatat(e->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_ino != ino)
		e->inode_ok = false;
}

static bool cloexec(int fd)
{
	return (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
}

static bool nonblock(int fd)
{
	return (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0;
}

int main(int argc, char **argv)
{
	(void)argc;
	snprintf(root, sizeof root, "%s/guard-calls-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(root))
		return 1;
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/d", root);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/d/sub", root);
	mkdir(p, 0755);
	touch("d/.hidden");
	touch("d/visible");
	touch("d/sub/x");

	/* glob_each: a policy's `*` matches hidden names; "." and ".." are never grants */
	struct found f = {0};
	snprintf(p, sizeof p, "%s/d/*", root);
	guard_glob_each(p, collect_path, &f);
	TAP_OK(f.n == 3 && strstr(f.all, "/d/.hidden;") && strstr(f.all, "/d/visible;") && strstr(f.all, "/d/sub;"),
	       "glob_each: * matches hidden and visible names, not . or .. (%s)", f.all);
	memset(&f, 0, sizeof f);
	snprintf(p, sizeof p, "%s/*/sub/x", root);
	guard_glob_each(p, collect_path, &f);
	TAP_OK(f.n == 1 && !strcmp(f.all, "/d/sub/x;"), "glob_each: a wildcard in a middle component (%s)", f.all);
	memset(&f, 0, sizeof f);
	snprintf(p, sizeof p, "%s/d/nothing*", root);
	guard_glob_each(p, collect_path, &f);
	TAP_OK(f.n == 0, "glob_each: no match calls nothing");

	/* dir_entries: every entry once, with its type and the inode stat(2) reports */
	snprintf(p, sizeof p, "%s/d", root);
	struct entries e = {.inode_ok = true};
	e.dirfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	guard_dir_entries(e.dirfd, collect_entry, &e);
	TAP_OK(e.n == 3 && e.dirs == 1 && e.dots == 2 && e.inode_ok,
	       "dir_entries: 3 entries (1 directory) plus . and .., inodes as stat says (%d, %d, %d)", e.n, e.dirs,
	       e.dots);
	TAP_OK(fcntl(e.dirfd, F_GETFD) >= 0, "dir_entries: the caller's descriptor stays open");
	close(e.dirfd);

	/* cloexec */
	int pp[2];
	TAP_OK(guard_pipe_cloexec(pp, false) == 0 && cloexec(pp[0]) && cloexec(pp[1]) && !nonblock(pp[0]),
	       "pipe_cloexec: both ends close-on-exec, blocking");
	close(pp[0]), close(pp[1]);
	TAP_OK(guard_pipe_cloexec(pp, true) == 0 && nonblock(pp[0]) && nonblock(pp[1]),
	       "pipe_cloexec: non-blocking when asked");
	close(pp[0]), close(pp[1]);
	int s = guard_socket_cloexec(AF_UNIX, SOCK_DGRAM, 0);
	TAP_OK(s >= 0 && cloexec(s), "socket_cloexec");
	close(s);
	int sv[2];
	TAP_OK(guard_socketpair_cloexec(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && cloexec(sv[0]) && cloexec(sv[1]),
	       "socketpair_cloexec");
	close(sv[0]), close(sv[1]);
	struct sockaddr_in lo = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t lol = sizeof lo;
	int ls = guard_socket_cloexec(AF_INET, SOCK_STREAM, 0), cs = guard_socket_cloexec(AF_INET, SOCK_STREAM, 0);
	bool up = ls >= 0 && cs >= 0 && bind(ls, (struct sockaddr *)&lo, sizeof lo) == 0 && listen(ls, 1) == 0 &&
		  getsockname(ls, (struct sockaddr *)&lo, &lol) == 0 && connect(cs, (struct sockaddr *)&lo, lol) == 0;
	int as = up ? guard_accept_cloexec(ls) : -1;
	TAP_OK(as >= 0 && cloexec(as) && !nonblock(as), "accept_cloexec: the connection, close-on-exec, blocking");
	guard_fd_nonblock(cs);
	guard_fd_nonblock(cs);
	TAP_OK(cs >= 0 && nonblock(cs), "fd_nonblock: set, and setting it again keeps it");
	close(as), close(cs), close(ls);

	/* relay_stage: one direction of a relay, from a socket to a socket */
	int in[2], out[2];
	struct relay_stage *st = relay_stage_open();
	if (st && guard_socketpair_cloexec(AF_UNIX, SOCK_STREAM, 0, in) == 0 &&
	    guard_socketpair_cloexec(AF_UNIX, SOCK_STREAM, 0, out) == 0) {
		guard_fd_nonblock(in[1]);
		guard_fd_nonblock(out[0]);
		size_t room = relay_stage_room(st);
		errno = 0;
		TAP_OK(room >= 4096 && relay_stage_pending(st) == 0 && relay_stage_fill(st, in[1]) == -1 &&
			       errno == EAGAIN,
		       "relay_stage: empty, with room (%zu); nothing to read yet is EAGAIN", room);
		char got[16] = "";
		bool moved = write(in[0], "hello", 5) == 5 && relay_stage_fill(st, in[1]) == 5 &&
			     relay_stage_pending(st) == 5 && relay_stage_drain(st, out[0]) == 5 &&
			     relay_stage_pending(st) == 0 && read(out[1], got, sizeof got) == 5;
		TAP_OK(moved && !memcmp(got, "hello", 5), "relay_stage: bytes in, the same bytes out");
		close(in[0]);
		TAP_OK(relay_stage_fill(st, in[1]) == 0, "relay_stage: the end of the stream reads as 0");
		close(in[1]), close(out[0]), close(out[1]);
	} else {
		TAP_OK(0, "relay_stage: opened (%s)", strerror(errno));
	}
	relay_stage_close(st);

	/* proxy_pipe_room: a pipe with room, then a full one */
	TAP_OK(guard_pipe_cloexec(pp, true) == 0 && proxy_pipe_room(pp[1], 100),
	       "proxy_pipe_room: an empty pipe has room");
	char fill[512] = {0};
	while (write(pp[1], fill, sizeof fill) > 0)
		;
	TAP_OK(!proxy_pipe_room(pp[1], 100), "proxy_pipe_room: a full pipe has none");
	close(pp[0]), close(pp[1]);

	/* rename_noreplace */
	char a[PATH_MAX], b[PATH_MAX];
	snprintf(a, sizeof a, "%s/d/visible", root);
	snprintf(b, sizeof b, "%s/d/.hidden", root);
	errno = 0;
	TAP_OK(guard_rename_noreplace(a, b) == -1 && errno == EEXIST && access(a, F_OK) == 0,
	       "rename_noreplace: an existing target is kept (EEXIST)");
	snprintf(b, sizeof b, "%s/d/moved", root);
	TAP_OK(guard_rename_noreplace(a, b) == 0 && access(b, F_OK) == 0 && access(a, F_OK) != 0,
	       "rename_noreplace: a free target is taken");

	/* random */
	unsigned char r1[16] = {0}, r2[16] = {0};
	TAP_OK(guard_random_bytes(r1, sizeof r1, true) == 0 && guard_random_bytes(r2, sizeof r2, false) == 0 &&
		       memcmp(r1, r2, sizeof r1) != 0,
	       "random_bytes: two draws differ");

	/* errno names */
	char buf[32];
	TAP_OK(!strcmp(guard_errno_name(EACCES, buf, sizeof buf), "EACCES") &&
		       !strcmp(guard_errno_name(EXDEV, buf, sizeof buf), "EXDEV"),
	       "errno_name: EACCES, EXDEV");
	TAP_OK(!strcmp(guard_errno_name(99999, buf, sizeof buf), "E99999"), "errno_name: an unknown one by number");

	/* proc */
	char *self = guard_proc_self_exe(), *want = realpath(argv[0], NULL);
	TAP_OK(self && want && !strcmp(self, want), "proc_self_exe: this program (%s)", self ? self : "(null)");
	free(self), free(want);
	TAP_OK(guard_proc_parent(getpid()) == getppid(), "proc_parent: our parent");
	TAP_OK(guard_proc_pid_namespace() != 0, "proc_pid_namespace: known");

	pid_t kids[2];
	for (int i = 0; i < 2; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			pause();
			_exit(0);
		}
	}
	pid_t seen[16];
	size_t n = guard_proc_children(getpid(), seen, 16);
	int hits = 0;
	for (size_t i = 0; i < n; i++)
		hits += seen[i] == kids[0] || seen[i] == kids[1];
	TAP_OK(hits == 2, "proc_children: both children found (%zu listed)", n);

	int efd = guard_proc_exit_fd(kids[0]);
	struct pollfd pf = {efd, POLLIN, 0};
	if (efd < 0 && getenv("GUARD_UNDER_VALGRIND")) {
		/* valgrind 3.19 answers pidfd_open with ENOSYS: the caller's waitpid fallback is what runs there */
		TAP_SKIP("valgrind does not know pidfd_open", "proc_exit_fd: not readable while the child lives");
		TAP_SKIP("valgrind does not know pidfd_open", "proc_exit_fd: readable once it exits");
		kill(kids[0], SIGKILL);
	} else {
		TAP_OK(efd >= 0 && poll(&pf, 1, 0) == 0, "proc_exit_fd: not readable while the child lives");
		kill(kids[0], SIGKILL);
		TAP_OK(efd >= 0 && poll(&pf, 1, -1) == 1 && (pf.revents & POLLIN),
		       "proc_exit_fd: readable once it exits");
	}
	if (efd >= 0)
		close(efd);
	kill(kids[1], SIGKILL);
	waitpid(kids[0], NULL, 0);
	waitpid(kids[1], NULL, 0);

	nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
