/* Building text in memory and writing JSON strings from arbitrary bytes.
 *
 * Paths, argv and cwd come from the sandbox: any bytes but NUL. JSON must be valid UTF-8, so every string is
 * escaped here and nowhere else: '"' and '\\' escaped, control characters as \n \t ... or \u00XX, DEL and
 * U+2028/U+2029 escaped too (they break terminals and JavaScript), and each byte that is not part of a valid
 * UTF-8 sequence becomes \ufffd (the replacement character: visibly lossy, never a different valid name). */
#ifndef GUARD_JSON_WRITE_H
#define GUARD_JSON_WRITE_H

#include <stddef.h>

struct guard_buf {
	char *p; /* NUL-terminated once anything was put */
	size_t len, cap;
};

void guard_buf_put(struct guard_buf *b, const void *s, size_t n);
void guard_buf_puts(struct guard_buf *b, const char *s);
__attribute__((format(printf, 2, 3))) void guard_buf_printf(struct guard_buf *b, const char *fmt, ...);
void guard_buf_free(struct guard_buf *b);

/* The JSON literal of s: "..." escaped as above, or null when s is NULL. */
void guard_json_str(struct guard_buf *b, const char *s);

/* Length of the valid UTF-8 sequence starting at s (1..4; no overlongs, no surrogates, <= U+10FFFF), or 0 when
 * the byte at s does not start one. n: bytes available. */
size_t guard_utf8_seq(const unsigned char *s, size_t n);

#endif
