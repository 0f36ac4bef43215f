/* libFuzzer target for launcher/json_read.c: session logs record what sandboxed programs sent, so the reader
 * treats them as hostile. Whatever the bytes: no read past `len`, no crash, no leak; and what it accepts has the
 * promised shape (strings valid UTF-8 without NUL, unique keys, the node limit held). Round trip: the accepted
 * tree, written back out with json_write's string escaper, parses to the same tree.
 *
 * Input: one byte of limits (depth, node cap), then the document. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json_read.h"
#include "lib/json_write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "JSON PROPERTY FAILED: %s\n", what);
	abort();
}

static void check_str(const char *s, size_t len)
{
	if (!s || strlen(s) != len)
		fail("string length or NUL");
	for (size_t i = 0; i < len;) {
		size_t k = guard_utf8_seq((const unsigned char *)s + i, len - i);
		if (!k)
			fail("string is not valid UTF-8");
		i += k;
	}
}

/* Checks the shape, counts the nodes; false when the tree cannot be written back exactly (a non-finite
 * number). */
static bool walk(const struct guard_json *v, size_t *nodes, unsigned depth, unsigned max_depth)
{
	bool exact = true;
	++*nodes;
	if (depth > max_depth)
		fail("deeper than the limit");
	switch (v->type) {
	case GUARD_JSON_NULL:
	case GUARD_JSON_TRUE:
	case GUARD_JSON_FALSE:
		break;
	case GUARD_JSON_NUMBER:
		if (v->is_int && (double)v->i != v->num) /* both round the same integer to the nearest double */
			fail("integer and double disagree");
		exact = isfinite(v->num);
		break;
	case GUARD_JSON_STRING:
		check_str(v->s, v->len);
		break;
	case GUARD_JSON_ARRAY:
	case GUARD_JSON_OBJECT:
		if (v->len && !v->items)
			fail("container without items");
		for (size_t i = 0; i < v->len; i++) {
			if (v->type == GUARD_JSON_OBJECT) {
				check_str(v->keys[i], strlen(v->keys[i]));
				for (size_t j = 0; j < i; j++)
					if (strcmp(v->keys[i], v->keys[j]) == 0)
						fail("duplicate key accepted");
				if (guard_json_get(v, v->keys[i]) != &v->items[i])
					fail("guard_json_get does not find a key");
			}
			exact &= walk(&v->items[i], nodes, depth + 1, max_depth);
		}
		break;
	default:
		fail("unknown type");
	}
	return exact;
}

static void write_json(struct guard_buf *b, const struct guard_json *v)
{
	switch (v->type) {
	case GUARD_JSON_NULL:
		guard_buf_puts(b, "null");
		break;
	case GUARD_JSON_TRUE:
		guard_buf_puts(b, "true");
		break;
	case GUARD_JSON_FALSE:
		guard_buf_puts(b, "false");
		break;
	case GUARD_JSON_NUMBER:
		if (v->is_int)
			guard_buf_printf(b, "%lld", v->i);
		else
			guard_buf_printf(b, "%.17g", v->num);
		break;
	case GUARD_JSON_STRING:
		guard_json_str(b, v->s);
		break;
	case GUARD_JSON_ARRAY:
	case GUARD_JSON_OBJECT:
		guard_buf_puts(b, v->type == GUARD_JSON_ARRAY ? "[" : "{");
		for (size_t i = 0; i < v->len; i++) {
			if (i)
				guard_buf_puts(b, ",");
			if (v->type == GUARD_JSON_OBJECT) {
				guard_json_str(b, v->keys[i]);
				guard_buf_puts(b, ":");
			}
			write_json(b, &v->items[i]);
		}
		guard_buf_puts(b, v->type == GUARD_JSON_ARRAY ? "]" : "}");
		break;
	}
}

static bool same(const struct guard_json *a, const struct guard_json *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case GUARD_JSON_NUMBER:
		/* %.17g round-trips a double; "1.0" comes back as the integer 1. */
		return a->num == b->num && (!a->is_int || (b->is_int && a->i == b->i));
	case GUARD_JSON_STRING:
		return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
	case GUARD_JSON_ARRAY:
	case GUARD_JSON_OBJECT:
		if (a->len != b->len)
			return false;
		for (size_t i = 0; i < a->len; i++)
			if ((a->type == GUARD_JSON_OBJECT && strcmp(a->keys[i], b->keys[i]) != 0) ||
			    !same(&a->items[i], &b->items[i]))
				return false;
		return true;
	default:
		return true;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	struct guard_json_limits lim = {.depth = data[0] & 0x80 ? 0 : 1u + (data[0] & 31),
					.max_nodes = data[0] & 0x40 ? 0 : 1u + (data[0] & 63) * 16};
	size_t len = size - 1;
	char *buf = malloc(len ? len : 1); /* exact size, not NUL-terminated: ASan sees any overread */
	memcpy(buf, data + 1, len);
	char err[128];
	struct guard_json_doc *doc = guard_json_parse(buf, len, &lim, err, sizeof err);
	if (!doc) {
		if (strncmp(err, "offset ", 7) != 0 && strncmp(err, "longer than", 11) != 0)
			fail("error message without an offset");
		free(buf);
		return 0;
	}
	const struct guard_json *root = guard_json_root(doc);
	size_t nodes = 0;
	unsigned max_depth = lim.depth ? lim.depth : 32;
	bool exact = walk(root, &nodes, 0, max_depth);
	if (nodes > (lim.max_nodes ? lim.max_nodes : 65536))
		fail("more nodes than the limit");

	if (exact) {
		struct guard_buf out = {0};
		write_json(&out, root);
		char *copy = malloc(out.len ? out.len : 1);
		memcpy(copy, out.p, out.len);
		struct guard_json_doc *doc2 = guard_json_parse(copy, out.len, &lim, err, sizeof err);
		if (!doc2) {
			fprintf(stderr, "rewritten: %.*s\nerror: %s\n", (int)out.len, out.p, err);
			fail("rewritten document refused");
		}
		if (!same(root, guard_json_root(doc2)))
			fail("round trip changed the tree");
		guard_json_free(doc2);
		free(copy);
		guard_buf_free(&out);
	}
	guard_json_free(doc);
	free(buf);
	return 0;
}
