/* Raw system calls for the shim: no errno, no libc wrapper (we interpose some of them, syscall() included), no
 * allocation, no locks. They return the kernel's value: >= 0, or -errno. Safe in a vfork child, a signal handler
 * and while the shim is still resolving libc's symbols. */
#ifndef GUARD_SHIM_SYS_H
#define GUARD_SHIM_SYS_H

#include <stdbool.h>
#include <sys/syscall.h>

#if defined(__x86_64__)
static inline long shim_sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
#else
/* Elsewhere: through libc's syscall() found with dlsym (shim_real.c), converted to -errno. */
long shim_sys6(long n, long a, long b, long c, long d, long e, long f);
#endif

#define shim_sys0(n) shim_sys6((n), 0, 0, 0, 0, 0, 0)
#define shim_sys1(n, a) shim_sys6((n), (long)(a), 0, 0, 0, 0, 0)
#define shim_sys2(n, a, b) shim_sys6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define shim_sys3(n, a, b, c) shim_sys6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define shim_sys4(n, a, b, c, d) shim_sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define shim_sys5(n, a, b, c, d, e) shim_sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

static inline bool shim_sys_failed(long r)
{
	return r < 0 && r > -4096;
}

#endif
