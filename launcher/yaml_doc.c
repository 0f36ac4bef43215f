/* YAML text → a tree of nodes with their byte positions (see yaml_doc.h).
 *
 * libyaml marks count characters, not bytes (mark.index too), so positions are rebuilt from line and column
 * over the text's own line starts. That is exact for files whose only line break is \n; `unusual_breaks` tells
 * the editor when it is not, so it re-emits the file instead of splicing it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "guard.h"
#include "yaml_doc.h"

#define MAX_DEPTH 32

struct ctx {
	const char *text;
	size_t len;
	size_t *lines; /* byte offset where each line starts (0-based line numbers) */
	size_t nlines;
	char *why;
	size_t whylen;
};

static struct yd_pos pos_of(const struct ctx *c, yaml_mark_t m)
{
	struct yd_pos p = {.line = (unsigned)m.line + 1, .col = (unsigned)m.column + 1};
	size_t off = m.line < c->nlines ? c->lines[m.line] : c->len;
	/* Advance `column` characters: a UTF-8 character is its lead byte and its continuation bytes. */
	for (size_t k = 0; k < m.column && off < c->len && c->text[off] != '\n'; k++) {
		off++;
		while (off < c->len && ((unsigned char)c->text[off] & 0xc0) == 0x80)
			off++;
	}
	p.off = off;
	return p;
}

static void node_free(struct yd_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		node_free(n->kid[i]);
	free(n->kid);
	free(n->text);
	free(n);
}

static int fail(struct ctx *c, const char *what, yaml_mark_t m)
{
	snprintf(c->why, c->whylen, "%s at line %zu", what, m.line + 1);
	return -1;
}

static struct yd_node *build(struct ctx *c, yaml_parser_t *ps, yaml_event_t *ev, int depth);

static int next(struct ctx *c, yaml_parser_t *ps, yaml_event_t *ev)
{
	if (yaml_parser_parse(ps, ev))
		return 0;
	snprintf(c->why, c->whylen, "malformed YAML at line %zu: %s", ps->problem_mark.line + 1,
		 ps->problem ? ps->problem : "error");
	return -1;
}

/* Consumes ev and everything beneath it. */
static struct yd_node *build(struct ctx *c, yaml_parser_t *ps, yaml_event_t *ev, int depth)
{
	const yaml_char_t *anchor = NULL, *tag = NULL;
	if (ev->type == YAML_SCALAR_EVENT)
		anchor = ev->data.scalar.anchor, tag = ev->data.scalar.tag;
	else if (ev->type == YAML_SEQUENCE_START_EVENT)
		anchor = ev->data.sequence_start.anchor, tag = ev->data.sequence_start.tag;
	else if (ev->type == YAML_MAPPING_START_EVENT)
		anchor = ev->data.mapping_start.anchor, tag = ev->data.mapping_start.tag;
	if (ev->type == YAML_ALIAS_EVENT || anchor || tag || depth > MAX_DEPTH) {
		fail(c, depth > MAX_DEPTH ? "nested too deeply" : "anchors, aliases and tags are not supported",
		     ev->start_mark);
		yaml_event_delete(ev);
		return NULL;
	}
	struct yd_node *n = guard_xmalloc(sizeof *n);
	*n = (struct yd_node){.start = pos_of(c, ev->start_mark), .end = pos_of(c, ev->end_mark)};
	if (ev->type == YAML_SCALAR_EVENT) {
		n->type = YD_SCALAR;
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		n->text = guard_xmalloc(ev->data.scalar.length + 1);
		memcpy(n->text, ev->data.scalar.value, ev->data.scalar.length);
		n->text[ev->data.scalar.length] = '\0';
		/* An empty plain scalar is a value that was not written; its marks point at whatever comes next. */
		n->empty = n->plain && ev->data.scalar.length == 0;
		if (!n->empty)
			n->last = n->end;
		yaml_event_delete(ev);
		return n;
	}
	bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
	n->type = seq ? YD_SEQ : YD_MAP;
	n->flow = seq ? ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
		      : ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
	yaml_event_type_t end = seq ? YAML_SEQUENCE_END_EVENT : YAML_MAPPING_END_EVENT;
	yaml_event_delete(ev);
	for (;;) {
		yaml_event_t kev;
		if (next(c, ps, &kev) < 0)
			break;
		if (kev.type == end) {
			if (n->flow) {
				n->close = pos_of(c, kev.start_mark);
				n->end = pos_of(c, kev.end_mark);
				n->last = n->end;
			}
			yaml_event_delete(&kev);
			return n;
		}
		struct yd_node *k = build(c, ps, &kev, depth + 1);
		if (!k)
			break;
		if (n->n == n->cap) {
			n->cap = n->cap ? 2 * n->cap : 8;
			n->kid = guard_xrealloc(n->kid, n->cap * sizeof *n->kid);
		}
		n->kid[n->n++] = k;
		if (k->last.line)
			n->last = k->last;
	}
	node_free(n);
	return NULL;
}

static int parse_stream(struct ctx *c, struct yd_doc *doc)
{
	yaml_parser_t ps;
	yaml_event_t ev;
	int rc = -1;
	if (!yaml_parser_initialize(&ps))
		guard_die(NULL, "out of memory");
	yaml_parser_set_input_string(&ps, (const unsigned char *)c->text, c->len);
	if (next(c, &ps, &ev) < 0) /* STREAM-START */
		goto out;
	yaml_event_delete(&ev);
	if (next(c, &ps, &ev) < 0)
		goto out;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		rc = 0;
		goto out;
	}
	yaml_event_delete(&ev); /* DOCUMENT-START */
	if (next(c, &ps, &ev) < 0 || !(doc->root = build(c, &ps, &ev, 0)))
		goto out;
	if (next(c, &ps, &ev) < 0) /* DOCUMENT-END */
		goto out;
	yaml_event_delete(&ev);
	if (next(c, &ps, &ev) < 0)
		goto out;
	if (ev.type != YAML_STREAM_END_EVENT)
		fail(c, "more than one YAML document", ev.start_mark);
	else
		rc = 0;
	yaml_event_delete(&ev);
out:
	yaml_parser_delete(&ps);
	return rc;
}

int yd_parse(const char *text, size_t len, struct yd_doc *doc, char *why, size_t whylen)
{
	struct ctx c = {.text = text, .len = len, .why = why, .whylen = whylen};
	memset(doc, 0, sizeof *doc);
	c.lines = guard_xmalloc(sizeof *c.lines);
	c.lines[c.nlines++] = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)text[i];
		if (b == '\r' || (b == 0xc2 && i + 1 < len && (unsigned char)text[i + 1] == 0x85) ||
		    (b == 0xe2 && i + 2 < len && (unsigned char)text[i + 1] == 0x80 &&
		     ((unsigned char)text[i + 2] & 0xfe) == 0xa8))
			doc->unusual_breaks = true;
		if (b == '\n') {
			c.lines = guard_xrealloc(c.lines, (c.nlines + 1) * sizeof *c.lines);
			c.lines[c.nlines++] = i + 1;
		}
	}
	/* A byte-order mark shifts nothing libyaml reports but is not a character of line 1 either. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		doc->unusual_breaks = true;
	int rc = parse_stream(&c, doc);
	free(c.lines);
	if (rc < 0)
		yd_free(doc);
	return rc;
}

void yd_free(struct yd_doc *doc)
{
	node_free(doc->root);
	doc->root = NULL;
}

struct yd_node *yd_get(const struct yd_node *map, const char *key, struct yd_node **keynode)
{
	for (size_t i = 0; map && map->type == YD_MAP && i + 1 < map->n; i += 2)
		if (map->kid[i]->type == YD_SCALAR && strcmp(map->kid[i]->text, key) == 0) {
			if (keynode)
				*keynode = map->kid[i];
			return map->kid[i + 1];
		}
	return NULL;
}

bool yd_is_null(const struct yd_node *n)
{
	return !n || (n->type == YD_SCALAR && n->plain &&
		      (n->empty || !strcmp(n->text, "~") || !strcmp(n->text, "null") || !strcmp(n->text, "Null") ||
		       !strcmp(n->text, "NULL")));
}

struct leaves {
	char **v;
	size_t n, cap;
};

static void add_leaf(struct leaves *l, char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 32;
		l->v = guard_xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = s;
}

static void collect(const struct yd_node *n, const char *path, bool in_seq, struct leaves *l)
{
	if (n->type == YD_SCALAR) {
		if (in_seq || !yd_is_null(n))
			add_leaf(l, guard_xasprintf("%s=%s", path, n->text));
		return;
	}
	if (n->type == YD_SEQ) {
		char *p = guard_xasprintf("%s[]", path);
		for (size_t i = 0; i < n->n; i++)
			collect(n->kid[i], p, true, l);
		free(p);
		return;
	}
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const struct yd_node *k = n->kid[i];
		char *p = guard_xasprintf("%s%s%s", path, *path ? "." : "", k->type == YD_SCALAR ? k->text : "?");
		collect(n->kid[i + 1], p, false, l);
		free(p);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **yd_leaves(const struct yd_node *root, size_t *n)
{
	struct leaves l = {0};
	if (root)
		collect(root, "", false, &l);
	if (l.n)
		qsort(l.v, l.n, sizeof *l.v, cmp_str);
	*n = l.n;
	return l.v;
}

void yd_leaves_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
