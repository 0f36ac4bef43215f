/* guard's globs as Seatbelt regexes (sbpl.h). Seatbelt's regex is a POSIX ERE subset written as #"..." in the
 * profile; what the translation cannot say for certain (a '"' the literal cannot carry, a '\' inside a bracket
 * expression, whose meaning differs between regex engines, bytes past ASCII in a class) is refused, and the
 * caller refuses the run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard/match.h"
#include "lib/guard.h"
#include "sandbox/darwin/sbpl.h"

static bool carriable(unsigned char c)
{
	return c >= 0x20 && c != 0x7f && c != '"';
}

char *guard_sbpl_regex_quote(const char *s, size_t len)
{
	char *out = guard_xmalloc(2 * len + 1);
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (!carriable((unsigned char)s[i])) {
			free(out);
			return NULL;
		}
		if (strchr(".[](){}*+?|^$\\", s[i]))
			out[n++] = '\\';
		out[n++] = s[i];
	}
	out[n] = 0;
	return out;
}

/* The bracket expression of the class p[0..len) (a whole "[...]" token): its members are found by asking the
 * matcher itself about every byte, so the regex means exactly what the glob means. */
static bool class_regex(const char *p, size_t len, FILE *out)
{
	bool member[256] = {false};
	size_t count = 0;
	for (unsigned c = 1; c < 256; c++) {
		char s = (char)c;
		member[c] = guard_glob(p, len, &s, 1, true);
		count += member[c];
	}
	if (count == 0)
		return false;
	/* A class never matches '/': state it in a negated expression, which would otherwise take it. */
	bool negate = count > 127;
	bool want[256] = {false};
	for (unsigned c = 1; c < 256; c++)
		want[c] = negate ? !member[c] : member[c];
	for (unsigned c = 0x80; c < 256; c++)
		if (want[c])
			return false;
	if (want['\\'] || want['"'])
		return false;
	for (unsigned c = 1; c < 0x20; c++)
		if (want[c])
			return false;
	if (want[0x7f])
		return false;
	fputc('[', out);
	if (negate)
		fputc('^', out);
	if (want[']'])
		fputc(']', out);
	for (unsigned c = 0x20; c < 0x7f; c++) {
		if (!want[c] || c == ']' || c == '-' || c == '^' || c == '[')
			continue;
		unsigned e = c;
		bool run = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
		while (run && want[e + 1] &&
		       ((c <= '9' && e + 1 <= '9') || (c >= 'A' && c <= 'Z' && e + 1 <= 'Z') ||
			(c >= 'a' && e + 1 <= 'z')))
			e++;
		if (e > c + 1)
			fprintf(out, "%c-%c", c, e);
		else
			for (unsigned k = c; k <= e; k++)
				fputc((int)k, out);
		c = e;
	}
	if (want['^'])
		fputc('^', out);
	if (want['['])
		fputc('[', out);
	if (want['-'])
		fputc('-', out);
	fputc(']', out);
	return true;
}

/* The length of the class token at p[0] ('['), or 0 when it does not close (then the glob matches nothing). */
static size_t class_len(const char *p, size_t len)
{
	size_t j = 1;
	if (j < len && (p[j] == '!' || p[j] == '^'))
		j++;
	for (size_t first = j; j < len; j++) {
		if (p[j] == ']' && j > first)
			return j + 1;
		if (p[j] == '[' && j + 1 < len && p[j + 1] == ':') {
			const char *end = memchr(p + j + 2, ']', len - j - 2);
			if (end && end[-1] == ':') {
				j = (size_t)(end - p);
				continue;
			}
		}
		if (p[j] == '\\')
			j++;
	}
	return 0;
}

char *guard_sbpl_glob_regex(const char *glob, size_t len)
{
	char *buf = NULL;
	size_t blen = 0;
	FILE *out = open_memstream(&buf, &blen);
	if (!out)
		guard_die(NULL, "out of memory");
	bool ok = true;
	for (size_t i = 0; i < len && ok;) {
		char c = glob[i];
		bool comp_start = i == 0 || glob[i - 1] == '/';
		if (c == '*') {
			size_t j = i;
			while (j < len && glob[j] == '*')
				j++;
			bool whole = comp_start && j - i == 2 && (j == len || glob[j] == '/');
			if (whole && i == 0 && j == len) {
				fputs(".*", out); /* the whole glob: anything, as the matcher has it */
				i = j;
			} else if (whole && j < len) {
				fputs("(.*/)?", out); /* "**" and its '/': no component or any number */
				i = j + 1;
			} else if (whole) {
				fputs("[^/].*", out); /* a final "**": one component or more */
				i = j;
			} else {
				fputs("[^/]*", out);
				i = j;
			}
		} else if (c == '?') {
			fputs("[^/]", out);
			i++;
		} else if (c == '[') {
			size_t n = class_len(glob + i, len - i);
			ok = n && class_regex(glob + i, n, out);
			i += n;
		} else {
			if (c == '\\') {
				if (++i == len) {
					ok = false;
					break;
				}
				c = glob[i];
			}
			char *q = guard_sbpl_regex_quote(&c, 1);
			ok = q != NULL;
			if (q)
				fputs(q, out);
			free(q);
			i++;
		}
	}
	fclose(out);
	if (!ok) {
		free(buf);
		return NULL;
	}
	return buf;
}
