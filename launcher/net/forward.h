/* Host services on loopback forwarded into the sandbox (forward_linux.c; plan/net.h says what a forward is). */
#ifndef GUARD_NET_FORWARD_H
#define GUARD_NET_FORWARD_H

#include "log/session.h"
#include "plan/net_state.h"

/* Serve the forwards to the host's loopback (namespaces mode), logging to session; stop cuts the
 * connections still open (each logs what it carried) and waits briefly for them. */
void guard_net_forward_start(struct guard_net *n, struct guard_session *session);
void guard_net_forward_stop(struct guard_net *n);

#endif
