/* Per-process memory of what was already reported: events (op, result, target) and messages (path), so each
 * goes out once per process. uthash tables; their memory comes from mmap'd chunks, never from malloc, because
 * open() is async-signal-safe and may be called from a signal handler that interrupted malloc. The child of a
 * fork starts empty (pthread_atfork): "once per process". */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "shim_dedup.h"
#include "shim_state.h"
#include "shim_sys.h"

static void *arena_alloc(size_t sz);
static void arena_free(void *p, size_t sz);
static int oom;

#define uthash_malloc(sz) arena_alloc(sz)
#define uthash_free(p, sz) arena_free((p), (sz))
#define HASH_NONFATAL_OOM 1
#define uthash_nonfatal_oom(obj) (oom = 1)
#include <uthash.h>

struct seen {
	UT_hash_handle hh;
	uint32_t len;
	char key[];
};

/* Beyond this many keys per table the table starts over: duplicates are cheaper than unbounded memory. */
#define MAX_KEYS 32768
#define CHUNK (256u << 10)
#define BIG 4096 /* allocations this large (bucket arrays) get their own mapping, given back when freed */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct seen *tables[SHIM_DEDUP_NTABLES];
static unsigned counts[SHIM_DEDUP_NTABLES];
/* Small allocations: bump pointer over a list of chunks; a reset rewinds it (the tables are dropped wholesale). */
static char *chunk_first, *chunk_cur;
static size_t chunk_used;

static void *map(size_t sz)
{
	long r = shim_sys6(SYS_mmap, 0, (long)sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return shim_sys_failed(r) ? NULL : (void *)r;
}

static size_t round_page(size_t sz)
{
	return (sz + 4095) & ~(size_t)4095;
}

/* A chunk starts with a pointer to the next one. */
static void *arena_alloc(size_t sz)
{
	if (sz >= BIG)
		return map(round_page(sz));
	sz = (sz + 15) & ~(size_t)15;
	if (!chunk_cur || chunk_used + sz > CHUNK) {
		char *next = chunk_cur ? *(char **)chunk_cur : chunk_first;
		if (!next) {
			next = map(CHUNK);
			if (!next)
				return NULL;
			*(char **)next = NULL;
			if (chunk_cur)
				*(char **)chunk_cur = next;
			else
				chunk_first = next;
		}
		chunk_cur = next;
		chunk_used = 16;
	}
	void *p = chunk_cur + chunk_used;
	chunk_used += sz;
	return p;
}

static void arena_free(void *p, size_t sz)
{
	if (p && sz >= BIG)
		shim_sys2(SYS_munmap, p, round_page(sz));
}

/* Drop every table; chunks are kept for reuse. Called with the lock held or in a fresh fork child. */
static void reset_all(void)
{
	for (int t = 0; t < SHIM_DEDUP_NTABLES; t++) {
		HASH_CLEAR(hh, tables[t]);
		counts[t] = 0;
	}
	chunk_cur = NULL;
	chunk_used = 0;
	oom = 0;
}

int shim_dedup_add(enum shim_dedup_table t, const void *key, size_t len)
{
	struct seen *s;
	pthread_mutex_lock(&lock);
	HASH_FIND(hh, tables[t], key, len, s);
	if (s) {
		pthread_mutex_unlock(&lock);
		return 0;
	}
	if (counts[t] >= MAX_KEYS)
		reset_all();
	s = arena_alloc(sizeof *s + len);
	if (s) {
		s->len = (uint32_t)len;
		memcpy(s->key, key, len);
		oom = 0;
		HASH_ADD_KEYPTR(hh, tables[t], s->key, len, s);
		if (!oom)
			counts[t]++;
	}
	pthread_mutex_unlock(&lock);
	return 1; /* new (or not recordable: better twice than never) */
}

/* fork (shim_fork.c): the child must not inherit a lock held by another thread, nor the parent's memory of what
 * was said. */
static int locked_by_prepare;
void shim_dedup_prepare(void)
{
	/* A fork from a signal handler that interrupted this thread inside the shim must not wait for itself. */
	locked_by_prepare = !shim_tls_busy;
	if (locked_by_prepare)
		pthread_mutex_lock(&lock);
}

void shim_dedup_parent(void)
{
	if (locked_by_prepare)
		pthread_mutex_unlock(&lock);
}

void shim_dedup_child(void)
{
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
	memcpy(&lock, &fresh, sizeof lock);
	reset_all();
}
