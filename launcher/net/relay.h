/* Copying a connection's bytes both ways, for the proxy's tunnels, the published ports and the forwards
 * (relay.c). Below all of them, so none calls into another for it. */
#ifndef GUARD_NET_RELAY_H
#define GUARD_NET_RELAY_H

#include <sys/socket.h>

/* Copy bytes both ways between a and b until both directions end (Linux: splice through pipes); counts bytes a→b in
 * *ab and b→a in *ba. Both descriptors are made non-blocking. */
void guard_net_relay(int a, int b, unsigned long long *ab, unsigned long long *ba);

/* Connect fd (made non-blocking) within ms milliseconds: 0, or -1 with errno (ETIMEDOUT when the time ran out). */
int guard_net_connect_within(int fd, const struct sockaddr *sa, socklen_t len, int ms);

#endif
