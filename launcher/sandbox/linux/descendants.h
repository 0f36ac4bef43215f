/* Ending every process below a subreaper (descendants_linux.c): Landlock-only mode's keeper, which has no PID
 * namespace whose end would take them along. */
#ifndef GUARD_DESCENDANTS_H
#define GUARD_DESCENDANTS_H

#include <sys/types.h>

/* Stop every descendant of this process, then kill them all and reap until it has no child left. Only a process
 * proven to descend from this one is ever signalled. When `watched` is reaped here, its wait status goes to
 * *status. */
void guard_end_descendants(pid_t watched, int *status);

#endif
