/* The supervisor loop: one poll over the children's records, the shim's event socket, the output proxy, the
 * runner's slots (supervise.h) and the child's exit. Everything read from the sandbox is untrusted and bounded
 * (guard_event_decode). */
#include <errno.h>
#include <stdlib.h>
#include <signal.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/guard.h"
#include "lib/proc.h"
#include "supervisor/event_socket.h"
#include "supervisor/sandbox_record.h"
#include "supervisor/supervise.h"
#include "supervisor/outproxy.h"

/* Whether the kernel's sender (cred_pid, numbered in guard's PID namespace) may be the process the datagram names
 * (claimed, numbered in the sender's own namespace): false only when /proc shows it is not. The answer per pair is remembered: a process sends many
 * events, and /proc is read once for it; that read also gives the log the sender's parent (one read, not two,
 * for each new process). */
static bool sender_is_claimed(struct guard_session *session, pid_t cred_pid, int claimed)
{
	static struct {
		pid_t cred;
		int claimed;
	} honest[256];
	if (cred_pid == claimed)
		return true;
	unsigned slot = (unsigned)cred_pid % 256;
	if (honest[slot].cred == cred_pid && honest[slot].claimed == claimed)
		return true;
	pid_t parent;
	pid_t own = guard_proc_own_pid(cred_pid, &parent);
	/* Gone before we looked (a short-lived process whose datagram waited in the queue behind a busy machine): it
	 * cannot be checked, and an honest `cat` is not called a liar for it. Its events stay what every shim event
	 * is, a process's own claim and never a kernel fact; a forger that exits at once gains nothing more. */
	if (own == 0)
		return true;
	if (own != claimed)
		return false;
	if (session && parent > 0)
		guard_session_note_parent(session, cred_pid, claimed, parent);
	honest[slot].cred = cred_pid;
	honest[slot].claimed = claimed;
	return true;
}

/* Take one datagram from the shim; the kernel tells who really sent it where it can (event_socket.h). Returns
 * false when the queue is empty. */
static bool take_event(struct guard_supervision *sup)
{
	char buf[GUARD_EVENT_MAX];
	pid_t pid;
	long n = guard_event_socket_recv(sup->event_fd, buf, sizeof buf, &pid);
	if (n < 0)
		return false;
	if (n == 0)
		return true;
	uint64_t t0 = guard_stats_now_ns();
	struct guard_event ev;
	/* Only this session's processes know its magic: another session's sandbox that found this socket (Landlock-
	 * only mode: /proc/net/unix) cannot write into this session's log. */
	if (guard_event_decode(buf, (size_t)n, &ev) != 0 || ev.origin != GUARD_ORIGIN_SHIM || ev.session != sup->magic)
		return true;
	if (ev.rule > sup->image->h->nrules)
		ev.rule = 0;
	/* A datagram is a process's own claim; the kernel's word on who sent it is checked against it, and a lie is
	 * logged as one (the report flags it) rather than trusted or dropped. */
	ev.flags &= ~(unsigned)GUARD_EVF_PID_CONTRADICTED;
	if (pid && !sender_is_claimed(sup->session, pid, ev.pid))
		ev.flags |= GUARD_EVF_PID_CONTRADICTED;
	if (sup->session)
		guard_session_event(sup->session, &ev, sup->image, pid ? pid : ev.pid);
	sup->stats.shim_events++;
	sup->stats.shim_ns += guard_stats_now_ns() - t0;
	return true;
}

/* The session ends with its command: kill our children until there are none; each one killed hands its own
 * children to us (we are their subreaper), so a fork bomb is ended generation by generation. */
static void end_descendants(void)
{
	pid_t self = getpid();
	for (int round = 0; round < 5000; round++) {
		pid_t kids[1024];
		size_t n = guard_proc_children(self, kids, sizeof kids / sizeof *kids);
		bool any = n > 0;
		for (size_t i = 0; i < n; i++)
			kill(kids[i], SIGKILL);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			any = true;
		if (!any)
			break;
	}
}

void guard_supervision_add(struct guard_supervision *sup, const struct guard_supervision_slot *slot)
{
	if (sup->nslots >= GUARD_SUPERVISION_SLOTS)
		guard_die(NULL, "internal error: more than %d supervision slots", GUARD_SUPERVISION_SLOTS);
	sup->slots[sup->nslots++] = *slot;
}

/* One record from a child (sandbox_record.h); false once every writer is gone. */
static bool take_record(int rec_fd, int *result)
{
	struct guard_record r;
	ssize_t k = read(rec_fd, &r, sizeof r);
	if (k == (ssize_t)sizeof r) {
		r.msg[sizeof r.msg - 1] = 0;
		if (r.type == 'E') {
			fprintf(stderr, "%s\n", r.msg);
			*result = r.code;
		} else if (r.type == 'S' && *result < 0) {
			*result = WIFSIGNALED(r.status) ? 128 + WTERMSIG(r.status) : WEXITSTATUS(r.status);
		}
	} else if (k == 0 || (k < 0 && errno != EINTR && errno != EAGAIN)) {
		return false;
	}
	return true;
}

int guard_supervise(pid_t child, int rec_fd, bool subreaper, struct guard_supervision *sup)
{
	int pidfd = guard_proc_exit_fd(child);
	int result = -1, status = 0;
	bool exited = false, records_done = false;
	if (sup->outproxy)
		guard_outproxy_start(sup->outproxy);
	while (!exited || !records_done) {
		struct pollfd p[3 + GUARD_SUPERVISION_SLOTS + GUARD_OUTPROXY_MAXFDS];
		int n = 0, n_out = 0, i_out = -1, i_rec = -1, i_pid = -1, i_ev = -1, i_slot[GUARD_SUPERVISION_SLOTS];
		for (int k = 0; k < sup->nslots; k++) {
			struct guard_supervision_slot *s = &sup->slots[k];
			i_slot[k] = s->fd >= 0 ? n : -1;
			if (s->fd >= 0)
				p[n++] = (struct pollfd){s->fd, s->events, 0};
		}
		if (!records_done)
			p[i_rec = n++] = (struct pollfd){rec_fd, POLLIN, 0};
		if (!exited && pidfd >= 0)
			p[i_pid = n++] = (struct pollfd){pidfd, POLLIN, 0};
		if (sup->event_fd >= 0)
			p[i_ev = n++] = (struct pollfd){sup->event_fd, POLLIN, 0};
		if (sup->outproxy) {
			i_out = n;
			n_out = guard_outproxy_fds(sup->outproxy, p + n);
			n += n_out;
		}
		/* Without a pidfd (pre-5.3 kernels) poll the child's state now and then. */
		int timeout = pidfd >= 0 ? -1 : 50;
		if (sup->outproxy) {
			int t = guard_outproxy_timeout(sup->outproxy);
			if (t >= 0 && (timeout < 0 || t < timeout))
				timeout = t;
		}
		if (poll(p, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			guard_die_errno(NULL, "poll");
		}
		if (i_rec >= 0 && p[i_rec].revents && !take_record(rec_fd, &result))
			records_done = true;
		if (sup->outproxy)
			guard_outproxy_handle(sup->outproxy, p + i_out, n_out);
		/* The kernel queues only a few datagrams (net.unix.max_dgram_qlen, often 10) and the shim never blocks
		 * long: empty the queue at each wakeup, before the runner's slots (the slower observer work). */
		if (i_ev >= 0 && (p[i_ev].revents & POLLIN))
			for (int k = 0; k < 1024 && take_event(sup); k++)
				;
		for (int k = 0; k < sup->nslots; k++)
			if (i_slot[k] >= 0 && p[i_slot[k]].revents)
				sup->slots[k].handle(&sup->slots[k], p[i_slot[k]].revents);
		if (!exited && (pidfd < 0 || (i_pid >= 0 && p[i_pid].revents))) {
			if (waitpid(child, &status, pidfd < 0 ? WNOHANG : 0) == child)
				exited = true;
		}
	}
	/* No PID namespace: what the session left behind goes now, while the observer still answers its calls. */
	if (subreaper)
		end_descendants();
	if (sup->outproxy)
		guard_outproxy_drain(sup->outproxy);
	/* Events sent just before the end are still queued: take them. */
	for (int k = 0; sup->event_fd >= 0 && k < 100000 && take_event(sup); k++)
		;
	for (int k = 0; k < sup->nslots; k++)
		if (sup->slots[k].close)
			sup->slots[k].close(&sup->slots[k]);
	if (pidfd >= 0)
		close(pidfd);
	guard_stats_write(&sup->stats, sup->session);
	if (result >= 0)
		return result;
	if (subreaper)
		return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	fprintf(stderr, "guard: the sandbox's init ended without reporting the command's status\n");
	return GUARD_EXIT_ERROR;
}
