/* The Linux part of a plan (struct guard_os_plan): the Landlock ruleset and, in namespaces mode, the mount
 * operations the sandbox's init applies in order. plan_linux.c builds it from the neutral plan; landlock_linux.c
 * and mounts_linux.c apply it; platform_linux.c prints and frees it. */
#ifndef GUARD_PLAN_LINUX_H
#define GUARD_PLAN_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guard/landlock_compat.h"
#include "plan/plan.h"
#include "sandbox/linux/loader_sites.h"

/* What one Landlock ABI handles, in one place (sandboxer.c's switch): file-system rights, TCP rights, scopes, and
 * the prefix of the ruleset attribute the kernel accepts. ABI 0 (no Landlock): nothing. */
struct guard_landlock_caps {
	uint64_t fs, net, scoped;
	size_t attr_size;
};
struct guard_landlock_caps guard_landlock_abi_caps(int abi);

#define GUARD_LL_READ (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
const char *guard_access_name(uint64_t access, uint64_t handled); /* "read", "write", "read+dir" ... (static) */

/* One Landlock path rule. */
struct guard_grant {
	char *path;
	uint64_t access;
	bool is_dir;
	const struct guard_image_rule *rule; /* NULL for grants guard adds itself (named in `why`) */
	const char *why;
	/* A directory of the sandbox's private $HOME that holds a state file (GUARD_MNT_STATE_COPY): writable for
	 * that file's own names only (the observer refuses the others), and nothing beneath it is the host's by
	 * this grant (the trees bound back under it keep their own mounts' rights). */
	bool private_dir;
};

/* Kinds of mount operation, in the order guard_mounts_apply runs them (the list is sorted by kind, then path).
 * Every mount the sandbox's init makes is one of these, so --dry-run lists them all. */
enum guard_mount_kind {
	GUARD_MNT_TMPFS,         /* fresh tmpfs over a host directory (private /tmp, /run, $HOME) */
	GUARD_MNT_REBIND,        /* a granted tree under a tmpfs, bound back from the host */
	GUARD_MNT_STATE_COPY,    /* a state file under a tmpfs: a private copy, saved back each time it changes */
	GUARD_MNT_MIRROR,        /* a host directory under a tmpfs: its hidden names get mode-000 placeholders */
	GUARD_MNT_SELF_BIND,     /* a writable grant made a mount of its own, so the rest can go read-only */
	GUARD_MNT_BIND_RO,       /* guard's own directory or file (src, on the host) bound read-only at path */
	GUARD_MNT_COVER_SOURCES, /* the empty mode-000 file and directory every cover is a copy of */
	GUARD_MNT_PIN,           /* self-bind so the directory can't be renamed away (protects what is below) */
	GUARD_MNT_COVER_FILE,    /* empty mode-000 read-only file over a denied file */
	GUARD_MNT_COVER_DIR,     /* empty mode-000 read-only directory over a denied directory */
	GUARD_MNT_READONLY,      /* read-only self-bind of a protected path */
	GUARD_MNT_STUB,          /* exec.deny: guard itself (src) bound read-only over a denied program's file */
	GUARD_MNT_LOCK_RUN,      /* /run made read-only once the cover sources sit in it */
	GUARD_MNT_REST_READONLY, /* every other mount made read-only, but the writable grants' */
};

struct guard_mount {
	enum guard_mount_kind kind;
	char *path;
	bool is_dir;   /* REBIND, BIND_RO: the source is a directory */
	unsigned mode; /* TMPFS: mode of the new root */
	const struct guard_image_rule *rule;
	const char *why;
	char *src; /* BIND_RO, STUB: the host file bound at path (opened before anything is covered); else NULL */
};

/* A grant that lets the sandbox change files (write or create in it). */
bool guard_grant_writable(const struct guard_grant *g);

struct guard_os_plan {
	uint64_t handled_fs, handled_net, scoped;
	GUARD_VEC(struct guard_grant) grants;
	GUARD_VEC(struct guard_mount) mounts;
	/* the dynamic loader's openat call sites, which the observer lets through unstopped (loader_sites.h) */
	uint16_t loader_sites[GUARD_LOADER_SITES_MAX];
	size_t nloader_sites;
};

/* Fill plan->os from the neutral plan: grants from trees, then mounts (namespaces) or splits (Landlock-only). */
void guard_linux_plan(struct guard_plan *plan, const struct guard_plan_input *in);
void guard_linux_plan_free(struct guard_plan *plan);

/* Apply Landlock in the calling (child) process per plan; returns 0 or -1 with why (landlock_linux.c). */
int guard_landlock_apply(const struct guard_plan *plan, char *why, size_t whylen);
/* Namespaces mode: set up mounts in the new mount namespace (init process). Returns 0 or -1 with why.
 * cover_fds receives O_PATH descriptors of the cover sources (file, directory) for covers made later. */
struct guard_state_sync;
int guard_mounts_apply(const struct guard_plan *plan, int cover_fds[2], struct guard_state_sync *sync, char *why,
		       size_t whylen);
/* Is `name` one of the names the state file `file` is written through (the file, NAME.lock, NAME.tmp.*,
 * NAME.backup)? */
bool guard_state_sibling(const char *file, const char *name);

/* Cover `path` (an O_PATH descriptor of it, not followed) with a cover source; 0 or -1 (errno). */
int guard_cover_fd(int target_fd, int cover_fd);

#endif
