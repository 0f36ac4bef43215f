/* The host-pattern language of network.allow (net_host.h): parsing a pattern as written, normalizing a host a
 * client named, matching one against the other, and the special addresses no name rule may reach. Policy
 * language, used by the loader (net_policy.c) and by the proxy (net/); it reads untrusted bytes from the proxy's
 * clients too: bounded, no allocation, no I/O. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "policy/net_host.h"

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void set(char *out, size_t len, const char *s)
{
	if (out && len)
		snprintf(out, len, "%s", s);
}

/* A DNS name (lowercased into out, trailing dot dropped): labels of [a-z0-9_-], 1..63 bytes, no '-' at either
 * end, at most PROXY_HOST_MAX bytes, last label not all digits (that would be an address). */
static int parse_name(const char *s, size_t len, char *out, size_t outlen, const char **why)
{
	if (len && s[len - 1] == '.')
		len--;
	if (len == 0) {
		*why = "empty host name";
		return -1;
	}
	if (len > PROXY_HOST_MAX || len + 1 > outlen) {
		*why = "host name longer than 253 characters";
		return -1;
	}
	size_t label = 0, start = 0;
	bool all_digits = true;
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? lower(s[i]) : '.';
		if (c == '.') {
			if (label == 0) {
				*why = "empty label in host name (\"..\" or a leading dot)";
				return -1;
			}
			if (label > 63) {
				*why = "a host name label is longer than 63 characters";
				return -1;
			}
			if (s[start] == '-' || s[i - 1] == '-') {
				*why = "a host name label starts or ends with '-'";
				return -1;
			}
			if (i < len)
				all_digits = true;
			label = 0;
			start = i + 1;
		} else if ((c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '_') {
			if (!is_digit(c))
				all_digits = false;
			label++;
		} else {
			*why = "a host name has only letters, digits, '-', '_' and dots";
			return -1;
		}
		if (i < len)
			out[i] = c;
	}
	out[len] = 0;
	if (all_digits) {
		*why = "not a valid IPv4 address (and a host name's last label is never all digits)";
		return -1;
	}
	return 0;
}

void net_host_ip_text(struct net_host *h)
{
	inet_ntop(h->kind == NET_HOST_IP4 ? AF_INET : AF_INET6, h->addr, h->name, sizeof h->name);
}

/* An IP literal in s[0..len) (no brackets); 1 when it is one. IPv4-mapped IPv6 becomes IPv4. */
static int parse_ip(const char *s, size_t len, struct net_host *h)
{
	char buf[64];
	if (len == 0 || len >= sizeof buf)
		return 0;
	memcpy(buf, s, len);
	buf[len] = 0;
	memset(h->addr, 0, sizeof h->addr);
	if (inet_pton(AF_INET, buf, h->addr) == 1) {
		h->kind = NET_HOST_IP4;
	} else if (inet_pton(AF_INET6, buf, h->addr) == 1) {
		static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		h->kind = NET_HOST_IP6;
		if (memcmp(h->addr, mapped, 12) == 0) {
			memmove(h->addr, h->addr + 12, 4);
			memset(h->addr + 4, 0, 12);
			h->kind = NET_HOST_IP4;
		}
	} else {
		return 0;
	}
	net_host_ip_text(h);
	return 1;
}

bool net_host_numeric_alias(const char *name)
{
	struct in_addr a;
	return inet_aton(name, &a) != 0;
}

int net_host_target(const char *host, size_t len, struct net_host *out)
{
	const char *why;
	memset(out, 0, sizeof *out);
	if (parse_ip(host, len, out))
		return 0;
	out->kind = NET_HOST_NAME;
	return parse_name(host, len, out->name, sizeof out->name, &why);
}

int net_host_port_parse(const char *s, size_t len, unsigned *port, bool allow_any)
{
	if (allow_any && len == 1 && s[0] == '*') {
		*port = GUARD_NET_PORT_ANY;
		return 0;
	}
	if (len == 0 || len > 5)
		return -1;
	unsigned v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = v;
	return 0;
}

/* What a host entry may not hold at all (non-ASCII, controls, a URL, credentials, a path or a range): -1 with why
 * and the entry fixed in hint. */
static int reject_non_host(const char *text, size_t len, char *why, size_t whylen, char *hint, size_t hintlen)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c >= 0x80) {
			set(why, whylen, "not an ASCII host name");
			set(hint, hintlen, "write an internationalized name in its ASCII (xn--, punycode) form");
			return -1;
		}
		if (c <= ' ' || c == 0x7f) {
			set(why, whylen, "contains a space or a control character");
			return -1;
		}
	}
	const char *scheme = strstr(text, "://");
	if (scheme) {
		const char *h = scheme + 3;
		size_t hl = strcspn(h, "/?#");
		const char *at = memchr(h, '@', hl);
		if (at) {
			hl -= (size_t)(at + 1 - h);
			h = at + 1;
		}
		set(why, whylen, "a URL, not a host");
		if (hint && hintlen)
			snprintf(hint, hintlen, "write the host alone: \"%.*s\"", (int)hl, h);
		return -1;
	}
	if (strchr(text, '@')) {
		set(why, whylen, "user names and passwords don't belong in a host entry");
		set(hint, hintlen, "write the host alone; credentials stay with the tool that uses them");
		return -1;
	}
	const char *slash = strchr(text, '/');
	if (slash) {
		bool cidr = slash[1] && strspn(slash + 1, "0123456789") == strlen(slash + 1) &&
			    strspn(text, "0123456789abcdefABCDEF.:[]") == (size_t)(slash - text);
		set(why, whylen, cidr ? "address ranges (CIDR) are not supported" : "a host has no path");
		if (cidr)
			set(hint, hintlen, "name single addresses or host names");
		else if (hint && hintlen)
			snprintf(hint, hintlen, "write the host alone: \"%.*s\"", (int)(slash - text), text);
		return -1;
	}
	return 0;
}

/* host[:port], [v6]:port or a bare v6 address: the host part, and the port text (NULL when none). */
static int split_host_port(const char *text, size_t len, const char **host, size_t *hlen, const char **port,
			   size_t *plen, bool *bracket, char *why, size_t whylen, char *hint, size_t hintlen)
{
	*host = text, *hlen = len, *port = NULL, *plen = 0, *bracket = false;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close) {
			set(why, whylen, "'[' without ']'");
			set(hint, hintlen, "write an IPv6 address with a port as [2001:db8::1]:443");
			return -1;
		}
		*host = text + 1;
		*hlen = (size_t)(close - *host);
		*bracket = true;
		if (close[1] == ':') {
			*port = close + 2;
			*plen = strlen(*port);
		} else if (close[1]) {
			set(why, whylen, "unexpected text after ']'");
			set(hint, hintlen, "write an IPv6 address with a port as [2001:db8::1]:443");
			return -1;
		}
		return 0;
	}
	const char *c1 = strchr(text, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (c1 && !c2) {
		*hlen = (size_t)(c1 - text);
		*port = c1 + 1;
		*plen = strlen(*port);
	}
	return 0;
}

/* A name or *.name: its labels checked, no numeric alias of an address, a wildcard not over a top-level domain. */
static int parse_name_pattern(const char *host, size_t hlen, struct net_host *out, char *why, size_t whylen, char *hint,
			      size_t hintlen)
{
	const char *w = NULL;
	bool wildcard = hlen > 2 && host[0] == '*' && host[1] == '.';
	if (wildcard) {
		host += 2;
		hlen -= 2;
	}
	if (memchr(host, '*', hlen)) {
		set(why, whylen, "a wildcard is allowed only as the whole first label");
		set(hint, hintlen,
		    "write *.example.com (every name below example.com), or \"*\" alone to open the "
		    "network");
		return -1;
	}
	if (parse_name(host, hlen, out->name, sizeof out->name, &w) != 0) {
		set(why, whylen, w);
		return -1;
	}
	if (net_host_numeric_alias(out->name)) {
		set(why, whylen, "reads as an IPv4 address in another notation");
		set(hint, hintlen, "write the address in dotted decimal, like 10.0.0.5");
		return -1;
	}
	if (wildcard && !strchr(out->name, '.')) {
		if (why && whylen)
			snprintf(why, whylen, "\"*.%s\" is too broad: it allows every name in a top-level domain",
				 out->name);
		set(hint, hintlen, "name the domains you need (*.example.com), or write \"*\" to open the network");
		return -1;
	}
	out->kind = wildcard ? NET_HOST_WILDCARD : NET_HOST_NAME;
	return 0;
}

int net_host_pattern_parse(const char *text, struct net_host *out, char *why, size_t whylen, char *hint, size_t hintlen)
{
	size_t len = strlen(text);
	memset(out, 0, sizeof *out);
	set(hint, hintlen,
	    "write a host (api.example.com), a wildcard over its subdomains (*.example.com), an "
	    "address (10.0.0.5, [::1]), each optionally with :PORT or :*; \"*\" opens the network");
	if (len == 0) {
		set(why, whylen, "empty entry");
		set(hint, hintlen, "remove the empty entry");
		return -1;
	}
	if (reject_non_host(text, len, why, whylen, hint, hintlen) != 0)
		return -1;
	const char *host, *port;
	size_t hlen, plen;
	bool bracket;
	if (split_host_port(text, len, &host, &hlen, &port, &plen, &bracket, why, whylen, hint, hintlen) != 0)
		return -1;
	out->port = GUARD_NET_PORT_WEB;
	if (port && net_host_port_parse(port, plen, &out->port, true) != 0) {
		if (why && whylen)
			snprintf(why, whylen, "bad port \"%.*s\"", (int)(plen > 16 ? 16 : plen), port);
		set(hint, hintlen, "a port is a number from 1 to 65535, or * for any port");
		return -1;
	}
	if (hlen == 1 && host[0] == '*' && !bracket) {
		out->kind = NET_HOST_ANY;
		snprintf(out->name, sizeof out->name, "*");
		if (!port)
			out->port = GUARD_NET_PORT_ANY;
		return 0;
	}
	if (parse_ip(host, hlen, out))
		return 0;
	if (bracket || memchr(host, ':', hlen)) {
		set(why, whylen, "not a valid IPv6 address");
		set(hint, hintlen, "write an IPv6 address as 2001:db8::1, or with a port as [2001:db8::1]:443");
		return -1;
	}
	return parse_name_pattern(host, hlen, out, why, whylen, hint, hintlen);
}

bool net_host_matches(const struct net_host *p, const struct net_host *t, unsigned port)
{
	bool port_ok = p->port == GUARD_NET_PORT_ANY ||
		       (p->port == GUARD_NET_PORT_WEB ? port == 80 || port == 443 : p->port == port);
	if (!port_ok)
		return false;
	switch (p->kind) {
	case NET_HOST_ANY:
		return true;
	case NET_HOST_NAME:
		return t->kind == NET_HOST_NAME && strcmp(p->name, t->name) == 0;
	case NET_HOST_WILDCARD: {
		if (t->kind != NET_HOST_NAME)
			return false;
		size_t n = strlen(t->name), s = strlen(p->name);
		return n > s + 1 && t->name[n - s - 1] == '.' && strcmp(t->name + n - s, p->name) == 0;
	}
	case NET_HOST_IP4:
		return t->kind == NET_HOST_IP4 && memcmp(p->addr, t->addr, 4) == 0;
	case NET_HOST_IP6:
		return t->kind == NET_HOST_IP6 && memcmp(p->addr, t->addr, 16) == 0;
	}
	return false;
}

void net_host_port_text(char *out, size_t len, const char *host, unsigned port)
{
	if (strchr(host, ':'))
		snprintf(out, len, "[%s]:%u", host, port);
	else
		snprintf(out, len, "%s:%u", host, port);
}

const char *net_addr_special(int family, const unsigned char *a)
{
	if (family == AF_INET) {
		if (a[0] == 127)
			return "a loopback address";
		if (a[0] == 169 && a[1] == 254)
			return a[2] == 169 && a[3] == 254 ? "the cloud metadata service" : "a link-local address";
		if (a[0] == 0)
			return "an unspecified (\"this network\") address";
		if (a[0] >= 224)
			return "a multicast or reserved address";
		if (a[0] == 100 && a[1] == 100 && a[2] == 100 && a[3] == 200)
			return "the cloud metadata service";
		if (a[0] == 168 && a[1] == 63 && a[2] == 129 && a[3] == 16)
			return "the cloud metadata service";
		return NULL;
	}
	static const unsigned char zero[16],
		aws[16] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54};
	if (memcmp(a, zero, 15) == 0 && a[15] <= 1)
		return a[15] ? "a loopback address" : "an unspecified address";
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return "a link-local address";
	if (a[0] == 0xff)
		return "a multicast address";
	if (memcmp(a, aws, 16) == 0)
		return "the cloud metadata service";
	/* IPv4-mapped (an AF_INET6 socket reaches the IPv4 address), IPv4-compatible, NAT64 and 6to4 forms of the
	 * IPv4 specials. */
	bool mapped = memcmp(a, zero, 10) == 0 && a[10] == 0xff && a[11] == 0xff;
	if (mapped || memcmp(a, zero, 12) == 0 || (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b) ||
	    (a[0] == 0x20 && a[1] == 0x02)) {
		const unsigned char *v4 = a[0] == 0x20 ? a + 2 : a + 12;
		return net_addr_special(AF_INET, v4);
	}
	return NULL;
}

const char *net_addr_private(int family, const unsigned char *a)
{
	if (family == AF_INET) {
		if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168))
			return "a private (RFC 1918) address";
		if (a[0] == 100 && (a[1] & 0xc0) == 64)
			return "a carrier-grade NAT (100.64.0.0/10) address";
		return NULL;
	}
	if ((a[0] & 0xfe) == 0xfc)
		return "a unique local (fc00::/7) address";
	/* The same embedded IPv4 forms as net_addr_special: each reaches the private IPv4 address behind it. */
	static const unsigned char zero[16];
	bool mapped = memcmp(a, zero, 10) == 0 && a[10] == 0xff && a[11] == 0xff;
	if (mapped || memcmp(a, zero, 12) == 0 || (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b) ||
	    (a[0] == 0x20 && a[1] == 0x02))
		return net_addr_private(AF_INET, a[0] == 0x20 ? a + 2 : a + 12);
	return NULL;
}
