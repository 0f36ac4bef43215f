/* The policy files the management commands write: the project's .guard.yaml and the user config. */
#ifndef GUARD_CONFIG_FILE_H
#define GUARD_CONFIG_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include "cli/cli.h"
#include "lib/fileio.h" /* guard_write_atomic, guard_create_exclusive: how these files are written */

struct guard_cfgfile {
	char *path;    /* absolute */
	bool global;   /* the user config, not the project file */
	char *project; /* the project directory (also for --global: trust and status need it) */
	char *home;
	char *text; /* current content ("" when the file does not exist yet) */
	size_t len;
	bool exists;
};

/* Locate the file (--global: $XDG_CONFIG_HOME/guard/config.yaml, else $PROJECT/.guard.yaml) and read it; an
 * existing file must load as a policy (else exit 125 with FILE:LINE:COL: fix it first). */
void guard_cfgfile_open(struct guard_cfgfile *f, const struct guard_options *o, bool global);
void guard_cfgfile_close(struct guard_cfgfile *f);

#endif
