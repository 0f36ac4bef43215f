/* guard's proxy, plain HTTP: absolute-URI requests rewritten for the upstream (origin-form target, Host, no
 * hop-by-hop fields), each request and its response pumped both ways at once, the upstream connection kept while
 * requests name the same host and port. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/proxy_conn.h"

/* ---- plain HTTP (absolute-URI requests) --------------------------------------------------------------- */

static bool out_add(struct conn *c, const char *s, size_t n)
{
	if (c->out_len + n > OUT_CAP)
		return false;
	memcpy(c->http->out + c->out_len, s, n);
	c->out_len += n;
	return true;
}

static bool out_str(struct conn *c, const char *s)
{
	return out_add(c, s, strlen(s));
}

static bool header_is(const struct proxy_header *h, const char *name)
{
	return h->name_len == strlen(name) && strncasecmp(h->name, name, h->name_len) == 0;
}

/* The request as the upstream gets it: origin-form target, the URI's authority as Host, no hop-by-hop fields. */
static bool build_request(struct conn *c, const struct proxy_request *r)
{
	c->out_len = c->out_off = 0;
	char host[PROXY_HOST_MAX + 16];
	if (r->port == 80)
		snprintf(host, sizeof host, strchr(r->host, ':') ? "[%s]" : "%s", r->host);
	else
		net_host_port_text(host, sizeof host, r->host, r->port);
	bool ok = out_add(c, r->method, r->method_len) && out_str(c, " ");
	if (r->path_len == 0 || r->path[0] != '/')
		ok = ok && out_str(c, "/");
	ok = ok && out_add(c, r->path, r->path_len) && out_str(c, " HTTP/1.1\r\nHost: ") && out_str(c, host) &&
	     out_str(c, "\r\n");
	for (size_t i = 0; ok && i < r->nh; i++) {
		const struct proxy_header *h = &r->h[i];
		if (header_is(h, "host") || proxy_header_hop(h, r->h, r->nh, r->upgrade))
			continue;
		ok = out_add(c, h->name, h->name_len) && out_str(c, ": ") && out_add(c, h->value, h->value_len) &&
		     out_str(c, "\r\n");
	}
	if (r->upgrade)
		ok = ok && out_str(c, "Connection: Upgrade\r\n");
	else if (r->close)
		ok = ok && out_str(c, "Connection: close\r\n");
	return ok && out_str(c, "\r\n");
}

static bool build_response(struct conn *c, const char *buf, const struct proxy_response *s, bool close, bool client10)
{
	c->out_len = c->out_off = 0;
	const char *eol = memchr(buf, '\n', s->head_len);
	size_t l = eol ? (size_t)(eol - buf) : 0;
	if (l && buf[l - 1] == '\r')
		l--;
	bool ok = out_add(c, buf, l) && out_str(c, "\r\n");
	for (size_t i = 0; ok && i < s->nh; i++) {
		const struct proxy_header *h = &s->h[i];
		if (proxy_header_hop(h, s->h, s->nh, s->status == 101))
			continue;
		ok = out_add(c, h->name, h->name_len) && out_str(c, ": ") && out_add(c, h->value, h->value_len) &&
		     out_str(c, "\r\n");
	}
	if (s->status == 101)
		ok = ok && out_str(c, "Connection: Upgrade\r\n");
	else if (close)
		ok = ok && out_str(c, "Connection: close\r\n");
	else if (client10)
		ok = ok && out_str(c, "Connection: keep-alive\r\n");
	return ok && out_str(c, "\r\n");
}

/* How an exchange ends. X_KEEP_CLIENT: the upstream closes, the client's connection stays. X_MORE: not yet. */
enum xresult { X_MORE, X_KEEP, X_KEEP_CLIENT, X_CLOSE, X_FAIL, X_UPGRADE };

/* One request and its response in flight: the request's head and body going up (A), the response's head and
 * body coming down (B). */
struct exchange {
	struct conn *c;
	const struct proxy_request *r;
	bool head_method;
	/* A: the request */
	bool req_head_sent;
	long long a_left; /* Content-Length bytes still to come */
	struct proxy_chunked ach;
	bool a_complete;
	size_t a_pend; /* body bytes at the front of c->in, framed and ready to send */
	/* B: the response */
	enum { B_HEAD, B_BODY, B_DONE } bs;
	struct proxy_response s;
	long long b_left;
	struct proxy_chunked bch;
	bool b_chunked, b_until_close, b_complete, resp_close, sent_any, upgrade;
	size_t b_pend;         /* body bytes at the front of c->http->uin, ready to send */
	size_t rs_len, rs_off; /* the response head in c->http->out once the request head is out */
	/* this round */
	bool progress, want_cin, want_uin;
};

/* Send what send() takes of buf without blocking: bytes sent (0: try later), -1 when the peer is gone. */
static ssize_t send_some(int fd, const char *buf, size_t len)
{
	ssize_t k = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (k > 0)
		return k;
	return k < 0 && errno != EAGAIN && errno != EINTR ? -1 : 0;
}

/* Frame the next piece of the request body that c->in holds. */
static int frame_request_body(struct exchange *x)
{
	struct conn *c = x->c;
	if (x->r->chunked) {
		bool done;
		long k = proxy_chunked_feed(&x->ach, c->in, c->in_len, &done);
		if (k < 0)
			return -1;
		x->a_pend = (size_t)k;
		x->a_complete = done;
	} else {
		x->a_pend = c->in_len < (size_t)x->a_left ? c->in_len : (size_t)x->a_left;
		x->a_left -= (long long)x->a_pend;
		x->a_complete = x->a_left == 0;
	}
	return 0;
}

/* A: the request head, then its body as the client sends it. */
static enum xresult pump_request(struct exchange *x)
{
	struct conn *c = x->c;
	if (!x->req_head_sent) {
		ssize_t k = send_some(c->ufd, c->http->out + c->out_off, c->out_len - c->out_off);
		if (k < 0)
			return X_FAIL;
		if (k > 0) {
			c->out_off += (size_t)k;
			c->up += (unsigned long long)k;
			x->progress = true;
			if (c->out_off == c->out_len) {
				x->req_head_sent = true;
				c->out_len = c->out_off = 0;
			}
		}
		return X_MORE;
	}
	if (x->a_complete && !x->a_pend)
		return X_MORE;
	if (x->a_pend == 0 && c->in_len && !x->a_complete && frame_request_body(x) != 0)
		return X_FAIL;
	if (x->a_pend) {
		ssize_t k = send_some(c->ufd, c->in, x->a_pend);
		if (k < 0)
			return X_FAIL;
		if (k > 0) {
			proxy_consume_in(c, (size_t)k);
			x->a_pend -= (size_t)k;
			c->up += (unsigned long long)k;
			x->progress = true;
		}
	} else if (!x->a_complete) {
		ssize_t k = recv(c->cfd, c->in + c->in_len, sizeof c->in - c->in_len, MSG_DONTWAIT);
		if (k > 0) {
			c->in_len += (size_t)k;
			x->progress = true;
		} else if (k == 0 || (errno != EAGAIN && errno != EINTR)) {
			return X_FAIL; /* the body will never be complete */
		} else {
			x->want_cin = true;
		}
	}
	return X_MORE;
}

/* B, the head: parse it from the upstream's bytes, rewrite it for the client, and decide how the body is framed. */
static enum xresult take_response_head(struct exchange *x)
{
	struct conn *c = x->c;
	const struct proxy_request *r = x->r;
	struct proxy_response *s = &x->s;
	int rc = c->uin_len ? proxy_parse_response(c->http->uin, c->uin_len, s) : PROXY_NEED_MORE;
	if (rc == PROXY_BAD) {
		if (!x->sent_any)
			proxy_reply(c, 502, NULL, "guard's proxy: the upstream server sent a malformed response\n",
				    false);
		return X_FAIL;
	}
	if (rc != PROXY_OK) {
		x->want_uin = true;
		return X_MORE;
	}
	bool interim = s->status >= 100 && s->status < 200 && s->status != 101;
	x->upgrade = s->status == 101 && r->upgrade;
	if (s->status == 101 && !r->upgrade)
		return X_FAIL;
	bool no_body = interim || x->upgrade || x->head_method || s->status == 204 || s->status == 304;
	x->b_chunked = !no_body && s->chunked;
	x->b_left = !no_body && !s->chunked && s->content_length >= 0 ? s->content_length : 0;
	x->b_until_close = !no_body && !s->chunked && s->content_length < 0;
	x->resp_close = s->close || x->b_until_close;
	/* The client's connection outlives an upstream that closes, unless the body is framed by that close or the
	 * request's own body was not all read. */
	bool client_close = r->close || x->b_until_close || !x->a_complete;
	if (!build_response(c, c->http->uin, s, !interim && client_close, r->minor == 0))
		return X_FAIL;
	x->rs_len = c->out_len;
	x->rs_off = 0;
	memmove(c->http->uin, c->http->uin + s->head_len, c->uin_len - s->head_len);
	c->uin_len -= s->head_len;
	if (interim)
		x->bs = B_HEAD; /* the final response follows */
	else if (no_body || (!x->b_chunked && !x->b_until_close && x->b_left == 0))
		x->bs = B_DONE;
	else
		x->bs = B_BODY;
	x->progress = true;
	return X_MORE;
}

/* Frame the next piece of the response body that c->http->uin holds. */
static int frame_response_body(struct exchange *x)
{
	struct conn *c = x->c;
	if (x->b_chunked) {
		bool done;
		long k = proxy_chunked_feed(&x->bch, c->http->uin, c->uin_len, &done);
		if (k < 0)
			return -1;
		x->b_pend = (size_t)k;
		x->b_complete = done;
	} else if (x->b_until_close) {
		x->b_pend = c->uin_len;
	} else {
		x->b_pend = c->uin_len < (size_t)x->b_left ? c->uin_len : (size_t)x->b_left;
		x->b_left -= (long long)x->b_pend;
		x->b_complete = x->b_left == 0;
	}
	return 0;
}

/* B, the body, as the upstream sends it. */
static enum xresult pump_response_body(struct exchange *x)
{
	struct conn *c = x->c;
	if (x->b_pend == 0 && c->uin_len && frame_response_body(x) != 0)
		return X_FAIL;
	if (x->b_pend) {
		ssize_t k = send_some(c->cfd, c->http->uin, x->b_pend);
		if (k < 0)
			return X_FAIL;
		if (k > 0) {
			memmove(c->http->uin, c->http->uin + k, c->uin_len - (size_t)k);
			c->uin_len -= (size_t)k;
			x->b_pend -= (size_t)k;
			c->down += (unsigned long long)k;
			x->progress = x->sent_any = true;
		}
	} else if (x->b_complete) {
		x->bs = B_DONE;
		x->progress = true;
	} else {
		x->want_uin = true;
	}
	return X_MORE;
}

/* B: the response head (through c->http->out once the request head is gone), then its body. */
static enum xresult pump_response(struct exchange *x)
{
	struct conn *c = x->c;
	if (x->rs_off < x->rs_len) {
		ssize_t k = send_some(c->cfd, c->http->out + x->rs_off, x->rs_len - x->rs_off);
		if (k < 0)
			return X_FAIL;
		if (k > 0) {
			x->rs_off += (size_t)k;
			c->down += (unsigned long long)k;
			x->progress = x->sent_any = true;
		}
		return X_MORE;
	}
	if (x->bs == B_HEAD && x->req_head_sent)
		return take_response_head(x);
	if (x->bs == B_BODY)
		return pump_response_body(x);
	return X_MORE;
}

/* Upstream bytes, when the response needs them. */
static enum xresult read_upstream(struct exchange *x)
{
	struct conn *c = x->c;
	if (!x->want_uin)
		return X_MORE;
	if (c->uin_len >= UIN_CAP)
		return X_FAIL; /* a response head larger than the buffer */
	ssize_t k = recv(c->ufd, c->http->uin + c->uin_len, UIN_CAP - c->uin_len, MSG_DONTWAIT);
	if (k > 0) {
		c->uin_len += (size_t)k;
		x->progress = true;
		x->want_uin = false;
	} else if (k == 0 || (errno != EAGAIN && errno != EINTR)) {
		if (x->bs == B_BODY && x->b_until_close) {
			x->bs = B_DONE;
			x->progress = true;
			x->want_uin = false;
		} else {
			if (!x->sent_any)
				proxy_reply(
					c, 502, NULL,
					"guard's proxy: the upstream server closed the connection without an answer\n",
					false);
			return X_FAIL;
		}
	}
	return X_MORE;
}

/* Once the response is all out: how the exchange ends, and whether either connection can be reused. */
static enum xresult outcome(const struct exchange *x)
{
	if (x->bs != B_DONE || x->rs_off != x->rs_len || x->b_pend != 0)
		return X_MORE;
	if (x->upgrade)
		return X_UPGRADE;
	if (!x->a_complete || x->a_pend)
		return X_CLOSE; /* answered before the body ended: the connection can't be reused */
	if (x->r->close || x->b_until_close)
		return X_CLOSE;
	return x->resp_close ? X_KEEP_CLIENT : X_KEEP;
}

/* Nothing moved this round: wait until either side can, within the exchange's idle deadline. */
static enum xresult wait_either(const struct exchange *x, long long idle_deadline)
{
	struct conn *c = x->c;
	struct pollfd p[2] = {{c->cfd, 0, 0}, {c->ufd, 0, 0}};
	if (x->want_cin)
		p[0].events |= POLLIN;
	if (x->rs_off < x->rs_len || x->b_pend)
		p[0].events |= POLLOUT;
	if (!x->req_head_sent || x->a_pend)
		p[1].events |= POLLOUT;
	if (x->want_uin)
		p[1].events |= POLLIN;
	long long left = idle_deadline - proxy_now_ms();
	if (left <= 0)
		return X_FAIL;
	int pr = poll(p, 2, left > 60000 ? 60000 : (int)left);
	if (pr < 0 && errno != EINTR)
		return X_FAIL;
	for (int i = 0; i < 2; i++)
		if (p[i].revents & (POLLERR | POLLNVAL))
			return X_FAIL;
	if (pr > 0 && (p[0].revents & POLLHUP) && !(p[0].events & POLLIN))
		return X_FAIL;
	return X_MORE;
}

/* One request and its response, both directions at once (a server may answer before it has read the body,
 * and Expect: 100-continue needs the 100 through before the body comes). */
static enum xresult exchange(struct conn *c, const struct proxy_request *r)
{
	if (!build_request(c, r))
		return X_FAIL;
	proxy_consume_in(c, r->head_len);
	struct exchange x = {
		.c = c,
		.r = r,
		.head_method = r->method_len == 4 && !strncasecmp(r->method, "HEAD", 4),
		.a_left = r->chunked ? 0 : (r->content_length > 0 ? r->content_length : 0),
		.bs = B_HEAD,
	};
	x.a_complete = !r->chunked && x.a_left == 0;
	long long idle_deadline = proxy_now_ms() + EXCHANGE_MS;
	for (;;) {
		x.progress = x.want_cin = x.want_uin = false;
		enum xresult res = pump_request(&x);
		if (res == X_MORE)
			res = pump_response(&x);
		if (res == X_MORE)
			res = read_upstream(&x);
		if (res == X_MORE)
			res = outcome(&x);
		if (res != X_MORE)
			return res;
		if (x.progress) {
			idle_deadline = proxy_now_ms() + EXCHANGE_MS;
			continue;
		}
		if (wait_either(&x, idle_deadline) != X_MORE)
			return X_FAIL;
	}
}

/* Is the kept upstream still usable (no EOF, no stray bytes waiting)? */
static bool upstream_idle_ok(struct conn *c)
{
	struct pollfd p = {c->ufd, POLLIN, 0};
	return c->uin_len == 0 && poll(&p, 1, 0) == 0;
}

static void bad_request(struct conn *c, const struct proxy_request *r)
{
	char body[512];
	snprintf(body, sizeof body, "guard's proxy: %s.\n", r->error ? r->error : "bad request");
	proxy_reply(c, r->status ? r->status : 400, NULL, body, false);
}

void proxy_do_http(struct conn *c)
{
	bool first = true;
	for (;;) {
		struct proxy_request r;
		long long deadline = proxy_now_ms() + (first ? HEAD_MS : IDLE_MS);
		int rc;
		while ((rc = proxy_parse_request(c->in, c->in_len, &r)) == PROXY_NEED_MORE) {
			ssize_t k = proxy_read_client(c, deadline);
			if (k <= 0) {
				if (k < 0) {
					r.status = 431;
					r.error = "request head larger than 32 KiB";
					bad_request(c, &r);
				}
				return;
			}
		}
		if (rc == PROXY_BAD) {
			bad_request(c, &r);
			return;
		}
		first = false;
		if (r.connect) {
			proxy_close_upstream(c);
			proxy_do_connect(c, &r);
			return;
		}
		char target[PROXY_HOST_MAX + 16];
		net_host_port_text(target, sizeof target, r.host, r.port);
		bool reuse = c->ufd >= 0 && c->port == r.port && !strcmp(c->host, r.host) && upstream_idle_ok(c);
		if (!reuse) {
			struct failure f = {0};
			if (!proxy_reach(c, &r.target, r.port, "http", &f)) {
				proxy_log_failure(c, r.host, r.port, "http", &f,
						  proxy_failure_rule(c, &r.target, r.port));
				bool body = r.chunked || r.content_length > 0;
				proxy_consume_in(c, r.head_len);
				proxy_refuse_http(c, target, &f, !body && !r.close);
				if (body || r.close)
					return;
				continue;
			}
		}
		if (!c->http && !(c->http = malloc(sizeof *c->http))) {
			proxy_reply(c, 503, NULL, "guard's proxy: out of memory\n", false);
			return;
		}
		c->requests++;
		enum xresult x = exchange(c, &r);
		if (x == X_UPGRADE) {
			proxy_tunnel(c);
			proxy_close_upstream(c);
			return;
		}
		if (x == X_KEEP_CLIENT) {
			proxy_close_upstream(c);
			continue;
		}
		if (x != X_KEEP) {
			proxy_close_upstream(c);
			return;
		}
	}
}

/* CONNECT host:port: reach the target, say so, and relay both ways until either end closes. */
void proxy_do_connect(struct conn *c, const struct proxy_request *r)
{
	struct failure f = {0};
	char target[PROXY_HOST_MAX + 16];
	net_host_port_text(target, sizeof target, r->host, r->port);
	proxy_consume_in(c, r->head_len);
	if (!proxy_reach(c, &r->target, r->port, "connect", &f)) {
		proxy_log_failure(c, r->host, r->port, "connect", &f, proxy_failure_rule(c, &r->target, r->port));
		proxy_refuse_http(c, target, &f, false);
		return;
	}
	static const char ok[] = "HTTP/1.1 200 Connection established\r\nProxy-Agent: guard\r\n\r\n";
	c->requests = 1;
	if (proxy_send_all(c->cfd, ok, sizeof ok - 1, 10000) == 0)
		proxy_tunnel(c);
	proxy_close_upstream(c);
}

/* ---- SOCKS --------------------------------------------------------------------------------------------- */
