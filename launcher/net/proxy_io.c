/* The proxy's shared steps (proxy_conn.h): the clock and waits, sending and reading, replies and refusals
 * (their words), logging, closing an upstream, and the tunnel's relay. Used by the connection layer
 * (proxy_server.c), plain HTTP (proxy_http.c) and the upstream side (proxy_upstream.c); it calls none of
 * them. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log/session.h"
#include "net/proxy_conn.h"
#include "net/relay.h"
#include "policy/policy_api.h"

long long proxy_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- logging ------------------------------------------------------------------------------------------- */

void proxy_log_event(struct conn *c, const char *host, unsigned port, const char *via, const char *result,
		     const char *err, const char *reason, const char *addr, unsigned long long up,
		     unsigned long long down, long long ms, unsigned requests, const struct net_rule *rule)
{
	struct guard_proxy *px = c->px;
	proxy_conn_client(c);
	struct guard_net_event ev = {host,
				     port,
				     via,
				     result,
				     err,
				     reason,
				     addr && *addr ? addr : NULL,
				     up,
				     down,
				     ms,
				     requests,
				     rule ? &rule->r : NULL,
				     c->pid,
				     c->ppid,
				     c->exe[0] ? c->exe : NULL};
	pthread_mutex_lock(&px->log_mu);
	if (px->session)
		guard_session_net(px->session, &ev);
	pthread_mutex_unlock(&px->log_mu);
}

/* A refusal names no rule (none allowed it); a failure to reach an allowed host names the rule that allowed it. */
void proxy_log_failure(struct conn *c, const char *host, unsigned port, const char *via, const struct failure *f,
		       const struct net_rule *rule)
{
	proxy_log_event(c, host, port, via, f->result, f->err, f->reason, NULL, 0, 0, 0, 1,
			strcmp(f->result, "denied") ? rule : NULL);
}

/* The current upstream connection ends: log it, close it. */
void proxy_close_upstream(struct conn *c)
{
	if (c->ufd < 0)
		return;
	proxy_log_event(c, c->host, c->port, c->via, "allowed", NULL, NULL, c->addr, c->up, c->down,
			proxy_now_ms() - c->start, c->requests, c->rule);
	pthread_mutex_lock(&c->px->mu);
	int fd = c->ufd;
	c->ufd = -1;
	pthread_mutex_unlock(&c->px->mu);
	close(fd);
}

/* ---- I/O with deadlines -------------------------------------------------------------------------------- */

/* Wait for events on fd until the deadline: revents, 0 on timeout. */
int proxy_wait_for(int fd, short events, long long deadline)
{
	for (;;) {
		long long left = deadline - proxy_now_ms();
		if (left <= 0)
			return 0;
		struct pollfd p = {fd, events, 0};
		int r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (r > 0)
			return p.revents;
		if (r < 0 && errno != EINTR)
			return POLLERR;
	}
}

int proxy_send_all(int fd, const char *p, size_t n, int ms)
{
	long long deadline = proxy_now_ms() + ms;
	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k > 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		if (k < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (!(proxy_wait_for(fd, POLLOUT, deadline) & POLLOUT))
			return -1;
	}
	return 0;
}

/* Read more client bytes into c->in: >0 read, 0 end of stream or timeout, -1 buffer full. */
ssize_t proxy_read_client(struct conn *c, long long deadline)
{
	if (c->in_len >= sizeof c->in)
		return -1;
	for (;;) {
		ssize_t k = recv(c->cfd, c->in + c->in_len, sizeof c->in - c->in_len, MSG_DONTWAIT);
		if (k > 0) {
			c->in_len += (size_t)k;
			return k;
		}
		if (k == 0 || (errno != EAGAIN && errno != EINTR))
			return 0;
		int ev = proxy_wait_for(c->cfd, POLLIN, deadline);
		if (!ev)
			return 0;
	}
}

void proxy_consume_in(struct conn *c, size_t n)
{
	if (n > c->in_len)
		n = c->in_len;
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

/* ---- replies ------------------------------------------------------------------------------------------- */

static const char *phrase(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	case 505:
		return "HTTP Version Not Supported";
	}
	return "Error";
}

/* A bounded text builder for answers. */
struct text {
	char *p;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void tprintf(struct text *t, const char *fmt, ...)
{
	if (t->len >= t->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len = t->len + (size_t)n < t->cap ? t->len + (size_t)n : t->cap - 1;
}

void proxy_reply(struct conn *c, int status, const char *header, const char *body, bool keep)
{
	char head[2600];
	size_t blen = strlen(body);
	int n = snprintf(head, sizeof head,
			 "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n"
			 "Connection: %s\r\nProxy-Agent: guard\r\n%s\r\n",
			 status, phrase(status), blen, keep ? "keep-alive" : "close", header ? header : "");
	if (n > 0 && (size_t)n < sizeof head && proxy_send_all(c->cfd, head, (size_t)n, 10000) == 0)
		proxy_send_all(c->cfd, body, blen, 10000);
}

void proxy_rule_port_text(char *out, size_t len, unsigned port)
{
	if (port == GUARD_NET_PORT_WEB)
		snprintf(out, len, "ports 80, 443");
	else if (port == GUARD_NET_PORT_ANY)
		snprintf(out, len, "any port");
	else
		snprintf(out, len, "port %u", port);
}

/* The refusal's text: what, why, the rule set with provenance, and how to allow it. */
static void denial_text(struct guard_proxy *px, const char *target, const struct failure *f, struct text *t)
{
	struct guard_net *n = px->net;
	tprintf(t, "guard: the sandbox's network policy does not allow %s: %s.\n", target, f->reason);
	tprintf(t, "This is guard's sandbox, not a network failure: retrying will not help.\n");
	tprintf(t,
		"The sandbox reaches the network only through guard's proxy, and only these hosts (network.allow):\n");
	for (size_t i = 0; i < n->nrules && i < 40; i++) {
		const struct guard_net_rule *r = &n->rules[i].r;
		char ports[32];
		proxy_rule_port_text(ports, sizeof ports, n->rules[i].h.port);
		if (r->at.line)
			tprintf(t, "  %-36s (%s)  %s:%u:%u\n", r->written, ports, r->at.file, r->at.line, r->at.col);
		else
			tprintf(t, "  %-36s (%s)  %s\n", r->written, ports, r->at.file);
	}
	if (n->nrules > 40)
		tprintf(t, "  ... and %zu more (guard policy lists them all)\n", n->nrules - 40);
	tprintf(t, "To allow it, the user (not the sandbox) can run guard with --allow-net %s\n", f->suggest);
	tprintf(t, "or add it to network.allow in ~/.config/guard/config.yaml or the project's .guard.yaml:\n");
	tprintf(t, "  network:\n    allow: [\"%s\"]\n", f->suggest);
}

/* The refusal in one line, to the program that asked, before it gets the answer (most show only the status). */
void proxy_tell_refusal(struct conn *c, const char *target, const struct failure *f)
{
	char line[2048];
	snprintf(line, sizeof line,
		 "guard: the sandbox's proxy refused %s: %s — sandbox policy, not a network failure; "
		 "don't retry. To allow: guard run --allow-net %s …\n",
		 target, f->reason, f->suggest);
	for (char *p = line; *p && p[1]; p++)
		if ((unsigned char)*p < 0x20)
			*p = '?'; /* the target is the client's text: one line, whatever it holds */
	proxy_tell_client(c, target, line);
}

void proxy_refuse_http(struct conn *c, const char *target, const struct failure *f, bool keep)
{
	char buf[8192], header[2048];
	struct text t = {buf, 0, sizeof buf};
	buf[0] = 0;
	if (!strcmp(f->result, "denied")) {
		proxy_tell_refusal(c, target, f);
		denial_text(c->px, target, f, &t);
		snprintf(header, sizeof header, "X-Guard-Denied: %s: %s; to allow it: guard run --allow-net %s\r\n",
			 target, f->reason, f->suggest);
	} else {
		tprintf(&t, "guard's proxy could not reach %s: %s.\n", target, f->reason);
		header[0] = 0;
	}
	proxy_reply(c, f->status, header[0] ? header : NULL, buf, keep);
}

/* ---- tunnels ------------------------------------------------------------------------------------------- */

void proxy_tunnel(struct conn *c)
{
	if (c->in_len) {
		if (proxy_send_all(c->ufd, c->in, c->in_len, 10000) != 0)
			return;
		c->up += c->in_len;
		c->in_len = 0;
	}
	if (c->uin_len) {
		if (proxy_send_all(c->cfd, c->http->uin, c->uin_len, 10000) != 0)
			return;
		c->down += c->uin_len;
		c->uin_len = 0;
	}
	guard_net_relay(c->cfd, c->ufd, &c->up, &c->down);
}
