/* Probes of the running kernel: Landlock ABI, user namespaces, seccomp. They answer by trying the real thing
 * (a version query, a namespace in a throwaway child, a filter call with a bad pointer), never by kernel version
 * numbers, which distributions backport around. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guard/landlock_compat.h"
#include "lib/guard.h"
#include "sandbox/probe_api.h"

#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif

static void note(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

long guard_read_sysctl(const char *path, long missing)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return missing;
	char buf[32];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return missing;
	buf[n] = 0;
	char *end;
	long v = strtol(buf, &end, 10);
	return end == buf ? missing : v;
}

int guard_probe_landlock_kernel_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi >= 1)
		return abi > INT_MAX ? INT_MAX : (int)abi;
	return errno == ENOSYS || errno == EOPNOTSUPP ? 0 : -1;
}

int guard_probe_landlock_abi(char *why, size_t whylen)
{
	note(why, whylen, "%s", "");
	int kernel = guard_probe_landlock_kernel_abi();
	if (kernel <= 0) {
		int e = errno;
		if (e == ENOSYS)
			note(why, whylen,
			     "this kernel has no Landlock (needs Linux >= 5.13 with CONFIG_SECURITY_LANDLOCK)");
		else if (e == EOPNOTSUPP)
			note(why, whylen,
			     "Landlock is built in but disabled at boot (add landlock to the lsm= kernel "
			     "parameter)");
		else
			note(why, whylen, "landlock_create_ruleset: %s (a container's seccomp filter?)", strerror(e));
		errno = e;
		return kernel;
	}
	int abi = kernel;
	if (abi > GUARD_LANDLOCK_ABI_MAX) {
		abi = GUARD_LANDLOCK_ABI_MAX;
		note(why, whylen, "the kernel offers ABI %d; guard knows up to ABI %d", kernel, abi);
	}
	const char *forced = getenv("GUARD_LANDLOCK_ABI");
	if (forced && *forced) {
		char *end;
		errno = 0;
		long n = strtol(forced, &end, 10);
		if (*end || errno || n < 0)
			note(why, whylen, "ignoring GUARD_LANDLOCK_ABI=%s (not a number >= 0)", forced);
		else if (n == 0)
			note(why, whylen, "Landlock turned off by GUARD_LANDLOCK_ABI=0 (the kernel offers ABI %d)",
			     kernel);
		else if (n < abi)
			note(why, whylen, "forced down to ABI %ld by GUARD_LANDLOCK_ABI (the kernel offers ABI %d)", n,
			     kernel);
		else if (n > abi)
			note(why, whylen, "GUARD_LANDLOCK_ABI=%ld is above what can be used: ABI %d", n, abi);
		if (!*end && !errno && n >= 0 && n < abi)
			abi = (int)n;
	}
	return abi;
}

int guard_probe_apparmor_userns_restricted(void)
{
	long v = guard_read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", -1);
	return v < 0 ? -1 : v != 0;
}

/* The steps of the namespace probe; the child reports the first that failed and its errno. */
enum ns_step { NS_OK, NS_UNSHARE, NS_SETGROUPS, NS_UID_MAP, NS_GID_MAP, NS_FORK, NS_PRIVATE, NS_TMPFS, NS_PROC };

static const char *const ns_step_text[] = {
	[NS_OK] = "",
	[NS_UNSHARE] = "creating user, mount and PID namespaces",
	[NS_SETGROUPS] = "writing /proc/self/setgroups",
	[NS_UID_MAP] = "writing /proc/self/uid_map",
	[NS_GID_MAP] = "writing /proc/self/gid_map",
	[NS_FORK] = "starting the first process of the PID namespace",
	[NS_PRIVATE] = "making mounts private",
	[NS_TMPFS] = "mounting a tmpfs",
	[NS_PROC] = "mounting a fresh /proc",
};

struct ns_report {
	int step, err;
};

static void report(int fd, enum ns_step step, int err)
{
	struct ns_report r = {step, err};
	if (write(fd, &r, sizeof r) != (ssize_t)sizeof r)
		_exit(3);
	_exit(step == NS_OK ? 0 : 1);
}

static void ns_pid1(int fd)
{
	struct stat st;
	const char *target = stat("/tmp", &st) == 0 && S_ISDIR(st.st_mode) ? "/tmp" : "/";
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		report(fd, NS_PRIVATE, errno);
	if (mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "size=16k,mode=700") < 0)
		report(fd, NS_TMPFS, errno);
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		report(fd, NS_PROC, errno);
	report(fd, NS_OK, 0);
}

static void ns_child(int fd)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID) < 0)
		report(fd, NS_UNSHARE, errno);
	/* setgroups is absent before Linux 3.19, where gid_map needs no such step. */
	if (guard_write_text("/proc/self/setgroups", "deny") < 0 && errno != ENOENT)
		report(fd, NS_SETGROUPS, errno);
	snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
	if (guard_write_text("/proc/self/uid_map", map) < 0)
		report(fd, NS_UID_MAP, errno);
	snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
	if (guard_write_text("/proc/self/gid_map", map) < 0)
		report(fd, NS_GID_MAP, errno);
	pid_t pid = fork();
	if (pid < 0)
		report(fd, NS_FORK, errno);
	if (pid == 0)
		ns_pid1(fd);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 2);
}

static int in_seccomp_filter(void)
{
	return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2;
}

static void explain_ns(char *why, size_t whylen, const struct ns_report *r)
{
	const char *step = r->step > NS_OK && r->step <= NS_PROC ? ns_step_text[r->step] : "the namespace probe";
	const char *err = strerror(r->err);
	long clone_ok = guard_read_sysctl("/proc/sys/kernel/unprivileged_userns_clone", -1);
	long max_ns = guard_read_sysctl("/proc/sys/user/max_user_namespaces", -1);
	int apparmor = guard_probe_apparmor_userns_restricted();
	bool root = geteuid() == 0;

	if (r->step == NS_UNSHARE && (r->err == ENOSPC || r->err == EUSERS)) {
		if (max_ns == 0)
			note(why, whylen, "%s: %s: user namespaces are turned off (user.max_user_namespaces=0)", step,
			     err);
		else
			note(why, whylen,
			     "%s: %s: the limit on user namespaces (user.max_user_namespaces=%ld) is reached", step,
			     err, max_ns);
	} else if (r->step == NS_UNSHARE && r->err == EINVAL) {
		note(why, whylen, "%s: %s: kernel built without user namespaces (CONFIG_USER_NS)", step, err);
	} else if (r->err == EPERM || r->err == EACCES) {
		if (!root && clone_ok == 0 && r->step == NS_UNSHARE)
			note(why, whylen,
			     "%s: %s: unprivileged user namespaces are turned off "
			     "(kernel.unprivileged_userns_clone=0)",
			     step, err);
		else if (!root && apparmor == 1)
			note(why, whylen,
			     "%s: %s: AppArmor restricts unprivileged user namespaces "
			     "(kernel.apparmor_restrict_unprivileged_userns=1)",
			     step, err);
		else if (in_seccomp_filter())
			note(why, whylen, "%s: %s: refused under a seccomp filter (a container's?)", step, err);
		else if (r->step == NS_PROC)
			note(why, whylen,
			     "%s: %s: this /proc has masked or covered parts (a container's?), so the kernel "
			     "refuses a fresh one",
			     step, err);
		else
			note(why, whylen, "%s: %s (a container or a security module forbids it?)", step, err);
	} else {
		note(why, whylen, "%s: %s", step, err);
	}
}

bool guard_probe_userns(char *why, size_t whylen)
{
	note(why, whylen, "%s", "");
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		note(why, whylen, "namespace probe: pipe: %s", strerror(errno));
		return false;
	}
	fflush(NULL); /* the child's exit must not flush a copy of our stdio buffers */
	pid_t pid = fork();
	if (pid < 0) {
		note(why, whylen, "namespace probe: fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return false;
	}
	if (pid == 0) {
		close(p[0]);
		ns_child(p[1]);
	}
	close(p[1]);
	struct ns_report r = {NS_OK, 0};
	ssize_t n;
	while ((n = read(p[0], &r, sizeof r)) < 0 && errno == EINTR)
		;
	close(p[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof r && r.step == NS_OK && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	if (n == (ssize_t)sizeof r && r.step != NS_OK)
		explain_ns(why, whylen, &r);
	else if (WIFSIGNALED(status))
		note(why, whylen, "namespace probe: the child died of signal %d", WTERMSIG(status));
	else
		note(why, whylen, "namespace probe: the child failed without a report (status %d)", status);
	return false;
}

bool guard_probe_seccomp(char *why, size_t whylen)
{
	note(why, whylen, "%s", "");
	int mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
	if (mode < 0) {
		note(why, whylen, "kernel built without seccomp (CONFIG_SECCOMP)");
		return false;
	}
	/* A NULL program: EFAULT proves filter mode exists without installing anything. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, NULL) == 0 || errno != EFAULT) {
		int e = errno;
		if (e == ENOSYS)
			note(why, whylen, "no seccomp system call (Linux older than 3.17)");
		else if (e == EINVAL)
			note(why, whylen, "kernel built without seccomp filters (CONFIG_SECCOMP_FILTER)");
		else
			note(why, whylen, "seccomp: %s (refused by an outer filter?)", strerror(e));
		return false;
	}
	uint32_t action = SECCOMP_RET_ERRNO;
	if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) < 0 && errno == EOPNOTSUPP) {
		note(why, whylen, "seccomp cannot return errors (SECCOMP_RET_ERRNO unavailable)");
		return false;
	}
	if (mode == 2)
		note(why, whylen, "already under a seccomp filter; guard's stacks on top of it");
	return true;
}

bool guard_probe_seccomp_notify(void)
{
	uint32_t action = SECCOMP_RET_USER_NOTIF;
	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}
