/* YAML text → a tree of nodes with their byte positions (see yaml_doc.h).
 *
 * libyaml marks count characters, not bytes (mark.index too), so positions are rebuilt from line and column
 * over the text's own line starts. That is exact for files whose only line break is \n; `unusual_breaks` tells
 * the editor when it is not, so it re-emits the file instead of splicing it.
 *
 * Anchors, aliases and tags are refused: they make a config harder to read and review, and they turn unquoted
 * "*.pem" and "!.env.example" into something else, so the errors say how to write what was probably meant. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "lib/guard.h"
#include "lib/yaml_doc.h"

#define MAX_DEPTH 32

struct ctx {
	const char *text;
	size_t len;
	size_t *lines; /* byte offset where each line starts (0-based line numbers) */
	size_t nlines;
	size_t at_line, at_col, at_off; /* the last position found: marks come in text order */
	unsigned flags;
	struct yd_error *err;
};

static struct yd_pos pos_of(struct ctx *c, yaml_mark_t m)
{
	size_t k = 0, off = m.line < c->nlines ? c->lines[m.line] : c->len;
	/* Going on from the last mark keeps a long line of many nodes linear, not quadratic. */
	if (m.line == c->at_line && m.column >= c->at_col)
		k = c->at_col, off = c->at_off;
	/* Advance `column` characters: a UTF-8 character is its lead byte and its continuation bytes. */
	for (; k < m.column && off < c->len && c->text[off] != '\n'; k++) {
		off++;
		while (off < c->len && ((unsigned char)c->text[off] & 0xc0) == 0x80)
			off++;
	}
	c->at_line = m.line, c->at_col = k, c->at_off = off;
	return (struct yd_pos){.off = off, .line = (unsigned)m.line + 1, .col = (unsigned)m.column + 1};
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

static int fail(struct ctx *c, unsigned line, unsigned col, const char *brief, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
static int fail(struct ctx *c, unsigned line, unsigned col, const char *brief, const char *hint, const char *fmt, ...)
{
	struct yd_error *e = c->err;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
	e->line = line;
	e->col = col;
	e->hint = hint;
	snprintf(e->brief, sizeof e->brief, "%s at line %u", brief, line);
	return -1;
}

/* libyaml's own words, placed where the user has to look, with a hint at what most likely went wrong. */
static int syntax_error(struct ctx *c, const yaml_parser_t *ps)
{
	if (ps->error == YAML_MEMORY_ERROR)
		guard_die(NULL, "out of memory");
	unsigned line = (unsigned)ps->problem_mark.line + 1, col = (unsigned)ps->problem_mark.column + 1;
	if (ps->error == YAML_READER_ERROR) {
		/* The reader (bad encoding, control characters) reports a byte offset, not a mark. */
		line = col = 1;
		for (size_t i = 0; i < ps->problem_offset && i < c->len; i++, col++)
			if (c->text[i] == '\n')
				line++, col = 0;
	}
	const char *ctx = ps->context ? ps->context : "", *problem = ps->problem ? ps->problem : "error";
	const char *hint = "fix the YAML syntax here; quote entries that start with ! * & [ { or contain \": \"";
	if (ps->error == YAML_READER_ERROR)
		hint = "save the file as UTF-8 text";
	else if (ps->problem_mark.index < c->len && c->text[ps->problem_mark.index] == '\t')
		hint = "indent with spaces: YAML does not allow tabs here";
	else if (strstr(ctx, "alias"))
		hint = "a pattern that starts with '*' must be quoted, like \"*.pem\"";
	else if (strstr(ctx, "tag"))
		hint = "a pattern that starts with '!' must be quoted, like \"!.env.example\"";
	/* For a token the scanner gave up on, its start is where the user has to look (the '*' of *.pem). */
	if (ps->error == YAML_SCANNER_ERROR && (strstr(ctx, "alias") || strstr(ctx, "tag") || strstr(ctx, "anchor"))) {
		line = (unsigned)ps->context_mark.line + 1;
		col = (unsigned)ps->context_mark.column + 1;
	}
	struct yd_error *e = c->err;
	*e = (struct yd_error){.line = line, .col = col, .hint = hint};
	if (ps->context)
		snprintf(e->message, sizeof e->message, "malformed YAML: %s, %s", ps->context, problem);
	else
		snprintf(e->message, sizeof e->message, "malformed YAML: %s", problem);
	snprintf(e->brief, sizeof e->brief, "malformed YAML at line %zu: %s", ps->problem_mark.line + 1, problem);
	return -1;
}

static int next(struct ctx *c, yaml_parser_t *ps, yaml_event_t *ev)
{
	return yaml_parser_parse(ps, ev) ? 0 : syntax_error(c, ps);
}

static int refuse(struct ctx *c, const yaml_event_t *ev, int depth)
{
	static const char brief[] = "anchors, aliases and tags are not supported";
	unsigned line = (unsigned)ev->start_mark.line + 1, col = (unsigned)ev->start_mark.column + 1;
	const yaml_char_t *anchor = NULL, *tag = NULL;
	if (ev->type == YAML_SCALAR_EVENT)
		anchor = ev->data.scalar.anchor, tag = ev->data.scalar.tag;
	else if (ev->type == YAML_SEQUENCE_START_EVENT)
		anchor = ev->data.sequence_start.anchor, tag = ev->data.sequence_start.tag;
	else if (ev->type == YAML_MAPPING_START_EVENT)
		anchor = ev->data.mapping_start.anchor, tag = ev->data.mapping_start.tag;
	if (ev->type == YAML_ALIAS_EVENT)
		return fail(c, line, col, brief,
			    "keep configs plain: write the value out in full; a pattern that starts with '*' must be "
			    "quoted, like \"*.pem\"",
			    "YAML alias \"*%s\" is not supported", (const char *)ev->data.alias.anchor);
	if (anchor)
		return fail(c, line, col, brief, "keep configs plain: remove the anchor and write values out in full",
			    "YAML anchor \"&%s\" is not supported", (const char *)anchor);
	if (tag && tag[0] == '!')
		return fail(c, line, col, brief,
			    "a pattern that starts with '!' must be quoted, like \"!.env.example\"",
			    "\"%s\" is read as a YAML tag", (const char *)tag);
	if (tag)
		return fail(c, line, col, brief, "keep configs plain: remove the tag",
			    "YAML tag \"%s\" is not supported", (const char *)tag);
	if (depth > MAX_DEPTH)
		return fail(c, line, col, "nested too deeply", "a policy is only a few levels deep: flatten it",
			    "nested too deeply");
	return 0;
}

/* Consumes ev and everything beneath it. */
static struct yd_node *build(struct ctx *c, yaml_parser_t *ps, yaml_event_t *ev, int depth)
{
	if (refuse(c, ev, depth) < 0) {
		yaml_event_delete(ev);
		return NULL;
	}
	struct yd_node *n = guard_xmalloc(sizeof *n);
	*n = (struct yd_node){.start = pos_of(c, ev->start_mark), .end = pos_of(c, ev->end_mark)};
	if (ev->type == YAML_SCALAR_EVENT) {
		size_t len = ev->data.scalar.length;
		n->type = YD_SCALAR;
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		n->text = guard_xmalloc(len + 1);
		memcpy(n->text, ev->data.scalar.value, len);
		n->text[len] = '\0';
		/* An empty plain scalar is a value that was not written; its marks point at whatever comes next. */
		n->empty = n->plain && len == 0;
		if (!n->empty)
			n->last = n->end;
		yaml_event_delete(ev);
		if ((c->flags & YD_REFUSE_NUL) && strlen(n->text) != len) {
			fail(c, n->start.line, n->start.col, "a value contains a NUL character",
			     "remove the \\0 escape", "a value contains a NUL character");
			node_free(n);
			return NULL;
		}
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

/* Stream start, at most one document, stream end. */
static int read_stream(struct ctx *c, yaml_parser_t *ps, struct yd_doc *doc)
{
	yaml_event_t ev;
	if (next(c, ps, &ev) < 0) /* STREAM-START */
		return -1;
	yaml_event_delete(&ev);
	if (next(c, ps, &ev) < 0)
		return -1;
	bool none = ev.type == YAML_STREAM_END_EVENT;
	yaml_event_delete(&ev); /* DOCUMENT-START, or the end of an empty stream */
	if (none)
		return 0;
	if (next(c, ps, &ev) < 0 || !(doc->root = build(c, ps, &ev, 0)))
		return -1;
	if (next(c, ps, &ev) < 0) /* DOCUMENT-END */
		return -1;
	yaml_event_delete(&ev);
	if (next(c, ps, &ev) < 0)
		return -1;
	int rc = 0;
	if (ev.type != YAML_STREAM_END_EVENT)
		rc = fail(c, (unsigned)ev.start_mark.line + 1, (unsigned)ev.start_mark.column + 1,
			  "more than one YAML document",
			  "keep one policy per file: merge the documents, or remove the second '---'",
			  "more than one YAML document");
	yaml_event_delete(&ev);
	return rc;
}

int yd_read(const char *text, size_t len, unsigned flags, struct yd_doc *doc, struct yd_error *err)
{
	text = text ? text : "";
	struct ctx c = {.text = text, .len = len, .at_line = SIZE_MAX, .flags = flags, .err = err};
	memset(doc, 0, sizeof *doc);
	*err = (struct yd_error){0};
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
	yaml_parser_t ps;
	if (!yaml_parser_initialize(&ps))
		guard_die(NULL, "out of memory");
	yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
	int rc = read_stream(&c, &ps, doc);
	yaml_parser_delete(&ps);
	free(c.lines);
	if (rc < 0)
		yd_free(doc);
	return rc;
}

int yd_parse(const char *text, size_t len, struct yd_doc *doc, char *why, size_t whylen)
{
	struct yd_error err;
	int rc = yd_read(text, len, 0, doc, &err);
	if (rc < 0)
		snprintf(why, whylen, "%s", err.brief);
	return rc;
}

void yd_free(struct yd_doc *doc)
{
	node_free(doc->root);
	doc->root = NULL;
}
