/* Turning the path a program passed into the absolute path the policy speaks about. Raw system calls and the
 * caller's buffers only (usable between vfork and exec). */
#ifndef GUARD_SHIM_RESOLVE_H
#define GUARD_SHIM_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>

/* The working directory; its length, or -1 (unreachable, too long). */
int shim_getcwd(char *buf, size_t cap);

/* What an fd refers to ("/proc/self/fd/N"), when that is a path; its length, or -1. */
int shim_fd_path(int fd, char *buf, size_t cap);

/* Lexical: dirfd (or the cwd) + path, normalized. Cheap (a getcwd or readlink only for relative paths).
 * 0, or -1 (then out holds path as given, cut to fit). */
int shim_abs_path(int dirfd, const char *path, char *out, size_t cap);

/* For explaining a refusal: the parent directory resolved by the kernel (symlinks, ".."), the last component
 * kept as is (never following a final symlink). Falls back to shim_abs_path. */
int shim_canonical_path(int dirfd, const char *path, char *out, size_t cap);

#endif
