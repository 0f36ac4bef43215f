/* A small SBPL evaluator, for the subset guard generates (sandbox/darwin/sbpl.c), implementing Seatbelt's
 * documented matching as the peers found it (research/macos-seatbelt.md §1.10):
 *   - for an operation, the rules naming it outright beat those reaching it through a wildcard (file-read*),
 *     which beat (deny default); among rules of the same rank the last matching one wins;
 *   - the filters of a rule match when any of them does; literal, subpath, prefix, regex (POSIX ERE, the subset
 *     Seatbelt's regex shares), vnode-type, require-all / require-any / require-not;
 *   - a filter this evaluator does not model (extension, target, global-name, ...) never matches a file path.
 * It parses the text the generator produced, so the differential test decides what Seatbelt would decide from the
 * very profile a Mac would load. It is a model: the enforcement suite on a Mac is what proves Seatbelt agrees. */
#ifndef GUARD_TEST_SBPL_EVAL_H
#define GUARD_TEST_SBPL_EVAL_H

#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum sx_kind { SX_LIST, SX_SYM, SX_STR, SX_REGEX };

struct sx {
	enum sx_kind kind;
	char *text;
	struct sx **kids;
	size_t n;
	regex_t *re; /* SX_REGEX, compiled on first use */
	bool bad_re;
};

struct sbpl_profile {
	struct sx *root; /* a list of the top-level forms */
	const char *error;
};

static struct sx *sx_new(enum sx_kind k, char *text)
{
	struct sx *s = calloc(1, sizeof *s);
	s->kind = k;
	s->text = text;
	return s;
}

static void sx_push(struct sx *list, struct sx *kid)
{
	list->kids = realloc(list->kids, (list->n + 1) * sizeof *list->kids);
	list->kids[list->n++] = kid;
}

static void sx_free(struct sx *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		sx_free(s->kids[i]);
	free(s->kids);
	free(s->text);
	if (s->re) {
		regfree(s->re);
		free(s->re);
	}
	free(s);
}

/* One token or list at *p; NULL with *err at a syntax error. */
static struct sx *sx_parse_one(const char **p, const char **err)
{
	const char *s = *p;
	for (;;) {
		while (*s == ' ' || *s == '\n' || *s == '\t')
			s++;
		if (*s != ';')
			break;
		while (*s && *s != '\n')
			s++;
	}
	if (!*s) {
		*err = "unexpected end";
		return NULL;
	}
	if (*s == ')') {
		*err = "unbalanced ')'";
		return NULL;
	}
	if (*s == '(') {
		struct sx *l = sx_new(SX_LIST, NULL);
		s++;
		for (;;) {
			while (*s == ' ' || *s == '\n' || *s == '\t')
				s++;
			if (*s == ')') {
				*p = s + 1;
				return l;
			}
			const char *q = s;
			struct sx *k = sx_parse_one(&q, err);
			if (!k) {
				sx_free(l);
				return NULL;
			}
			sx_push(l, k);
			s = q;
		}
	}
	bool regex = s[0] == '#' && s[1] == '"';
	if (*s == '"' || regex) {
		s += regex ? 2 : 1;
		char *buf = malloc(strlen(s) + 1);
		size_t n = 0;
		/* Strings take \" and \\ escapes; a regex literal passes its backslashes to the regex. */
		while (*s && *s != '"') {
			if (*s == '\\' && s[1] && !regex)
				s++;
			else if (*s == '\\' && s[1] && regex)
				buf[n++] = *s++;
			buf[n++] = *s++;
		}
		buf[n] = 0;
		if (*s != '"') {
			free(buf);
			*err = "unterminated string";
			return NULL;
		}
		*p = s + 1;
		return sx_new(regex ? SX_REGEX : SX_STR, buf);
	}
	size_t n = strcspn(s, " \n\t()\"");
	char *t = malloc(n + 1);
	memcpy(t, s, n);
	t[n] = 0;
	*p = s + n;
	return sx_new(SX_SYM, t);
}

static int sbpl_parse(struct sbpl_profile *pr, const char *text)
{
	pr->root = sx_new(SX_LIST, NULL);
	pr->error = NULL;
	const char *p = text;
	for (;;) {
		const char *s = p;
		while (*s == ' ' || *s == '\n' || *s == '\t' || *s == ';') {
			if (*s == ';')
				while (*s && *s != '\n')
					s++;
			else
				s++;
		}
		if (!*s)
			return 0;
		p = s;
		struct sx *f = sx_parse_one(&p, &pr->error);
		if (!f)
			return -1;
		sx_push(pr->root, f);
	}
}

static void sbpl_free(struct sbpl_profile *pr)
{
	sx_free(pr->root);
	pr->root = NULL;
}

static bool sx_is(const struct sx *s, const char *sym)
{
	return s && s->kind == SX_SYM && strcmp(s->text, sym) == 0;
}

static bool sx_head(const struct sx *s, const char *sym)
{
	return s && s->kind == SX_LIST && s->n && sx_is(s->kids[0], sym);
}

struct sbpl_query {
	const char *op;   /* "file-read-data", "file-write-unlink", ... */
	const char *path; /* physical; network-outbound to a unix socket: its path */
	bool is_dir;
	/* network-outbound over IP: "tcp" or "udp" (NULL: not an IP connection), to one of this host's own addresses
	 * (Seatbelt's "localhost": loopback or not) or elsewhere, at port */
	const char *proto;
	bool own_host;
	unsigned port;
};

static bool sx_regex_match(struct sx *r, const char *path)
{
	if (!r->re && !r->bad_re) {
		r->re = malloc(sizeof *r->re);
		if (regcomp(r->re, r->text, REG_EXTENDED | REG_NOSUB) != 0) {
			free(r->re);
			r->re = NULL;
			r->bad_re = true;
		}
	}
	return r->re && regexec(r->re, path, 0, NULL, 0) == 0;
}

static bool sbpl_filter(struct sx *f, const struct sbpl_query *q);

/* (remote ip|tcp|udp "HOST:PORT"): HOST is "*" or "localhost" (Seatbelt refuses any other), PORT "*" or a
 * number; (remote unix-socket PATH-FILTER). */
static bool sbpl_remote(const char *kind, struct sx *what, const struct sbpl_query *q)
{
	if (!strcmp(kind, "unix-socket"))
		return !q->proto && q->path && sbpl_filter(what, q);
	if (!q->proto || what->kind != SX_STR)
		return false;
	if (strcmp(kind, "ip") != 0 && strcmp(kind, q->proto) != 0)
		return false;
	const char *colon = strrchr(what->text, ':');
	if (!colon)
		return false;
	size_t hl = (size_t)(colon - what->text);
	bool host =
		(hl == 1 && what->text[0] == '*') || (hl == 9 && !strncmp(what->text, "localhost", 9) && q->own_host);
	bool port = !strcmp(colon + 1, "*") || strtoul(colon + 1, NULL, 10) == q->port;
	return host && port;
}

static bool sbpl_filter(struct sx *f, const struct sbpl_query *q)
{
	if (f->kind != SX_LIST || !f->n || f->kids[0]->kind != SX_SYM)
		return false;
	const char *h = f->kids[0]->text;
	struct sx *arg = f->n > 1 ? f->kids[1] : NULL;
	if (!strcmp(h, "require-all")) {
		for (size_t i = 1; i < f->n; i++)
			if (!sbpl_filter(f->kids[i], q))
				return false;
		return true;
	}
	if (!strcmp(h, "require-any")) {
		for (size_t i = 1; i < f->n; i++)
			if (sbpl_filter(f->kids[i], q))
				return true;
		return false;
	}
	if (!strcmp(h, "require-not"))
		return arg && !sbpl_filter(arg, q);
	if (!strcmp(h, "remote") && arg && arg->kind == SX_SYM && f->n > 2)
		return sbpl_remote(arg->text, f->kids[2], q);
	if (!strcmp(h, "vnode-type"))
		return arg && (sx_is(arg, "DIRECTORY") ? q->is_dir : sx_is(arg, "REGULAR-FILE") ? !q->is_dir : false);
	if (!arg || !q->path)
		return false;
	if (!strcmp(h, "literal") && arg->kind == SX_STR)
		return strcmp(q->path, arg->text) == 0;
	if (!strcmp(h, "subpath") && arg->kind == SX_STR) {
		size_t n = strlen(arg->text);
		return strncmp(q->path, arg->text, n) == 0 && (q->path[n] == 0 || q->path[n] == '/');
	}
	if (!strcmp(h, "prefix") && arg->kind == SX_STR)
		return strncmp(q->path, arg->text, strlen(arg->text)) == 0;
	if (!strcmp(h, "regex") && arg->kind == SX_REGEX)
		return sx_regex_match(arg, q->path);
	return false; /* extension, target, global-name, socket-domain: not a file path's */
}

/* How specifically `name` names operation `op`: 0 not at all; 1 default; 2+ a wildcard (longer: narrower);
 * 1000 outright. */
static int sbpl_op_rank(const char *name, const char *op)
{
	if (!strcmp(name, op))
		return 1000;
	if (!strcmp(name, "default"))
		return 1;
	size_t n = strlen(name);
	if (n && name[n - 1] == '*' && strncmp(op, name, n - 1) == 0)
		return 2 + (int)n;
	return 0;
}

/* The decision for q: true allow, false deny; *rule (optional) the deciding form. */
static bool sbpl_decide(const struct sbpl_profile *pr, const struct sbpl_query *q, const struct sx **rule)
{
	int best = 0;
	bool allow = false;
	const struct sx *by = NULL;
	for (size_t i = 0; i < pr->root->n; i++) {
		struct sx *f = pr->root->kids[i];
		bool a = sx_head(f, "allow"), d = sx_head(f, "deny");
		if (!a && !d)
			continue;
		int rank = 0;
		size_t k = 1;
		for (; k < f->n && f->kids[k]->kind == SX_SYM; k++) {
			int r = sbpl_op_rank(f->kids[k]->text, q->op);
			if (r > rank)
				rank = r;
		}
		if (!rank || rank < best)
			continue;
		bool any = false, none = true;
		for (; k < f->n; k++) {
			if (sx_head(f->kids[k], "with"))
				continue;
			none = false;
			any = any || sbpl_filter(f->kids[k], q);
		}
		if (none || any) {
			best = rank;
			allow = a;
			by = f;
		}
	}
	if (rule)
		*rule = by;
	return allow;
}

/* The "(with message ...)" text of a rule, or "". */
static const char *sbpl_message(const struct sx *f)
{
	for (size_t k = 0; f && k < f->n; k++)
		if (sx_head(f->kids[k], "with") && f->kids[k]->n == 3 && sx_is(f->kids[k]->kids[1], "message"))
			return f->kids[k]->kids[2]->text;
	return "";
}

#endif
