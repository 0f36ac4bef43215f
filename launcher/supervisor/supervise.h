/* The supervisor's side of a session: the channels it owns outside the sandbox and the loop that serves them
 * until the command ends. The loop is platform-neutral: what the platform's runner needs served besides the
 * session's own channels (on Linux the late covers' inotify and the seccomp observer) reaches it as slots. */
#ifndef GUARD_SUPERVISE_H
#define GUARD_SUPERVISE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "guard/image.h"
#include "log/session.h"
#include "supervisor/stats.h"

struct guard_cgroup;
struct guard_supervision;

/* One extra descriptor for the loop to poll. handle runs when poll reports anything on it (revents as poll set
 * them); it may replace slot->fd with the next descriptor to serve, or set it to -1 when the slot is done. close
 * (may be NULL) runs once after the loop, whether or not the slot is done. */
struct guard_supervision_slot {
	int fd; /* polled while >= 0 */
	short events;
	void (*handle)(struct guard_supervision_slot *slot, short revents);
	void (*close)(struct guard_supervision_slot *slot);
	void *ctx;
};

#define GUARD_SUPERVISION_SLOTS 4

struct guard_supervision {
	int event_fd;         /* bound unix SOCK_DGRAM the shim sends to; -1: none */
	int observer_sock[2]; /* socketpair carrying the seccomp listener fd out of the child; -1: no observer */
	uint64_t magic;       /* the session magic the observer filter lets through */
	const struct guard_image *image;
	struct guard_session *session;     /* may be NULL (--dry-run, or the log could not be created) */
	const struct guard_cgroup *cgroup; /* may be NULL */
	struct guard_masker *mask;         /* mask_output: NULL when nothing is masked (mask.h) */
	struct guard_outproxy *outproxy;   /* its pty or pipes while the command runs (outproxy.h) */
	struct guard_supervision_slot slots[GUARD_SUPERVISION_SLOTS]; /* filled by the runner (guard_supervision_add) */
	int nslots;
	struct guard_sup_stats stats; /* written at the end when GUARD_STATS names a file (stats.h) */
};

/* Add a slot for the loop; dies when the table is full (a runner's bug, not a run-time condition). */
void guard_supervision_add(struct guard_supervision *sup, const struct guard_supervision_slot *slot);

/* Serve children until `child` has exited and every record writer is gone; return guard's exit status
 * (the command's own, 128+N, or 125/126/127 from a record). `subreaper`: guard is the subreaper of the session's
 * processes (no PID namespace): what is left once `child` (the command, or Linux's keeper) has ended is killed,
 * and without a status record the child's own status is the command's. */
int guard_supervise(pid_t child, int rec_fd, bool subreaper, struct guard_supervision *sup);

/* Per-session deduplication of (pid, op, path) for observer events. */
struct guard_dedup *guard_dedup_new(void);
bool guard_dedup_first(struct guard_dedup *d, pid_t pid, int op, const char *path);
void guard_dedup_free(struct guard_dedup *d);

#endif
