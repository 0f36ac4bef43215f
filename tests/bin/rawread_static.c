/* rawread_static PATH: print a file with raw system calls only.
 *
 * Statically linked and never calling libc's open/read wrappers, so no LD_PRELOAD shim can see or stop it: what it
 * reads is what the kernel boundary (Landlock, covers) lets through. Models agents whose file tools use raw
 * syscalls. Exit 0 and the content on stdout; else "rawread_static: PATH: <strerror> (ENAME)" on stderr, exit 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int fail(const char *path, int err)
{
	fprintf(stderr, "rawread_static: %s: %s (%s)\n", path, strerror(err), strerrorname_np(err));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: rawread_static PATH\n");
		return 2;
	}
	long fd = syscall(SYS_openat, AT_FDCWD, argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(argv[1], errno);
	char buf[65536];
	for (;;) {
		long n = syscall(SYS_read, fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(argv[1], errno);
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			long w = syscall(SYS_write, 1, buf + off, n - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return fail("stdout", errno);
			off += w;
		}
	}
	syscall(SYS_close, fd);
	return 0;
}
