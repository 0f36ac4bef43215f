/* A small strict JSON reader for the session log (session.json, events.jsonl lines).
 *
 * The log is private to its user, but it records what sandboxed programs sent: treat it as hostile anyway.
 * Strict RFC 8259: no comments, no trailing commas, no leading zeros, no duplicate keys, no raw control
 * characters, valid UTF-8 only, paired surrogates only; "\u0000" is refused too (no C string could carry it, and
 * nothing guard writes contains it). Bounded: input size, nesting depth and value count are capped by the
 * caller's limits; recursion depth equals nesting depth. Never reads past `len`; the input need not end in NUL.
 * A parsed document lives in one arena freed at once. */
#ifndef GUARD_JSON_READ_H
#define GUARD_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>

enum guard_json_type {
	GUARD_JSON_NULL,
	GUARD_JSON_FALSE,
	GUARD_JSON_TRUE,
	GUARD_JSON_NUMBER,
	GUARD_JSON_STRING,
	GUARD_JSON_ARRAY,
	GUARD_JSON_OBJECT,
};

struct guard_json {
	enum guard_json_type type;
	bool is_int;                    /* NUMBER: integral and within long long */
	long long i;                    /* NUMBER, when is_int */
	double num;                     /* NUMBER */
	const char *s;                  /* STRING: decoded UTF-8, NUL-terminated (never contains NUL) */
	size_t len;                     /* STRING: bytes; ARRAY/OBJECT: elements */
	const struct guard_json *items; /* ARRAY/OBJECT: len values */
	const char *const *keys;        /* OBJECT: len keys (decoded, NUL-terminated) */
};

struct guard_json_limits {
	size_t max_len;   /* input bytes (0: 1 MiB) */
	unsigned depth;   /* nesting (0: 32) */
	size_t max_nodes; /* values in all (0: 65536) */
};

struct guard_json_doc;

/* Parse buf[0..len). NULL on error, with "offset N: what" in err. */
struct guard_json_doc *guard_json_parse(const char *buf, size_t len, const struct guard_json_limits *lim, char *err,
					size_t errlen);
const struct guard_json *guard_json_root(const struct guard_json_doc *doc);
void guard_json_free(struct guard_json_doc *doc);

/* Accessors: NULL/false on a missing key or a wrong type, so callers check shape in one step. */
const struct guard_json *guard_json_get(const struct guard_json *obj, const char *key);
const char *guard_json_str_of(const struct guard_json *obj, const char *key); /* string value, else NULL */
bool guard_json_int_of(const struct guard_json *obj, const char *key, long long *out);
bool guard_json_bool_of(const struct guard_json *obj, const char *key, bool *out);
bool guard_json_is_null(const struct guard_json *v);

#endif
