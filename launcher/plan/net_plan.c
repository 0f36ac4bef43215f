/* Planning the network (net.h): the mode, the proxy's port, seccomp socket options, host sockets let in, published
 * ports, and the environment tools read. All of it is decided on the host before anything is forked, so a dry run
 * shows exactly what a run applies. How a platform's boundary enforces it (Landlock TCP rules, host sockets bound
 * in or covered) is its own part of the plan (sandbox/linux/plan_linux.c, landlock_linux.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cloexec.h"
#include "plan/net_state.h"
#include "policy/policy_api.h"

static struct guard_net *net_of(const struct guard_plan *plan)
{
	return plan->net;
}

enum guard_net_mode guard_net_mode_of(const struct guard_plan *plan)
{
	return plan->net ? plan->net->mode : GUARD_NET_NONE;
}

static void copy_rules(struct guard_net *n, const struct guard_policy *p)
{
	n->rules = guard_xmalloc((p->nnet_allow ? p->nnet_allow : 1) * sizeof *n->rules);
	for (size_t i = 0; i < p->nnet_allow; i++) {
		const struct guard_net_rule *src = &p->net_allow[i];
		struct net_rule *r = &n->rules[n->nrules];
		char why[256], hint[256];
		if (net_host_pattern_parse(src->written, &r->h, why, sizeof why, hint, sizeof hint) != 0)
			continue; /* validated when loaded: cannot happen */
		r->r = *src;
		r->r.written = guard_xstrdup(src->written);
		r->r.host = guard_xstrdup(src->host);
		r->r.at.file = guard_xstrdup(src->at.file ? src->at.file : "");
		n->nrules++;
		if (r->h.kind == NET_HOST_ANY && r->h.port == GUARD_NET_PORT_ANY)
			n->mode = GUARD_NET_OPEN;
		else if (n->mode == GUARD_NET_NONE)
			n->mode = GUARD_NET_PROXY;
	}
}

/* Where a rule names a service on the host's loopback: 127.x.y.z (IPv4), ::1 (IPv6) or localhost (both). */
static bool loopback_rule(const struct net_host *h, bool *v4, bool *v6, unsigned char addr4[4])
{
	static const unsigned char one6[16] = {[15] = 1};
	*v4 = *v6 = false;
	memcpy(addr4, (const unsigned char[4]){127, 0, 0, 1}, 4);
	if (h->kind == NET_HOST_IP4 && h->addr[0] == 127) {
		*v4 = true;
		memcpy(addr4, h->addr, 4);
	} else if (h->kind == NET_HOST_IP6 && memcmp(h->addr, one6, 16) == 0) {
		*v6 = true;
	} else if (h->kind == NET_HOST_NAME && strcmp(h->name, "localhost") == 0) {
		*v4 = *v6 = true;
	}
	return *v4 || *v6;
}

static void add_forward(struct guard_net *n, unsigned port, bool v4, bool v6, const unsigned char addr4[4],
			const struct net_rule *rule)
{
	for (size_t i = 0; i < n->nfwd; i++) {
		struct net_forward *f = &n->fwd[i];
		if (f->port != port)
			continue;
		if (!v4 || !f->v4 || memcmp(f->addr4, addr4, 4) == 0) {
			if (v4 && !f->v4)
				memcpy(f->addr4, addr4, 4);
			f->v4 |= v4;
			f->v6 |= v6;
			return;
		}
		v6 &= !f->v6; /* another IPv4 loopback address on the same port: ::1 is served once */
	}
	n->fwd[n->nfwd++] =
		(struct net_forward){port, v4, v6, {addr4[0], addr4[1], addr4[2], addr4[3]}, rule, {-1, -1}};
}

/* network.allow entries that name the host's loopback with a port become forwards: the service answers at the same
 * address inside the sandbox. A port that is also published would answer in both directions at once: refused. */
static void plan_forwards(struct guard_plan *plan, struct guard_net *n, const struct guard_policy *p)
{
	n->fwd = guard_xmalloc((2 * n->nrules + 1) * sizeof *n->fwd);
	if (n->mode != GUARD_NET_PROXY)
		return; /* none: nothing named; open: the host's loopback is the sandbox's */
	for (size_t i = 0; i < n->nrules; i++) {
		const struct net_rule *r = &n->rules[i];
		bool v4, v6;
		unsigned char a4[4];
		if (!loopback_rule(&r->h, &v4, &v6, a4))
			continue;
		if (r->h.port == GUARD_NET_PORT_ANY) {
			guard_strv_push(
				&plan->notes,
				guard_xasprintf("network.allow %s (%s:%u): the host's loopback is forwarded into the "
						"sandbox port by port: with :* it is reached only through guard's "
						"proxy; name the ports (%s:11434) to use them directly",
						r->r.written, r->r.at.file, r->r.at.line,
						r->h.kind == NET_HOST_IP6 ? "[::1]" : r->h.name));
			continue;
		}
		if (r->h.port == GUARD_NET_PORT_WEB) {
			add_forward(n, 80, v4, v6, a4, r);
			add_forward(n, 443, v4, v6, a4, r);
		} else {
			add_forward(n, r->h.port, v4, v6, a4, r);
		}
	}
	for (size_t i = 0; i < n->nfwd; i++)
		for (size_t k = 0; k < p->npublish; k++)
			if (p->publish[k].port == n->fwd[i].port)
				guard_die(
					"publish another port, or reach the host's service on another one",
					"network.publish %u (%s:%u) and network.allow %s (%s:%u) name the same port in "
					"opposite directions: the sandbox's own server and the host's service can't "
					"both "
					"answer there",
					p->publish[k].port, p->publish[k].at.file, p->publish[k].at.line,
					n->fwd[i].rule->r.written, n->fwd[i].rule->r.at.file,
					n->fwd[i].rule->r.at.line);
}

/* A TCP listening socket on the host's loopback (family AF_INET or AF_INET6); -1 with errno. */
static int listen_loopback(int family, unsigned port, unsigned *bound)
{
	int fd = guard_socket_cloexec(family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_storage ss = {0};
	socklen_t len;
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof *in;
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		in6->sin6_addr = in6addr_loopback;
		len = sizeof *in6;
	}
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 128) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (bound) {
		len = sizeof ss;
		getsockname(fd, (struct sockaddr *)&ss, &len);
		*bound = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
						 : ((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	return fd;
}

/* "$SSH_AUTH_SOCK", "$XDG_RUNTIME_DIR/x.sock", "~/x.sock", "/abs": the host path, or NULL (with a note why). */
static char *resolve_socket(const struct guard_net_socket *s, const char *home, char **keep)
{
	const char *w = s->written;
	char *path = NULL;
	*keep = NULL;
	if (w[0] == '$') {
		size_t n = strcspn(w + 1, "/");
		char *name = guard_xasprintf("%.*s", (int)n, w + 1);
		const char *val = getenv(name);
		if (!val || val[0] != '/') {
			guard_note("network.host_sockets %s (%s:%u): $%s is %s: nothing bound", w, s->at.file,
				   s->at.line, name, val ? "not an absolute path" : "not set");
			free(name);
			return NULL;
		}
		path = guard_xasprintf("%s%s", val, w + 1 + n);
		if (!w[1 + n])
			*keep = guard_xasprintf("%s=%s", name, val);
		free(name);
	} else if (w[0] == '~') {
		path = guard_path_join(home, w + 2);
	} else {
		path = guard_xstrdup(w);
	}
	char *real = realpath(path, NULL);
	struct stat st;
	if (!real || stat(real, &st) != 0 || !S_ISSOCK(st.st_mode)) {
		guard_note("network.host_sockets %s (%s:%u): %s %s: nothing bound", w, s->at.file, s->at.line, path,
			   !real ? "does not exist" : "is not a socket");
		free(real);
		free(path);
		free(*keep);
		*keep = NULL;
		return NULL;
	}
	free(path);
	return real;
}

static bool root_equivalent(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return strstr(base, "docker") || strstr(base, "podman") || strstr(base, "containerd") ||
	       strcmp(base, "libvirt-sock") == 0;
}

static void plan_host_sockets(struct guard_plan *plan, struct guard_net *n, const struct guard_policy *p)
{
	static bool warned; /* the plan is built again when namespaces fail: warn once */
	n->socks = guard_xmalloc((p->nhost_sockets ? p->nhost_sockets : 1) * sizeof *n->socks);
	for (size_t i = 0; i < p->nhost_sockets; i++) {
		const struct guard_net_socket *s = &p->host_sockets[i];
		char *keep;
		char *path = resolve_socket(s, plan->home, &keep);
		if (!path)
			continue;
		n->socks[n->nsocks++] = (struct net_host_socket){guard_xstrdup(s->written), path, keep};
		if (root_equivalent(path) && !warned)
			guard_note(
				"warning: network.host_sockets %s (%s:%u): %s is root-equivalent: whatever runs in the "
				"sandbox can start a privileged container that mounts the host's / and escapes every "
				"rule guard applies",
				s->written, s->at.file, s->at.line, path);
	}
	if (n->nsocks)
		warned = true;
}

static void plan_publish(struct guard_plan *plan, struct guard_net *n, const struct guard_policy *p)
{
	n->pub = guard_xmalloc((p->npublish ? p->npublish : 1) * sizeof *n->pub);
	for (size_t i = 0; i < p->npublish; i++) {
		bool dup = false;
		for (size_t k = 0; k < n->npub; k++)
			dup |= n->pub[k].port == p->publish[i].port;
		if (dup)
			continue;
		struct net_publish *x = &n->pub[n->npub++];
		*x = (struct net_publish){p->publish[i].port, p->publish[i].at, {-1, -1}};
		if (!n->isolated)
			continue; /* the sandbox binds the host's ports itself (Landlock rules say which) */
		x->fd[0] = listen_loopback(AF_INET, x->port, NULL);
		if (x->fd[0] < 0)
			guard_die("stop what listens there, or publish another port",
				  "network.publish %u (%s:%u): cannot listen on the host's 127.0.0.1:%u: %s", x->port,
				  x->at.file, x->at.line, x->port, strerror(errno));
		x->fd[1] = listen_loopback(AF_INET6, x->port, NULL); /* browsers try ::1 first; optional */
	}
	(void)plan;
}

void guard_net_plan_build(struct guard_plan *plan, const struct guard_plan_input *in)
{
	struct guard_net *n = guard_xmalloc(sizeof *n);
	memset(n, 0, sizeof *n);
	n->proxy_fd = n->chan[0] = n->chan[1] = n->pub_stop[0] = n->pub_stop[1] = -1;
	n->proxy_listen = n->fwd_stop[0] = n->fwd_stop[1] = -1;
	n->sandbox = in->mode;
	n->quiet = in->quiet;
	n->agent = in->agent;
	pthread_mutex_init(&n->chan_mu, NULL);
	pthread_mutex_init(&n->fwd_mu, NULL);
	pthread_cond_init(&n->fwd_cv, NULL);
	pthread_cond_init(&n->listeners_cv, NULL);
	plan->net = n;
	copy_rules(n, in->policy);
	n->allow_private = in->policy->allow_private.set && in->policy->allow_private.value;
	n->private_at = in->policy->allow_private.at;
	n->private_at.file = guard_xstrdup(n->private_at.file ? n->private_at.file : "");
	plan_forwards(plan, n, in->policy);
	const char *th = getenv("GUARD_TEST_HOSTS");
	n->test_hosts = th && th[0] == '/' ? th : NULL;
	bool ns = in->mode == GUARD_MODE_NAMESPACES;
	bool tcp = in->port_rules; /* Landlock TCP rules (ABI 4) */

	plan->seccomp.deny_inet = plan->seccomp.inet_stream_only = plan->seccomp.net_closed = false;
	if (n->mode == GUARD_NET_OPEN) {
		plan->net_isolated = n->isolated = false;
	} else if (ns) {
		plan->net_isolated = n->isolated = true;
		plan->seccomp.net_closed = true;
	} else {
		/* Landlock-only: the host's network namespace. TCP by Landlock port rules, the rest by seccomp. */
		plan->net_isolated = n->isolated = false;
		plan->seccomp.net_closed = true;
		bool wants_tcp = n->mode == GUARD_NET_PROXY || in->policy->npublish > 0;
		if (wants_tcp && !tcp) {
			if (!in->allow_degraded)
				guard_die("a kernel with Landlock ABI 4 (Linux 6.7+), user namespaces (see `guard "
					  "doctor`), or "
					  "--allow-degraded to run with the network closed",
					  "network.allow/publish need Landlock TCP rules (ABI 4) or a network "
					  "namespace, and this "
					  "kernel has ABI %d without user namespaces",
					  in->abi);
			guard_strv_push(&plan->notes, guard_xstrdup("--allow-degraded: no Landlock TCP rules here, so "
								    "network.allow and publish are not applied: the "
								    "network stays closed"));
			n->mode = GUARD_NET_NONE;
			n->nfwd = 0;
			wants_tcp = false;
		}
		if (wants_tcp)
			plan->seccomp.inet_stream_only = true;
		else
			plan->seccomp.deny_inet = true;
	}

	if (n->mode == GUARD_NET_PROXY) {
		if (ns) {
			n->proxy_port = GUARD_PROXY_PORT;
			for (bool clash = true; clash;) {
				clash = false;
				for (size_t i = 0; i < in->policy->npublish; i++)
					clash |= in->policy->publish[i].port == n->proxy_port;
				for (size_t i = 0; i < n->nfwd; i++)
					clash |= n->fwd[i].port == n->proxy_port;
				n->proxy_port += clash;
			}
		} else {
			n->proxy_fd = listen_loopback(AF_INET, 0, &n->proxy_port);
			if (n->proxy_fd < 0)
				guard_die_errno(NULL, "opening the proxy's socket on 127.0.0.1");
		}
	}
	if (n->isolated)
		plan_publish(plan, n, in->policy);
	else if (in->policy->npublish) {
		plan_publish(plan, n, in->policy);
		if (n->mode == GUARD_NET_OPEN)
			guard_strv_push(&plan->notes,
					guard_xstrdup("network.publish: the network is open: the sandbox's "
						      "ports are the host's own, nothing to forward"));
	}
	n->init_serves = n->isolated && n->npub > 0;
	if (n->isolated && (n->mode == GUARD_NET_PROXY || n->init_serves) &&
	    guard_socketpair_cloexec(AF_UNIX, SOCK_SEQPACKET, 0, n->chan) != 0)
		guard_die_errno(NULL, "socketpair");
	plan_host_sockets(plan, n, in->policy);
	if (n->test_hosts && n->mode == GUARD_NET_PROXY)
		guard_note("GUARD_TEST_HOSTS is set: the proxy resolves names from %s first (a test-only setting)",
			   n->test_hosts);
}

unsigned guard_net_host_proxy_port(const struct guard_plan *plan)
{
	struct guard_net *n = net_of(plan);
	return n && n->mode == GUARD_NET_PROXY && !n->isolated ? n->proxy_port : 0;
}

size_t guard_net_publish_count(const struct guard_plan *plan)
{
	return plan->net ? plan->net->npub : 0;
}

unsigned guard_net_publish_port(const struct guard_plan *plan, size_t i)
{
	return plan->net->pub[i].port;
}

size_t guard_net_forward_count(const struct guard_plan *plan)
{
	return plan->net && plan->net->mode == GUARD_NET_PROXY ? plan->net->nfwd : 0;
}

unsigned guard_net_forward_port(const struct guard_plan *plan, size_t i)
{
	return plan->net->fwd[i].port;
}

const struct guard_net_rule *guard_net_forward_rule(const struct guard_plan *plan, size_t i)
{
	return &plan->net->fwd[i].rule->r;
}

size_t guard_net_host_socket_count(const struct guard_plan *plan)
{
	return plan->net ? plan->net->nsocks : 0;
}

const char *guard_net_host_socket_path(const struct guard_plan *plan, size_t i)
{
	return plan->net->socks[i].path;
}

void guard_net_plan_free(struct guard_plan *plan)
{
	struct guard_net *n = plan->net;
	if (!n)
		return;
	plan->net = NULL;
	pthread_mutex_lock(&n->fwd_mu);
	bool lingering = n->fwd_conns != NULL;
	pthread_mutex_unlock(&n->fwd_mu);
	if (n->proxy || lingering) {
		/* Threads may still hold the structure: leave it to the process's end. */
		return;
	}
	for (size_t i = 0; i < n->nrules; i++) {
		free(n->rules[i].r.written);
		free(n->rules[i].r.host);
		free((char *)n->rules[i].r.at.file);
	}
	free(n->rules);
	free((char *)n->private_at.file);
	for (size_t i = 0; i < n->nsocks; i++) {
		free(n->socks[i].written);
		free(n->socks[i].path);
		free(n->socks[i].keep);
	}
	free(n->socks);
	for (size_t i = 0; i < n->npub; i++)
		for (int k = 0; k < 2; k++)
			if (n->pub[i].fd[k] >= 0)
				close(n->pub[i].fd[k]);
	free(n->pub);
	for (size_t i = 0; i < n->nfwd; i++)
		for (int k = 0; k < 2; k++)
			if (n->fwd[i].fd[k] >= 0)
				close(n->fwd[i].fd[k]);
	free(n->fwd);
	for (int k = 0; k < 2; k++) {
		if (n->chan[k] >= 0)
			close(n->chan[k]);
		if (n->pub_stop[k] >= 0)
			close(n->pub_stop[k]);
		if (n->fwd_stop[k] >= 0)
			close(n->fwd_stop[k]);
	}
	if (n->proxy_listen >= 0)
		close(n->proxy_listen);
	if (n->proxy_fd >= 0)
		close(n->proxy_fd);
	pthread_mutex_destroy(&n->chan_mu);
	pthread_mutex_destroy(&n->fwd_mu);
	pthread_cond_destroy(&n->fwd_cv);
	pthread_cond_destroy(&n->listeners_cv);
	free(n);
}

/* ---- environment -------------------------------------------------------------------------------------- */

static void put(struct guard_strv *ov, const char *name, const char *value)
{
	guard_strv_push(ov, guard_xasprintf("%s=%s", name, value));
}

void guard_net_env(const struct guard_plan *plan, struct guard_strv *ov)
{
	struct guard_net *n = net_of(plan);
	if (!n)
		return;
	for (size_t i = 0; i < n->nsocks; i++)
		if (n->socks[i].keep)
			guard_strv_push(ov, guard_xstrdup(n->socks[i].keep));
	if (n->mode != GUARD_NET_PROXY)
		return;
	char http[64], socks[64], port[16], java[512];
	snprintf(http, sizeof http, "http://127.0.0.1:%u", n->proxy_port);
	snprintf(socks, sizeof socks, "socks5h://127.0.0.1:%u", n->proxy_port);
	snprintf(port, sizeof port, "%u", n->proxy_port);
	static const char *const http_vars[] = {"HTTP_PROXY",
						"http_proxy",
						"HTTPS_PROXY",
						"https_proxy",
						"npm_config_proxy",
						"npm_config_https_proxy",
						"PIP_PROXY",
						"CARGO_HTTP_PROXY",
						"YARN_HTTP_PROXY",
						"YARN_HTTPS_PROXY",
						NULL};
	for (const char *const *v = http_vars; *v; v++)
		put(ov, *v, http);
	put(ov, "ALL_PROXY", socks);
	put(ov, "all_proxy", socks);
	/* The sandbox's own loopback stays direct: its dev servers and tests. */
	put(ov, "NO_PROXY", "localhost,127.0.0.1,::1");
	put(ov, "no_proxy", "localhost,127.0.0.1,::1");
	put(ov, "npm_config_noproxy", "localhost,127.0.0.1,::1");
	put(ov, "NODE_USE_ENV_PROXY", "1");
	/* Java reads no proxy variable; its system properties come from JAVA_TOOL_OPTIONS (kept, ours appended). */
	const char *jto = getenv("JAVA_TOOL_OPTIONS");
	snprintf(java, sizeof java,
		 "%s%s-Dhttp.proxyHost=127.0.0.1 -Dhttp.proxyPort=%u -Dhttps.proxyHost=127.0.0.1 -Dhttps.proxyPort=%u "
		 "-Dhttp.nonProxyHosts=localhost|127.0.0.1|[::1]",
		 jto && *jto ? jto : "", jto && *jto ? " " : "", n->proxy_port, n->proxy_port);
	put(ov, "JAVA_TOOL_OPTIONS", java);
	/* git: configuration through the environment (git >= 2.31), after any the user set that way. */
	const char *gc = getenv("GIT_CONFIG_COUNT");
	long k = gc ? strtol(gc, NULL, 10) : 0;
	if (k < 0 || k > 1000)
		k = 0;
	char name[48], count[24];
	snprintf(name, sizeof name, "GIT_CONFIG_KEY_%ld", k);
	put(ov, name, "http.proxy");
	snprintf(name, sizeof name, "GIT_CONFIG_VALUE_%ld", k);
	put(ov, name, http);
	snprintf(count, sizeof count, "%ld", k + 1);
	put(ov, "GIT_CONFIG_COUNT", count);
	/* For the shim's explanation of direct connects (and for the curious): the proxy and the allowed hosts. */
	put(ov, "GUARD_PROXY", http);
	struct guard_buf_like {
		char *p;
		size_t n;
	} list = {NULL, 0};
	for (size_t i = 0; i < n->nrules; i++) {
		char *next = guard_xasprintf("%s%s%s", list.p ? list.p : "", i ? "," : "", n->rules[i].r.written);
		free(list.p);
		list.p = next;
	}
	put(ov, "GUARD_NET_ALLOW", list.p ? list.p : "");
	free(list.p);
}
