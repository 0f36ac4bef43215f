/* Writing SBPL text (sbpl_gen.h): strings Seatbelt reads back as we meant them, rules with their provenance. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/guard.h"
#include "sandbox/darwin/sbpl_gen.h"

void sbpl_fail(struct sbpl_gen *g, const char *fmt, ...)
{
	if (g->failed)
		return;
	g->failed = true;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g->why, g->whylen, fmt, ap);
	va_end(ap);
}

char *sbpl_physical(struct sbpl_gen *g, const char *path)
{
	if (!g->in->physical)
		return guard_xstrdup(path);
	char *p = g->in->physical(path, g->in->ctx);
	return p ? p : guard_xstrdup(path);
}

/* A string literal: SBPL strings take no '"', and a '\' or a control character would be read differently by
 * Seatbelt's reader than by us; such a path is refused rather than guessed at. */
char *sbpl_string(struct sbpl_gen *g, const char *s)
{
	size_t n = strlen(s);
	if (n > GUARD_SBPL_MAX_STRING) {
		sbpl_fail(g, "a path of %zu bytes is longer than a Seatbelt string may be: %.80s...", n, s);
		return guard_xstrdup("\"\"");
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == '"' || s[i] == '\\' || s[i] == 0x7f) {
			sbpl_fail(g, "a path SBPL cannot spell (a quote, backslash or control character): %s", s);
			return guard_xstrdup("\"\"");
		}
	return guard_xasprintf("\"%s\"", s);
}

char *sbpl_path_filter(struct sbpl_gen *g, const char *kind, const char *physical_path)
{
	char *s = sbpl_string(g, physical_path);
	char *f = guard_xasprintf("(%s %s)", kind, s);
	free(s);
	return f;
}

char *sbpl_regex_filter(struct sbpl_gen *g, const char *re)
{
	if (strlen(re) > GUARD_SBPL_MAX_STRING) {
		sbpl_fail(g, "a rule's regex is longer than a Seatbelt string may be (%zu bytes)", strlen(re));
		return guard_xstrdup("(regex #\"^$\")");
	}
	return guard_xasprintf("(regex #\"%s\")", re);
}

/* " (with message \"FILE:LINE TAG\")": where the rule was written, so a denial in the log names it. */
static void message(struct sbpl_gen *g, const char *origin)
{
	const char *tag = g->in->tag;
	char *s = guard_xasprintf("%s%s%s", origin, tag ? " " : "", tag ? tag : "");
	for (char *c = s; *c; c++)
		if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
			*c = '?';
	fprintf(g->out, " (with message \"%s\")", s);
	free(s);
}

char *sbpl_origin(const struct sbpl_gen *g, const struct guard_image_rule *r)
{
	const char *file = guard_image_str(&g->in->plan->image, r->file);
	return r->line ? guard_xasprintf("%s:%u", file, r->line) : guard_xstrdup(file);
}

void sbpl_rule(struct sbpl_gen *g, const char *action, const char *ops, const char *filters, const char *origin)
{
	if (++g->rules > GUARD_SBPL_MAX_RULES)
		sbpl_fail(g, "the profile would have more than %d rules, past what Seatbelt compiles",
			  GUARD_SBPL_MAX_RULES);
	fprintf(g->out, "(%s %s%s%s", action, ops, filters && *filters ? " " : "", filters ? filters : "");
	message(g, origin);
	fputs(")\n", g->out);
}

void sbpl_comment(struct sbpl_gen *g, const char *text)
{
	fprintf(g->out, "\n; %s\n", text);
}
