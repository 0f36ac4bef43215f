/* Adding an entry to, or removing one from, one list of a policy file (files.deny, network.allow, ...) while
 * keeping the file's comments and layout; when that cannot be done safely the file is re-emitted whole. */
#ifndef GUARD_YAML_EDIT_H
#define GUARD_YAML_EDIT_H

#include <stdbool.h>
#include <stddef.h>

enum guard_yedit_op { GUARD_YEDIT_ADD, GUARD_YEDIT_REMOVE };

struct guard_yedit {
	const char *section, *key; /* the list section.key: "files", "deny" */
	enum guard_yedit_op op;
	const char *value; /* the entry as the policy reads it (unquoted): ".env", "!.env.example" */
};

struct guard_yedit_result {
	char *text; /* malloc'd and NUL-terminated, also when nothing changed */
	size_t len;
	bool changed;   /* false: the entry was already there (add), or was not (remove) */
	bool rewritten; /* the layout could not be kept: the document was re-emitted, without its comments */
	char why[256];  /* on -1 what went wrong; with `rewritten` why the layout could not be kept */
};

/* Apply one edit to a whole file's text. The result is checked before it is returned: it parses, loads as a
 * policy, and holds exactly the old entries plus (or minus, every copy of) the value. 0, or -1 with out->why
 * (the text is not a policy file, or no safe edit exists). */
int guard_yaml_edit(const char *text, size_t len, const struct guard_yedit *e, struct guard_yedit_result *out);

/* Where `value` is written in section.key (its first copy): 1 with 1-based line and column, 0 when absent. */
int guard_yaml_locate(const char *text, size_t len, const char *section, const char *key, const char *value,
		      unsigned *line, unsigned *col);

/* The document re-emitted by libyaml with the edit applied (yaml_rewrite.c): comments are lost, content kept.
 * 0, or -1 with why. */
int guard_yaml_rewrite(const char *text, size_t len, const struct guard_yedit *e, char **out, size_t *outlen, char *why,
		       size_t whylen);

/* The entry as YAML writes it in a list: plain when that reads back the same, else double-quoted. malloc'd.
 * The emitter's (yaml_rewrite.c); the in-place editor and `guard allow/deny` use it too. */
char *guard_yaml_quote(const char *value);

#endif
