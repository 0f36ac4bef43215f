/* Command-line entry points and the options shared by `run` and `policy`. */
#ifndef GUARD_CLI_H
#define GUARD_CLI_H

#include <stdbool.h>
#include "policy/policy_api.h"

struct guard_options {
	const char *profile;
	const char *project;
	struct guard_flag_rule *flags;
	size_t nflags;
	const char **allow_net; /* --allow-net HOST, in order */
	size_t nallow_net;
	const char **deny_exec; /* --deny-exec CMD, in order */
	size_t ndeny_exec;
	bool no_userns, dry_run, allow_degraded, quiet, no_observer, no_shim;
	unsigned passthrough; /* --gpu --docker --display --ssh-agent --git-worktrees: 1 << enum guard_passthrough */
	bool lockdown;        /* --lockdown (passthrough.c) */
	const char *log_cap, *log_free_margin; /* --log-cap SIZE, --log-free-margin SIZE|N% (NULL: the policy's) */
	bool allow_private;                    /* --allow-private-net: network.allow_private: true */
	char **argv;                           /* the command, after "--" */
};

/* Parse options of run/policy from argv[1..]; dies with 125 on a bad option. */
void guard_parse_options(int argc, char **argv, struct guard_options *o, bool want_command);
/* $HOME (or the passwd entry), the working directory, and the project (--project, else the git top level of
 * the working directory, else the working directory), all absolute and normalized. */
void guard_locate(const struct guard_options *o, char **home, char **cwd, char **project);
/* Assemble the effective policy for the options, completed with guard's implicit rules (exits 125 with
 * FILE:LINE:COL on error): what `guard run` enforces, for every command that shows or explains it. */
void guard_load_policy(const struct guard_options *o, const char *home, const char *project, struct guard_policy *p);

int guard_cmd_run(int argc, char **argv);
int guard_cmd_policy(int argc, char **argv);
int guard_cmd_trust(int argc, char **argv, bool trust);
int guard_cmd_report(int argc, char **argv);   /* cmd_report.c */
int guard_cmd_explain(int argc, char **argv);  /* cmd_explain.c */
int guard_cmd_hook(int argc, char **argv);     /* cmd_hook.c */
int guard_cmd_sessions(int argc, char **argv); /* cmd_sessions.c */
int guard_cmd_watch(int argc, char **argv);    /* cmd_watch.c */

/* The profile for these options: --profile, else the one the command selects (profile_select.c), else NULL
 * (default). With --dry-run, says on stderr which command chose it. */
const char *guard_options_profile(const struct guard_options *o);
int guard_cmd_profiles(int argc, char **argv);         /* cmd_profiles.c */
int guard_cmd_init(int argc, char **argv);             /* cmd_init.c */
int guard_cmd_edit(int argc, char **argv, bool allow); /* cmd_edit.c: guard allow / guard deny */
int guard_cmd_status(int argc, char **argv);           /* cmd_status.c */
/* `guard doctor [--json] [--no-userns]` (cmd_doctor.c): argv[0] is the subcommand's name. Exit status: 0 when a
 * sandbox is possible here, 1 when not, 125 on a usage error. */
int guard_cmd_doctor(int argc, char **argv);

#endif
