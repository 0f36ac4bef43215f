/* `guard init`: a commented starter .guard.yaml in the project.
 *
 * The starter only tightens, so it applies at once without `guard trust`; everything that would loosen the
 * policy is there as a commented example, with a note that uncommenting it needs `guard trust`. Its empty lists
 * are where `guard deny` / `guard allow` put their entries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/config_file.h"
#include "lib/guard.h"

static const char starter[] =
	"# guard: this project's additions to the policy (guard policy shows the result, each rule with its\n"
	"# file:line). Edit it by hand, or with: guard deny read|write|exec|net PATTERN / guard allow ...\n"
	"#\n"
	"# Until you review it and run `guard trust`, this file may only TIGHTEN the policy: deny, protect,\n"
	"# env.drop, exec.deny, lower limits. An entry that loosens it (a read or write grant, a \"!\" re-allow,\n"
	"# env.pass, a network host) makes `guard run` refuse the file until you run `guard trust` (again after\n"
	"# every edit). Inside the sandbox this file is read-only.\n"
	"#\n"
	"# Patterns as in .gitignore: a name without '/' matches at any depth (.env, *.pem, secrets/), a relative\n"
	"# path with a '/' starts at the project root (./config/prod.yml), ~ and $HOME are your home.\n"
	"\n"
	"files:\n"
	"  # Neither readable nor writable inside the sandbox, even though the project is.\n"
	"  deny:\n"
	"    # - \"*.sqlite3\"\n"
	"    # - fixtures/customer-data/\n"
	"  # Readable, never writable.\n"
	"  protect:\n"
	"    # - .github/workflows/\n"
	"    # - Makefile\n"
	"  # Loosening (needs guard trust): more than the project and the profile grant.\n"
	"  # read:\n"
	"  #   - ~/src/shared-library\n"
	"  # write:\n"
	"  #   - ~/.cache/my-tool\n"
	"\n"
	"env:\n"
	"  # Variables removed from the sandbox's environment (secret-looking names are removed already).\n"
	"  drop:\n"
	"    # - DATABASE_URL\n"
	"  # Loosening (needs guard trust): keep a variable that guard would remove.\n"
	"  # pass:\n"
	"  #   - GITHUB_TOKEN\n"
	"\n"
	"exec:\n"
	"  # Commands that may not run inside the sandbox.\n"
	"  deny:\n"
	"    # - curl\n"
	"    # - \"git push --force\"\n"
	"\n"
	"# Loosening (needs guard trust): hosts the sandbox may reach. Without any, it has no network, except what\n"
	"# the profile allows (an agent's API).\n"
	"# network:\n"
	"#   allow:\n"
	"#     - registry.npmjs.org\n"
	"#     - \"*.github.com\"\n"
	"\n"
	"limits:\n"
	"  # Lower than the profile's, for this project.\n"
	"  # processes: 1024\n";

int guard_cmd_init(int argc, char **argv)
{
	struct guard_options o = {0};
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--project") && i + 1 < argc)
			o.project = argv[++i];
		else if (!strncmp(argv[i], "--project=", 10))
			o.project = argv[i] + 10;
		else
			guard_die("usage: guard init [--project DIR]", "unexpected argument %s", argv[i]);
	}
	char *home, *cwd, *project;
	guard_locate(&o, &home, &cwd, &project);
	if (!o.project && (strcmp(project, home) == 0 || strcmp(project, "/") == 0))
		guard_die("run it inside a project, or name one: guard init --project DIR",
			  "%s is not a project (guard run refuses it as one too)", project);
	char *path = guard_path_join(project, ".guard.yaml");
	struct guard_error err;
	int rc = guard_create_exclusive(path, starter, sizeof starter - 1, &err);
	if (rc == 1)
		guard_die("edit it, or use guard deny / guard allow; remove it first to start over",
			  "%s exists: not overwritten", path);
	if (rc < 0) {
		guard_error_print(&err);
		exit(GUARD_EXIT_ERROR);
	}
	printf("guard: wrote %s: a commented starter. It only tightens the policy, so it applies without\n"
	       "`guard trust`; uncommenting a loosening example (marked so) makes `guard run` refuse it until you\n"
	       "review it and run `guard trust`. See the result with: guard policy\n",
	       path);
	free(path);
	free(home), free(cwd), free(project);
	return 0;
}
