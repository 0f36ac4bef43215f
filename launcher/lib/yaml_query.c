/* Questions about a tree yaml_doc.c has read: a key's value, whether a value is null, and the whole document as
 * sorted "path=value" leaves (see yaml_doc.h). */
#include <stdlib.h>
#include <string.h>

#include "lib/guard.h"
#include "lib/yaml_doc.h"

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
