/* Strict, bounded JSON parsing (see json_read.h): recursive descent over a length-delimited buffer. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/guard.h"
#include "lib/json_read.h"
#include "lib/json_write.h"

/* Arena: chunks of at least 16 KiB, each allocation 8-byte aligned; freed all at once. */
struct chunk {
	struct chunk *next;
	size_t used, cap;
	_Alignas(8) char data[];
};

struct guard_json_doc {
	struct chunk *chunks;
	struct guard_json root;
};

struct parser {
	const char *p, *end, *start;
	struct guard_json_doc *doc;
	unsigned depth, max_depth;
	size_t nodes, max_nodes;
	char *err;
	size_t errlen;
	bool failed;
};

static void *arena(struct guard_json_doc *doc, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	struct chunk *c = doc->chunks;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > 16384 ? n : 16384;
		c = guard_xmalloc(sizeof *c + cap);
		c->next = doc->chunks;
		c->used = 0;
		c->cap = cap;
		doc->chunks = c;
	}
	void *r = c->data + c->used;
	c->used += n;
	return r;
}

__attribute__((format(printf, 2, 3))) static bool fail(struct parser *ps, const char *fmt, ...)
{
	if (ps->failed)
		return false;
	ps->failed = true;
	char msg[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(ps->err, ps->errlen, "offset %zu: %s", (size_t)(ps->p - ps->start), msg);
	return false;
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static bool literal(struct parser *ps, const char *word, enum guard_json_type type, struct guard_json *out)
{
	size_t n = strlen(word);
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return fail(ps, "invalid literal");
	ps->p += n;
	out->type = type;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool hex4(struct parser *ps, unsigned *out)
{
	if (ps->end - ps->p < 4)
		return fail(ps, "truncated \\u escape");
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(ps->p[i]);
		if (h < 0)
			return fail(ps, "bad \\u escape");
		v = v << 4 | (unsigned)h;
	}
	ps->p += 4;
	*out = v;
	return true;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A string at ps->p (the opening quote). Decoded text is never longer than its encoding, so the output is
 * sized by the raw span. */
static bool string(struct parser *ps, const char **out, size_t *outlen)
{
	ps->p++;
	const char *q = ps->p;
	while (q < ps->end && *q != '"')
		q += (*q == '\\' && q + 1 < ps->end) ? 2 : 1;
	if (q >= ps->end)
		return fail(ps, "unterminated string");
	char *o = arena(ps->doc, (size_t)(q - ps->p) + 1);
	size_t n = 0;
	while (ps->p < q) {
		unsigned char c = (unsigned char)*ps->p;
		if (c < 0x20)
			return fail(ps, "control character in string");
		if (c != '\\') {
			size_t k = guard_utf8_seq((const unsigned char *)ps->p, (size_t)(q - ps->p));
			if (!k)
				return fail(ps, "invalid UTF-8");
			memcpy(o + n, ps->p, k);
			n += k;
			ps->p += k;
			continue;
		}
		ps->p++;
		char e = *ps->p++;
		unsigned cp;
		switch (e) {
		case '"':
			o[n++] = '"';
			break;
		case '\\':
			o[n++] = '\\';
			break;
		case '/':
			o[n++] = '/';
			break;
		case 'b':
			o[n++] = '\b';
			break;
		case 'f':
			o[n++] = '\f';
			break;
		case 'n':
			o[n++] = '\n';
			break;
		case 'r':
			o[n++] = '\r';
			break;
		case 't':
			o[n++] = '\t';
			break;
		case 'u':
			if (!hex4(ps, &cp))
				return false;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail(ps, "unpaired low surrogate");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				unsigned lo;
				if (q - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u')
					return fail(ps, "unpaired high surrogate");
				ps->p += 2;
				if (!hex4(ps, &lo))
					return false;
				if (lo < 0xdc00 || lo > 0xdfff)
					return fail(ps, "unpaired high surrogate");
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (cp == 0)
				return fail(ps, "\\u0000 in string");
			/* \uXXXX (6 bytes) decodes to at most 3; a pair (12) to 4: always fits. */
			n += put_utf8(o + n, cp);
			break;
		default:
			ps->p--;
			return fail(ps, "bad escape");
		}
	}
	o[n] = 0;
	ps->p = q + 1;
	*out = o;
	*outlen = n;
	return true;
}

static bool digits(struct parser *ps)
{
	const char *s = ps->p;
	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
		ps->p++;
	return ps->p > s;
}

static bool number(struct parser *ps, struct guard_json *out)
{
	const char *s = ps->p;
	bool integral = true;
	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p < ps->end && *ps->p == '0')
		ps->p++;
	else if (!digits(ps))
		return fail(ps, "bad number");
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		integral = false;
		if (!digits(ps))
			return fail(ps, "bad number");
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		integral = false;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (!digits(ps))
			return fail(ps, "bad number");
	}
	/* strtod needs a terminator; numbers longer than any sane one are refused rather than copied. */
	size_t n = (size_t)(ps->p - s);
	char tmp[64];
	if (n >= sizeof tmp)
		return fail(ps, "number too long");
	memcpy(tmp, s, n);
	tmp[n] = 0;
	out->type = GUARD_JSON_NUMBER;
	out->num = strtod(tmp, NULL);
	if (integral) {
		errno = 0;
		long long v = strtoll(tmp, NULL, 10);
		if (errno == 0) {
			out->is_int = true;
			out->i = v;
		}
	}
	return true;
}

static bool value(struct parser *ps, struct guard_json *out);

/* Elements are parsed into a temporary vector (heap), then copied into the arena at their final size. */
static bool container(struct parser *ps, struct guard_json *out, bool object)
{
	char close = object ? '}' : ']';
	struct guard_json *items = NULL;
	const char **keys = NULL;
	size_t n = 0, cap = 0;
	bool ok = false;
	if (++ps->depth > ps->max_depth) {
		fail(ps, "nested deeper than %u", ps->max_depth);
		goto done;
	}
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ok = true;
		goto done;
	}
	for (;;) {
		if (object && n >= 4096) {
			fail(ps, "more than 4096 keys in an object"); /* bounds the duplicate-key check */
			goto done;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			items = guard_xrealloc(items, cap * sizeof *items);
			if (object)
				keys = guard_xrealloc(keys, cap * sizeof *keys);
		}
		skip_ws(ps);
		if (object) {
			size_t klen;
			if (ps->p >= ps->end || *ps->p != '"') {
				fail(ps, "expected a key");
				goto done;
			}
			if (!string(ps, &keys[n], &klen))
				goto done;
			/* Duplicate keys are refused: which one a reader takes is undefined. */
			for (size_t k = 0; k < n; k++)
				if (strcmp(keys[k], keys[n]) == 0) {
					fail(ps, "duplicate key");
					goto done;
				}
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				fail(ps, "expected ':'");
				goto done;
			}
			ps->p++;
		}
		if (!value(ps, &items[n]))
			goto done;
		n++;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			ok = true;
			break;
		}
		fail(ps, "expected ',' or '%c'", close);
		goto done;
	}
done:
	ps->depth--;
	if (ok) {
		out->type = object ? GUARD_JSON_OBJECT : GUARD_JSON_ARRAY;
		out->len = n;
		struct guard_json *it = arena(ps->doc, n * sizeof *it);
		if (n)
			memcpy(it, items, n * sizeof *it);
		out->items = it;
		if (object) {
			const char **ks = arena(ps->doc, n * sizeof *ks);
			if (n)
				memcpy(ks, keys, n * sizeof *ks);
			out->keys = ks;
		}
	}
	free(items);
	free(keys);
	return ok;
}

static bool value(struct parser *ps, struct guard_json *out)
{
	memset(out, 0, sizeof *out);
	if (++ps->nodes > ps->max_nodes)
		return fail(ps, "more than %zu values", ps->max_nodes);
	skip_ws(ps);
	if (ps->p >= ps->end)
		return fail(ps, "unexpected end");
	switch (*ps->p) {
	case '{':
		return container(ps, out, true);
	case '[':
		return container(ps, out, false);
	case '"':
		out->type = GUARD_JSON_STRING;
		return string(ps, &out->s, &out->len);
	case 't':
		return literal(ps, "true", GUARD_JSON_TRUE, out);
	case 'f':
		return literal(ps, "false", GUARD_JSON_FALSE, out);
	case 'n':
		return literal(ps, "null", GUARD_JSON_NULL, out);
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return number(ps, out);
		return fail(ps, "unexpected character");
	}
}

void guard_json_free(struct guard_json_doc *doc)
{
	if (!doc)
		return;
	for (struct chunk *c = doc->chunks, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	free(doc);
}

struct guard_json_doc *guard_json_parse(const char *buf, size_t len, const struct guard_json_limits *lim, char *err,
					size_t errlen)
{
	struct guard_json_limits d = {0};
	if (!lim)
		lim = &d;
	size_t max_len = lim->max_len ? lim->max_len : 1u << 20;
	char dummy[8];
	if (!err || !errlen)
		err = dummy, errlen = sizeof dummy;
	if (len > max_len) {
		snprintf(err, errlen, "longer than %zu bytes", max_len);
		return NULL;
	}
	struct guard_json_doc *doc = guard_xmalloc(sizeof *doc);
	memset(doc, 0, sizeof *doc);
	struct parser ps = {
		.p = buf,
		.end = buf + len,
		.start = buf,
		.doc = doc,
		.max_depth = lim->depth ? lim->depth : 32,
		.max_nodes = lim->max_nodes ? lim->max_nodes : 65536,
		.err = err,
		.errlen = errlen,
	};
	if (value(&ps, &doc->root)) {
		skip_ws(&ps);
		if (ps.p == ps.end)
			return doc;
		fail(&ps, "trailing characters");
	}
	guard_json_free(doc);
	return NULL;
}

const struct guard_json *guard_json_root(const struct guard_json_doc *doc)
{
	return doc ? &doc->root : NULL;
}

const struct guard_json *guard_json_get(const struct guard_json *obj, const char *key)
{
	if (!obj || obj->type != GUARD_JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->len; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return &obj->items[i];
	return NULL;
}

const char *guard_json_str_of(const struct guard_json *obj, const char *key)
{
	const struct guard_json *v = guard_json_get(obj, key);
	return v && v->type == GUARD_JSON_STRING ? v->s : NULL;
}

bool guard_json_int_of(const struct guard_json *obj, const char *key, long long *out)
{
	const struct guard_json *v = guard_json_get(obj, key);
	if (!v || v->type != GUARD_JSON_NUMBER || !v->is_int)
		return false;
	*out = v->i;
	return true;
}

bool guard_json_bool_of(const struct guard_json *obj, const char *key, bool *out)
{
	const struct guard_json *v = guard_json_get(obj, key);
	if (!v || (v->type != GUARD_JSON_TRUE && v->type != GUARD_JSON_FALSE))
		return false;
	*out = v->type == GUARD_JSON_TRUE;
	return true;
}

bool guard_json_is_null(const struct guard_json *v)
{
	return v && v->type == GUARD_JSON_NULL;
}
