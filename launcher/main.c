/* guard: run AI coding agents (or anything) inside a kernel-enforced policy. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "guard.h"
#include "probe_api.h"

#define GUARD_VERSION "0.1.0"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: guard COMMAND [options]\n"
		"\n"
		"  run [options] -- CMD [ARGS...]  run CMD inside the sandbox\n"
		"      --profile NAME        start from rules/NAME.yaml (default: default)\n"
		"      --project DIR         the project (default: git top level of the working directory)\n"
		"      --allow-read PATH     also readable        --allow-write PATH  also writable\n"
		"      --deny PATTERN        also denied          --protect PATTERN   also read-only\n"
		"      --no-userns           Landlock-only mode, without namespaces\n"
		"      --dry-run             print what would be applied, run nothing\n"
		"      --allow-degraded      run even when Landlock is unavailable\n"
		"      --quiet               no notes from guard (GUARD_QUIET=1 too)\n"
		"      --no-observer         don't log calls that bypass libc (no seccomp notification)\n"
		"      --no-shim             don't inject libguard.so (no explanations, no shim events)\n"
		"  policy [options]          print the effective policy, each rule with FILE:LINE:COL\n"
		"  doctor [--json]           what this kernel allows and the mode guard will use\n"
		"  trust [FILE]              let a project's .guard.yaml loosen the policy (by content hash)\n"
		"  untrust [FILE]            withdraw that\n"
		"  version\n"
		"\n"
		"Exit status of run: the command's; 128+N when it died of signal N; 125 guard's own error;\n"
		"126 command not executable; 127 command not found.\n");
}

int main(int argc, char **argv)
{
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
	if (strcmp(cmd, "trust") == 0)
		return guard_cmd_trust(argc - 1, argv + 1, true);
	if (strcmp(cmd, "untrust") == 0)
		return guard_cmd_trust(argc - 1, argv + 1, false);
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("guard %s\n", GUARD_VERSION);
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	static const char *const commands[] = {"run", "policy", "doctor", "trust", "untrust", "version", "help", NULL};
	const char *s = guard_suggest(cmd, commands);
	if (s)
		guard_die("see: guard --help", "unknown command \"%s\" (did you mean \"%s\"?)", cmd, s);
	guard_die("see: guard --help", "unknown command \"%s\"", cmd);
}
