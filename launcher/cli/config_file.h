/* The policy files the management commands write: the project's .guard.yaml and the user config. */
#ifndef GUARD_CONFIG_FILE_H
#define GUARD_CONFIG_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include "cli/cli.h"

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

/* Replace path's content atomically: a temporary file beside it (same mode and owner as the old file, else
 * 0644), fsync, rename over it (through a symlink to its target), fsync of the directory. The directory is
 * created (0700) when `make_dir`. 0, or -1 with err. */
int guard_write_atomic(const char *path, const char *data, size_t len, bool make_dir, struct guard_error *err);
/* Create path with data only if it does not exist (a link(2) of a finished temporary file: never a partial
 * file, never an overwrite). 0; 1 when it exists; -1 with err. */
int guard_create_exclusive(const char *path, const char *data, size_t len, struct guard_error *err);

#endif
