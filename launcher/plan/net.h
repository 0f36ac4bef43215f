/* The network part of a session (DESIGN.md §8): what the policy's network section turns into, and the hooks the
 * plan, the sandbox's init and the supervisor call.
 *
 *   network.allow empty   GUARD_NET_NONE   namespaces: own network namespace, loopback only;
 *                                           Landlock-only: Landlock TCP rules (ABI >= 4) + seccomp refuse IP sockets
 *   a list of hosts       GUARD_NET_PROXY  as above, plus guard's proxy on 127.0.0.1:PORT (HTTP CONNECT, absolute
 *                                           URIs, SOCKS5): namespaces: init opens the listening socket inside the
 *                                           sandbox's namespace and hands it out (SCM_RIGHTS); Landlock-only: the
 *                                           supervisor listens on the host's loopback and Landlock lets TCP connect
 *                                           reach that port only, seccomp refuses UDP and raw sockets
 *   ["*"]                 GUARD_NET_OPEN   the host's network: no namespace, no proxy, no socket rules
 *
 * network.host_sockets: each named unix socket is bound into the sandbox at the same path (namespaces mode) and its
 * variable ($SSH_AUTH_SOCK) kept. network.publish: the supervisor listens on the host's 127.0.0.1:PORT and forwards
 * each connection to the sandbox's own loopback PORT, through sockets init creates inside the namespace.
 *
 * A network.allow entry that names the host's loopback with a port (127.0.0.1:11434, [::1]:5432, localhost:8080) is
 * a forward, publish's opposite: the host's service answers at the same address inside the sandbox, so a local model
 * gateway or database works with its usual URL (and NO_PROXY's loopback entries stay right). Namespaces: init
 * listens there inside and the supervisor relays each connection to the host's address; Landlock-only: the host's
 * loopback is shared and a Landlock TCP rule lets the port through. */
#ifndef GUARD_NET_H
#define GUARD_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/guard.h"
#include "guard/policy.h"

struct guard_plan;
struct guard_plan_input;
struct guard_session;

enum guard_net_mode { GUARD_NET_NONE, GUARD_NET_PROXY, GUARD_NET_OPEN };

#define GUARD_PROXY_PORT 3128 /* inside the sandbox's namespace; on the host the kernel picks one */

/* Planning (plan.c calls it from guard_plan_build): decide the mode, set plan->net, plan->net_isolated and the
 * seccomp socket options. Landlock-only proxy mode binds the proxy's host socket here (so
 * the port is known to the environment and the Landlock rule); publish sockets are bound here too (a port in use
 * fails before anything runs). Dies (125) on what cannot be applied. */
void guard_net_plan_build(struct guard_plan *plan, const struct guard_plan_input *in);
void guard_net_plan_free(struct guard_plan *plan);
enum guard_net_mode guard_net_mode_of(const struct guard_plan *plan);

/* What a platform's boundary lets through, for its part of the plan. The proxy's port when the sandbox reaches it
 * on the host's loopback (Landlock-only proxy mode; 0 otherwise); the published ports (the sandbox binds them on
 * the host when it has no network namespace); the host sockets network.host_sockets lets in (resolved paths). */
unsigned guard_net_host_proxy_port(const struct guard_plan *plan);
size_t guard_net_publish_count(const struct guard_plan *plan);
unsigned guard_net_publish_port(const struct guard_plan *plan, size_t i);
/* The ports of the host's loopback services network.allow names (127.0.0.1:PORT, [::1]:PORT, localhost:PORT): in
 * Landlock-only mode the sandbox connects to them on the host's loopback itself. */
size_t guard_net_forward_count(const struct guard_plan *plan);
unsigned guard_net_forward_port(const struct guard_plan *plan, size_t i);
/* The network.allow rule that named it (its written text and where it was written). */
const struct guard_net_rule *guard_net_forward_rule(const struct guard_plan *plan, size_t i);
size_t guard_net_host_socket_count(const struct guard_plan *plan);
const char *guard_net_host_socket_path(const struct guard_plan *plan, size_t i);

/* The sandbox's environment: proxy variables for every tool that knows one, kept host-socket variables. Pushed as
 * guard_env_build overrides ("NAME=value"). */
void guard_net_env(const struct guard_plan *plan, struct guard_strv *overrides);

/* In the sandbox's init, after loopback is up and before the command is forked: open the proxy's listening socket
 * inside the namespace and hand it to the supervisor. 0, or -1 with why. */
int guard_net_init_setup(const struct guard_plan *plan, char *why, size_t whylen);
/* Init keeps serving the supervisor's requests for sockets inside the namespace (network.publish): the descriptor
 * to poll (-1: nothing to serve), and one request's service (false when the supervisor is gone). */
int guard_net_init_fd(const struct guard_plan *plan);
bool guard_net_init_serve(const struct guard_plan *plan);

/* Supervisor, once the sandbox's first process exists (threads are fine from here on): serve the proxy and the
 * published ports, logging to `session` (may be NULL). */
void guard_net_start(const struct guard_plan *plan, struct guard_session *session);
/* After the command ended: stop serving, log connections still open, wait briefly for the proxy's threads. */
void guard_net_stop(const struct guard_plan *plan);

/* The observer's view of a connect the sandbox made under this plan (target as observer_linux.c formats it:
 * "1.2.3.4:443", "[::1]:80", "unix:/x"): does the boundary let it through? */
bool guard_net_connect_expected(const struct guard_plan *plan, const char *target);

#endif
