/* Programs: the exec family of shim_table.h. The execve itself is ours (execve with the magic in args[3],
 * execveat in args[5]) with LD_PRELOAD and GUARD_* put back into the environment; execvp's PATH search is
 * redone here the way glibc does it, so every attempt carries the magic. Everything runs on the stack: Python,
 * shells and others call these between vfork and exec. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim_calls.h"
#include "shim_exec.h"
#include "shim_magic.h"
#include "shim_note.h"
#include "shim_real.h"
#include "shim_state.h"
#include "shim_sys.h"

char *const *shim_env_fix_in(char *const *envp, size_t n, char **stackv, char *scratch, struct shim_envmap *map)
{
	char **out = stackv;
	if (n > SHIM_ENV_STACK_MAX) {
		size_t len = ((n + SHIM_ENV_EXTRA + 1) * sizeof(char *) + 4095) & ~(size_t)4095;
		long r = shim_sys6(SYS_mmap, 0, (long)len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (shim_sys_failed(r))
			return envp; /* unchanged rather than not at all */
		/* Between vfork and exec this mapping lands in the parent and stays: only for giant environments. */
		if (!shim_tls_vfork) {
			map->addr = (void *)r;
			map->len = len;
		}
		out = (char **)r;
	}
	return shim_envp_fix(envp, &shim.env, out, scratch, SHIM_ENV_SCRATCH);
}

void shim_env_unmap(struct shim_envmap *map)
{
	if (map->addr)
		shim_sys2(SYS_munmap, map->addr, map->len);
	map->addr = NULL;
}

/* glibc declares some arguments nonnull; programs pass NULL anyway and the kernel answers for it. Hide the
 * attribute from the optimizer so our checks stay. */
static inline const void *unknown_ptr(const void *p)
{
	__asm__("" : "+r"(p));
	return p;
}

/* The system call; returns only on failure, with the errno. */
static int sys_exec(int dirfd, const char *path, char *const argv[], char *const envp[], int flags, bool at)
{
	_Static_assert(SHIM_MAGIC_SLOT_EXECVE == 3 && SHIM_MAGIC_SLOT_EXECVEAT == 5, "magic slots");
	long r = at ? shim_sys6(SYS_execveat, dirfd, (long)path, (long)argv, (long)envp, flags, (long)shim.magic)
		    : shim_sys6(SYS_execve, (long)path, (long)argv, (long)envp, (long)shim.magic, 0, 0);
	return (int)-r;
}

/* glibc's execvp runs a file the kernel will not (ENOEXEC: no #!) with /bin/sh. */
static int sys_exec_script(const char *path, char *const argv[], char *const envp[])
{
	size_t argc = 0;
	while (argv && argv[argc])
		argc++;
	if (argc > 1 << 20)
		return E2BIG;
	char *sh_argv[argc + 2];
	sh_argv[0] = (char *)"/bin/sh";
	sh_argv[1] = (char *)path;
	for (size_t i = 1; i < argc; i++)
		sh_argv[i + 1] = argv[i];
	sh_argv[argc > 1 ? argc + 1 : 2] = NULL;
	return sys_exec(AT_FDCWD, "/bin/sh", sh_argv, envp, 0, false);
}

/* exec.deny (guard_image_exec_match): the program is refused before any exec, whether the kernel would run it
 * or not, because subcommand rules are seen only here. Its name is the base name of the path, of argv[0] and
 * of the final target of a symlink path (a link named otherwise still runs the denied file). */
static bool exec_denied_as(const char *file, char *const argv[], const struct guard_image_rule **out)
{
	const struct guard_image_rule *r = guard_image_exec_match(&shim.img, file, argv);
	if (r && !(r->flags & GUARD_IRULE_NEGATED)) {
		*out = r;
		return true;
	}
	return false;
}

int shim_exec_refused(int dirfd, const char *path, char *const argv[], bool follow)
{
	if (!shim.img.h || !shim.img.h->nexec)
		return 0;
	const struct guard_image_rule *r = NULL;
	if (follow && path && *path) {
		/* a PATH search's candidate that does not exist is the kernel's ENOENT (shells try every entry) */
		struct stat st;
		if (shim_sys_failed(shim_sys4(SYS_newfstatat, dirfd, path, &st, 0)))
			return 0;
	}
	bool denied = exec_denied_as(path, argv, &r);
	char cur[PATH_MAX], link[PATH_MAX];
	if (!denied && follow && path) {
		size_t n = strnlen(path, sizeof cur);
		if (!*path && dirfd >= 0) { /* fexecve, execveat(AT_EMPTY_PATH): what the descriptor names */
			char digits[12];
			int k = 0;
			unsigned v = (unsigned)dirfd;
			do
				digits[k++] = (char)('0' + v % 10);
			while ((v /= 10) && k < 11);
			memcpy(cur, "/proc/self/fd/", 14);
			n = 14;
			while (k)
				cur[n++] = digits[--k];
			cur[n] = 0;
			dirfd = AT_FDCWD;
		} else if (n < sizeof cur) {
			memcpy(cur, path, n + 1);
		}
		if (n < sizeof cur) {
			for (int hop = 0; hop < 16 && !denied; hop++) {
				long len =
					shim_sys4(SYS_readlinkat, hop ? AT_FDCWD : dirfd, cur, link, sizeof link - 1);
				if (shim_sys_failed(len))
					break;
				link[len] = 0;
				if (link[0] == '/') {
					memcpy(cur, link, (size_t)len + 1);
				} else {
					char *slash = strrchr(cur, '/');
					size_t dl = slash ? (size_t)(slash - cur) + 1 : 0;
					if (dl + (size_t)len + 1 > sizeof cur)
						break;
					memmove(cur + dl, link, (size_t)len + 1);
				}
				char *none[] = {NULL};
				denied = exec_denied_as(cur, none, &r);
				if (denied) {
					/* the target decides the name; argv's words still decide subcommand rules */
					const struct guard_image_rule *s = guard_image_exec_match(&shim.img, cur, argv);
					if (s && !(s->flags & GUARD_IRULE_NEGATED))
						r = s;
				}
			}
		}
	}
	if (!denied) {
		size_t k = guard_exec_loader_program(path && *path ? path : NULL, argv);
		return k ? shim_exec_refused(AT_FDCWD, argv[k], argv + k, true) : 0;
	}
	/* once per process and rule (a PATH search meets /usr/bin/curl and /bin/curl). Keyed by pid: a vfork
	 * child writes the parent's copy, and the shell's next child must still be told. Racy across threads: at
	 * worst a message twice. */
	static long told_pid;
	static uint64_t told;
	long pid = shim_sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
	if (__atomic_load_n(&told_pid, __ATOMIC_RELAXED) != pid) {
		__atomic_store_n(&told, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&told_pid, pid, __ATOMIC_RELAXED);
	}
	uint32_t bit = (uint32_t)(r - shim.img.exec) & 63;
	bool first = !(__atomic_fetch_or(&told, (uint64_t)1 << bit, __ATOMIC_RELAXED) & ((uint64_t)1 << bit));
	if (!shim.quiet && first) {
		char msg[1024];
		size_t n = guard_image_exec_message(&shim.img, r, msg, sizeof msg);
		for (const char *m = msg; n;) {
			long w = shim_sys3(SYS_write, 2, m, n);
			if (w == -EINTR)
				continue;
			if (shim_sys_failed(w) || w == 0)
				break;
			m += w;
			n -= (size_t)w;
		}
	}
	return EACCES;
}

/* One attempt with its events: "about to" (err 0: if it works there is no after), then the failure. */
static int exec_attempt(int dirfd, const char *path, char *const argv[], char *const envp[], int flags, bool at,
			bool script)
{
	int refused = shim_exec_refused(dirfd, path, argv, true);
	if (refused) {
		shim_note_exec(dirfd, path, argv, refused); /* the session log records the refusal */
		return refused;
	}
	shim_note_exec(dirfd, path, argv, 0);
	int err = sys_exec(dirfd, path, argv, envp, flags, at);
	if (err == ENOEXEC && script)
		err = sys_exec_script(path, argv, envp);
	shim_note_exec(dirfd, path, argv, err);
	return err;
}

/* execvp's search, as glibc 2.36 posix/execvpe.c: PATH (default "/bin:/usr/bin"), an empty entry is the cwd;
 * EACCES is remembered and the search goes on; ENOENT, ESTALE, ENOTDIR, ENODEV, ETIMEDOUT go on; any other
 * error stops it. A candidate that does not exist is skipped without an exec (nor an event). */
static int exec_search(const char *file, char *const argv[], char *const envp[])
{
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	size_t flen = strlen(file);
	if (flen >= NAME_MAX)
		return ENAMETOOLONG;
	bool eacces = false;
	int last = ENOENT;
	char buf[PATH_MAX];
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		size_t dl = (size_t)(end - p);
		if (dl + 1 + flen + 1 <= sizeof buf) {
			memcpy(buf, p, dl);
			buf[dl] = '/';
			memcpy(buf + dl + (dl > 0), file, flen + 1);
			struct stat st;
			long r = shim_sys4(SYS_newfstatat, AT_FDCWD, buf, &st, 0);
			int err = (r == -ENOENT || r == -ENOTDIR)
					  ? (int)-r
					  : exec_attempt(AT_FDCWD, buf, argv, envp, 0, false, true);
			switch (err) {
			case EACCES:
				eacces = true;
				/* fall through */
			case ENOENT:
			case ESTALE:
			case ENOTDIR:
			case ENODEV:
			case ETIMEDOUT:
				last = err;
				break;
			default:
				return err;
			}
		}
		if (!*end)
			break;
		p = end;
	}
	return eacces ? EACCES : last;
}

static int exec_on(int dirfd, const char *file, char *const argv[], char *const envp[], int flags, bool at, bool search)
{
	file = unknown_ptr(file); /* execve(NULL, NULL, ...) is the kernel's EFAULT, not our crash */
	argv = unknown_ptr(argv);
	SHIM_ENV_FIXED(env, envp);
	int err;
	if (!file || (search && !*file))
		err = file ? ENOENT : EFAULT;
	else if (search && !strchr(file, '/'))
		err = (err = shim_exec_refused(AT_FDCWD, file, argv, false)) ? err : exec_search(file, argv, env);
	else
		err = exec_attempt(dirfd, file, argv, env, flags, at, search);
	SHIM_ENV_DONE(env);
	errno = err;
	return -1;
}

#define SHIM_GEN_EXEC(name, ret_, params_, args_, op_, dirfd_, path_, argv_, envp_, search_)                           \
	SHIM_DEFINE(ret_, name, params_)                                                                               \
	{                                                                                                              \
		if (shim_mode() != SHIM_ON)                                                                            \
			return SHIM_REAL(name) args_;                                                                  \
		return exec_on(dirfd_, path_, argv_, envp_, 0, false, search_);                                        \
	}
#define SHIM_GEN_CUSTOM(...)
#define SHIM_GEN_SPAWN(...)
#define SHIM_GEN_ASM(...)
#define SHIM_X(gen, ...) SHIM_GEN_##gen(__VA_ARGS__)
SHIM_EXEC_TABLE(SHIM_X)

/* execl, execlp, execle: the varargs gathered into an argv on the stack (execle's envp follows the NULL), then
 * as execv/execvp/execve. */
#define GATHER_ARGV(argv, arg0, envp_out, with_env)                                                                    \
	size_t argc_ = 0;                                                                                              \
	va_list ap_;                                                                                                   \
	const char *first_ = unknown_ptr(arg0);                                                                        \
	va_start(ap_, arg0);                                                                                           \
	if (first_)                                                                                                    \
		for (argc_ = 1; va_arg(ap_, const char *); argc_++)                                                    \
			;                                                                                              \
	va_end(ap_);                                                                                                   \
	char *argv[argc_ + 1];                                                                                         \
	va_start(ap_, arg0);                                                                                           \
	argv[0] = (char *)(arg0);                                                                                      \
	for (size_t i_ = 1; i_ < argc_; i_++)                                                                          \
		argv[i_] = va_arg(ap_, char *);                                                                        \
	if (argc_)                                                                                                     \
		(void)va_arg(ap_, char *); /* the terminating NULL */                                                  \
	argv[argc_] = NULL;                                                                                            \
	envp_out = (with_env) ? va_arg(ap_, char *const *) : environ;                                                  \
	va_end(ap_)

SHIM_EXPORT int execl(const char *a0, const char *a1, ...)
{
	char *const *envp;
	GATHER_ARGV(argv, a1, envp, false);
	if (shim_mode() != SHIM_ON)
		return SHIM_REAL(execv)(a0, argv);
	return exec_on(AT_FDCWD, a0, argv, envp, 0, false, false);
}

SHIM_EXPORT int execlp(const char *a0, const char *a1, ...)
{
	char *const *envp;
	GATHER_ARGV(argv, a1, envp, false);
	if (shim_mode() != SHIM_ON)
		return SHIM_REAL(execvp)(a0, argv);
	return exec_on(AT_FDCWD, a0, argv, envp, 0, false, true);
}

SHIM_EXPORT int execle(const char *a0, const char *a1, ...)
{
	char *const *envp;
	GATHER_ARGV(argv, a1, envp, true);
	if (shim_mode() != SHIM_ON)
		return SHIM_REAL(execve)(a0, argv, envp);
	return exec_on(AT_FDCWD, a0, argv, envp, 0, false, false);
}

SHIM_EXPORT int execveat(int a0, const char *a1, char *const a2[], char *const a3[], int a4)
{
	if (shim_mode() != SHIM_ON)
		return SHIM_REAL(execveat)(a0, a1, a2, a3, a4);
	return exec_on(a0, a1, a2, a3, a4, true, false);
}

/* fexecve: execveat(fd, "", AT_EMPTY_PATH), or /proc/self/fd/N on kernels without execveat (as glibc). */
SHIM_EXPORT int fexecve(int a0, char *const a1[], char *const a2[])
{
	if (shim_mode() != SHIM_ON)
		return SHIM_REAL(fexecve)(a0, a1, a2);
	if (a0 < 0 || !unknown_ptr(a1) || !unknown_ptr(a2)) {
		errno = EINVAL;
		return -1;
	}
	SHIM_ENV_FIXED(env, a2);
	int err = exec_attempt(a0, "", a1, env, AT_EMPTY_PATH, true, false);
	if (err == ENOSYS) {
		char proc[32];
		int n = 0;
		char digits[12];
		unsigned v = (unsigned)a0;
		do
			digits[n++] = (char)('0' + v % 10);
		while ((v /= 10) && n < 11);
		memcpy(proc, "/proc/self/fd/", 14);
		size_t l = 14;
		while (n)
			proc[l++] = digits[--n];
		proc[l] = 0;
		err = exec_attempt(AT_FDCWD, proc, a1, env, 0, false, false);
		if (err == ENOENT)
			err = ENOSYS; /* no /proc: fexecve cannot work here */
	}
	SHIM_ENV_DONE(env);
	errno = err;
	return -1;
}

/* From syscall(): SYS_execve and SYS_execveat. */
int shim_exec_call(int dirfd, const char *path, char *const argv[], char *const envp[], int flags, bool at,
		   enum shim_mode m)
{
	if (m == SHIM_ON)
		return exec_on(dirfd, path, argv, envp, flags, at, false);
	errno = sys_exec(dirfd, path, argv, envp, flags, at);
	return -1;
}
