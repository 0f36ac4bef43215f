/* guard: run AI coding agents (or anything) inside a kernel-enforced policy. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_help.h"
#include "lib/guard.h"
#include "plan/plan.h"
#include "sandbox/probe_api.h"

/* Runs COMMAND with argv; -1 when there is no such command. */
static int dispatch(int argc, char **argv)
{
	const char *cmd = argv[0];
	if (strcmp(cmd, "run") == 0)
		return guard_cmd_run(argc, argv);
	if (strcmp(cmd, "policy") == 0)
		return guard_cmd_policy(argc, argv);
	if (strcmp(cmd, "doctor") == 0)
		return guard_cmd_doctor(argc, argv);
	if (strcmp(cmd, "report") == 0)
		return guard_cmd_report(argc, argv);
	if (strcmp(cmd, "explain") == 0)
		return guard_cmd_explain(argc, argv);
	if (strcmp(cmd, "hook") == 0)
		return guard_cmd_hook(argc, argv);
	if (strcmp(cmd, "sessions") == 0)
		return guard_cmd_sessions(argc, argv);
	if (strcmp(cmd, "watch") == 0)
		return guard_cmd_watch(argc, argv);
	if (strcmp(cmd, "trust") == 0)
		return guard_cmd_trust(argc, argv, true);
	if (strcmp(cmd, "untrust") == 0)
		return guard_cmd_trust(argc, argv, false);
	if (strcmp(cmd, "status") == 0)
		return guard_cmd_status(argc, argv);
	if (strcmp(cmd, "profiles") == 0)
		return guard_cmd_profiles(argc, argv);
	if (strcmp(cmd, "init") == 0)
		return guard_cmd_init(argc, argv);
	if (strcmp(cmd, "deny") == 0 || strcmp(cmd, "allow") == 0)
		return guard_cmd_edit(argc, argv, cmd[0] == 'a');
	return -1;
}

/* For the commands whose --help is their own: `guard NAME --help`. */
static int self_help(const char *name)
{
	char *argv[] = {(char *)name, "--help", NULL};
	return dispatch(2, argv);
}

static bool is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

static int help(const char *name)
{
	if (!name) {
		guard_usage(stdout);
		return 0;
	}
	int rc = guard_command_help(name, self_help);
	if (rc >= 0)
		return rc;
	const char *s = guard_suggest(name, guard_command_names());
	if (s)
		guard_die("see: guard help", "no command \"%s\" (did you mean \"%s\"?)", name, s);
	guard_die("see: guard help", "no command \"%s\"", name);
}

int main(int argc, char **argv)
{
	int stub = guard_exec_stub_main(argc, argv); /* covering an exec.deny'd program (exec_rules.c) */
	if (stub >= 0)
		return stub;
	if (argc < 2) {
		guard_usage(stderr);
		return 2; /* like other CLIs: a usage error, not guard failing */
	}
	const char *cmd = argv[1];
	/* `guard CMD --help` answers from one place for every command (the run options included). */
	if (argc == 3 && is_help(argv[2]) && !is_help(cmd))
		return help(cmd);
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		printf("guard %s\n", guard_version);
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || is_help(cmd)) {
		if (argc > 3)
			guard_die("usage: guard help [COMMAND]", "too many arguments");
		return help(argc == 3 ? argv[2] : NULL);
	}
	int rc = dispatch(argc - 1, argv + 1);
	if (rc >= 0)
		return rc;
	const char *s = guard_suggest(cmd, guard_command_names());
	if (s)
		guard_die("see: guard --help", "unknown command \"%s\" (did you mean \"%s\"?)", cmd, s);
	guard_die("see: guard --help", "unknown command \"%s\"", cmd);
}
