/* Whose terminal is behind fd 2: the session's own (the one the user sees, an agent's TUI on it) or a
 * pseudo-terminal a process of the session made for a tool, whose output that process captures (Gemini CLI runs
 * its shell tool's commands on one and gives what they print to the model). guard/terminal.h has the numbers. */
#ifndef GUARD_SHIM_TTY_H
#define GUARD_SHIM_TTY_H

#include <stdbool.h>

/* True only when fd 2 is a pty slave node of its own (not /dev/tty, not /dev/console) and the launcher's list of
 * the session's terminals, as this process started with it, does not name it. No list: false (nothing is known
 * to be a tool's). */
bool shim_tty_tools(void);

#endif
