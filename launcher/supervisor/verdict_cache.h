/* The observer's memory of verdicts it already derived in this session: the policy image never changes while a
 * session runs, and every exec of a dynamic program asks about the same few files (the loader's cache, libc, the
 * shim), so walking the rules again for each is wasted supervisor time. Bounded: a fixed table of entries, a
 * newer path replacing an older one in its slot. */
#ifndef GUARD_VERDICT_CACHE_H
#define GUARD_VERDICT_CACHE_H

#include <stdbool.h>
#include <stdint.h>

struct guard_verdict_cache;

struct guard_verdict_cache *guard_verdict_cache_new(void);
void guard_verdict_cache_free(struct guard_verdict_cache *c);

/* The verdict remembered for (op, is_dir, path): the rule's 1-based index in the image (0: none) and the errno
 * the policy predicts (0: allowed). False when not remembered. */
bool guard_verdict_cache_get(const struct guard_verdict_cache *c, int op, bool is_dir, const char *path, uint32_t *rule,
			     int *err);
void guard_verdict_cache_put(struct guard_verdict_cache *c, int op, bool is_dir, const char *path, uint32_t rule,
			     int err);

#endif
