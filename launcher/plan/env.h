/* The sandbox's environment (env_scrub.c). */
#ifndef GUARD_PLAN_ENV_H
#define GUARD_PLAN_ENV_H

#include <stdbool.h>

#include "guard/policy.h"

/* Build the sandbox environment from `in` (NULL-terminated): drop variables that look secret (*_TOKEN, *SECRET*,
 * *PASSWORD*, *_API_KEY, AWS_*, ...) unless env.pass names them, drop env.drop, then set the given overrides
 * ("TMPDIR=/tmp", ...; a bare "NAME" removes NAME). env.drop beats env.pass; env.pass beats the built-in guesses
 * (see env_scrub.c for the list). Returns a malloc'd NULL-terminated array (strings malloc'd); `dropped` (may be
 * NULL) receives the malloc'd array of dropped names. NULL (errno ENOMEM) when out of memory. */
char **guard_env_build(char *const *in, const struct guard_policy *p, char *const *overrides, char ***dropped);
void guard_strv_free(char **v);
/* Does `name` look like a secret by the built-in list? (for tests and dry-run) */
bool guard_env_looks_secret(const char *name);

#endif
