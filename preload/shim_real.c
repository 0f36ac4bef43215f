/* Lazy resolution of the real symbols (see shim_real.h). */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "shim_real.h"
#include "shim_state.h"
#include "shim_sys.h"

const char *const shim_sym_names[SHIM_NSYMS] = {
#define SHIM_X_NAME(gen, name, ...) [SHIM_SYM_##name] = #name,
	SHIM_TABLE(SHIM_X_NAME)
#undef SHIM_X_NAME
};

void *shim_real_ptr[SHIM_NSYMS];

static void say(const char *s)
{
	shim_sys3(SYS_write, 2, s, strlen(s));
}

void *shim_real_slow(enum shim_sym i)
{
	int saved = errno;
	int was_busy = shim_tls_busy;
	shim_tls_busy = 1;
	void *p = dlsym(RTLD_NEXT, shim_sym_names[i]);
	shim_tls_busy = was_busy;
	errno = saved;
	if (!p) {
		/* Every row names a libc function this program was linked against; reaching here means a libc
		 * without it, and nothing sensible to call. */
		say("guard: libguard.so: no next definition of ");
		say(shim_sym_names[i]);
		say("\n");
		shim_sys1(SYS_exit_group, 127);
	}
	/* Racing threads store the same value. */
	__atomic_store_n(&shim_real_ptr[i], p, __ATOMIC_RELEASE);
	return p;
}

#if !defined(__x86_64__)
long shim_sys6(long n, long a, long b, long c, long d, long e, long f)
{
	int saved = errno;
	long r = SHIM_REAL(syscall)(n, a, b, c, d, e, f);
	if (r == -1 && errno)
		r = -errno;
	errno = saved;
	return r;
}
#endif
