/* The hash index (hash_index.h): open addressing, linear probing, grown at half full. */
#include <stdlib.h>
#include <string.h>

#include "lib/guard.h"
#include "lib/hash_index.h"

uint64_t guard_hash_str(uint64_t h, const char *s)
{
	if (!s)
		return (h ^ 0xff) * 1099511628211ull;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return (h ^ 0) * 1099511628211ull; /* the terminator: ("ab","c") and ("a","bc") differ */
}

size_t guard_hash_index_find(const struct guard_hash_index *x, uint64_t h, bool (*eq)(void *ctx, size_t pos), void *ctx)
{
	if (!x->cap)
		return SIZE_MAX;
	for (size_t i = h & (x->cap - 1);; i = (i + 1) & (x->cap - 1)) {
		if (x->pos[i] == SIZE_MAX)
			return SIZE_MAX;
		if (x->hash[i] == h && eq(ctx, x->pos[i]))
			return x->pos[i];
	}
}

static void put(uint64_t *hash, size_t *pos, size_t cap, uint64_t h, size_t p)
{
	size_t i = h & (cap - 1);
	while (pos[i] != SIZE_MAX)
		i = (i + 1) & (cap - 1);
	hash[i] = h;
	pos[i] = p;
}

void guard_hash_index_add(struct guard_hash_index *x, uint64_t h, size_t p)
{
	if ((x->n + 1) * 2 > x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 64;
		uint64_t *hash = guard_xreallocarray(NULL, cap, sizeof *hash);
		size_t *pos = guard_xreallocarray(NULL, cap, sizeof *pos);
		memset(pos, 0xff, cap * sizeof *pos);
		for (size_t i = 0; i < x->cap; i++)
			if (x->pos[i] != SIZE_MAX)
				put(hash, pos, cap, x->hash[i], x->pos[i]);
		free(x->hash);
		free(x->pos);
		x->hash = hash;
		x->pos = pos;
		x->cap = cap;
	}
	put(x->hash, x->pos, x->cap, h, p);
	x->n++;
}

void guard_hash_index_free(struct guard_hash_index *x)
{
	free(x->hash);
	free(x->pos);
	memset(x, 0, sizeof *x);
}
