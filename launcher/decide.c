/* Pattern resolution and the gitignore-style verdict of the deny and protect lists. */
#include <string.h>

#include "guard/match.h"
#include "plan.h"
#include "policy_api.h"

static const char *strip_var(const char *p, const char *var)
{
	size_t n = strlen(var);
	if (strncmp(p, var, n) == 0 && (p[n] == 0 || p[n] == '/'))
		return p + n;
	return NULL;
}

int guard_resolve_pattern(const struct guard_rule *r, const char *home, const char *project, const char *tmpdir,
			  struct guard_resolved *out, struct guard_error *err)
{
	const char *p = r->pattern, *rest;
	const char *base = NULL;
	size_t len = strlen(p);
	memset(out, 0, sizeof *out);
	out->rule = r;
	out->dir_only = len > 1 && p[len - 1] == '/';

	if (p[0] == '~' && (p[1] == 0 || p[1] == '/'))
		base = home, rest = p + 1;
	else if ((rest = strip_var(p, "$HOME")))
		base = home;
	else if ((rest = strip_var(p, "$PROJECT")))
		base = project;
	else if ((rest = strip_var(p, "$TMP")))
		base = tmpdir;
	else if (p[0] == '$') {
		guard_error_set(err, r->at.file, r->at.line, r->at.col, "known variables: ~, $HOME, $PROJECT, $TMP",
				"unknown variable in \"%s\"", p);
		return -1;
	} else if (p[0] == '/') {
		base = "", rest = p;
	} else {
		const char *slash = strchr(p, '/');
		if (!slash || slash == p + len - 1) {
			out->pattern = guard_xstrdup(p);
			out->name_only = true;
			return 0;
		}
		/* A relative pattern with a slash is anchored at the project, like a .gitignore at its root. */
		base = project, rest = p;
	}
	out->pattern = guard_xasprintf("%s/%s", base, rest);
	/* Collapse "//" (from "$HOME/" with HOME="/") without touching glob syntax. */
	char *w = out->pattern;
	for (char *q = out->pattern; *q; q++)
		if (!(q[0] == '/' && q[1] == '/'))
			*w++ = *q;
	*w = 0;
	if (w > out->pattern + 1 && w[-1] == '/' && !out->dir_only)
		w[-1] = 0; /* "$HOME/" names the directory itself */
	return 0;
}

/* Does the rule match `path` itself (not through an ancestor)? */
static bool matches_self(const struct guard_resolved *r, const char *path, bool is_dir)
{
	if (r->dir_only && !is_dir)
		return false;
	size_t plen = strlen(r->pattern) - (r->dir_only ? 1 : 0);
	if (r->name_only) {
		const char *name = strrchr(path, '/');
		name = name ? name + 1 : path;
		return guard_glob(r->pattern, plen, name, strlen(name), true);
	}
	return guard_glob(r->pattern, plen, path, strlen(path), true);
}

const struct guard_resolved *guard_last_match(const struct guard_plan *plan, enum guard_rule_kind kind,
					      const char *path, bool is_dir, bool names)
{
	const struct guard_resolved *hit = NULL;
	for (size_t i = 0; i < plan->rules.n; i++) {
		const struct guard_resolved *r = &plan->rules.v[i];
		if (r->rule->kind == kind && (names || !r->name_only) && matches_self(r, path, is_dir))
			hit = r;
	}
	return hit;
}

const struct guard_resolved *guard_decide(const struct guard_plan *plan, enum guard_rule_kind kind,
					  const char *path, bool is_dir)
{
	/* Walk from the root down: an excluded directory excludes everything below it for good (gitignore). */
	char buf[4096];
	size_t len = strlen(path);
	if (len >= sizeof buf)
		return NULL;
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != 0)
			continue;
		char saved = buf[i];
		buf[i] = 0;
		bool last = saved == 0;
		const struct guard_resolved *r = guard_last_match(plan, kind, buf, last ? is_dir : true, true);
		buf[i] = saved;
		if (r && !r->rule->negated)
			return r;
	}
	return NULL;
}
