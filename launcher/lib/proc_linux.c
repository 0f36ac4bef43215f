/* Facts about a process that only /proc knows (proc.h). */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/proc.h"

/* The start of /proc/PID/NAME, NUL-terminated, in one read (what these fields need); false when pid is gone. */
static bool read_proc_file(pid_t pid, const char *name, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	return true;
}

pid_t guard_proc_own_pid(pid_t pid, pid_t *parent)
{
	char buf[2048];
	if (parent)
		*parent = 0;
	if (!read_proc_file(pid, "status", buf, sizeof buf))
		return 0;
	const char *pp = strstr(buf, "\nPPid:");
	if (parent && pp)
		*parent = (pid_t)strtol(pp + 6, NULL, 10);
	const char *line = strstr(buf, "\nNSpid:");
	if (!line)
		return 0;
	line += 7;
	long last = 0;
	for (char *end; *line && *line != '\n'; line = end) {
		long v = strtol(line, &end, 10);
		if (end == line)
			break;
		last = v;
	}
	return (pid_t)last;
}

/* /proc/PID/stat rather than status: one short read, and the fields after the command name are fixed (the name
 * itself may hold spaces and parentheses, so it is skipped to its last ')'). */
pid_t guard_proc_parent(pid_t pid)
{
	char buf[512];
	if (!read_proc_file(pid, "stat", buf, sizeof buf))
		return 0;
	const char *paren = strrchr(buf, ')');
	int ppid = 0;
	return paren && sscanf(paren + 1, " %*c %d", &ppid) == 1 ? (pid_t)ppid : 0;
}

size_t guard_proc_children(pid_t parent, pid_t *out, size_t max)
{
	size_t n = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && n < max && (e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		pid_t pid = (pid_t)atoi(e->d_name);
		if (guard_proc_parent(pid) == parent)
			out[n++] = pid;
	}
	if (d)
		closedir(d);
	return n;
}

char *guard_proc_self_exe(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return NULL;
	exe[n] = 0;
	/* a binary rebuilt while it runs (a stub whose source, guard, was replaced) reads "/usr/bin/curl (deleted)" */
	static const char deleted[] = " (deleted)";
	if ((size_t)n > sizeof deleted - 1 && strcmp(exe + n - (sizeof deleted - 1), deleted) == 0)
		exe[n - (sizeof deleted - 1)] = 0;
	return strdup(exe);
}

const char *guard_proc_exec_name(void)
{
	return (const char *)getauxval(AT_EXECFN);
}

unsigned long long guard_proc_pid_namespace(void)
{
	struct stat st;
	return stat("/proc/self/ns/pid", &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

void guard_proc_set_name(const char *name)
{
	prctl(PR_SET_NAME, name, 0, 0, 0);
}

int guard_proc_exit_fd(pid_t child)
{
	return (int)syscall(SYS_pidfd_open, child, 0);
}

bool guard_proc_path_as_seen(pid_t pid, int dirfd, const char *target, char *buf, size_t len)
{
	int n;
	if (target[0] == '/')
		n = snprintf(buf, len, "/proc/%d/root%s", (int)pid, target);
	else if (dirfd == AT_FDCWD)
		n = snprintf(buf, len, "/proc/%d/cwd/%s", (int)pid, target);
	else
		n = snprintf(buf, len, "/proc/%d/fd/%d/%s", (int)pid, dirfd, target);
	return n > 0 && (size_t)n < len;
}
