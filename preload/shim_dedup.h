/* "Once per process": the events already sent and the paths already explained (uthash, see shim_dedup.c).
 * Takes a lock and touches shared memory: never call it in a vfork child (shim_tls_vfork). */
#ifndef GUARD_SHIM_DEDUP_H
#define GUARD_SHIM_DEDUP_H

#include <stddef.h>

enum shim_dedup_table {
	SHIM_DEDUP_EVENTS,   /* key: op, errno, path, path2 */
	SHIM_DEDUP_MESSAGES, /* key: the explained path */
	SHIM_DEDUP_NTABLES
};

/* 1 when the key is new (and now recorded), 0 when it was seen before. */
int shim_dedup_add(enum shim_dedup_table t, const void *key, size_t len);

/* fork handlers (shim_fork.c) */
void shim_dedup_prepare(void);
void shim_dedup_parent(void);
void shim_dedup_child(void);

#endif
