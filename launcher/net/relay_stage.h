/* One direction of a relay (relay.c): the bytes read from one socket and not yet written to the other. Linux keeps
 * them in a pipe and moves them with splice, so they never enter user space (relay_stage_linux.c); macOS has no
 * splice and keeps them in a buffer (relay_stage_darwin.c). Both sockets are non-blocking: no call here waits. */
#ifndef GUARD_NET_RELAY_STAGE_H
#define GUARD_NET_RELAY_STAGE_H

#include <stddef.h>
#include <sys/types.h>

struct relay_stage;

/* A new, empty stage; NULL with errno. */
struct relay_stage *relay_stage_open(void);
void relay_stage_close(struct relay_stage *s);
/* Bytes it can still take, and bytes it holds. */
size_t relay_stage_room(const struct relay_stage *s);
size_t relay_stage_pending(const struct relay_stage *s);
/* Read from src what fits: bytes taken, 0 at the end of src's stream, -1 with errno (EAGAIN: nothing yet). */
ssize_t relay_stage_fill(struct relay_stage *s, int src);
/* Write what it holds to dst: bytes given, -1 with errno (EAGAIN: dst is full). */
ssize_t relay_stage_drain(struct relay_stage *s, int dst);

#endif
