/* Internal to the network module (net_plan.c, net_linux.c, proxy_server.c; plan_print.c reads it for --dry-run): a
 * session's network plan and the runtime state hanging off it. The plan part is fixed before anything is forked;
 * the runtime part lives in the supervisor only. */
#ifndef GUARD_NET_STATE_H
#define GUARD_NET_STATE_H

#include <pthread.h>

#include "plan/net.h"
#include "plan/plan.h"
#include "policy/net_host.h"

/* A network.allow entry, copied out of the policy (the proxy's threads may outlive it by a moment). */
struct net_rule {
	struct net_host h;
	struct guard_net_rule r; /* written/host/at.file owned here */
};

struct net_host_socket {
	char *written; /* as in the policy */
	char *path;    /* resolved on the host */
	char *keep;    /* "NAME=value" to keep in the environment, or NULL */
};

struct net_publish {
	unsigned port;
	struct guard_origin at;
	int fd[2]; /* listening on the host's 127.0.0.1 and ::1 (namespaces mode; -1: none) */
};

/* A service on the host's loopback that a network.allow rule names with its port (127.0.0.1:11434, [::1]:5432,
 * localhost:8080): it answers at the same address inside the sandbox. Namespaces mode: init listens there inside the
 * sandbox's namespace and hands the socket out; the supervisor relays each connection to the host's address
 * (forward_linux.c). Landlock-only mode: the host's loopback is the sandbox's, a Landlock TCP rule lets the port
 * through. */
struct net_forward {
	unsigned port;
	bool v4, v6;            /* where it answers inside: localhost is both, 127.x.y.z and ::1 one each */
	unsigned char addr4[4]; /* the IPv4 loopback address as written (127.0.0.1 for localhost) */
	const struct net_rule *rule;
	int fd[2]; /* supervisor: listening inside on addr4 and ::1; -1: none */
};

struct guard_proxy;  /* proxy_server.c */
struct net_fwd_conn; /* forward_linux.c */

struct guard_net {
	enum guard_net_mode mode;
	enum guard_mode sandbox;
	bool isolated;     /* own network namespace */
	bool quiet, agent; /* --quiet; the command is an agent (its terminal is its TUI): as the shim's reader rules */
	unsigned proxy_port; /* GUARD_NET_PROXY: where the sandbox finds the proxy (its 127.0.0.1) */
	int proxy_fd;        /* Landlock-only: the proxy's listening socket on the host; -1 */
	int chan[2];         /* namespaces: SEQPACKET pair, [0] supervisor's, [1] init's; -1 when unused */
	bool init_serves;    /* init keeps answering socket requests (publish) */
	struct net_rule *rules;
	size_t nrules;
	struct net_host_socket *socks;
	size_t nsocks;
	struct net_publish *pub;
	size_t npub;
	struct net_forward *fwd;
	size_t nfwd;
	const char *test_hosts; /* GUARD_TEST_HOSTS (test-only name → address file), or NULL */
	/* network.allow_private: names may resolve into private networks (the proxy's filter, net_addr_private);
	 * private_at says who turned it on or off (unset: no line) */
	bool allow_private;
	struct guard_origin private_at;

	/* runtime (supervisor) */
	struct guard_proxy *proxy;
	pthread_mutex_t chan_mu;
	pthread_t pub_thread;
	bool pub_running;
	int pub_stop[2];
	int listeners; /* namespaces: init's listening sockets received (1), won't come (-1), not yet (0) */
	pthread_cond_t listeners_cv; /* with chan_mu: listeners changed, or fwd_stopping */
	int proxy_listen;            /* the proxy's listener from init, until the proxy takes it; -1 */
	bool fwd_stopping;           /* under chan_mu */
	pthread_t fwd_thread;
	bool fwd_running;
	int fwd_stop[2];
	pthread_mutex_t fwd_mu; /* fwd_conns, fwd_session */
	pthread_cond_t fwd_cv;  /* a forwarded connection ended */
	struct net_fwd_conn *fwd_conns;
	struct guard_session *fwd_session;
};

#endif
