/* The kernel side of the network modes, each in a forked child: seccomp's socket options (Landlock-only proxy mode
 * allows IP sockets only as TCP streams; a closed network refuses the families that reach past it) and the Landlock
 * TCP rule that lets connect reach the proxy's port only. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guard/landlock_compat.h"
#include "sandbox/kernel_api.h"
#include "tap.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef AF_TIPC
#define AF_TIPC 30
#endif

/* Run fn in a child; its TAP lines go to our stdout (numbered by the child from our count). */
static void in_child(void (*fn)(void))
{
	fflush(stdout);
	int p[2];
	if (pipe(p) != 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		fn();
		fflush(stdout);
		int counts[2] = {tap_n, tap_failed};
		(void)!write(p[1], counts, sizeof counts);
		_exit(0);
	}
	close(p[1]);
	int counts[2] = {tap_n, tap_failed}, st;
	if (read(p[0], counts, sizeof counts) != sizeof counts)
		TAP_OK(0, "child reported its results");
	close(p[0]);
	waitpid(pid, &st, 0);
	tap_n = counts[0];
	tap_failed = counts[1];
}

static bool install(const struct guard_seccomp_opts *o)
{
	char why[256];
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	int rc = guard_seccomp_install(o, why, sizeof why);
	TAP_OK(rc == 0, "seccomp installed (%s)", rc ? why : "ok");
	return rc == 0;
}

static int sock(int domain, int type, int proto)
{
	int s = socket(domain, type, proto);
	int e = errno;
	if (s >= 0)
		close(s);
	return s >= 0 ? 0 : e;
}

static void stream_only(void)
{
	struct guard_seccomp_opts o = {.inet_stream_only = true, .net_closed = true};
	if (!install(&o))
		return;
	TAP_OK(sock(AF_INET, SOCK_STREAM, 0) == 0, "AF_INET TCP allowed");
	TAP_OK(sock(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP) == 0,
	       "AF_INET TCP with SOCK_NONBLOCK|SOCK_CLOEXEC and IPPROTO_TCP allowed");
	TAP_OK(sock(AF_INET6, SOCK_STREAM, 0) == 0, "AF_INET6 TCP allowed");
	TAP_OK(sock(AF_INET, SOCK_DGRAM, 0) == EACCES, "AF_INET UDP refused (EACCES)");
	TAP_OK(sock(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0) == EACCES, "AF_INET6 UDP with flags refused");
	TAP_OK(sock(AF_INET, SOCK_RAW, IPPROTO_ICMP) == EACCES, "raw refused");
	TAP_OK(sock(AF_INET, SOCK_SEQPACKET, 132) == EACCES, "SCTP seqpacket refused");
	TAP_OK(sock(AF_INET, SOCK_STREAM, 132) == EACCES, "SCTP stream refused (protocol not TCP)");
	TAP_OK(sock(AF_INET6, SOCK_STREAM, 262) == EACCES, "MPTCP refused");
	TAP_OK(sock(AF_INET, SOCK_STREAM, 17) == EACCES, "stream with protocol UDP refused");
	long r = syscall(SYS_socket, AF_INET, SOCK_STREAM, (1L << 32) | IPPROTO_TCP);
	TAP_OK(r < 0 && errno == EACCES, "protocol with garbage in the upper half refused");
	if (r >= 0)
		close((int)r);
	TAP_OK(sock(AF_PACKET, SOCK_RAW, 0) == EACCES, "AF_PACKET refused");
	TAP_OK(sock(AF_VSOCK, SOCK_STREAM, 0) == EACCES, "AF_VSOCK refused");
	TAP_OK(sock(AF_TIPC, SOCK_RDM, 0) == EACCES, "AF_TIPC refused");
	TAP_OK(sock(AF_UNIX, SOCK_DGRAM, 0) == 0, "AF_UNIX datagrams stay");
	TAP_OK(sock(AF_NETLINK, SOCK_RAW, 0) == 0, "AF_NETLINK stays (getifaddrs)");
}

static void closed_in_namespace(void)
{
	struct guard_seccomp_opts o = {.net_closed = true};
	if (!install(&o))
		return;
	TAP_OK(sock(AF_INET, SOCK_DGRAM, 0) == 0, "namespaces mode: UDP on the own loopback allowed");
	TAP_OK(sock(AF_VSOCK, SOCK_STREAM, 0) == EACCES, "namespaces mode: AF_VSOCK refused (not namespaced)");
	TAP_OK(sock(AF_UNIX, SOCK_STREAM, 0) == 0, "namespaces mode: AF_UNIX stays");
}

static void open_network(void)
{
	struct guard_seccomp_opts o = {0};
	if (!install(&o))
		return;
	TAP_OK(sock(AF_INET, SOCK_DGRAM, 0) == 0, "open network: UDP allowed");
	int v = sock(AF_VSOCK, SOCK_STREAM, 0);
	TAP_OK(v != EACCES, "open network: no family refused by the filter (vsock: %s)", v ? strerror(v) : "ok");
}

static int landlock_abi(void)
{
	return (int)syscall(SYS_landlock_create_ruleset, NULL, 0, 1U);
}

static int try_connect(unsigned port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {
		.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int rc = connect(s, (struct sockaddr *)&a, sizeof a);
	int e = rc ? errno : 0;
	close(s);
	return e;
}

static unsigned listener(int *fd)
{
	*fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	bind(*fd, (struct sockaddr *)&a, sizeof a);
	listen(*fd, 4);
	getsockname(*fd, (struct sockaddr *)&a, &len);
	return ntohs(a.sin_port);
}

static void landlock_tcp(void)
{
	int fa, fb;
	unsigned pa = listener(&fa), pb = listener(&fb);
	struct guard_landlock_ruleset_attr attr = {.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP |
									 LANDLOCK_ACCESS_NET_CONNECT_TCP};
	int rfd = (int)syscall(SYS_landlock_create_ruleset, &attr, offsetof(struct guard_landlock_ruleset_attr, scoped),
			       0);
	struct guard_landlock_net_port_attr rule = {.allowed_access = LANDLOCK_ACCESS_NET_CONNECT_TCP, .port = pa};
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	bool ok = rfd >= 0 && syscall(SYS_landlock_add_rule, rfd, GUARD_LANDLOCK_RULE_NET_PORT, &rule, 0) == 0 &&
		  syscall(SYS_landlock_restrict_self, rfd, 0) == 0;
	TAP_OK(ok, "Landlock TCP ruleset with one connect port");
	if (!ok)
		return;
	TAP_OK(try_connect(pa) == 0, "connect to the allowed (proxy) port works");
	TAP_OK(try_connect(pb) == EACCES, "connect to another port refused (EACCES)");
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(0), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	TAP_OK(bind(s, (struct sockaddr *)&a, sizeof a) != 0 && errno == EACCES, "bind refused without a bind rule");
	close(s);
	close(fa);
	close(fb);
}

int main(void)
{
	in_child(stream_only);
	in_child(closed_in_namespace);
	in_child(open_network);
	if (landlock_abi() >= 4)
		in_child(landlock_tcp);
	else
		TAP_SKIP("Landlock ABI < 4", "Landlock TCP port rules");
	return tap_done();
}
