/* Seatbelt's entry points, declared here: the SDK ships no sandbox.h for them (research/macos-seatbelt.md §6.1:
 * libSystem re-exports them from libsystem_sandbox.dylib; zig's macOS stubs list them). The flag values are the
 * ones open-source declarations use (Chromium's and LLVM's); they have not been checked on a Mac by us yet. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/guard.h"
#include "sandbox/darwin/seatbelt.h"

int sandbox_init_with_parameters(const char *profile, uint64_t flags, const char *const parameters[], char **errorbuf);
void sandbox_free_error(char *errorbuf);
int sandbox_check(pid_t pid, const char *operation, int type, ...);

enum { SEATBELT_FILTER_NONE = 0, SEATBELT_FILTER_PATH = 1 };
#define SEATBELT_CHECK_NO_REPORT 0x40000000

int guard_seatbelt_apply(const char *profile, char *why, size_t whylen)
{
	/* Paths are spelled out in the profile (physical, checked by sbpl.c): no parameters to substitute. */
	const char *const none[] = {NULL};
	char *err = NULL;
	if (sandbox_init_with_parameters(profile, 0, none, &err) == 0)
		return 0;
	snprintf(why, whylen, "Seatbelt refused the profile: %s%s", err ? err : strerror(errno),
		 guard_seatbelt_active() ? " (guard is already inside a sandbox, and macOS refuses a nested one)" : "");
	if (err)
		sandbox_free_error(err);
	return -1;
}

bool guard_seatbelt_active(void)
{
	/* No operation: "is this process sandboxed at all" (Chromium's documented use). */
	return sandbox_check(getpid(), NULL, SEATBELT_FILTER_NONE) > 0;
}

int guard_seatbelt_would_deny(pid_t pid, const char *operation, const char *path)
{
	int r = sandbox_check(pid, operation, SEATBELT_FILTER_PATH | SEATBELT_CHECK_NO_REPORT, path);
	return r < 0 ? -1 : r > 0;
}

/* env with DYLD_INSERT_LIBRARIES=shim[:previous] (malloc'd array; the strings are env's or leaked, the process
 * execs next). */
static char **with_shim(char *const *env, const char *shim)
{
	static const char var[] = "DYLD_INSERT_LIBRARIES=";
	size_t n = 0;
	while (env[n])
		n++;
	char **out = guard_xmalloc((n + 2) * sizeof *out);
	const char *old = NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!strncmp(env[i], var, sizeof var - 1))
			old = env[i] + sizeof var - 1;
		else if (strncmp(env[i], "LD_PRELOAD=", 11) != 0) /* the Linux spelling the neutral code writes */
			out[k++] = env[i];
	}
	out[k++] = old && *old ? guard_xasprintf("%s%s:%s", var, shim, old) : guard_xasprintf("%s%s", var, shim);
	out[k] = NULL;
	return out;
}

static const char *env_get(char *const *env, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; env[i]; i++)
		if (!strncmp(env[i], name, n) && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

int guard_seatbelt_exec(const char *profile, const char *shim, char *const *argv, char *const *env, char *why,
			size_t whylen)
{
	if (guard_seatbelt_apply(profile, why, whylen) != 0)
		return 125;
	char *const *envp = shim ? with_shim(env, shim) : env;
	if (strchr(argv[0], '/')) {
		execve(argv[0], argv, envp);
		snprintf(why, whylen, "%s: %s", argv[0], strerror(errno));
		return errno == ENOENT ? 127 : 126;
	}
	/* The command's PATH, as the sandbox sees it (the launcher's own may differ). */
	const char *path = env_get(env, "PATH");
	int code = 127, saved = ENOENT;
	for (const char *p = path ? path : "/usr/bin:/bin"; p;) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		char *file = guard_xasprintf("%.*s%s%s", (int)len, p, len ? "/" : "", argv[0]);
		execve(file, argv, envp);
		if (errno != ENOENT && errno != ENOTDIR) {
			code = 126;
			saved = errno;
		}
		free(file);
		p = colon ? colon + 1 : NULL;
	}
	snprintf(why, whylen, "%s: %s", argv[0], code == 127 ? "command not found" : strerror(saved));
	return code;
}
