/* See guard/explain.h. The verdict follows the policy's precedence (deny > protect > write > read > default
 * deny, DESIGN.md §4) but only ever to explain an error the kernel already returned. */
#include <string.h>

#include "guard/explain.h"
#include "guard/path.h"

uint32_t guard_rule_number(const struct guard_image *img, const struct guard_image_rule *r)
{
	return r ? (uint32_t)(r - img->rules) + 1 : 0;
}

/* A name rule (".env", "secrets/") is applied by the launcher inside the project and the granted parts of home
 * only: elsewhere the same name is not covered, so it cannot be why the kernel said no. */
static bool rule_applies(const struct guard_image *img, const struct guard_image_rule *r, const char *path)
{
	if (!(r->flags & GUARD_IRULE_NAME_ONLY))
		return true;
	return guard_lexpath_under(path, guard_image_str(img, img->h->project)) ||
	       guard_lexpath_under(path, guard_image_str(img, img->h->home));
}

/* guard_image_decide, also telling how long the matching prefix is (a denied ancestor directory must be
 * re-allowed as a whole: gitignore re-allows nothing below an excluded directory). */
static const struct guard_image_rule *decide(const struct guard_image *img, enum guard_rule_kind kind, const char *path,
					     bool is_dir, size_t *prefix)
{
	char buf[4096];
	size_t len = strlen(path);
	if (len >= sizeof buf || path[0] != '/')
		return NULL;
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != 0)
			continue;
		char saved = buf[i];
		buf[i] = 0;
		const struct guard_image_rule *r =
			guard_image_last_match(img, kind, buf, saved == 0 ? is_dir : true, true);
		bool applies = r && !(r->flags & GUARD_IRULE_NEGATED) && rule_applies(img, r, buf);
		buf[i] = saved;
		if (applies) {
			*prefix = i;
			return r;
		}
	}
	return NULL;
}

static bool by_rule(const struct guard_image *img, const struct guard_facts *f, const char *path, bool is_dir,
		    struct guard_refusal *v)
{
	const struct guard_image_rule *r = decide(img, GUARD_DENY, path, is_dir, &v->prefix);
	if (r) {
		v->why = GUARD_WHY_DENY, v->rule = r;
		return true;
	}
	if (guard_op_writes(f->op) && (r = decide(img, GUARD_PROTECT, path, is_dir, &v->prefix))) {
		v->why = GUARD_WHY_PROTECT, v->rule = r;
		return true;
	}
	return false;
}

static bool by_grant(const struct guard_image *img, const struct guard_facts *f, const char *path, bool is_dir,
		     struct guard_refusal *v)
{
	const struct guard_image_rule *w = guard_image_grant(img, GUARD_WRITE, path, is_dir);
	if (w)
		return false; /* writable means readable too */
	const struct guard_image_rule *r = guard_image_grant(img, GUARD_READ, path, is_dir);
	if (!guard_op_writes(f->op)) {
		if (r)
			return false;
		v->why = GUARD_WHY_NOT_GRANTED;
		return true;
	}
	v->why = r ? GUARD_WHY_READ_ONLY : GUARD_WHY_NOT_GRANTED;
	v->rule = r;
	return true;
}

void guard_explain_decide(const struct guard_image *img, const struct guard_facts *f, struct guard_refusal *v)
{
	memset(v, 0, sizeof *v);
	if (f->op == GUARD_OP_CONNECT || f->op == GUARD_OP_BIND) {
		if (f->op == GUARD_OP_CONNECT)
			guard_explain_net_decide(img, f, v);
		return;
	}
	if (!f->path || !guard_err_explainable(f->err))
		return;
	if (f->err == EXDEV) {
		/* Landlock says EXDEV for a rename or link it will not reparent; across two filesystems the
		 * kernel says it for real, and mv copies instead. */
		if ((f->op == GUARD_OP_RENAME || f->op == GUARD_OP_LINK) && f->path2 && f->same_fs)
			v->why = GUARD_WHY_REFER;
		return;
	}
	/* A rename or link can be refused at either end. The target of a symlink is content, not a path. */
	bool two = f->path2 && (f->op == GUARD_OP_RENAME || f->op == GUARD_OP_LINK);
	if (by_rule(img, f, f->path, f->is_dir, v))
		return;
	if (two && by_rule(img, f, f->path2, f->is_dir2, v)) {
		v->second = true;
		return;
	}
	/* Landlock's refusal is EACCES; a read-only mount (namespaces mode) is EROFS. EPERM and EBUSY come from
	 * other causes unless a deny or protect rule (a cover) stands there. */
	if (f->err != EACCES && f->err != EROFS)
		return;
	if (by_grant(img, f, f->path, f->is_dir, v))
		return;
	if (two && by_grant(img, f, f->path2, f->is_dir2, v))
		v->second = true;
}

/* A bounded line builder. */
struct line {
	char *b;
	size_t cap, len;
};

static void put(struct line *l, const char *s)
{
	for (; *s && l->len + 1 < l->cap; s++)
		l->b[l->len++] = *s;
}

/* A path or pattern from the program or the policy: control characters would break the one-line message. */
static void put_clean(struct line *l, const char *s)
{
	for (; *s && l->len + 1 < l->cap; s++)
		l->b[l->len++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
}

static void put_uint(struct line *l, unsigned v)
{
	char d[12];
	int n = 0;
	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < 11);
	while (n && l->len + 1 < l->cap)
		l->b[l->len++] = d[--n];
}

static void put_prov(struct line *l, const struct guard_image *img, const struct guard_image_rule *r)
{
	put(l, "(");
	put_clean(l, guard_image_str(img, r->file));
	if (r->line) {
		put(l, ":");
		put_uint(l, r->line);
		if (r->col) {
			put(l, ":");
			put_uint(l, r->col);
		}
	}
	put(l, ")");
}

static const char *list_name(enum guard_rule_kind k)
{
	switch (k) {
	case GUARD_READ:
		return "files.read";
	case GUARD_WRITE:
		return "files.write";
	case GUARD_DENY:
		return "files.deny";
	default:
		return "files.protect";
	}
}

/* What to re-allow: the path, or the denied ancestor directory (with its '/') the rule matched. */
static void put_allow(struct line *l, const char *path, size_t prefix)
{
	size_t len = strlen(path);
	for (size_t i = 0; i < prefix && i < len && l->len + 1 < l->cap; i++)
		l->b[l->len++] = (unsigned char)path[i] < 0x20 ? '?' : path[i];
	if (prefix < len)
		put(l, "/");
}

static const char *const DONT = " — sandbox policy, not a file permission problem; don't retry.";

const char *guard_explain_builtin_reason(const char *origin)
{
	if (origin && strcmp(origin, GUARD_ORIGIN_ROOT_ONLY) == 0)
		return "guard runs as root, and a file only root may read is never exposed to the sandbox; no flag or "
		       "policy entry overrides guard's own rules (run guard as your own user instead)";
	return "guard's own state (its configuration with the trust store, its session logs) is never exposed to "
	       "the sandbox; no flag or policy entry overrides guard's own rules";
}

size_t guard_explain_format(const struct guard_image *img, const struct guard_facts *f, const struct guard_refusal *v,
			    char *buf, size_t cap)
{
	if (v->why == GUARD_WHY_NONE || cap < 2)
		return 0;
	struct line l = {buf, cap - 1, 0}; /* room for the '\n' */
	const char *path = v->second ? f->path2 : f->path;
	const char *project = guard_image_str(img, img->h->project);
	const char *home = guard_image_str(img, img->h->home);
	const char *op = guard_op_name(f->op);
	const char *cwd = f->cwd ? f->cwd : "";

	switch (v->why) {
	case GUARD_WHY_DENY:
	case GUARD_WHY_PROTECT: {
		bool deny = v->why == GUARD_WHY_DENY;
		const char *list = list_name(deny ? GUARD_DENY : GUARD_PROTECT);
		put(&l, "guard: denied ");
		put(&l, op);
		put(&l, " of ");
		put_clean(&l, guard_lexpath_display(path, cwd, project));
		put(&l, " by ");
		put(&l, list);
		put(&l, " \"");
		put_clean(&l, guard_image_str(img, v->rule->written));
		put(&l, "\" ");
		put_prov(&l, img, v->rule);
		if (v->rule->source == GUARD_SRC_BUILTIN) {
			/* Appended after every source: a '!' re-allow could never win over it. */
			put(&l, " — ");
			put(&l, guard_explain_builtin_reason(guard_image_str(img, v->rule->file)));
			put(&l, "; don't retry.");
			break;
		}
		put(&l, deny ? DONT : " — read-only by policy, not a file permission problem; don't retry.");
		put(&l, deny ? " To allow: guard run --deny '!" : " To allow: guard run --protect '!");
		put_allow(&l, path, v->prefix);
		put(&l, "' …, or add \"!");
		put_allow(&l, path, v->prefix);
		put(&l, "\" under ");
		put(&l, list);
		put(&l, " in .guard.yaml (then: guard trust)");
		break;
	}
	case GUARD_WHY_NOT_GRANTED:
	case GUARD_WHY_READ_ONLY: {
		bool writes = guard_op_writes(f->op);
		bool exists = v->second ? f->exists2 : f->exists;
		put(&l, "guard: denied ");
		put(&l, op);
		put(&l, " of ");
		put_clean(&l, guard_lexpath_display(path, cwd, project));
		if (v->why == GUARD_WHY_READ_ONLY) {
			put(&l, " — read-only: ");
			put(&l, list_name(GUARD_READ));
			put(&l, " \"");
			put_clean(&l, guard_image_str(img, v->rule->written));
			put(&l, "\" ");
			put_prov(&l, img, v->rule);
			put(&l, " grants reading only");
		} else {
			put(&l, writes ? " — not granted for writing by the policy" : " — not granted by the policy");
			if (guard_lexpath_under(path, home))
				put(&l, " (home is deny-by-default)");
			else
				put(&l, " (only the granted trees are visible)");
		}
		put(&l, DONT);
		put(&l, writes ? " To allow: guard run --allow-write " : " To allow: guard run --allow-read ");
		/* Creating needs the directory, except in the private home of namespaces mode, where guard lets the
		 * sandbox create a file granted by its own name (the narrowest grant: never the whole home). */
		char dir[4096];
		bool by_name = (img->h->flags & GUARD_IMAGE_NAMESPACES) && guard_lexpath_under(path, home);
		if (writes && !exists && !by_name && guard_lexpath_split(path, dir, sizeof dir))
			put_clean(&l, dir);
		else
			put_clean(&l, path);
		put(&l, " …");
		break;
	}
	case GUARD_WHY_REFER:
		put(&l, "guard: ");
		put(&l, op);
		put(&l, " of ");
		put_clean(&l, guard_lexpath_display(f->path, cwd, project));
		put(&l, " to ");
		put_clean(&l, guard_lexpath_display(f->path2, cwd, project));
		put(&l, " refused (EXDEV): the sandbox (Landlock) does not move or link files between these "
			"directories — not a disk problem; don't retry the same call: copy, then remove the original");
		break;
	case GUARD_WHY_NO_NETWORK:
	case GUARD_WHY_PROXY_ONLY:
	case GUARD_WHY_OWN_LOOPBACK:
		l.len += guard_explain_net_format(f, v, l.b + l.len, l.cap - l.len);
		break;
	default:
		return 0;
	}
	buf[l.len++] = '\n';
	buf[l.len] = 0;
	return l.len;
}
