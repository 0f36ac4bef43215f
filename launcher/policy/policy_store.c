/* The policy store: interned origin names, load errors, and the checks every files.* rule and env name passes
 * whatever its source (YAML or flag), so a typo is caught where it was written instead of silently matching
 * nothing. The sections (network, exec, mask_output) build on it; policy.c, the aggregate, sits above them. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "guard/match.h"
#include "lib/guard.h"
#include "policy/policy_api.h"

const char *guard_rule_kind_name(enum guard_rule_kind kind)
{
	switch (kind) {
	case GUARD_READ:
		return "read";
	case GUARD_WRITE:
		return "write";
	case GUARD_DENY:
		return "deny";
	case GUARD_PROTECT:
		return "protect";
	case GUARD_EXEC_DENY:
		return "exec.deny";
	}
	return "?";
}

const char *guard_source_name(enum guard_source src)
{
	switch (src) {
	case GUARD_SRC_PROFILE:
		return "profile";
	case GUARD_SRC_USER:
		return "user config";
	case GUARD_SRC_PROJECT:
		return "project";
	case GUARD_SRC_FLAG:
		return "flag";
	case GUARD_SRC_BUILTIN:
		return "implicit";
	}
	return "?";
}

const char *guard_policy_intern(struct guard_policy *p, const char *s)
{
	/* A handful of distinct files per policy: a linear search is the cheapest structure. */
	for (size_t i = 0; i < p->ninterned; i++)
		if (strcmp(p->interned[i], s) == 0)
			return p->interned[i];
	p->interned = guard_grow(p->interned, &p->capinterned, p->ninterned + 1, sizeof *p->interned);
	return p->interned[p->ninterned++] = guard_xstrdup(s);
}

/* Messages from a file start with the YAML key ("files.read: "); a flag's error already starts with the flag. */
static const char *where(enum guard_rule_kind kind, struct guard_origin at, char *buf, size_t len)
{
	if (at.source == GUARD_SRC_FLAG)
		buf[0] = '\0';
	else
		snprintf(buf, len, "files.%s: ", guard_rule_kind_name(kind));
	return buf;
}

static int fail(struct guard_error *err, struct guard_origin at, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct guard_error *err, struct guard_origin at, const char *hint, const char *fmt, ...)
{
	char msg[sizeof err->message];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	guard_error_set(err, at.file, at.line, at.col, hint, "%s", msg);
	return -1;
}

#define KNOWN_VARS "known: ~, $HOME, $PROJECT, $TMP"

/* The launcher resolves only a leading ~ or $VAR; anything else starting that way would be taken literally. */
static int check_anchor(const char *pat, const char *what, struct guard_origin at, struct guard_error *err)
{
	static const char *const vars[] = {"HOME", "PROJECT", "TMP", NULL};
	char hint[256];
	if (pat[0] == '~') {
		if (pat[1] && pat[1] != '/')
			return fail(err, at, "write ~/... for your home directory, or an absolute path",
				    "%s\"%s\": ~user is not supported", what, pat);
		return 0;
	}
	if (pat[0] != '$')
		return 0;
	size_t n = 0;
	while (isalnum((unsigned char)pat[1 + n]) || pat[1 + n] == '_')
		n++;
	if (n == 0) {
		snprintf(hint, sizeof hint, "write the variable without braces, like $PROJECT/src; %s", KNOWN_VARS);
		return fail(err, at, hint, "%s\"%s\": expected a variable name after '$'", what, pat);
	}
	char name[64];
	snprintf(name, sizeof name, "%.*s", (int)n, pat + 1);
	bool known = false;
	for (const char *const *v = vars; *v; v++)
		known |= strcmp(*v, name) == 0;
	if (!known) {
		const char *s = guard_suggest(name, vars);
		if (s)
			snprintf(hint, sizeof hint, "did you mean $%s? %s", s, KNOWN_VARS);
		else
			snprintf(hint, sizeof hint, "%s", KNOWN_VARS);
		return fail(err, at, hint, "%sunknown variable $%s in \"%s\"", what, name, pat);
	}
	if (pat[1 + n] && pat[1 + n] != '/')
		return fail(err, at, "put a '/' after the variable, like $PROJECT/src",
			    "%s\"%s\": a variable must end the pattern or be followed by '/'", what, pat);
	return 0;
}

/* read/write grant trees; only deny/protect expand a bare name against the real trees. "dir/" is a name too. */
static bool is_path(const char *pat)
{
	if (pat[0] == '/' || pat[0] == '~' || pat[0] == '$')
		return true;
	const char *slash = strchr(pat, '/');
	return slash && slash[1] != '\0';
}

static int check_text(const char *s, const char *what, struct guard_origin at, struct guard_error *err)
{
	if (!*s)
		return fail(err, at, "remove the empty entry", "%sempty entry", what);
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return fail(err, at, "remove the control character", "%s\"%s\" contains a control character",
				    what, s);
	size_t n = strlen(s);
	if (isspace((unsigned char)s[0]) || isspace((unsigned char)s[n - 1]))
		return fail(err, at, "remove the spaces, or escape a space that is part of the name with '\\'",
			    "%s\"%s\" starts or ends with a space", what, s);
	return 0;
}

int guard_policy_add_rule(struct guard_policy *p, enum guard_rule_kind kind, const char *pattern,
			  struct guard_origin at, struct guard_error *err)
{
	char what[128];
	where(kind, at, what, sizeof what);
	if (check_text(pattern, what, at, err) < 0)
		return -1;
	bool neg = pattern[0] == '!';
	const char *pat = pattern + neg;
	if (neg && (kind == GUARD_READ || kind == GUARD_WRITE))
		return fail(err, at, "remove the '!'; to take something back from a grant, add it to files.deny",
			    "%s\"%s\": '!' re-allows only within files.deny and files.protect", what, pattern);
	if (neg && !*pat)
		return fail(err, at, "write the pattern to re-allow after the '!'", "%s'!' alone is not a pattern",
			    what);
	if (check_text(pat, what, at, err) < 0 || check_anchor(pat, what, at, err) < 0)
		return -1;
	if ((kind == GUARD_READ || kind == GUARD_WRITE) && !is_path(pat))
		return fail(err, at,
			    "start it with /, ~, $PROJECT, $HOME or $TMP, or write a relative path with a '/' like "
			    "./build; a bare name is only meaningful in deny and protect",
			    "%s\"%s\" is not a path", what, pat);
	const char *why = guard_pattern_error(pat);
	if (why)
		return fail(err, at, "globs: * ? [abc] [a-z] [!x], \\x escapes x, ** as a whole path component",
			    "%sbad pattern \"%s\": %s", what, pat, why);

	p->rules = guard_grow(p->rules, &p->caprules, p->nrules + 1, sizeof *p->rules);
	at.file = guard_policy_intern(p, at.file ? at.file : "");
	p->rules[p->nrules++] =
		(struct guard_rule){.kind = kind, .negated = neg, .pattern = guard_xstrdup(pat), .at = at};
	return 0;
}

int guard_policy_add_name(struct guard_policy *p, bool pass, const char *name, struct guard_origin at,
			  struct guard_error *err)
{
	const char *what = pass ? "env.pass: " : "env.drop: ";
	if (check_text(name, what, at, err) < 0)
		return -1;
	if (name[0] == '!' || name[strcspn(name, "=/ \t")])
		return fail(err, at, "name a variable, or a glob over names like AWS_*",
			    "%s\"%s\" is not a variable name", what, name);
	const char *why = guard_pattern_error(name);
	if (why)
		return fail(err, at, "globs: * ? [abc] [a-z] [!x]", "%sbad pattern \"%s\": %s", what, name, why);

	struct guard_name **arr = pass ? &p->env_pass : &p->env_drop;
	size_t *n = pass ? &p->npass : &p->ndrop, *cap = pass ? &p->capass : &p->capdrop;
	*arr = guard_grow(*arr, cap, *n + 1, sizeof **arr);
	at.file = guard_policy_intern(p, at.file ? at.file : "");
	(*arr)[(*n)++] = (struct guard_name){.name = guard_xstrdup(name), .at = at};
	return 0;
}

int guard_policy_add_env_set(struct guard_policy *p, const char *name, const char *value, struct guard_origin at,
			     struct guard_error *err)
{
	if (check_text(name, "env.set: ", at, err) < 0)
		return -1;
	bool word = isalpha((unsigned char)name[0]) || name[0] == '_';
	for (const char *c = name; *c && word; c++)
		word = isalnum((unsigned char)*c) || *c == '_';
	if (!word)
		return fail(err, at, "name one variable: letters, digits and _, not starting with a digit",
			    "env.set: \"%s\" is not a variable name", name);
	/* guard sets these after env.set: an entry would do nothing */
	if (!strncmp(name, "GUARD_", 6) || !strncmp(name, "LD_", 3) || !strcmp(name, "TMPDIR"))
		return fail(err, at, "remove it: guard sets this variable itself", "env.set: %s is guard's own", name);
	for (const char *c = value; *c; c++)
		if ((unsigned char)*c < 0x20 && *c != '\t')
			return fail(err, at, "remove the control character",
				    "env.set: the value of %s contains a control character", name);
	p->env_set = guard_grow(p->env_set, &p->capset, p->nset + 1, sizeof *p->env_set);
	at.file = guard_policy_intern(p, at.file ? at.file : "");
	p->env_set[p->nset++] = (struct guard_name){.name = guard_xasprintf("%s=%s", name, value), .at = at};
	return 0;
}
