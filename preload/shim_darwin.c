/* The DYLD shim: the macOS rows of the one table (shim_table_darwin.h), each made into an interposer by the
 * SHIM_DGEN_<gen> macro of its family below and bound to the libSystem function it replaces through the
 * __DATA,__interpose section, which dyld reads when DYLD_INSERT_LIBRARIES loads us. A call from inside this
 * dylib reaches the original, so an interposer calls the function by its own name.
 *
 * Each interposer calls the real function; when it fails with an error the policy may explain, it says why
 * (shim_note_darwin.c). Seatbelt has already decided: nothing here refuses, except exec.deny, which Seatbelt
 * cannot express (it does not see argv) and the shim enforces as on Linux. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim_note_darwin.h"
#include "shim_table_darwin.h"

extern char **environ;

/* One (replacement, original) pair for dyld. */
struct shim_interpose {
	const void *replacement;
	const void *original;
};
#define SHIM_INTERPOSE(sym)                                                                                            \
	__attribute__((used, section("__DATA,__interpose"))) static const struct shim_interpose shim_ip_##sym = {      \
		(const void *)shim_darwin_##sym, (const void *)sym}

/* Where the SDK renames a function (x86_64's opendir is opendir$INODE64; fopen is fopen$DARWIN_EXTSN), programs
 * built against an older SDK or other flags still call the plain name: both are bound to the one interposer. */
#define SHIM_INTERPOSE_PLAIN(sym, ret_, params_)                                                                       \
	extern ret_ shim_plain_##sym params_ __asm("_" #sym);                                                          \
	__attribute__((used, section("__DATA,__interpose"))) static const struct shim_interpose shim_ipp_##sym = {     \
		(const void *)shim_darwin_##sym, (const void *)shim_plain_##sym}

/* A failure of the call's own kind: -1 (or any negative), or a NULL pointer. */
#define SHIM_FAILED(r) _Generic((r), int : (intptr_t)(r) < 0, default : (intptr_t)(r) == 0)

static enum guard_op op_of_flags(int flags)
{
	return (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) ? GUARD_OP_WRITE : GUARD_OP_READ;
}

static enum guard_op op_of_mode(const char *mode)
{
	return mode && (strchr(mode, 'w') || strchr(mode, 'a') || strchr(mode, '+')) ? GUARD_OP_WRITE : GUARD_OP_READ;
}

#define SHIM_OP(op, flags) ((op) == SHIM_OP_BY_FLAGS ? op_of_flags(flags) : (enum guard_op)(op))

/* open, openat: the mode is read from the varargs when the flags need one. */
#define SHIM_DGEN_OPEN_VA(sym, ret_, params_, args_, op, dirfd, path, flags)                                           \
	static ret_ shim_darwin_##sym params_                                                                          \
	{                                                                                                              \
		mode_t mode = 0;                                                                                       \
		if ((flags)&O_CREAT) {                                                                                 \
			va_list ap;                                                                                    \
			va_start(ap, flags);                                                                           \
			mode = (mode_t)va_arg(ap, int);                                                                \
			va_end(ap);                                                                                    \
		}                                                                                                      \
		ret_ r = sym args_;                                                                                    \
		if (SHIM_FAILED(r))                                                                                    \
			shim_darwin_note(SHIM_OP(op, flags), errno, dirfd, path, AT_FDCWD, NULL);                      \
		return r;                                                                                              \
	}                                                                                                              \
	SHIM_INTERPOSE(sym);

#define SHIM_DGEN_OPENAT_VA SHIM_DGEN_OPEN_VA

/* creat, opendir, and the write family: the real call, then the note. */
#define SHIM_DGEN_PLAIN(sym, ret_, params_, args_, op, dirfd, path, dirfd2, path2)                                     \
	static ret_ shim_darwin_##sym params_                                                                          \
	{                                                                                                              \
		ret_ r = sym args_;                                                                                    \
		if (SHIM_FAILED(r))                                                                                    \
			shim_darwin_note(op, errno, dirfd, path, dirfd2, path2);                                       \
		return r;                                                                                              \
	}                                                                                                              \
	SHIM_INTERPOSE(sym);
#define SHIM_DGEN_CREAT(sym, ret_, params_, args_, op, dirfd, path, flags)                                             \
	SHIM_DGEN_PLAIN(sym, ret_, params_, args_, op, dirfd, path, AT_FDCWD, NULL)
#define SHIM_DGEN_OPENDIR(sym, ret_, params_, args_, op, dirfd, path, flags)                                           \
	SHIM_DGEN_PLAIN(sym, ret_, params_, args_, op, dirfd, path, AT_FDCWD, NULL)                                    \
	SHIM_INTERPOSE_PLAIN(sym, ret_, params_);
#define SHIM_DGEN_WRITE(sym, ret_, params_, args_, op, dirfd, path, dirfd2, path2)                                     \
	SHIM_DGEN_PLAIN(sym, ret_, params_, args_, op, dirfd, path, (dirfd2) == SHIM_CONTENT_FD ? AT_FDCWD : (dirfd2), \
			(dirfd2) == SHIM_CONTENT_FD ? NULL : (path2))

#define SHIM_DGEN_FOPEN(sym, ret_, params_, args_, op, dirfd, path, flags)                                             \
	static ret_ shim_darwin_##sym params_                                                                          \
	{                                                                                                              \
		ret_ r = sym args_;                                                                                    \
		if (SHIM_FAILED(r))                                                                                    \
			shim_darwin_note(op_of_mode(a1), errno, dirfd, path, AT_FDCWD, NULL);                          \
		return r;                                                                                              \
	}                                                                                                              \
	SHIM_INTERPOSE(sym);                                                                                           \
	SHIM_INTERPOSE_PLAIN(sym, ret_, params_);

/* execve, execv, execvp: exec.deny first (Seatbelt cannot see argv), then the real call. */
#define SHIM_DGEN_EXEC(sym, ret_, params_, args_, op, dirfd, path, argv, envp, search)                                 \
	static ret_ shim_darwin_##sym params_                                                                          \
	{                                                                                                              \
		if (shim_darwin_exec_denied(path, argv)) {                                                             \
			errno = EACCES;                                                                                \
			return -1;                                                                                     \
		}                                                                                                      \
		ret_ r = sym args_;                                                                                    \
		shim_darwin_note(op, errno, dirfd, path, AT_FDCWD, NULL);                                              \
		return r;                                                                                              \
	}                                                                                                              \
	SHIM_INTERPOSE(sym);

/* posix_spawn(p): errors are returned, not set in errno. */
#define SHIM_DGEN_SPAWN(sym, ret_, params_, args_, op, dirfd, path, argv, envp, search)                                \
	static ret_ shim_darwin_##sym params_                                                                          \
	{                                                                                                              \
		if (shim_darwin_exec_denied(path, argv))                                                               \
			return EACCES;                                                                                 \
		ret_ r = sym args_;                                                                                    \
		if (r)                                                                                                 \
			shim_darwin_note(op, r, dirfd, path, AT_FDCWD, NULL);                                          \
		return r;                                                                                              \
	}                                                                                                              \
	SHIM_INTERPOSE(sym);

/* The network's rows are CUSTOM on Linux (the observer's magic); here connect is only explained. */
#define SHIM_DGEN_CUSTOM(sym, ret_, params_, args_, ...) SHIM_DARWIN_CUSTOM_##sym(sym, ret_, params_, args_)
#define SHIM_DARWIN_CUSTOM_connect(sym, ret_, params_, args_)                                                          \
	static ret_ shim_darwin_##sym params_                                                                          \
	{                                                                                                              \
		ret_ r = sym args_;                                                                                    \
		if (r < 0)                                                                                             \
			shim_darwin_note_connect(errno, a1, a2);                                                       \
		return r;                                                                                              \
	}                                                                                                              \
	SHIM_INTERPOSE(sym);

#define SHIM_DARWIN_ROW(gen, sym, ret_, params_, args_, ...) SHIM_DGEN_##gen(sym, ret_, params_, args_, __VA_ARGS__)
SHIM_TABLE(SHIM_DARWIN_PICK)
