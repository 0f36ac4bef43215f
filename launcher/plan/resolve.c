/* Resolving ~, $HOME, $PROJECT, $TMP and project-relative patterns into what the matcher takes. */
#include <string.h>

#include "plan/plan.h"
#include "policy/policy_api.h"

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
