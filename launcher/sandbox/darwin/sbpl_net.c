/* The network part of the profile (sbpl_gen.h), and of its input as the plan decides it (sbpl.h). */
#include <stdio.h>
#include <stdlib.h>

#include "lib/guard.h"
#include "plan/net.h"
#include "sandbox/darwin/sbpl.h"
#include "sandbox/darwin/sbpl_gen.h"

void guard_sbpl_net_input(struct guard_sbpl_input *in, const struct guard_plan *plan, struct guard_sbpl_port **owned)
{
	enum guard_net_mode mode = guard_net_mode_of(plan);
	in->net = mode == GUARD_NET_OPEN    ? GUARD_SBPL_NET_OPEN
		  : mode == GUARD_NET_PROXY ? GUARD_SBPL_NET_PROXY
					    : GUARD_SBPL_NET_NONE;
	in->proxy_port = guard_net_host_proxy_port(plan);
	in->nloopback = guard_net_forward_count(plan);
	struct guard_sbpl_port *p = guard_xmalloc((in->nloopback + 1) * sizeof *p);
	for (size_t i = 0; i < in->nloopback; i++) {
		const struct guard_net_rule *r = guard_net_forward_rule(plan, i);
		p[i] = (struct guard_sbpl_port){guard_net_forward_port(plan, i),
						r->at.line ? guard_xasprintf("%s:%u", r->at.file, r->at.line)
							   : guard_xstrdup(r->at.file)};
	}
	in->loopback = p;
	*owned = p;
}

void guard_sbpl_net_input_free(struct guard_sbpl_input *in, struct guard_sbpl_port *owned)
{
	for (size_t i = 0; owned && i < in->nloopback; i++)
		free((char *)owned[i].origin);
	free(owned);
	in->loopback = NULL;
	in->nloopback = 0;
}

/* Network: nothing, guard's proxy on the host's loopback (and the loopback services network.allow names with their
 * port, which Linux without a network namespace lets through directly too), or everything. A "(local ip ...)"
 * filter never appears on network-outbound: it admits every outbound connection. */
void sbpl_section_network(struct sbpl_gen *g)
{
	switch (g->in->net) {
	case GUARD_SBPL_NET_NONE:
		sbpl_comment(g, "network: none (network.allow is empty)");
		break;
	case GUARD_SBPL_NET_PROXY: {
		sbpl_comment(g,
			     "network: only guard's proxy on this host's loopback (network.allow lists hosts), and the "
			     "host's loopback services it names with a port");
		if (g->in->proxy_port == 0 || g->in->proxy_port > 65535) {
			sbpl_fail(g, "network.allow needs guard's proxy, and no proxy port is known");
			break;
		}
		char *f = guard_xasprintf("(remote tcp \"localhost:%u\")", g->in->proxy_port);
		sbpl_rule(g, "allow", "network-outbound", f, "guard: the proxy for network.allow");
		free(f);
		/* Seatbelt's "localhost" is every address of this host, loopback or not: a service that listens on
		 * the LAN address at the same port is reached too (Landlock, in Linux's mode without namespaces, lets
		 * the port through on any address). */
		for (size_t i = 0; i < g->in->nloopback; i++) {
			unsigned port = g->in->loopback[i].port;
			if (port == 0 || port > 65535) {
				sbpl_fail(g, "network.allow (%s): no port for the host's loopback service",
					  g->in->loopback[i].origin);
				break;
			}
			f = guard_xasprintf("(remote tcp \"localhost:%u\")", port);
			sbpl_rule(g, "allow", "network-outbound", f, g->in->loopback[i].origin);
			free(f);
		}
		break;
	}
	case GUARD_SBPL_NET_OPEN:
		sbpl_comment(g, "network: open (network.allow: [\"*\"])");
		sbpl_rule(g, "allow", "network* system-socket", NULL, "guard: network.allow [\"*\"]");
		sbpl_rule(g, "allow", "mach-lookup", "(global-name \"com.apple.dnssd.service\")",
			  "guard: network.allow [\"*\"]: name lookups (mDNSResponder)");
		break;
	}
	if (g->in->host_sockets && g->in->host_sockets[0]) {
		sbpl_comment(g, "network.host_sockets: connect to these unix sockets only");
		sbpl_rule(g, "allow", "system-socket", "(socket-domain AF_UNIX)", "guard: network.host_sockets");
		for (size_t i = 0; g->in->host_sockets[i]; i++) {
			char *phys = sbpl_physical(g, g->in->host_sockets[i]);
			char *p = sbpl_path_filter(g, "literal", phys);
			char *f = guard_xasprintf("(remote unix-socket %s)", p);
			sbpl_rule(g, "allow", "network-outbound", f, "guard: network.host_sockets");
			free(f);
			free(p);
			free(phys);
		}
	}
}
