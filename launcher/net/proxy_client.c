/* The process behind a proxy connection, looked up beside the request (proxy_conn.h). */
#include <pthread.h>

#include "lib/proc.h"
#include "net/proxy_conn.h"
#include "net/proxy_peer.h"

/* Who holds the client's end: the kernel's TCP table of the connection's namespace and the descriptors of the
 * session's processes, a millisecond or two of reading /proc. It runs while the proxy decides and connects
 * upstream (a real host takes longer than that); the answer is awaited before the client hears back, allowed
 * (proxy_reach) or refused (proxy_tell.c, the log line), while it still holds its end. */
static void *find_client(void *arg)
{
	struct conn *c = arg;
	if ((c->pid = proxy_peer_pid(c->cfd)) > 0) {
		c->ppid = guard_proc_parent(c->pid);
		proxy_peer_exe(c->pid, c->exe, sizeof c->exe);
	}
	return NULL;
}

void proxy_conn_client(struct conn *c)
{
	if (c->finding) {
		pthread_join(c->finder, NULL);
		c->finding = false;
	}
}

void proxy_conn_find_client(struct conn *c)
{
	c->finding = pthread_create(&c->finder, NULL, find_client, c) == 0;
	if (!c->finding)
		find_client(c);
}
