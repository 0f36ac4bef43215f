/* Write-side explainers: mkdir, unlink, rename, link, symlink, truncate and mkdtemp. The real call (these system
 * calls are not watched by the observer, so no magic), then the note: Landlock's EXDEV on a cross-directory
 * rename, EROFS on a protected path, EBUSY on a covered secret are what confuse tools most. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "shim_note.h"
#include "shim_real.h"
#include "shim_state.h"

/* Failure is -1 for the int calls, NULL for mkdtemp. */
static inline bool failed_int(long r)
{
	return r < 0;
}
static inline bool failed_ptr(const void *r)
{
	return r == NULL;
}
#define SHIM_FAILED(r) _Generic((r), char * : failed_ptr, default : failed_int)(r)

#define SHIM_GEN_WRITE(name, ret_, params_, args_, op_, dirfd_, path_, dirfd2_, path2_)                                \
	SHIM_DEFINE(ret_, name, params_)                                                                               \
	{                                                                                                              \
		if (shim_mode() != SHIM_ON)                                                                            \
			return SHIM_REAL(name) args_;                                                                  \
		ret_ r = SHIM_REAL(name) args_;                                                                        \
		struct shim_call c = {                                                                                 \
			.op = (op_),                                                                                   \
			.dirfd = (dirfd_),                                                                             \
			.path = (path_),                                                                               \
			.dirfd2 = (dirfd2_),                                                                           \
			.path2 = (path2_),                                                                             \
			.err = SHIM_FAILED(r) ? errno : 0,                                                             \
		};                                                                                                     \
		if (c.path)                                                                                            \
			shim_note_file(&c); /* keeps errno */                                                          \
		return r;                                                                                              \
	}
#define SHIM_X(gen, ...) SHIM_GEN_##gen(__VA_ARGS__)
SHIM_WRITE_TABLE(SHIM_X)
