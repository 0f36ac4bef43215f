/* guard's network proxy (DESIGN.md §8), run by the supervisor outside the sandbox.
 *
 * One listening socket: the sandbox's 127.0.0.1:PORT (namespaces mode: created by the sandbox's init inside its
 * network namespace and handed over; Landlock-only mode and macOS: on the host's loopback). One acceptor thread,
 * one thread per connection. The first byte decides the protocol: 0x05 SOCKS5 (CONNECT, no authentication, domain names),
 * 0x04 SOCKS4 (refused), anything else HTTP/1.x: CONNECT host:port (a tunnel) or absolute-URI requests forwarded
 * with keep-alive (the upstream connection is reused while requests name the same host and port).
 *
 * Every target is checked against network.allow (host and port), resolved here (getaddrinfo outside the sandbox,
 * or the test-only GUARD_TEST_HOSTS file), and refused when it resolves to loopback, link-local, cloud metadata or
 * other special addresses unless a rule names the address itself. Refusals explain themselves (HTTP 403 with the
 * host, the rules and how to allow it; SOCKS reply 2, "not allowed by ruleset"). Tunnels relay with
 * net/relay.c (splice on Linux). Every decision goes to the session log (guard_session_net).
 *
 * Everything the sandbox sends is untrusted: heads are bounded (PROXY_HEAD_MAX), parsed by proxy_parse.c (fuzzed),
 * and every wait has a deadline except an established tunnel's, which lasts as long as its two ends.
 *
 * This file: connections and SOCKS. proxy_http.c forwards plain HTTP and CONNECT; proxy_upstream.c
 * decides, resolves and connects; proxy_io.c holds the steps all three share (proxy_conn.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/cloexec.h"
#include "log/session.h"
#include "net/listeners.h"
#include "net/proxy_conn.h"
#include "net/relay.h"
#include "policy/policy_api.h"

static void socks_reply(struct conn *c, int code)
{
	unsigned char r[10] = {5, (unsigned char)code, 0, 1, 0, 0, 0, 0, 0, 0};
	proxy_send_all(c->cfd, (const char *)r, sizeof r, 5000);
}

static void do_socks5(struct conn *c)
{
	long long deadline = proxy_now_ms() + HEAD_MS;
	size_t used;
	bool noauth;
	int rc;
	while ((rc = proxy_socks5_greeting((unsigned char *)c->in, c->in_len, &used, &noauth)) == PROXY_NEED_MORE)
		if (proxy_read_client(c, deadline) <= 0)
			return;
	if (rc != PROXY_OK)
		return;
	proxy_consume_in(c, used);
	if (proxy_send_all(c->cfd, noauth ? "\x05\x00" : "\x05\xff", 2, 5000) != 0 || !noauth)
		return;
	struct proxy_socks_request r;
	while ((rc = proxy_socks5_request((unsigned char *)c->in, c->in_len, &r)) == PROXY_NEED_MORE)
		if (proxy_read_client(c, deadline) <= 0)
			return;
	if (rc != PROXY_OK) {
		if (r.reply == SOCKS_HOST_UNREACHABLE || r.reply == SOCKS_NOT_ALLOWED)
			proxy_log_event(c, "(invalid)", r.port, "socks5", "failed", NULL,
					"a SOCKS request for an invalid host name or port 0", NULL, 0, 0, 0, 1, NULL);
		socks_reply(c, r.reply);
		return;
	}
	proxy_consume_in(c, r.len);
	struct failure f = {0};
	if (!proxy_reach(c, &r.target, r.port, "socks5", &f)) {
		proxy_log_failure(c, r.host, r.port, "socks5", &f, proxy_failure_rule(c, &r.target, r.port));
		if (!strcmp(f.result, "denied")) {
			char target[PROXY_HOST_MAX + 16];
			net_host_port_text(target, sizeof target, r.host, r.port);
			proxy_tell_refusal(c, target, &f);
		}
		socks_reply(c, f.socks);
		return;
	}
	c->requests = 1;
	socks_reply(c, SOCKS_OK);
	proxy_tunnel(c);
	proxy_close_upstream(c);
}

/* ---- connections --------------------------------------------------------------------------------------- */

static void serve_conn(struct conn *c)
{
	struct guard_proxy *px = c->px;
	int one = 1;
	setsockopt(c->cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	long long deadline = proxy_now_ms() + FIRST_BYTE_MS;
	if (proxy_read_client(c, deadline) > 0) {
		/* Asked once the client has spoken: it holds its end while it waits for the answer. */
		proxy_conn_find_client(c);
		unsigned char b = (unsigned char)c->in[0];
		if (b == 5)
			do_socks5(c);
		else if (b == 4)
			proxy_send_all(c->cfd, "\x00\x5b\x00\x00\x00\x00\x00\x00", 8, 5000); /* SOCKS4: rejected */
		else
			proxy_do_http(c);
	}
	proxy_close_upstream(c);
	proxy_conn_client(c);
	pthread_mutex_lock(&px->mu);
	if (c->prev)
		c->prev->next = c->next;
	else
		px->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	int fd = c->cfd;
	c->cfd = -1;
	px->active--;
	pthread_cond_broadcast(&px->cv);
	pthread_mutex_unlock(&px->mu);
	close(fd);
	free(c->http);
	free(c);
}

#define MAX_IDLE 16 /* workers kept waiting for the next connection */
#define IDLE_SECONDS 30

/* A worker serves its first connection, then waits a while for queued ones: no thread (and no malloc arena)
 * is created per connection while connections keep coming. */
static void *worker_main(void *arg)
{
	struct conn *c = arg;
	struct guard_proxy *px = c->px;
	for (;;) {
		serve_conn(c);
		c = NULL;
		pthread_mutex_lock(&px->mu);
		if (!px->stopping && px->idle < MAX_IDLE) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += IDLE_SECONDS;
			px->idle++;
			while (!px->queue && !px->stopping)
				if (pthread_cond_timedwait(&px->work, &px->mu, &until) != 0)
					break;
			px->idle--;
		}
		if (px->queue) {
			c = px->queue;
			px->queue = c->qnext;
			if (!px->queue)
				px->queue_tail = NULL;
		}
		if (!c) {
			px->threads--;
			pthread_cond_broadcast(&px->cv);
			pthread_mutex_unlock(&px->mu);
			return NULL;
		}
		pthread_mutex_unlock(&px->mu);
	}
}

static void serve_one(struct guard_proxy *px, int fd)
{
	pthread_mutex_lock(&px->mu);
	bool full = px->active >= MAX_CONNS || px->stopping;
	pthread_mutex_unlock(&px->mu);
	if (full) {
		static const char busy[] =
			"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		(void)!send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		return;
	}
	struct conn *c = malloc(sizeof *c);
	if (!c) {
		close(fd);
		return;
	}
	memset(c, 0, offsetof(struct conn, in));
	c->px = px;
	c->cfd = fd;
	c->ufd = -1;
	pthread_mutex_lock(&px->mu);
	c->next = px->conns;
	if (px->conns)
		px->conns->prev = c;
	px->conns = c;
	px->active++;
	int queued = 0;
	for (struct conn *q = px->queue; q; q = q->qnext)
		queued++;
	if (px->idle > queued) {
		/* an idle worker takes it */
		if (px->queue_tail)
			px->queue_tail->qnext = c;
		else
			px->queue = c;
		px->queue_tail = c;
		pthread_cond_signal(&px->work);
		pthread_mutex_unlock(&px->mu);
		return;
	}
	px->threads++;
	pthread_mutex_unlock(&px->mu);
	pthread_attr_t at;
	pthread_t t;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&at, 512 * 1024); /* getaddrinfo and its NSS modules */
	if (pthread_create(&t, &at, worker_main, c) != 0) {
		pthread_mutex_lock(&px->mu);
		px->conns = c->next;
		if (c->next)
			c->next->prev = NULL;
		px->active--;
		px->threads--;
		pthread_mutex_unlock(&px->mu);
		close(fd);
		free(c);
	}
	pthread_attr_destroy(&at);
}

static void *acceptor_main(void *arg)
{
	struct guard_proxy *px = arg;
	if (px->listen_fd < 0) {
		/* Namespaces mode: the sandbox's init sends the socket it opened inside. */
		if (guard_net_listeners_take(px->net, px->stop[0]) != 0)
			return NULL;
		pthread_mutex_lock(&px->net->chan_mu);
		px->listen_fd = px->net->proxy_listen;
		px->net->proxy_listen = -1;
		pthread_mutex_unlock(&px->net->chan_mu);
		if (px->listen_fd < 0)
			return NULL;
	}
	for (;;) {
		struct pollfd p[2] = {{px->listen_fd, POLLIN, 0}, {px->stop[0], POLLIN, 0}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (p[1].revents)
			return NULL;
		if (!(p[0].revents & POLLIN))
			continue;
		int fd = guard_accept_cloexec(px->listen_fd);
		if (fd >= 0)
			serve_one(px, fd);
		else if (errno == EMFILE || errno == ENFILE)
			usleep(10000);
	}
}

struct guard_proxy *guard_proxy_start(struct guard_net *net, int listen_fd, int chan_fd, struct guard_session *session)
{
	struct guard_proxy *px = guard_xmalloc(sizeof *px);
	memset(px, 0, sizeof *px);
	px->net = net;
	px->listen_fd = listen_fd >= 0 ? dup(listen_fd) : -1;
	px->chan_fd = chan_fd;
	px->session = session;
	pthread_mutex_init(&px->mu, NULL);
	pthread_mutex_init(&px->log_mu, NULL);
	pthread_cond_init(&px->cv, NULL);
	pthread_cond_init(&px->work, NULL);
	proxy_load_test_hosts(px);
	if (guard_pipe_cloexec(px->stop, false) != 0)
		guard_die_errno(NULL, "pipe");
	/* The proxy's threads take no signals: the supervisor's main thread forwards them, and a peer that went
	 * away is an error return, not a reason to die. Its workers inherit the mask from the acceptor. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&px->acceptor, NULL, acceptor_main, px);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	px->acceptor_running = rc == 0;
	if (!px->acceptor_running) {
		guard_note("could not start the network proxy: %s", strerror(rc));
		guard_net_listeners_give_up(net); /* nobody receives init's listeners */
	}
	return px;
}

void guard_proxy_stop(struct guard_proxy *px)
{
	if (px->acceptor_running) {
		(void)!write(px->stop[1], "x", 1);
		pthread_join(px->acceptor, NULL);
		px->acceptor_running = false;
	}
	/* Connections still open: cut them; each logs what it carried as it ends. */
	pthread_mutex_lock(&px->mu);
	px->stopping = true;
	pthread_cond_broadcast(&px->work); /* idle workers leave */
	for (struct conn *c = px->conns; c; c = c->next) {
		shutdown(c->cfd, SHUT_RDWR);
		if (c->ufd >= 0)
			shutdown(c->ufd, SHUT_RDWR);
	}
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2; /* a thread inside getaddrinfo can't be interrupted */
	while ((px->active > 0 || px->threads > 0) && pthread_cond_timedwait(&px->cv, &px->mu, &until) == 0)
		;
	bool done = px->active == 0 && px->threads == 0;
	pthread_mutex_unlock(&px->mu);
	pthread_mutex_lock(&px->log_mu);
	px->session = NULL; /* late threads log nothing: the session is about to be closed */
	pthread_mutex_unlock(&px->log_mu);
	if (!done)
		return; /* leave px (and the net it points to) to the process's end */
	if (px->listen_fd >= 0)
		close(px->listen_fd);
	close(px->stop[0]);
	close(px->stop[1]);
	free(px->hosts);
	pthread_mutex_destroy(&px->mu);
	pthread_mutex_destroy(&px->log_mu);
	pthread_cond_destroy(&px->cv);
	pthread_cond_destroy(&px->work);
	px->net->proxy = NULL;
	free(px);
}
