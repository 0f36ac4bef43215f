/* The host-pattern language of network.allow (net_host.c): patterns as written, hosts as a client named them, and
 * whether one allows the other. Policy language shared by the loader (net_policy.c, `guard policy`) and the proxy
 * (net/proxy_parse.c, proxy_server.c). */
#ifndef GUARD_NET_HOST_H
#define GUARD_NET_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include "guard/policy.h"

#define PROXY_HOST_MAX 253 /* DNS name length without the trailing dot */

enum net_host_kind {
	NET_HOST_NAME,     /* api.anthropic.com */
	NET_HOST_WILDCARD, /* *.github.com: any name strictly below the suffix */
	NET_HOST_ANY,      /* * */
	NET_HOST_IP4,
	NET_HOST_IP6,
};

struct net_host {
	enum net_host_kind kind;
	char name[PROXY_HOST_MAX + 3]; /* normalized text: lowercase name (WILDCARD: the suffix), canonical IP text */
	unsigned char addr[16];        /* IP4: first 4 bytes; IP6: 16 */
	unsigned port;                 /* patterns: 1..65535, GUARD_NET_PORT_WEB or GUARD_NET_PORT_ANY */
};

/* Parse a network.allow entry as written. 0, or -1 with a message and a hint. */
int net_host_pattern_parse(const char *text, struct net_host *out, char *why, size_t whylen, char *hint,
			   size_t hintlen);
/* Normalize a host as a client named it (a CONNECT authority's host, a URI's host without brackets, a SOCKS
 * domain): a DNS name or an IP literal. 0, or -1 when it is neither. IPv4-mapped IPv6 becomes IPv4. */
int net_host_target(const char *host, size_t len, struct net_host *out);
/* Does a pattern allow host t on port? */
bool net_host_matches(const struct net_host *pattern, const struct net_host *t, unsigned port);
/* A name that getaddrinfo would read as a number though it is no canonical IP ("127.1", "0x7f000001",
 * "2130706433"): refused, so a name rule can never turn into an address nobody wrote. */
bool net_host_numeric_alias(const char *name);

/* A port as written ("443"; "*" → GUARD_NET_PORT_ANY when allow_any): 1..65535. 0, or -1. */
int net_host_port_parse(const char *s, size_t len, unsigned *port, bool allow_any);
/* h->name from h->addr (IP4 or IP6): the canonical text of the address. */
void net_host_ip_text(struct net_host *h);
/* "host:port", "[v6]:port" into out (always NUL-terminated). */
void net_host_port_text(char *out, size_t len, const char *host, unsigned port);

/* Special addresses the proxy refuses unless a rule names the address itself: loopback, link-local (cloud metadata
 * 169.254.169.254 among them), unspecified, multicast/broadcast, and the metadata services outside link-local
 * (fd00:ec2::254, 100.100.100.200, 168.63.129.16). NULL for an ordinary address, else what it is. */
const char *net_addr_special(int family, const unsigned char *addr);
/* The private networks behind a home or office router that a name must not lead into unless the user says so
 * (network.allow_private, or a rule naming the address): RFC 1918, carrier-grade NAT 100.64.0.0/10, IPv6 unique
 * local fc00::/7, and their IPv4-mapped/compatible, NAT64 and 6to4 forms. Disjoint from net_addr_special, which is
 * checked first (100.100.100.200 is the metadata service). NULL for other addresses, else what it is. */
const char *net_addr_private(int family, const unsigned char *addr);

#endif
