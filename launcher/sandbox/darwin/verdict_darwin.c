/* guard_platform_kernel_verdict (platform.h) on macOS: Seatbelt's sandbox_check asked, without a report in the
 * unified log, what the sandbox of a process would answer for file-read-data and file-write-data on a path.
 * From inside the sandbox the process asks about itself; from outside, about a live session's command (the
 * supervisor's child). Compiled and linked here; not yet run on a Mac (README, "macOS"). */
#include <stdio.h>
#include <unistd.h>

#include "lib/proc.h"
#include "sandbox/darwin/seatbelt.h"
#include "sandbox/platform.h"

bool guard_platform_kernel_verdict(pid_t guard_pid, const char *path, bool *read_denied, bool *write_denied, char *why,
				   size_t whylen)
{
	pid_t pid = getpid();
	if (guard_pid) {
		/* the command is the supervisor's only child that stays (the cleaner is forked twice away) */
		pid_t kids[4];
		if (guard_proc_children(guard_pid, kids, 4) == 0) {
			snprintf(why, whylen, "the session's command has ended: no sandbox left to ask");
			return false;
		}
		pid = kids[0];
	}
	int r = guard_seatbelt_would_deny(pid, "file-read-data", path);
	int w = guard_seatbelt_would_deny(pid, "file-write-data", path);
	if (r < 0 || w < 0) {
		snprintf(why, whylen, "Seatbelt's sandbox_check could not be asked about pid %d", (int)pid);
		return false;
	}
	*read_denied = r == 1;
	*write_denied = w == 1;
	return true;
}
