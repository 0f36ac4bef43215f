/* guard's network proxy (DESIGN.md §8), run by the supervisor outside the sandbox.
 *
 * One listening socket: the sandbox's 127.0.0.1:PORT (namespaces mode: created by the sandbox's init inside its
 * network namespace and handed over; Landlock-only mode: on the host's loopback). One acceptor thread, one thread
 * per connection. The first byte decides the protocol: 0x05 SOCKS5 (CONNECT, no authentication, domain names),
 * 0x04 SOCKS4 (refused), anything else HTTP/1.x: CONNECT host:port (a tunnel) or absolute-URI requests forwarded
 * with keep-alive (the upstream connection is reused while requests name the same host and port).
 *
 * Every target is checked against network.allow (host and port), resolved here (getaddrinfo outside the sandbox,
 * or the test-only GUARD_TEST_HOSTS file), and refused when it resolves to loopback, link-local, cloud metadata or
 * other special addresses unless a rule names the address itself. Refusals explain themselves (HTTP 403 with the
 * host, the rules and how to allow it; SOCKS reply 2, "not allowed by ruleset"). Tunnels relay with splice.
 * Every decision goes to the session log (guard_session_net).
 *
 * Everything the sandbox sends is untrusted: heads are bounded (PROXY_HEAD_MAX), parsed by proxy_parse.c (fuzzed),
 * and every wait has a deadline except an established tunnel's, which lasts as long as its two ends. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/fdpass.h"
#include "net/relay.h"
#include "plan/net_state.h"
#include "policy/policy_api.h"
#include "log/session.h"
#include "lib/fileio.h"

#define MAX_CONNS 512
#define FIRST_BYTE_MS 30000 /* a new connection says something within this */
#define HEAD_MS 30000       /* a whole request head */
#define IDLE_MS 120000      /* between requests on a kept-alive connection */
#define CONNECT_MS 10000    /* reaching the upstream */
#define EXCHANGE_MS 300000  /* silence in both directions during one plain HTTP request */
#define IN_CAP (PROXY_HEAD_MAX + 16384)
#define MAX_ADDRS 8
#define TEST_HOSTS_MAX 65536

struct test_host {
	char name[PROXY_HOST_MAX + 3];
	int family;
	unsigned char addr[16];
};

struct conn;

struct guard_proxy {
	struct guard_net *net;
	int listen_fd, chan_fd;
	int stop[2];
	pthread_t acceptor;
	bool acceptor_running;
	pthread_mutex_t mu;
	pthread_cond_t cv;   /* a connection or a worker ended (stop waits on it) */
	pthread_cond_t work; /* a connection waits in the queue for an idle worker */
	int active;          /* connections being served or queued */
	int threads, idle;   /* worker threads alive, and those waiting for work */
	bool stopping;
	struct conn *conns;
	struct conn *queue, *queue_tail;
	pthread_mutex_t log_mu;
	struct guard_session *session;
	struct test_host *hosts;
	size_t nhosts;
};

struct conn {
	struct guard_proxy *px;
	struct conn *next, *prev; /* px->conns */
	struct conn *qnext;       /* px->queue */
	int cfd, ufd;
	/* the current upstream, for logging and keep-alive reuse */
	const char *via;
	char host[PROXY_HOST_MAX + 3];
	unsigned port;
	const struct net_rule *rule;
	char addr[64];
	long long start;
	unsigned long long up, down;
	unsigned requests;
	size_t in_len, uin_len, out_len, out_off;
	struct http_bufs *http; /* plain HTTP only: allocated on the first absolute-URI request */
	char in[IN_CAP];        /* from the client; last: not cleared on creation */
};

#define UIN_CAP IN_CAP
#define OUT_CAP (PROXY_HEAD_MAX + 1024)
struct http_bufs {
	char uin[UIN_CAP]; /* from the upstream */
	char out[OUT_CAP]; /* a rewritten head */
};

/* Why a target was not reached: what to log and what to answer. */
struct failure {
	const char *result; /* "denied" or "failed" */
	const char *err;    /* errno name or NULL */
	int status;         /* HTTP */
	int socks;          /* SOCKS reply */
	char reason[640];
	char suggest[PROXY_HOST_MAX + 16]; /* the entry that would allow it */
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- logging ------------------------------------------------------------------------------------------- */

static void log_event(struct guard_proxy *px, const char *host, unsigned port, const char *via, const char *result,
		      const char *err, const char *reason, const char *addr, unsigned long long up,
		      unsigned long long down, long long ms, unsigned requests, const struct net_rule *rule)
{
	struct guard_net_event ev = {host, port, via, result, err, reason, addr && *addr ? addr : NULL, up, down, ms,
				     requests, rule ? &rule->r : NULL};
	pthread_mutex_lock(&px->log_mu);
	if (px->session)
		guard_session_net(px->session, &ev);
	pthread_mutex_unlock(&px->log_mu);
}

/* A refusal names no rule (none allowed it); a failure to reach an allowed host names the rule that allowed it. */
static void log_failure(struct conn *c, const char *host, unsigned port, const char *via, const struct failure *f,
			const struct net_rule *rule)
{
	log_event(c->px, host, port, via, f->result, f->err, f->reason, NULL, 0, 0, 0, 1,
		  strcmp(f->result, "denied") ? rule : NULL);
}

/* The current upstream connection ends: log it, close it. */
static void close_upstream(struct conn *c)
{
	if (c->ufd < 0)
		return;
	log_event(c->px, c->host, c->port, c->via, "allowed", NULL, NULL, c->addr, c->up, c->down, now_ms() - c->start,
		  c->requests, c->rule);
	pthread_mutex_lock(&c->px->mu);
	int fd = c->ufd;
	c->ufd = -1;
	pthread_mutex_unlock(&c->px->mu);
	close(fd);
}

/* ---- I/O with deadlines -------------------------------------------------------------------------------- */

/* Wait for events on fd until the deadline: revents, 0 on timeout. */
static int wait_for(int fd, short events, long long deadline)
{
	for (;;) {
		long long left = deadline - now_ms();
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

static int send_all(int fd, const char *p, size_t n, int ms)
{
	long long deadline = now_ms() + ms;
	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k > 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		if (k < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (!(wait_for(fd, POLLOUT, deadline) & POLLOUT))
			return -1;
	}
	return 0;
}

/* Read more client bytes into c->in: >0 read, 0 end of stream or timeout, -1 buffer full. */
static ssize_t read_client(struct conn *c, long long deadline)
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
		int ev = wait_for(c->cfd, POLLIN, deadline);
		if (!ev)
			return 0;
	}
}

static void consume_in(struct conn *c, size_t n)
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
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
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

static void reply(struct conn *c, int status, const char *header, const char *body, bool keep)
{
	char head[2600];
	size_t blen = strlen(body);
	int n = snprintf(head, sizeof head,
			 "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n"
			 "Connection: %s\r\nProxy-Agent: guard\r\n%s\r\n",
			 status, phrase(status), blen, keep ? "keep-alive" : "close", header ? header : "");
	if (n > 0 && (size_t)n < sizeof head && send_all(c->cfd, head, (size_t)n, 10000) == 0)
		send_all(c->cfd, body, blen, 10000);
}

static void rule_port_text(char *out, size_t len, unsigned port)
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
	tprintf(t, "The sandbox reaches the network only through guard's proxy, and only these hosts (network.allow):\n");
	for (size_t i = 0; i < n->nrules && i < 40; i++) {
		const struct guard_net_rule *r = &n->rules[i].r;
		char ports[32];
		rule_port_text(ports, sizeof ports, n->rules[i].h.port);
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

static void refuse_http(struct conn *c, const char *target, const struct failure *f, bool keep)
{
	char buf[8192], header[2048];
	struct text t = {buf, 0, sizeof buf};
	buf[0] = 0;
	if (!strcmp(f->result, "denied")) {
		denial_text(c->px, target, f, &t);
		snprintf(header, sizeof header, "X-Guard-Denied: %s: %s; to allow it: guard run --allow-net %s\r\n",
			 target, f->reason, f->suggest);
	} else {
		tprintf(&t, "guard's proxy could not reach %s: %s.\n", target, f->reason);
		header[0] = 0;
	}
	reply(c, f->status, header[0] ? header : NULL, buf, keep);
}

/* ---- policy -------------------------------------------------------------------------------------------- */

/* The rule that allows host t on port: the most specific one (a name or an address, then a wildcard, then "*"),
 * the first written among equals. */
static const struct net_rule *match_rule(const struct guard_net *n, const struct net_host *t, unsigned port)
{
	const struct net_rule *best = NULL;
	int best_rank = 99;
	for (size_t i = 0; i < n->nrules; i++) {
		if (!net_host_matches(&n->rules[i].h, t, port))
			continue;
		int rank = n->rules[i].h.kind == NET_HOST_ANY ? 2 : n->rules[i].h.kind == NET_HOST_WILDCARD ? 1 : 0;
		if (rank < best_rank) {
			best = &n->rules[i];
			best_rank = rank;
		}
	}
	return best;
}

static void suggest_entry(struct failure *f, const char *host, unsigned port)
{
	if (port == 80 || port == 443)
		snprintf(f->suggest, sizeof f->suggest, "%s", host);
	else
		net_host_port_text(f->suggest, sizeof f->suggest, host, port);
}

static const struct net_rule *decide(struct guard_proxy *px, const struct net_host *t, unsigned port,
				     struct failure *f)
{
	const struct net_rule *r = match_rule(px->net, t, port);
	if (r)
		return r;
	f->result = "denied";
	f->status = 403;
	f->socks = SOCKS_NOT_ALLOWED;
	suggest_entry(f, t->name, port);
	/* The host is listed but not this port? Say so. */
	const struct net_rule *host_only = NULL;
	for (size_t i = 0; i < px->net->nrules && !host_only; i++) {
		if (px->net->rules[i].h.kind == NET_HOST_ANY)
			continue; /* "*:443" names no host */
		struct net_host any = px->net->rules[i].h;
		any.port = GUARD_NET_PORT_ANY;
		if (net_host_matches(&any, t, port))
			host_only = &px->net->rules[i];
	}
	if (host_only) {
		char ports[32];
		rule_port_text(ports, sizeof ports, host_only->h.port);
		snprintf(f->reason, sizeof f->reason, "port %u is not allowed (\"%s\" allows %s)", port,
			 host_only->r.written, ports);
		net_host_port_text(f->suggest, sizeof f->suggest, t->name, port);
	} else {
		snprintf(f->reason, sizeof f->reason, "%s is not in network.allow", t->name);
	}
	return NULL;
}

/* ---- resolving and connecting ------------------------------------------------------------------------- */

struct addr {
	int family;
	unsigned char a[16];
	bool test; /* from GUARD_TEST_HOSTS */
};

static void load_test_hosts(struct guard_proxy *px)
{
	const char *path = px->net->test_hosts;
	char *buf;
	size_t len;
	if (!path || guard_read_file(path, TEST_HOSTS_MAX, &buf, &len) != 0)
		return;
	px->hosts = guard_xmalloc(256 * sizeof *px->hosts);
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line && px->nhosts < 256;
	     line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char *s2 = NULL, *ip = strtok_r(line, " \t\r", &s2);
		struct net_host h;
		if (!ip || net_host_target(ip, strlen(ip), &h) != 0 || (h.kind != NET_HOST_IP4 && h.kind != NET_HOST_IP6))
			continue;
		for (char *name = strtok_r(NULL, " \t\r", &s2); name && px->nhosts < 256; name = strtok_r(NULL, " \t\r", &s2)) {
			struct net_host nh;
			if (net_host_target(name, strlen(name), &nh) != 0 || nh.kind != NET_HOST_NAME)
				continue;
			struct test_host *th = &px->hosts[px->nhosts++];
			snprintf(th->name, sizeof th->name, "%s", nh.name);
			th->family = h.kind == NET_HOST_IP4 ? AF_INET : AF_INET6;
			memcpy(th->addr, h.addr, 16);
		}
	}
	free(buf);
}

static int resolve(struct guard_proxy *px, const struct net_host *t, struct addr *out, struct failure *f)
{
	int n = 0;
	if (t->kind == NET_HOST_IP4 || t->kind == NET_HOST_IP6) {
		out[0].family = t->kind == NET_HOST_IP4 ? AF_INET : AF_INET6;
		memcpy(out[0].a, t->addr, 16);
		out[0].test = false;
		return 1;
	}
	for (size_t i = 0; i < px->nhosts && n < MAX_ADDRS; i++) {
		if (strcmp(px->hosts[i].name, t->name) != 0)
			continue;
		out[n] = (struct addr){px->hosts[i].family, {0}, true};
		memcpy(out[n++].a, px->hosts[i].addr, 16);
	}
	if (n)
		return n;
	if (net_host_numeric_alias(t->name)) {
		f->result = "denied";
		f->status = 403;
		f->socks = SOCKS_NOT_ALLOWED;
		snprintf(f->reason, sizeof f->reason, "\"%s\" reads as a numeric address, not a name", t->name);
		return -1;
	}
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG}, *res;
	int rc = getaddrinfo(t->name, NULL, &hints, &res);
	if (rc != 0) {
		f->result = "failed";
		f->status = 502;
		f->socks = SOCKS_HOST_UNREACHABLE;
		f->err = "EHOSTUNREACH";
		snprintf(f->reason, sizeof f->reason, "cannot resolve %s: %s", t->name,
			 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *a = res; a && n < MAX_ADDRS; a = a->ai_next) {
		struct addr x = {a->ai_family, {0}, false};
		if (a->ai_family == AF_INET)
			memcpy(x.a, &((struct sockaddr_in *)a->ai_addr)->sin_addr, 4);
		else if (a->ai_family == AF_INET6)
			memcpy(x.a, &((struct sockaddr_in6 *)a->ai_addr)->sin6_addr, 16);
		else
			continue;
		bool dup = false;
		for (int k = 0; k < n; k++)
			dup |= out[k].family == x.family && !memcmp(out[k].a, x.a, 16);
		if (!dup)
			out[n++] = x;
	}
	freeaddrinfo(res);
	return n;
}

static void addr_text(const struct addr *a, unsigned port, char *out, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	inet_ntop(a->family, a->a, ip, sizeof ip);
	net_host_port_text(out, len, ip, port);
}

/* Does some rule name this very address (and allow the port)? Then a special address is what the user meant. */
static bool address_named(const struct guard_net *n, const struct addr *a, unsigned port)
{
	struct net_host t = {.kind = a->family == AF_INET ? NET_HOST_IP4 : NET_HOST_IP6};
	memcpy(t.addr, a->a, 16);
	for (size_t i = 0; i < n->nrules; i++) {
		const struct net_rule *r = &n->rules[i];
		if ((r->h.kind == NET_HOST_IP4 || r->h.kind == NET_HOST_IP6) && net_host_matches(&r->h, &t, port))
			return true;
	}
	return false;
}

static const char *errno_name(int e)
{
	switch (e) {
	case ECONNREFUSED: return "ECONNREFUSED";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case ENETUNREACH: return "ENETUNREACH";
	case ECONNRESET: return "ECONNRESET";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	}
	return "EIO";
}

/* Resolve, filter special addresses, connect: a connected non-blocking socket, or -1 with f filled. */
static int open_upstream(struct conn *c, const struct net_host *t, unsigned port, const struct net_rule *rule,
			 char *addr_out, size_t addr_len, struct failure *f)
{
	struct addr addrs[MAX_ADDRS];
	(void)rule; /* special addresses: any rule naming the address counts, not only the one that matched */
	int n = resolve(c->px, t, addrs, f);
	if (n < 0)
		return -1;
	int usable = 0;
	const char *what = NULL;
	struct addr refused = {0};
	for (int i = 0; i < n; i++) {
		const char *s = net_addr_special(addrs[i].family, addrs[i].a);
		if (s && !addrs[i].test && !address_named(c->px->net, &addrs[i], port)) {
			if (!what) {
				what = s;
				refused = addrs[i];
			}
			continue;
		}
		addrs[usable++] = addrs[i];
	}
	if (!usable) {
		char at[80];
		addr_text(&refused, port, at, sizeof at);
		f->result = "denied";
		f->status = 403;
		f->socks = SOCKS_NOT_ALLOWED;
		if (n == 0) {
			f->result = "failed";
			f->status = 502;
			f->socks = SOCKS_HOST_UNREACHABLE;
			snprintf(f->reason, sizeof f->reason, "%s has no address", t->name);
			return -1;
		}
		if (t->kind == NET_HOST_NAME)
			snprintf(f->reason, sizeof f->reason,
				 "%s resolves to %s, %s, which guard refuses unless a rule names that address itself", t->name,
				 at, what);
		else
			snprintf(f->reason, sizeof f->reason,
				 "%s is %s, which guard refuses unless a rule names that address itself", at, what);
		snprintf(f->suggest, sizeof f->suggest, "%s", at);
		return -1;
	}
	long long deadline = now_ms() + CONNECT_MS;
	int last = ECONNREFUSED;
	for (int i = 0; i < usable; i++) {
		struct sockaddr_storage ss = {0};
		socklen_t len;
		if (addrs[i].family == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *)&ss;
			in->sin_family = AF_INET;
			in->sin_port = htons((uint16_t)port);
			memcpy(&in->sin_addr, addrs[i].a, 4);
			len = sizeof *in;
		} else {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
			in6->sin6_family = AF_INET6;
			in6->sin6_port = htons((uint16_t)port);
			memcpy(&in6->sin6_addr, addrs[i].a, 16);
			len = sizeof *in6;
		}
		int fd = socket(addrs[i].family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			last = errno;
			continue;
		}
		/* Published so stop() can cut a connect that hangs. */
		pthread_mutex_lock(&c->px->mu);
		c->ufd = fd;
		pthread_mutex_unlock(&c->px->mu);
		int rc = connect(fd, (struct sockaddr *)&ss, len);
		if (rc != 0 && errno == EINPROGRESS) {
			long long left = (deadline - now_ms()) / (usable - i);
			int ev = wait_for(fd, POLLOUT, now_ms() + (left > 1000 ? left : 1000));
			int err = ev ? 0 : ETIMEDOUT;
			socklen_t el = sizeof err;
			if (ev)
				getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
			rc = err ? -1 : 0;
			errno = err;
		}
		if (rc == 0) {
			int one = 1;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
			addr_text(&addrs[i], port, addr_out, addr_len);
			return fd;
		}
		last = errno;
		pthread_mutex_lock(&c->px->mu);
		c->ufd = -1;
		pthread_mutex_unlock(&c->px->mu);
		close(fd);
	}
	f->result = "failed";
	f->status = last == ETIMEDOUT ? 504 : 502;
	f->socks = last == ECONNREFUSED ? SOCKS_REFUSED : last == ENETUNREACH ? SOCKS_NET_UNREACHABLE
							: SOCKS_HOST_UNREACHABLE;
	f->err = errno_name(last);
	snprintf(f->reason, sizeof f->reason, "connecting to %s: %s", t->name, strerror(last));
	return -1;
}

/* Check and connect; on success c holds the new upstream (the previous one is closed and logged). */
static bool reach(struct conn *c, const struct net_host *t, unsigned port, const char *via, struct failure *f)
{
	const struct net_rule *rule = decide(c->px, t, port, f);
	if (!rule)
		return false;
	char addr[64] = "";
	close_upstream(c);
	int fd = open_upstream(c, t, port, rule, addr, sizeof addr, f);
	if (fd < 0) {
		if (!f->suggest[0])
			suggest_entry(f, t->name, port);
		return false;
	}
	c->via = via;
	snprintf(c->host, sizeof c->host, "%s", t->name);
	c->port = port;
	c->rule = rule;
	snprintf(c->addr, sizeof c->addr, "%s", addr);
	c->start = now_ms();
	c->up = c->down = 0;
	c->requests = 0;
	return true;
}

static const struct net_rule *failure_rule(struct conn *c, const struct net_host *t, unsigned port)
{
	return match_rule(c->px->net, t, port);
}

/* ---- tunnels ------------------------------------------------------------------------------------------- */

static void tunnel(struct conn *c)
{
	if (c->in_len) {
		if (send_all(c->ufd, c->in, c->in_len, 10000) != 0)
			return;
		c->up += c->in_len;
		c->in_len = 0;
	}
	if (c->uin_len) {
		if (send_all(c->cfd, c->http->uin, c->uin_len, 10000) != 0)
			return;
		c->down += c->uin_len;
		c->uin_len = 0;
	}
	guard_net_relay(c->cfd, c->ufd, &c->up, &c->down);
}

static void do_connect(struct conn *c, const struct proxy_request *r)
{
	struct failure f = {0};
	char target[PROXY_HOST_MAX + 16];
	net_host_port_text(target, sizeof target, r->host, r->port);
	consume_in(c, r->head_len);
	if (!reach(c, &r->target, r->port, "connect", &f)) {
		log_failure(c, r->host, r->port, "connect", &f, failure_rule(c, &r->target, r->port));
		refuse_http(c, target, &f, false);
		return;
	}
	static const char ok[] = "HTTP/1.1 200 Connection established\r\nProxy-Agent: guard\r\n\r\n";
	c->requests = 1;
	if (send_all(c->cfd, ok, sizeof ok - 1, 10000) == 0)
		tunnel(c);
	close_upstream(c);
}

/* ---- SOCKS --------------------------------------------------------------------------------------------- */

static void socks_reply(struct conn *c, int code)
{
	unsigned char r[10] = {5, (unsigned char)code, 0, 1, 0, 0, 0, 0, 0, 0};
	send_all(c->cfd, (const char *)r, sizeof r, 5000);
}

static void do_socks5(struct conn *c)
{
	long long deadline = now_ms() + HEAD_MS;
	size_t used;
	bool noauth;
	int rc;
	while ((rc = proxy_socks5_greeting((unsigned char *)c->in, c->in_len, &used, &noauth)) == PROXY_NEED_MORE)
		if (read_client(c, deadline) <= 0)
			return;
	if (rc != PROXY_OK)
		return;
	consume_in(c, used);
	if (send_all(c->cfd, noauth ? "\x05\x00" : "\x05\xff", 2, 5000) != 0 || !noauth)
		return;
	struct proxy_socks_request r;
	while ((rc = proxy_socks5_request((unsigned char *)c->in, c->in_len, &r)) == PROXY_NEED_MORE)
		if (read_client(c, deadline) <= 0)
			return;
	if (rc != PROXY_OK) {
		if (r.reply == SOCKS_HOST_UNREACHABLE || r.reply == SOCKS_NOT_ALLOWED)
			log_event(c->px, "(invalid)", r.port, "socks5", "failed", NULL,
				  "a SOCKS request for an invalid host name or port 0", NULL, 0, 0, 0, 1, NULL);
		socks_reply(c, r.reply);
		return;
	}
	consume_in(c, r.len);
	struct failure f = {0};
	if (!reach(c, &r.target, r.port, "socks5", &f)) {
		log_failure(c, r.host, r.port, "socks5", &f, failure_rule(c, &r.target, r.port));
		socks_reply(c, f.socks);
		return;
	}
	c->requests = 1;
	socks_reply(c, SOCKS_OK);
	tunnel(c);
	close_upstream(c);
}

/* ---- plain HTTP (absolute-URI requests) --------------------------------------------------------------- */

static bool out_add(struct conn *c, const char *s, size_t n)
{
	if (c->out_len + n > OUT_CAP)
		return false;
	memcpy(c->http->out + c->out_len, s, n);
	c->out_len += n;
	return true;
}

static bool out_str(struct conn *c, const char *s)
{
	return out_add(c, s, strlen(s));
}

static bool header_is(const struct proxy_header *h, const char *name)
{
	return h->name_len == strlen(name) && strncasecmp(h->name, name, h->name_len) == 0;
}

/* The request as the upstream gets it: origin-form target, the URI's authority as Host, no hop-by-hop fields. */
static bool build_request(struct conn *c, const struct proxy_request *r)
{
	c->out_len = c->out_off = 0;
	char host[PROXY_HOST_MAX + 16];
	if (r->port == 80)
		snprintf(host, sizeof host, strchr(r->host, ':') ? "[%s]" : "%s", r->host);
	else
		net_host_port_text(host, sizeof host, r->host, r->port);
	bool ok = out_add(c, r->method, r->method_len) && out_str(c, " ");
	if (r->path_len == 0 || r->path[0] != '/')
		ok = ok && out_str(c, "/");
	ok = ok && out_add(c, r->path, r->path_len) && out_str(c, " HTTP/1.1\r\nHost: ") && out_str(c, host) &&
	     out_str(c, "\r\n");
	for (size_t i = 0; ok && i < r->nh; i++) {
		const struct proxy_header *h = &r->h[i];
		if (header_is(h, "host") || proxy_header_hop(h, r->h, r->nh, r->upgrade))
			continue;
		ok = out_add(c, h->name, h->name_len) && out_str(c, ": ") && out_add(c, h->value, h->value_len) &&
		     out_str(c, "\r\n");
	}
	if (r->upgrade)
		ok = ok && out_str(c, "Connection: Upgrade\r\n");
	else if (r->close)
		ok = ok && out_str(c, "Connection: close\r\n");
	return ok && out_str(c, "\r\n");
}

static bool build_response(struct conn *c, const char *buf, const struct proxy_response *s, bool close, bool client10)
{
	c->out_len = c->out_off = 0;
	const char *eol = memchr(buf, '\n', s->head_len);
	size_t l = eol ? (size_t)(eol - buf) : 0;
	if (l && buf[l - 1] == '\r')
		l--;
	bool ok = out_add(c, buf, l) && out_str(c, "\r\n");
	for (size_t i = 0; ok && i < s->nh; i++) {
		const struct proxy_header *h = &s->h[i];
		if (proxy_header_hop(h, s->h, s->nh, s->status == 101))
			continue;
		ok = out_add(c, h->name, h->name_len) && out_str(c, ": ") && out_add(c, h->value, h->value_len) &&
		     out_str(c, "\r\n");
	}
	if (s->status == 101)
		ok = ok && out_str(c, "Connection: Upgrade\r\n");
	else if (close)
		ok = ok && out_str(c, "Connection: close\r\n");
	else if (client10)
		ok = ok && out_str(c, "Connection: keep-alive\r\n");
	return ok && out_str(c, "\r\n");
}

enum xresult { X_KEEP, X_KEEP_CLIENT, X_CLOSE, X_FAIL, X_UPGRADE }; /* X_KEEP_CLIENT: the upstream closes */

/* One request and its response, both directions at once (a server may answer before it has read the body,
 * and Expect: 100-continue needs the 100 through before the body comes). */
static enum xresult exchange(struct conn *c, const struct proxy_request *r)
{
	if (!build_request(c, r))
		return X_FAIL;
	consume_in(c, r->head_len);
	bool head_method = r->method_len == 4 && !strncasecmp(r->method, "HEAD", 4);
	/* request body */
	long long a_left = r->chunked ? 0 : (r->content_length > 0 ? r->content_length : 0);
	struct proxy_chunked ach = {0};
	bool a_complete = !r->chunked && a_left == 0, a_client_eof = false;
	size_t a_pend = 0;
	bool req_head_sent = false;
	/* response */
	enum { B_HEAD, B_BODY, B_DONE } bs = B_HEAD;
	struct proxy_response s;
	long long b_left = 0;
	struct proxy_chunked bch = {0};
	bool b_chunked = false, b_until_close = false, b_complete = false, resp_close = false, sent_any = false;
	size_t b_pend = 0;
	size_t rs_len = 0, rs_off = 0; /* the response head in c->out once the request head is out */
	bool upgrade = false;
	long long idle_deadline = now_ms() + EXCHANGE_MS;

	for (;;) {
		bool progress = false, want_cin = false, want_uin = false;
		/* A: request head, then body */
		if (!req_head_sent) {
			ssize_t k = send(c->ufd, c->http->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (k > 0) {
				c->out_off += (size_t)k;
				c->up += (unsigned long long)k;
				progress = true;
				if (c->out_off == c->out_len) {
					req_head_sent = true;
					c->out_len = c->out_off = 0;
				}
			} else if (k < 0 && errno != EAGAIN && errno != EINTR) {
				return X_FAIL;
			}
		} else if (!a_complete || a_pend) {
			if (a_pend == 0 && c->in_len && !a_complete) {
				if (r->chunked) {
					bool done;
					long k = proxy_chunked_feed(&ach, c->in, c->in_len, &done);
					if (k < 0)
						return X_FAIL;
					a_pend = (size_t)k;
					a_complete = done;
				} else {
					a_pend = c->in_len < (size_t)a_left ? c->in_len : (size_t)a_left;
					a_left -= (long long)a_pend;
					a_complete = a_left == 0;
				}
			}
			if (a_pend) {
				ssize_t k = send(c->ufd, c->in, a_pend, MSG_NOSIGNAL | MSG_DONTWAIT);
				if (k > 0) {
					consume_in(c, (size_t)k);
					a_pend -= (size_t)k;
					c->up += (unsigned long long)k;
					progress = true;
				} else if (k < 0 && errno != EAGAIN && errno != EINTR) {
					return X_FAIL;
				}
			} else if (!a_complete && !a_client_eof) {
				ssize_t k = recv(c->cfd, c->in + c->in_len, sizeof c->in - c->in_len, MSG_DONTWAIT);
				if (k > 0) {
					c->in_len += (size_t)k;
					progress = true;
				} else if (k == 0 || (errno != EAGAIN && errno != EINTR)) {
					a_client_eof = true; /* the body will never be complete */
					return X_FAIL;
				} else {
					want_cin = true;
				}
			}
		}
		/* B: the response head (through c->out once the request head is gone), then its body */
		if (rs_off < rs_len) {
			ssize_t k = send(c->cfd, c->http->out + rs_off, rs_len - rs_off, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (k > 0) {
				rs_off += (size_t)k;
				c->down += (unsigned long long)k;
				progress = sent_any = true;
			} else if (k < 0 && errno != EAGAIN && errno != EINTR) {
				return X_FAIL;
			}
		} else if (bs == B_HEAD && req_head_sent) {
			int rc = c->uin_len ? proxy_parse_response(c->http->uin, c->uin_len, &s) : PROXY_NEED_MORE;
			if (rc == PROXY_BAD) {
				if (!sent_any)
					reply(c, 502, NULL, "guard's proxy: the upstream server sent a malformed response\n", false);
				return X_FAIL;
			}
			if (rc == PROXY_OK) {
				bool interim = s.status >= 100 && s.status < 200 && s.status != 101;
				upgrade = s.status == 101 && r->upgrade;
				if (s.status == 101 && !r->upgrade)
					return X_FAIL;
				bool no_body = interim || upgrade || head_method || s.status == 204 || s.status == 304;
				b_chunked = !no_body && s.chunked;
				b_left = !no_body && !s.chunked && s.content_length >= 0 ? s.content_length : 0;
				b_until_close = !no_body && !s.chunked && s.content_length < 0;
				resp_close = s.close || b_until_close;
				/* The client's connection outlives an upstream that closes, unless the body is framed by
				 * that close or the request's own body was not all read. */
				bool client_close = r->close || b_until_close || !a_complete;
				if (!build_response(c, c->http->uin, &s, !interim && client_close, r->minor == 0))
					return X_FAIL;
				rs_len = c->out_len;
				rs_off = 0;
				memmove(c->http->uin, c->http->uin + s.head_len, c->uin_len - s.head_len);
				c->uin_len -= s.head_len;
				if (interim)
					bs = B_HEAD; /* the final response follows */
				else if (no_body || (!b_chunked && !b_until_close && b_left == 0))
					bs = B_DONE;
				else
					bs = B_BODY;
				progress = true;
			} else {
				want_uin = true;
			}
		} else if (bs == B_BODY) {
			if (b_pend == 0 && c->uin_len) {
				if (b_chunked) {
					bool done;
					long k = proxy_chunked_feed(&bch, c->http->uin, c->uin_len, &done);
					if (k < 0)
						return X_FAIL;
					b_pend = (size_t)k;
					b_complete = done;
				} else if (b_until_close) {
					b_pend = c->uin_len;
				} else {
					b_pend = c->uin_len < (size_t)b_left ? c->uin_len : (size_t)b_left;
					b_left -= (long long)b_pend;
					b_complete = b_left == 0;
				}
			}
			if (b_pend) {
				ssize_t k = send(c->cfd, c->http->uin, b_pend, MSG_NOSIGNAL | MSG_DONTWAIT);
				if (k > 0) {
					memmove(c->http->uin, c->http->uin + k, c->uin_len - (size_t)k);
					c->uin_len -= (size_t)k;
					b_pend -= (size_t)k;
					c->down += (unsigned long long)k;
					progress = sent_any = true;
				} else if (k < 0 && errno != EAGAIN && errno != EINTR) {
					return X_FAIL;
				}
			} else if (b_complete) {
				bs = B_DONE;
				progress = true;
			} else {
				want_uin = true;
			}
		}
		/* upstream bytes, when the response needs them */
		if (want_uin && c->uin_len < UIN_CAP) {
			ssize_t k = recv(c->ufd, c->http->uin + c->uin_len, UIN_CAP - c->uin_len, MSG_DONTWAIT);
			if (k > 0) {
				c->uin_len += (size_t)k;
				progress = true;
				want_uin = false;
			} else if (k == 0 || (errno != EAGAIN && errno != EINTR)) {
				if (bs == B_BODY && b_until_close) {
					bs = B_DONE;
					progress = true;
					want_uin = false;
				} else {
					if (!sent_any)
						reply(c, 502, NULL,
						      "guard's proxy: the upstream server closed the connection without an "
						      "answer\n", false);
					return X_FAIL;
				}
			}
		} else if (want_uin) {
			return X_FAIL; /* a response head larger than the buffer */
		}
		if (bs == B_DONE && rs_off == rs_len && b_pend == 0) {
			if (upgrade)
				return X_UPGRADE;
			if (!a_complete || a_pend)
				return X_CLOSE; /* answered before the body ended: the connection can't be reused */
			if (r->close || b_until_close)
				return X_CLOSE;
			return resp_close ? X_KEEP_CLIENT : X_KEEP;
		}
		if (progress) {
			idle_deadline = now_ms() + EXCHANGE_MS;
			continue;
		}
		struct pollfd p[2] = {{c->cfd, 0, 0}, {c->ufd, 0, 0}};
		if (want_cin)
			p[0].events |= POLLIN;
		if (rs_off < rs_len || b_pend)
			p[0].events |= POLLOUT;
		if (!req_head_sent || a_pend)
			p[1].events |= POLLOUT;
		if (want_uin)
			p[1].events |= POLLIN;
		long long left = idle_deadline - now_ms();
		if (left <= 0)
			return X_FAIL;
		int pr = poll(p, 2, left > 60000 ? 60000 : (int)left);
		if (pr < 0 && errno != EINTR)
			return X_FAIL;
		for (int i = 0; i < 2; i++)
			if (p[i].revents & (POLLERR | POLLNVAL))
				return X_FAIL;
		if (pr > 0 && (p[0].revents & POLLHUP) && !(p[0].events & POLLIN))
			return X_FAIL;
	}
}

/* Is the kept upstream still usable (no EOF, no stray bytes waiting)? */
static bool upstream_idle_ok(struct conn *c)
{
	struct pollfd p = {c->ufd, POLLIN, 0};
	return c->uin_len == 0 && poll(&p, 1, 0) == 0;
}

static void bad_request(struct conn *c, const struct proxy_request *r)
{
	char body[512];
	snprintf(body, sizeof body, "guard's proxy: %s.\n", r->error ? r->error : "bad request");
	reply(c, r->status ? r->status : 400, NULL, body, false);
}

static void do_http(struct conn *c)
{
	bool first = true;
	for (;;) {
		struct proxy_request r;
		long long deadline = now_ms() + (first ? HEAD_MS : IDLE_MS);
		int rc;
		while ((rc = proxy_parse_request(c->in, c->in_len, &r)) == PROXY_NEED_MORE) {
			ssize_t k = read_client(c, deadline);
			if (k <= 0) {
				if (k < 0) {
					r.status = 431;
					r.error = "request head larger than 32 KiB";
					bad_request(c, &r);
				}
				return;
			}
		}
		if (rc == PROXY_BAD) {
			bad_request(c, &r);
			return;
		}
		first = false;
		if (r.connect) {
			close_upstream(c);
			do_connect(c, &r);
			return;
		}
		char target[PROXY_HOST_MAX + 16];
		net_host_port_text(target, sizeof target, r.host, r.port);
		bool reuse = c->ufd >= 0 && c->port == r.port && !strcmp(c->host, r.host) && upstream_idle_ok(c);
		if (!reuse) {
			struct failure f = {0};
			if (!reach(c, &r.target, r.port, "http", &f)) {
				log_failure(c, r.host, r.port, "http", &f, failure_rule(c, &r.target, r.port));
				bool body = r.chunked || r.content_length > 0;
				consume_in(c, r.head_len);
				refuse_http(c, target, &f, !body && !r.close);
				if (body || r.close)
					return;
				continue;
			}
		}
		if (!c->http && !(c->http = malloc(sizeof *c->http))) {
			reply(c, 503, NULL, "guard's proxy: out of memory\n", false);
			return;
		}
		c->requests++;
		enum xresult x = exchange(c, &r);
		if (x == X_UPGRADE) {
			tunnel(c);
			close_upstream(c);
			return;
		}
		if (x == X_KEEP_CLIENT) {
			close_upstream(c);
			continue;
		}
		if (x != X_KEEP) {
			close_upstream(c);
			return;
		}
	}
}

/* ---- connections --------------------------------------------------------------------------------------- */

static void serve_conn(struct conn *c)
{
	struct guard_proxy *px = c->px;
	int one = 1;
	setsockopt(c->cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	long long deadline = now_ms() + FIRST_BYTE_MS;
	if (read_client(c, deadline) > 0) {
		unsigned char b = (unsigned char)c->in[0];
		if (b == 5)
			do_socks5(c);
		else if (b == 4)
			send_all(c->cfd, "\x00\x5b\x00\x00\x00\x00\x00\x00", 8, 5000); /* SOCKS4: rejected */
		else
			do_http(c);
	}
	close_upstream(c);
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

#define MAX_IDLE 16     /* workers kept waiting for the next connection */
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
		static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
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
		struct pollfd p[2] = {{px->chan_fd, POLLIN, 0}, {px->stop[0], POLLIN, 0}};
		while (poll(p, 2, -1) < 0 && errno == EINTR)
			;
		if (p[1].revents)
			return NULL;
		int fd;
		pthread_mutex_lock(&px->net->chan_mu);
		char tag = guard_fd_recv(px->chan_fd, &fd);
		pthread_mutex_unlock(&px->net->chan_mu);
		if (tag != 'L' || fd < 0) {
			if (fd >= 0)
				close(fd);
			return NULL;
		}
		px->listen_fd = fd;
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
		int fd = accept4(px->listen_fd, NULL, NULL, SOCK_CLOEXEC);
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
	load_test_hosts(px);
	if (pipe2(px->stop, O_CLOEXEC) != 0)
		guard_die_errno(NULL, "pipe");
	px->acceptor_running = pthread_create(&px->acceptor, NULL, acceptor_main, px) == 0;
	if (!px->acceptor_running)
		guard_note("could not start the network proxy: %s", strerror(errno));
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
