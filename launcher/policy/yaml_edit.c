/* Editing one list of a policy file in place (see yaml_edit.h).
 *
 * The edit is a splice of the original text at positions the parser reported, so every comment, blank line and
 * quoting choice elsewhere stays as the user wrote it. A splice is only planned for shapes this file knows
 * (block mappings; block or flow lists; empty values); anything else, or a result that does not check out, goes
 * to the whole-document rewrite. Either way nothing is returned unchecked: the result must load as a policy and
 * hold the same entries as before, plus or minus the one edited. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/guard.h"
#include "policy/policy_api.h"
#include "lib/yaml_doc.h"
#include "policy/yaml_edit.h"

#define MAX_COPIES 64 /* removal passes: one per copy of the entry */

struct splice {
	size_t at, del;
	char *ins;
};

static struct yd_node *target_list(const struct yd_doc *d, const struct guard_yedit *e)
{
	return yd_get(yd_get(d->root, e->section, NULL), e->key, NULL);
}

static long find_item(const struct yd_node *list, const char *value)
{
	for (size_t i = 0; list && list->type == YD_SEQ && i < list->n; i++)
		if (list->kid[i]->type == YD_SCALAR && strcmp(list->kid[i]->text, value) == 0)
			return (long)i;
	return -1;
}

/* Offset just past the '\n' that ends the line holding `off` (the text's end when it has none). */
static size_t after_line(const char *t, size_t len, size_t off)
{
	const char *nl = off < len ? memchr(t + off, '\n', len - off) : NULL;
	return nl ? (size_t)(nl - t) + 1 : len;
}

static size_t line_start(const char *t, size_t off)
{
	while (off > 0 && t[off - 1] != '\n')
		off--;
	return off;
}

static bool only_spaces(const char *t, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (t[i] != ' ')
			return false;
	return true;
}

/* Text inserted at `at`: a line break first when `at` is the end of a last line without one. */
static char *at_line_start(const char *t, size_t at, char *ins)
{
	if (at == 0 || t[at - 1] == '\n')
		return ins;
	char *s = guard_xasprintf("\n%s", ins);
	free(ins);
	return s;
}

static int no_splice(char *why, size_t n, const char *what)
{
	snprintf(why, n, "%s", what);
	return -1;
}

/* The new key (and its list) inside an existing section, or the new section at the end of the file. */
static int plan_new_key(const char *t, size_t len, const struct yd_doc *d, const struct guard_yedit *e, const char *q,
			struct splice *s, char *why, size_t n)
{
	struct yd_node *skey = NULL, *sec = yd_get(d->root, e->section, &skey);
	if (!skey) {
		/* A blank line before the new section, as between the others. */
		bool blank = len == 0 || (len >= 2 && t[len - 1] == '\n' && t[len - 2] == '\n');
		s->at = len;
		s->ins = guard_xasprintf("%s%s%s:\n  %s:\n    - %s\n", len && t[len - 1] != '\n' ? "\n" : "",
					 blank ? "" : "\n", e->section, e->key, q);
		return 0;
	}
	if (yd_is_null(sec)) {
		if (!sec->empty)
			return no_splice(why, n, "the section is written as an explicit null");
		int ind = (int)skey->start.col - 1 + 2;
		s->at = after_line(t, len, skey->end.off);
		s->ins = at_line_start(t, s->at, guard_xasprintf("%*s%s:\n%*s- %s\n", ind, "", e->key, ind + 2, "", q));
		return 0;
	}
	if (sec->type != YD_MAP || sec->flow || !sec->n || !sec->last.line)
		return no_splice(why, n, "the section is not a block mapping");
	int ind = (int)sec->kid[0]->start.col - 1;
	s->at = after_line(t, len, sec->last.off);
	s->ins = at_line_start(t, s->at, guard_xasprintf("%*s%s:\n%*s- %s\n", ind, "", e->key, ind + 2, "", q));
	return 0;
}

static int plan_add(const char *t, size_t len, const struct yd_doc *d, const struct guard_yedit *e, struct splice *s,
		    char *why, size_t n)
{
	const struct yd_node *root = d->root;
	if (root && !(root->type == YD_MAP && !root->flow) && !yd_is_null(root))
		return no_splice(why, n, "the top level is not a block mapping");
	char *q = guard_yaml_quote(e->value);
	struct yd_node *kkey = NULL, *list = yd_get(yd_get(root, e->section, NULL), e->key, &kkey);
	int rc = 0;
	if (!kkey) {
		rc = plan_new_key(t, len, d, e, q, s, why, n);
	} else if (yd_is_null(list) && list->empty) {
		s->at = after_line(t, len, kkey->end.off);
		s->ins = at_line_start(t, s->at, guard_xasprintf("%*s- %s\n", (int)kkey->start.col - 1 + 2, "", q));
	} else if (yd_is_null(list)) {
		s->at = list->start.off; /* "deny: ~" → "deny: [x]" */
		s->del = list->end.off - list->start.off;
		s->ins = guard_xasprintf("[%s]", q);
	} else if (list->type != YD_SEQ) {
		rc = no_splice(why, n, "the list is not a list");
	} else if (list->flow) {
		/* After the last item, on its line: the closing bracket may sit alone on a line of its own. */
		s->at = list->n ? list->kid[list->n - 1]->end.off : list->close.off;
		s->ins = guard_xasprintf("%s%s", list->n ? ", " : "", q);
	} else {
		const struct yd_node *last = list->kid[list->n - 1];
		size_t dash = last->start.off;
		while (dash > 0 && t[dash - 1] == ' ')
			dash--;
		size_t ls = line_start(t, dash ? dash - 1 : 0);
		if (!dash || t[dash - 1] != '-' || !only_spaces(t, ls, dash - 1) || !list->last.line)
			rc = no_splice(why, n, "an item of the list is not written \"- item\" on a line of its own");
		else {
			s->at = after_line(t, len, list->last.off);
			s->ins = at_line_start(t, s->at, guard_xasprintf("%*s- %s\n", (int)(dash - 1 - ls), "", q));
		}
	}
	free(q);
	return rc;
}

static int plan_remove(const char *t, size_t len, const struct yd_doc *d, const struct guard_yedit *e, struct splice *s,
		       char *why, size_t n)
{
	const struct yd_node *list = target_list(d, e);
	long k = find_item(list, e->value);
	if (k < 0)
		return no_splice(why, n, "the entry is not in the list");
	const struct yd_node *it = list->kid[k];
	s->ins = guard_xstrdup("");
	if (list->flow) {
		/* The item and the comma that separates it from a neighbour. */
		if ((size_t)k + 1 < list->n)
			s->at = it->start.off, s->del = list->kid[k + 1]->start.off - it->start.off;
		else if (k > 0)
			s->at = list->kid[k - 1]->end.off, s->del = it->end.off - list->kid[k - 1]->end.off;
		else
			s->at = it->start.off, s->del = it->end.off - it->start.off;
		return 0;
	}
	/* A block item goes with its whole line, which must hold nothing else but a comment. */
	size_t dash = it->start.off;
	while (dash > 0 && t[dash - 1] == ' ')
		dash--;
	size_t ls = line_start(t, dash ? dash - 1 : 0), end = it->end.off;
	while (end < len && t[end] == ' ')
		end++;
	if (!dash || t[dash - 1] != '-' || !only_spaces(t, ls, dash - 1) ||
	    (end < len && t[end] != '\n' && t[end] != '#'))
		return no_splice(why, n, "the entry shares its line with other content");
	s->at = ls;
	s->del = after_line(t, len, it->end.off) - ls;
	return 0;
}

static char *apply(const char *t, size_t len, const struct splice *s, size_t *outlen)
{
	size_t ins = strlen(s->ins);
	char *out = guard_xmalloc(len - s->del + ins + 1);
	memcpy(out, t, s->at);
	memcpy(out + s->at, s->ins, ins);
	memcpy(out + s->at + ins, t + s->at + s->del, len - s->at - s->del);
	*outlen = len - s->del + ins;
	out[*outlen] = '\0';
	return out;
}

/* The old entries, plus the value or without any copy of it. */
static char **expected(const struct yd_doc *d, const struct guard_yedit *e, size_t *n)
{
	char **v = yd_leaves(d->root, n);
	char *leaf = guard_xasprintf("%s.%s[]=%s", e->section, e->key, e->value);
	if (e->op == GUARD_YEDIT_ADD) {
		v = guard_xrealloc(v, (*n + 1) * sizeof *v);
		size_t i = *n;
		while (i > 0 && strcmp(v[i - 1], leaf) > 0) {
			v[i] = v[i - 1];
			i--;
		}
		v[i] = leaf;
		++*n;
		return v;
	}
	size_t w = 0;
	for (size_t i = 0; i < *n; i++) {
		if (strcmp(v[i], leaf) == 0)
			free(v[i]);
		else
			v[w++] = v[i];
	}
	*n = w;
	free(leaf);
	return v;
}

/* Does `text` load as a policy and hold exactly `want`? */
static bool check(const char *text, size_t len, char **want, size_t nwant, char *why, size_t n)
{
	struct yd_doc d;
	if (yd_parse(text, len, &d, why, n) < 0)
		return false;
	size_t nhave;
	char **have = yd_leaves(d.root, &nhave);
	bool same = nhave == nwant;
	for (size_t i = 0; same && i < nhave; i++)
		same = strcmp(have[i], want[i]) == 0;
	yd_leaves_free(have, nhave);
	yd_free(&d);
	if (!same) {
		snprintf(why, n, "the edited text would not hold the same entries");
		return false;
	}
	struct guard_policy p;
	struct guard_error err;
	guard_policy_init(&p);
	int rc = guard_policy_parse_yaml(&p, "edited", text, len, GUARD_SRC_USER, NULL, &err);
	guard_policy_free(&p);
	if (rc < 0)
		snprintf(why, n, "the edited text would not load: %u:%u: %.160s", err.line, err.col, err.message);
	return rc == 0;
}

/* Splice by splice (a removal once per copy), re-reading the text each time. NULL when no splice applies. */
static char *splice_all(const char *text, size_t len, const struct guard_yedit *e, size_t *outlen, char *why, size_t n)
{
	char *cur = guard_xmalloc(len + 1);
	memcpy(cur, text, len);
	cur[len] = '\0';
	*outlen = len;
	for (int pass = 0; pass < MAX_COPIES; pass++) {
		struct yd_doc d;
		if (yd_parse(cur, *outlen, &d, why, n) < 0)
			break;
		bool done = e->op == GUARD_YEDIT_ADD ? pass > 0 : find_item(target_list(&d, e), e->value) < 0;
		struct splice s = {0};
		int rc = done                       ? 0
			 : d.unusual_breaks         ? no_splice(why, n, "the file has \\r or Unicode line breaks")
			 : e->op == GUARD_YEDIT_ADD ? plan_add(cur, *outlen, &d, e, &s, why, n)
						    : plan_remove(cur, *outlen, &d, e, &s, why, n);
		yd_free(&d);
		if (done)
			return cur;
		if (rc < 0) {
			free(s.ins);
			break;
		}
		size_t nl;
		char *next = apply(cur, *outlen, &s, &nl);
		free(s.ins);
		free(cur);
		cur = next;
		*outlen = nl;
	}
	free(cur);
	return NULL;
}

int guard_yaml_edit(const char *text, size_t len, const struct guard_yedit *e, struct guard_yedit_result *out)
{
	memset(out, 0, sizeof *out);
	struct yd_doc d;
	if (yd_parse(text, len, &d, out->why, sizeof out->why) < 0)
		return -1;
	bool present = find_item(target_list(&d, e), e->value) >= 0;
	if (present == (e->op == GUARD_YEDIT_ADD)) {
		yd_free(&d);
		out->text = guard_xmalloc(len + 1);
		memcpy(out->text, text, len);
		out->text[len] = '\0';
		out->len = len;
		return 0;
	}
	size_t nwant;
	char **want = expected(&d, e, &nwant);
	yd_free(&d);
	out->changed = true;
	char layout_why[256] = "";
	out->text = splice_all(text, len, e, &out->len, layout_why, sizeof layout_why);
	if (out->text && !check(out->text, out->len, want, nwant, layout_why, sizeof layout_why)) {
		free(out->text);
		out->text = NULL;
	}
	int rc = 0;
	if (!out->text) {
		out->rewritten = true;
		snprintf(out->why, sizeof out->why, "%s", layout_why);
		char rwhy[256];
		if (guard_yaml_rewrite(text, len, e, &out->text, &out->len, rwhy, sizeof rwhy) < 0 ||
		    !check(out->text, out->len, want, nwant, rwhy, sizeof rwhy)) {
			snprintf(out->why, sizeof out->why, "%s", rwhy);
			free(out->text);
			out->text = NULL;
			rc = -1;
		}
	}
	yd_leaves_free(want, nwant);
	return rc;
}

int guard_yaml_locate(const char *text, size_t len, const char *section, const char *key, const char *value,
		      unsigned *line, unsigned *col)
{
	struct yd_doc d;
	char why[128];
	if (yd_parse(text, len, &d, why, sizeof why) < 0)
		return 0;
	const struct guard_yedit e = {.section = section, .key = key, .value = value};
	const struct yd_node *list = target_list(&d, &e);
	long k = find_item(list, value);
	if (k >= 0) {
		*line = list->kid[k]->start.line;
		*col = list->kid[k]->start.col;
	}
	yd_free(&d);
	return k >= 0;
}
