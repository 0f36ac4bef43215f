/* guard's implicit rules as one policy source (GUARD_SRC_BUILTIN). They used to be added by `guard run` alone,
 * after loading, so `guard explain` outside a session called the trust store "allowed" by a user grant of
 * ~/.config/ while the run denied it, and advised a --deny '!…' that could not win over a rule appended after
 * it. Every command that loads a policy now completes it here, and the advice code knows these rules by their
 * source. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fileio.h"
#include "lib/guard.h"
#include "policy/implicit_rules.h"
#include "policy/passthrough.h"
#include "policy/policy_api.h"

/* A cover that cannot be added refuses the command (fail closed) when `required`, else is said and skipped. */
static void deny(struct guard_policy *p, const char *pattern, struct guard_origin at, bool required)
{
	struct guard_error err;
	if (guard_policy_add_rule(p, GUARD_DENY, pattern, at, &err) == 0)
		return;
	if (required)
		guard_die(NULL, "internal error: %s", err.message);
	guard_note("%s", err.message);
}

/* The session logs and guard's own configuration (the trust store!) are never reachable from inside, whatever
 * the user grants. */
static void deny_own_state(struct guard_policy *p)
{
	struct guard_origin at = {guard_policy_intern(p, GUARD_ORIGIN_OWN_STATE), 0, 0, GUARD_SRC_BUILTIN};
	char *state = guard_state_dir();
	char *pat = guard_xasprintf("%s/", state);
	deny(p, pat, at, true);
	free(pat);
	free(state);
	char cfg[4096];
	if (guard_config_dir(cfg, sizeof cfg - 1) == 0) {
		strcat(cfg, "/");
		deny(p, cfg, at, true);
	}
}

/* Root keeps owning root's files after dropping every capability, so owner-only files in the system trees
 * (/etc/shadow, wireguard configs, ssh host keys) would stay readable to a sandbox run as root. Deny each one
 * that is not world-readable, by exact path. */
static void deny_root_only_files(struct guard_policy *pol, const char *dir, struct guard_origin at, size_t *budget)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)) && *budget) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		(*budget)--;
		/* At every start as root: stat relative to the open directory (no walk from / per entry), and join
		 * a path only for what needs one. */
		struct stat st;
		if (e->d_type == DT_LNK || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
			continue;
		bool descend = S_ISDIR(st.st_mode) && (st.st_mode & S_IXOTH);
		if (!descend && (st.st_mode & S_IROTH))
			continue;
		char *path = guard_path_join(dir, e->d_name);
		if (descend) {
			deny_root_only_files(pol, path, at, budget);
		} else {
			char *pat = guard_glob_escape(path);
			if (S_ISDIR(st.st_mode)) {
				char *dpat = guard_xasprintf("%s/", pat);
				free(pat);
				pat = dpat;
			}
			deny(pol, pat, at, false);
			free(pat);
		}
		free(path);
	}
	if (d)
		closedir(d);
}

void guard_policy_add_implicit(struct guard_policy *p, const struct guard_implicit *in)
{
	guard_passthrough_apply(p, in->passthrough, in->lockdown, in->home, in->project);
	deny_own_state(p);
	if (geteuid() == 0) {
		struct guard_origin at = {guard_policy_intern(p, GUARD_ORIGIN_ROOT_ONLY), 0, 0, GUARD_SRC_BUILTIN};
		static const char *const system_dirs[] = {"/etc", "/opt", "/usr/local/etc"};
		size_t budget = 50000;
		for (size_t i = 0; i < sizeof system_dirs / sizeof *system_dirs; i++)
			deny_root_only_files(p, system_dirs[i], at, &budget);
	}
}

static void mkdir_noted(const char *path)
{
	if (guard_mkdir_p(path, 0700) != 0)
		guard_note("cannot create %s: %s", path, strerror(errno));
}

void guard_own_state_create(void)
{
	char *state = guard_state_dir();
	char *sessions = guard_path_join(state, "sessions");
	mkdir_noted(state);
	mkdir_noted(sessions);
	free(sessions);
	free(state);
	char cfg[4096];
	if (guard_config_dir(cfg, sizeof cfg) == 0)
		mkdir_noted(cfg);
}
