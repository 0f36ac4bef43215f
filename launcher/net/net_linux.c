/* The network at run time (net.h): init's side (the proxy's listening socket inside the sandbox's network
 * namespace, and TCP sockets made there on request) and the supervisor's published ports. Descriptors cross over
 * lib/fdpass; the bytes of a published port's connection go through net/relay.
 *
 * Why init makes sockets for the supervisor: a socket belongs to the network namespace it was created in, whoever
 * uses it later. The supervisor cannot enter the sandbox's namespace itself when it is not root (setns needs
 * CAP_SYS_ADMIN in its own user namespace too), but a socket init created there connects to the sandbox's own
 * loopback from anywhere. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/fdpass.h"
#include "net/forward.h"
#include "net/listeners.h"
#include "net/relay.h"
#include "net/proxy_server.h"
#include "plan/net_state.h"

/* ---- init's side --------------------------------------------------------------------------------------- */

/* A TCP listening socket on a loopback address inside the sandbox's namespace (v6: ::1, else addr4); -1 with
 * errno. */
static int listen_inside(bool v6, const unsigned char addr4[4], unsigned port)
{
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct sockaddr_in6 a6 = {
		.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port), .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	memcpy(&a.sin_addr, addr4, 4);
	int one = 1;
	if (v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if ((v6 ? bind(fd, (struct sockaddr *)&a6, sizeof a6) : bind(fd, (struct sockaddr *)&a, sizeof a)) != 0 ||
	    listen(fd, 128) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Each forward's listeners, IPv4 then IPv6, one message each ('F', no descriptor where it has none): the
 * supervisor knows how many to expect. localhost's ::1 is optional (a kernel without IPv6); a rule that names
 * [::1] itself is not. */
static int send_forward_listeners(struct guard_net *n, char *why, size_t whylen)
{
	for (size_t i = 0; i < n->nfwd; i++) {
		const struct net_forward *f = &n->fwd[i];
		for (int k = 0; k < 2; k++) {
			int fd = -1;
			if (k == 0 ? f->v4 : f->v6) {
				fd = listen_inside(k == 1, f->addr4, f->port);
				if (fd < 0 && (k == 0 || !f->v4)) {
					snprintf(why, whylen,
						 "network.allow %s (%s:%u): listening on %s:%u inside the "
						 "sandbox for the host's service: %s",
						 f->rule->r.written, f->rule->r.at.file, f->rule->r.at.line,
						 k ? "[::1]" : "127.0.0.1", f->port, strerror(errno));
					return -1;
				}
			}
			int rc = guard_fd_send(n->chan[1], 'F', fd);
			if (fd >= 0)
				close(fd);
			if (rc != 0) {
				snprintf(why, whylen, "handing a forward's socket to the supervisor: %s",
					 strerror(errno));
				return -1;
			}
		}
	}
	return 0;
}

int guard_net_init_setup(const struct guard_plan *plan, char *why, size_t whylen)
{
	struct guard_net *n = plan->net;
	if (!n)
		return 0;
	/* The host's side stays with the supervisor: init keeps no published port's socket. */
	for (size_t i = 0; i < n->npub; i++)
		for (int k = 0; k < 2; k++)
			if (n->pub[i].fd[k] >= 0) {
				close(n->pub[i].fd[k]);
				n->pub[i].fd[k] = -1;
			}
	if (n->chan[1] < 0)
		return 0;
	close(n->chan[0]);
	n->chan[0] = -1;
	if (n->mode == GUARD_NET_PROXY) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_port = htons((uint16_t)n->proxy_port),
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 256) != 0) {
			snprintf(why, whylen, "opening the proxy's socket 127.0.0.1:%u inside the sandbox: %s",
				 n->proxy_port, strerror(errno));
			return -1;
		}
		if (guard_fd_send(n->chan[1], 'L', fd) != 0) {
			snprintf(why, whylen, "handing the proxy's socket to the supervisor: %s", strerror(errno));
			return -1;
		}
		close(fd);
		if (send_forward_listeners(n, why, whylen) != 0)
			return -1;
	}
	if (!n->init_serves) {
		close(n->chan[1]);
		n->chan[1] = -1;
	}
	return 0;
}

int guard_net_init_fd(const struct guard_plan *plan)
{
	return plan->net && plan->net->init_serves ? plan->net->chan[1] : -1;
}

bool guard_net_init_serve(const struct guard_plan *plan)
{
	struct guard_net *n = plan->net;
	int fd;
	char tag = guard_fd_recv(n->chan[1], &fd);
	if (fd >= 0)
		close(fd);
	if (tag == 0) {
		close(n->chan[1]);
		n->chan[1] = -1;
		n->init_serves = false;
		return false;
	}
	if (tag != 'S')
		return true;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		guard_fd_send(n->chan[1], 'E', -1);
		return true;
	}
	guard_fd_send(n->chan[1], 'S', s);
	close(s);
	return true;
}

/* ---- the supervisor's side ------------------------------------------------------------------------------ */

/* A TCP socket created inside the sandbox's network namespace by init (namespaces mode); -1 with errno. Serialized
 * on net->chan_mu; init's listeners come first on the channel. */
static int socket_inside(struct guard_net *n)
{
	int fd = -1;
	if (guard_net_listeners_wait(n) != 0) {
		errno = EAGAIN;
		return -1;
	}
	pthread_mutex_lock(&n->chan_mu);
	if (n->chan[0] >= 0 && guard_fd_send(n->chan[0], 'S', -1) == 0) {
		struct pollfd p = {n->chan[0], POLLIN, 0};
		if (poll(&p, 1, 5000) == 1 && guard_fd_recv(n->chan[0], &fd) != 'S' && fd >= 0) {
			close(fd);
			fd = -1;
		}
	}
	pthread_mutex_unlock(&n->chan_mu);
	if (fd < 0)
		errno = EAGAIN;
	return fd;
}

/* ---- published ports (namespaces mode) ----------------------------------------------------------------- */

struct pub_conn {
	struct guard_net *net;
	int host_fd;
	unsigned port;
};

static void *pub_conn_main(void *arg)
{
	struct pub_conn *c = arg;
	int in = socket_inside(c->net);
	struct sockaddr_in a = {
		.sin_family = AF_INET, .sin_port = htons((uint16_t)c->port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (in >= 0 && guard_net_connect_within(in, (struct sockaddr *)&a, sizeof a, 5000) == 0) {
		unsigned long long up = 0, down = 0;
		int one = 1;
		setsockopt(in, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		setsockopt(c->host_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		guard_net_relay(c->host_fd, in, &up, &down);
	}
	if (in >= 0)
		close(in);
	close(c->host_fd);
	free(c);
	return NULL;
}

static void spawn_detached(void *(*fn)(void *), void *arg)
{
	pthread_attr_t at;
	pthread_t t;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&at, 256 * 1024);
	if (pthread_create(&t, &at, fn, arg) != 0) {
		struct pub_conn *c = arg;
		close(c->host_fd);
		free(c);
	}
	pthread_attr_destroy(&at);
}

static void *pub_main(void *arg)
{
	struct guard_net *n = arg;
	struct pollfd p[1 + 2 * 64];
	unsigned ports[2 * 64];
	for (;;) {
		nfds_t k = 0;
		p[k++] = (struct pollfd){n->pub_stop[0], POLLIN, 0};
		for (size_t i = 0; i < n->npub && k < sizeof p / sizeof *p; i++)
			for (int f = 0; f < 2; f++)
				if (n->pub[i].fd[f] >= 0) {
					ports[k - 1] = n->pub[i].port;
					p[k++] = (struct pollfd){n->pub[i].fd[f], POLLIN, 0};
				}
		if (poll(p, k, -1) < 0 && errno != EINTR)
			return NULL;
		if (p[0].revents)
			return NULL;
		for (nfds_t i = 1; i < k; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			int fd = accept4(p[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0)
				continue;
			struct pub_conn *c = guard_xmalloc(sizeof *c);
			*c = (struct pub_conn){n, fd, ports[i - 1]};
			spawn_detached(pub_conn_main, c);
		}
	}
}

/* ---- start, stop --------------------------------------------------------------------------------------- */

/* Threads of the supervisor take no signals: the main thread forwards them, and a SIGPIPE from a dead peer is
 * an error return, not a reason to die. */
static void block_signals(sigset_t *old)
{
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, old);
}

void guard_net_start(const struct guard_plan *plan, struct guard_session *session)
{
	struct guard_net *n = plan->net;
	if (!n)
		return;
	if (n->chan[1] >= 0) {
		close(n->chan[1]); /* init's end */
		n->chan[1] = -1;
	}
	sigset_t old;
	block_signals(&old);
	if (n->mode == GUARD_NET_PROXY)
		n->proxy = guard_proxy_start(n, n->proxy_fd, n->isolated ? n->chan[0] : -1, session);
	bool any = false;
	for (size_t i = 0; i < n->npub; i++)
		any |= n->pub[i].fd[0] >= 0 || n->pub[i].fd[1] >= 0;
	if (any && pipe2(n->pub_stop, O_CLOEXEC) == 0)
		n->pub_running = pthread_create(&n->pub_thread, NULL, pub_main, n) == 0;
	if (n->mode == GUARD_NET_PROXY && n->isolated && n->nfwd)
		guard_net_forward_start(n, session);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void guard_net_stop(const struct guard_plan *plan)
{
	struct guard_net *n = plan->net;
	if (!n)
		return;
	if (n->pub_running) {
		(void)!write(n->pub_stop[1], "x", 1);
		pthread_join(n->pub_thread, NULL);
		n->pub_running = false;
	}
	guard_net_forward_stop(n);
	if (n->proxy)
		guard_proxy_stop(n->proxy);
}

bool guard_net_connect_expected(const struct guard_plan *plan, const char *target)
{
	const struct guard_net *n = plan->net;
	if (strncmp(target, "unix:", 5) == 0)
		return true;
	if (!n)
		return false;
	if (n->mode == GUARD_NET_OPEN)
		return true;
	bool loopback = strncmp(target, "127.", 4) == 0 || strncmp(target, "[::1]:", 6) == 0 ||
			strncmp(target, "[::ffff:127.", 12) == 0;
	if (!loopback)
		return false;
	if (n->isolated)
		return true; /* the sandbox's own loopback */
	const char *colon = strrchr(target, ':');
	unsigned port = colon ? (unsigned)strtoul(colon + 1, NULL, 10) : 0;
	if (n->mode == GUARD_NET_PROXY && port == n->proxy_port)
		return true;
	for (size_t i = 0; i < n->npub; i++)
		if (n->pub[i].port == port)
			return true;
	for (size_t i = 0; i < guard_net_forward_count(plan); i++)
		if (n->fwd[i].port == port)
			return true;
	return false;
}
