/* mkstemp and its family, made here: glibc's would open the file with its internal open, without the magic
 * (one observer round trip per temporary file). Same contract as glibc 2.36 misc/mkostemps.c: the six X before
 * the suffix are replaced, the file is created O_RDWR|O_CREAT|O_EXCL with mode 0600 plus the caller's flags
 * (access mode bits ignored), and up to 62^3 names are tried before EEXIST. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shim_magic.h"
#include "shim_note.h"
#include "shim_real.h"
#include "shim_state.h"
#include "shim_sys.h"

#define ATTEMPTS (62 * 62 * 62)

static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/* Randomness for names only (O_EXCL makes a guessed name harmless): getrandom, else the clock. */
static uint64_t random64(uint64_t prev)
{
	uint64_t v;
	if (shim_sys3(SYS_getrandom, &v, sizeof v, 1 /* GRND_NONBLOCK */) == (long)sizeof v)
		return v ^ prev;
	struct timespec ts;
	shim_sys2(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	v = prev * 6364136223846793005ULL + 1442695040888963407ULL;
	return v ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32);
}

static int make_temp(char *tmpl, int suffixlen, int flags, enum shim_mode m)
{
	size_t len = strlen(tmpl);
	if (suffixlen < 0 || len < 6 + (size_t)suffixlen || memcmp(tmpl + len - 6 - suffixlen, "XXXXXX", 6) != 0) {
		errno = EINVAL;
		return -1;
	}
	char *x = tmpl + len - 6 - suffixlen;
	int saved = errno;
	uint64_t r = 0;
	long fd = -EEXIST;
	flags = (flags & ~O_ACCMODE) | O_RDWR | O_CREAT | O_EXCL;
	for (int i = 0; i < ATTEMPTS && fd == -EEXIST; i++) {
		r = random64(r);
		uint64_t v = r;
		for (int k = 0; k < 6; k++, v /= 62)
			x[k] = letters[v % 62];
		fd = shim_sys6(SYS_openat, AT_FDCWD, (long)tmpl, flags, 0600, (long)shim.magic, 0);
	}
	int err = shim_sys_failed(fd) ? (int)-fd : 0;
	if (m == SHIM_ON) {
		struct shim_call c = {.op = GUARD_OP_CREATE, .dirfd = AT_FDCWD, .path = tmpl, .err = err};
		shim_note_file(&c);
	}
	errno = err ? err : saved;
	return err ? -1 : (int)fd;
}

#define SHIM_GEN_TEMP(name, ret_, params_, args_, op_, tmpl_, suffixlen_, flags_)                                      \
	SHIM_DEFINE(ret_, name, params_)                                                                               \
	{                                                                                                              \
		enum shim_mode m = shim_mode();                                                                        \
		if (m == SHIM_OFF)                                                                                     \
			return SHIM_REAL(name) args_;                                                                  \
		return make_temp((tmpl_), (suffixlen_), (flags_), m);                                                  \
	}
#define SHIM_X(gen, ...) SHIM_GEN_##gen(__VA_ARGS__)
SHIM_TEMP_TABLE(SHIM_X)
