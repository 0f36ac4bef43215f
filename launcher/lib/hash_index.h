/* A hash index over a caller's array: 64-bit hash → position, with the caller deciding equality. For
 * aggregating streams (the report: files, hosts, denials) without keeping every item. */
#ifndef GUARD_HASH_INDEX_H
#define GUARD_HASH_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct guard_hash_index {
	uint64_t *hash;
	size_t *pos; /* SIZE_MAX: empty */
	size_t cap, n;
};

#define GUARD_HASH_SEED 1469598103934665603ull
/* FNV-1a of s (NULL hashes as a distinct value) chained onto h. */
uint64_t guard_hash_str(uint64_t h, const char *s);

/* The position of the item with hash h that eq(ctx, pos) accepts, or SIZE_MAX. */
size_t guard_hash_index_find(const struct guard_hash_index *x, uint64_t h, bool (*eq)(void *ctx, size_t pos),
			     void *ctx);
void guard_hash_index_add(struct guard_hash_index *x, uint64_t h, size_t pos);
void guard_hash_index_free(struct guard_hash_index *x);

#endif
