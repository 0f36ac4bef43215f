/* libproc answers what /proc does on Linux; a kqueue watching NOTE_EXIT stands in for a pidfd (a kqueue
 * descriptor is readable for poll(2) while an event is pending). There are no PID namespaces and no per-process
 * root: a path a process names is the host's. */
#include <errno.h>
#include <fcntl.h>
#include <libproc.h>
#include <limits.h>
#include <mach-o/dyld.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/event.h>
#include <unistd.h>

#include "lib/proc.h"

pid_t guard_proc_parent(pid_t pid)
{
	struct proc_bsdshortinfo info;
	if (proc_pidinfo(pid, PROC_PIDT_SHORTBSDINFO, 0, &info, sizeof info) != (int)sizeof info)
		return 0;
	return (pid_t)info.pbsi_ppid;
}

/* macOS has no PID namespaces: a process numbers itself as everyone does, when it is alive. */
pid_t guard_proc_own_pid(pid_t pid, pid_t *parent)
{
	if (parent)
		*parent = guard_proc_parent(pid);
	return kill(pid, 0) == 0 || errno == EPERM ? pid : 0;
}

size_t guard_proc_children(pid_t parent, pid_t *out, size_t max)
{
	if (max > INT_MAX / sizeof *out)
		max = INT_MAX / sizeof *out;
	int bytes = proc_listchildpids(parent, out, (int)(max * sizeof *out));
	return bytes > 0 ? (size_t)bytes / sizeof *out : 0;
}

char *guard_proc_self_exe(void)
{
	char path[PATH_MAX];
	uint32_t size = sizeof path;
	if (_NSGetExecutablePath(path, &size) != 0)
		return NULL;
	return realpath(path, NULL);
}

const char *guard_proc_exec_name(void)
{
	return NULL;
}

unsigned long long guard_proc_pid_namespace(void)
{
	return 1;
}

void guard_proc_set_name(const char *name)
{
	pthread_setname_np(name);
}

int guard_proc_exit_fd(pid_t child)
{
	int kq = kqueue();
	if (kq < 0)
		return -1;
	fcntl(kq, F_SETFD, FD_CLOEXEC);
	struct kevent ev;
	EV_SET(&ev, child, EVFILT_PROC, EV_ADD | EV_ONESHOT, NOTE_EXIT, 0, NULL);
	if (kevent(kq, &ev, 1, NULL, 0, NULL) != 0) {
		close(kq);
		return -1;
	}
	return kq;
}

bool guard_proc_path_as_seen(pid_t pid, int dirfd, const char *target, char *buf, size_t len)
{
	int n = -1;
	if (target[0] == '/') {
		n = snprintf(buf, len, "%s", target);
	} else if (dirfd == AT_FDCWD) {
		struct proc_vnodepathinfo vpi;
		if (proc_pidinfo(pid, PROC_PIDVNODEPATHINFO, 0, &vpi, sizeof vpi) != (int)sizeof vpi)
			return false;
		n = snprintf(buf, len, "%s/%s", vpi.pvi_cdir.vip_path, target);
	}
	return n > 0 && (size_t)n < len;
}
