/* The one matcher (include/guard/match.h), shared by the launcher and the LD_PRELOAD shim.
 *
 * It runs inside every program of a session and sees patterns from project files that may be hostile, so: libc
 * only, no allocation, no mutable static state, no recursion, and time O(pattern length x path length) whatever
 * the input.
 *
 * How: a run of pattern without '/' is matched by the classic loop with a single backtrack point. When a later
 * '*' is reached, an earlier '*' never needs to take more, because the later one can absorb whatever the earlier
 * one would have. In pathname mode '*', '?' and classes never match '/', so the pattern's separators meet the
 * path's one for one: matching goes component by component, and a '**' component plays the part of '*' one
 * level up, with the same single backtrack point.
 *
 * Malformed patterns (an unterminated '[' class, a trailing lone '\') match nothing, as in git's wildmatch. That
 * also keeps the cost bounded: a '[' that opens no class would otherwise be rescanned to the end on every retry.
 */
#include "guard/match.h"

#include <stdint.h>
#include <string.h>

#define NONE SIZE_MAX

static void note(const char **err, const char *why)
{
	if (err && !*err)
		*err = why;
}

/* 1 or 0 for membership of c in [:name:], -1 for an unknown name. ASCII only, as in the C locale: the answer must
 * not depend on the locale of whichever program the shim happens to be loaded into. */
static int named_class(const char *name, size_t len, unsigned char c)
{
	static const char names[][8] = {"alnum", "alpha", "blank", "cntrl", "digit", "graph",
					"lower", "print", "punct", "space", "upper", "xdigit"};
	bool upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z', digit = c >= '0' && c <= '9';
	bool alnum = upper || lower || digit, graph = c > ' ' && c < 0x7f;
	bool xdigit = digit || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
	const bool member[] = {alnum,
			       upper || lower,
			       c == ' ' || c == '\t',
			       c < ' ' || c == 0x7f,
			       digit,
			       graph,
			       lower,
			       graph || c == ' ',
			       graph && !alnum,
			       c == ' ' || (c >= '\t' && c <= '\r'),
			       upper,
			       xdigit};
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
		if (strlen(names[k]) == len && memcmp(names[k], name, len) == 0)
			return member[k];
	return -1;
}

/* One member character of a class, with its escape; false when a '\' ends the pattern. */
static bool class_char(const char *p, size_t *j, size_t n, unsigned char *c)
{
	if (p[*j] == '\\' && ++*j >= n)
		return false;
	*c = (unsigned char)p[(*j)++];
	return true;
}

/* The class opening at p[i] == '['. Returns the index just past its closing ']', or 0 when it has none (the
 * pattern is then malformed). *hit: whether c is a member. *err (optional): the first item that is legal but can
 * never mean what its author wanted. */
static size_t class_parse(const char *p, size_t i, size_t n, unsigned char c, bool *hit, const char **err)
{
	bool neg = false, in = false;
	size_t j = i + 1;
	if (j < n && (p[j] == '!' || p[j] == '^')) {
		neg = true;
		j++;
	}
	for (size_t first = j; j < n;) {
		if (p[j] == ']' && j > first) {
			*hit = in != neg;
			return j + 1;
		}
		if (p[j] == '[' && j + 1 < n && p[j + 1] == ':') {
			/* Only lowercase letters can form a name: the lookahead stays short, so parsing stays linear. */
			size_t k = j + 2;
			while (k < n && p[k] >= 'a' && p[k] <= 'z')
				k++;
			if (k + 1 < n && p[k] == ':' && p[k + 1] == ']') {
				int m = named_class(p + j + 2, k - j - 2, c);
				if (m < 0)
					note(err, "unknown '[:name:]' class");
				in = in || m > 0;
				j = k + 2;
				continue;
			}
		}
		unsigned char lo, hi;
		if (!class_char(p, &j, n, &lo))
			return 0;
		hi = lo;
		if (j + 1 < n && p[j] == '-' && p[j + 1] != ']') {
			j++;
			if (!class_char(p, &j, n, &hi))
				return 0;
			if (lo > hi)
				note(err, "reversed range in '[' class");
		}
		if (lo == '/' || hi == '/')
			note(err, "'/' cannot appear in a '[' class (it never matches a path's '/')");
		in = in || (lo <= c && c <= hi);
	}
	return 0;
}

/* Index just past the pattern token (character, escape or class) at p[i]. */
static size_t tok_end(const char *p, size_t i, size_t n)
{
	bool hit;
	if (p[i] == '\\' && i + 1 < n)
		return i + 2;
	if (p[i] == '[') {
		size_t e = class_parse(p, i, n, 0, &hit, NULL);
		if (e)
			return e;
	}
	return i + 1;
}

/* Does the (non-'*') token at p[*i] match c? Advances *i past it. */
static bool tok_match(const char *p, size_t *i, size_t n, unsigned char c)
{
	unsigned char pc = (unsigned char)p[*i];
	if (pc == '?') {
		++*i;
		return true;
	}
	if (pc == '[') {
		bool hit;
		size_t e = class_parse(p, *i, n, c, &hit, NULL);
		if (e) {
			*i = e;
			return hit;
		}
	}
	if (pc == '\\' && *i + 1 < n)
		pc = (unsigned char)p[++*i];
	++*i;
	return pc == c;
}

/* First problem with p[0..n), or NULL. Without `strict`, only what makes the pattern unmatchable by construction
 * (guard_glob's notion of malformed); with it, also what is legal but cannot mean what its author wanted. */
static const char *syntax_error(const char *p, size_t n, bool strict)
{
	size_t comp = 0; /* start of the current path component */
	for (size_t i = 0; i < n;) {
		switch (p[i]) {
		case '\\':
			if (i + 1 == n)
				return "trailing '\\' escapes nothing";
			if (strict && p[i + 1] == '/')
				return "'/' cannot be escaped";
			i += 2;
			break;
		case '[': {
			const char *why = NULL;
			bool hit;
			size_t e = class_parse(p, i, n, 0, &hit, &why);
			if (!e)
				return "unterminated '[' class";
			if (strict && why)
				return why;
			i = e;
			break;
		}
		case '*': {
			size_t b = i;
			while (i < n && p[i] == '*')
				i++;
			if (strict && i - b > 1 && (b != comp || i - b != 2 || (i < n && p[i] != '/')))
				return "'**' must be a whole path component";
			break;
		}
		case '/':
			comp = ++i;
			break;
		default:
			i++;
		}
	}
	return NULL;
}

/* Glob without any pathname rule: '*' matches any run of bytes. */
static bool seg_match(const char *p, size_t pn, const char *s, size_t sn)
{
	size_t pi = 0, si = 0, star_p = NONE, star_s = 0;
	while (si < sn) {
		if (pi < pn && p[pi] == '*') {
			while (pi < pn && p[pi] == '*')
				pi++;
			if (pi == pn)
				return true;
			star_p = pi;
			star_s = si;
			continue;
		}
		size_t next = pi;
		if (pi < pn && tok_match(p, &next, pn, (unsigned char)s[si])) {
			pi = next;
			si++;
			continue;
		}
		if (star_p == NONE)
			return false;
		pi = star_p;
		si = ++star_s;
	}
	while (pi < pn && p[pi] == '*')
		pi++;
	return pi == pn;
}

static size_t pat_comp_end(const char *p, size_t i, size_t n)
{
	while (i < n && p[i] != '/')
		i = tok_end(p, i, n);
	return i;
}

static size_t str_comp_end(const char *s, size_t i, size_t n)
{
	const char *slash = memchr(s + i, '/', n - i);
	return slash ? (size_t)(slash - s) : n;
}

/* Pathname glob over components. A position past the end (> n) means "no component left"; "" is one empty
 * component and "a/" is "a" then "". The result is: the pattern matches the whole string (when `self`), or some
 * proper prefix of whole components of it (when `below`: that prefix is an ancestor directory). */
static bool path_match(const char *p, size_t pn, const char *s, size_t sn, bool self, bool below)
{
	size_t pp = 0, sp = 0, gp = NONE, gs = 0;
	for (;;) {
		if (pp > pn) {
			if (sp > sn ? self : below)
				return true;
		} else {
			size_t pe = pat_comp_end(p, pp, pn);
			if (pe - pp == 2 && p[pp] == '*' && p[pp + 1] == '*') {
				if (pe == pn) {
					/* A final '**' takes one or more components: "/a/ **" is what is inside /a, not /a
					 * itself. For `below` it must leave one more. */
					if (sp > sn)
						return false;
					return self || (below && str_comp_end(s, sp, sn) < sn);
				}
				gp = pp = pe + 1;
				gs = sp;
				continue;
			}
			if (sp > sn)
				return false;
			size_t se = str_comp_end(s, sp, sn);
			if (seg_match(p + pp, pe - pp, s + sp, se - sp)) {
				pp = pe + 1;
				sp = se + 1;
				continue;
			}
		}
		if (gp == NONE || gs > sn)
			return false;
		/* The last '**' takes one more component; earlier ones never need to (see the top of the file). */
		gs = str_comp_end(s, gs, sn) + 1;
		pp = gp;
		sp = gs;
	}
}

/* syntax_error() without `strict` only fails on a '\' or a '[': most patterns have neither, and the matcher runs
 * for every rule on every path of a scan, so the full parse is skipped when memchr finds neither. */
static bool malformed(const char *p, size_t n)
{
	return (memchr(p, '[', n) || memchr(p, '\\', n)) && syntax_error(p, n, false);
}

bool guard_glob(const char *pat, size_t plen, const char *str, size_t slen, bool pathname)
{
	if (malformed(pat, plen))
		return false;
	return pathname ? path_match(pat, plen, str, slen, true, false) : seg_match(pat, plen, str, slen);
}

/* Path "/" (the root) has no name and no ancestors: name patterns never match it, and among anchored patterns
 * only "/" itself does (which, as every path lies beneath the root, matches every absolute path). This keeps
 * "/ *" or "/ **" from matching the root through an empty component. A trailing '/' on `path` is ignored. */
bool guard_pattern_matches(const char *pattern, const char *path, bool is_dir)
{
	size_t pn = strlen(pattern), sn = strlen(path);
	if (malformed(pattern, pn))
		return false;
	while (sn > 1 && path[sn - 1] == '/')
		sn--;
	bool dir_only = false;
	if (pn > 1 && pattern[pn - 1] == '/') {
		size_t bs = 0;
		while (bs < pn - 1 && pattern[pn - 2 - bs] == '\\')
			bs++;
		dir_only = bs % 2 == 0; /* an escaped '/' is no separator */
	}
	pn -= dir_only;
	bool self = !dir_only || is_dir;

	if (pattern[0] == '/') {
		if (pn == 1)
			return path[0] == '/';
		if (sn == 1 && path[0] == '/')
			return false;
		return path_match(pattern, pn, path, sn, self, true);
	}
	for (size_t i = 0; i < sn;) {
		if (path[i] == '/') {
			i++;
			continue;
		}
		size_t end = str_comp_end(path, i, sn);
		if ((end < sn || self) && path_match(pattern, pn, path + i, end - i, true, false))
			return true;
		i = end;
	}
	return false;
}

bool guard_pattern_has_glob(const char *pattern)
{
	for (const char *q = pattern; *q; q++) {
		if (*q == '\\') {
			if (!*++q)
				break;
		} else if (*q == '*' || *q == '?' || *q == '[') {
			return true;
		}
	}
	return false;
}

const char *guard_pattern_error(const char *pattern)
{
	if (!pattern || !*pattern)
		return "empty pattern";
	return syntax_error(pattern, strlen(pattern), true);
}
