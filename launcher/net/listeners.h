/* Init's listening sockets, received by the supervisor (listeners_linux.c, namespaces mode). Init opens them inside
 * the sandbox's network namespace before it starts the command and sends them in one go: the proxy's ('L'), then
 * two per forward ('F': IPv4, IPv6, without a descriptor where there is none). The proxy's acceptor receives them
 * (there is always a proxy when there are forwards); the forwards and the published ports' socket requests, which
 * share the channel, wait until it has. */
#ifndef GUARD_NET_LISTENERS_H
#define GUARD_NET_LISTENERS_H

#include "plan/net_state.h"

/* The proxy's acceptor: receive them (the proxy's into n->proxy_listen, the forwards' into n->fwd[i].fd), waiting
 * until they arrive or stop_fd is readable. 0, or -1 when none came (init failed, or the session is stopping). */
int guard_net_listeners_take(struct guard_net *n, int stop_fd);
/* Wait until they are here (0), or won't come or the forwards stop (-1). Nothing to wait for without a proxy. */
int guard_net_listeners_wait(struct guard_net *n);
/* They won't come (the proxy's acceptor did not start): wake whoever waits. */
void guard_net_listeners_give_up(struct guard_net *n);

#endif
