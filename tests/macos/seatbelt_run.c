/* The macOS enforcement suite's driver (tests/macos/enforce.sh), built by `make macos`: apply a Seatbelt profile
 * the way guard's launcher does (sandbox/darwin/seatbelt_darwin.c: sandbox_init_with_parameters in this
 * process, then exec with the shim in DYLD_INSERT_LIBRARIES) and run a command under it.
 *
 *   seatbelt_run PROFILE.sb SHIM|- -- CMD [ARGS...]
 *
 * Exit status: the command's, or 125 (the profile was refused), 126, 127 with the reason on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/darwin/seatbelt.h"

extern char **environ;

int main(int argc, char **argv)
{
	if (argc < 5 || strcmp(argv[3], "--") != 0) {
		fprintf(stderr, "usage: seatbelt_run PROFILE.sb SHIM|- -- CMD [ARGS...]\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	char *profile = NULL;
	size_t len = 0;
	if (getdelim(&profile, &len, 0, f) < 0) {
		fprintf(stderr, "%s: empty\n", argv[1]);
		return 2;
	}
	fclose(f);
	char why[512];
	int code =
		guard_seatbelt_exec(profile, strcmp(argv[2], "-") ? argv[2] : NULL, argv + 4, environ, why, sizeof why);
	fprintf(stderr, "seatbelt_run: %s\n", why);
	return code;
}
