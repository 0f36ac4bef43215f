/* Building a guard_policy from its sources: YAML files, built-in profiles, flags; trust of project files. */
#ifndef GUARD_POLICY_API_H
#define GUARD_POLICY_API_H

#include <stdio.h>
#include "guard/policy.h"
#include "lib/guard.h" /* guard_error_set/print: the loaders' errors */

void guard_policy_init(struct guard_policy *p);
void guard_policy_free(struct guard_policy *p);
/* Copy of s owned by p (deduplicated); for origin file names. */
const char *guard_policy_intern(struct guard_policy *p, const char *s);
/* Add one files.* rule; `pattern` may start with '!' (only for deny/protect). Validates the pattern syntax.
 * Returns 0, or -1 with err filled (err->file/line/col from `at`). */
int guard_policy_add_rule(struct guard_policy *p, enum guard_rule_kind kind, const char *pattern,
			  struct guard_origin at, struct guard_error *err);

/* Parse one YAML document (a whole file's bytes) into p. `display` names the file in errors and provenance.
 * All or nothing: on error p is unchanged. */
int guard_policy_load_yaml(struct guard_policy *p, const char *display, const char *buf, size_t len,
			   enum guard_source src, struct guard_error *err);
/* Read and parse a file; returns 1 (p unchanged) when it does not exist. */
int guard_policy_load_file(struct guard_policy *p, const char *path, enum guard_source src, struct guard_error *err);
/* A profile by name: rules/NAME.yaml installed beside the binary (../share/guard/rules/) if present, else the
 * built-in copy; provenance "rules/NAME.yaml" either way. Unknown name: error listing the known ones. */
int guard_policy_load_profile(struct guard_policy *p, const char *name, struct guard_error *err);

/* A flag given on the command line (--allow-read P etc.). */
struct guard_flag_rule {
	enum guard_rule_kind kind;
	const char *pattern;
	const char *flag; /* "--allow-read" */
};

struct guard_sources {
	const char *profile;      /* NULL → "default" */
	const char *user_config;  /* path; NULL → $XDG_CONFIG_HOME/guard/config.yaml (or ~/.config/...) */
	const char *project_file; /* path of $PROJECT/.guard.yaml; NULL → none */
	const struct guard_flag_rule *flags;
	size_t nflags;
	const char *const *net_flags; /* --allow-net HOST values */
	size_t nnet_flags;
	bool allow_private;            /* --allow-private-net */
	const char *const *exec_flags; /* --deny-exec CMD values */
	size_t nexec_flags;
	const char *trust_store; /* NULL → $XDG_CONFIG_HOME/guard/trusted */
};

/* profile → user config → project file → flags. A project file that loosens (adds read/write grants, re-allows
 * with '!', passes env variables, raises limits, allows hosts) is refused unless `guard trust` recorded its
 * exact content: err names the first loosening line and says how to trust it.
 * `out` needs no guard_policy_init; on error it is left empty (guard_policy_free on it is harmless). */
int guard_policy_assemble(struct guard_policy *out, const struct guard_sources *src, struct guard_error *err);

/* `guard policy`: every rule with its provenance. */
void guard_policy_print(FILE *out, const struct guard_policy *p);

/* Trust store: lines "sha256-hex  absolute-path". `store` NULL → $XDG_CONFIG_HOME/guard/trusted. Paths are
 * made absolute (symlinks resolved) before they are looked up or recorded. */
/* 1 when the store records exactly these bytes for path, else 0 (an unreadable store trusts nothing). */
int guard_trust_is_trusted(const char *store, const char *path, const char *buf, size_t len);
/* Record the current content of path (replacing any older record of it): 0, or -1 with err. */
int guard_trust_add(const char *store, const char *path, struct guard_error *err);
/* 0 removed; 1 path was not in the store (err says so); -1 with err. */
int guard_trust_remove(const char *store, const char *path, struct guard_error *err);

/* --- added by the policy work --- */

/* Add one env.pass (pass=true) or env.drop entry: a variable name or a glob over names (AWS_*).
 * Returns 0, or -1 with err. */
int guard_policy_add_name(struct guard_policy *p, bool pass, const char *name, struct guard_origin at,
			  struct guard_error *err);
/* Add one env.set entry: NAME set to value in the sandbox. Returns 0, or -1 with err. */
int guard_policy_add_env_set(struct guard_policy *p, const char *name, const char *value, struct guard_origin at,
			     struct guard_error *err);
/* Move every entry of src to the end of dst; limits and reserved keys set in src override dst's; origins are
 * re-interned in dst. src is left empty. */
void guard_policy_merge(struct guard_policy *dst, struct guard_policy *src);
/* guard_policy_load_yaml without the merge: parse into `out` (initialized and empty). `net` (may be NULL)
 * receives where the first network.allow/host_sockets/publish entry was written (line 0: none), which the
 * policy does not keep: the trust gate needs it. On error `out` may hold part of the file: free it. */
int guard_policy_parse_yaml(struct guard_policy *out, const char *display, const char *buf, size_t len,
			    enum guard_source src, struct guard_origin *net, struct guard_error *err);
/* Does the store hold any record for path (whatever the content)? To say "changed since you trusted it". */
bool guard_trust_has_path(const char *store, const char *path);

/* --- profiles and management commands --- */

/* The text of profile NAME: the installed rules/NAME.yaml (guard_profile_dir) if present, else the built-in
 * copy; *buf malloc'd and NUL-terminated. 0, or -1 with err (unknown name: the hint lists the known ones). */
int guard_profile_text(const char *name, char **buf, size_t *len, struct guard_error *err);
/* Where installed profiles are looked up: ../share/guard/rules beside the binary (may not exist). 0, or -1. */
int guard_profile_dir(char *out, size_t len);
/* Would a project file with this content loosen `cur` (the policy without it)? 1 with `at` (file = path) and
 * `what` naming the first loosening entry, 0 when it only tightens, -1 with err when it does not load. The
 * same test the trust gate applies, for `guard status` and the editing commands. */
int guard_project_loosening(const struct guard_policy *cur, const char *path, const char *buf, size_t len,
			    struct guard_origin *at, char *what, size_t whatlen, struct guard_error *err);

/* --- network (net_policy.c) --- */

/* Add one network.allow entry (a host pattern: api.anthropic.com, *.github.com, host:port, [::1]:8080, "*"),
 * one network.host_sockets entry (an absolute path, ~/path or $VAR naming a socket) or one network.publish port.
 * Validates; 0, or -1 with err (file:line:col from `at`, and a hint). */
int guard_policy_add_net_allow(struct guard_policy *p, const char *text, struct guard_origin at,
			       struct guard_error *err);
int guard_policy_add_host_socket(struct guard_policy *p, const char *text, struct guard_origin at,
				 struct guard_error *err);
int guard_policy_add_publish(struct guard_policy *p, long long port, struct guard_origin at, struct guard_error *err);
/* Move src's network entries to the end of dst (origins re-interned), leaving src's lists empty; free them. */
void guard_net_policy_merge(struct guard_policy *dst, struct guard_policy *src);
void guard_net_policy_free(struct guard_policy *p);
/* `guard policy`'s network section. */
void guard_net_policy_print(FILE *out, const struct guard_policy *p, int width);

/* --- exec rules (exec_policy.c) --- */

/* Add one exec.deny entry ("curl", "git push --force", "!curl"): validated and normalized; 0, or -1 with err. */
int guard_policy_add_exec(struct guard_policy *p, const char *text, struct guard_origin at, struct guard_error *err);
/* Move src's exec entries to the end of dst (origins re-interned); free them. */
void guard_exec_policy_merge(struct guard_policy *dst, struct guard_policy *src);
void guard_exec_policy_free(struct guard_policy *p);

#endif
