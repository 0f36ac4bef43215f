/* libFuzzer target for preload/match.c: patterns and paths come from untrusted project files and programs, so the
 * matcher must neither crash nor blow up on any input, and must agree with slow but obviously correct references.
 *
 * Input: one flags byte (bit 0: is_dir, bit 1: pathname), then the pattern, a '\n', and the string/path.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -D_GNU_SOURCE tests/fuzz/fuzz_match.c \
 *         preload/match.c -o /tmp/fuzz_match
 *   cp -r tests/fuzz/corpus/match /tmp/corpus_match && /tmp/fuzz_match -max_total_time=60 /tmp/corpus_match
 *
 * The references: a memoized char-by-char recursion over the pattern (the matcher works component by component
 * with a single backtrack point, so the two share no structure), glibc fnmatch(3) where the syntaxes agree, and
 * the definition of guard_pattern_matches spelled out as "glob the path or one of its ancestors / components". */
#include "guard/match.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REF_MAX 48 /* the references are only run on inputs this short: they are slow */

/* `flag`: pathname for the globs, is_dir for guard_pattern_matches. */
static void fail(const char *what, const char *p, size_t pn, const char *s, size_t sn, int flag, int got)
{
	fprintf(stderr, "MISMATCH %s: pattern \"%.*s\" string \"%.*s\" flag=%d got=%d\n", what, (int)pn, p, (int)sn, s,
		flag, got);
	abort();
}

/* ---- reference glob ---- */

/* Class at p[0] == '['. Returns its length, or 0 when unterminated; *in: whether c is a member. */
static size_t ref_class(const char *p, size_t n, unsigned char c, int *in)
{
	static const char *names[] = {"alnum", "alpha", "blank", "cntrl", "digit", "graph",
				      "lower", "print", "punct", "space", "upper", "xdigit"};
	int (*const preds[])(int) = {isalnum, isalpha, isblank, iscntrl, isdigit, isgraph,
				     islower, isprint, ispunct, isspace, isupper, isxdigit};
	size_t j = 1;
	int neg = 0, hit = 0;
	if (j < n && (p[j] == '!' || p[j] == '^'))
		neg = 1, j++;
	size_t first = j;
	while (j < n) {
		if (p[j] == ']' && j != first) {
			*in = hit ^ neg;
			return j + 1;
		}
		if (p[j] == '[' && j + 1 < n && p[j + 1] == ':') {
			size_t k = j + 2;
			while (k < n && p[k] >= 'a' && p[k] <= 'z')
				k++;
			if (k + 1 < n && p[k] == ':' && p[k + 1] == ']') {
				for (size_t t = 0; t < 12; t++)
					if (strlen(names[t]) == k - j - 2 && !memcmp(names[t], p + j + 2, k - j - 2) &&
					    c < 0x80 && preds[t](c))
						hit = 1;
				j = k + 2;
				continue;
			}
		}
		unsigned lo, hi;
		if (p[j] == '\\') {
			if (++j == n)
				return 0;
		}
		lo = hi = (unsigned char)p[j++];
		if (j + 1 < n && p[j] == '-' && p[j + 1] != ']') {
			j++;
			if (p[j] == '\\' && ++j == n)
				return 0;
			hi = (unsigned char)p[j++];
		}
		if (lo <= c && c <= hi)
			hit = 1;
	}
	return 0;
}

static int ref_well_formed(const char *p, size_t n)
{
	int in;
	for (size_t i = 0; i < n;) {
		if (p[i] == '\\') {
			if (i + 1 == n)
				return 0;
			i += 2;
		} else if (p[i] == '[') {
			size_t l = ref_class(p + i, n - i, 0, &in);
			if (!l)
				return 0;
			i += l;
		} else {
			i++;
		}
	}
	return 1;
}

struct ref {
	const char *p, *s;
	size_t pn, sn;
	int pathname;
	char comp_start[REF_MAX + 1]; /* token boundaries right after an unescaped '/' (or at 0) */
	signed char memo[REF_MAX + 1][REF_MAX + 1];
};

/* Does p[pi..] match s[si..]? pi is always at a token boundary, so (pi, si) determines the answer. */
static int ref_at(struct ref *r, size_t pi, size_t si)
{
	if (r->memo[pi][si] >= 0)
		return r->memo[pi][si];
	const char *p = r->p, *s = r->s;
	size_t pn = r->pn, sn = r->sn;
	int m = 0, in;
	if (pi == pn) {
		m = si == sn;
	} else if (r->pathname && r->comp_start[pi] && pi + 1 < pn && p[pi] == '*' && p[pi + 1] == '*' &&
		   (pi + 2 == pn || p[pi + 2] == '/')) {
		if (pi + 2 == pn) {
			m = 1;
		} else {
			m = ref_at(r, pi + 3, si);
			for (size_t k = si; !m && k < sn; k++)
				if (s[k] == '/')
					m = ref_at(r, pi + 3, k + 1);
		}
	} else if (p[pi] == '*') {
		size_t q = pi;
		while (q < pn && p[q] == '*')
			q++;
		for (size_t k = si;; k++) {
			if ((m = ref_at(r, q, k)) || k == sn || (r->pathname && s[k] == '/'))
				break;
		}
	} else if (si < sn) {
		unsigned char c = (unsigned char)s[si];
		int slash_ok = !(r->pathname && c == '/');
		if (p[pi] == '?') {
			m = slash_ok && ref_at(r, pi + 1, si + 1);
		} else if (p[pi] == '[') {
			size_t l = ref_class(p + pi, pn - pi, c, &in);
			m = in && slash_ok && ref_at(r, pi + l, si + 1);
		} else if (p[pi] == '\\') {
			m = (unsigned char)p[pi + 1] == c && slash_ok && ref_at(r, pi + 2, si + 1);
		} else {
			m = (unsigned char)p[pi] == c && ref_at(r, pi + 1, si + 1);
		}
	}
	return r->memo[pi][si] = (signed char)m;
}

static int ref_glob(const char *p, size_t pn, const char *s, size_t sn, int pathname)
{
	if (!ref_well_formed(p, pn))
		return 0;
	static struct ref r; /* too big for a comfortable stack frame; the harness is single-threaded */
	int in;
	r.p = p, r.s = s, r.pn = pn, r.sn = sn, r.pathname = pathname;
	memset(r.memo, -1, sizeof r.memo);
	memset(r.comp_start, 0, sizeof r.comp_start);
	r.comp_start[0] = 1;
	for (size_t i = 0; i < pn;) {
		size_t l = p[i] == '\\' ? 2 : p[i] == '[' ? ref_class(p + i, pn - i, 0, &in) : 1;
		if (p[i] == '/')
			r.comp_start[i + 1] = 1;
		i += l;
	}
	return ref_at(&r, 0, 0);
}

/* ---- reference guard_pattern_matches: the definition in match.h, literally ---- */

static int ref_matches(const char *pat, const char *path, int is_dir)
{
	size_t pn = strlen(pat), sn = strlen(path);
	if (!ref_well_formed(pat, pn))
		return 0;
	while (sn > 1 && path[sn - 1] == '/')
		sn--;
	int dir_only = 0;
	if (pn > 1 && pat[pn - 1] == '/') {
		size_t bs = 0;
		while (bs + 2 <= pn && pat[pn - 2 - bs] == '\\')
			bs++;
		dir_only = bs % 2 == 0;
	}
	pn -= dir_only;
	int self = !dir_only || is_dir;
	if (pat[0] == '/') {
		if (pn == 1)
			return path[0] == '/';
		if (sn == 1 && path[0] == '/')
			return 0;
		if (self && ref_glob(pat, pn, path, sn, 1))
			return 1;
		for (size_t k = 1; k < sn; k++) /* every proper ancestor but the root */
			if (path[k] == '/' && ref_glob(pat, pn, path, k, 1))
				return 1;
		return 0;
	}
	for (size_t i = 0; i < sn;) {
		size_t e = i;
		while (e < sn && path[e] != '/')
			e++;
		if (e > i && (e < sn || self) && ref_glob(pat, pn, path + i, e - i, 1))
			return 1;
		i = e + 1;
	}
	return 0;
}

/* Pattern with escapes removed, when it has no glob metacharacters: what it matches literally. */
static size_t unescape(const char *p, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\\' && i + 1 < n)
			i++;
		out[o++] = p[i];
	}
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 8192)
		return 0;
	int is_dir = data[0] & 1, pathname = (data[0] >> 1) & 1;
	const char *in = (const char *)data + 1;
	size_t n = size - 1;
	const char *nl = memchr(in, '\n', n);
	size_t pn = nl ? (size_t)(nl - in) : n;
	const char *s = nl ? nl + 1 : in + n;
	size_t sn = nl ? n - pn - 1 : 0;

	/* Exact-length copies, so ASan catches any read past the lengths given. */
	char *p = malloc(pn + 1), *str = malloc(sn + 1), *lit = malloc(pn + 1);
	memcpy(p, in, pn);
	memcpy(str, s, sn);
	p[pn] = str[sn] = 0;

	int g = guard_glob(p, pn, str, sn, pathname);
	int g_other = guard_glob(p, pn, str, sn, !pathname);
	if (pn <= REF_MAX && sn <= REF_MAX) {
		if (g != ref_glob(p, pn, str, sn, pathname))
			fail("glob vs reference", p, pn, str, sn, pathname, g);
		if (g_other != ref_glob(p, pn, str, sn, !pathname))
			fail("glob vs reference", p, pn, str, sn, !pathname, g_other);
	}

	/* fnmatch agrees where the syntaxes do: no NUL bytes, no POSIX [:class:], [.coll.] or [=equiv=] (git's
	 * syntax has only the first, and glibc's depend on the locale), well-formed patterns. Short inputs only:
	 * fnmatch can take exponential time. */
	int plain = !memchr(p, 0, pn) && !memchr(str, 0, sn) && !strstr(p, "[:") && !strstr(p, "[.") &&
		    !strstr(p, "[=") && guard_pattern_error(p) == NULL;
	if (plain && pn <= REF_MAX && sn <= REF_MAX) {
		int f = fnmatch(p, str, 0) == 0;
		int gn = pathname ? g_other : g;
		if (f != gn)
			fail("glob vs fnmatch", p, pn, str, sn, 0, gn);
	}

	/* A valid pattern without metacharacters matches exactly its unescaped self, in both modes. */
	const char *why = memchr(p, 0, pn) ? "NUL" : guard_pattern_error(p);
	if (!why && !guard_pattern_has_glob(p)) {
		size_t ln = unescape(p, pn, lit);
		int want = ln == sn && !memcmp(lit, str, sn);
		if (g != want || g_other != want)
			fail("literal pattern", p, pn, str, sn, pathname, g);
	}
	if (!why && pn == 0)
		fail("empty pattern accepted", p, pn, str, sn, pathname, 0);

	if (!memchr(p, 0, pn) && !memchr(str, 0, sn)) {
		int m = guard_pattern_matches(p, str, is_dir);
		if (pn <= REF_MAX && sn <= REF_MAX && m != ref_matches(p, str, is_dir))
			fail("pattern_matches vs reference", p, pn, str, sn, is_dir, m);
		/* Everything beneath a matched path is matched. */
		if (m && sn < 4000 && str[0] == '/' && !strstr(str, "//") && (sn == 1 || str[sn - 1] != '/')) {
			char child[4100];
			size_t cn = sn == 1 ? 0 : sn;
			memcpy(child, str, cn);
			memcpy(child + cn, "/c", 3);
			if (!guard_pattern_matches(p, child, 0))
				fail("child of a match not matched", p, pn, child, cn + 2, is_dir, 0);
		}
	}
	free(p);
	free(str);
	free(lit);
	return 0;
}
