/* The fallback of the in-place editor: load the whole document with libyaml, change the list in the document
 * tree, and emit it again. Content survives (keys, entries, styles of the nodes kept); comments and blank lines
 * do not, which the caller tells the user. Node ids, not pointers: adding a node may move the node array. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "lib/guard.h"
#include "policy/yaml_edit.h"

char *guard_yaml_quote(const char *v)
{
	static const char first[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./$~";
	static const char rest[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./$~+=@:*-";
	size_t n = strlen(v);
	/* A trailing ':' would turn "- x:" into a mapping; everything outside `rest` may mean something to YAML. */
	if (n && strchr(first, v[0]) && strspn(v, rest) == n && v[n - 1] != ':')
		return guard_xstrdup(v);
	char *q = guard_xmalloc(4 * n + 3), *w = q;
	*w++ = '"';
	for (const unsigned char *c = (const unsigned char *)v; *c; c++) {
		if (*c == '"' || *c == '\\')
			*w++ = '\\', *w++ = (char)*c;
		else if (*c < 0x20 || *c == 0x7f)
			w += sprintf(w, "\\x%02x", *c);
		else
			*w++ = (char)*c;
	}
	*w++ = '"';
	*w = '\0';
	return q;
}

struct buf {
	char *p;
	size_t n, cap;
};

static int write_out(void *data, unsigned char *bytes, size_t size)
{
	struct buf *b = data;
	if (b->n + size + 1 > b->cap) {
		b->cap = 2 * (b->n + size + 1);
		b->p = guard_xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, bytes, size);
	b->n += size;
	b->p[b->n] = '\0';
	return 1;
}

static bool is_null_scalar(const yaml_node_t *n)
{
	if (!n || n->type != YAML_SCALAR_NODE)
		return false;
	const char *v = (const char *)n->data.scalar.value;
	return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL"));
}

static int scalar(yaml_document_t *doc, const char *text, bool quoted)
{
	int id = yaml_document_add_scalar(doc, NULL, (yaml_char_t *)text, (int)strlen(text),
					  quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_PLAIN_SCALAR_STYLE);
	if (!id)
		guard_die(NULL, "out of memory");
	return id;
}

/* The value id of `key` in mapping `map`, created as an empty `type` node when absent or null; 0 when present
 * with another shape. */
static int child(yaml_document_t *doc, int map, const char *key, yaml_node_type_t type)
{
	yaml_node_t *m = yaml_document_get_node(doc, map);
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		if (!k || k->type != YAML_SCALAR_NODE || strcmp((const char *)k->data.scalar.value, key) != 0)
			continue;
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		if (v && v->type == type)
			return p->value;
		if (!is_null_scalar(v))
			return 0;
		ptrdiff_t at = p - m->data.mapping.pairs.start;
		int id = type == YAML_MAPPING_NODE ? yaml_document_add_mapping(doc, NULL, YAML_BLOCK_MAPPING_STYLE)
						   : yaml_document_add_sequence(doc, NULL, YAML_BLOCK_SEQUENCE_STYLE);
		m = yaml_document_get_node(doc, map);
		m->data.mapping.pairs.start[at].value = id;
		return id;
	}
	int k = scalar(doc, key, false);
	int id = type == YAML_MAPPING_NODE ? yaml_document_add_mapping(doc, NULL, YAML_BLOCK_MAPPING_STYLE)
					   : yaml_document_add_sequence(doc, NULL, YAML_BLOCK_SEQUENCE_STYLE);
	if (!id || !yaml_document_append_mapping_pair(doc, map, k, id))
		guard_die(NULL, "out of memory");
	return id;
}

/* Point the pair section.key at a copy of the list without `value`. */
static void drop_items(yaml_document_t *doc, int sec, const char *key, const char *value)
{
	yaml_node_t *m = yaml_document_get_node(doc, sec);
	for (ptrdiff_t i = 0; i < m->data.mapping.pairs.top - m->data.mapping.pairs.start; i++) {
		m = yaml_document_get_node(doc, sec);
		yaml_node_pair_t pair = m->data.mapping.pairs.start[i];
		yaml_node_t *k = yaml_document_get_node(doc, pair.key);
		yaml_node_t *old = yaml_document_get_node(doc, pair.value);
		if (!k || k->type != YAML_SCALAR_NODE || strcmp((const char *)k->data.scalar.value, key) != 0 || !old ||
		    old->type != YAML_SEQUENCE_NODE)
			continue;
		int id = yaml_document_add_sequence(doc, NULL, old->data.sequence.style);
		if (!id)
			guard_die(NULL, "out of memory");
		old = yaml_document_get_node(doc, pair.value);
		ptrdiff_t nitems = old->data.sequence.items.top - old->data.sequence.items.start;
		for (ptrdiff_t j = 0; j < nitems; j++) {
			old = yaml_document_get_node(doc, pair.value);
			int item = old->data.sequence.items.start[j];
			yaml_node_t *it = yaml_document_get_node(doc, item);
			if (it && it->type == YAML_SCALAR_NODE && !strcmp((const char *)it->data.scalar.value, value))
				continue;
			if (!yaml_document_append_sequence_item(doc, id, item))
				guard_die(NULL, "out of memory");
		}
		m = yaml_document_get_node(doc, sec);
		m->data.mapping.pairs.start[i].value = id;
	}
}

static int edit(yaml_document_t *doc, const struct guard_yedit *e, char *why, size_t whylen)
{
	int root = 1; /* the root is always the first node */
	yaml_node_t *r = yaml_document_get_root_node(doc);
	if (!r) {
		if (yaml_document_add_mapping(doc, NULL, YAML_BLOCK_MAPPING_STYLE) != root)
			guard_die(NULL, "out of memory");
	} else if (r->type != YAML_MAPPING_NODE) {
		snprintf(why, whylen, "the top level is not a mapping");
		return -1;
	}
	int sec = child(doc, root, e->section, YAML_MAPPING_NODE);
	if (!sec) {
		snprintf(why, whylen, "%s is not a mapping", e->section);
		return -1;
	}
	if (e->op == GUARD_YEDIT_REMOVE) {
		drop_items(doc, sec, e->key, e->value);
		return 0;
	}
	int list = child(doc, sec, e->key, YAML_SEQUENCE_NODE);
	if (!list) {
		snprintf(why, whylen, "%s.%s is not a list", e->section, e->key);
		return -1;
	}
	char *q = guard_yaml_quote(e->value);
	int item = scalar(doc, e->value, q[0] == '"');
	free(q);
	if (!yaml_document_append_sequence_item(doc, list, item))
		guard_die(NULL, "out of memory");
	return 0;
}

int guard_yaml_rewrite(const char *text, size_t len, const struct guard_yedit *e, char **out, size_t *outlen, char *why,
		       size_t whylen)
{
	yaml_parser_t ps;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&ps))
		guard_die(NULL, "out of memory");
	yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
	int ok = yaml_parser_load(&ps, &doc);
	yaml_parser_delete(&ps);
	if (!ok) {
		snprintf(why, whylen, "malformed YAML");
		return -1;
	}
	/* An empty stream loads as a document without nodes (the emitter would write nothing at all), and a null
	 * document holds nothing worth keeping: start afresh. */
	if (!yaml_document_get_root_node(&doc) || is_null_scalar(yaml_document_get_root_node(&doc))) {
		yaml_document_delete(&doc);
		if (!yaml_document_initialize(&doc, NULL, NULL, NULL, 1, 1))
			guard_die(NULL, "out of memory");
	}
	if (edit(&doc, e, why, whylen) < 0) {
		yaml_document_delete(&doc);
		return -1;
	}
	yaml_emitter_t em;
	struct buf b = {0};
	if (!yaml_emitter_initialize(&em))
		guard_die(NULL, "out of memory");
	yaml_emitter_set_output(&em, write_out, &b);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, -1);
	yaml_emitter_set_indent(&em, 2);
	if (!yaml_emitter_open(&em)) {
		yaml_document_delete(&doc);
		ok = 0;
	} else {
		/* yaml_emitter_dump takes the document, also when it fails. */
		ok = yaml_emitter_dump(&em, &doc) && yaml_emitter_close(&em);
	}
	yaml_emitter_delete(&em);
	if (!ok) {
		free(b.p);
		snprintf(why, whylen, "libyaml could not emit the edited document");
		return -1;
	}
	*out = b.p ? b.p : guard_xstrdup("");
	*outlen = b.n;
	return 0;
}
