/* `guard run`: options → policy → plan → sandbox, choosing the strongest mode this kernel allows. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kernel_api.h"
#include "plan.h"
#include "probe_api.h"
#include "sandbox.h"

extern char **environ;

static void warn_reserved(const struct guard_policy *p)
{
	static const char *const what[GUARD_RESERVED_COUNT] = {
		[GUARD_RESERVED_EXEC] = "exec rules are accepted but not enforced yet",
		[GUARD_RESERVED_NETWORK] = "network rules are accepted but not applied yet: the network stays off",
		[GUARD_RESERVED_MASK_OUTPUT] = "mask_output is accepted but not applied yet",
	};
	for (int i = 0; i < GUARD_RESERVED_COUNT; i++)
		if (p->reserved_set[i])
			guard_note("%s:%u:%u: %s", p->reserved_at[i].file, p->reserved_at[i].line,
				   p->reserved_at[i].col, what[i]);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* Landlock-only mode has no private /tmp: the session gets its own directory, removed at exit. */
static char *make_private_tmp(void)
{
	const char *base = getenv("TMPDIR");
	if (!base || base[0] != '/')
		base = "/tmp";
	char *dir = guard_xasprintf("%s/guard-%u-XXXXXX", base, (unsigned)getuid());
	if (!mkdtemp(dir))
		guard_die_errno("set TMPDIR to a writable directory", "creating a private temp dir in %s", base);
	return dir;
}

int guard_cmd_run(int argc, char **argv)
{
	struct guard_options o;
	struct guard_policy pol;
	char *home, *cwd, *project, why[512] = "";
	guard_parse_options(argc, argv, &o, true);
	guard_locate(&o, &home, &cwd, &project);
	guard_load_policy(&o, project, &pol);
	warn_reserved(&pol);

	int abi = guard_probe_landlock_abi(why, sizeof why);
	if (abi < 1) {
		if (!o.allow_degraded)
			guard_die("run `guard doctor`; --allow-degraded runs with namespaces and seccomp only",
				  "Landlock is not available (%s): refusing to run without the file-system boundary", why);
		guard_note("Landlock unavailable (%s): running with --allow-degraded, without it", why);
		abi = 0;
	}
	enum guard_mode mode = o.no_userns ? GUARD_MODE_LANDLOCK_ONLY : GUARD_MODE_NAMESPACES;
	if (mode == GUARD_MODE_LANDLOCK_ONLY && abi < 1)
		guard_die("run `guard doctor`", "no sandbox is possible: no user namespaces requested and no Landlock");

	for (;;) {
		char *tmp_host = mode == GUARD_MODE_LANDLOCK_ONLY ? make_private_tmp() : NULL;
		struct guard_plan plan;
		struct guard_plan_input in = {
			.policy = &pol,
			.home = home,
			.project = project,
			.project_explicit = o.project != NULL,
			.cwd = cwd,
			.mode = mode,
			.abi = abi,
			.tmp_host = tmp_host,
		};
		guard_plan_build(&plan, &in);
		char *tmpdir = guard_xasprintf("TMPDIR=%s", plan.tmpdir);
		char *overrides[] = {tmpdir, NULL};
		char **dropped = NULL;
		char **env = guard_env_build(environ, &pol, overrides, &dropped);
		int rc;
		if (o.dry_run) {
			guard_plan_print(&plan, o.argv, dropped);
			rc = 0;
		} else {
			rc = guard_sandbox_run(&plan, o.argv, env, why, sizeof why);
		}
		guard_strv_free(env);
		guard_strv_free(dropped);
		free(tmpdir);
		guard_plan_free(&plan);
		if (tmp_host) {
			nftw(tmp_host, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
			free(tmp_host);
		}
		if (rc == GUARD_SANDBOX_NO_USERNS) {
			if (abi < 1)
				guard_die("run `guard doctor`", "no sandbox is possible: %s, and Landlock is unavailable",
					  why);
			guard_note("user namespaces unavailable (%s): Landlock-only mode (see `guard doctor`)", why);
			mode = GUARD_MODE_LANDLOCK_ONLY;
			continue;
		}
		guard_policy_free(&pol);
		free(o.flags);
		free(home), free(cwd), free(project);
		return rc;
	}
}
