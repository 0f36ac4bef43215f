/* See shim_told.h. A marker is $TMP/.guard-told/<64-bit hash of the key and the audience>. A process of the
 * sandbox can make or remove markers: it can only silence or repeat guard's line for itself, which closing its
 * stderr does as well; the session log records every event either way. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "shim_state.h"
#include "shim_sys.h"
#include "shim_told.h"

#define TOLD_DIR "/.guard-told"

static uint64_t fnv1a(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

bool shim_told_before(const char *key, size_t len)
{
	const char *tmp = guard_image_str(&shim.img, shim.img.h->tmpdir);
	struct stat st;
	if (!tmp || tmp[0] != '/' || shim_sys_failed(shim_sys2(SYS_fstat, 2, &st)))
		return false;
	uint64_t h = fnv1a(0xcbf29ce484222325ULL, key, len);
	h = fnv1a(h, &st.st_dev, sizeof st.st_dev);
	h = fnv1a(h, &st.st_ino, sizeof st.st_ino);
	/* A regular file's inode number comes back for the next file made after it is removed (an agent capturing
	 * each command's output in a temp file): its birth time tells the two readers apart. */
	struct statx stx;
	if (S_ISREG(st.st_mode) &&
	    !shim_sys_failed(shim_sys6(SYS_statx, 2, (long)"", AT_EMPTY_PATH, STATX_BTIME, (long)&stx, 0)) &&
	    (stx.stx_mask & STATX_BTIME))
		h = fnv1a(h, &stx.stx_btime, sizeof stx.stx_btime);
	/* So does a pty's number (/dev/pts/N) after it is closed: an agent's shell tool makes one per command. A tty's
	 * ctime is set when its node is made; writes move only its mtime. */
	if (S_ISCHR(st.st_mode))
		h = fnv1a(h, &st.st_ctim, sizeof st.st_ctim);

	char path[4096];
	size_t n = strlen(tmp);
	if (n + sizeof TOLD_DIR + 1 + 16 + 1 > sizeof path)
		return false;
	memcpy(path, tmp, n);
	memcpy(path + n, TOLD_DIR, sizeof TOLD_DIR);
	n += sizeof TOLD_DIR - 1;
	long r = shim_sys3(SYS_mkdirat, AT_FDCWD, path, 0700);
	if (shim_sys_failed(r) && r != -EEXIST)
		return false;
	path[n++] = '/';
	for (int i = 15; i >= 0; i--, h >>= 4)
		path[n + (size_t)i] = "0123456789abcdef"[h & 15];
	path[n + 16] = 0;
	return shim_sys3(SYS_mkdirat, AT_FDCWD, path, 0700) == -EEXIST;
}
