/* The repeat table (session_repeat.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/guard.h"
#include "log/session_repeat.h"

#define REPEAT_SLOTS 2048
#define REPEAT_BODY_MAX 8192
#define REPEAT_WRITE_FIRST 64

struct slot {
	char *body; /* NULL: empty */
	size_t len;
	uint64_t hash;
	unsigned long long count; /* repeats counted, not written */
	unsigned written;         /* repeats written as lines */
	long long last_t;
	void *tag;
};

struct guard_repeats {
	struct slot s[REPEAT_SLOTS];
	size_t next; /* guard_repeats_take's position */
};

static uint64_t fnv(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
	return h;
}

struct guard_repeats *guard_repeats_new(void)
{
	struct guard_repeats *r = guard_xmalloc(sizeof *r);
	memset(r, 0, sizeof *r);
	return r;
}

void guard_repeats_free(struct guard_repeats *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < REPEAT_SLOTS; i++) {
		free(r->s[i].body);
		free(r->s[i].tag);
	}
	free(r);
}

static void hand_back(struct slot *sl, struct guard_repeat_line *out)
{
	*out = (struct guard_repeat_line){sl->body, sl->len, sl->count, sl->last_t, sl->tag};
	*sl = (struct slot){0};
}

enum guard_repeat_seen guard_repeats_seen(struct guard_repeats *r, const char *body, size_t len, long long t, void *tag,
					  struct guard_repeat_line *evicted)
{
	*evicted = (struct guard_repeat_line){0};
	if (len > REPEAT_BODY_MAX)
		return GUARD_REPEAT_NEW;
	uint64_t h = fnv(body, len);
	struct slot *sl = &r->s[h % REPEAT_SLOTS];
	if (sl->body && sl->hash == h && sl->len == len && memcmp(sl->body, body, len) == 0) {
		if (sl->written < REPEAT_WRITE_FIRST && sl->count == 0) {
			sl->written++;
			return GUARD_REPEAT_WRITE;
		}
		sl->count++;
		sl->last_t = t;
		return GUARD_REPEAT;
	}
	if (sl->body && sl->count > 0) {
		hand_back(sl, evicted);
	} else {
		free(sl->body);
		free(sl->tag);
	}
	char *copy = guard_xmalloc(len);
	memcpy(copy, body, len);
	*sl = (struct slot){copy, len, h, 0, 0, t, tag};
	return GUARD_REPEAT_NEW_HELD;
}

bool guard_repeats_take(struct guard_repeats *r, struct guard_repeat_line *out)
{
	for (; r->next < REPEAT_SLOTS; r->next++) {
		struct slot *sl = &r->s[r->next];
		if (sl->body && sl->count > 0) {
			hand_back(sl, out);
			return true;
		}
	}
	r->next = 0; /* the next round of takes starts over */
	return false;
}
