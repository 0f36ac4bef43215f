/* The proxy's parsers (proxy.h). Untrusted bytes in, fixed-size results out: every loop is bounded by `len` or a
 * constant, no allocation, no libc beyond string and inet_pton/ntop. Strictness is deliberate: a request that two
 * HTTP implementations could read differently (both Content-Length and Transfer-Encoding, folded lines, spaces
 * before the colon) is refused rather than guessed at, so what guard checks is what the upstream receives. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "net/proxy.h"
#include "policy/net_host.h"

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
		if (net_host_port_parse(p, pl, port, false) != 0)
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
		return bad(r, 400,
			   "this is guard's proxy: send absolute-URI requests (GET http://host/...) or CONNECT");
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
		return bad(r, 400,
			   "user names and passwords in the URL are not forwarded: use an Authorization header");
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
	static const char *const hop[] = {
		"connection", "proxy-connection", "keep-alive", "proxy-authorization", "proxy-authenticate",
		"te",         "trailer",          NULL};
	for (const char *const *x = hop; *x; x++)
		if (ieq(h->name, h->name_len, *x))
			return true;
	if (ieq(h->name, h->name_len, "upgrade"))
		return !keep_upgrade;
	/* Fields the Connection header names are hop-by-hop too. */
	for (size_t i = 0; i < n; i++) {
		if (!ieq(all[i].name, all[i].name_len, "connection") &&
		    !ieq(all[i].name, all[i].name_len, "proxy-connection"))
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

enum {
	CH_SIZE,
	CH_SIZE_WS,
	CH_EXT,
	CH_SIZE_LF,
	CH_DATA,
	CH_DATA_CR,
	CH_DATA_LF,
	CH_TRAILER_START,
	CH_TRAILER,
	CH_FINAL_LF,
	CH_DONE
};

#define CH_LINE_MAX 4096
#define CH_TRAILER_MAX 16384

static int hexval(char c)
{
	if (is_digit(c))
		return c - '0';
	c = lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One step of the chunk-size line (size, whitespace, extensions, its LF) at p (n > 0 bytes): how many bytes it
 * consumed (0 when it only changed state), or -1 when malformed. */
static long chunk_size_step(struct proxy_chunked *c, const char *p)
{
	char ch = *p;
	long used = 0;
	switch (c->state) {
	case CH_SIZE:
		if (hexval(ch) >= 0) {
			if (++c->digits > 15)
				return -1;
			c->remaining = c->remaining * 16 + (unsigned)hexval(ch);
			return 1;
		}
		if (c->digits == 0)
			return -1;
		c->state = CH_SIZE_WS;
		return used;
	case CH_SIZE_WS:
		if (ch == ' ' || ch == '\t') {
			if (++c->line > CH_LINE_MAX)
				return -1;
			used++;
		} else if (ch == ';') {
			c->state = CH_EXT;
			used++;
		} else if (ch == '\r') {
			c->state = CH_SIZE_LF;
			used++;
		} else if (ch == '\n') {
			c->state = CH_SIZE_LF;
		} else {
			return -1;
		}
		return used;
	case CH_EXT:
		if (ch == '\r') {
			c->state = CH_SIZE_LF;
			used++;
		} else if (ch == '\n') {
			c->state = CH_SIZE_LF; /* consumed there */
		} else if (++c->line > CH_LINE_MAX || ((unsigned char)ch < 0x20 && ch != '\t') || ch == 0x7f) {
			return -1;
		} else {
			used++;
		}
		return used;
	case CH_SIZE_LF:
		if (ch != '\n')
			return -1;
		used++;
		c->line = 0;
		c->digits = 0;
		c->state = c->remaining ? CH_DATA : CH_TRAILER_START;
		return used;
	default:
		return -1;
	}
}

/* One step of the chunk data, its CRLF, the trailer and the final LF, as chunk_size_step. */
static long chunk_body_step(struct proxy_chunked *c, const char *p, size_t n)
{
	char ch = *p;
	long used = 0;
	switch (c->state) {
	case CH_DATA: {
		size_t take = n;
		if (take > c->remaining)
			take = (size_t)c->remaining;
		c->remaining -= take;
		if (c->remaining == 0)
			c->state = CH_DATA_CR;
		return (long)take;
	}
	case CH_DATA_CR:
		if (ch == '\r') {
			c->state = CH_DATA_LF;
			used++;
		} else if (ch == '\n') {
			c->state = CH_DATA_LF;
		} else {
			return -1;
		}
		return used;
	case CH_DATA_LF:
		if (ch != '\n')
			return -1;
		used++;
		c->state = CH_SIZE;
		return used;
	case CH_TRAILER_START:
		if (ch == '\r') {
			c->state = CH_FINAL_LF;
			used++;
		} else if (ch == '\n') {
			c->state = CH_FINAL_LF;
		} else {
			c->state = CH_TRAILER;
		}
		return used;
	case CH_TRAILER:
		if (++c->trailer > CH_TRAILER_MAX || ch == 0)
			return -1;
		used++;
		if (ch == '\n')
			c->state = CH_TRAILER_START;
		return used;
	case CH_FINAL_LF:
		if (ch != '\n')
			return -1;
		used++;
		c->state = CH_DONE;
		return used;
	default:
		return -1;
	}
}

long proxy_chunked_feed(struct proxy_chunked *c, const char *buf, size_t len, bool *done)
{
	size_t i = 0;
	*done = c->state == CH_DONE;
	while (i < len && c->state != CH_DONE) {
		bool size_line =
			c->state == CH_SIZE || c->state == CH_SIZE_WS || c->state == CH_EXT || c->state == CH_SIZE_LF;
		long used = size_line ? chunk_size_step(c, buf + i) : chunk_body_step(c, buf + i, len - i);
		if (used < 0)
			return -1;
		i += (size_t)used;
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
		net_host_ip_text(&r->target);
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
