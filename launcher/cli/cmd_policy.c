/* `guard policy` and `guard trust` / `guard untrust`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/policy_json.h"
#include "lib/guard.h"

int guard_cmd_policy(int argc, char **argv)
{
	struct guard_options o;
	struct guard_policy pol;
	char *home, *cwd, *project;
	/* --json is policy's own: the other options are run's (guard_parse_options). */
	bool json = false;
	int n = 0;
	for (int i = 0; i < argc; i++) {
		if (i > 0 && (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "--format=json") == 0))
			json = true;
		else
			argv[n++] = argv[i];
	}
	argv[n] = NULL;
	argc = n;
	guard_parse_options(argc, argv, &o, false);
	guard_locate(&o, &home, &cwd, &project);
	guard_load_policy(&o, home, project, &pol);
	if (json) {
		guard_policy_json(stdout, &pol, project, home);
	} else {
		printf("project: %s\nhome: %s\n", project, home);
		guard_policy_print(stdout, &pol);
	}
	guard_policy_free(&pol);
	free(o.flags);
	free(o.allow_net);
	free(o.deny_exec);
	free(home), free(cwd), free(project);
	return 0;
}

int guard_cmd_trust(int argc, char **argv, bool trust)
{
	struct guard_error err;
	char *file;
	if (argc > 2)
		guard_die(trust ? "usage: guard trust [FILE]" : "usage: guard untrust [FILE]", "too many arguments");
	if (argc == 2) {
		file = realpath(argv[1], NULL);
		if (!file)
			guard_die_errno(NULL, "%s", argv[1]);
	} else {
		struct guard_options o = {0};
		char *home, *cwd, *project;
		guard_locate(&o, &home, &cwd, &project);
		file = guard_path_join(project, ".guard.yaml");
		free(home), free(cwd), free(project);
	}
	int rc = trust ? guard_trust_add(NULL, file, &err) : guard_trust_remove(NULL, file, &err);
	if (rc != 0) {
		guard_error_print(&err);
		free(file);
		return GUARD_EXIT_ERROR;
	}
	printf("guard: %s %s\n", trust ? "trusted" : "no longer trusted:", file);
	free(file);
	return 0;
}
