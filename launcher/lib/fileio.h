/* Whole files in and out (fileio.c): bounded reads, atomic and durable writes, guard's config directory. */
#ifndef GUARD_FILEIO_H
#define GUARD_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct guard_error;

/* Read a whole regular file of at most `max` bytes into a malloc'd, NUL-terminated buffer.
 * 0; 1 when it does not exist; -1 with errno (EFBIG when larger than max). */
int guard_read_file(const char *path, size_t max, char **buf, size_t *len);
/* $XDG_CONFIG_HOME/guard (when XDG_CONFIG_HOME is absolute), else ~/.config/guard. 0, or -1 without a home. */
int guard_config_dir(char *out, size_t len);
/* $XDG_STATE_HOME/guard (when XDG_STATE_HOME is absolute), else ~/.local/state/guard (the passwd home, else /),
 * malloc'd: the session logs live below it. */
char *guard_state_dir(void);

/* Replace path's content atomically: a temporary file beside it (same mode and owner as the old file, else
 * `mode`), fsync, rename over it (through a symlink to its target), fsync of the directory. The directory is
 * created (0700) when `make_dir`. 0, or -1 with err. */
int guard_write_atomic(const char *path, const char *data, size_t len, mode_t mode, bool make_dir,
		       struct guard_error *err);
/* Create path (0644) with data only if it does not exist (a link(2) of a finished temporary file: never a
 * partial file, never an overwrite). 0; 1 when it exists; -1 with err. */
int guard_create_exclusive(const char *path, const char *data, size_t len, struct guard_error *err);
/* rename(2) that fails with EEXIST instead of replacing an existing `to` (Linux: renameat2 RENAME_NOREPLACE;
 * macOS: renameatx_np RENAME_EXCL). 0, or -1 with errno. */
int guard_rename_noreplace(const char *from, const char *to);

#endif
