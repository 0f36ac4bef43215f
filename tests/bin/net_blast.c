/* Benchmark helper for tests/bench/net_bench.sh (not a test): a TCP sink and a client that goes direct or through
 * an HTTP CONNECT proxy.
 *
 *   net_blast serve PORT                       sink on 127.0.0.1:PORT: per connection, read to EOF, answer "OK"
 *   net_blast send HOST PORT MIB [PROXY_PORT]   send MIB MiB (through CONNECT HOST:PORT at 127.0.0.1:PROXY_PORT
 *                                               when given, else to 127.0.0.1:PORT), wait for "OK";
 *                                               prints "MiB seconds MB/s"
 *   net_blast latency HOST PORT N [PROXY_PORT]  N connections (each: connect, CONNECT handshake, 1 byte, "OK");
 *                                               prints "N microseconds-per-connection" */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BUF (1 << 20)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int connect_local(unsigned port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
		perror("connect");
		exit(1);
	}
	int one = 1;
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return s;
}

/* A connection to HOST:PORT, through the proxy's CONNECT when proxy != 0. */
static int open_conn(const char *host, unsigned port, unsigned proxy)
{
	if (!proxy)
		return connect_local(port);
	int s = connect_local(proxy);
	char req[512], resp[1024] = "";
	int n = snprintf(req, sizeof req, "CONNECT %s:%u HTTP/1.1\r\nHost: %s:%u\r\n\r\n", host, port, host, port);
	if (write(s, req, (size_t)n) != n)
		exit(1);
	/* The sink sends nothing before it has read everything: whatever arrives now is the proxy's answer. */
	size_t got = 0;
	while (got < sizeof resp - 1 && !strstr(resp, "\r\n\r\n")) {
		ssize_t k = read(s, resp + got, sizeof resp - 1 - got);
		if (k <= 0)
			break;
		got += (size_t)k;
		resp[got] = 0;
	}
	if (strncmp(resp, "HTTP/1.1 200", 12) != 0) {
		fprintf(stderr, "CONNECT refused: %s\n", resp);
		exit(1);
	}
	return s;
}

static void finish(int s)
{
	char ok[4];
	shutdown(s, SHUT_WR);
	if (read(s, ok, sizeof ok) < 2) {
		fprintf(stderr, "no answer\n");
		exit(1);
	}
	close(s);
}

static int serve(unsigned port)
{
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 64) != 0) {
		perror("bind");
		return 1;
	}
	char *buf = malloc(BUF);
	for (;;) {
		int c = accept(l, NULL, NULL);
		if (c < 0)
			continue;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		while (read(c, buf, BUF) > 0)
			;
		(void)!write(c, "OK\n", 3);
		close(c);
	}
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 3 && !strcmp(argv[1], "serve"))
		return serve((unsigned)atoi(argv[2]));
	if (argc < 5) {
		fprintf(stderr, "usage: see the top of tests/bin/net_blast.c\n");
		return 2;
	}
	const char *host = argv[2];
	unsigned port = (unsigned)atoi(argv[3]), proxy = argc > 5 ? (unsigned)atoi(argv[5]) : 0;
	long n = atol(argv[4]);
	if (!strcmp(argv[1], "send")) {
		char *buf = malloc(BUF);
		memset(buf, 'x', BUF);
		int s = open_conn(host, port, proxy);
		double t0 = now();
		for (long i = 0; i < n; i++) {
			size_t off = 0;
			while (off < BUF) {
				ssize_t k = write(s, buf + off, BUF - off);
				if (k <= 0) {
					perror("write");
					return 1;
				}
				off += (size_t)k;
			}
		}
		finish(s);
		double dt = now() - t0;
		printf("%ld %.3f %.0f\n", n, dt, n * 1048576.0 / dt / 1e6);
		return 0;
	}
	if (!strcmp(argv[1], "latency")) {
		double t0 = now();
		for (long i = 0; i < n; i++) {
			int s = open_conn(host, port, proxy);
			(void)!write(s, "x", 1);
			finish(s);
		}
		printf("%ld %.1f\n", n, (now() - t0) / n * 1e6);
		return 0;
	}
	return 2;
}
