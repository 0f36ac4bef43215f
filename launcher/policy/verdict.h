/* The policy's verdict on one operation on one path, from the compiled image: what the session log records as
 * the deciding rule, and what `guard explain` shows. Precedence: deny > protect > write > read > default deny. */
#ifndef GUARD_VERDICT_H
#define GUARD_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "guard/event.h"
#include "guard/image.h"

struct guard_verdict {
	bool allowed;
	bool write;                             /* the operation needs write access */
	const struct guard_image_rule *winner;  /* the deny/protect rule that denies, or the grant that allows; NULL
						* when nothing grants it (default deny, or a read-only tree for a write) */
	const struct guard_image_rule *tree;    /* the grant holding the path: the write rule, else the read rule */
	const struct guard_image_rule *reallow; /* a '!' deny (or protect) entry that gave the path back, if any */
};

/* Does the op name a path the file policy governs (not connect/bind)? */
bool guard_op_is_path(enum guard_op op);
/* Does the op need write access (write, create, remove, rename, link, truncate)? */
bool guard_op_is_write(enum guard_op op);
/* "read" → GUARD_OP_READ ...; 0 when unknown. */
enum guard_op guard_op_from_name(const char *name);

/* The verdict on `op` on `path` (absolute, normalized). Only for path ops. */
void guard_verdict_of(const struct guard_image *img, enum guard_op op, const char *path, bool is_dir,
		      struct guard_verdict *v);

/* The ancestor (or the path itself) at which the deny/protect rule of `kind` excludes `path`, copied into out
 * ("" when none): a '!' re-allow only works at that level (gitignore: nothing below an excluded directory comes
 * back). */
void guard_verdict_excluded_at(const struct guard_image *img, enum guard_rule_kind kind, const char *path, bool is_dir,
			       char *out, size_t len);

#endif
