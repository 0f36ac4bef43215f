/* See shim_resolve.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "guard/path.h"
#include "shim_resolve.h"
#include "shim_state.h"
#include "shim_sys.h"

int shim_getcwd(char *buf, size_t cap)
{
	long r = shim_sys2(SYS_getcwd, buf, cap);
	if (shim_sys_failed(r) || r < 2 || buf[0] != '/')
		return -1; /* "(unreachable)/..." when the cwd is outside our root */
	return (int)r - 1;
}

int shim_fd_path(int fd, char *buf, size_t cap)
{
	char link[32] = "/proc/self/fd/";
	char digits[12];
	int n = 0;
	unsigned v = (unsigned)fd;
	if (fd < 0 || cap < 2)
		return -1;
	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < 11);
	size_t l = strlen(link);
	while (n)
		link[l++] = digits[--n];
	link[l] = 0;
	long r = shim_sys4(SYS_readlinkat, AT_FDCWD, link, buf, cap - 1);
	if (shim_sys_failed(r) || r <= 0 || (size_t)r >= cap - 1 || buf[0] != '/')
		return -1; /* not a path (socket:[..], pipe:[..], anon_inode:..) or cut */
	buf[r] = 0;
	/* An unlinked file reads back as "/p/x (deleted)": keep the name it had. */
	static const char deleted[] = " (deleted)";
	if (r > (long)sizeof deleted && strcmp(buf + r - (sizeof deleted - 1), deleted) == 0)
		buf[r -= sizeof deleted - 1] = 0;
	return (int)r;
}

static void copy_cut(char *out, size_t cap, const char *s)
{
	size_t n = strlen(s);
	if (n >= cap)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = 0;
}

int shim_abs_path(int dirfd, const char *path, char *out, size_t cap)
{
	char base[4096];
	if (!path || cap < 2) {
		if (cap)
			out[0] = 0;
		return -1;
	}
	if (path[0] == '/') {
		if (guard_lexpath_join(out, cap, NULL, path) == 0)
			return 0;
	} else if ((dirfd == AT_FDCWD ? shim_getcwd(base, sizeof base) : shim_fd_path(dirfd, base, sizeof base)) >= 0 &&
		   guard_lexpath_join(out, cap, base, path) == 0) {
		return 0;
	}
	copy_cut(out, cap, path);
	return -1;
}

int shim_canonical_path(int dirfd, const char *path, char *out, size_t cap)
{
	char dir[4096], real[4096];
	const char *base = path ? guard_lexpath_split(path, dir, sizeof dir) : NULL;
	if (!base)
		return shim_abs_path(dirfd, path, out, cap);
	bool whole = !*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0;
	/* O_PATH: no read permission needed, no open of the final component's content; with the magic. */
	long fd = shim_sys6(SYS_openat, dirfd, (long)(whole ? path : dir), O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
			    (long)shim.magic, 0);
	if (shim_sys_failed(fd))
		return shim_abs_path(dirfd, path, out, cap);
	int n = shim_fd_path((int)fd, real, sizeof real);
	shim_sys1(SYS_close, fd);
	if (n < 0 || guard_lexpath_join(out, cap, real, whole ? "" : base) != 0)
		return shim_abs_path(dirfd, path, out, cap);
	return 0;
}
