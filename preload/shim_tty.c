/* See shim_tty.h. A process of the sandbox may forge the list for its children; it can write to the session's
 * terminal itself anyway. What it cannot do by opening files is make a session terminal look like a tool's: every
 * path to one (/dev/pts/N, /proc/self/fd/N, a bind mount) reaches the same node, with the same numbers, and the
 * paths that reach it through another node (/dev/tty, /dev/console) are not pty slaves. */
#include <sys/stat.h>

#include "guard/terminal.h"
#include "shim_state.h"
#include "shim_sys.h"
#include "shim_tty.h"

bool shim_tty_tools(void)
{
	struct stat st;
	if (shim_sys_failed(shim_sys2(SYS_fstat, 2, &st)) || !S_ISCHR(st.st_mode) || !guard_rdev_is_pts(st.st_rdev))
		return false;
	const char *list = shim_started_env(GUARD_TERMINALS_VAR);
	return list && !guard_terminals_has(list, st.st_dev, st.st_rdev);
}
