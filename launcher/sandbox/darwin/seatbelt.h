/* Seatbelt from inside guard's own launcher (seatbelt_darwin.c). Not /usr/bin/sandbox-exec: a SIP-protected
 * binary, through which dyld drops every DYLD_* variable, and the shim with them. guard applies the profile to
 * itself after fork and then execs the command with DYLD_INSERT_LIBRARIES set. */
#ifndef GUARD_SEATBELT_H
#define GUARD_SEATBELT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Apply `profile` (SBPL text) to the calling process, for good. 0, or -1 with Seatbelt's own message in why
 * (a syntax error in the profile, or a process already inside a sandbox: macOS refuses nesting). */
int guard_seatbelt_apply(const char *profile, char *why, size_t whylen);

/* Is the calling process inside a Seatbelt sandbox already? (Then no profile can be applied.) */
bool guard_seatbelt_active(void);

/* Would process `pid`'s sandbox deny `operation` ("file-read-data") on `path`? Asked without a report in the
 * unified log; 1 denied, 0 allowed, -1 the question could not be asked. For `guard explain` on macOS. */
int guard_seatbelt_would_deny(pid_t pid, const char *operation, const char *path);

/* In the forked child: apply the profile, then exec argv with env, the shim prepended to DYLD_INSERT_LIBRARIES
 * (shim may be NULL). Returns only on failure: the exit status guard should report (125: the boundary could not
 * be applied; 126: not executable; 127: not found) with why. */
int guard_seatbelt_exec(const char *profile, const char *shim, char *const *argv, char *const *env, char *why,
			size_t whylen);

#endif
