/* Facts about a process that only /proc knows (proc.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/proc.h"

pid_t guard_proc_own_pid(pid_t pid)
{
	char path[64], buf[2048];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
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
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	const char *paren = strrchr(buf, ')');
	int ppid = 0;
	return paren && sscanf(paren + 1, " %*c %d", &ppid) == 1 ? (pid_t)ppid : 0;
}
