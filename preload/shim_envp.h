/* Putting LD_PRELOAD and GUARD_* back into an environment passed to exec (`env -i`, execle, Python's
 * subprocess env={...}, a program that unset LD_PRELOAD in its own environ). Pure: the caller provides all
 * storage (on its stack: this runs between vfork and exec), so the unit test links it directly. */
#ifndef GUARD_SHIM_ENVP_H
#define GUARD_SHIM_ENVP_H

#include <stddef.h>

#define SHIM_ENV_KEEP_MAX 32                   /* GUARD_* variables remembered */
#define SHIM_ENV_EXTRA (SHIM_ENV_KEEP_MAX + 1) /* at most this many entries are added */

struct shim_envsnap {
	const char *ld_preload;              /* "LD_PRELOAD=..." as the process started, or NULL */
	const char *self;                    /* absolute path of libguard.so */
	const char *self_given;              /* its name as the loader was given it (may be relative) */
	const char *keep[SHIM_ENV_KEEP_MAX]; /* "GUARD_X=..." */
	size_t nkeep;
};

size_t shim_envp_count(char *const *envp);

/* envp (may be NULL: empty) with what is missing added: every GUARD_* of the snapshot absent from envp, and
 * LD_PRELOAD (the started value when absent; ours prepended when present without us, built in `scratch`).
 * `out` has room for shim_envp_count(envp) + SHIM_ENV_EXTRA + 1 pointers. Returns envp itself when nothing is
 * missing, else out. Never reorders or drops the caller's entries. */
char *const *shim_envp_fix(char *const *envp, const struct shim_envsnap *snap, char **out, char *scratch,
			   size_t scratchlen);

/* Does the LD_PRELOAD value (list separated by ':' or ' ') name the shim? */
int shim_envp_preload_has(const char *value, const struct shim_envsnap *snap);

#endif
