/* The sandbox plan: everything `guard run` will apply, computed on the host before anything is forked, so that
 * --dry-run prints exactly what a real run does and a bad plan fails before any process exists. */
#ifndef GUARD_PLAN_H
#define GUARD_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/guard.h"
#include "guard/image.h"
#include "guard/landlock_compat.h"
#include "guard/policy.h"
#include "sandbox/kernel_api.h"

enum guard_mode {
	GUARD_MODE_NAMESPACES,    /* user+mount+pid+ipc+uts+net namespaces, covers, Landlock, seccomp */
	GUARD_MODE_LANDLOCK_ONLY, /* no user namespaces: Landlock (split around secrets) + seccomp */
};

/* A policy rule with ~, $HOME, $PROJECT, $TMP resolved. */
struct guard_resolved {
	const struct guard_rule *rule;
	char *pattern;  /* absolute ("/home/u/.aws/") or a name pattern (".env", "secrets/"); may end in '/' */
	bool name_only; /* matched against names at any depth inside scanned trees */
	bool dir_only;  /* trailing '/' */
};

/* One Landlock path rule. */
struct guard_grant {
	char *path;
	uint64_t access;
	bool is_dir;
	const struct guard_image_rule *rule; /* NULL for grants guard adds itself (named in `why`) */
	const char *why;
};

/* A place where the policy subtracts from a granted tree: a denied or protected path found at launch. */
struct guard_hole {
	char *path;
	bool is_dir;
	bool deny; /* false: protect (read-only) */
	const struct guard_image_rule *rule;
	char *note; /* e.g. "hard link of /home/u/.ssh/id_rsa" */
};

enum guard_mount_kind {
	GUARD_MNT_TMPFS,      /* fresh tmpfs over a host directory (private /tmp, /run, $HOME) */
	GUARD_MNT_REBIND,     /* a granted tree under a tmpfs, bound back from the host */
	GUARD_MNT_PIN,        /* self-bind so the directory can't be renamed away (protects what is below) */
	GUARD_MNT_COVER_FILE, /* empty mode-000 read-only file over a denied file */
	GUARD_MNT_COVER_DIR,  /* empty mode-000 read-only directory over a denied directory */
	GUARD_MNT_READONLY,   /* read-only self-bind of a protected path */
};

struct guard_mount {
	enum guard_mount_kind kind;
	char *path;
	bool is_dir;      /* REBIND: the source is a directory */
	unsigned mode;    /* TMPFS: mode of the new root */
	const struct guard_image_rule *rule;
	const char *why;
};


struct guard_plan_input {
	const struct guard_policy *policy;
	const char *home;
	const char *project;
	bool project_explicit; /* --project named it: $HOME or / accepted */
	const char *cwd;
	enum guard_mode mode;
	int abi;               /* Landlock ABI to drive (after any forced lowering) */
	const char *tmp_host;  /* LANDLOCK_ONLY: the private temp dir created on the host */
	bool allow_degraded; /* a network layer that can't be applied closes the network instead of failing */
	bool quiet;
	const char *session_id, *event_socket; /* for the shim, as the sandbox sees it (may be NULL) */
	uint64_t session_magic;
	const char *rundir; /* host directory holding the image and the event socket (NULL: none) */
	const char *shim;   /* host path of libguard.so (NULL: no shim) */
	const char *exe;    /* host path of guard itself, bound at GUARD_RUN_DIR/guard (NULL: not needed) */
};

struct guard_plan {
	enum guard_mode mode;
	int abi;
	uint64_t handled_fs, handled_net, scoped;
	char *home, *project, *cwd, *tmpdir;
	struct guard_image image; /* the compiled policy: every verdict comes from it */
	void *image_buf;
	size_t image_len;
	GUARD_VEC(struct guard_grant) grants;
	GUARD_VEC(struct guard_hole) holes;
	GUARD_VEC(struct guard_mount) mounts;
	struct guard_strv notes;
	struct guard_strv scan_roots; /* trees where name patterns apply */
	size_t scanned_entries;
	struct guard_seccomp_opts seccomp;
	struct guard_rlimits rlimits;
	bool net_isolated;
	struct guard_net *net; /* net.h: proxy, host sockets, publish (never NULL after guard_plan_build) */
	char *rundir, *shim, *exe; /* see guard_plan_input; namespaces mode binds them at GUARD_RUN_DIR */
	/* Namespaces mode: every file of an exec.deny'd command (realpath'd), covered read-only by guard's own
	 * binary, which prints guard's message and exits 126 (exec_rules.c). */
	struct guard_strv exec_stubs;
};

/* Where guard's own files appear inside the sandbox in namespaces mode (read-only). */
#define GUARD_RUN_DIR "/run/guard"

/* Resolve ~, $HOME, $PROJECT, $TMP in a pattern. Returns 0, or -1 with err (unknown variable). */
int guard_resolve_pattern(const struct guard_rule *r, const char *home, const char *project, const char *tmpdir,
			  struct guard_resolved *out, struct guard_error *err);

/* Build the whole plan (resolve, expand grants, scan for secrets, covers or Landlock splits). Dies on error. */
void guard_plan_build(struct guard_plan *plan, const struct guard_plan_input *in);
void guard_plan_free(struct guard_plan *plan);

/* Scan granted trees for denied/protected entries and hard links to secrets (scan.c). */
void guard_scan_holes(struct guard_plan *plan);

/* Landlock rights. */
uint64_t guard_landlock_fs_rights(int abi);
#define GUARD_LL_READ (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
const char *guard_access_name(uint64_t access, uint64_t handled); /* "read", "write", "read+dir" ... (static) */

/* Apply Landlock in the calling (child) process per plan; returns 0 or -1 with why. */
int guard_landlock_apply(const struct guard_plan *plan, char *why, size_t whylen);
/* Namespaces mode: set up mounts in the new mount namespace (init process). Returns 0 or -1 with why.
 * cover_fds receives O_PATH descriptors of the cover sources (file, directory) for covers made later. */
int guard_mounts_apply(const struct guard_plan *plan, int cover_fds[2], char *why, size_t whylen);
/* Cover `path` (an O_PATH descriptor of it, not followed) with a cover source; 0 or -1 (errno). */
int guard_cover_fd(int target_fd, int cover_fd);

/* exec.deny (exec_rules.c): fill plan->exec_stubs (namespaces mode) and notes. */
void guard_exec_plan(struct guard_plan *plan);
/* guard started as a stub over a denied program: print guard's message, return 126; -1 when not a stub. */
int guard_exec_stub_main(int argc, char **argv);
/* `guard run -- CMD`: refuse a denied top command (whole or subcommand rule) before anything starts: true after
 * printing guard's message. */
bool guard_exec_prelaunch_denied(const struct guard_plan *plan, char *const *argv);
/* The observer, on an exec that bypassed the shim (a static binary's raw execve): the exec.deny entry refusing
 * it, or NULL. target: the path as passed (relative to dirfd of pid, or its cwd); argbuf: nargv NUL-separated
 * arguments. Racy like every seccomp-notify check (another thread may rewrite the path after it is read). */
const struct guard_image_rule *guard_exec_observed_denied(const struct guard_image *img, pid_t pid, int dirfd,
							  const char *target, const char *argbuf, unsigned nargv);
/* guard's exec message on stderr unless the image says quiet. */
void guard_exec_say(const struct guard_image *img, const struct guard_image_rule *r);

/* Print the plan (--dry-run). */
void guard_plan_print(const struct guard_plan *plan, char *const *argv, char *const *env_dropped);

#endif
