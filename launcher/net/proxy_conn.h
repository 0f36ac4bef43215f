/* Internal to guard's proxy (proxy_server.c, proxy_upstream.c, proxy_http.c): the proxy, one client
 * connection, why a target was not reached, the limits every wait obeys, and the steps the three files share. */
#ifndef GUARD_PROXY_CONN_H
#define GUARD_PROXY_CONN_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "net/proxy.h"
#include "net/proxy_server.h"
#include "plan/net_state.h"

#define MAX_CONNS 512
#define FIRST_BYTE_MS 30000 /* a new connection says something within this */
#define HEAD_MS 30000       /* a whole request head */
#define IDLE_MS 120000      /* between requests on a kept-alive connection */
#define CONNECT_MS 10000    /* reaching the upstream */
#define EXCHANGE_MS 300000  /* silence in both directions during one plain HTTP request */
#define IN_CAP (PROXY_HEAD_MAX + 16384)
#define MAX_ADDRS 8
#define TEST_HOSTS_MAX 65536

struct test_host {
	char name[PROXY_HOST_MAX + 3];
	int family;
	unsigned char addr[16];
};

struct conn;

#define TOLD_MAX 64
struct told {
	pid_t pid;
	uint64_t hash; /* of the target */
};

struct guard_proxy {
	struct guard_net *net;
	int listen_fd, chan_fd;
	int stop[2];
	pthread_t acceptor;
	bool acceptor_running;
	pthread_mutex_t mu;
	pthread_cond_t cv;   /* a connection or a worker ended (stop waits on it) */
	pthread_cond_t work; /* a connection waits in the queue for an idle worker */
	int active;          /* connections being served or queued */
	int threads, idle;   /* worker threads alive, and those waiting for work */
	bool stopping;
	struct conn *conns;
	struct conn *queue, *queue_tail;
	pthread_mutex_t log_mu;
	struct guard_session *session;
	struct test_host *hosts;
	size_t nhosts;
	struct told told[TOLD_MAX]; /* under mu: refusals already told to a client process */
	size_t ntold;
};

struct conn {
	struct guard_proxy *px;
	struct conn *next, *prev; /* px->conns */
	struct conn *qnext;       /* px->queue */
	int cfd, ufd;
	/* the current upstream, for logging and keep-alive reuse */
	const char *via;
	char host[PROXY_HOST_MAX + 3];
	unsigned port;
	const struct net_rule *rule;
	char addr[64];
	/* The client process as the kernel names it (proxy_peer_pid; 0: unknown) and its program ("": unknown),
	 * found by a thread of its own while the request goes on (`finder`): read them after proxy_conn_client. */
	pid_t pid, ppid;
	char exe[256];
	pthread_t finder;
	bool finding;
	long long start;
	unsigned long long up, down;
	unsigned requests;
	size_t in_len, uin_len, out_len, out_off;
	struct http_bufs *http; /* plain HTTP only: allocated on the first absolute-URI request */
	char in[IN_CAP];        /* from the client; last: not cleared on creation */
};

#define UIN_CAP IN_CAP
#define OUT_CAP (PROXY_HEAD_MAX + 1024)
struct http_bufs {
	char uin[UIN_CAP]; /* from the upstream */
	char out[OUT_CAP]; /* a rewritten head */
};

/* Why a target was not reached: what to log and what to answer. */
struct failure {
	const char *result; /* "denied" or "failed" */
	const char *err;    /* errno name or NULL */
	char errbuf[16];    /* holds it when libc has no name for it */
	int status;         /* HTTP */
	int socks;          /* SOCKS reply */
	char reason[640];
	char suggest[PROXY_HOST_MAX + 16]; /* the entry that would allow it */
};

/* proxy_server.c: the clock, logging, I/O with deadlines, replies, tunnels */
long long proxy_now_ms(void);
void proxy_log_event(struct conn *c, const char *host, unsigned port, const char *via, const char *result,
		     const char *err, const char *reason, const char *addr, unsigned long long up,
		     unsigned long long down, long long ms, unsigned requests, const struct net_rule *rule);
/* A refusal names no rule (none allowed it); a failure to reach an allowed host names the rule that allowed it. */
void proxy_log_failure(struct conn *c, const char *host, unsigned port, const char *via, const struct failure *f,
		       const struct net_rule *rule);
/* The current upstream connection ends: log it, close it. */
void proxy_close_upstream(struct conn *c);
/* Wait for events on fd until the deadline: revents, 0 on timeout. */
int proxy_wait_for(int fd, short events, long long deadline);
int proxy_send_all(int fd, const char *p, size_t n, int ms);
/* Read more client bytes into c->in: >0 read, 0 end of stream or timeout, -1 buffer full. */
ssize_t proxy_read_client(struct conn *c, long long deadline);
void proxy_consume_in(struct conn *c, size_t n);
void proxy_reply(struct conn *c, int status, const char *header, const char *body, bool keep);
void proxy_rule_port_text(char *out, size_t len, unsigned port);
void proxy_refuse_http(struct conn *c, const char *target, const struct failure *f, bool keep);
/* Relay between the client and the upstream until both ends are done, after what is buffered on either side. */
void proxy_tunnel(struct conn *c);
/* An HTTP CONNECT whose head c->in holds: check, connect, answer, tunnel. */
void proxy_do_connect(struct conn *c, const struct proxy_request *r);

/* proxy_tell.c: write guard's one line (line, '\n'-terminated) about a refused target to the stderr of
 * the process behind c, by the shim's reader rules, once per process and target. */
void proxy_tell_client(struct conn *c, const char *target, const char *line);
/* proxy_io.c: a refusal (f->result "denied") told that way, in guard's words. */
void proxy_tell_refusal(struct conn *c, const char *target, const struct failure *f);

/* proxy_upstream.c: which target may be reached, resolving it, connecting to it */
void proxy_load_test_hosts(struct guard_proxy *px);
/* Check and connect; on success c holds the new upstream (the previous one is closed and logged). */
bool proxy_reach(struct conn *c, const struct net_host *t, unsigned port, const char *via, struct failure *f);
/* The rule a failed target matched, if any (for the log). */
const struct net_rule *proxy_failure_rule(struct conn *c, const struct net_host *t, unsigned port);

/* proxy_http.c: absolute-URI requests on one client connection, kept alive while it lasts. */
void proxy_do_http(struct conn *c);

/* Start finding the connection's client (once its first bytes arrived: it holds its end while it waits), and
 * wait for the answer (c->pid, c->ppid, c->exe) before reading it: proxy_client.c. */
void proxy_conn_find_client(struct conn *c);
void proxy_conn_client(struct conn *c);

#endif
