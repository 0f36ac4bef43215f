/* The session's own terminals, as the launcher tells the shim (its environment, GUARD_TERMINALS): the terminal
 * guard was started on and the pty its supervisor gives the command. The shim keeps guard's lines off those (an
 * agent's TUI owns them) and speaks on any other pseudo-terminal, one a process of the session made for a tool
 * (Gemini CLI's shell tool, `script`), whose output that process captures. A terminal is named by numbers, never
 * by a path: the devpts instance it lives on (st_dev) and its device (st_rdev), as stat(2) gives them on Linux.
 * Pure functions (no system calls, no allocation): the shim, the launcher and the unit test share them. */
#ifndef GUARD_TERMINAL_H
#define GUARD_TERMINAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUARD_TERMINALS_VAR "GUARD_TERMINALS" /* "DEV:RDEV,DEV:RDEV" in hex; empty: guard had no terminal */

/* Is rdev (Linux's encoding, as stat(2) and TIOCGDEV give it) a Unix98 pty slave, majors 136-143? Only such a
 * node is the terminal it writes to: /dev/tty and /dev/console (5:0, 5:1) write to one they do not name. */
bool guard_rdev_is_pts(uint64_t rdev);
/* The N of /dev/pts/N for a pty slave's rdev. */
unsigned guard_pts_index(uint64_t rdev);

/* Add (dev, rdev) to list (NUL-terminated, cap bytes) unless it is there; false when it does not fit. */
bool guard_terminals_add(char *list, size_t cap, uint64_t dev, uint64_t rdev);
/* Does list name (dev, rdev)? A list that is not well formed names every terminal: whoever garbled it gets
 * guard's silence, not its lines on the session's terminal. */
bool guard_terminals_has(const char *list, uint64_t dev, uint64_t rdev);

#endif
