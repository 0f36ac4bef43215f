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

enum xresult { X_KEEP, X_KEEP_CLIENT, X_CLOSE, X_FAIL, X_UPGRADE }; /* X_KEEP_CLIENT: the upstream closes */

/* One request and its response, both directions at once (a server may answer before it has read the body,
 * and Expect: 100-continue needs the 100 through before the body comes). */
static enum xresult exchange(struct conn *c, const struct proxy_request *r)
{
	if (!build_request(c, r))
		return X_FAIL;
	proxy_consume_in(c, r->head_len);
	bool head_method = r->method_len == 4 && !strncasecmp(r->method, "HEAD", 4);
	/* request body */
	long long a_left = r->chunked ? 0 : (r->content_length > 0 ? r->content_length : 0);
	struct proxy_chunked ach = {0};
	bool a_complete = !r->chunked && a_left == 0, a_client_eof = false;
	size_t a_pend = 0;
	bool req_head_sent = false;
	/* response */
	enum { B_HEAD, B_BODY, B_DONE } bs = B_HEAD;
	struct proxy_response s;
	long long b_left = 0;
	struct proxy_chunked bch = {0};
	bool b_chunked = false, b_until_close = false, b_complete = false, resp_close = false, sent_any = false;
	size_t b_pend = 0;
	size_t rs_len = 0, rs_off = 0; /* the response head in c->out once the request head is out */
	bool upgrade = false;
	long long idle_deadline = proxy_now_ms() + EXCHANGE_MS;

	for (;;) {
		bool progress = false, want_cin = false, want_uin = false;
		/* A: request head, then body */
		if (!req_head_sent) {
			ssize_t k = send(c->ufd, c->http->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (k > 0) {
				c->out_off += (size_t)k;
				c->up += (unsigned long long)k;
				progress = true;
				if (c->out_off == c->out_len) {
					req_head_sent = true;
					c->out_len = c->out_off = 0;
				}
			} else if (k < 0 && errno != EAGAIN && errno != EINTR) {
				return X_FAIL;
			}
		} else if (!a_complete || a_pend) {
			if (a_pend == 0 && c->in_len && !a_complete) {
				if (r->chunked) {
					bool done;
					long k = proxy_chunked_feed(&ach, c->in, c->in_len, &done);
					if (k < 0)
						return X_FAIL;
					a_pend = (size_t)k;
					a_complete = done;
				} else {
					a_pend = c->in_len < (size_t)a_left ? c->in_len : (size_t)a_left;
					a_left -= (long long)a_pend;
					a_complete = a_left == 0;
				}
			}
			if (a_pend) {
				ssize_t k = send(c->ufd, c->in, a_pend, MSG_NOSIGNAL | MSG_DONTWAIT);
				if (k > 0) {
					proxy_consume_in(c, (size_t)k);
					a_pend -= (size_t)k;
					c->up += (unsigned long long)k;
					progress = true;
				} else if (k < 0 && errno != EAGAIN && errno != EINTR) {
					return X_FAIL;
				}
			} else if (!a_complete && !a_client_eof) {
				ssize_t k = recv(c->cfd, c->in + c->in_len, sizeof c->in - c->in_len, MSG_DONTWAIT);
				if (k > 0) {
					c->in_len += (size_t)k;
					progress = true;
				} else if (k == 0 || (errno != EAGAIN && errno != EINTR)) {
					a_client_eof = true; /* the body will never be complete */
					return X_FAIL;
				} else {
					want_cin = true;
				}
			}
		}
		/* B: the response head (through c->out once the request head is gone), then its body */
		if (rs_off < rs_len) {
			ssize_t k = send(c->cfd, c->http->out + rs_off, rs_len - rs_off, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (k > 0) {
				rs_off += (size_t)k;
				c->down += (unsigned long long)k;
				progress = sent_any = true;
			} else if (k < 0 && errno != EAGAIN && errno != EINTR) {
				return X_FAIL;
			}
		} else if (bs == B_HEAD && req_head_sent) {
			int rc = c->uin_len ? proxy_parse_response(c->http->uin, c->uin_len, &s) : PROXY_NEED_MORE;
			if (rc == PROXY_BAD) {
				if (!sent_any)
					proxy_reply(c, 502, NULL, "guard's proxy: the upstream server sent a malformed response\n", false);
				return X_FAIL;
			}
			if (rc == PROXY_OK) {
				bool interim = s.status >= 100 && s.status < 200 && s.status != 101;
				upgrade = s.status == 101 && r->upgrade;
				if (s.status == 101 && !r->upgrade)
					return X_FAIL;
				bool no_body = interim || upgrade || head_method || s.status == 204 || s.status == 304;
				b_chunked = !no_body && s.chunked;
				b_left = !no_body && !s.chunked && s.content_length >= 0 ? s.content_length : 0;
				b_until_close = !no_body && !s.chunked && s.content_length < 0;
				resp_close = s.close || b_until_close;
				/* The client's connection outlives an upstream that closes, unless the body is framed by
				 * that close or the request's own body was not all read. */
				bool client_close = r->close || b_until_close || !a_complete;
				if (!build_response(c, c->http->uin, &s, !interim && client_close, r->minor == 0))
					return X_FAIL;
				rs_len = c->out_len;
				rs_off = 0;
				memmove(c->http->uin, c->http->uin + s.head_len, c->uin_len - s.head_len);
				c->uin_len -= s.head_len;
				if (interim)
					bs = B_HEAD; /* the final response follows */
				else if (no_body || (!b_chunked && !b_until_close && b_left == 0))
					bs = B_DONE;
				else
					bs = B_BODY;
				progress = true;
			} else {
				want_uin = true;
			}
		} else if (bs == B_BODY) {
			if (b_pend == 0 && c->uin_len) {
				if (b_chunked) {
					bool done;
					long k = proxy_chunked_feed(&bch, c->http->uin, c->uin_len, &done);
					if (k < 0)
						return X_FAIL;
					b_pend = (size_t)k;
					b_complete = done;
				} else if (b_until_close) {
					b_pend = c->uin_len;
				} else {
					b_pend = c->uin_len < (size_t)b_left ? c->uin_len : (size_t)b_left;
					b_left -= (long long)b_pend;
					b_complete = b_left == 0;
				}
			}
			if (b_pend) {
				ssize_t k = send(c->cfd, c->http->uin, b_pend, MSG_NOSIGNAL | MSG_DONTWAIT);
				if (k > 0) {
					memmove(c->http->uin, c->http->uin + k, c->uin_len - (size_t)k);
					c->uin_len -= (size_t)k;
					b_pend -= (size_t)k;
					c->down += (unsigned long long)k;
					progress = sent_any = true;
				} else if (k < 0 && errno != EAGAIN && errno != EINTR) {
					return X_FAIL;
				}
			} else if (b_complete) {
				bs = B_DONE;
				progress = true;
			} else {
				want_uin = true;
			}
		}
		/* upstream bytes, when the response needs them */
		if (want_uin && c->uin_len < UIN_CAP) {
			ssize_t k = recv(c->ufd, c->http->uin + c->uin_len, UIN_CAP - c->uin_len, MSG_DONTWAIT);
			if (k > 0) {
				c->uin_len += (size_t)k;
				progress = true;
				want_uin = false;
			} else if (k == 0 || (errno != EAGAIN && errno != EINTR)) {
				if (bs == B_BODY && b_until_close) {
					bs = B_DONE;
					progress = true;
					want_uin = false;
				} else {
					if (!sent_any)
						proxy_reply(c, 502, NULL,
						      "guard's proxy: the upstream server closed the connection without an "
						      "answer\n", false);
					return X_FAIL;
				}
			}
		} else if (want_uin) {
			return X_FAIL; /* a response head larger than the buffer */
		}
		if (bs == B_DONE && rs_off == rs_len && b_pend == 0) {
			if (upgrade)
				return X_UPGRADE;
			if (!a_complete || a_pend)
				return X_CLOSE; /* answered before the body ended: the connection can't be reused */
			if (r->close || b_until_close)
				return X_CLOSE;
			return resp_close ? X_KEEP_CLIENT : X_KEEP;
		}
		if (progress) {
			idle_deadline = proxy_now_ms() + EXCHANGE_MS;
			continue;
		}
		struct pollfd p[2] = {{c->cfd, 0, 0}, {c->ufd, 0, 0}};
		if (want_cin)
			p[0].events |= POLLIN;
		if (rs_off < rs_len || b_pend)
			p[0].events |= POLLOUT;
		if (!req_head_sent || a_pend)
			p[1].events |= POLLOUT;
		if (want_uin)
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
				proxy_log_failure(c, r.host, r.port, "http", &f, proxy_failure_rule(c, &r.target, r.port));
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
