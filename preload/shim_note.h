/* What happens after a watched call returned: resolve the target, drop it if this process already reported it,
 * explain a refusal the policy accounts for (once per session, path and reader: shim_told.h), send the event. errno is
 * left exactly as found; nothing here changes the call's result. Between vfork and exec (shim_tls_vfork) only
 * the stack is used: nothing is deduplicated there. */
#ifndef GUARD_SHIM_NOTE_H
#define GUARD_SHIM_NOTE_H

#include <fcntl.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "guard/event.h"
#include "shim_table.h"

struct shim_call {
	enum guard_op op;
	int dirfd;
	const char *path;
	int dirfd2;        /* with path2: rename/link destination, or SHIM_CONTENT_FD */
	const char *path2; /* NULL when the call has one path */
	bool dir_hint;     /* opened as a directory (O_DIRECTORY, opendir) */
	int err;           /* 0: it succeeded */
};

void shim_note_file(const struct shim_call *c);

/* connect/bind/sendto...: AF_UNIX, AF_INET and AF_INET6 targets; other families are ignored. */
void shim_note_net(enum guard_op op, const struct sockaddr *sa, socklen_t len, int err);

/* A name lookup (getaddrinfo, gethostbyname...) that failed: explained when the sandbox's network policy is why
 * (no network, or only guard's proxy resolves names). Not deduplicated between vfork and exec. */
void shim_note_lookup(const char *name);

/* exec: called with err 0 right before the system call (if it succeeds there is no after) and again with the
 * error if it returns. Not deduplicated. */
void shim_note_exec(int dirfd, const char *path, char *const argv[], int err);

/* The op of an open(2) with these flags. */
static inline enum guard_op shim_open_op(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)) ? GUARD_OP_WRITE : GUARD_OP_READ;
}

#endif
