/* The event socket's kernel-specific parts: a deep queue, and who sent each datagram (Linux tells it with
 * SCM_CREDENTIALS; macOS does not for datagrams, so the event's own pid stands). */
#ifndef GUARD_EVENT_SOCKET_H
#define GUARD_EVENT_SOCKET_H

#include <stddef.h>
#include <sys/types.h>

/* On the bound socket: the deepest receive queue allowed, and senders' credentials when the kernel gives them. */
void guard_event_socket_tune(int fd);

/* One datagram without blocking: its length (0: an empty or truncated one, to be skipped), or -1 when the queue is
 * empty. *sender: the sending process as the kernel saw it, 0 when unknown. Descriptors sent along are closed. */
long guard_event_socket_recv(int fd, void *buf, size_t len, pid_t *sender);

/* The shim's file name on this platform. */
extern const char guard_shim_file[];

#endif
