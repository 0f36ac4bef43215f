/* Every symbol libguard.so interposes, in one declarative table (X-macro).
 *
 * A row is  X(gen, symbol, ret, params, args, <columns of its family>).
 *   gen     how the body is made: a SHIM_GEN_<gen> macro in the family's file turns the row into the exported
 *           function; CUSTOM rows are written by hand next to it (varargs, FILE*, spawn, ...).
 *   params  the C parameter list, with the names a0, a1, ... that the other columns use;
 *   args    the argument list that passes the call through unchanged (when no policy is loaded).
 * Family columns say what the event records and where the path and flags are: an expression over a0..a5.
 *
 * The same table makes the pass-through pointers (shim_real.c, resolved lazily with dlsym(RTLD_NEXT)) and the
 * list of exported names the unit test checks. Why whole families: libc calls itself through hidden aliases,
 * so fopen never reaches an interposed open; each public name must be caught where the program calls it. */
#ifndef GUARD_SHIM_TABLE_H
#define GUARD_SHIM_TABLE_H

#include <dirent.h>
#include <fcntl.h>
#include <netdb.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "guard/event.h"

/* The op of an open is read unless its flags write (O_WRONLY, O_RDWR, O_CREAT, O_TRUNC). */
#define SHIM_OP_BY_FLAGS 0
/* dirfd2 of a symlink's target: content recorded as written, not a place to resolve. */
#define SHIM_CONTENT_FD (-0x7fffff00)

/* Files. Columns: op, dirfd, path, flags. The *_VA generators read the mode from the varargs into `mode`
 * when the flags need one (O_CREAT, O_TMPFILE); FOPEN derives the flags from the mode string a1. */
#define SHIM_FILE_TABLE(X)                                                                                             \
	X(OPEN_VA, open, int, (const char *a0, int a1, ...), (a0, a1, mode), SHIM_OP_BY_FLAGS, AT_FDCWD, a0, a1)       \
	X(OPEN_VA, open64, int, (const char *a0, int a1, ...), (a0, a1, mode), SHIM_OP_BY_FLAGS, AT_FDCWD, a0,         \
	  a1 | O_LARGEFILE)                                                                                            \
	X(OPENAT_VA, openat, int, (int a0, const char *a1, int a2, ...), (a0, a1, a2, mode), SHIM_OP_BY_FLAGS, a0, a1, \
	  a2)                                                                                                          \
	X(OPENAT_VA, openat64, int, (int a0, const char *a1, int a2, ...), (a0, a1, a2, mode), SHIM_OP_BY_FLAGS, a0,   \
	  a1, a2 | O_LARGEFILE)                                                                                        \
	/* _FORTIFY_SOURCE's checked variants: no mode argument (O_CREAT without one aborts in libc) */                \
	X(OPEN_FORTIFY, __open_2, int, (const char *a0, int a1), (a0, a1), SHIM_OP_BY_FLAGS, AT_FDCWD, a0, a1)         \
	X(OPEN_FORTIFY, __open64_2, int, (const char *a0, int a1), (a0, a1), SHIM_OP_BY_FLAGS, AT_FDCWD, a0,           \
	  a1 | O_LARGEFILE)                                                                                            \
	X(OPEN_FORTIFY, __openat_2, int, (int a0, const char *a1, int a2), (a0, a1, a2), SHIM_OP_BY_FLAGS, a0, a1, a2) \
	X(OPEN_FORTIFY, __openat64_2, int, (int a0, const char *a1, int a2), (a0, a1, a2), SHIM_OP_BY_FLAGS, a0, a1,   \
	  a2 | O_LARGEFILE)                                                                                            \
	X(CREAT, creat, int, (const char *a0, mode_t a1), (a0, a1), GUARD_OP_WRITE, AT_FDCWD, a0,                      \
	  O_CREAT | O_WRONLY | O_TRUNC)                                                                                \
	X(CREAT, creat64, int, (const char *a0, mode_t a1), (a0, a1), GUARD_OP_WRITE, AT_FDCWD, a0,                    \
	  O_CREAT | O_WRONLY | O_TRUNC | O_LARGEFILE)                                                                  \
	X(FOPEN, fopen, FILE *, (const char *a0, const char *a1), (a0, a1), SHIM_OP_BY_FLAGS, AT_FDCWD, a0, 0)         \
	X(FOPEN, fopen64, FILE *, (const char *a0, const char *a1), (a0, a1), SHIM_OP_BY_FLAGS, AT_FDCWD, a0,          \
	  O_LARGEFILE)                                                                                                 \
	/* freopen reuses the FILE, which only libc can do: the real call (its open lacks the magic) + a note */       \
	X(CUSTOM, freopen, FILE *, (const char *a0, const char *a1, FILE *a2), (a0, a1, a2), SHIM_OP_BY_FLAGS,         \
	  AT_FDCWD, a0, 0)                                                                                             \
	X(CUSTOM, freopen64, FILE *, (const char *a0, const char *a1, FILE *a2), (a0, a1, a2), SHIM_OP_BY_FLAGS,       \
	  AT_FDCWD, a0, O_LARGEFILE)                                                                                   \
	X(OPENDIR, opendir, DIR *, (const char *a0), (a0), GUARD_OP_READ, AT_FDCWD, a0,                                \
	  O_RDONLY | O_NONBLOCK | O_DIRECTORY | O_CLOEXEC)

/* Programs. Columns: op, dirfd, path, argv, envp, PATH search. envp `environ` = the caller's own environment,
 * read at the call (a program may have removed LD_PRELOAD from it: it is put back in the copy we pass). */
#define SHIM_EXEC_TABLE(X)                                                                                             \
	X(EXEC, execve, int, (const char *a0, char *const a1[], char *const a2[]), (a0, a1, a2), GUARD_OP_EXEC,        \
	  AT_FDCWD, a0, a1, a2, false)                                                                                 \
	X(EXEC, execv, int, (const char *a0, char *const a1[]), (a0, a1), GUARD_OP_EXEC, AT_FDCWD, a0, a1, environ,    \
	  false)                                                                                                       \
	X(EXEC, execvp, int, (const char *a0, char *const a1[]), (a0, a1), GUARD_OP_EXEC, AT_FDCWD, a0, a1, environ,   \
	  true)                                                                                                        \
	X(EXEC, execvpe, int, (const char *a0, char *const a1[], char *const a2[]), (a0, a1, a2), GUARD_OP_EXEC,       \
	  AT_FDCWD, a0, a1, a2, true)                                                                                  \
	/* execl*: argv (and execle's envp) gathered from the varargs on the stack */                                  \
	X(CUSTOM, execl, int, (const char *a0, const char *a1, ...), (a0, a1), GUARD_OP_EXEC, AT_FDCWD, a0, va,        \
	  environ, false)                                                                                              \
	X(CUSTOM, execlp, int, (const char *a0, const char *a1, ...), (a0, a1), GUARD_OP_EXEC, AT_FDCWD, a0, va,       \
	  environ, true)                                                                                               \
	X(CUSTOM, execle, int, (const char *a0, const char *a1, ...), (a0, a1), GUARD_OP_EXEC, AT_FDCWD, a0, va, va,   \
	  false)                                                                                                       \
	X(CUSTOM, fexecve, int, (int a0, char *const a1[], char *const a2[]), (a0, a1, a2), GUARD_OP_EXEC, a0, "", a1, \
	  a2, false)                                                                                                   \
	X(CUSTOM, execveat, int, (int a0, const char *a1, char *const a2[], char *const a3[], int a4),                 \
	  (a0, a1, a2, a3, a4), GUARD_OP_EXEC, a0, a1, a2, a3, false)                                                  \
	/* posix_spawn's child runs libc-internal code only: the real function with our envp (its execve lacks the  \
	 * magic: one observer round trip per spawn) */  \
	X(SPAWN, posix_spawn, int,                                                                                     \
	  (pid_t * a0, const char *a1, const posix_spawn_file_actions_t *a2, const posix_spawnattr_t *a3,              \
	   char *const a4[], char *const a5[]),                                                                        \
	  (a0, a1, a2, a3, a4, a5), GUARD_OP_EXEC, AT_FDCWD, a1, a4, a5, false)                                        \
	X(SPAWN, posix_spawnp, int,                                                                                    \
	  (pid_t * a0, const char *a1, const posix_spawn_file_actions_t *a2, const posix_spawnattr_t *a3,              \
	   char *const a4[], char *const a5[]),                                                                        \
	  (a0, a1, a2, a3, a4, a5), GUARD_OP_EXEC, AT_FDCWD, a1, a4, a5, true)                                         \
	SHIM_PIDFD_SPAWN_ROWS(X)                                                                                       \
	/* system and popen: /bin/sh -c through the real posix_spawn with our envp; pclose pairs with our popen */     \
	X(CUSTOM, system, int, (const char *a0), (a0), GUARD_OP_EXEC, AT_FDCWD, "/bin/sh", sh_argv, environ, false)    \
	X(CUSTOM, popen, FILE *, (const char *a0, const char *a1), (a0, a1), GUARD_OP_EXEC, AT_FDCWD, "/bin/sh",       \
	  sh_argv, environ, false)                                                                                     \
	X(CUSTOM, pclose, int, (FILE * a0), (a0), 0, 0, NULL, NULL, NULL, false)                                       \
	/* vfork: assembly that marks the child so the shim uses nothing but the stack until exec */                   \
	X(ASM, vfork, pid_t, (void), (), 0, 0, NULL, NULL, NULL, false)                                                \
	X(ASM, __vfork, pid_t, (void), (), 0, 0, NULL, NULL, NULL, false)

/* glibc >= 2.39 has pidfd_spawn(p); older ones (Debian 12: 2.36) have nothing to interpose, and macOS has no
 * glibc (the test is nested: an undefined function-like macro may not appear in an #if at all). */
#if defined(__GLIBC_PREREQ)
#if __GLIBC_PREREQ(2, 39)
#define SHIM_PIDFD_SPAWN_GLIBC 1
#endif
#endif
#ifdef SHIM_PIDFD_SPAWN_GLIBC
#define SHIM_PIDFD_SPAWN_ROWS(X)                                                                                       \
	X(SPAWN, pidfd_spawn, int,                                                                                     \
	  (int *a0, const char *a1, const posix_spawn_file_actions_t *a2, const posix_spawnattr_t *a3,                 \
	   char *const a4[], char *const a5[]),                                                                        \
	  (a0, a1, a2, a3, a4, a5), GUARD_OP_EXEC, AT_FDCWD, a1, a4, a5, false)                                        \
	X(SPAWN, pidfd_spawnp, int,                                                                                    \
	  (int *a0, const char *a1, const posix_spawn_file_actions_t *a2, const posix_spawnattr_t *a3,                 \
	   char *const a4[], char *const a5[]),                                                                        \
	  (a0, a1, a2, a3, a4, a5), GUARD_OP_EXEC, AT_FDCWD, a1, a4, a5, true)
#else
#define SHIM_PIDFD_SPAWN_ROWS(X)
#endif

/* Network: only explained (the boundary is the network namespace). Columns: op, address, its length.
 * connect carries the magic; the others are not watched by the observer and call the real function. */
#define SHIM_NET_TABLE(X)                                                                                              \
	X(CUSTOM, connect, int, (int a0, const struct sockaddr *a1, socklen_t a2), (a0, a1, a2), GUARD_OP_CONNECT, a1, \
	  a2)                                                                                                          \
	X(NET, bind, int, (int a0, const struct sockaddr *a1, socklen_t a2), (a0, a1, a2), GUARD_OP_BIND, a1, a2)      \
	X(NET, sendto, ssize_t, (int a0, const void *a1, size_t a2, int a3, const struct sockaddr *a4, socklen_t a5),  \
	  (a0, a1, a2, a3, a4, a5), GUARD_OP_CONNECT, a4, a5)                                                          \
	X(NET, sendmsg, ssize_t, (int a0, const struct msghdr *a1, int a2), (a0, a1, a2), GUARD_OP_CONNECT,            \
	  (a1 ? (const struct sockaddr *)a1->msg_name : NULL), (a1 ? a1->msg_namelen : 0))                             \
	X(NET, sendmmsg, int, (int a0, struct mmsghdr *a1, unsigned int a2, int a3), (a0, a1, a2, a3),                 \
	  GUARD_OP_CONNECT, (a1 && a2 ? (const struct sockaddr *)a1[0].msg_hdr.msg_name : NULL),                       \
	  (a1 && a2 ? a1[0].msg_hdr.msg_namelen : 0))                                                                  \
	/* the generic entry: SYS_open/openat/openat2/execve/execveat/connect get the treatment above */               \
	X(CUSTOM, syscall, long, (long a0, ...), (a0), 0, NULL, 0)

/* Name lookups: the real call, then an explanation when it failed because the sandbox resolves no names (no
 * network, or only guard's proxy resolves them). libc's own resolver calls stay internal; these are what
 * programs call. Columns: the name, and when the result is a failure worth explaining (not a bad argument, not a
 * numeric-only request, not a too-small buffer). */
#define SHIM_LOOKUP_TABLE(X)                                                                                           \
	X(LOOKUP, getaddrinfo, int,                                                                                    \
	  (const char *restrict a0, const char *restrict a1, const struct addrinfo *restrict a2,                       \
	   struct addrinfo **restrict a3),                                                                             \
	  (a0, a1, a2, a3), a0,                                                                                        \
	  (r == EAI_NONAME || r == EAI_AGAIN || r == EAI_FAIL || r == EAI_NODATA || r == EAI_SYSTEM) &&                \
		  !(a2 && (a2->ai_flags & AI_NUMERICHOST)))                                                            \
	X(LOOKUP, gethostbyname, struct hostent *, (const char *a0), (a0), a0, r == NULL)                              \
	X(LOOKUP, gethostbyname2, struct hostent *, (const char *a0, int a1), (a0, a1), a0, r == NULL)                 \
	X(LOOKUP, gethostbyname_r, int,                                                                                \
	  (const char *restrict a0, struct hostent *restrict a1, char *restrict a2, size_t a3,                         \
	   struct hostent **restrict a4, int *restrict a5),                                                            \
	  (a0, a1, a2, a3, a4, a5), a0, r != ERANGE && a4 && *a4 == NULL)                                              \
	X(LOOKUP, gethostbyname2_r, int,                                                                               \
	  (const char *restrict a0, int a1, struct hostent *restrict a2, char *restrict a3, size_t a4,                 \
	   struct hostent **restrict a5, int *restrict a6),                                                            \
	  (a0, a1, a2, a3, a4, a5, a6), a0, r != ERANGE && a5 && *a5 == NULL)

/* Write-side explainers: the real call (not watched by the observer), then an explanation of EACCES, EPERM,
 * EXDEV (Landlock's cross-directory rename), EROFS and EBUSY (covered or protected paths).
 * Columns: op, dirfd, path, dirfd2, path2. */
#define SHIM_WRITE_TABLE(X)                                                                                            \
	X(WRITE, mkdir, int, (const char *a0, mode_t a1), (a0, a1), GUARD_OP_CREATE, AT_FDCWD, a0, 0, NULL)            \
	X(WRITE, mkdirat, int, (int a0, const char *a1, mode_t a2), (a0, a1, a2), GUARD_OP_CREATE, a0, a1, 0, NULL)    \
	X(WRITE, unlink, int, (const char *a0), (a0), GUARD_OP_REMOVE, AT_FDCWD, a0, 0, NULL)                          \
	X(WRITE, unlinkat, int, (int a0, const char *a1, int a2), (a0, a1, a2), GUARD_OP_REMOVE, a0, a1, 0, NULL)      \
	X(WRITE, rmdir, int, (const char *a0), (a0), GUARD_OP_REMOVE, AT_FDCWD, a0, 0, NULL)                           \
	X(WRITE, rename, int, (const char *a0, const char *a1), (a0, a1), GUARD_OP_RENAME, AT_FDCWD, a0, AT_FDCWD, a1) \
	X(WRITE, renameat, int, (int a0, const char *a1, int a2, const char *a3), (a0, a1, a2, a3), GUARD_OP_RENAME,   \
	  a0, a1, a2, a3)                                                                                              \
	X(WRITE, renameat2, int, (int a0, const char *a1, int a2, const char *a3, unsigned int a4),                    \
	  (a0, a1, a2, a3, a4), GUARD_OP_RENAME, a0, a1, a2, a3)                                                       \
	X(WRITE, link, int, (const char *a0, const char *a1), (a0, a1), GUARD_OP_LINK, AT_FDCWD, a0, AT_FDCWD, a1)     \
	X(WRITE, linkat, int, (int a0, const char *a1, int a2, const char *a3, int a4), (a0, a1, a2, a3, a4),          \
	  GUARD_OP_LINK, a0, a1, a2, a3)                                                                               \
	/* a symlink creates its link path; the target is only content (recorded as path2, never resolved) */          \
	X(WRITE, symlink, int, (const char *a0, const char *a1), (a0, a1), GUARD_OP_CREATE, AT_FDCWD, a1,              \
	  SHIM_CONTENT_FD, a0)                                                                                         \
	X(WRITE, symlinkat, int, (const char *a0, int a1, const char *a2), (a0, a1, a2), GUARD_OP_CREATE, a1, a2,      \
	  SHIM_CONTENT_FD, a0)                                                                                         \
	X(WRITE, truncate, int, (const char *a0, off_t a1), (a0, a1), GUARD_OP_TRUNCATE, AT_FDCWD, a0, 0, NULL)        \
	X(WRITE, truncate64, int, (const char *a0, off64_t a1), (a0, a1), GUARD_OP_TRUNCATE, AT_FDCWD, a0, 0, NULL)    \
	X(WRITE, mkdtemp, char *, (char *a0), (a0), GUARD_OP_CREATE, AT_FDCWD, a0, 0, NULL)

/* Temporary files: made here with our own open (O_CREAT|O_EXCL, the magic in the openat), as glibc does.
 * Columns: op, template, suffix length, extra open flags. */
#define SHIM_TEMP_TABLE(X)                                                                                             \
	X(TEMP, mkstemp, int, (char *a0), (a0), GUARD_OP_CREATE, a0, 0, 0)                                             \
	X(TEMP, mkstemp64, int, (char *a0), (a0), GUARD_OP_CREATE, a0, 0, O_LARGEFILE)                                 \
	X(TEMP, mkostemp, int, (char *a0, int a1), (a0, a1), GUARD_OP_CREATE, a0, 0, a1)                               \
	X(TEMP, mkostemp64, int, (char *a0, int a1), (a0, a1), GUARD_OP_CREATE, a0, 0, a1 | O_LARGEFILE)               \
	X(TEMP, mkstemps, int, (char *a0, int a1), (a0, a1), GUARD_OP_CREATE, a0, a1, 0)                               \
	X(TEMP, mkstemps64, int, (char *a0, int a1), (a0, a1), GUARD_OP_CREATE, a0, a1, O_LARGEFILE)                   \
	X(TEMP, mkostemps, int, (char *a0, int a1, int a2), (a0, a1, a2), GUARD_OP_CREATE, a0, a1, a2)                 \
	X(TEMP, mkostemps64, int, (char *a0, int a1, int a2), (a0, a1, a2), GUARD_OP_CREATE, a0, a1, a2 | O_LARGEFILE)

#define SHIM_TABLE(X)                                                                                                  \
	SHIM_FILE_TABLE(X)                                                                                             \
	SHIM_EXEC_TABLE(X)                                                                                             \
	SHIM_NET_TABLE(X)                                                                                              \
	SHIM_LOOKUP_TABLE(X)                                                                                           \
	SHIM_WRITE_TABLE(X)                                                                                            \
	SHIM_TEMP_TABLE(X)

/* Exported interposers. A generated definition is preceded by its prototype (some, like __open_2, have none in
 * the headers). */
#define SHIM_EXPORT __attribute__((visibility("default")))
#define SHIM_DEFINE(ret_, name, params_)                                                                               \
	SHIM_EXPORT ret_ name params_;                                                                                 \
	SHIM_EXPORT ret_ name params_

#endif
