/* Verdicts over the compiled policy (see verdict.h): one place that states the precedence, so the log and
 * `guard explain` can never disagree. */
#include <string.h>

#include "policy/verdict.h"

bool guard_op_is_path(enum guard_op op)
{
	return op > 0 && op < GUARD_OP_MAX && op != GUARD_OP_CONNECT && op != GUARD_OP_BIND;
}

bool guard_op_is_write(enum guard_op op)
{
	return guard_op_is_path(op) && op != GUARD_OP_READ && op != GUARD_OP_EXEC;
}

enum guard_op guard_op_from_name(const char *name)
{
	for (int op = 1; name && op < GUARD_OP_MAX; op++)
		if (strcmp(name, guard_op_name((enum guard_op)op)) == 0)
			return (enum guard_op)op;
	return (enum guard_op)0;
}

void guard_verdict_of(const struct guard_image *img, enum guard_op op, const char *path, bool is_dir,
		      struct guard_verdict *v)
{
	memset(v, 0, sizeof *v);
	v->write = guard_op_is_write(op);
	v->tree = guard_image_grant(img, GUARD_WRITE, path, is_dir);
	if (!v->tree)
		v->tree = guard_image_grant(img, GUARD_READ, path, is_dir);

	const struct guard_image_rule *d = guard_image_decide(img, GUARD_DENY, path, is_dir);
	if (d) {
		v->winner = d;
		return;
	}
	const struct guard_image_rule *last = guard_image_last_match(img, GUARD_DENY, path, is_dir, true);
	if (last && (last->flags & GUARD_IRULE_NEGATED))
		v->reallow = last;
	if (v->write) {
		const struct guard_image_rule *p = guard_image_decide(img, GUARD_PROTECT, path, is_dir);
		if (p) {
			v->winner = p;
			return;
		}
		last = guard_image_last_match(img, GUARD_PROTECT, path, is_dir, true);
		if (last && (last->flags & GUARD_IRULE_NEGATED) && !v->reallow)
			v->reallow = last;
		/* A write needs a write grant; a read grant alone leaves the tree read-only. */
		if (v->tree && v->tree->kind == GUARD_WRITE) {
			v->winner = v->tree;
			v->allowed = true;
		}
		return;
	}
	if (v->tree) {
		v->winner = v->tree;
		v->allowed = true;
	}
}

void guard_verdict_excluded_at(const struct guard_image *img, enum guard_rule_kind kind, const char *path, bool is_dir,
			       char *out, size_t len)
{
	/* The same walk as guard_image_decide, remembering where it stopped. */
	size_t n = strlen(path);
	if (len)
		out[0] = 0;
	if (n >= len)
		return;
	memcpy(out, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (out[i] != '/' && out[i] != 0)
			continue;
		char saved = out[i];
		out[i] = 0;
		const struct guard_image_rule *r = guard_image_last_match(img, kind, out, saved ? true : is_dir, true);
		if (r && !(r->flags & GUARD_IRULE_NEGATED))
			return;
		out[i] = saved;
	}
	out[0] = 0;
}
