/* Serving guard's proxy for a session (proxy_server.c), started and stopped by net_linux.c and net_darwin.c. */
#ifndef GUARD_PROXY_SERVER_H
#define GUARD_PROXY_SERVER_H

#include "log/session.h"
#include "plan/net_state.h"

/* Serve connections on listen_fd (or, when it is -1, on the listener init sends over chan_fd), logging to session
 * (may be NULL). */
struct guard_proxy *guard_proxy_start(struct guard_net *net, int listen_fd, int chan_fd, struct guard_session *session);
/* Stop accepting, cut open connections (each logs what it carried), wait briefly for the proxy's threads. */
void guard_proxy_stop(struct guard_proxy *px);

#endif
