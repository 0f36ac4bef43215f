/* guard: run AI coding agents (or anything) inside a kernel-enforced policy. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/guard.h"
#include "plan/plan.h"
#include "sandbox/probe_api.h"

#define GUARD_VERSION "0.1.0"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: guard COMMAND [options]\n"
		"\n"
		"  run [options] -- CMD [ARGS...]  run CMD inside the sandbox\n"
		"      --profile NAME        start from rules/NAME.yaml (default: chosen by CMD, see guard profiles)\n"
		"      --project DIR         the project (default: git top level of the working directory)\n"
		"      --allow-read PATH     also readable        --allow-write PATH  also writable\n"
		"      --deny PATTERN        also denied          --protect PATTERN   also read-only\n"
		"      --allow-net HOST      reachable through guard's proxy (api.example.com, *.example.com, host:port)\n"
		"      --deny-exec CMD       refuse a program (curl) or a subcommand (\"git push --force\"), as exec.deny\n"
		"      --no-userns           Landlock-only mode, without namespaces\n"
		"      --gpu --docker --display --ssh-agent\n"
		"                            let in a host resource (off by default; also `passthrough:` in YAML)\n"
		"      --lockdown            project read-only, no network, no passthroughs, minimal environment\n"
		"      --dry-run             print what would be applied, run nothing\n"
		"      --allow-degraded      run even without Landlock, or without a limit's cgroup (says what is missing)\n"
		"      --quiet               no notes from guard (GUARD_QUIET=1 too)\n"
		"      --no-observer         don't log calls that bypass libc (no seccomp notification)\n"
		"      --no-shim             don't inject libguard.so (no explanations, no shim events)\n"
		"  policy [options]          print the effective policy, each rule with FILE:LINE:COL\n"
		"  report [ID|--last] [--format text|json|html]\n"
		"                            what a session did: files, processes, hosts, every denial\n"
		"  explain PATH [--op read|write|exec] [--session ID|--last]\n"
		"                            why PATH is allowed or denied, and how to allow it\n"
		"  explain --last            the most recent denial of the last session\n"
		"  sessions [--json]         recorded sessions, newest first\n"
		"  hook claude-code          Claude Code's PostToolUseFailure hook (added by the claude-code profile)\n"
		"  hook codex                Codex's PreToolUse/PostToolUse hook (added by the codex profile)\n"
		"  doctor [--json]           what this kernel allows and the mode guard will use\n"
		"  trust [FILE]              let a project's .guard.yaml loosen the policy (by content hash)\n"
		"  untrust [FILE]            withdraw that\n"
		"  status [options] [-- CMD] profile, project file and its trust, rule counts, sandbox mode\n"
		"  profiles [show NAME]      the profiles, what selects each; one profile's rules with provenance\n"
		"  init                      write a commented starter .guard.yaml in the project\n"
		"  deny read|write|exec|net PATTERN...   add to the project's .guard.yaml (--global: your config)\n"
		"  allow read|write|exec|net PATTERN...  the reverse; loosening a project file needs guard trust\n"
		"  version\n"
		"\n"
		"Exit status of run: the command's; 128+N when it died of signal N; 125 guard's own error;\n"
		"126 command not executable; 127 command not found.\n");
}

int main(int argc, char **argv)
{
	int stub = guard_exec_stub_main(argc, argv); /* covering an exec.deny'd program (exec_rules.c) */
	if (stub >= 0)
		return stub;
	if (argc < 2) {
		usage(stderr);
		return 125;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "run") == 0)
		return guard_cmd_run(argc - 1, argv + 1);
	if (strcmp(cmd, "policy") == 0)
		return guard_cmd_policy(argc - 1, argv + 1);
	if (strcmp(cmd, "doctor") == 0)
		return guard_cmd_doctor(argc - 1, argv + 1);
	if (strcmp(cmd, "report") == 0)
		return guard_cmd_report(argc - 1, argv + 1);
	if (strcmp(cmd, "explain") == 0)
		return guard_cmd_explain(argc - 1, argv + 1);
	if (strcmp(cmd, "hook") == 0)
		return guard_cmd_hook(argc - 1, argv + 1);
	if (strcmp(cmd, "sessions") == 0)
		return guard_cmd_sessions(argc - 1, argv + 1);
	if (strcmp(cmd, "trust") == 0)
		return guard_cmd_trust(argc - 1, argv + 1, true);
	if (strcmp(cmd, "untrust") == 0)
		return guard_cmd_trust(argc - 1, argv + 1, false);
	if (strcmp(cmd, "status") == 0)
		return guard_cmd_status(argc - 1, argv + 1);
	if (strcmp(cmd, "profiles") == 0)
		return guard_cmd_profiles(argc - 1, argv + 1);
	if (strcmp(cmd, "init") == 0)
		return guard_cmd_init(argc - 1, argv + 1);
	if (strcmp(cmd, "deny") == 0 || strcmp(cmd, "allow") == 0)
		return guard_cmd_edit(argc - 1, argv + 1, cmd[0] == 'a');
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("guard %s\n", GUARD_VERSION);
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	static const char *const commands[] = {"run",     "policy", "doctor",   "trust", "untrust", "status",
					       "profiles", "init",  "deny",     "allow", "version", "help",
					       "report",  "explain", "sessions", "hook", NULL};
	const char *s = guard_suggest(cmd, commands);
	if (s)
		guard_die("see: guard --help", "unknown command \"%s\" (did you mean \"%s\"?)", cmd, s);
	guard_die("see: guard --help", "unknown command \"%s\"", cmd);
}
