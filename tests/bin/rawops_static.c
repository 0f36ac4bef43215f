/* rawops_static OP ARGS...: file operations with raw system calls, for attack tests.
 *
 * Statically linked, no libc file wrappers: no LD_PRELOAD shim sees these calls, only the kernel boundary decides.
 *   read PATH                       print the file
 *   path PATH                       open PATH with O_PATH (names it: nothing read), silent
 *   openat2 DIR REL FLAGS           open REL under DIR with RESOLVE_* FLAGS (comma list of beneath, in_root,
 *                                   no_symlinks, no_magiclinks, no_xdev, cached; or "none") and print it
 *   write PATH TEXT                 create or truncate PATH and write TEXT
 *   rename OLD NEW | exchange A B   renameat2 (exchange: RENAME_EXCHANGE)
 *   link OLD NEW | symlink TARGET LINK
 *   unlink PATH | rmdir PATH | mkdir PATH
 *   truncate PATH LENGTH
 *   connect PATH                    connect a stream unix socket to PATH
 *   spin PATH                       open and close PATH until killed (a caller always inside a watched call)
 * Success: exit 0, silent except for read/openat2. Failure: "rawops_static: OP ARG: <strerror> (ENAME)" on stderr,
 * exit 1; bad usage: exit 2. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static const char *op;

static int fail(const char *what, int err)
{
	fprintf(stderr, "rawops_static: %s %s: %s (%s)\n", op, what, strerror(err), strerrorname_np(err));
	return 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: rawops_static read PATH | path PATH | openat2 DIR REL FLAGS | write PATH TEXT | rename "
			"OLD NEW |\n"
			"       exchange A B | link OLD NEW | symlink TARGET LINK | unlink PATH | rmdir PATH |\n"
			"       mkdir PATH | truncate PATH LENGTH | connect PATH\n");
	return 2;
}

static int write_all(long fd, const char *p, size_t n, const char *what)
{
	while (n > 0) {
		long w = syscall(SYS_write, fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return fail(what, errno);
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int cat_fd(long fd, const char *what)
{
	char buf[65536];
	for (;;) {
		long n = syscall(SYS_read, fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(what, errno);
		if (n == 0)
			return 0;
		if (write_all(1, buf, (size_t)n, "stdout"))
			return 1;
	}
}

static int parse_resolve(const char *s, unsigned long long *out)
{
	static const struct {
		const char *name;
		unsigned long long flag;
	} names[] = {
		{"beneath", RESOLVE_BENEATH},         {"in_root", RESOLVE_IN_ROOT},
		{"no_symlinks", RESOLVE_NO_SYMLINKS}, {"no_magiclinks", RESOLVE_NO_MAGICLINKS},
		{"no_xdev", RESOLVE_NO_XDEV},         {"cached", RESOLVE_CACHED},
	};
	*out = 0;
	if (strcmp(s, "none") == 0)
		return 0;
	while (*s) {
		size_t n = strcspn(s, ",");
		size_t i;
		for (i = 0; i < sizeof names / sizeof names[0]; i++)
			if (strlen(names[i].name) == n && strncmp(names[i].name, s, n) == 0)
				break;
		if (i == sizeof names / sizeof names[0])
			return -1;
		*out |= names[i].flag;
		s += n + (s[n] == ',');
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	op = argv[1];
	const char *a = argv[2], *b = argc > 3 ? argv[3] : NULL;
	long r, fd;
	if (strcmp(op, "read") == 0 && argc == 3) {
		fd = syscall(SYS_openat, AT_FDCWD, a, O_RDONLY | O_CLOEXEC);
		return fd < 0 ? fail(a, errno) : cat_fd(fd, a);
	} else if (strcmp(op, "spin") == 0 && argc == 3) {
		for (;;) {
			fd = syscall(SYS_openat, AT_FDCWD, a, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				return fail(a, errno);
			syscall(SYS_close, fd);
		}
	} else if (strcmp(op, "path") == 0 && argc == 3) {
		r = syscall(SYS_openat, AT_FDCWD, a, O_PATH | O_CLOEXEC);
	} else if (strcmp(op, "openat2") == 0 && argc == 5) {
		struct open_how how = {.flags = O_RDONLY | O_CLOEXEC};
		if (parse_resolve(argv[4], &how.resolve) < 0)
			return usage();
		long dir = syscall(SYS_openat, AT_FDCWD, a, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dir < 0)
			return fail(a, errno);
		fd = syscall(SYS_openat2, dir, b, &how, sizeof how);
		return fd < 0 ? fail(b, errno) : cat_fd(fd, b);
	} else if (strcmp(op, "write") == 0 && argc == 4) {
		fd = syscall(SYS_openat, AT_FDCWD, a, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		return fd < 0 ? fail(a, errno) : write_all(fd, b, strlen(b), a);
	} else if ((strcmp(op, "rename") == 0 || strcmp(op, "exchange") == 0) && argc == 4) {
		unsigned flags = strcmp(op, "exchange") == 0 ? RENAME_EXCHANGE : 0;
		r = syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, flags);
	} else if (strcmp(op, "link") == 0 && argc == 4) {
		r = syscall(SYS_linkat, AT_FDCWD, a, AT_FDCWD, b, 0);
	} else if (strcmp(op, "symlink") == 0 && argc == 4) {
		r = syscall(SYS_symlinkat, a, AT_FDCWD, b);
		a = b;
	} else if (strcmp(op, "unlink") == 0 && argc == 3) {
		r = syscall(SYS_unlinkat, AT_FDCWD, a, 0);
	} else if (strcmp(op, "rmdir") == 0 && argc == 3) {
		r = syscall(SYS_unlinkat, AT_FDCWD, a, AT_REMOVEDIR);
	} else if (strcmp(op, "mkdir") == 0 && argc == 3) {
		r = syscall(SYS_mkdirat, AT_FDCWD, a, 0755);
	} else if (strcmp(op, "truncate") == 0 && argc == 4) {
		r = syscall(SYS_truncate, a, strtoll(b, NULL, 10));
	} else if (strcmp(op, "connect") == 0 && argc == 3) {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		if (strlen(a) >= sizeof sun.sun_path)
			return fail(a, ENAMETOOLONG);
		memcpy(sun.sun_path, a, strlen(a));
		fd = syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return fail(a, errno);
		r = syscall(SYS_connect, fd, &sun, sizeof sun);
	} else {
		return usage();
	}
	return r < 0 ? fail(a, errno) : 0;
}
