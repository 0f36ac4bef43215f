/* The generic syscall(): programs (and runtimes) that issue open, openat, openat2, execve, execveat or connect
 * through it get the same treatment as the libc functions; every other number goes straight to the kernel,
 * with syscall()'s convention (-1 and errno). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

#include "shim_calls.h"
#include "shim_real.h"
#include "shim_state.h"
#include "shim_sys.h"

SHIM_EXPORT long syscall(long a0, ...)
{
	/* syscall() always reads six arguments; so do we (the unused ones are whatever the registers held). */
	long a[6];
	va_list ap;
	va_start(ap, a0);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	enum shim_mode m = shim_mode();
	if (m == SHIM_OFF)
		return SHIM_REAL(syscall)(a0, a[0], a[1], a[2], a[3], a[4], a[5]);
	switch (a0) {
#ifdef SYS_open
	case SYS_open: /* issued as openat(AT_FDCWD, ...): the observer's magic slot is openat's */
		return shim_open_call(AT_FDCWD, (const char *)a[0], (int)a[1], (mode_t)a[2], m);
#endif
	case SYS_openat:
		return shim_open_call((int)a[0], (const char *)a[1], (int)a[2], (mode_t)a[3], m);
#ifdef SYS_openat2
	case SYS_openat2:
		return shim_openat2_call((int)a[0], (const char *)a[1], (const void *)a[2], (size_t)a[3], m);
#endif
	case SYS_execve:
		return shim_exec_call(AT_FDCWD, (const char *)a[0], (char *const *)a[1], (char *const *)a[2], 0, false,
				      m);
	case SYS_execveat:
		return shim_exec_call((int)a[0], (const char *)a[1], (char *const *)a[2], (char *const *)a[3],
				      (int)a[4], true, m);
	case SYS_connect:
		return shim_connect_call((int)a[0], (const struct sockaddr *)a[1], (socklen_t)a[2], m);
	default: {
		long r = shim_sys6(a0, a[0], a[1], a[2], a[3], a[4], a[5]);
		if (shim_sys_failed(r)) {
			errno = (int)-r;
			return -1;
		}
		return r;
	}
	}
}
