/* The rows of the one interposition table (shim_table.h) that the DYLD shim interposes on macOS: the same rows,
 * picked by name, so that both shims are generated from one declaration. A symbol is a macOS row when
 * SHIM_ON_DARWIN_<symbol> is defined below; SHIM_DARWIN_PICK passes such a row unchanged to SHIM_DARWIN_ROW (the
 * includer defines it) and drops every other row (their Linux-only types and flags are never compiled).
 *
 * Not here, and so not explained by the shim on macOS (Seatbelt still enforces): freopen, the execl family,
 * fexecve, system and popen (their libc runs the real exec inside libSystem), bind and send*, the temporary file
 * makers, and the $NOCANCEL / $INODE64 / _np entry points libSystem exports beside the plain names. */
#ifndef GUARD_SHIM_TABLE_DARWIN_H
#define GUARD_SHIM_TABLE_DARWIN_H

#include "shim_table.h"

#define SHIM_DARWIN_PROBE ~, 1
#define SHIM_ON_DARWIN_open SHIM_DARWIN_PROBE
#define SHIM_ON_DARWIN_openat SHIM_DARWIN_PROBE
#define SHIM_ON_DARWIN_creat SHIM_DARWIN_PROBE
#define SHIM_ON_DARWIN_fopen SHIM_DARWIN_PROBE
#define SHIM_ON_DARWIN_opendir SHIM_DARWIN_PROBE
#define SHIM_ON_DARWIN_execve SHIM_DARWIN_PROBE
#define SHIM_ON_DARWIN_execv SHIM_DARWIN_PROBE
#define SHIM_ON_DARWIN_execvp SHIM_DARWIN_PROBE
#define SHIM_ON_DARWIN_posix_spawn SHIM_DARWIN_PROBE
#define SHIM_ON_DARWIN_posix_spawnp SHIM_DARWIN_PROBE
#define SHIM_ON_DARWIN_connect SHIM_DARWIN_PROBE
#define SHIM_ON_DARWIN_mkdir SHIM_DARWIN_PROBE
#define SHIM_ON_DARWIN_mkdirat SHIM_DARWIN_PROBE
#define SHIM_ON_DARWIN_unlink SHIM_DARWIN_PROBE
#define SHIM_ON_DARWIN_unlinkat SHIM_DARWIN_PROBE
#define SHIM_ON_DARWIN_rmdir SHIM_DARWIN_PROBE
#define SHIM_ON_DARWIN_rename SHIM_DARWIN_PROBE
#define SHIM_ON_DARWIN_renameat SHIM_DARWIN_PROBE
#define SHIM_ON_DARWIN_link SHIM_DARWIN_PROBE
#define SHIM_ON_DARWIN_linkat SHIM_DARWIN_PROBE
#define SHIM_ON_DARWIN_symlink SHIM_DARWIN_PROBE
#define SHIM_ON_DARWIN_symlinkat SHIM_DARWIN_PROBE
#define SHIM_ON_DARWIN_truncate SHIM_DARWIN_PROBE
#define SHIM_ON_DARWIN_mkdtemp SHIM_DARWIN_PROBE

/* 1 when SHIM_ON_DARWIN_<sym> is defined (it expands to two arguments), else 0. */
#define SHIM_DARWIN_SECOND_(a, b, ...) b
#define SHIM_DARWIN_SECOND(...) SHIM_DARWIN_SECOND_(__VA_ARGS__)
#define SHIM_DARWIN_HAS(sym) SHIM_DARWIN_SECOND(SHIM_ON_DARWIN_##sym, 0, )
#define SHIM_DARWIN_CAT_(a, b) a##b
#define SHIM_DARWIN_CAT(a, b) SHIM_DARWIN_CAT_(a, b)
#define SHIM_DARWIN_IF_1(t, f) t
#define SHIM_DARWIN_IF_0(t, f) f
#define SHIM_DARWIN_IF(c) SHIM_DARWIN_CAT(SHIM_DARWIN_IF_, c)
#define SHIM_DARWIN_DROP(...)
#define SHIM_DARWIN_PICK(gen, sym, ...)                                                                                \
	SHIM_DARWIN_IF(SHIM_DARWIN_HAS(sym))(SHIM_DARWIN_ROW, SHIM_DARWIN_DROP)(gen, sym, __VA_ARGS__)

#endif
