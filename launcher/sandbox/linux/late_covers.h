/* Covering secrets that appear inside the sandbox's name-scanned trees after launch (late_covers_linux.c). */
#ifndef GUARD_LATE_COVERS_H
#define GUARD_LATE_COVERS_H

#include "plan/plan.h"

struct guard_watch;
/* In the supervisor: make the inotify instance init will inherit (before the clone), and let it go once the
 * sandbox has ended, without waiting for the kernel to free its watches. */
void guard_watch_prepare(const struct guard_plan *plan);
void guard_watch_release(void);
/* Start watching (NULL when there is nothing to watch or inotify is unavailable). cover_fds {-1, -1}: no covers
 * (Landlock-only mode, watching from the supervisor), protected arrivals are still moved aside. */
struct guard_watch *guard_watch_start(const struct guard_plan *plan, const int cover_fds[2]);
/* The descriptor to poll (POLLIN: guard_watch_handle has work). */
int guard_watch_fd(const struct guard_watch *w);
/* Read pending notifications, cover what the policy denies and move protected arrivals aside, in a bounded number
 * of rounds (what is left keeps the descriptor readable). -1: a protected arrival could be neither moved aside nor
 * removed; the caller ends the session. */
int guard_watch_handle(struct guard_watch *w);
/* The same until nothing is left: once nothing in the sandbox runs any more, at the session's end. */
int guard_watch_finish(struct guard_watch *w);
void guard_watch_free(struct guard_watch *w);

#endif
