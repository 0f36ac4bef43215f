/* Lexical path work shared by the shim and the launcher (the core): pure string functions (no system calls), linked directly by the unit test.
 * Paths reaching the policy must be absolute and normalized the way the matcher expects (guard/match.h). */
#ifndef GUARD_PATH_H
#define GUARD_PATH_H

#include <stdbool.h>
#include <stddef.h>

/* Normalize an absolute path in place: "//" and "/./" collapse, ".." drops the previous component (lexically:
 * the caller resolves symlinks where it matters), no trailing '/' except for "/". Returns the new length.
 * A relative input is left relative but cleaned the same way. */
size_t guard_lexpath_normalize(char *p);

/* out = base + "/" + rel (rel when absolute, base when rel is empty), normalized. 0, or -1 when it does not fit
 * (out then holds nothing useful). */
int guard_lexpath_join(char *out, size_t cap, const char *base, const char *rel);

/* Is `path` `dir` itself or below it? (both normalized; "/" holds everything) */
bool guard_lexpath_under(const char *path, const char *dir);

/* How to show an absolute path to the user: relative to cwd when the path is inside the project and below cwd
 * ("." for cwd itself), else as is. Returns a pointer into `abs` or the literal ".". */
const char *guard_lexpath_display(const char *abs, const char *cwd, const char *project);

/* Split at the last '/': the directory part is written to dir (cap bytes; "/" for a root child; "." when the
 * path has no '/'), returns a pointer to the last component inside path. NULL when dir does not fit. */
const char *guard_lexpath_split(const char *path, char *dir, size_t cap);

#endif
