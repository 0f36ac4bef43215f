/* The event wire format (include/guard/event.h): encoded in every shimmed process, decoded by the supervisor,
 * which must survive anything a compromised sandbox sends. */
#include <string.h>

#include "guard/event.h"

static const char *const op_names[GUARD_OP_MAX] = {
	[GUARD_OP_READ] = "read",         [GUARD_OP_WRITE] = "write",   [GUARD_OP_EXEC] = "exec",
	[GUARD_OP_CONNECT] = "connect",   [GUARD_OP_BIND] = "bind",     [GUARD_OP_CREATE] = "create",
	[GUARD_OP_REMOVE] = "remove",     [GUARD_OP_RENAME] = "rename", [GUARD_OP_LINK] = "link",
	[GUARD_OP_TRUNCATE] = "truncate",
};

const char *guard_op_name(enum guard_op op)
{
	return op > 0 && op < GUARD_OP_MAX && op_names[op] ? op_names[op] : "?";
}

/* Copy s (NUL included) if it fits in the room left, cutting it otherwise; returns bytes used. */
static size_t put_str(char *dst, size_t room, const char *s, unsigned *flags)
{
	if (!s)
		return 0;
	if (room == 0) { /* dropped whole: say so like any cut */
		*flags |= GUARD_EVF_TRUNCATED;
		return 0;
	}
	size_t n = strlen(s) + 1;
	if (n > room) {
		n = room;
		*flags |= GUARD_EVF_TRUNCATED;
	}
	if (n > 0xffff) {
		n = 0xffff;
		*flags |= GUARD_EVF_TRUNCATED;
	}
	memcpy(dst, s, n - 1);
	dst[n - 1] = 0;
	return n;
}

size_t guard_event_encode(void *buf, size_t cap, const struct guard_event *ev, char *const *argv)
{
	struct guard_event_hdr h = {0};
	if (cap > GUARD_EVENT_MAX)
		cap = GUARD_EVENT_MAX;
	if (cap < sizeof h + 1)
		return 0;
	char *data = (char *)buf + sizeof h;
	size_t room = cap - sizeof h, used = 0;
	unsigned flags = ev->flags;
	/* The path matters most, then cwd, then the second path, then as much argv as fits. */
	size_t p1 = put_str(data, room, ev->path, &flags);
	used += p1;
	size_t p2 = put_str(data + used, room - used, ev->path2, &flags);
	used += p2;
	size_t cw = put_str(data + used, room - used, ev->cwd, &flags);
	used += cw;
	size_t av = 0;
	unsigned nargv = 0;
	for (; argv && argv[nargv]; nargv++) {
		size_t n = strlen(argv[nargv]) + 1;
		if (n > room - used - av || av + n > 0xffff || nargv == 0xffff) {
			flags |= GUARD_EVF_TRUNCATED;
			break;
		}
		memcpy(data + used + av, argv[nargv], n);
		av += n;
	}
	used += av;
	h.version = GUARD_EVENT_VERSION;
	h.size = (uint16_t)(sizeof h + used);
	h.op = (uint8_t)ev->op;
	h.origin = (uint8_t)ev->origin;
	h.flags = (uint8_t)flags;
	h.err = ev->err;
	h.pid = ev->pid;
	h.ppid = ev->ppid;
	h.rule = ev->rule;
	h.session = ev->session;
	h.path_len = (uint16_t)p1;
	h.path2_len = (uint16_t)p2;
	h.cwd_len = (uint16_t)cw;
	h.argv_len = (uint16_t)av;
	h.nargv = (uint16_t)nargv;
	memcpy(buf, &h, sizeof h);
	return h.size;
}

/* A field of n bytes must be empty, or end in its only NUL. */
static int check_str(const char *p, size_t n, const char **out)
{
	*out = NULL;
	if (n == 0)
		return 0;
	if (p[n - 1] != 0 || memchr(p, 0, n) != p + n - 1)
		return -1;
	*out = p;
	return 0;
}

int guard_event_decode(const void *buf, size_t len, struct guard_event *out)
{
	struct guard_event_hdr h;
	if (len < sizeof h || len > GUARD_EVENT_MAX)
		return -1;
	memcpy(&h, buf, sizeof h);
	size_t body = (size_t)h.path_len + h.path2_len + h.cwd_len + h.argv_len;
	if (h.version != GUARD_EVENT_VERSION || h.size != len || body != len - sizeof h || h.op == 0 ||
	    h.op >= GUARD_OP_MAX || (h.origin != GUARD_ORIGIN_SHIM && h.origin != GUARD_ORIGIN_OBSERVER))
		return -1;
	const char *p = (const char *)buf + sizeof h;
	memset(out, 0, sizeof *out);
	if (check_str(p, h.path_len, &out->path) || check_str(p + h.path_len, h.path2_len, &out->path2) ||
	    check_str(p + h.path_len + h.path2_len, h.cwd_len, &out->cwd))
		return -1;
	const char *a = p + h.path_len + h.path2_len + h.cwd_len;
	unsigned count = 0;
	for (size_t i = 0; i < h.argv_len; i++)
		count += a[i] == 0;
	if (count != h.nargv || (h.argv_len && a[h.argv_len - 1] != 0))
		return -1;
	out->op = (enum guard_op)h.op;
	out->origin = (enum guard_event_origin)h.origin;
	out->flags = h.flags;
	out->err = h.err;
	out->pid = h.pid;
	out->ppid = h.ppid;
	out->rule = h.rule;
	out->session = h.session;
	out->argv = h.argv_len ? a : NULL;
	out->nargv = h.nargv;
	return 0;
}
