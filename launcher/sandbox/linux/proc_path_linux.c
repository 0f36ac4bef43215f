/* Paths as a stopped process named them, resolved the way the kernel does: proc_path.h. */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/guard.h"
#include "sandbox/linux/proc_path.h"

static char *read_link(pid_t pid, const char *what)
{
	char link[96], buf[4096];
	snprintf(link, sizeof link, "/proc/%d/%s", (int)pid, what);
	ssize_t n = readlink(link, buf, sizeof buf - 1);
	if (n <= 0 || buf[0] != '/')
		return NULL; /* gone, or not a file ("pipe:[...]", "anon_inode:...") */
	buf[n] = 0;
	return guard_xstrdup(buf);
}

/* If `p` starts with one of the process's own magic links (/proc/self/fd/N, /proc/thread-self/cwd,
 * /proc/<pid>/root ...), the length of that prefix and, in `what`, the link under /proc/<pid>; else 0. A
 * number other than the caller's own pid is another process of the sandbox's pid namespace: not followed. */
static size_t magic_prefix(pid_t pid, const char *p, char *what, size_t wlen)
{
	if (strncmp(p, "/proc/", 6) != 0)
		return 0;
	const char *s = p + 6, *e = strchr(s, '/');
	if (!e)
		return 0;
	size_t n = (size_t)(e - s);
	bool own = (n == 4 && !strncmp(s, "self", 4)) || (n == 11 && !strncmp(s, "thread-self", 11));
	if (!own) {
		char num[24];
		snprintf(num, sizeof num, "%d", (int)pid);
		own = n == strlen(num) && !strncmp(s, num, n);
	}
	if (!own)
		return 0;
	s = e + 1;
	size_t len;
	if (!strncmp(s, "fd/", 3) && isdigit((unsigned char)s[3])) {
		len = 3 + strspn(s + 3, "0123456789");
	} else if (!strncmp(s, "cwd", 3) || !strncmp(s, "root", 4)) {
		len = s[0] == 'c' ? 3 : 4;
	} else {
		return 0;
	}
	if (s[len] && s[len] != '/')
		return 0;
	snprintf(what, wlen, "%.*s", (int)len, s);
	return (size_t)(s + len - p);
}

char *guard_proc_path(pid_t pid, bool use_dirfd, long dirfd, const char *path, char **cwd_out)
{
	/* The cwd is one more readlink while the caller waits: only when asked for, or needed to resolve. */
	bool by_cwd = path[0] != '/' && !(use_dirfd && (int)dirfd != AT_FDCWD);
	char *cwd = cwd_out || by_cwd ? read_link(pid, "cwd") : NULL;
	if (cwd_out)
		*cwd_out = guard_xstrdup(cwd ? cwd : "");
	char *abs;
	if (path[0] == '/') {
		abs = guard_xstrdup(path);
	} else {
		char what[32];
		snprintf(what, sizeof what, "fd/%ld", dirfd);
		char *dir = use_dirfd && (int)dirfd != AT_FDCWD ? read_link(pid, what) : guard_xstrdup(cwd ? cwd : "");
		if (!dir || !dir[0]) {
			free(dir);
			free(cwd);
			return NULL;
		}
		abs = path[0] ? guard_path_join(dir, path) : guard_xstrdup(dir);
		free(dir);
	}
	free(cwd);
	/* Follow the magic links first: "/proc/self/fd/3/.." is the parent of what 3 is, not /proc/self/fd. */
	for (int hops = 0; hops < 8; hops++) {
		char what[32];
		size_t pre = magic_prefix(pid, abs, what, sizeof what);
		if (!pre)
			break;
		char *target = strcmp(what, "root") == 0 ? guard_xstrdup("/") : read_link(pid, what);
		if (!target) {
			free(abs);
			return NULL;
		}
		char *joined = abs[pre] ? guard_xasprintf("%s%s", target, abs + pre) : guard_xstrdup(target);
		free(target);
		free(abs);
		abs = joined;
	}
	char *norm = guard_path_normalize(abs);
	free(abs);
	return norm;
}
