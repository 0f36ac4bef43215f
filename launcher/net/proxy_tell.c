/* Telling the program behind a refused proxy request (proxy_conn.h): most tools show an HTTPS proxy's refusal as
 * a bare status ("CONNECT tunnel failed, response 403"), never the body that explains it. Before the proxy
 * answers, while the client waits for it, guard writes its one line to the stderr of the process that holds the
 * client's end of the connection (c->pid, found when its first bytes arrived: proxy_peer.h), by the shim's reader
 * rules: a pipe or a file (a tool's captured output) gets it, a terminal only in canonical mode and never an
 * agent's (its TUI), nothing with --quiet. The line goes through a duplicate of the process's own descriptor 2,
 * never by opening a path: a sandboxed program can point its stderr at a file it may only read, and guard (maybe
 * root) must not write there for it. */
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "net/proxy_conn.h"
#include "net/proxy_peer.h"

/* Is there a reader on this descriptor who can act on guard's line? (the shim's reader_on_stderr) */
static bool reader_on(int fd, bool agent)
{
	struct termios t;
	if (tcgetattr(fd, &t) != 0)
		return true;
	return !agent && (t.c_lflag & ICANON);
}

/* Write the line without ever blocking the proxy on a full pipe (the descriptor's flags are shared with the
 * program's own: they stay as they are). A line lost is better than a stalled client. */
static void write_unblocked(int fd, const char *line)
{
	size_t len = strlen(line);
	struct stat st;
	if (fstat(fd, &st) != 0)
		return;
	if (S_ISSOCK(st.st_mode)) {
		(void)!send(fd, line, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		return;
	}
	if (S_ISFIFO(st.st_mode) && (len > PIPE_BUF || !proxy_pipe_room(fd, len)))
		return; /* atomic only up to PIPE_BUF; no room: skip */
	(void)!write(fd, line, len);
}

/* Once per process and target, like the shim's lines. */
static bool first_time(struct guard_proxy *px, pid_t pid, const char *target)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *p = target; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	bool fresh = true;
	pthread_mutex_lock(&px->mu);
	for (size_t i = 0; i < TOLD_MAX && fresh; i++)
		fresh = !(px->told[i].pid == pid && px->told[i].hash == h);
	if (fresh)
		px->told[px->ntold++ % TOLD_MAX] = (struct told){pid, h};
	pthread_mutex_unlock(&px->mu);
	return fresh;
}

void proxy_tell_client(struct conn *c, const char *target, const char *line)
{
	const struct guard_net *n = c->px->net;
	if (n->quiet)
		return;
	proxy_conn_client(c);
	pid_t pid = c->pid;
	if (pid <= 0 || !first_time(c->px, pid, target))
		return;
	int fd = proxy_peer_stderr(pid);
	if (fd < 0)
		return;
	if (reader_on(fd, n->agent))
		write_unblocked(fd, line);
	close(fd);
}
