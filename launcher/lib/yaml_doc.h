/* A YAML document as a small tree that knows where each node is written (byte offsets, lines, columns). The one
 * reader of guard's YAML files: the policy loader (policy_yaml.c) checks the tree against its schema, the editor
 * (yaml_edit.c) splices the text at the tree's positions. */
#ifndef GUARD_YAML_DOC_H
#define GUARD_YAML_DOC_H

#include <stdbool.h>
#include <stddef.h>

struct yd_pos {
	size_t off;         /* byte offset in the text */
	unsigned line, col; /* 1-based; col counts characters, as libyaml does */
};

enum yd_type { YD_SCALAR, YD_SEQ, YD_MAP };

struct yd_node {
	enum yd_type type;
	bool flow;                /* collections written [..] or {..} */
	bool plain;               /* scalars written without quotes */
	bool empty;               /* scalars: nothing written at all ("deny:" with no value) */
	char *text;               /* scalars */
	struct yd_pos start, end; /* scalars: the token; flow collections: '[' to just after ']'; block: start */
	struct yd_pos close;      /* flow collections: the ']' or '}' */
	struct yd_pos last;       /* end of the last token written inside (line 0: none) */
	struct yd_node **kid;     /* sequence items; mapping keys and values alternating */
	size_t n, cap;
};

struct yd_doc {
	struct yd_node *root; /* NULL: no document (empty, or only comments) */
	bool unusual_breaks;  /* \r or Unicode line breaks: byte positions from libyaml's lines are unreliable */
};

/* Why a text was refused, in the policy loader's words (guard_error's message size, so nothing is cut twice). */
struct yd_error {
	unsigned line, col; /* 1-based: where the user has to look */
	char message[512];  /* "malformed YAML: ...", "YAML alias \"*x\" is not supported", ... */
	const char *hint;   /* a constant: how to write what was probably meant */
	char brief[256];    /* the editor's shorter reason: "nested too deeply at line 40" */
};

/* yd_read flags */
#define YD_REFUSE_NUL 1u /* a scalar holding "\0", which a C string would silently cut short */

/* 0, or -1 with *err: a syntax error, an anchor, alias or tag, nesting deeper than 32 levels, a second document
 * (and what `flags` adds). `text` need not end in a NUL byte; out of memory ends the program. */
int yd_read(const char *text, size_t len, unsigned flags, struct yd_doc *doc, struct yd_error *err);
/* yd_read without flags; on -1 `why` gets the error's brief. */
int yd_parse(const char *text, size_t len, struct yd_doc *doc, char *why, size_t whylen);
void yd_free(struct yd_doc *doc);
/* The value of `key` in a mapping (NULL when absent or `map` is not a mapping); *keynode gets the key. */
struct yd_node *yd_get(const struct yd_node *map, const char *key, struct yd_node **keynode);
/* A null value: nothing written, or a plain ~ / null. */
bool yd_is_null(const struct yd_node *n);
/* Every written value as "path=value" ("files.deny[]=.env", "limits.processes=8192"), sorted, for comparing two
 * versions of a file by content. Null mapping values are left out: "deny:" and no deny say the same. */
char **yd_leaves(const struct yd_node *root, size_t *n);
void yd_leaves_free(char **v, size_t n);

#endif
