/* The shim's per-process state: read once at load (shim_init.c) and read-only afterwards, so every interposer
 * may read it without a lock, in any thread, in a vfork child and in a signal handler.
 *
 * The one deliberate circle in guard's code starts here: shim_mode() runs shim_init() lazily (pthread_once),
 * init registers the fork handlers (shim_fork.c), the handlers reset each module's state (shim_spawn.c's too),
 * and those modules' interposers call shim_mode() again. A lazy, re-entrant start needs it (DESIGN.md §6): the
 * shim cannot rely on running before the program's own constructors. tests/layers.txt allows exactly this ring. */
#ifndef GUARD_SHIM_STATE_H
#define GUARD_SHIM_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "guard/image.h"
#include "shim_envp.h"

struct shim_state {
	bool active;  /* a valid policy image is loaded and this is not a secure-exec program */
	bool quiet;   /* --quiet / GUARD_QUIET=1: events only, no message */
	bool logging; /* the image names an event socket */
	uint64_t magic;
	struct guard_image img;
	const char *project, *home; /* from the image; "" when unset */
	struct sockaddr_un ev_addr;
	socklen_t ev_addrlen;
	struct shim_envsnap env; /* LD_PRELOAD and GUARD_* as the process started, put back into every exec */
};

extern struct shim_state shim;

/* This thread is inside the shim (resolving a symbol, holding a lock, sending): a nested interposer call (from
 * dlsym, malloc, a signal handler) makes the bare system call and records nothing. */
extern __thread int shim_tls_busy __attribute__((tls_model("initial-exec")));
/* Set by our vfork() in the parent thread's TLS, which the child shares: between vfork and exec the shim uses
 * nothing but the stack (no locks, no heap, no table; state it would store is the parent's). */
extern __thread int shim_tls_vfork __attribute__((tls_model("initial-exec")));

enum shim_mode {
	SHIM_OFF, /* no policy: call the real function, do nothing else */
	SHIM_RAW, /* nested call: the bare system call (with the magic when known), no event */
	SHIM_ON,
};

extern int shim_ready; /* set (release) once shim_init ran */
void shim_init(void);

/* A GUARD_* variable as the process started with it (guard's, not what the program set since), or NULL. */
const char *shim_started_env(const char *name);

static inline enum shim_mode shim_mode(void)
{
	if (__builtin_expect(shim_tls_busy, 0))
		return SHIM_RAW;
	if (__builtin_expect(!__atomic_load_n(&shim_ready, __ATOMIC_ACQUIRE), 0))
		shim_init();
	if (__builtin_expect(shim_tls_busy, 0))
		return SHIM_RAW; /* shim_init is running further up this thread's stack */
	return shim.active ? SHIM_ON : SHIM_OFF;
}

#endif
