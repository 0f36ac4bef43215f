/* Events to the supervisor: one datagram per (process, op, target, result), sent at once (a SIGKILL right after
 * loses nothing), never disturbing errno, waiting a bounded time at most when the supervisor's queue is full.
 * The socket fd survives the program closing or dup2-ing over it: it is checked (fstat: same socket inode)
 * before each send and re-created when gone. Stack only: usable between vfork and exec (a socket made there is
 * closed again, never stored). */
#ifndef GUARD_SHIM_EVENT_H
#define GUARD_SHIM_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "guard/event.h"

struct shim_ev {
	enum guard_op op;
	int err;
	uint32_t rule;
	unsigned flags; /* GUARD_EVF_EXPLAINED */
	const char *path, *path2, *cwd;
	char *const *argv;
};

/* Encode and send (no-op when the image names no socket). */
void shim_event_emit(const struct shim_ev *e);

/* Before vfork: make the socket now, in the parent, so the child's exec event goes through the parent's socket
 * (the child has a copy of its descriptors until exec) instead of a socket of its own made and closed between
 * vfork and exec: seven system calls fewer for every command a shell starts. */
void shim_event_prepare(void);

/* fork: the child keeps the socket (shared, fine for datagrams) but not a lock another thread held. */
void shim_event_child(void);

#endif
