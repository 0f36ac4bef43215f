/* Reading and writing the policy files the management commands edit. A policy file is what the next run is
 * made of: it is never left half-written (temporary file + rename), never replaced by something that does not
 * load (the editor checks that), and an existing file that does not load is not touched at all. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/config_file.h"
#include "lib/guard.h"

#define MAX_POLICY_BYTES (4u << 20)

void guard_cfgfile_open(struct guard_cfgfile *f, const struct guard_options *o, bool global)
{
	char *cwd;
	memset(f, 0, sizeof *f);
	f->global = global;
	guard_locate(o, &f->home, &cwd, &f->project);
	free(cwd);
	if (global) {
		char dir[PATH_MAX];
		if (guard_config_dir(dir, sizeof dir) < 0)
			guard_die("set HOME or XDG_CONFIG_HOME", "cannot tell where the user config lives");
		f->path = guard_xasprintf("%s/config.yaml", dir);
	} else {
		f->path = guard_path_join(f->project, ".guard.yaml");
	}
	int rc = guard_read_file(f->path, MAX_POLICY_BYTES, &f->text, &f->len);
	if (rc < 0)
		guard_die_errno("fix its permissions, or move it away", "cannot read %s", f->path);
	f->exists = rc == 0;
	if (!f->exists) {
		f->text = guard_xstrdup("");
		f->len = 0;
		return;
	}
	struct guard_policy p;
	struct guard_error err;
	guard_policy_init(&p);
	if (guard_policy_parse_yaml(&p, f->path, f->text, f->len, global ? GUARD_SRC_USER : GUARD_SRC_PROJECT, NULL,
				    &err) < 0) {
		guard_error_print(&err);
		guard_die("fix the file first (guard edits only files that load)", "%s was left as it is", f->path);
	}
	guard_policy_free(&p);
}

void guard_cfgfile_close(struct guard_cfgfile *f)
{
	free(f->path);
	free(f->project);
	free(f->home);
	free(f->text);
	memset(f, 0, sizeof *f);
}
