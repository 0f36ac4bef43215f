/* Options shared by `guard run` and `guard policy`, and locating home, project and policy sources. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/guard.h"
#include "policy/implicit_rules.h"
#include "policy/profile.h"

static const struct {
	const char *flag;
	enum guard_rule_kind kind;
} rule_flags[] = {
	{"--allow-read", GUARD_READ},
	{"--allow-write", GUARD_WRITE},
	{"--deny", GUARD_DENY},
	{"--protect", GUARD_PROTECT},
};

static const char *const known_options[] = {"--allow-read",
					    "--allow-write",
					    "--deny",
					    "--protect",
					    "--profile",
					    "--project",
					    "--no-userns",
					    "--dry-run",
					    "--allow-degraded",
					    "--quiet",
					    "--no-observer",
					    "--no-shim",
					    "--allow-net",
					    "--gpu",
					    "--docker",
					    "--display",
					    "--ssh-agent",
					    "--git-worktrees",
					    "--lockdown",
					    "--deny-exec",
					    "--log-cap",
					    "--log-free-margin",
					    "--allow-private-net",
					    NULL};

static const char *value_of(int argc, char **argv, int *i, const char *opt)
{
	size_t n = strlen(opt);
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (*i + 1 >= argc || !argv[*i + 1][0])
		guard_die("see: guard --help", "%s needs a value", opt);
	return argv[++*i];
}

static bool is_opt(const char *arg, const char *opt)
{
	size_t n = strlen(opt);
	return strncmp(arg, opt, n) == 0 && (arg[n] == 0 || arg[n] == '=');
}

void guard_parse_options(int argc, char **argv, struct guard_options *o, bool want_command)
{
	memset(o, 0, sizeof *o);
	o->flags = guard_xmalloc((size_t)argc * sizeof *o->flags);
	o->allow_net = guard_xmalloc((size_t)argc * sizeof *o->allow_net);
	o->deny_exec = guard_xmalloc((size_t)argc * sizeof *o->deny_exec);
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		bool matched = false;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		for (size_t k = 0; k < sizeof rule_flags / sizeof *rule_flags; k++)
			if (is_opt(a, rule_flags[k].flag)) {
				o->flags[o->nflags].kind = rule_flags[k].kind;
				o->flags[o->nflags].flag = rule_flags[k].flag;
				o->flags[o->nflags++].pattern = value_of(argc, argv, &i, rule_flags[k].flag);
				matched = true;
			}
		if (matched)
			continue;
		if (is_opt(a, "--profile"))
			o->profile = value_of(argc, argv, &i, "--profile");
		else if (is_opt(a, "--project"))
			o->project = value_of(argc, argv, &i, "--project");
		else if (is_opt(a, "--allow-net"))
			o->allow_net[o->nallow_net++] = value_of(argc, argv, &i, "--allow-net");
		else if (is_opt(a, "--log-cap"))
			o->log_cap = value_of(argc, argv, &i, "--log-cap");
		else if (is_opt(a, "--log-free-margin"))
			o->log_free_margin = value_of(argc, argv, &i, "--log-free-margin");
		else if (is_opt(a, "--deny-exec"))
			o->deny_exec[o->ndeny_exec++] = value_of(argc, argv, &i, "--deny-exec");
		else if (strcmp(a, "--no-userns") == 0)
			o->no_userns = true;
		else if (strcmp(a, "--no-observer") == 0)
			o->no_observer = true;
		else if (strcmp(a, "--no-shim") == 0)
			o->no_shim = true;
		else if (strcmp(a, "--dry-run") == 0)
			o->dry_run = true;
		else if (strcmp(a, "--gpu") == 0)
			o->passthrough |= 1u << GUARD_PT_GPU;
		else if (strcmp(a, "--docker") == 0)
			o->passthrough |= 1u << GUARD_PT_DOCKER;
		else if (strcmp(a, "--display") == 0)
			o->passthrough |= 1u << GUARD_PT_DISPLAY;
		else if (strcmp(a, "--ssh-agent") == 0)
			o->passthrough |= 1u << GUARD_PT_SSH_AGENT;
		else if (strcmp(a, "--git-worktrees") == 0)
			o->passthrough |= 1u << GUARD_PT_WORKTREES;
		else if (strcmp(a, "--allow-private-net") == 0)
			o->allow_private = true;
		else if (strcmp(a, "--lockdown") == 0)
			o->lockdown = true;
		else if (strcmp(a, "--allow-degraded") == 0)
			o->allow_degraded = true;
		else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0)
			o->quiet = guard_quiet = true;
		else if (a[0] == '-') {
			const char *s = guard_suggest(a, known_options);
			char hint[256];
			snprintf(hint, sizeof hint, "%s%s%sput the command after --: guard run [options] -- CMD",
				 s ? "did you mean " : "", s ? s : "", s ? "? " : "");
			guard_die(hint, "unknown option %s", a);
		} else if (want_command)
			break; /* the command starts here (no "--") */
		else
			guard_die("see: guard --help", "unexpected argument %s", a);
	}
	o->argv = argv + i;
	if (want_command && !o->argv[0])
		guard_die("usage: guard run [options] -- CMD [ARGS...]", "no command to run");
	if (getenv("GUARD_QUIET") && strcmp(getenv("GUARD_QUIET"), "1") == 0)
		o->quiet = guard_quiet = true;
}

static char *absolute(const char *path, const char *cwd)
{
	if (path[0] == '/')
		return guard_path_normalize(path);
	char *j = guard_path_join(cwd, path);
	char *n = guard_path_normalize(j);
	free(j);
	return n;
}

void guard_locate(const struct guard_options *o, char **home, char **cwd, char **project)
{
	char buf[4096];
	if (!getcwd(buf, sizeof buf))
		guard_die_errno(NULL, "cannot read the working directory");
	*cwd = guard_path_normalize(buf);

	const char *h = getenv("HOME");
	if (!h || h[0] != '/') {
		struct passwd *pw = getpwuid(getuid());
		h = pw ? pw->pw_dir : NULL;
	}
	if (!h)
		guard_die("set HOME", "cannot tell the home directory");
	/* The home and the project are compared with paths the kernel reports, so resolve symlinks. */
	char *rh = realpath(h, NULL);
	*home = guard_path_normalize(rh ? rh : h);
	free(rh);

	if (o->project) {
		char *p = absolute(o->project, *cwd);
		char *rp = realpath(p, NULL);
		struct stat st;
		if (!rp || stat(rp, &st) != 0 || !S_ISDIR(st.st_mode))
			guard_die("--project names an existing directory", "--project %s: %s", o->project,
				  rp ? "not a directory" : strerror(errno));
		free(p);
		*project = rp;
		return;
	}
	/* The git top level: the nearest ancestor holding .git (a directory, or a file for worktrees). */
	char *p = guard_xstrdup(*cwd);
	for (;;) {
		char *g = guard_path_join(p, ".git");
		struct stat st;
		bool found = lstat(g, &st) == 0;
		free(g);
		if (found) {
			*project = p;
			return;
		}
		char *slash = strrchr(p, '/');
		if (!slash || slash == p)
			break;
		*slash = 0;
	}
	free(p);
	*project = guard_xstrdup(*cwd);
}

const char *guard_options_profile(const struct guard_options *o)
{
	char why[300];
	if (o->profile)
		return o->profile;
	const char *name = guard_profile_for_command(o->argv, why, sizeof why, NULL);
	if (name && o->dry_run)
		guard_note("profile %s, selected by %s (--profile NAME chooses another)", name, why);
	return name;
}

void guard_load_policy(const struct guard_options *o, const char *home, const char *project, struct guard_policy *p)
{
	struct guard_error err;
	char *pf = guard_path_join(project, ".guard.yaml");
	struct guard_sources src = {
		.profile = guard_options_profile(o), /* --profile, else chosen by the command (profile_select.c) */
		.project_file = pf,
		.flags = o->flags,
		.nflags = o->nflags,
		.net_flags = o->allow_net,
		.nnet_flags = o->nallow_net,
		.allow_private = o->allow_private,
		.exec_flags = o->deny_exec,
		.nexec_flags = o->ndeny_exec,
	};
	guard_policy_init(p);
	if (guard_policy_assemble(p, &src, &err) != 0) {
		guard_error_print(&err);
		free(pf);
		exit(GUARD_EXIT_ERROR);
	}
	free(pf);
	struct guard_implicit in = {home, project, o->passthrough, o->lockdown};
	guard_policy_add_implicit(p, &in);
}
