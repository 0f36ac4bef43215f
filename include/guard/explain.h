/* Why did the kernel refuse, as far as the policy can tell, and the one-line message that says so.
 *
 * The kernel decides and the shim explains: this runs only after a call failed, on facts the caller gathered
 * (shim_note.c). A refusal the policy does not explain (file modes, a read-only disk, a real cross-device
 * rename) gets GUARD_WHY_NONE: guard is not blamed for it. Pure (image lookups and string building), so the unit
 * test links it directly. */
#ifndef GUARD_EXPLAIN_H
#define GUARD_EXPLAIN_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guard/event.h"
#include "guard/image.h"

enum guard_why {
	GUARD_WHY_NONE,
	GUARD_WHY_DENY,         /* a files.deny rule */
	GUARD_WHY_PROTECT,      /* a files.protect rule (writes) */
	GUARD_WHY_NOT_GRANTED,  /* no files.read/files.write tree holds it */
	GUARD_WHY_READ_ONLY,    /* a read grant holds it, no write grant */
	GUARD_WHY_REFER,        /* EXDEV on one filesystem: Landlock refuses to reparent */
	GUARD_WHY_NO_NETWORK,   /* an IP connection or a name lookup, and the policy allows no network */
	GUARD_WHY_PROXY_ONLY,   /* the same while network.allow names hosts: only guard's proxy reaches them */
	GUARD_WHY_OWN_LOOPBACK, /* ECONNREFUSED on the sandbox's own loopback (namespaces): the host's isn't there */
};

struct guard_facts {
	enum guard_op op;
	int err;
	const char *path; /* absolute, symlinks of the parent resolved; NULL for network */
	bool is_dir, exists;
	const char *path2; /* rename/link: the new name (absolute), else NULL */
	bool is_dir2, exists2;
	bool same_fs;       /* EXDEV: both parents on one filesystem */
	const char *cwd;    /* for display ("" when unknown) */
	const char *target; /* network: "1.2.3.4:443", only for AF_INET/AF_INET6; a lookup: the name */
	bool lo_only;       /* network: the namespace has no interface but lo */
	bool lookup;        /* network: a name lookup (getaddrinfo...) that failed, not a connect */
	const char *proxy;  /* network: guard's proxy URL (GUARD_PROXY), NULL without one */
	const char *allow;  /* network: network.allow's entries, comma-separated (GUARD_NET_ALLOW), or NULL */
};

struct guard_refusal {
	enum guard_why why;
	const char *allowed_by; /* PROXY_ONLY lookups: the network.allow entry that names the host (in f->allow) */
	size_t allowed_len;
	const struct guard_image_rule *rule; /* deciding rule (DENY, PROTECT), the read grant (READ_ONLY), or NULL */
	bool second;                         /* the verdict is about path2 */
	size_t prefix; /* DENY/PROTECT: the rule matched this much of the path (less than all: a denied ancestor) */
};

static inline bool guard_op_writes(enum guard_op op)
{
	return op == GUARD_OP_WRITE || op == GUARD_OP_CREATE || op == GUARD_OP_REMOVE || op == GUARD_OP_RENAME ||
	       op == GUARD_OP_LINK || op == GUARD_OP_TRUNCATE;
}

/* Errors worth looking up at all. */
static inline bool guard_err_explainable(int err)
{
	return err == EACCES || err == EPERM || err == EXDEV || err == EROFS || err == EBUSY;
}

void guard_explain_decide(const struct guard_image *img, const struct guard_facts *f, struct guard_refusal *v);

/* Why a path denied by one of guard's own rules (GUARD_SRC_BUILTIN, named by its origin) stays denied: the
 * advice in place of an override, since those rules come after every policy file and flag. */
const char *guard_explain_builtin_reason(const char *origin);

/* The message (one line, '\n'-terminated, cut to fit cap); returns its length, 0 for GUARD_WHY_NONE. */
size_t guard_explain_format(const struct guard_image *img, const struct guard_facts *f, const struct guard_refusal *v,
			    char *buf, size_t cap);

/* The network part (explain_net.c), called by the two above for GUARD_OP_CONNECT facts. */
void guard_explain_net_decide(const struct guard_image *img, const struct guard_facts *f, struct guard_refusal *v);
/* Writes the message without its '\n' into buf (cap includes room for the NUL); returns its length. */
size_t guard_explain_net_format(const struct guard_facts *f, const struct guard_refusal *v, char *buf, size_t cap);

/* Index + 1 of a rule in the image (the event's `rule` field), 0 for NULL. */
uint32_t guard_rule_number(const struct guard_image *img, const struct guard_image_rule *r);

#endif
