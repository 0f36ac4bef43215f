/* The proxy's parsers (launcher/proxy_parse.c) and the network policy entries (launcher/net_policy.c): host
 * patterns and matching, special addresses, HTTP request/response heads (including the request-smuggling shapes
 * that are refused), chunked framing fed in every split, SOCKS5, and network.* in YAML with positions. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_api.h"
#include "net/proxy.h"
#include "tap.h"

/* Test text for a TAP line: control characters as \xNN, at most max bytes (static buffer). */
static const char *show(const char *s, size_t max)
{
	static char buf[4][256];
	static int k;
	char *o = buf[k++ & 3];
	size_t n = 0;
	for (size_t i = 0; s[i] && i < max && n + 5 < sizeof buf[0]; i++) {
		unsigned char c = (unsigned char)s[i];
		n += (size_t)(c < 0x20 || c >= 0x7f ? snprintf(o + n, 5, "\\x%02x", c) : snprintf(o + n, 2, "%c", c));
	}
	o[n] = 0;
	return o;
}

/* ---- host patterns ------------------------------------------------------------------------------------ */

static void pattern_ok(const char *text, enum net_host_kind kind, const char *name, unsigned port)
{
	struct net_host h;
	char why[256] = "", hint[256] = "";
	int rc = net_host_pattern_parse(text, &h, why, sizeof why, hint, sizeof hint);
	TAP_OK(rc == 0 && h.kind == kind && !strcmp(h.name, name) && h.port == port,
	       "pattern \"%s\" -> kind %d \"%s\" port %u (%s%s)", show(text, 80), (int)h.kind, h.name, h.port,
	       rc ? "error: " : "", rc ? why : "ok");
}

static void pattern_bad(const char *text, const char *why_part, const char *hint_part)
{
	struct net_host h;
	char why[256] = "", hint[384] = "";
	int rc = net_host_pattern_parse(text, &h, why, sizeof why, hint, sizeof hint);
	TAP_OK(rc != 0 && strstr(why, why_part) && (!hint_part || strstr(hint, hint_part)),
	       "pattern \"%s\" refused: %s (hint: %s)", show(text, 40), why, hint);
}

static void test_patterns(void)
{
	pattern_ok("api.anthropic.com", NET_HOST_NAME, "api.anthropic.com", GUARD_NET_PORT_WEB);
	pattern_ok("API.Anthropic.COM.", NET_HOST_NAME, "api.anthropic.com", GUARD_NET_PORT_WEB);
	pattern_ok("*.github.com", NET_HOST_WILDCARD, "github.com", GUARD_NET_PORT_WEB);
	pattern_ok("*.github.com:22", NET_HOST_WILDCARD, "github.com", 22);
	pattern_ok("registry.npmjs.org:*", NET_HOST_NAME, "registry.npmjs.org", GUARD_NET_PORT_ANY);
	pattern_ok("localhost:8080", NET_HOST_NAME, "localhost", 8080);
	pattern_ok("*", NET_HOST_ANY, "*", GUARD_NET_PORT_ANY);
	pattern_ok("*:443", NET_HOST_ANY, "*", 443);
	pattern_ok("10.0.0.5", NET_HOST_IP4, "10.0.0.5", GUARD_NET_PORT_WEB);
	pattern_ok("127.0.0.1:5432", NET_HOST_IP4, "127.0.0.1", 5432);
	pattern_ok("::1", NET_HOST_IP6, "::1", GUARD_NET_PORT_WEB);
	pattern_ok("[2001:DB8::1]:443", NET_HOST_IP6, "2001:db8::1", 443);
	pattern_ok("[::ffff:10.1.2.3]", NET_HOST_IP4, "10.1.2.3", GUARD_NET_PORT_WEB);
	pattern_ok("my_host.internal", NET_HOST_NAME, "my_host.internal", GUARD_NET_PORT_WEB);

	pattern_bad("", "empty entry", NULL);
	pattern_bad("https://api.anthropic.com/v1", "a URL, not a host", "\"api.anthropic.com\"");
	pattern_bad("api.anthropic.com/v1", "a host has no path", "\"api.anthropic.com\"");
	pattern_bad("10.0.0.0/8", "CIDR", NULL);
	pattern_bad("user:pw@host.com", "passwords", NULL);
	pattern_bad("host.com:0", "bad port \"0\"", "1 to 65535");
	pattern_bad("host.com:70000", "bad port", NULL);
	pattern_bad("host.com:http", "bad port \"http\"", NULL);
	pattern_bad("host.com:", "bad port", NULL);
	pattern_bad("a.*.com", "only as the whole first label", "*.example.com");
	pattern_bad("*github.com", "only as the whole first label", NULL);
	pattern_bad("**.github.com", "only as the whole first label", NULL);
	pattern_bad("*.com", "too broad", NULL);
	pattern_bad("h\xc3\xa9llo.com", "not an ASCII host name", "punycode");
	pattern_bad("a b.com", "space", NULL);
	pattern_bad("bad..name", "empty label", NULL);
	pattern_bad("-bad.com", "starts or ends with '-'", NULL);
	pattern_bad("1.2.3", "not a valid IPv4 address", NULL);
	pattern_bad("0x7f000001", "another notation", "dotted decimal");
	pattern_bad("[::1", "'[' without ']'", NULL);
	pattern_bad("[zz::1]:80", "not a valid IPv6 address", NULL);
	pattern_bad("a:b:c", "not a valid IPv6 address", NULL);
	char longname[300];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	pattern_bad(longname, "longer than", NULL);
	memset(longname, 'a', 70);
	strcpy(longname + 70, ".com");
	pattern_bad(longname, "longer than 63", NULL);
}

static bool allows(const char *pattern, const char *host, unsigned port)
{
	struct net_host p, t;
	char why[256], hint[256];
	if (net_host_pattern_parse(pattern, &p, why, sizeof why, hint, sizeof hint) != 0 ||
	    net_host_target(host, strlen(host), &t) != 0)
		return false;
	return net_host_matches(&p, &t, port);
}

static void test_matching(void)
{
	TAP_OK(allows("api.anthropic.com", "api.anthropic.com", 443), "exact name, port 443");
	TAP_OK(allows("api.anthropic.com", "API.anthropic.com.", 80), "case and trailing dot ignored, port 80");
	TAP_OK(!allows("api.anthropic.com", "api.anthropic.com", 8080), "no port written: only 80 and 443");
	TAP_OK(!allows("api.anthropic.com", "anthropic.com", 443), "the parent is another host");
	TAP_OK(!allows("api.anthropic.com", "x.api.anthropic.com", 443), "a subdomain is another host");
	TAP_OK(allows("*.github.com", "api.github.com", 443), "wildcard: a subdomain");
	TAP_OK(allows("*.github.com", "a.b.github.com", 443), "wildcard: a deeper subdomain");
	TAP_OK(!allows("*.github.com", "github.com", 443), "wildcard: not the domain itself");
	TAP_OK(!allows("*.github.com", "evilgithub.com", 443), "wildcard: not a name that merely ends the same");
	TAP_OK(!allows("*.github.com", "github.com.evil.org", 443), "wildcard: not a name that starts the same");
	TAP_OK(allows("host.test:8080", "host.test", 8080) && !allows("host.test:8080", "host.test", 443),
	       "host:port allows that port only");
	TAP_OK(allows("host.test:*", "host.test", 1), "host:* any port");
	TAP_OK(allows("*:443", "anything.example", 443) && !allows("*:443", "anything.example", 80), "*:443");
	TAP_OK(allows("10.0.0.5:22", "10.0.0.5", 22) && !allows("10.0.0.5:22", "10.0.0.6", 22), "IPv4 literal");
	TAP_OK(allows("[::1]:80", "::1", 80) && allows("[::1]:80", "0:0::1", 80), "IPv6 literal, any spelling");
	TAP_OK(allows("127.0.0.1:80", "::ffff:127.0.0.1", 80), "IPv4-mapped IPv6 matches the IPv4 rule");
	TAP_OK(!allows("example.com", "93.184.215.14", 443), "a name rule does not match an address");
	struct net_host t;
	TAP_OK(net_host_target("127.1", 5, &t) != 0 && net_host_target("2130706433", 10, &t) != 0,
	       "numeric aliases are not host names");
	TAP_OK(net_host_numeric_alias("0x7f000001") && net_host_numeric_alias("127.1") &&
		       !net_host_numeric_alias("a.b"),
	       "numeric aliases recognized");
}

static const char *special(const char *ip)
{
	unsigned char a[16] = {0};
	if (inet_pton(AF_INET, ip, a) == 1)
		return net_addr_special(AF_INET, a);
	inet_pton(AF_INET6, ip, a);
	return net_addr_special(AF_INET6, a);
}

static void test_special(void)
{
	const char *sp[] = {"127.0.0.1",
			    "127.255.0.9",
			    "169.254.169.254",
			    "169.254.1.1",
			    "0.0.0.0",
			    "224.0.0.1",
			    "255.255.255.255",
			    "100.100.100.200",
			    "168.63.129.16",
			    "::1",
			    "::",
			    "fe80::1",
			    "fd00:ec2::254",
			    "ff02::1",
			    "::ffff:127.0.0.1",
			    "::ffff:169.254.169.254",
			    "64:ff9b::7f00:1",
			    "2002:a9fe:a9fe::1",
			    NULL};
	for (const char **s = sp; *s; s++)
		TAP_OK(special(*s) != NULL, "%s is special (%s)", *s, special(*s));
	const char *ok[] = {"1.1.1.1", "10.0.0.1", "192.168.1.1", "2606:4700::1111", "::ffff:8.8.8.8", NULL};
	for (const char **s = ok; *s; s++)
		TAP_OK(special(*s) == NULL, "%s is ordinary", *s);
	TAP_OK(special("fd00:ec2::254") && strstr(special("169.254.169.254"), "metadata") &&
		       strstr(special("fd00:ec2::254"), "metadata"),
	       "metadata services are named as such");
}

static const char *private_net(const char *ip)
{
	unsigned char a[16] = {0};
	if (inet_pton(AF_INET, ip, a) == 1)
		return net_addr_private(AF_INET, a);
	inet_pton(AF_INET6, ip, a);
	return net_addr_private(AF_INET6, a);
}

static void test_private(void)
{
	const char *pv[] = {"10.0.0.1",         "10.255.255.255",
			    "172.16.0.1",       "172.31.255.254",
			    "192.168.1.1",      "100.64.0.1",
			    "100.127.255.254",  "fd00::2",
			    "fc00::1",          "::ffff:10.1.2.3",
			    "::192.168.0.1",    "64:ff9b::a00:1",
			    "2002:c0a8:101::1", NULL};
	for (const char **s = pv; *s; s++)
		TAP_OK(private_net(*s) != NULL, "%s is private (%s)", *s, private_net(*s));
	const char *no[] = {"172.15.255.255",  "172.32.0.1",     "192.169.0.1", "100.63.255.255",
			    "100.128.0.1",     "11.0.0.1",       "1.1.1.1",     "fe00::1",
			    "2606:4700::1111", "::ffff:8.8.8.8", NULL};
	for (const char **s = no; *s; s++)
		TAP_OK(private_net(*s) == NULL, "%s is not private", *s);
	TAP_OK(special("100.100.100.200") != NULL, "100.100.100.200 (in 100.64/10) stays the metadata service");
}

/* ---- HTTP --------------------------------------------------------------------------------------------- */

static int req(const char *text, struct proxy_request *r)
{
	return proxy_parse_request(text, strlen(text), r);
}

static void test_requests(void)
{
	struct proxy_request r;
	int rc = req("CONNECT api.example.com:443 HTTP/1.1\r\nHost: api.example.com:443\r\n\r\nTLSBYTES", &r);
	TAP_OK(rc == PROXY_OK && r.connect && !strcmp(r.host, "api.example.com") && r.port == 443 &&
		       r.head_len ==
			       strlen("CONNECT api.example.com:443 HTTP/1.1\r\nHost: api.example.com:443\r\n\r\n"),
	       "CONNECT host:port, head length excludes what follows");
	rc = req("CONNECT [2001:db8::1]:8443 HTTP/1.1\r\n\r\n", &r);
	TAP_OK(rc == PROXY_OK && r.connect && !strcmp(r.host, "2001:db8::1") && r.port == 8443 &&
		       r.target.kind == NET_HOST_IP6,
	       "CONNECT [v6]:port");
	rc = req("CONNECT api.example.com HTTP/1.1\r\n\r\n", &r);
	TAP_OK(rc == PROXY_BAD && r.status == 400, "CONNECT without a port refused");
	rc = req("GET http://Example.COM:8080/a/b?q=1#frag HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n", &r);
	TAP_OK(rc == PROXY_OK && !r.connect && !strcmp(r.host, "example.com") && r.port == 8080 && r.path_len == 8 &&
		       !strncmp(r.path, "/a/b?q=1", 8) && r.nh == 2 && !r.close,
	       "absolute URI: host lowercased, port, path and query, fragment dropped");
	rc = req("GET http://example.com HTTP/1.0\r\n\r\n", &r);
	TAP_OK(rc == PROXY_OK && r.port == 80 && r.path_len == 0 && r.close && r.minor == 0,
	       "absolute URI without path; HTTP/1.0 closes");
	rc = req("GET http://example.com/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &r);
	TAP_OK(rc == PROXY_OK && !r.close, "HTTP/1.0 with keep-alive stays open");
	rc = req("GET http://example.com/ HTTP/1.1\r\nProxy-Connection: close\r\n\r\n", &r);
	TAP_OK(rc == PROXY_OK && r.close, "Proxy-Connection: close");
	rc = req("POST http://example.com/ HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", &r);
	TAP_OK(rc == PROXY_OK && r.content_length == 5, "repeated equal Content-Length accepted");
	rc = req("POST http://example.com/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n", &r);
	TAP_OK(rc == PROXY_OK && r.chunked && r.expect_continue && r.content_length == -1,
	       "chunked, Expect: 100-continue");
	rc = req("GET http://example.com/ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", &r);
	TAP_OK(rc == PROXY_OK && r.upgrade, "Upgrade request");
	rc = req("\r\nGET http://example.com/ HTTP/1.1\r\n\r\n", &r);
	TAP_OK(rc == PROXY_OK && r.head_len == 2 + strlen("GET http://example.com/ HTTP/1.1\r\n\r\n"),
	       "a leading empty line is tolerated");
	rc = req("GET http://example.com/ HTTP/1.1\n\n", &r);
	TAP_OK(rc == PROXY_OK, "bare LF line ends");

	static const struct {
		const char *text;
		int status;
		const char *why;
	} bad[] = {
		{"POST http://e.com/ HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "both"},
		{"POST http://e.com/ HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400,
		 "Content-Length"},
		{"POST http://e.com/ HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n", 400, "Content-Length"},
		{"POST http://e.com/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "Content-Length"},
		{"POST http://e.com/ HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "chunked"},
		{"POST http://e.com/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 501,
		 "chunked"},
		{"GET http://e.com/ HTTP/1.1\r\nX-A: 1\r\n  folded\r\n\r\n", 400, "folded"},
		{"GET http://e.com/ HTTP/1.1\r\nHost : e.com\r\n\r\n", 400, "header name"},
		{"GET http://e.com/ HTTP/1.1\r\nno colon here\r\n\r\n", 400, "header line"},
		{"GET http://e.com/ HTTP/1.1\r\nX: a\x01b\r\n\r\n", 400, "control character"},
		{"GET http://e.com/ HTTP/2.0\r\n\r\n", 505, "HTTP/1.0"},
		{"GET /index.html HTTP/1.1\r\nHost: e.com\r\n\r\n", 400, "guard's proxy"},
		{"GET https://e.com/ HTTP/1.1\r\n\r\n", 400, "CONNECT"},
		{"GET ftp://e.com/ HTTP/1.1\r\n\r\n", 400, "http://"},
		{"GET http://user:pw@e.com/ HTTP/1.1\r\n\r\n", 400, "passwords"},
		{"GET http://e..com/ HTTP/1.1\r\n\r\n", 400, "host"},
		{"GET http://e.com:0/ HTTP/1.1\r\n\r\n", 400, "host"},
		{"GET http://e.com:99999/ HTTP/1.1\r\n\r\n", 400, "host"},
		{"GET  http://e.com/ HTTP/1.1\r\n\r\n", 400, "request line"},
		{"G\x7f T http://e.com/ HTTP/1.1\r\n\r\n", 400, "method"},
		{"\x16\x03\x01\x02\x00", 400, "not an HTTP request"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		rc = proxy_parse_request(bad[i].text, strlen(bad[i].text), &r);
		TAP_OK(rc == PROXY_BAD && r.status == bad[i].status && r.error && strstr(r.error, bad[i].why),
		       "refused (%d, %s): %s", r.status, r.error ? r.error : "?", show(bad[i].text, 40));
	}
	static const char nul[] = "GET http://e.com/ HTTP/1.1\r\nX: \0\r\n\r\n";
	rc = proxy_parse_request(nul, sizeof nul - 1, &r);
	TAP_OK(rc == PROXY_BAD, "a NUL byte in the head refused");
	rc = req("GET http://e.com/ HTTP/1.1\r\nHost: e", &r);
	TAP_OK(rc == PROXY_NEED_MORE, "an incomplete head needs more");
	char *big = malloc(PROXY_HEAD_MAX + 100);
	strcpy(big, "GET http://e.com/ HTTP/1.1\r\n");
	size_t n = strlen(big);
	while (n < PROXY_HEAD_MAX + 50)
		big[n++] = 'a';
	rc = proxy_parse_request(big, n, &r);
	TAP_OK(rc == PROXY_BAD && r.status == 431, "a head over 32 KiB refused (431)");
	free(big);
	char many[8192] = "GET http://e.com/ HTTP/1.1\r\n";
	for (int i = 0; i < PROXY_MAX_HEADERS + 1; i++)
		strcat(many, "X: 1\r\n");
	strcat(many, "\r\n");
	rc = req(many, &r);
	TAP_OK(rc == PROXY_BAD && r.status == 431, "more than %d header fields refused (431)", PROXY_MAX_HEADERS);

	/* hop-by-hop */
	rc = req("GET http://e.com/ HTTP/1.1\r\nConnection: close, X-Secret\r\nX-Secret: 1\r\nX-Keep: 2\r\n"
		 "Proxy-Authorization: Basic x\r\nKeep-Alive: 5\r\n\r\n",
		 &r);
	int hop = 0;
	for (size_t i = 0; i < r.nh; i++)
		hop += proxy_header_hop(&r.h[i], r.h, r.nh, false);
	TAP_OK(rc == PROXY_OK && r.nh == 5 && hop == 4, "hop-by-hop fields, including those Connection names (%d)",
	       hop);
}

static void test_responses(void)
{
	struct proxy_response s;
	const char *t = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nhello world!";
	int rc = proxy_parse_response(t, strlen(t), &s);
	TAP_OK(rc == PROXY_OK && s.status == 200 && s.content_length == 12 && !s.close && s.head_len == strlen(t) - 12,
	       "200 with Content-Length");
	t = "HTTP/1.0 200 OK\r\n\r\n";
	rc = proxy_parse_response(t, strlen(t), &s);
	TAP_OK(rc == PROXY_OK && s.close && s.content_length == -1, "HTTP/1.0 response closes");
	t = "HTTP/1.1 204\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
	rc = proxy_parse_response(t, strlen(t), &s);
	TAP_OK(rc == PROXY_OK && s.status == 204 && s.chunked && s.close, "status without reason, chunked, close");
	t = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n";
	TAP_OK(proxy_parse_response(t, strlen(t), &s) == PROXY_BAD, "CL + TE response refused");
	t = "SSH-2.0-OpenSSH\r\n";
	TAP_OK(proxy_parse_response(t, strlen(t), &s) == PROXY_BAD, "not HTTP refused early");
	t = "HTTP/1.1 2000 OK\r\n\r\n";
	TAP_OK(proxy_parse_response(t, strlen(t), &s) == PROXY_BAD, "malformed status refused");
	t = "HTTP/1.1 200 OK\r\nContent-";
	TAP_OK(proxy_parse_response(t, strlen(t), &s) == PROXY_NEED_MORE, "incomplete response head needs more");
}

/* Feed text in pieces of `step` bytes; returns the body length found (or -1), *rest the bytes after it. */
static long chunked_len(const char *text, size_t len, size_t step, size_t *rest)
{
	struct proxy_chunked c = {0};
	size_t off = 0;
	bool done = false;
	while (off < len && !done) {
		size_t n = len - off < step ? len - off : step;
		long k = proxy_chunked_feed(&c, text + off, n, &done);
		if (k < 0)
			return -1;
		off += (size_t)k;
		if (!done && (size_t)k < n)
			return -1;
	}
	*rest = len - off;
	return done ? (long)off : -2;
}

static void test_chunked(void)
{
	const char *body = "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\nNEXT";
	size_t len = strlen(body), rest;
	bool all = true;
	for (size_t step = 1; step <= len; step++)
		all &= chunked_len(body, len, step, &rest) == (long)(len - 4) && rest == 4;
	TAP_OK(all, "chunked body with extension and trailer, fed in every piece size, ends before the next message");
	const char *lf = "3\nabc\n0\n\n";
	TAP_OK(chunked_len(lf, strlen(lf), 2, &rest) == (long)strlen(lf), "bare LF chunk lines");
	const char *hex = "A\r\n0123456789\r\n0\r\n\r\n";
	TAP_OK(chunked_len(hex, strlen(hex), 3, &rest) == (long)strlen(hex), "hex sizes");
	static const char *const bad[] = {
		"x\r\n", "5\r\nhelloX\r\n", "1234567890123456\r\n", "\r\n", "5 x\r\n", "0\r\n\rX", NULL};
	for (const char *const *b = bad; *b; b++)
		TAP_OK(chunked_len(*b, strlen(*b), 1, &rest) == -1, "malformed chunked refused: %s", show(*b, 20));
	const char *partial = "5\r\nhel";
	TAP_OK(chunked_len(partial, strlen(partial), 4, &rest) == -2, "an unfinished body is not done");
}

/* ---- SOCKS5 ------------------------------------------------------------------------------------------- */

static void test_socks(void)
{
	size_t used;
	bool noauth;
	TAP_OK(proxy_socks5_greeting((const unsigned char *)"\x05\x02\x02\x00", 4, &used, &noauth) == PROXY_OK &&
		       used == 4 && noauth,
	       "greeting offering no-auth");
	TAP_OK(proxy_socks5_greeting((const unsigned char *)"\x05\x01\x02", 3, &used, &noauth) == PROXY_OK && !noauth,
	       "greeting without no-auth");
	TAP_OK(proxy_socks5_greeting((const unsigned char *)"\x05\x03\x00", 3, &used, &noauth) == PROXY_NEED_MORE,
	       "short greeting needs more");
	TAP_OK(proxy_socks5_greeting((const unsigned char *)"\x04\x01", 2, &used, &noauth) == PROXY_BAD,
	       "SOCKS4 is not 5");
	struct proxy_socks_request r;
	const unsigned char dom[] = "\x05\x01\x00\x03\x0b"
				    "example.com"
				    "\x01\xbb";
	TAP_OK(proxy_socks5_request(dom, sizeof dom - 1, &r) == PROXY_OK && !strcmp(r.host, "example.com") &&
		       r.port == 443 && r.len == sizeof dom - 1,
	       "CONNECT by domain name");
	const unsigned char ip4[] = {5, 1, 0, 1, 10, 0, 0, 5, 0, 80};
	TAP_OK(proxy_socks5_request(ip4, sizeof ip4, &r) == PROXY_OK && !strcmp(r.host, "10.0.0.5") && r.port == 80 &&
		       r.target.kind == NET_HOST_IP4,
	       "CONNECT by IPv4");
	unsigned char ip6[22] = {5, 1, 0, 4};
	ip6[19] = 1;
	ip6[20] = 0x1f;
	ip6[21] = 0x90;
	TAP_OK(proxy_socks5_request(ip6, sizeof ip6, &r) == PROXY_OK && !strcmp(r.host, "::1") && r.port == 8080,
	       "CONNECT by IPv6");
	TAP_OK(proxy_socks5_request(dom, 8, &r) == PROXY_NEED_MORE, "partial request needs more");
	const unsigned char bind[] = {5, 2, 0, 1, 10, 0, 0, 5, 0, 80};
	TAP_OK(proxy_socks5_request(bind, sizeof bind, &r) == PROXY_BAD && r.reply == SOCKS_BAD_COMMAND,
	       "BIND refused: command not supported");
	const unsigned char udp[] = {5, 3, 0, 1, 10, 0, 0, 5, 0, 80};
	TAP_OK(proxy_socks5_request(udp, sizeof udp, &r) == PROXY_BAD && r.reply == SOCKS_BAD_COMMAND,
	       "UDP ASSOCIATE refused");
	const unsigned char atyp[] = {5, 1, 0, 9, 1, 2};
	TAP_OK(proxy_socks5_request(atyp, sizeof atyp, &r) == PROXY_BAD && r.reply == SOCKS_BAD_ADDRESS,
	       "unknown address type refused");
	const unsigned char badname[] = "\x05\x01\x00\x03\x05"
					"a..bc"
					"\x00\x50";
	TAP_OK(proxy_socks5_request(badname, sizeof badname - 1, &r) == PROXY_BAD, "invalid domain refused");
	const unsigned char nul[] = "\x05\x01\x00\x03\x05"
				    "ab\0cd"
				    "\x00\x50";
	TAP_OK(proxy_socks5_request(nul, sizeof nul - 1, &r) == PROXY_BAD, "domain with a NUL refused");
	const unsigned char port0[] = {5, 1, 0, 1, 10, 0, 0, 5, 0, 0};
	TAP_OK(proxy_socks5_request(port0, sizeof port0, &r) == PROXY_BAD && r.reply == SOCKS_NOT_ALLOWED,
	       "port 0 refused");
}

/* ---- network.* in the policy -------------------------------------------------------------------------- */

static void test_policy(void)
{
	struct guard_policy p;
	struct guard_error e = {0};
	guard_policy_init(&p);
	const char *y = "network:\n  allow:\n    - api.anthropic.com\n    - \"*.github.com\"\n    - localhost:3000\n"
			"  host_sockets: [$SSH_AUTH_SOCK, /var/run/docker.sock]\n  publish: [3000, 8080]\n";
	int rc = guard_policy_load_yaml(&p, "n.yaml", y, strlen(y), GUARD_SRC_USER, &e);
	TAP_OK(rc == 0 && p.nnet_allow == 3 && p.nhost_sockets == 2 && p.npublish == 2, "network section stored (%s)",
	       rc ? e.message : "ok");
	TAP_OK(rc == 0 && !strcmp(p.net_allow[1].host, "*.github.com") && p.net_allow[1].at.line == 4 &&
		       p.net_allow[1].at.col == 7 && !strcmp(p.net_allow[1].at.file, "n.yaml") &&
		       p.net_allow[2].port == 3000 && p.publish[1].port == 8080 && p.publish[1].at.line == 7 &&
		       !strcmp(p.host_sockets[0].written, "$SSH_AUTH_SOCK"),
	       "entries keep their position");
	struct guard_policy q;
	guard_policy_init(&q);
	rc = guard_policy_load_yaml(&q, "m.yaml", "network:\n  allow: [example.org]\n", 31, GUARD_SRC_PROJECT, &e);
	guard_policy_merge(&p, &q);
	TAP_OK(rc == 0 && p.nnet_allow == 4 && !strcmp(p.net_allow[3].at.file, "m.yaml"), "merge appends");
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	guard_policy_print(f, &p);
	fclose(f);
	TAP_OK(strstr(buf, "network.allow: these hosts only") && strstr(buf, "api.anthropic.com (ports 80, 443)") &&
		       strstr(buf, "n.yaml:4:7") && strstr(buf, "network.publish:") && !strstr(buf, "later version"),
	       "guard policy prints the network section");
	free(buf);
	guard_policy_free(&p);

	static const struct {
		const char *yaml, *msg, *hint;
		unsigned line, col;
	} bad[] = {
		{"network:\n  allow:\n    - https://x.com\n", "network.allow: \"https://x.com\": a URL", "\"x.com\"", 3,
		 7},
		{"network:\n  allow: [ok.com, \"a.*.com\"]\n", "wildcard", "*.example.com", 2, 19},
		{"network:\n  allow: [\"x.com:99999\"]\n", "bad port", "1 to 65535", 2, 11},
		{"network:\n  host_sockets: [relative.sock]\n", "is not a socket path", "$SSH_AUTH_SOCK", 2, 18},
		{"network:\n  host_sockets: [\"$1X\"]\n", "is not a socket path", NULL, 2, 18},
		{"network:\n  publish: [0]\n", "out of range", NULL, 2, 13},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		guard_policy_init(&p);
		memset(&e, 0, sizeof e);
		rc = guard_policy_load_yaml(&p, "b.yaml", bad[i].yaml, strlen(bad[i].yaml), GUARD_SRC_USER, &e);
		TAP_OK(rc != 0 && strstr(e.message, bad[i].msg) && (!bad[i].hint || strstr(e.hint, bad[i].hint)) &&
			       e.line == bad[i].line && e.col == bad[i].col,
		       "bad network entry at %u:%u: %s (%s)", e.line, e.col, e.message, e.hint);
		guard_policy_free(&p);
	}
	/* the flag */
	const char *nets[] = {"api.example.com", "bad/host"};
	struct guard_sources src = {
		.profile = "default", .user_config = "/nonexistent/guard.yaml", .net_flags = nets, .nnet_flags = 1};
	rc = guard_policy_assemble(&p, &src, &e);
	TAP_OK(rc == 0 && p.nnet_allow >= 1 && !strcmp(p.net_allow[p.nnet_allow - 1].at.file, "--allow-net") &&
		       p.net_allow[p.nnet_allow - 1].at.source == GUARD_SRC_FLAG,
	       "--allow-net adds a flag rule");
	guard_policy_free(&p);
	src.net_flags = nets + 1;
	rc = guard_policy_assemble(&p, &src, &e);
	TAP_OK(rc != 0 && !strcmp(e.file, "--allow-net") && strstr(e.message, "\"bad/host\": a host has no path"),
	       "--allow-net with a bad host: %s: %s", e.file, e.message);
	guard_policy_free(&p);
}

int main(void)
{
	test_patterns();
	test_matching();
	test_special();
	test_private();
	test_requests();
	test_responses();
	test_chunked();
	test_socks();
	test_policy();
	return tap_done();
}
