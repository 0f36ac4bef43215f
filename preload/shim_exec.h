/* Shared by the exec family (shim_exec.c) and the spawners (shim_spawn.c): the environment a new program gets.
 * On the caller's stack: an exec may run between vfork and exec, where nothing else is ours to use. */
#ifndef GUARD_SHIM_EXEC_H
#define GUARD_SHIM_EXEC_H

#include <stddef.h>

#include "shim_envp.h"
#include "shim_state.h"

#define SHIM_ENV_STACK_MAX 4096 /* entries fixed on the stack; beyond, a mapping (leaked by a vfork child) */
#define SHIM_ENV_SCRATCH 4096   /* a rebuilt LD_PRELOAD entry (a longer one is left as the program set it) */

struct shim_envmap {
	void *addr;
	size_t len;
};

char *const *shim_env_fix_in(char *const *envp, size_t n, char **stackv, char *scratch, struct shim_envmap *map);
void shim_env_unmap(struct shim_envmap *map);

/* Declares `var`: envp with LD_PRELOAD and GUARD_* put back; pair with SHIM_ENV_DONE(var). */
#define SHIM_ENV_FIXED(var, envp)                                                                                      \
	size_t var##_n = shim_envp_count(envp);                                                                        \
	char *var##_v[var##_n <= SHIM_ENV_STACK_MAX ? var##_n + SHIM_ENV_EXTRA + 1 : 1];                               \
	char var##_scratch[SHIM_ENV_SCRATCH];                                                                          \
	struct shim_envmap var##_map = {0};                                                                            \
	char *const *var = shim_env_fix_in((envp), var##_n, var##_v, var##_scratch, &var##_map)

#define SHIM_ENV_DONE(var) shim_env_unmap(&var##_map)

/* exec.deny: EACCES (guard's message printed unless quiet) when the program about to run is denied, else 0.
 * `follow`: also judge the final target of a symlink path (or what fd `dirfd` names when path is ""). Stack
 * only: safe between vfork and exec. */
int shim_exec_refused(int dirfd, const char *path, char *const argv[], bool follow);

#endif
