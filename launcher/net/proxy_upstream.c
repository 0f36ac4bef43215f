/* guard's proxy, the way to the upstream: the rule that allows a target, resolving it (getaddrinfo outside the
 * sandbox, or the test-only GUARD_TEST_HOSTS file), refusing special addresses no rule names, connecting within
 * CONNECT_MS. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/cloexec.h"
#include "lib/fileio.h"
#include "net/proxy_conn.h"
#include "policy/policy_api.h"

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

static const struct net_rule *decide(struct guard_proxy *px, const struct net_host *t, unsigned port, struct failure *f)
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
		proxy_rule_port_text(ports, sizeof ports, host_only->h.port);
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

void proxy_load_test_hosts(struct guard_proxy *px)
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
		if (!ip || net_host_target(ip, strlen(ip), &h) != 0 ||
		    (h.kind != NET_HOST_IP4 && h.kind != NET_HOST_IP6))
			continue;
		for (char *name = strtok_r(NULL, " \t\r", &s2); name && px->nhosts < 256;
		     name = strtok_r(NULL, " \t\r", &s2)) {
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
	static const struct net_host localhost = {.kind = NET_HOST_NAME, .name = "localhost"};
	struct net_host t = {.kind = a->family == AF_INET ? NET_HOST_IP4 : NET_HOST_IP6};
	memcpy(t.addr, a->a, 16);
	for (size_t i = 0; i < n->nrules; i++) {
		const struct net_rule *r = &n->rules[i];
		if ((r->h.kind == NET_HOST_IP4 || r->h.kind == NET_HOST_IP6) && net_host_matches(&r->h, &t, port))
			return true;
		/* localhost:PORT names the host's loopback, whichever address the name resolves to. */
		const char *what = net_addr_special(a->family, a->a);
		if (r->h.kind == NET_HOST_NAME && what && strcmp(what, "a loopback address") == 0 &&
		    net_host_matches(&r->h, &localhost, port))
			return true;
	}
	return false;
}

/* Why guard refuses this address for the target, or NULL: a special address (loopback, link-local, metadata...)
 * unless a rule names it (a GUARD_TEST_HOSTS answer stands for the host's own test server: not special); a
 * private network's address (DNS rebinding into the LAN) unless a rule names it or network.allow_private is on.
 * A test answer is filtered as private like any other: the tests' way to play a rebinding DNS. */
static const char *refused_why(struct conn *c, const struct addr *a, unsigned port, bool *private)
{
	const struct guard_net *n = c->px->net;
	const char *s = net_addr_special(a->family, a->a);
	*private = false;
	if (s)
		return a->test || address_named(n, a, port) ? NULL : s;
	s = net_addr_private(a->family, a->a);
	if (!s || n->allow_private || address_named(n, a, port))
		return NULL;
	*private = true;
	return s;
}

/* Keep the n addresses guard does not refuse (refused_why; any rule naming the address counts, not only the one
 * that matched the target): how many are left, or -1 with f filled when none is. */
static int drop_special(struct conn *c, const struct net_host *t, unsigned port, struct addr *addrs, int n,
			struct failure *f)
{
	int usable = 0;
	const char *what = NULL;
	bool private = false;
	struct addr refused = {0};
	for (int i = 0; i < n; i++) {
		bool p;
		const char *s = refused_why(c, &addrs[i], port, &p);
		if (s) {
			if (!what) {
				what = s;
				private = p;
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
		if (private)
			snprintf(
				f->reason, sizeof f->reason,
				"%s%s%s%s %s: guard keeps the sandbox out of private networks unless a rule names that "
				"address itself or the user sets network.allow_private: true in their own config "
				"(or runs guard with --allow-private-net)",
				t->kind == NET_HOST_NAME ? t->name : "",
				t->kind == NET_HOST_NAME ? " resolves to " : "", at,
				t->kind == NET_HOST_NAME ? "," : " is", what);
		else if (t->kind == NET_HOST_NAME)
			snprintf(f->reason, sizeof f->reason,
				 "%s resolves to %s, %s, which guard refuses unless a rule names that address itself",
				 t->name, at, what);
		else
			snprintf(f->reason, sizeof f->reason,
				 "%s is %s, which guard refuses unless a rule names that address itself", at, what);
		snprintf(f->suggest, sizeof f->suggest, "%s", at);
		return -1;
	}
	return usable;
}

/* Connect to the first of the addresses that answers within CONNECT_MS (shared among them): a connected
 * non-blocking socket, or -1 with f filled. */
static int connect_any(struct conn *c, const struct net_host *t, unsigned port, const struct addr *addrs, int usable,
		       char *addr_out, size_t addr_len, struct failure *f)
{
	long long deadline = proxy_now_ms() + CONNECT_MS;
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
		int fd = guard_socket_cloexec(addrs[i].family, SOCK_STREAM, 0);
		if (fd < 0) {
			last = errno;
			continue;
		}
		guard_fd_nonblock(fd);
		/* Published so stop() can cut a connect that hangs. */
		pthread_mutex_lock(&c->px->mu);
		c->ufd = fd;
		pthread_mutex_unlock(&c->px->mu);
		int rc = connect(fd, (struct sockaddr *)&ss, len);
		if (rc != 0 && errno == EINPROGRESS) {
			long long left = (deadline - proxy_now_ms()) / (usable - i);
			int ev = proxy_wait_for(fd, POLLOUT, proxy_now_ms() + (left > 1000 ? left : 1000));
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
	f->socks = last == ECONNREFUSED  ? SOCKS_REFUSED
		   : last == ENETUNREACH ? SOCKS_NET_UNREACHABLE
					 : SOCKS_HOST_UNREACHABLE;
	f->err = guard_errno_name(last, f->errbuf, sizeof f->errbuf);
	snprintf(f->reason, sizeof f->reason, "connecting to %s: %s", t->name, strerror(last));
	return -1;
}

/* Resolve, filter special addresses, connect: a connected non-blocking socket, or -1 with f filled. */
static int open_upstream(struct conn *c, const struct net_host *t, unsigned port, char *addr_out, size_t addr_len,
			 struct failure *f)
{
	struct addr addrs[MAX_ADDRS];
	int n = resolve(c->px, t, addrs, f);
	if (n < 0)
		return -1;
	int usable = drop_special(c, t, port, addrs, n, f);
	if (usable < 0)
		return -1;
	return connect_any(c, t, port, addrs, usable, addr_out, addr_len, f);
}

/* Check and connect; on success c holds the new upstream (the previous one is closed and logged). */
bool proxy_reach(struct conn *c, const struct net_host *t, unsigned port, const char *via, struct failure *f)
{
	const struct net_rule *rule = decide(c->px, t, port, f);
	if (!rule)
		return false;
	char addr[64] = "";
	proxy_close_upstream(c);
	int fd = open_upstream(c, t, port, addr, sizeof addr, f);
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
	c->start = proxy_now_ms();
	c->up = c->down = 0;
	c->requests = 0;
	/* The client process, looked up while this connected (proxy_client.c), is known before the client gets its
	 * answer: it still holds its end now, where a short request's client may be gone by the log line. */
	proxy_conn_client(c);
	return true;
}

const struct net_rule *proxy_failure_rule(struct conn *c, const struct net_host *t, unsigned port)
{
	return match_rule(c->px->net, t, port);
}
