/* Growable text buffers and JSON string escaping (see json_write.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/guard.h"
#include "lib/json_write.h"

void guard_buf_put(struct guard_buf *b, const void *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = guard_xrealloc(b->p, cap);
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

void guard_buf_puts(struct guard_buf *b, const char *s)
{
	guard_buf_put(b, s, strlen(s));
}

void guard_buf_printf(struct guard_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		guard_buf_put(b, small, (size_t)n);
		return;
	}
	char *big = guard_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	guard_buf_put(b, big, (size_t)n);
	free(big);
}

void guard_buf_free(struct guard_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

size_t guard_utf8_seq(const unsigned char *s, size_t n)
{
	if (n == 0)
		return 0;
	unsigned c = s[0];
	if (c < 0x80)
		return 1;
	size_t len;
	unsigned lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* UTF-16 surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

void guard_json_str(struct guard_buf *b, const char *s)
{
	if (!s) {
		guard_buf_puts(b, "null");
		return;
	}
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), run = 0; /* run: bytes copied verbatim, flushed before each escape */
	guard_buf_put(b, "\"", 1);
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		const char *esc = NULL;
		char hex[8];
		size_t k = guard_utf8_seq(p + i, n - i);
		if (k == 0)
			esc = "\\ufffd";
		else if (c == '"')
			esc = "\\\"";
		else if (c == '\\')
			esc = "\\\\";
		else if (c == '\n')
			esc = "\\n";
		else if (c == '\t')
			esc = "\\t";
		else if (c == '\r')
			esc = "\\r";
		else if (c < 0x20 || c == 0x7f) {
			snprintf(hex, sizeof hex, "\\u%04x", c);
			esc = hex;
		} else if (k == 3 && c == 0xe2 && p[i + 1] == 0x80 && (p[i + 2] == 0xa8 || p[i + 2] == 0xa9))
			esc = p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
		if (!esc) {
			run += k;
			i += k;
			continue;
		}
		guard_buf_put(b, s + i - run, run);
		run = 0;
		guard_buf_puts(b, esc);
		i += k ? k : 1;
	}
	guard_buf_put(b, s + n - run, run);
	guard_buf_put(b, "\"", 1);
}
