/* A direct-mapped table of verdicts (verdict_cache.h). Paths longer than VC_PATH_MAX are not remembered: the
 * table's memory stays under VC_SLOTS * VC_PATH_MAX however many events a session makes. */
#include <stdlib.h>
#include <string.h>

#include "lib/guard.h"
#include "supervisor/verdict_cache.h"

#define VC_SLOTS 1024
#define VC_PATH_MAX 512

struct vc_entry {
	char *path; /* NULL: empty */
	uint64_t hash;
	int op;
	bool is_dir;
	uint32_t rule;
	int err;
};

struct guard_verdict_cache {
	struct vc_entry e[VC_SLOTS];
};

static uint64_t vc_hash(int op, bool is_dir, const char *path)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)(op * 2 + is_dir);
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h;
}

struct guard_verdict_cache *guard_verdict_cache_new(void)
{
	struct guard_verdict_cache *c = guard_xmalloc(sizeof *c);
	memset(c, 0, sizeof *c);
	return c;
}

void guard_verdict_cache_free(struct guard_verdict_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < VC_SLOTS; i++)
		free(c->e[i].path);
	free(c);
}

bool guard_verdict_cache_get(const struct guard_verdict_cache *c, int op, bool is_dir, const char *path, uint32_t *rule,
			     int *err)
{
	uint64_t h = vc_hash(op, is_dir, path);
	const struct vc_entry *e = &c->e[h % VC_SLOTS];
	if (!e->path || e->hash != h || e->op != op || e->is_dir != is_dir || strcmp(e->path, path) != 0)
		return false;
	*rule = e->rule;
	*err = e->err;
	return true;
}

void guard_verdict_cache_put(struct guard_verdict_cache *c, int op, bool is_dir, const char *path, uint32_t rule,
			     int err)
{
	if (strlen(path) > VC_PATH_MAX)
		return;
	uint64_t h = vc_hash(op, is_dir, path);
	struct vc_entry *e = &c->e[h % VC_SLOTS];
	free(e->path);
	*e = (struct vc_entry){guard_xstrdup(path), h, op, is_dir, rule, err};
}
