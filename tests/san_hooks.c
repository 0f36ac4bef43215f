/* Linked into the SAN=1 guard only (Makefile). guard also runs inside its own sandbox (the agent hook command,
 * `guard explain`), where the seccomp filter refuses ptrace: LeakSanitizer needs it to stop the world at exit and
 * would fail the command with a fatal error. There the leak check is skipped; ASan and UBSan stay on, and the
 * leak check still runs everywhere else (the launcher and supervisor run outside the sandbox). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int __lsan_is_turned_off(void);

int __lsan_is_turned_off(void)
{
	char line[256];
	int filtered = 0;
	FILE *f = fopen("/proc/self/status", "re");
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "Seccomp:", 8) == 0) {
			filtered = strtol(line + 8, NULL, 10) == 2; /* SECCOMP_MODE_FILTER */
			break;
		}
	if (f)
		fclose(f);
	return filtered;
}

/* libseccomp 2.5.4 (Debian 12) loses tree nodes when it merges rules on one system call with argument comparisons
 * (guard's socket rules in the Landlock-only proxy mode): 2304 bytes, still lost after seccomp_release. The
 * supervisor compiles the command's filters (sandbox/linux/filters.h), so the loss is in a process that exits
 * normally and LeakSanitizer sees it. Named by module (without frame pointers there, its stacks stop at it), which
 * would also hide a filter context guard forgot to release: tests/valgrind.supp's narrower entry still catches
 * that. */
const char *__lsan_default_suppressions(void);

const char *__lsan_default_suppressions(void)
{
	return "leak:libseccomp.so\n";
}
