/* Events: one datagram per attempt, from the shim (or built by the observer) to the supervisor. Encoded and
 * decoded by preload/event.c, the one implementation both sides link. The supervisor treats every datagram as
 * untrusted input: guard_event_decode validates sizes, lengths and NUL terminators and never reads past `len`. */
#ifndef GUARD_EVENT_H
#define GUARD_EVENT_H

#include <stddef.h>
#include <stdint.h>

#define GUARD_EVENT_VERSION 2
#define GUARD_EVENT_MAX 8192 /* bytes per datagram; longer argv is truncated by the encoder */

enum guard_op {
	GUARD_OP_READ = 1,
	GUARD_OP_WRITE,
	GUARD_OP_EXEC,
	GUARD_OP_CONNECT,
	GUARD_OP_BIND,
	GUARD_OP_CREATE, /* mkdir, mknod, symlink target, mkstemp */
	GUARD_OP_REMOVE, /* unlink, rmdir */
	GUARD_OP_RENAME, /* path → path2 */
	GUARD_OP_LINK,   /* path → path2 */
	GUARD_OP_TRUNCATE,
	GUARD_OP_MAX
};

enum guard_event_origin {
	GUARD_ORIGIN_SHIM = 1,
	GUARD_ORIGIN_OBSERVER,
};

enum {
	GUARD_EVF_EXPLAINED = 1u << 0, /* the shim printed guard's message for it */
	GUARD_EVF_TRUNCATED = 1u << 1, /* argv or a path was cut to fit */
	/* Set by the supervisor only (cleared from what arrives): the pid the datagram claims is not its sender's,
	 * as the kernel tells it (SCM_CREDENTIALS). */
	GUARD_EVF_PID_CONTRADICTED = 1u << 7,
};

struct guard_event_hdr {
	uint16_t version;
	uint16_t size; /* the whole datagram */
	uint8_t op;
	uint8_t origin;
	uint8_t flags;
	uint8_t pad;
	int32_t err;       /* errno the call ended with; 0 = it succeeded */
	int32_t pid, ppid; /* as the sender sees them; the supervisor also has the kernel's word (SCM_CREDENTIALS) */
	uint32_t rule;     /* 1 + index of the deciding rule in the image; 0 = none */
	uint16_t path_len, path2_len, cwd_len, argv_len; /* bytes, NULs included; 0 = absent */
	uint16_t nargv;
	uint16_t pad2;
	uint32_t pad3; /* named, so every byte of the header is a field: no compiler padding a round trip could lose */
	/* The session's magic (the compiled policy's session_magic, which only the session's own processes can
	 * read): a datagram from another session's sandbox, which can find this socket in /proc/net/unix in
	 * Landlock-only mode, does not carry it and is not logged (issue 13). */
	uint64_t session;
	/* followed by: path\0 path2\0 cwd\0 argv[0]\0 argv[1]\0 ... */
};

_Static_assert(sizeof(struct guard_event_hdr) == 48, "the event header is a wire format: 48 bytes, no hidden padding");

/* A decoded event: pointers into the datagram. */
struct guard_event {
	enum guard_op op;
	enum guard_event_origin origin;
	unsigned flags;
	int err;
	int pid, ppid;
	uint32_t rule;
	uint64_t session;               /* hdr.session */
	const char *path, *path2, *cwd; /* NULL when absent */
	const char *argv;               /* nargv NUL-terminated strings back to back */
	unsigned nargv;
};

/* Encode into buf (cap bytes, at least sizeof hdr + a little); returns the size, or 0 when nothing fits.
 * Strings may be NULL; argv may be NULL. Long fields are cut (GUARD_EVF_TRUNCATED). Async-signal-safe. */
size_t guard_event_encode(void *buf, size_t cap, const struct guard_event *ev, char *const *argv);
/* Validate and decode; 0, or -1 when malformed. */
int guard_event_decode(const void *buf, size_t len, struct guard_event *out);
const char *guard_op_name(enum guard_op op); /* "read", "write", ... ("?" when unknown) */

#endif
