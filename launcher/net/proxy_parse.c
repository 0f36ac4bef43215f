/* The proxy's parsers (proxy.h). Untrusted bytes in, fixed-size results out: every loop is bounded by `len` or a
 * constant, no allocation, no libc beyond string and inet_pton/ntop. Strictness is deliberate: a request that two
 * HTTP implementations could read differently (both Content-Length and Transfer-Encoding, folded lines, spaces
 * before the colon) is refused rather than guessed at, so what guard checks is what the upstream receives. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "net/proxy.h"

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 9110 tchar */
static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static void set(char *out, size_t len, const char *s)
{
	if (out && len)
		snprintf(out, len, "%s", s);
}

/* ---- hosts -------------------------------------------------------------------------------------------- */

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

static void ip_text(struct net_host *h)
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
	ip_text(h);
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

static int parse_port(const char *s, size_t len, unsigned *port, bool allow_any)
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

int net_host_pattern_parse(const char *text, struct net_host *out, char *why, size_t whylen, char *hint,
			   size_t hintlen)
{
	const char *w = NULL;
	size_t len = strlen(text);
	memset(out, 0, sizeof *out);
	set(hint, hintlen, "write a host (api.example.com), a wildcard over its subdomains (*.example.com), an "
			   "address (10.0.0.5, [::1]), each optionally with :PORT or :*; \"*\" opens the network");
	if (len == 0) {
		set(why, whylen, "empty entry");
		set(hint, hintlen, "remove the empty entry");
		return -1;
	}
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

	/* Split host and port. */
	const char *host = text, *port = NULL;
	size_t hlen = len, plen = 0;
	bool bracket = false;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close) {
			set(why, whylen, "'[' without ']'");
			set(hint, hintlen, "write an IPv6 address with a port as [2001:db8::1]:443");
			return -1;
		}
		host = text + 1;
		hlen = (size_t)(close - host);
		bracket = true;
		if (close[1] == ':') {
			port = close + 2;
			plen = strlen(port);
		} else if (close[1]) {
			set(why, whylen, "unexpected text after ']'");
			set(hint, hintlen, "write an IPv6 address with a port as [2001:db8::1]:443");
			return -1;
		}
	} else {
		const char *c1 = strchr(text, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c1 && !c2) {
			host = text;
			hlen = (size_t)(c1 - text);
			port = c1 + 1;
			plen = strlen(port);
		}
	}
	out->port = GUARD_NET_PORT_WEB;
	if (port && parse_port(port, plen, &out->port, true) != 0) {
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
	bool wildcard = hlen > 2 && host[0] == '*' && host[1] == '.';
	if (wildcard) {
		host += 2;
		hlen -= 2;
	}
	if (memchr(host, '*', hlen)) {
		set(why, whylen, "a wildcard is allowed only as the whole first label");
		set(hint, hintlen, "write *.example.com (every name below example.com), or \"*\" alone to open the "
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
	if (wildcard) {
		if (!strchr(out->name, '.')) {
			if (why && whylen)
				snprintf(why, whylen, "\"*.%s\" is too broad: it allows every name in a top-level domain",
					 out->name);
			set(hint, hintlen, "name the domains you need (*.example.com), or write \"*\" to open the network");
			return -1;
		}
		out->kind = NET_HOST_WILDCARD;
	} else {
		out->kind = NET_HOST_NAME;
	}
	return 0;
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
	static const unsigned char zero[16], aws[16] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54};
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

/* ---- HTTP heads --------------------------------------------------------------------------------------- */

/* End of the head: index just past "\r\n\r\n" or "\n\n" (or a mix), or 0 when not there yet. */
static size_t head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		size_t j = i + 1;
		if (j < len && buf[j] == '\r')
			j++;
		if (j < len && buf[j] == '\n')
			return j + 1;
	}
	return 0;
}

/* Next line of [*p, end): returns its length without CR LF and advances *p past them. */
static size_t next_line(const char **p, const char *end, const char **line)
{
	const char *s = *p;
	const char *nl = memchr(s, '\n', (size_t)(end - s));
	const char *e = nl ? nl : end;
	*line = s;
	*p = nl ? nl + 1 : end;
	size_t n = (size_t)(e - s);
	if (n && s[n - 1] == '\r')
		n--;
	return n;
}

static bool ieq(const char *a, size_t an, const char *b)
{
	size_t bn = strlen(b);
	return an == bn && strncasecmp(a, b, an) == 0;
}

/* Does the comma-separated list in v contain the token t (case-insensitive)? */
static bool has_token(const char *v, size_t n, const char *t)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t s = i;
		while (i < n && v[i] != ',')
			i++;
		size_t e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e > s && ieq(v + s, e - s, t))
			return true;
	}
	return false;
}

struct fields {
	long long content_length;
	bool chunked, te_other, cl_bad, close, keep_alive, upgrade_token, upgrade_field, expect_continue;
};

/* Header fields of a head (after the start line). -1 with *why on a malformed field. */
static int parse_fields(const char *p, const char *end, struct proxy_header *h, size_t *nh, struct fields *f,
			const char **why, int *status)
{
	memset(f, 0, sizeof *f);
	f->content_length = -1;
	*nh = 0;
	for (;;) {
		const char *line;
		size_t n = next_line(&p, end, &line);
		if (n == 0)
			return 0;
		if (line[0] == ' ' || line[0] == '\t') {
			*why = "folded header lines (obs-fold) are not accepted";
			return -1;
		}
		const char *colon = memchr(line, ':', n);
		if (!colon || colon == line) {
			*why = "a header line without a name and ':'";
			return -1;
		}
		for (const char *c = line; c < colon; c++)
			if (!is_tchar(*c)) {
				*why = "invalid character in a header name (or a space before ':')";
				return -1;
			}
		const char *v = colon + 1, *ve = line + n;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		for (const char *c = v; c < ve; c++)
			if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f) {
				*why = "a control character in a header value";
				return -1;
			}
		if (*nh == PROXY_MAX_HEADERS) {
			*why = "too many header fields";
			*status = 431;
			return -1;
		}
		struct proxy_header *x = &h[(*nh)++];
		x->name = line;
		x->name_len = (size_t)(colon - line);
		x->value = v;
		x->value_len = (size_t)(ve - v);
		size_t vn = x->value_len;
		if (ieq(x->name, x->name_len, "content-length")) {
			long long cl = 0;
			if (vn == 0 || vn > 18)
				f->cl_bad = true;
			for (size_t i = 0; i < vn && !f->cl_bad; i++) {
				if (!is_digit(v[i]))
					f->cl_bad = true;
				else
					cl = cl * 10 + (v[i] - '0');
			}
			if (f->content_length >= 0 && f->content_length != cl)
				f->cl_bad = true;
			f->content_length = cl;
		} else if (ieq(x->name, x->name_len, "transfer-encoding")) {
			if (f->chunked || f->te_other || !ieq(v, vn, "chunked"))
				f->te_other = true;
			else
				f->chunked = true;
		} else if (ieq(x->name, x->name_len, "connection") || ieq(x->name, x->name_len, "proxy-connection")) {
			f->close |= has_token(v, vn, "close");
			f->keep_alive |= has_token(v, vn, "keep-alive");
			f->upgrade_token |= has_token(v, vn, "upgrade");
		} else if (ieq(x->name, x->name_len, "upgrade")) {
			f->upgrade_field = true;
		} else if (ieq(x->name, x->name_len, "expect")) {
			f->expect_continue |= has_token(v, vn, "100-continue");
		}
	}
}

static int bad(struct proxy_request *r, int status, const char *why)
{
	r->status = status;
	r->error = why;
	return PROXY_BAD;
}

/* "host:port" or "[v6]:port" (port required when need_port, else defaulting to dflt). */
static int parse_authority(const char *s, size_t n, bool need_port, unsigned dflt, char *host, size_t hostlen,
			   struct net_host *t, unsigned *port)
{
	const char *h = s, *p = NULL;
	size_t hl = n, pl = 0;
	if (n && s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (!close)
			return -1;
		h = s + 1;
		hl = (size_t)(close - h);
		const char *rest = close + 1;
		size_t rl = n - (size_t)(rest - s);
		if (rl) {
			if (rest[0] != ':')
				return -1;
			p = rest + 1;
			pl = rl - 1;
		}
		if (net_host_target(h, hl, t) != 0 || t->kind != NET_HOST_IP6)
			return -1;
	} else {
		const char *c = memchr(s, ':', n);
		if (c) {
			hl = (size_t)(c - s);
			p = c + 1;
			pl = n - hl - 1;
		}
		if (net_host_target(h, hl, t) != 0)
			return -1;
	}
	if (p) {
		if (parse_port(p, pl, port, false) != 0)
			return -1;
	} else if (need_port) {
		return -1;
	} else {
		*port = dflt;
	}
	snprintf(host, hostlen, "%s", t->name);
	return 0;
}

int proxy_parse_request(const char *buf, size_t len, struct proxy_request *r)
{
	memset(r, 0, sizeof *r);
	r->content_length = -1;
	size_t skip = 0;
	/* A few empty lines before a request are tolerated (RFC 9112 2.2: after a body some clients send CRLF). */
	while (skip < len && skip < 8 && (buf[skip] == '\r' || buf[skip] == '\n'))
		skip++;
	size_t end = head_end(buf + skip, len - skip);
	if (!end) {
		if (len >= PROXY_HEAD_MAX)
			return bad(r, 431, "request head larger than 32 KiB");
		/* An obviously non-HTTP start is refused early instead of waiting for a head that never comes. */
		for (size_t i = skip; i < len && buf[i] != ' '; i++)
			if (!is_tchar(buf[i]) && buf[i] != '\r' && buf[i] != '\n')
				return bad(r, 400, "not an HTTP request");
		return PROXY_NEED_MORE;
	}
	if (end + skip > PROXY_HEAD_MAX)
		return bad(r, 431, "request head larger than 32 KiB");
	r->head_len = skip + end;
	const char *p = buf + skip, *e = buf + skip + end;
	for (const char *c = p; c < e; c++)
		if (*c == 0)
			return bad(r, 400, "a NUL byte in the request head");

	const char *line;
	size_t n = next_line(&p, e, &line);
	const char *sp1 = memchr(line, ' ', n);
	if (!sp1 || sp1 == line)
		return bad(r, 400, "malformed request line");
	const char *tgt = sp1 + 1;
	const char *sp2 = memchr(tgt, ' ', n - (size_t)(tgt - line));
	if (!sp2 || sp2 == tgt)
		return bad(r, 400, "malformed request line");
	const char *ver = sp2 + 1;
	size_t vlen = n - (size_t)(ver - line);
	r->method = line;
	r->method_len = (size_t)(sp1 - line);
	for (size_t i = 0; i < r->method_len; i++)
		if (!is_tchar(line[i]))
			return bad(r, 400, "malformed method");
	if (vlen != 8 || memcmp(ver, "HTTP/1.", 7) != 0 || (ver[7] != '0' && ver[7] != '1'))
		return bad(r, 505, "only HTTP/1.0 and HTTP/1.1 are spoken here");
	r->minor = ver[7] - '0';
	size_t tlen = (size_t)(sp2 - tgt);
	for (size_t i = 0; i < tlen; i++)
		if ((unsigned char)tgt[i] <= ' ' || (unsigned char)tgt[i] >= 0x7f)
			return bad(r, 400, "invalid character in the request target");

	struct fields f;
	const char *why = NULL;
	int status = 400;
	if (parse_fields(p, e, r->h, &r->nh, &f, &why, &status) != 0)
		return bad(r, status, why);
	if (f.cl_bad)
		return bad(r, 400, "invalid or conflicting Content-Length");
	if (f.te_other)
		return bad(r, 501, "only the chunked transfer coding is supported");
	if (f.chunked && f.content_length >= 0)
		return bad(r, 400, "both Content-Length and Transfer-Encoding");
	r->content_length = f.content_length;
	r->chunked = f.chunked;
	r->close = f.close || (r->minor == 0 && !f.keep_alive);
	r->upgrade = f.upgrade_token && f.upgrade_field;
	r->expect_continue = f.expect_continue;

	r->connect = ieq(r->method, r->method_len, "CONNECT");
	if (r->connect) {
		if (parse_authority(tgt, tlen, true, 0, r->host, sizeof r->host, &r->target, &r->port) != 0)
			return bad(r, 400, "CONNECT needs host:port (a DNS name or an IP address, and a port 1-65535)");
		return PROXY_OK;
	}
	if (tlen && tgt[0] == '/') {
		r->origin_form = true;
		return bad(r, 400, "this is guard's proxy: send absolute-URI requests (GET http://host/...) or CONNECT");
	}
	static const char http[] = "http://";
	if (tlen < sizeof http - 1 || strncasecmp(tgt, http, sizeof http - 1) != 0) {
		if (tlen > 8 && strncasecmp(tgt, "https://", 8) == 0)
			return bad(r, 400, "https:// URLs go through CONNECT (set HTTPS_PROXY)");
		return bad(r, 400, "the request target must be an http:// URL");
	}
	const char *auth = tgt + sizeof http - 1;
	size_t rest = tlen - (sizeof http - 1), alen = 0;
	while (alen < rest && auth[alen] != '/' && auth[alen] != '?' && auth[alen] != '#')
		alen++;
	if (memchr(auth, '@', alen))
		return bad(r, 400, "user names and passwords in the URL are not forwarded: use an Authorization header");
	if (parse_authority(auth, alen, false, 80, r->host, sizeof r->host, &r->target, &r->port) != 0)
		return bad(r, 400, "the URL's host must be a DNS name or an IP address, with an optional port");
	r->path = auth + alen;
	r->path_len = rest - alen;
	const char *hash = memchr(r->path, '#', r->path_len);
	if (hash)
		r->path_len = (size_t)(hash - r->path);
	return PROXY_OK;
}

int proxy_parse_response(const char *buf, size_t len, struct proxy_response *r)
{
	memset(r, 0, sizeof *r);
	r->content_length = -1;
	size_t end = head_end(buf, len);
	if (!end) {
		if (len >= PROXY_HEAD_MAX) {
			r->error = "response head larger than 32 KiB";
			return PROXY_BAD;
		}
		if (len >= 5 && memcmp(buf, "HTTP/", 5) != 0) {
			r->error = "not an HTTP response";
			return PROXY_BAD;
		}
		return PROXY_NEED_MORE;
	}
	if (end > PROXY_HEAD_MAX) {
		r->error = "response head larger than 32 KiB";
		return PROXY_BAD;
	}
	r->head_len = end;
	const char *p = buf, *e = buf + end, *line;
	for (const char *c = p; c < e; c++)
		if (*c == 0) {
			r->error = "a NUL byte in the response head";
			return PROXY_BAD;
		}
	size_t n = next_line(&p, e, &line);
	if (n < 12 || memcmp(line, "HTTP/1.", 7) != 0 || (line[7] != '0' && line[7] != '1') || line[8] != ' ' ||
	    !is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11]) || (n > 12 && line[12] != ' ')) {
		r->error = "malformed status line";
		return PROXY_BAD;
	}
	r->minor = line[7] - '0';
	r->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
	if (r->status < 100) {
		r->error = "malformed status code";
		return PROXY_BAD;
	}
	struct fields f;
	int status = 502;
	const char *why = NULL;
	if (parse_fields(p, e, r->h, &r->nh, &f, &why, &status) != 0) {
		r->error = why;
		return PROXY_BAD;
	}
	if (f.cl_bad || f.te_other || (f.chunked && f.content_length >= 0)) {
		r->error = f.te_other ? "unsupported transfer coding" : "invalid or conflicting message length";
		return PROXY_BAD;
	}
	r->content_length = f.content_length;
	r->chunked = f.chunked;
	r->keep_alive = f.keep_alive;
	r->close = f.close || (r->minor == 0 && !f.keep_alive);
	return PROXY_OK;
}

bool proxy_header_hop(const struct proxy_header *h, const struct proxy_header *all, size_t n, bool keep_upgrade)
{
	static const char *const hop[] = {"connection", "proxy-connection", "keep-alive", "proxy-authorization",
					  "proxy-authenticate", "te", "trailer", NULL};
	for (const char *const *x = hop; *x; x++)
		if (ieq(h->name, h->name_len, *x))
			return true;
	if (ieq(h->name, h->name_len, "upgrade"))
		return !keep_upgrade;
	/* Fields the Connection header names are hop-by-hop too. */
	for (size_t i = 0; i < n; i++) {
		if (!ieq(all[i].name, all[i].name_len, "connection") && !ieq(all[i].name, all[i].name_len, "proxy-connection"))
			continue;
		char name[64];
		if (h->name_len >= sizeof name)
			continue;
		memcpy(name, h->name, h->name_len);
		name[h->name_len] = 0;
		if (has_token(all[i].value, all[i].value_len, name))
			return true;
	}
	return false;
}

/* ---- chunked ------------------------------------------------------------------------------------------ */

enum { CH_SIZE, CH_SIZE_WS, CH_EXT, CH_SIZE_LF, CH_DATA, CH_DATA_CR, CH_DATA_LF, CH_TRAILER_START, CH_TRAILER,
       CH_FINAL_LF, CH_DONE };

#define CH_LINE_MAX 4096
#define CH_TRAILER_MAX 16384

static int hexval(char c)
{
	if (is_digit(c))
		return c - '0';
	c = lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

long proxy_chunked_feed(struct proxy_chunked *c, const char *buf, size_t len, bool *done)
{
	size_t i = 0;
	*done = c->state == CH_DONE;
	while (i < len && c->state != CH_DONE) {
		char ch = buf[i];
		switch (c->state) {
		case CH_SIZE:
			if (hexval(ch) >= 0) {
				if (++c->digits > 15)
					return -1;
				c->remaining = c->remaining * 16 + (unsigned)hexval(ch);
				i++;
				break;
			}
			if (c->digits == 0)
				return -1;
			c->state = CH_SIZE_WS;
			break;
		case CH_SIZE_WS:
			if (ch == ' ' || ch == '\t') {
				if (++c->line > CH_LINE_MAX)
					return -1;
				i++;
			} else if (ch == ';') {
				c->state = CH_EXT;
				i++;
			} else if (ch == '\r') {
				c->state = CH_SIZE_LF;
				i++;
			} else if (ch == '\n') {
				c->state = CH_SIZE_LF;
			} else {
				return -1;
			}
			break;
		case CH_EXT:
			if (ch == '\r') {
				c->state = CH_SIZE_LF;
				i++;
			} else if (ch == '\n') {
				c->state = CH_SIZE_LF; /* consumed there */
			} else if (++c->line > CH_LINE_MAX || ((unsigned char)ch < 0x20 && ch != '\t') || ch == 0x7f) {
				return -1;
			} else {
				i++;
			}
			break;
		case CH_SIZE_LF:
			if (ch != '\n')
				return -1;
			i++;
			c->line = 0;
			c->digits = 0;
			c->state = c->remaining ? CH_DATA : CH_TRAILER_START;
			break;
		case CH_DATA: {
			size_t take = len - i;
			if (take > c->remaining)
				take = (size_t)c->remaining;
			c->remaining -= take;
			i += take;
			if (c->remaining == 0)
				c->state = CH_DATA_CR;
			break;
		}
		case CH_DATA_CR:
			if (ch == '\r') {
				c->state = CH_DATA_LF;
				i++;
			} else if (ch == '\n') {
				c->state = CH_DATA_LF;
			} else {
				return -1;
			}
			break;
		case CH_DATA_LF:
			if (ch != '\n')
				return -1;
			i++;
			c->state = CH_SIZE;
			break;
		case CH_TRAILER_START:
			if (ch == '\r') {
				c->state = CH_FINAL_LF;
				i++;
			} else if (ch == '\n') {
				c->state = CH_FINAL_LF;
			} else {
				c->state = CH_TRAILER;
			}
			break;
		case CH_TRAILER:
			if (++c->trailer > CH_TRAILER_MAX || ch == 0)
				return -1;
			i++;
			if (ch == '\n')
				c->state = CH_TRAILER_START;
			break;
		case CH_FINAL_LF:
			if (ch != '\n')
				return -1;
			i++;
			c->state = CH_DONE;
			break;
		default:
			return -1;
		}
	}
	*done = c->state == CH_DONE;
	return (long)i;
}

/* ---- SOCKS5 ------------------------------------------------------------------------------------------- */

int proxy_socks5_greeting(const unsigned char *buf, size_t len, size_t *used, bool *noauth)
{
	*used = 0;
	*noauth = false;
	if (len >= 1 && buf[0] != 5)
		return PROXY_BAD;
	if (len < 2)
		return PROXY_NEED_MORE;
	if (buf[1] == 0)
		return PROXY_BAD;
	if (len < 2u + buf[1])
		return PROXY_NEED_MORE;
	for (size_t i = 0; i < buf[1]; i++)
		*noauth |= buf[2 + i] == 0;
	*used = 2u + buf[1];
	return PROXY_OK;
}

static int socks_bad(struct proxy_socks_request *r, int reply)
{
	r->reply = reply;
	return PROXY_BAD;
}

int proxy_socks5_request(const unsigned char *buf, size_t len, struct proxy_socks_request *r)
{
	memset(r, 0, sizeof *r);
	if (len >= 1 && buf[0] != 5)
		return socks_bad(r, SOCKS_FAILURE);
	if (len < 5)
		return PROXY_NEED_MORE;
	r->cmd = buf[1];
	size_t alen;
	switch (buf[3]) {
	case 1:
		alen = 4;
		break;
	case 3:
		alen = 1u + buf[4];
		break;
	case 4:
		alen = 16;
		break;
	default:
		return socks_bad(r, SOCKS_BAD_ADDRESS);
	}
	if (len < 4 + alen + 2)
		return PROXY_NEED_MORE;
	r->len = 4 + alen + 2;
	const unsigned char *a = buf + 4;
	r->port = (unsigned)a[alen] << 8 | a[alen + 1];
	if (r->cmd != 1)
		return socks_bad(r, SOCKS_BAD_COMMAND);
	memset(&r->target, 0, sizeof r->target);
	if (buf[3] == 1) {
		r->target.kind = NET_HOST_IP4;
		memcpy(r->target.addr, a, 4);
		ip_text(&r->target);
	} else if (buf[3] == 4) {
		char txt[64];
		inet_ntop(AF_INET6, a, txt, sizeof txt);
		if (net_host_target(txt, strlen(txt), &r->target) != 0)
			return socks_bad(r, SOCKS_BAD_ADDRESS);
	} else if (buf[4] == 0 || net_host_target((const char *)a + 1, buf[4], &r->target) != 0 ||
		   memchr(a + 1, 0, buf[4])) {
		return socks_bad(r, SOCKS_HOST_UNREACHABLE);
	}
	if (r->port == 0)
		return socks_bad(r, SOCKS_NOT_ALLOWED);
	snprintf(r->host, sizeof r->host, "%s", r->target.name);
	return PROXY_OK;
}
