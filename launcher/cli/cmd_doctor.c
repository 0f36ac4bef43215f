/* `guard doctor`: what this machine lets guard do, which mode `guard run` will use, and how to fix what is
 * missing; the findings are the platform's (sandbox/linux/doctor_linux.c). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "sandbox/platform.h"

int guard_cmd_doctor(int argc, char **argv)
{
	bool json = false, no_userns = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--no-userns") == 0) {
			no_userns = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			printf("usage: guard doctor [--json] [--no-userns]\n"
			       "Reports the Landlock ABI, user namespaces, seccomp and the sandbox mode guard\n"
			       "will use; exits 1 when no sandbox is possible here.\n");
			return 0;
		} else {
			fprintf(stderr,
				"guard: doctor: unknown option '%s' (usage: guard doctor [--json] [--no-userns])\n",
				argv[i]);
			return 125;
		}
	}
	bool possible = guard_platform_doctor(json, no_userns);
	fflush(stdout);
	return possible ? 0 : 1;
}
