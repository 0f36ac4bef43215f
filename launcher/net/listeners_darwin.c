/* Init's listening sockets on macOS (listeners.h): there are none. macOS has no network namespace, so the proxy
 * listens on the host's loopback from the plan on (net_plan.c) and nothing is handed over; forwards need no
 * listener either, the sandbox reaches the host's loopback services itself (the Seatbelt profile names their
 * ports). */
#include "net/listeners.h"

int guard_net_listeners_take(struct guard_net *n, int stop_fd)
{
	(void)n, (void)stop_fd;
	return -1;
}

int guard_net_listeners_wait(struct guard_net *n)
{
	(void)n;
	return 0;
}

void guard_net_listeners_give_up(struct guard_net *n)
{
	(void)n;
}
