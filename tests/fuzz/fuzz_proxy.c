/* libFuzzer target for launcher/proxy_parse.c: every byte a sandboxed program (or an upstream server) sends to
 * guard's proxy goes through these parsers first, so none may crash, read past its input, or disagree with
 * itself when the same bytes arrive in other pieces.
 *
 * Input: one selector byte, then the bytes:
 *   0 request head   1 response head   2 chunked body (fed whole, byte by byte, and in pieces: same answer)
 *   3 SOCKS5 greeting + request        4 host pattern (network.allow entry)   5 host target + matching
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Ilauncher -D_GNU_SOURCE tests/fuzz/fuzz_proxy.c \
 *         launcher/proxy_parse.c -o /tmp/fuzz_proxy
 *   cp -r tests/fuzz/corpus/proxy /tmp/corpus_proxy && /tmp/fuzz_proxy -max_total_time=60 /tmp/corpus_proxy */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "INVARIANT: %s\n", what);
		abort();
	}
}

/* Copy into an exactly-sized heap buffer, so ASan catches any read past the end. */
static char *exact(const uint8_t *d, size_t n)
{
	char *p = malloc(n ? n : 1);
	if (n)
		memcpy(p, d, n);
	return p;
}

static void request(const char *b, size_t n)
{
	struct proxy_request r;
	int rc = proxy_parse_request(b, n, &r);
	check(rc == PROXY_OK || rc == PROXY_BAD || rc == PROXY_NEED_MORE, "request: result");
	if (rc == PROXY_OK) {
		check(r.head_len <= n && r.head_len <= PROXY_HEAD_MAX, "request: head inside the input");
		check(r.nh <= PROXY_MAX_HEADERS, "request: header count");
		check(r.port >= 1 && r.port <= 65535, "request: port");
		check(strlen(r.host) > 0 && strlen(r.host) <= PROXY_HOST_MAX + 2, "request: host");
		check(!(r.chunked && r.content_length >= 0), "request: one framing");
		for (size_t i = 0; i < r.nh; i++) {
			check(r.h[i].name >= b && r.h[i].name + r.h[i].name_len <= b + r.head_len,
			      "request: header name");
			check(r.h[i].value >= b && r.h[i].value + r.h[i].value_len <= b + r.head_len,
			      "request: header value");
			(void)proxy_header_hop(&r.h[i], r.h, r.nh, r.upgrade);
		}
		if (!r.connect)
			check(r.path >= b && r.path + r.path_len <= b + r.head_len, "request: path");
		/* The same head with more bytes after it parses the same. */
		struct proxy_request r2;
		char *more = malloc(n + 7);
		memcpy(more, b, n);
		memcpy(more + n, "GARBAGE", 7);
		check(proxy_parse_request(more, n + 7, &r2) == PROXY_OK && r2.head_len == r.head_len &&
			      r2.port == r.port && !strcmp(r2.host, r.host),
		      "request: trailing bytes change nothing");
		free(more);
	} else if (rc == PROXY_BAD) {
		check(r.status >= 400 && r.status < 600 && r.error, "request: refusal has a status and a reason");
	}
}

static void response(const char *b, size_t n)
{
	struct proxy_response s;
	int rc = proxy_parse_response(b, n, &s);
	if (rc == PROXY_OK) {
		check(s.head_len <= n && s.status >= 100 && s.status <= 999, "response: head and status");
		check(!(s.chunked && s.content_length >= 0), "response: one framing");
	} else if (rc == PROXY_BAD) {
		check(s.error != NULL, "response: refusal has a reason");
	}
}

static void chunked(const char *b, size_t n)
{
	struct proxy_chunked c = {0};
	bool done = false;
	long whole = proxy_chunked_feed(&c, b, n, &done);
	check(whole >= -1 && whole <= (long)n, "chunked: consumed within input");
	bool whole_done = done;
	/* byte by byte */
	struct proxy_chunked c1 = {0};
	long total = 0;
	bool done1 = false, bad1 = false;
	for (size_t i = 0; i < n && !done1; i++) {
		long k = proxy_chunked_feed(&c1, b + i, 1, &done1);
		if (k < 0) {
			bad1 = true;
			break;
		}
		total += k;
	}
	if (whole < 0) {
		check(bad1, "chunked: byte-by-byte agrees on malformed");
	} else {
		check(!bad1 && total == whole && done1 == whole_done, "chunked: byte-by-byte agrees");
	}
	/* in pieces of 7 */
	struct proxy_chunked c7 = {0};
	long t7 = 0;
	bool done7 = false, bad7 = false;
	for (size_t i = 0; i < n && !done7; i += 7) {
		size_t len = n - i < 7 ? n - i : 7;
		long k = proxy_chunked_feed(&c7, b + i, len, &done7);
		if (k < 0) {
			bad7 = true;
			break;
		}
		t7 += k;
		if (!done7)
			check((size_t)k == len, "chunked: an unfinished body takes every byte");
	}
	check(whole < 0 ? bad7 : (!bad7 && t7 == whole && done7 == whole_done), "chunked: pieces agree");
}

static void socks(const uint8_t *d, size_t n)
{
	size_t used = 0;
	bool noauth;
	char *b = exact(d, n);
	int rc = proxy_socks5_greeting((const unsigned char *)b, n, &used, &noauth);
	check(rc != PROXY_OK || (used >= 3 && used <= n), "socks: greeting length");
	if (rc == PROXY_OK) {
		struct proxy_socks_request r;
		rc = proxy_socks5_request((const unsigned char *)b + used, n - used, &r);
		if (rc == PROXY_OK)
			check(r.len <= n - used && r.port >= 1 && r.cmd == 1 && strlen(r.host) > 0, "socks: request");
		else if (rc == PROXY_BAD)
			check(r.reply >= 1 && r.reply <= 8, "socks: reply code");
	}
	free(b);
}

static void pattern(const uint8_t *d, size_t n)
{
	char *s = malloc(n + 1);
	memcpy(s, d, n);
	s[n] = 0;
	struct net_host h;
	char why[256], hint[384];
	if (net_host_pattern_parse(s, &h, why, sizeof why, hint, sizeof hint) == 0) {
		check(h.port == GUARD_NET_PORT_WEB || h.port == GUARD_NET_PORT_ANY || (h.port >= 1 && h.port <= 65535),
		      "pattern: port");
		struct net_host self;
		if (h.kind == NET_HOST_NAME && net_host_target(h.name, strlen(h.name), &self) == 0)
			check(net_host_matches(&h, &self,
					       h.port == GUARD_NET_PORT_WEB || h.port == GUARD_NET_PORT_ANY ? 443
													    : h.port),
			      "pattern: a name matches itself");
	} else {
		check(strlen(why) > 0, "pattern: refusal has a reason");
	}
	free(s);
}

static void target(const uint8_t *d, size_t n)
{
	char *b = exact(d, n);
	struct net_host t;
	if (net_host_target(b, n, &t) == 0) {
		char text[PROXY_HOST_MAX + 16];
		net_host_port_text(text, sizeof text, t.name, 443);
		if (t.kind == NET_HOST_IP4 || t.kind == NET_HOST_IP6)
			(void)net_addr_special(t.kind == NET_HOST_IP4 ? 2 : 10, t.addr);
		struct net_host any = {.kind = NET_HOST_ANY, .port = GUARD_NET_PORT_ANY};
		check(net_host_matches(&any, &t, 1), "target: * matches everything");
	}
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const uint8_t *d = data + 1;
	size_t n = size - 1;
	if (n > 3 * PROXY_HEAD_MAX)
		return 0;
	char *b = exact(d, n);
	switch (data[0] % 6) {
	case 0:
		request(b, n);
		break;
	case 1:
		response(b, n);
		break;
	case 2:
		chunked(b, n);
		break;
	case 3:
		socks(d, n);
		break;
	case 4:
		pattern(d, n);
		break;
	default:
		target(d, n);
		break;
	}
	free(b);
	return 0;
}
