/* The session's network side on macOS. Seatbelt itself closes the network (none) or leaves it open; an
 * allow-list needs guard's proxy, which is not built for macOS yet (the net/ files ending in _linux.c): the Darwin backend refuses
 * such a plan before anything runs (platform_darwin.c), so there is nothing to start here. */
#include "plan/net.h"

void guard_net_start(const struct guard_plan *plan, struct guard_session *session)
{
	(void)plan, (void)session;
}

void guard_net_stop(const struct guard_plan *plan)
{
	(void)plan;
}
