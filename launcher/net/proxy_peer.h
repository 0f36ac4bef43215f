/* The process behind a client connection of guard's proxy: named on the connection's log lines (proxy_server.c
 * asks once per connection) and told about a refusal (proxy_tell.c). Finding it and reaching its stderr are the
 * kernel's business: proxy_peer_linux.c (the TCP table of the connection's network namespace, pidfd_getfd),
 * proxy_peer_darwin.c. */
#ifndef GUARD_NET_PROXY_PEER_H
#define GUARD_NET_PROXY_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The pid of the session's process holding the client's end of the proxy's connection cfd; 0 when none is found
 * (the client is gone, or the platform cannot tell). */
pid_t proxy_peer_pid(int cfd);
/* Its program into out ("" when the kernel does not say). */
void proxy_peer_exe(pid_t pid, char *out, size_t len);
/* A duplicate of that process's descriptor 2 (close-on-exec), or -1. */
int proxy_peer_stderr(pid_t pid);
/* Does the pipe fd have room for len more bytes now (a write of them would not block)? */
bool proxy_pipe_room(int fd, size_t len);

#endif
