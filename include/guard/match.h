/* The one matcher: gitignore-style patterns over absolute paths.
 *
 * Used by the launcher (planning covers, `guard explain`), and later by the shim and the observer; so it is
 * libc-only, allocation-free and reentrant.
 *
 * Patterns reach the matcher already resolved by the launcher:
 *   - anchored: starts with '/', matched against the whole absolute path ("/home/u/.aws/", "/home/u/.ssh/ *.pub");
 *   - name: no '/' except an optional trailing one, matched against the last component of the path AND against
 *     every ancestor component (".env", "*.pem", "secrets/").
 * A trailing '/' means "directories only"; a directory pattern that matches an ancestor of PATH matches PATH too
 * (everything beneath a denied directory is denied). Glob syntax: '*' (not across '/'), '?', '[abc]', '[a-z]',
 * '[!x]', '\\x' escape, and '**' as a whole component ("/a/ **" "/a/ ** /b", "** /x") crossing directories. */
#ifndef GUARD_MATCH_H
#define GUARD_MATCH_H

#include <stdbool.h>
#include <stddef.h>

/* Glob on one string. With `pathname`, '*' and '?' do not match '/', and '**' components cross directories. */
bool guard_glob(const char *pat, size_t plen, const char *str, size_t slen, bool pathname);

/* Does a resolved pattern (see above; without '!') match `path` (absolute, no trailing '/', normalized)?
 * `is_dir` says whether path itself is a directory (for dir-only patterns matching path itself). */
bool guard_pattern_matches(const char *pattern, const char *path, bool is_dir);

/* True when the pattern contains glob metacharacters (unescaped * ? [). */
bool guard_pattern_has_glob(const char *pattern);

/* Syntax check of a pattern; returns NULL when fine, else a short static reason ("unterminated '[' class"). */
const char *guard_pattern_error(const char *pattern);

#endif
