/* The session's network side on macOS (plan/net.h). There is no network namespace: as in Linux's Landlock-only mode,
 * guard's proxy listens on the host's 127.0.0.1 (a port the kernel picked when the plan was made, net_plan.c) and
 * the Seatbelt profile lets the sandbox's TCP reach that port and the host's loopback services network.allow names
 * (sandbox/darwin/sbpl.c); the proxy is the same code as on Linux (proxy_server.c). Nothing runs inside the
 * sandbox for the network, and network.publish is refused before anything runs (platform_darwin.c). */
#include "net/proxy_server.h"
#include "plan/net_state.h"

void guard_net_start(const struct guard_plan *plan, struct guard_session *session)
{
	struct guard_net *n = plan->net;
	if (n && n->mode == GUARD_NET_PROXY && n->proxy_fd >= 0)
		n->proxy = guard_proxy_start(n, n->proxy_fd, -1, session);
}

void guard_net_stop(const struct guard_plan *plan)
{
	struct guard_net *n = plan->net;
	if (n && n->proxy)
		guard_proxy_stop(n->proxy);
}
