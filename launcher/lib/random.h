/* Random bytes from the kernel (session ids, the session magic, unguessable names). */
#ifndef GUARD_RANDOM_H
#define GUARD_RANDOM_H

#include <stdbool.h>
#include <stddef.h>

/* Fill buf with n random bytes. `wait`: block until the kernel's pool is ready (a secret); without it, fail
 * rather than wait (a name that only has to be unique). 0, or -1 with errno. */
int guard_random_bytes(void *buf, size_t n, bool wait);

#endif
