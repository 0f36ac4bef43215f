/* Copying a connection's bytes both ways, for the proxy's tunnels and the published ports (relay_linux.c). Below
 * both users, so neither calls into the other for it. */
#ifndef GUARD_NET_RELAY_H
#define GUARD_NET_RELAY_H

/* Copy bytes both ways between a and b until both directions end (splice through pipes); counts bytes a→b in
 * *ab and b→a in *ba. Both descriptors are made non-blocking. */
void guard_net_relay(int a, int b, unsigned long long *ab, unsigned long long *ba);

#endif
