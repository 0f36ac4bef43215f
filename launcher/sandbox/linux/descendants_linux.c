/* Ending everything below this process (descendants.h).
 *
 * Killing a live tree chases it: a process not yet killed forks meanwhile, and each one killed hands its children
 * to us one generation at a time. So the tree is frozen first: every descendant found is stopped (a stopped process
 * forks no more), and /proc is read again until a pass finds no new one; then all are killed at once. What still
 * escaped the freeze (a process continued by one not yet stopped) is reparented to us, the subreaper, and ended
 * generation by generation. The kernel keeps no list of descendants to read (/proc/PID/task/TID/children needs
 * CONFIG_PROC_CHILDREN, which many kernels lack): /proc is read for parents.
 *
 * A pid read from /proc can be reused by an unrelated process before it is signalled. So each process is first
 * held by a pidfd and accepted only if its parent, read after that, is this process or one already held, and both
 * are still alive after the read: then it was that parent's child, and every signal goes through the pidfd, to it
 * and no other. */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/proc.h"
#include "sandbox/linux/descendants.h"

#define HELD_MAX 4096 /* more than that is left to the generations */
#define SLOTS 8192    /* a power of two above HELD_MAX */
#define PASSES 256

struct held {
	pid_t pid;
	int fd;
};

struct tree {
	struct held v[HELD_MAX];
	size_t n;
	int slot[SLOTS]; /* index + 1 into v; 0: empty */
};

static int find(const struct tree *t, pid_t pid)
{
	for (unsigned h = (unsigned)pid & (SLOTS - 1);; h = (h + 1) & (SLOTS - 1)) {
		int i = t->slot[h] - 1;
		if (i < 0 || t->v[i].pid == pid)
			return i;
	}
}

static void hold(struct tree *t, pid_t pid, int fd)
{
	unsigned h = (unsigned)pid & (SLOTS - 1);
	while (t->slot[h])
		h = (h + 1) & (SLOTS - 1);
	t->v[t->n] = (struct held){pid, fd};
	t->slot[h] = (int)++t->n;
}

static bool alive(int pidfd)
{
	struct pollfd p = {pidfd, POLLIN, 0};
	return poll(&p, 1, 0) == 0; /* a pidfd turns readable when its process has ended */
}

static int pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/* One pass over /proc: hold and stop every new child of this process or of one held. True when one was found. */
static bool freeze_pass(struct tree *t, pid_t self)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	bool found = false;
	while (d && t->n < HELD_MAX && (e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		pid_t pid = (pid_t)atoi(e->d_name);
		if (pid == self || find(t, pid) >= 0)
			continue;
		pid_t parent = guard_proc_parent(pid);
		int pi = parent == self ? -2 : find(t, parent);
		if (pi == -1)
			continue;
		int fd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (fd < 0)
			continue;
		if (guard_proc_parent(pid) != parent || !alive(fd) || (pi >= 0 && !alive(t->v[pi].fd))) {
			close(fd);
			continue;
		}
		pidfd_signal(fd, SIGSTOP);
		hold(t, pid, fd);
		found = true;
	}
	if (d)
		closedir(d);
	return found;
}

static void reaped(pid_t w, int st, pid_t watched, int *status)
{
	if (w == watched && status)
		*status = st;
}

void guard_end_descendants(pid_t watched, int *status)
{
	pid_t self = getpid();
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < HELD_MAX + 64 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < HELD_MAX + 64 ? rl.rlim_max : HELD_MAX + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	struct tree *t = calloc(1, sizeof *t);
	for (int pass = 0; t && pass < PASSES && freeze_pass(t, self); pass++)
		;
	for (size_t i = 0; t && i < t->n; i++) {
		pidfd_signal(t->v[i].fd, SIGKILL);
		close(t->v[i].fd);
	}
	free(t);
	/* Our own children: a pid listed as ours stays ours until we reap it, so kill(2) is safe on it. */
	for (int round = 0; round < 100000; round++) {
		pid_t kids[256];
		size_t k = guard_proc_children(self, kids, sizeof kids / sizeof *kids);
		for (size_t i = 0; i < k; i++)
			kill(kids[i], SIGKILL);
		int st;
		pid_t w = waitpid(-1, &st, k ? 0 : WNOHANG);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break; /* ECHILD: nothing is left */
		reaped(w, st, watched, status);
		while ((w = waitpid(-1, &st, WNOHANG)) > 0)
			reaped(w, st, watched, status);
	}
}
