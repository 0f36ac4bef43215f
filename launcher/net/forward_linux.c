/* Host services on loopback, forwarded into the sandbox (forward.h; namespaces mode). Init listens at the service's
 * own address inside the sandbox's network namespace (127.0.0.1:11434, ::1:5432); the supervisor, in the host's
 * namespace, accepts there and relays each connection to the same address on the host's loopback. Only the
 * addresses and ports a rule names answer: the rest of the sandbox's loopback stays its own, and nothing else
 * of the host's is reachable this way. */
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

#include "net/forward.h"
#include "net/listeners.h"
#include "net/relay.h"

#define FORWARD_CONNECT_MS 10000 /* reaching the host's service */

struct net_fwd_conn {
	struct net_fwd_conn *next, *prev; /* net->fwd_conns */
	struct guard_net *net;
	const struct net_forward *f;
	bool v6;            /* the sandbox connected to ::1 */
	int in_fd, host_fd; /* the sandbox's connection, ours to the host's service */
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Connect to the host's loopback at the address the sandbox used; localhost (a forward on both) tries the other
 * family when that one has nothing listening, as a client resolving localhost would. -1 with errno. */
static int connect_host(const struct net_forward *f, bool v6, char *addr, size_t addrlen)
{
	int err = ECONNREFUSED;
	for (int attempt = 0; attempt < 2; attempt++) {
		bool six = attempt ? !v6 : v6;
		if (attempt && !(f->v4 && f->v6))
			break;
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)f->port)};
		struct sockaddr_in6 a6 = {.sin6_family = AF_INET6,
					  .sin6_port = htons((uint16_t)f->port),
					  .sin6_addr = IN6ADDR_LOOPBACK_INIT};
		memcpy(&a.sin_addr, f->addr4, 4);
		if (six)
			snprintf(addr, addrlen, "[::1]:%u", f->port);
		else
			snprintf(addr, addrlen, "%u.%u.%u.%u:%u", f->addr4[0], f->addr4[1], f->addr4[2], f->addr4[3],
				 f->port);
		int fd = socket(six ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		int rc = six ? guard_net_connect_within(fd, (struct sockaddr *)&a6, sizeof a6, FORWARD_CONNECT_MS)
			     : guard_net_connect_within(fd, (struct sockaddr *)&a, sizeof a, FORWARD_CONNECT_MS);
		if (rc == 0)
			return fd;
		err = errno;
		close(fd);
		if (err != ECONNREFUSED && err != EADDRNOTAVAIL)
			break;
	}
	errno = err;
	return -1;
}

static void log_conn(struct net_fwd_conn *c, const char *result, int err, const char *addr, unsigned long long up,
		     unsigned long long down, long long ms)
{
	char host[INET_ADDRSTRLEN], reason[160] = "", eb[16];
	const struct net_forward *f = c->f;
	snprintf(host, sizeof host, "%s", c->v6 ? "::1" : "");
	if (!c->v6)
		snprintf(host, sizeof host, "%u.%u.%u.%u", f->addr4[0], f->addr4[1], f->addr4[2], f->addr4[3]);
	if (err)
		snprintf(reason, sizeof reason, "nothing answers at %s on the host (%s)", addr, strerror(err));
	struct guard_net_event ev = {host,
				     f->port,
				     "forward",
				     result,
				     err ? guard_errno_name(err, eb, sizeof eb) : NULL,
				     err ? reason : NULL,
				     addr,
				     up,
				     down,
				     ms,
				     1,
				     &f->rule->r};
	if (c->net->fwd_session)
		guard_session_net(c->net->fwd_session, &ev);
}

static void *conn_main(void *arg)
{
	struct net_fwd_conn *c = arg;
	struct guard_net *n = c->net;
	char addr[64];
	long long start = now_ms();
	unsigned long long up = 0, down = 0;
	int fd = connect_host(c->f, c->v6, addr, sizeof addr);
	int err = fd < 0 ? errno : 0;
	pthread_mutex_lock(&n->fwd_mu);
	c->host_fd = fd;
	bool stopping = __atomic_load_n(&n->fwd_stopping, __ATOMIC_ACQUIRE);
	pthread_mutex_unlock(&n->fwd_mu);
	if (fd >= 0 && !stopping) {
		int one = 1;
		setsockopt(c->in_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		guard_net_relay(c->in_fd, fd, &up, &down);
	}
	pthread_mutex_lock(&n->fwd_mu);
	log_conn(c, fd >= 0 ? "allowed" : "failed", err, addr, up, down, now_ms() - start);
	if (c->prev)
		c->prev->next = c->next;
	else
		n->fwd_conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_cond_broadcast(&n->fwd_cv);
	pthread_mutex_unlock(&n->fwd_mu);
	if (fd >= 0)
		close(fd);
	close(c->in_fd);
	free(c);
	return NULL;
}

static void serve(struct guard_net *n, const struct net_forward *f, int listen_fd, bool v6)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	struct net_fwd_conn *c = guard_xmalloc(sizeof *c);
	*c = (struct net_fwd_conn){.net = n, .f = f, .v6 = v6, .in_fd = fd, .host_fd = -1};
	pthread_mutex_lock(&n->fwd_mu);
	c->next = n->fwd_conns;
	if (c->next)
		c->next->prev = c;
	n->fwd_conns = c;
	pthread_mutex_unlock(&n->fwd_mu);
	pthread_attr_t at;
	pthread_t t;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&at, 256 * 1024);
	if (pthread_create(&t, &at, conn_main, c) != 0) {
		pthread_mutex_lock(&n->fwd_mu);
		n->fwd_conns = c->next;
		if (c->next)
			c->next->prev = NULL;
		pthread_mutex_unlock(&n->fwd_mu);
		close(fd);
		free(c);
	}
	pthread_attr_destroy(&at);
}

static void *accept_main(void *arg)
{
	struct guard_net *n = arg;
	if (guard_net_listeners_wait(n) != 0)
		return NULL;
	struct pollfd *p = guard_xmalloc((1 + 2 * n->nfwd) * sizeof *p);
	for (;;) {
		nfds_t k = 0;
		p[k++] = (struct pollfd){n->fwd_stop[0], POLLIN, 0};
		for (size_t i = 0; i < n->nfwd; i++)
			for (int s = 0; s < 2; s++)
				p[k++] = (struct pollfd){n->fwd[i].fd[s], POLLIN, 0}; /* -1: ignored */
		if (poll(p, k, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		for (size_t i = 0; i < n->nfwd; i++)
			for (int s = 0; s < 2; s++)
				if (p[1 + 2 * i + (size_t)s].revents & POLLIN)
					serve(n, &n->fwd[i], n->fwd[i].fd[s], s == 1);
	}
	free(p);
	return NULL;
}

void guard_net_forward_start(struct guard_net *n, struct guard_session *session)
{
	n->fwd_session = session;
	if (pipe2(n->fwd_stop, O_CLOEXEC) != 0) {
		guard_note("could not serve the host's loopback services in the sandbox: %s", strerror(errno));
		return;
	}
	n->fwd_running = pthread_create(&n->fwd_thread, NULL, accept_main, n) == 0;
}

void guard_net_forward_stop(struct guard_net *n)
{
	if (!n->fwd_running)
		return;
	pthread_mutex_lock(&n->chan_mu);
	__atomic_store_n(&n->fwd_stopping, true, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&n->listeners_cv);
	pthread_mutex_unlock(&n->chan_mu);
	(void)!write(n->fwd_stop[1], "x", 1);
	pthread_join(n->fwd_thread, NULL);
	n->fwd_running = false;
	/* Connections still open: cut them; each logs what it carried as it ends. */
	pthread_mutex_lock(&n->fwd_mu);
	for (struct net_fwd_conn *c = n->fwd_conns; c; c = c->next) {
		shutdown(c->in_fd, SHUT_RDWR);
		if (c->host_fd >= 0)
			shutdown(c->host_fd, SHUT_RDWR);
	}
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	while (n->fwd_conns && pthread_cond_timedwait(&n->fwd_cv, &n->fwd_mu, &until) == 0)
		;
	n->fwd_session = NULL; /* late threads log nothing: the session is about to be closed */
	pthread_mutex_unlock(&n->fwd_mu);
}
