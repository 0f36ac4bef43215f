/* The words of `guard explain` (explain_advice.c). */
#ifndef GUARD_REPORT_EXPLAIN_H
#define GUARD_REPORT_EXPLAIN_H

#include <stdbool.h>

#include "guard/image.h"
#include "lib/json_write.h"
#include "policy/verdict.h"

/* files.deny ".env"  rules/default.yaml:14:7 (profile) */
void guard_explain_rule(struct guard_buf *b, const struct guard_image *img, const struct guard_image_rule *r);
/* "allowed", "denied (files.deny: neither readable nor writable)", ... */
void guard_explain_verdict(struct guard_buf *b, const struct guard_verdict *v);
/* Which mechanism enforces the verdict on path in this image's mode (cover, read-only bind, Landlock). */
const char *guard_explain_layer(const struct guard_image *img, const struct guard_verdict *v, const char *path);
/* "  to allow  guard run --deny '!P' -- CMD" and the YAML lines for every run (or "  to deny ..." when allowed).
 * exists/is_dir: what the path is on this host; argv: the session's command for the example (may be NULL). */
void guard_explain_advice(struct guard_buf *b, const struct guard_image *img, const char *path,
			  const struct guard_verdict *v, bool is_dir, bool exists, const char *const *argv);
/* --op exec: the exec.deny entry refusing the program at path (its name, or its symlink target's), with
 * where it is enforced and how to allow it; nothing when no entry denies it (exec_rules.c). */
void guard_explain_exec(struct guard_buf *b, const struct guard_image *img, const char *path);

#endif
