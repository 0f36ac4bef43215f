/* A set of 64-bit hashes of (pid, op, path), so a process's repeated attempts are logged once. Collisions are
 * possible in theory (2^-64 per pair) and cost only a missing duplicate line in the log. */
#include <stdlib.h>
#include <string.h>

#include "lib/guard.h"
#include "supervisor/supervise.h"

struct guard_dedup {
	uint64_t *slots; /* 0 = empty */
	size_t cap, used;
};

/* Past this, everything is logged (the session log's repeat table and cap bound what that costs): the table stays
 * under 8 MiB (16 MiB for the moment it grows), so the supervisor stays small however many opens a session makes. */
#define DEDUP_MAX (1u << 20)

struct guard_dedup *guard_dedup_new(void)
{
	struct guard_dedup *d = guard_xmalloc(sizeof *d);
	d->cap = 1024;
	d->used = 0;
	d->slots = calloc(d->cap, sizeof *d->slots);
	if (!d->slots)
		guard_die(NULL, "out of memory");
	return d;
}

static uint64_t hash(pid_t pid, int op, const char *path)
{
	uint64_t h = 1469598103934665603ULL ^ ((uint64_t)(uint32_t)pid << 8) ^ (uint64_t)op;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h ? h : 1;
}

static bool insert(uint64_t *slots, size_t cap, uint64_t h)
{
	for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1)) {
		if (slots[i] == h)
			return false;
		if (!slots[i]) {
			slots[i] = h;
			return true;
		}
	}
}

bool guard_dedup_first(struct guard_dedup *d, pid_t pid, int op, const char *path)
{
	uint64_t h = hash(pid, op, path ? path : "");
	if (d->used * 2 >= d->cap) {
		if (d->cap >= DEDUP_MAX)
			return true;
		size_t ncap = d->cap * 2;
		uint64_t *n = calloc(ncap, sizeof *n);
		if (!n)
			return true;
		for (size_t i = 0; i < d->cap; i++)
			if (d->slots[i])
				insert(n, ncap, d->slots[i]);
		free(d->slots);
		d->slots = n;
		d->cap = ncap;
	}
	if (!insert(d->slots, d->cap, h))
		return false;
	d->used++;
	return true;
}

void guard_dedup_free(struct guard_dedup *d)
{
	if (!d)
		return;
	free(d->slots);
	free(d);
}
