/* Files: the open family of shim_table.h. Each open is the system call itself, openat with the session magic in
 * args[4] (shim_magic.h), so the kernel observer lets it through without a round trip; fopen and opendir are
 * that open plus libc's fdopen/fdopendir, so their open carries the magic too. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "shim_calls.h"
#include "shim_fmode.h"
#include "shim_magic.h"
#include "shim_note.h"
#include "shim_real.h"
#include "shim_state.h"
#include "shim_sys.h"

/* openat(dirfd, path, flags, mode, MAGIC): -errno or the fd. */
static inline long open_magic(int dirfd, const char *path, int flags, mode_t mode)
{
	_Static_assert(SHIM_MAGIC_SLOT_OPENAT == 4, "the magic goes in the fifth argument");
	return shim_sys6(SYS_openat, dirfd, (long)path, flags, mode, (long)shim.magic, 0);
}

static int open_raw(int dirfd, const char *path, int flags, mode_t mode)
{
	long r = open_magic(dirfd, path, flags, mode);
	if (shim_sys_failed(r)) {
		errno = (int)-r;
		return -1;
	}
	return (int)r;
}

static int open_on(int dirfd, const char *path, int flags, mode_t mode, int op)
{
	int saved = errno;
	long r = open_magic(dirfd, path, flags, mode);
	int err = shim_sys_failed(r) ? (int)-r : 0;
	struct shim_call c = {
		.op = op == SHIM_OP_BY_FLAGS ? shim_open_op(flags) : (enum guard_op)op,
		.dirfd = dirfd,
		.path = path,
		.dir_hint = (flags & O_DIRECTORY) != 0,
		.err = err,
	};
	shim_note_file(&c);
	errno = err ? err : saved;
	return err ? -1 : (int)r;
}

#define SHIM_OPEN_DISPATCH(name, args_, op_, dirfd_, path_, flags_)                                                    \
	switch (shim_mode()) {                                                                                         \
	case SHIM_OFF:                                                                                                 \
		return SHIM_REAL(name) args_;                                                                          \
	case SHIM_RAW:                                                                                                 \
		return open_raw((dirfd_), (path_), (flags_), mode);                                                    \
	default:                                                                                                       \
		return open_on((dirfd_), (path_), (flags_), mode, (op_));                                              \
	}

/* The mode argument exists only when the flags create (O_CREAT, O_TMPFILE); reading it otherwise is undefined. */
#define SHIM_GEN_OPEN_VA_LAST(last, name, ret_, params_, args_, op_, dirfd_, path_, flags_)                            \
	SHIM_DEFINE(ret_, name, params_)                                                                               \
	{                                                                                                              \
		mode_t mode = 0;                                                                                       \
		if (__OPEN_NEEDS_MODE(flags_)) {                                                                       \
			va_list ap;                                                                                    \
			va_start(ap, last);                                                                            \
			mode = (mode_t)va_arg(ap, int);                                                                \
			va_end(ap);                                                                                    \
		}                                                                                                      \
		SHIM_OPEN_DISPATCH(name, args_, op_, dirfd_, path_, flags_)                                            \
	}
#define SHIM_GEN_OPEN_VA(...) SHIM_GEN_OPEN_VA_LAST(a1, __VA_ARGS__)
#define SHIM_GEN_OPENAT_VA(...) SHIM_GEN_OPEN_VA_LAST(a2, __VA_ARGS__)

/* _FORTIFY_SOURCE's __open_2 family: creating without a mode is a bug libc reports and aborts on; let it. */
#define SHIM_GEN_OPEN_FORTIFY(name, ret_, params_, args_, op_, dirfd_, path_, flags_)                                  \
	SHIM_DEFINE(ret_, name, params_)                                                                               \
	{                                                                                                              \
		const mode_t mode = 0;                                                                                 \
		if (__OPEN_NEEDS_MODE(flags_))                                                                         \
			return SHIM_REAL(name) args_;                                                                  \
		SHIM_OPEN_DISPATCH(name, args_, op_, dirfd_, path_, flags_)                                            \
	}

#define SHIM_GEN_CREAT(name, ret_, params_, args_, op_, dirfd_, path_, flags_)                                         \
	SHIM_DEFINE(ret_, name, params_)                                                                               \
	{                                                                                                              \
		const mode_t mode = a1;                                                                                \
		SHIM_OPEN_DISPATCH(name, args_, op_, dirfd_, path_, flags_)                                            \
	}

static FILE *fopen_on(const char *path, const char *mode, int extra, enum shim_mode m,
		      FILE *(*real)(const char *, const char *))
{
	struct shim_fmode fm;
	if (shim_fopen_mode(mode, &fm) != 0) {
		errno = EINVAL;
		return NULL;
	}
	int flags = fm.oflags | extra;
	if (fm.use_real) {
		/* ",ccs=": a wide stream. Only libc can set it up; its open goes without the magic. */
		if (!real) {
			errno = ENOSYS; /* nested in the shim's own work: no libc call from here */
			return NULL;
		}
		FILE *f = real(path, mode);
		if (m == SHIM_ON) {
			struct shim_call c = {
				.op = shim_open_op(flags), .dirfd = AT_FDCWD, .path = path, .err = f ? 0 : errno};
			shim_note_file(&c);
		}
		return f;
	}
	int saved = errno;
	long fd = open_magic(AT_FDCWD, path, flags, 0666);
	int err = shim_sys_failed(fd) ? (int)-fd : 0;
	if (m == SHIM_ON) {
		struct shim_call c = {.op = shim_open_op(flags), .dirfd = AT_FDCWD, .path = path, .err = err};
		shim_note_file(&c);
	}
	if (err) {
		errno = err;
		return NULL;
	}
	if (fm.seek_end)
		shim_sys3(SYS_lseek, fd, 0, SEEK_END); /* fopen("a") reports the end as its position from the start */
	FILE *f = fdopen((int)fd, fm.fdmode);
	if (!f) {
		err = errno; /* ENOMEM */
		shim_sys1(SYS_close, fd);
		errno = err;
		return NULL;
	}
	errno = saved;
	return f;
}

#define SHIM_GEN_FOPEN(name, ret_, params_, args_, op_, dirfd_, path_, flags_)                                         \
	SHIM_DEFINE(ret_, name, params_)                                                                               \
	{                                                                                                              \
		enum shim_mode m = shim_mode();                                                                        \
		if (m == SHIM_OFF)                                                                                     \
			return SHIM_REAL(name) args_;                                                                  \
		return fopen_on(path_, a1, flags_, m, m == SHIM_ON ? SHIM_REAL(name) : NULL);                          \
	}

#define SHIM_GEN_OPENDIR(name, ret_, params_, args_, op_, dirfd_, path_, flags_)                                       \
	SHIM_DEFINE(ret_, name, params_)                                                                               \
	{                                                                                                              \
		enum shim_mode m = shim_mode();                                                                        \
		if (m == SHIM_OFF)                                                                                     \
			return SHIM_REAL(name) args_;                                                                  \
		int saved = errno;                                                                                     \
		long fd = open_magic(dirfd_, path_, flags_, 0);                                                        \
		int err = shim_sys_failed(fd) ? (int)-fd : 0;                                                          \
		if (m == SHIM_ON) {                                                                                    \
			struct shim_call c = {                                                                         \
				.op = op_, .dirfd = dirfd_, .path = path_, .dir_hint = true, .err = err};              \
			shim_note_file(&c);                                                                            \
		}                                                                                                      \
		if (err) {                                                                                             \
			errno = err;                                                                                   \
			return NULL;                                                                                   \
		}                                                                                                      \
		DIR *d = fdopendir((int)fd);                                                                           \
		if (!d) {                                                                                              \
			err = errno;                                                                                   \
			shim_sys1(SYS_close, fd);                                                                      \
			errno = err;                                                                                   \
			return NULL;                                                                                   \
		}                                                                                                      \
		errno = saved;                                                                                         \
		return d;                                                                                              \
	}

#define SHIM_GEN_CUSTOM(...)
#define SHIM_X(gen, ...) SHIM_GEN_##gen(__VA_ARGS__)
SHIM_FILE_TABLE(SHIM_X)

/* freopen: libc alone can reuse the FILE; we record what it did. */
static FILE *freopen_common(FILE *f, const char *path, const char *mode, int extra, enum shim_mode m)
{
	if (m == SHIM_ON && path) {
		struct shim_fmode fm;
		int err = f ? 0 : errno;
		if (shim_fopen_mode(mode, &fm) == 0) {
			struct shim_call c = {
				.op = shim_open_op(fm.oflags | extra), .dirfd = AT_FDCWD, .path = path, .err = err};
			shim_note_file(&c);
		}
	}
	return f;
}

SHIM_EXPORT FILE *freopen(const char *a0, const char *a1, FILE *a2)
{
	enum shim_mode m = shim_mode();
	return freopen_common(SHIM_REAL(freopen)(a0, a1, a2), a0, a1, 0, m);
}

SHIM_EXPORT FILE *freopen64(const char *a0, const char *a1, FILE *a2)
{
	enum shim_mode m = shim_mode();
	return freopen_common(SHIM_REAL(freopen64)(a0, a1, a2), a0, a1, O_LARGEFILE, m);
}

/* From syscall(): SYS_open (as openat) and SYS_openat. */
int shim_open_call(int dirfd, const char *path, int flags, mode_t mode, enum shim_mode m)
{
	return m == SHIM_ON ? open_on(dirfd, path, flags, mode, SHIM_OP_BY_FLAGS) : open_raw(dirfd, path, flags, mode);
}

/* From syscall(): SYS_openat2 (glibc 2.36 has no wrapper). The flags are read from the caller's struct
 * open_how unless the kernel found it unreadable. */
long shim_openat2_call(int dirfd, const char *path, const void *how, size_t size, enum shim_mode m)
{
	_Static_assert(SHIM_MAGIC_SLOT_OPENAT2 == 4, "the magic goes in the fifth argument");
	int saved = errno;
	long r = shim_sys6(SYS_openat2, dirfd, (long)path, (long)how, (long)size, (long)shim.magic, 0);
	int err = shim_sys_failed(r) ? (int)-r : 0;
	if (m == SHIM_ON && err != EFAULT) {
		uint64_t flags = 0;
		if (how && size >= sizeof flags)
			memcpy(&flags, how, sizeof flags);
		struct shim_call c = {.op = shim_open_op((int)flags),
				      .dirfd = dirfd,
				      .path = path,
				      .dir_hint = (flags & O_DIRECTORY) != 0,
				      .err = err};
		shim_note_file(&c);
	}
	errno = err ? err : saved;
	return err ? -1 : r;
}
