/* The sandbox plan: everything `guard run` will apply, computed on the host before anything is forked, so that
 * --dry-run prints exactly what a real run does and a bad plan fails before any process exists. */
#ifndef GUARD_PLAN_H
#define GUARD_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/guard.h"
#include "guard/image.h"
#include "guard/policy.h"
#include "plan/boundary.h"

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

/* A tree (or file) the policy grants, as the policy says it: read, or read and write. How a platform enforces it
 * (Landlock access masks, mounts, Seatbelt rules) is its own part of the plan. */
struct guard_tree {
	char *path;
	bool is_dir;
	bool write;
	const struct guard_image_rule *rule; /* NULL for trees guard adds itself (named in `why`) */
	const char *why;
	/* A profile's state file (`state: [~/.claude.json]`): the agent replaces it through NAME.lock/ and
	 * NAME.tmp.* beside it, so the platform grants those names in its directory too, or says why it cannot. */
	bool state_file;
	/* A file the user grants for writing that does not exist yet, in a directory that does (--allow-write
	 * ~/.bash_history): a state file the platform lets the sandbox create, or says at start why it cannot. */
	bool absent;
};

/* A place where the policy subtracts from a granted tree: a denied or protected path found at launch. */
struct guard_hole {
	char *path;
	bool is_dir;
	bool deny; /* false: protect (read-only) */
	const struct guard_image_rule *rule;
	char *note; /* e.g. "hard link of /home/u/.ssh/id_rsa" */
};

struct guard_plan_input {
	const struct guard_policy *policy;
	const char *home;
	const char *project;
	bool project_explicit; /* --project named it: $HOME or / accepted */
	const char *cwd;
	enum guard_mode mode;
	int abi;              /* Landlock ABI to drive (after any forced lowering); recorded in the image */
	bool port_rules;      /* the boundary can limit TCP ports without a network namespace (platform caps) */
	const char *tmp_host; /* LANDLOCK_ONLY: the private temp dir created on the host */
	bool allow_degraded;  /* a network layer that can't be applied closes the network instead of failing */
	bool quiet;
	bool agent; /* the command is an agent (guard_profile_is_agent): the shim keeps off its terminal */
	const char *session_id, *event_socket; /* for the shim, as the sandbox sees it (may be NULL) */
	uint64_t session_magic;
	const char *rundir; /* host directory holding the image and the event socket (NULL: none) */
	const char *shim;   /* host path of libguard.so (NULL: no shim) */
	const char *exe;    /* host path of guard itself, bound at GUARD_RUN_DIR/guard (NULL: not needed) */
	bool observer;      /* the kernel observer runs (it keeps a state file's directory to its sibling names) */
};

struct guard_os_plan; /* the platform's part (sandbox/<os>/), filled by guard_platform_plan */

struct guard_plan {
	enum guard_mode mode;
	int abi;
	char *home, *project, *cwd, *tmpdir;
	struct guard_image image; /* the compiled policy: every verdict comes from it */
	void *image_buf;
	size_t image_len;
	GUARD_VEC(struct guard_tree) trees;
	GUARD_VEC(struct guard_hole) holes;
	struct guard_strv notes;
	struct guard_strv scan_roots; /* trees where name patterns apply */
	size_t scanned_entries;
	struct guard_seccomp_opts seccomp;
	struct guard_rlimits rlimits;
	bool net_isolated;
	struct guard_net *net;     /* net.h: proxy, host sockets, publish (never NULL after guard_plan_build) */
	char *rundir, *shim, *exe; /* see guard_plan_input; namespaces mode binds them at GUARD_RUN_DIR */
	char *session_id;          /* names what the platform makes for the session (its cgroups); may be NULL */
	bool allow_degraded;       /* a limit the platform cannot hold as asked falls back (said) instead of failing */
	bool observer;             /* see guard_plan_input */
	const char *unobserved;    /* what the platform's observer lets pass unlogged by design (the report says it) */
	/* Namespaces mode: every file of an exec.deny'd command (realpath'd), covered read-only by guard's own
	 * binary, which prints guard's message and exits 126 (exec_rules.c). */
	struct guard_strv exec_stubs;
	struct guard_os_plan *os;
};

/* Where guard's own files appear inside the sandbox in namespaces mode (read-only). */
#define GUARD_RUN_DIR "/run/guard"

/* Resolve ~, $HOME, $PROJECT, $TMP in a pattern. Returns 0, or -1 with err (unknown variable). */
int guard_resolve_pattern(const struct guard_rule *r, const char *home, const char *project, const char *tmpdir,
			  struct guard_resolved *out, struct guard_error *err);

/* Build the neutral plan (resolve, expand granted trees, scan for secrets, exec stubs). Dies on error. How the
 * holes are subtracted (covers, Landlock splits) is the platform's part: guard_platform_plan (sandbox/platform.h),
 * which the caller runs next and frees (guard_platform_plan_free) before guard_plan_free. */
void guard_plan_build(struct guard_plan *plan, const struct guard_plan_input *in);
void guard_plan_free(struct guard_plan *plan);

/* Scan granted trees for denied/protected entries and hard links to secrets (scan.c). */
void guard_scan_holes(struct guard_plan *plan);

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
