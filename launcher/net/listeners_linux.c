/* The listening sockets init opens inside the sandbox's network namespace and hands to the supervisor over the
 * plan's channel (listeners.h): the proxy's, then each forward's. */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "lib/fdpass.h"
#include "net/listeners.h"

/* Init sends its listeners before it starts the command, in one go: the proxy's acceptor receives them all (it
 * always exists when there are forwards) and wakes whoever waits for them. */
int guard_net_listeners_take(struct guard_net *n, int stop_fd)
{
	struct pollfd p[2] = {{n->chan[0], POLLIN, 0}, {stop_fd, POLLIN, 0}};
	bool ok = false;
	while (poll(p, 2, -1) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&n->chan_mu);
	int fd = -1;
	if (!p[1].revents && guard_fd_recv(n->chan[0], &fd) == 'L' && fd >= 0) {
		n->proxy_listen = fd;
		ok = true;
		for (size_t i = 0; i < n->nfwd && ok; i++)
			for (int k = 0; k < 2 && ok; k++) {
				ok = guard_fd_recv(n->chan[0], &fd) == 'F';
				n->fwd[i].fd[k] = fd;
			}
	} else if (fd >= 0) {
		close(fd);
	}
	n->listeners = ok ? 1 : -1;
	pthread_cond_broadcast(&n->listeners_cv);
	pthread_mutex_unlock(&n->chan_mu);
	return ok ? 0 : -1;
}

/* Called with chan_mu held: wait until the proxy's acceptor took init's listeners (nothing to wait for without a
 * proxy) or the forwards stop. 0 once they are here. */
static int wait_locked(struct guard_net *n)
{
	if (n->mode != GUARD_NET_PROXY || !n->isolated)
		return 0;
	while (n->listeners == 0 && !n->fwd_stopping)
		pthread_cond_wait(&n->listeners_cv, &n->chan_mu);
	return n->listeners == 1 ? 0 : -1;
}

int guard_net_listeners_wait(struct guard_net *n)
{
	pthread_mutex_lock(&n->chan_mu);
	int rc = wait_locked(n);
	pthread_mutex_unlock(&n->chan_mu);
	return rc;
}

void guard_net_listeners_give_up(struct guard_net *n)
{
	pthread_mutex_lock(&n->chan_mu);
	if (n->listeners == 0)
		n->listeners = -1;
	pthread_cond_broadcast(&n->listeners_cv);
	pthread_mutex_unlock(&n->chan_mu);
}
