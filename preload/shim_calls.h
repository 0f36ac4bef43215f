/* The treated calls, callable from elsewhere in the shim: the generic syscall() routes SYS_open, SYS_openat,
 * SYS_openat2, SYS_execve, SYS_execveat and SYS_connect here. Each behaves like the libc function: -1 and errno
 * on failure. `m` is the caller's shim_mode() (never SHIM_OFF). */
#ifndef GUARD_SHIM_CALLS_H
#define GUARD_SHIM_CALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "shim_state.h"

int shim_open_call(int dirfd, const char *path, int flags, mode_t mode, enum shim_mode m);
long shim_openat2_call(int dirfd, const char *path, const void *how, size_t size, enum shim_mode m);
int shim_exec_call(int dirfd, const char *path, char *const argv[], char *const envp[], int flags, bool at,
		   enum shim_mode m);
int shim_connect_call(int fd, const struct sockaddr *sa, socklen_t len, enum shim_mode m);

#endif
