/* Mode strings of fopen and popen, parsed as glibc does, so our fopen (own open with the magic + fdopen) opens
 * exactly what glibc's would. Pure; linked directly by the unit test. */
#ifndef GUARD_SHIM_FMODE_H
#define GUARD_SHIM_FMODE_H

#include <stdbool.h>

struct shim_fmode {
	int oflags;     /* for open(2): O_RDONLY/O_WRONLY/O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_EXCL | O_CLOEXEC */
	char fdmode[4]; /* for fdopen: "r" "w" "a", 'm' kept, '+' last (fdopen stops reading at '+') */
	bool seek_end;  /* "a" without '+': glibc's fopen starts at the end, fdopen would start at 0 */
	bool use_real;  /* ",ccs=": a wide-character stream only libc's fopen can make */
};

/* 0, or -1 for a mode glibc rejects (EINVAL). */
int shim_fopen_mode(const char *mode, struct shim_fmode *out);

/* popen: "r" or "w", optionally with 'e' (close-on-exec), in any order; 0, or -1 (EINVAL). */
int shim_popen_mode(const char *mode, bool *reading, bool *cloexec);

#endif
