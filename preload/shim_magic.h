/* Where the shim puts the session magic (image header `session_magic`) in the system calls the kernel observer
 * watches. The observer's seccomp filter lets a call through without a user-notification round trip when
 * args[SLOT] == magic (both 32-bit halves), so only calls that bypass the shim (static binaries, raw syscalls,
 * glibc-internal opens) cost ~10-60 us. Each slot is an argument the kernel ignores for that call, so the value
 * there changes nothing. The supervisor's filter must use these same numbers. */
#ifndef GUARD_SHIM_MAGIC_H
#define GUARD_SHIM_MAGIC_H

/* open(2) is never issued: the shim turns it into openat(AT_FDCWD, path, flags, mode, MAGIC). */
#define SHIM_MAGIC_SLOT_OPENAT 4   /* openat(dirfd, path, flags, mode, MAGIC) */
#define SHIM_MAGIC_SLOT_OPENAT2 4  /* openat2(dirfd, path, how, size, MAGIC) */
#define SHIM_MAGIC_SLOT_EXECVE 3   /* execve(path, argv, envp, MAGIC) */
#define SHIM_MAGIC_SLOT_EXECVEAT 5 /* execveat(dirfd, path, argv, envp, flags, MAGIC) */
#define SHIM_MAGIC_SLOT_CONNECT 3  /* connect(fd, addr, addrlen, MAGIC) */

#endif
