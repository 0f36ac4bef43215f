/* Moving something planted out of the way of the tools that would obey it (late_covers_linux.c, repo_review.c). */
#ifndef GUARD_QUARANTINE_H
#define GUARD_QUARANTINE_H

/* Rename `path` beside itself to PATH.guard-blocked-RANDOM (64 random bits), made exclusively: a name taken
 * already is skipped, never overwritten. Returns the new path (free it), or NULL with errno set. */
char *guard_move_aside(const char *path);

/* Remove `path` and, for a directory, everything below it, never following a symlink. 0, or -1. */
int guard_remove_tree(const char *path);

/* Move `path` aside, or remove it when that fails. Returns the new path, "" (static) when removed, NULL when
 * neither worked (errno from the move). */
const char *guard_defuse(const char *path, char **aside);

#endif
