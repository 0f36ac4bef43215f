/* Spawners: posix_spawn(p) (+ pidfd_spawn(p) where glibc has them), system, popen/pclose.
 *
 * Their child runs libc-internal code only (no interposer is reached between its clone and its execve), so the
 * real posix_spawn is used, with our environment; that execve lacks the magic and costs one observer round trip
 * per spawn (small beside a spawn). system and popen are rebuilt on it so they get our environment too (glibc's
 * would pass the program's environ, which may have lost LD_PRELOAD). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shim_exec.h"
#include "shim_fmode.h"
#include "shim_fork.h"
#include "shim_note.h"
#include "shim_real.h"
#include "shim_state.h"
#include "shim_sys.h"

/* For the event of posix_spawnp: the file its PATH search will run (first existing candidate), else as given. */
static const char *spawn_target(const char *file, bool search, char *buf, size_t cap)
{
	if (!search || !file || strchr(file, '/'))
		return file;
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	size_t flen = strlen(file);
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		size_t dl = (size_t)(end - p);
		if (dl + 1 + flen + 1 <= cap) {
			memcpy(buf, p, dl);
			buf[dl] = '/';
			memcpy(buf + dl + (dl > 0), file, flen + 1);
			struct stat st;
			if (!shim_sys_failed(shim_sys4(SYS_newfstatat, AT_FDCWD, buf, &st, 0)) && S_ISREG(st.st_mode))
				return buf;
		}
		if (!*end)
			return file;
		p = end;
	}
}

#define SHIM_GEN_SPAWN(name, ret_, params_, args_, op_, dirfd_, path_, argv_, envp_, search_)                          \
	SHIM_DEFINE(ret_, name, params_)                                                                               \
	{                                                                                                              \
		if (shim_mode() != SHIM_ON)                                                                            \
			return SHIM_REAL(name) args_;                                                                  \
		char target_buf[4096];                                                                                 \
		const char *target = spawn_target(path_, search_, target_buf, sizeof target_buf);                      \
		int refused_ = shim_exec_refused(AT_FDCWD, target, argv_, true);                                       \
		if (refused_)                                                                                          \
			return refused_;                                                                               \
		SHIM_ENV_FIXED(env, envp_);                                                                            \
		shim_note_exec(AT_FDCWD, target, argv_, 0);                                                            \
		int rc = SHIM_REAL(name)(a0, a1, a2, a3, a4, env);                                                     \
		if (rc)                                                                                                \
			shim_note_exec(AT_FDCWD, target, argv_, rc);                                                   \
		SHIM_ENV_DONE(env);                                                                                    \
		return rc;                                                                                             \
	}
#define SHIM_GEN_EXEC(...)
#define SHIM_GEN_CUSTOM(...)
#define SHIM_GEN_ASM(...)
#define SHIM_X(gen, ...) SHIM_GEN_##gen(__VA_ARGS__)
SHIM_EXEC_TABLE(SHIM_X)

/* /bin/sh -c CMD through the real posix_spawn with our environment; 0 or an errno, *pid set. */
static int spawn_shell(pid_t *pid, const char *cmd, const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr)
{
	char *argv[] = {(char *)"sh", (char *)"-c", (char *)"--", (char *)cmd, NULL};
	SHIM_ENV_FIXED(env, environ);
	shim_note_exec(AT_FDCWD, "/bin/sh", argv, 0);
	int rc = SHIM_REAL(posix_spawn)(pid, "/bin/sh", fa, attr, argv, env);
	if (rc)
		shim_note_exec(AT_FDCWD, "/bin/sh", argv, rc);
	SHIM_ENV_DONE(env);
	return rc;
}

/* system(), as glibc 2.36 sysdeps/posix/system.c: SIGINT and SIGQUIT ignored while any system() runs (counted
 * across threads), SIGCHLD blocked; the child gets the default dispositions back and the caller's mask. */
static pthread_mutex_t system_lock = PTHREAD_MUTEX_INITIALIZER;
static int system_refs;
static struct sigaction system_intr, system_quit;

static int do_system(const char *line)
{
	struct sigaction sa = {.sa_handler = SIG_IGN};
	sigset_t omask, reset;
	sigemptyset(&sa.sa_mask);
	pthread_mutex_lock(&system_lock);
	if (system_refs++ == 0) {
		sigaction(SIGINT, &sa, &system_intr);
		sigaction(SIGQUIT, &sa, &system_quit);
	}
	pthread_mutex_unlock(&system_lock);
	sigaddset(&sa.sa_mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &sa.sa_mask, &omask);
	sigemptyset(&reset);
	if (system_intr.sa_handler != SIG_IGN)
		sigaddset(&reset, SIGINT);
	if (system_quit.sa_handler != SIG_IGN)
		sigaddset(&reset, SIGQUIT);
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &omask);
	posix_spawnattr_setsigdefault(&attr, &reset);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	pid_t pid;
	int status;
	int rc = spawn_shell(&pid, line, NULL, &attr);
	posix_spawnattr_destroy(&attr);
	if (rc == 0) {
		pid_t w;
		do
			w = waitpid(pid, &status, 0);
		while (w < 0 && errno == EINTR);
		if (w != pid)
			status = -1;
	} else {
		status = 127 << 8; /* as if the shell had exited 127 */
	}
	pthread_mutex_lock(&system_lock);
	if (--system_refs == 0) {
		sigaction(SIGINT, &system_intr, NULL);
		sigaction(SIGQUIT, &system_quit, NULL);
	}
	pthread_mutex_unlock(&system_lock);
	sigprocmask(SIG_SETMASK, &omask, NULL);
	if (rc)
		errno = rc;
	return status;
}

SHIM_EXPORT int system(const char *a0)
{
	if (shim_mode() != SHIM_ON)
		return SHIM_REAL(system)(a0);
	if (!a0) /* is there a shell? */
		return do_system("exit 0") == 0;
	return do_system(a0);
}

/* popen streams we made, for pclose (which must wait for the shell) and for closing them in later children. */
struct popen_ent {
	struct popen_ent *next;
	FILE *f;
	pid_t pid;
};
static pthread_mutex_t popen_lock = PTHREAD_MUTEX_INITIALIZER;
static struct popen_ent *popen_list;

/* fork: locks another thread held are not ours in the child; its system() is not running here either. */
void shim_spawn_child(void)
{
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
	memcpy(&popen_lock, &fresh, sizeof popen_lock);
	memcpy(&system_lock, &fresh, sizeof system_lock);
	system_refs = 0;
}

SHIM_EXPORT FILE *popen(const char *a0, const char *a1)
{
	if (shim_mode() != SHIM_ON)
		return SHIM_REAL(popen)(a0, a1);
	bool reading, cloexec;
	if (shim_popen_mode(a1, &reading, &cloexec) != 0) {
		errno = EINVAL;
		return NULL;
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return NULL;
	int parent_end = reading ? fds[0] : fds[1], child_end = reading ? fds[1] : fds[0];
	int child_std = reading ? STDOUT_FILENO : STDIN_FILENO;
	struct popen_ent *e = malloc(sizeof *e);
	posix_spawn_file_actions_t fa;
	int rc = e ? posix_spawn_file_actions_init(&fa) : ENOMEM;
	if (rc) {
		free(e);
		close(fds[0]);
		close(fds[1]);
		errno = rc;
		return NULL;
	}
	/* dup2 onto itself (the pipe got fd 0 or 1) clears close-on-exec in glibc >= 2.29. */
	posix_spawn_file_actions_adddup2(&fa, child_end, child_std);
	pthread_mutex_lock(&popen_lock);
	/* POSIX: streams of earlier popen calls are closed in the new child. */
	for (struct popen_ent *p = popen_list; p; p = p->next) {
		int fd = fileno(p->f);
		if (fd >= 0 && fd != child_std)
			posix_spawn_file_actions_addclose(&fa, fd);
	}
	pid_t pid;
	rc = spawn_shell(&pid, a0, &fa, NULL);
	posix_spawn_file_actions_destroy(&fa);
	close(child_end);
	FILE *f = NULL;
	if (rc == 0) {
		if (!cloexec)
			fcntl(parent_end, F_SETFD, 0);
		f = fdopen(parent_end, reading ? "r" : "w");
		if (f) {
			e->f = f;
			e->pid = pid;
			e->next = popen_list;
			popen_list = e;
		} else {
			/* The shell runs already: give it EOF and reap it. */
			rc = errno;
			close(parent_end);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
	} else {
		close(parent_end);
	}
	pthread_mutex_unlock(&popen_lock);
	if (!f) {
		free(e);
		errno = rc;
	}
	return f;
}

SHIM_EXPORT int pclose(FILE *a0)
{
	struct popen_ent *e = NULL;
	pthread_mutex_lock(&popen_lock);
	for (struct popen_ent **pp = &popen_list; *pp; pp = &(*pp)->next)
		if ((*pp)->f == a0) {
			e = *pp;
			*pp = e->next;
			break;
		}
	pthread_mutex_unlock(&popen_lock);
	if (!e)
		return SHIM_REAL(pclose)(a0); /* libc's own popen stream (made before the policy, or without one) */
	pid_t pid = e->pid, w;
	int status;
	free(e);
	fclose(a0);
	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	return w < 0 ? -1 : status;
}
