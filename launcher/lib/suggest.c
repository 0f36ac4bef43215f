/* "did you mean": the nearest candidate by Damerau-Levenshtein distance (optimal string alignment).
 * Case differences cost nothing ("Files" → "files", "$project" → "$PROJECT"): they are the commonest slip and
 * the candidate's spelling is what the user needs to see. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "lib/guard.h"

#define SUGGEST_MAX 64 /* longer words are not typos of our short keys */

static int same(char a, char b)
{
	return tolower((unsigned char)a) == tolower((unsigned char)b);
}

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;
	return m < c ? m : c;
}

static size_t distance(const char *a, size_t la, const char *b, size_t lb)
{
	/* Three rows suffice: a transposition looks back two rows. */
	size_t rows[3][SUGGEST_MAX + 1];
	size_t *pp = rows[0], *prev = rows[1], *cur = rows[2];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = same(a[i - 1], b[j - 1]) ? 0 : 1;
			cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
			if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1]) &&
			    pp[j - 2] + 1 < cur[j])
				cur[j] = pp[j - 2] + 1;
		}
		size_t *t = pp;
		pp = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

const char *guard_suggest(const char *word, const char *const *candidates)
{
	size_t lw = strlen(word);
	if (lw == 0 || lw > SUGGEST_MAX)
		return NULL;
	/* A third of the word may be wrong (at least one edit): "fils"→"files", "raed"→"read", but "x" suggests
	 * nothing and "limit" still finds "limits". */
	size_t limit = lw / 3 > 0 ? lw / 3 : 1;
	const char *best = NULL;
	size_t bestd = limit + 1;
	for (const char *const *c = candidates; *c; c++) {
		size_t lc = strlen(*c);
		if (lc > SUGGEST_MAX)
			continue;
		size_t d = distance(word, lw, *c, lc);
		/* Replacing the whole candidate is no suggestion ("ab" is not a typo of "cd"). */
		if (d < bestd && d < lc) {
			best = *c;
			bestd = d;
		}
	}
	return best;
}
