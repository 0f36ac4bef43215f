/* The real (next) definition of every interposed symbol, resolved once, lazily, with dlsym(RTLD_NEXT).
 * dlsym may allocate or call back into us: while it runs, this thread's shim_tls_busy is set and every
 * interposer takes its raw-syscall path instead of coming back here. */
#ifndef GUARD_SHIM_REAL_H
#define GUARD_SHIM_REAL_H

#include "shim_table.h"

enum shim_sym {
#define SHIM_X_IDX(gen, name, ...) SHIM_SYM_##name,
	SHIM_TABLE(SHIM_X_IDX)
#undef SHIM_X_IDX
		SHIM_NSYMS
};

/* Only for the pointer types: never instantiated. */
struct shim_real_types {
#define SHIM_X_TYPE(gen, name, ret, params, ...) ret(*name) params;
	SHIM_TABLE(SHIM_X_TYPE)
#undef SHIM_X_TYPE
};

extern const char *const shim_sym_names[SHIM_NSYMS];

/* The next definition of symbol `i` (never NULL: a missing one is fatal, with a message). */
void *shim_real_slow(enum shim_sym i);
extern void *shim_real_ptr[SHIM_NSYMS];

static inline void *shim_real(enum shim_sym i)
{
	void *p = __atomic_load_n(&shim_real_ptr[i], __ATOMIC_ACQUIRE);
	return p ? p : shim_real_slow(i);
}

#define SHIM_REAL(name) ((__typeof__(((struct shim_real_types *)0)->name))shim_real(SHIM_SYM_##name))

#endif
