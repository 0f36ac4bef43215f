/* guard_dir_entries (dir_entries.h) with readdir(3) on a duplicate of fd (closedir closes what it owns). */
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "plan/dir_entries.h"

void guard_dir_entries(int fd, void (*fn)(const char *name, unsigned char type, ino_t ino, void *ctx), void *ctx)
{
	int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	DIR *d = own >= 0 ? fdopendir(own) : NULL;
	if (!d) {
		if (own >= 0)
			close(own);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)))
		fn(e->d_name, e->d_type, e->d_ino, ctx);
	closedir(d);
}
