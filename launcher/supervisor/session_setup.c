/* What a session needs outside the sandbox before it starts: a private run directory (the compiled policy image,
 * the event socket, a mount point for the shim), the session magic, and where the shim is. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cloexec.h"
#include "lib/guard.h"
#include "lib/proc.h"
#include "lib/random.h"
#include "supervisor/event_socket.h"
#include "supervisor/session_setup.h"

uint64_t guard_session_magic(void)
{
	uint64_t m = 0;
	while (m == 0)
		if (guard_random_bytes(&m, sizeof m, true) != 0)
			guard_die_errno(NULL, "reading random bytes for the session magic");
	return m;
}

char *guard_find_shim(void)
{
	const char *env = getenv("GUARD_LIBRARY");
	if (env && *env)
		return access(env, R_OK) == 0 ? realpath(env, NULL) : NULL;
	char *exe = guard_proc_self_exe();
	if (!exe)
		return NULL;
	char *slash = strrchr(exe, '/');
	if (!slash) {
		free(exe);
		return NULL;
	}
	*slash = 0;
	/* Beside the binary (the build tree), installed under PREFIX/lib/guard (make install), or in the multiarch
	 * library directory (the Debian package: /usr/lib/x86_64-linux-gnu/guard). */
#ifndef GUARD_MULTIARCH
#define GUARD_MULTIARCH ""
#endif
	const char *dirs[] = {"/", "/../lib/guard/", *GUARD_MULTIARCH ? "/../lib/" GUARD_MULTIARCH "/guard/" : NULL};
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs && dirs[i]; i++) {
		char *p = guard_xasprintf("%s%s%s", exe, dirs[i], guard_shim_file);
		char *r = access(p, R_OK) == 0 ? realpath(p, NULL) : NULL;
		free(p);
		if (r) {
			free(exe);
			return r;
		}
	}
	free(exe);
	return NULL;
}

char *guard_make_rundir(void)
{
	const char *base = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	if (!base || base[0] != '/' || stat(base, &st) != 0 || !S_ISDIR(st.st_mode) || access(base, W_OK) != 0)
		base = "/tmp";
	char *dir = guard_xasprintf("%s/guard-run-XXXXXX", base);
	if (!mkdtemp(dir))
		guard_die_errno("set XDG_RUNTIME_DIR to a writable directory", "creating guard's run directory in %s",
				base);
	return dir;
}

int guard_event_socket(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path)
		guard_die("set XDG_RUNTIME_DIR to a shorter path", "the event socket path is too long: %s", path);
	strcpy(sa.sun_path, path);
	int fd = guard_socket_cloexec(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		guard_die_errno(NULL, "creating the event socket %s", path);
	guard_event_socket_tune(fd);
	return fd;
}

void guard_remove_rundir(const char *dir)
{
	/* Every entry: besides the socket, the image and the shim's mount point, a session may have put the hook's
	 * settings or guard's own mount point here; one left behind keeps the directory in /tmp for good. */
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* The cleaner: detached from guard's session and terminal, holding nothing but the pipe's read end; when the last
 * write end closes (guard and every process forked from it without exec are gone, however they ended), it removes
 * what is left of the paths. */
__attribute__((noreturn)) static void cleaner(int rfd, char *const *paths, size_t n)
{
	setsid();
	guard_proc_set_name("guard-cleanup");
	static const int quiet[] = {SIGINT, SIGQUIT, SIGHUP, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE};
	for (size_t i = 0; i < sizeof quiet / sizeof *quiet; i++)
		signal(quiet[i], SIG_IGN);
	if (chdir("/") != 0)
		_exit(0);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd < 3; fd++)
		if (null >= 0 && fd != rfd)
			dup2(null, fd);
	guard_close_from(3, rfd);
	char c;
	ssize_t k;
	while ((k = read(rfd, &c, 1)) != 0)
		if (k < 0 && errno != EINTR)
			break;
	for (size_t i = 0; i < n; i++)
		if (paths[i])
			nftw(paths[i], remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	_exit(0);
}

int guard_cleanup_watch(char *const *paths, size_t n, pid_t *starter)
{
	int p[2];
	*starter = -1;
	if (guard_pipe_cloexec(p, false) != 0)
		return -1;
	pid_t a = fork();
	if (a == 0) {
		/* Twice: the cleaner is nobody's child in guard's tree, so ending the session's descendants never
		 * reaches it. */
		if (fork() != 0)
			_exit(0);
		close(p[1]);
		cleaner(p[0], paths, n);
	}
	close(p[0]);
	if (a < 0) {
		close(p[1]);
		return -1;
	}
	*starter = a;
	return p[1];
}
