/* guard_dir_entries (dir_entries.h) with raw getdents64: no DIR allocation per directory, one call per batch. */
#include <sys/syscall.h>
#include <unistd.h>

#include "plan/dir_entries.h"

struct linux_dirent64 {
	ino64_t d_ino;
	off64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

void guard_dir_entries(int fd, void (*fn)(const char *name, unsigned char type, ino_t ino, void *ctx), void *ctx)
{
	_Alignas(8) char buf[1 << 16];
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
		if (n <= 0)
			break;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			off += d->d_reclen;
			fn(d->d_name, d->d_type, (ino_t)d->d_ino, ctx);
		}
	}
}
