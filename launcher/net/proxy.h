/* The network proxy's pure parts (proxy_parse.c): request targets, HTTP/1.x request and response heads,
 * chunked body framing, SOCKS5. Everything here reads bytes that a sandboxed program (or an upstream server) wrote:
 * bounded, no allocation, no I/O, never reads past `len`; fuzzed by tests/fuzz/fuzz_proxy.c and unit-tested by
 * tests/unit/test_proxy.c. The server around it is proxy_server.c; the host patterns it matches targets against are
 * policy language (policy/net_host.h). */
#ifndef GUARD_PROXY_H
#define GUARD_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guard/policy.h"
#include "policy/net_host.h" /* struct net_host, PROXY_HOST_MAX: the targets the parsers classify */

#define PROXY_HEAD_MAX 32768  /* bytes of one request or response head */
#define PROXY_MAX_HEADERS 100 /* header fields per head */

enum { PROXY_NEED_MORE = 0, PROXY_OK = 1, PROXY_BAD = -1 };

/* ---- HTTP ---- */

struct proxy_header {
	const char *name, *value;
	size_t name_len, value_len;
};

struct proxy_request {
	size_t head_len; /* bytes of the head, final empty line included */
	const char *method;
	size_t method_len;
	bool connect;                  /* CONNECT host:port */
	bool origin_form;              /* "GET /path": a request for the proxy itself (PROXY_BAD) */
	char host[PROXY_HOST_MAX + 3]; /* target host, normalized (IPv6 without brackets) */
	struct net_host target;        /* the same, classified */
	unsigned port;
	const char *path; /* absolute-URI requests: path and query ("/" when the URI has none) */
	size_t path_len;
	int minor; /* HTTP/1.minor */
	struct proxy_header h[PROXY_MAX_HEADERS];
	size_t nh;
	long long content_length; /* -1: none */
	bool chunked, close, upgrade, expect_continue;
	int status;        /* PROXY_BAD: the status to answer (400, 414, 431, 501, 505) */
	const char *error; /* PROXY_BAD: why, for the answer's body */
};
/* Parse the request head at the start of buf. PROXY_NEED_MORE until the head is complete (PROXY_BAD once more
 * than PROXY_HEAD_MAX bytes hold no complete head). */
int proxy_parse_request(const char *buf, size_t len, struct proxy_request *req);

struct proxy_response {
	size_t head_len;
	int status, minor;
	struct proxy_header h[PROXY_MAX_HEADERS];
	size_t nh;
	long long content_length; /* -1: none */
	bool chunked, close, keep_alive;
	const char *error;
};
int proxy_parse_response(const char *buf, size_t len, struct proxy_response *resp);

/* Hop-by-hop fields a proxy must not forward (Connection, Keep-Alive, Proxy-*, TE, Upgrade unless kept, and every
 * field the Connection header lists). */
bool proxy_header_hop(const struct proxy_header *h, const struct proxy_header *all, size_t n, bool keep_upgrade);

/* Chunked transfer coding: where the body ends. Bytes are forwarded unchanged; the framer only follows them. */
struct proxy_chunked {
	int state;
	unsigned long long remaining;
	unsigned digits, line, trailer;
};
/* Feed the next bytes of a chunked body. Returns how many of them belong to the body (the rest is the next
 * message), setting *done at its end; -1 when malformed. */
long proxy_chunked_feed(struct proxy_chunked *c, const char *buf, size_t len, bool *done);

/* ---- SOCKS ---- */

enum {
	SOCKS_OK = 0,
	SOCKS_FAILURE = 1,
	SOCKS_NOT_ALLOWED = 2,
	SOCKS_NET_UNREACHABLE = 3,
	SOCKS_HOST_UNREACHABLE = 4,
	SOCKS_REFUSED = 5,
	SOCKS_TTL = 6,
	SOCKS_BAD_COMMAND = 7,
	SOCKS_BAD_ADDRESS = 8,
};

/* Client greeting (VER NMETHODS METHODS...): *used bytes; *noauth when method 0 is offered. */
int proxy_socks5_greeting(const unsigned char *buf, size_t len, size_t *used, bool *noauth);

struct proxy_socks_request {
	size_t len; /* bytes of the request */
	int cmd;
	char host[PROXY_HOST_MAX + 3]; /* normalized */
	struct net_host target;
	unsigned port;
	int reply; /* PROXY_BAD: the SOCKS reply code to send */
};
int proxy_socks5_request(const unsigned char *buf, size_t len, struct proxy_socks_request *r);

#endif
