/* Expanding a grant's wildcard pattern against the real trees. A policy's `*` matches hidden names too (gitignore
 * conventions, DESIGN.md §4): glibc's glob(3) says so with GLOB_PERIOD, macOS's glob(3) cannot. */
#ifndef GUARD_GLOB_EACH_H
#define GUARD_GLOB_EACH_H

/* Call fn for every existing path that pattern (absolute) matches, "." and ".." excluded, in no order. */
void guard_glob_each(const char *pattern, void (*fn)(const char *path, void *ctx), void *ctx);

#endif
