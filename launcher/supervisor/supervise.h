/* The supervisor's side of a session: the channels it owns outside the sandbox and the loop that serves them
 * until the command ends. */
#ifndef GUARD_SUPERVISE_H
#define GUARD_SUPERVISE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "guard/image.h"
#include "sandbox/linux/cgroup.h"
#include "log/session.h"

struct guard_supervision {
	int event_fd;          /* bound unix SOCK_DGRAM the shim sends to; -1: none */
	int observer_sock[2];  /* socketpair carrying the seccomp listener fd out of the child; -1: no observer */
	uint64_t magic;        /* the session magic the observer filter lets through */
	const struct guard_image *image;
	struct guard_session *session; /* may be NULL (--dry-run, or the log could not be created) */
	const struct guard_cgroup *cgroup; /* may be NULL */
	struct guard_watch *watch;          /* Landlock-only mode: protected arrivals watched from outside */
	struct guard_masker *mask;          /* mask_output: NULL when nothing is masked (mask.h) */
	struct guard_outproxy *outproxy;    /* its pty or pipes while the command runs (outproxy.h) */
};

/* Serve children until `child` has exited and every record writer is gone; return guard's exit status
 * (the command's own, 128+N, or 125/126/127 from a record). */
int guard_supervise(pid_t child, int rec_fd, bool child_is_command, struct guard_supervision *sup);

/* In the command's child, right before exec: install the observer filter and hand its listener to the
 * supervisor over `sock`. Returns 0, or -1 with why. */
int guard_observer_install(int sock, uint64_t magic, char *why, size_t whylen);

/* Supervisor: serve one notification on `notify_fd`: log the attempt, let the kernel continue. Returns -1 when
 * the listener is gone (every watched process exited). */
struct guard_dedup;
int guard_observer_serve(int notify_fd, struct guard_supervision *sup, struct guard_dedup *seen);

/* Per-session deduplication of (pid, op, path) for observer events. */
struct guard_dedup *guard_dedup_new(void);
bool guard_dedup_first(struct guard_dedup *d, pid_t pid, int op, const char *path);
void guard_dedup_free(struct guard_dedup *d);

#endif
