/* Covering secrets that appear inside the sandbox's name-scanned trees after launch (late_covers_linux.c). */
#ifndef GUARD_LATE_COVERS_H
#define GUARD_LATE_COVERS_H

#include "plan.h"

struct guard_watch;
/* Start watching (NULL when there is nothing to watch or inotify is unavailable). */
struct guard_watch *guard_watch_start(const struct guard_plan *plan, const int cover_fds[2]);
int guard_watch_fd(const struct guard_watch *w);
/* Read pending notifications and cover what the policy denies. */
void guard_watch_handle(struct guard_watch *w);

#endif
