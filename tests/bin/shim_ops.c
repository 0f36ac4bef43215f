/* shim_ops: a dynamically linked program for tests/unit/test_shim.c that makes the calls libguard.so interposes,
 * one operation per argument, and prints what each returned ("OP ARG = RESULT errno N") on stdout, so the test
 * can check results and errno while the shim (LD_PRELOAD) reports on stderr and to the event socket.
 *
 *   open:P  open64:P  openat:P  fopen:P:MODE  opendir:P  creat:P  syscall-open:P  syscall-openat:P
 *   syscall-openat2:P  mkstemp:TEMPLATE  mkdir:P  rename:A:B  unlink:P  errno-kept:P (open with errno=EDOM)
 *   write:P (open O_WRONLY|O_APPEND)  exec:P  execle-empty:P  strip-exec:P  system:CMD  popen:CMD
 *   spawn-noenv:P  fork-open:P  vfork-open-exec:P  closeall  dup2sock:FILE  daemon-open:P  threads:DIR:N
 *   connect-inet:IP:PORT  connect-unix:P  unshare-net  seccomp:SYSCALL:MAGIC  fexecve:P  execveat:P
 *   syscall-execve:P  raw-openat:P (no libc: the control for the seccomp check)  pause (until killed)
 * exec-like operations run P with the argument ok.txt (P = a program: /bin/cat, /bin/true) and print if they
 * return. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void report(const char *op, const char *arg, long r, int err)
{
	printf("%s %s = %ld errno %d\n", op, arg, r, err);
	fflush(stdout);
}

static char *field(char **s)
{
	char *f = *s, *c = strchr(f, ':');
	if (c) {
		*c = 0;
		*s = c + 1;
	} else {
		*s = f + strlen(f);
	}
	return f;
}

/* A filter that kills the process unless the named call carries `magic` in the slot the shim uses. */
static int seccomp_magic(const char *call, unsigned long long magic)
{
	int nr, slot;
	if (strcmp(call, "openat") == 0)
		nr = SYS_openat, slot = 4;
	else if (strcmp(call, "openat2") == 0)
		nr = SYS_openat2, slot = 4;
	else if (strcmp(call, "execve") == 0)
		nr = SYS_execve, slot = 3;
	else if (strcmp(call, "execveat") == 0)
		nr = SYS_execveat, slot = 5;
	else if (strcmp(call, "connect") == 0)
		nr = SYS_connect, slot = 3;
	else
		return -1;
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]) + 8 * slot),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)(magic & 0xffffffffu), 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]) + 8 * slot + 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)(magic >> 32), 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static const char *thread_dir;
static int thread_n;
static void *opener(void *arg)
{
	long id = (long)arg;
	char p[4096];
	for (int i = 0; i < 400; i++) {
		snprintf(p, sizeof p, "%s/f%d", thread_dir, (int)((i + id) % thread_n));
		int fd = open(p, O_RDONLY);
		if (fd < 0)
			return (void *)1;
		close(fd);
	}
	return NULL;
}

/* The shim's event socket: a unix socket on a high fd. */
static int find_shim_socket(void)
{
	for (int fd = 1023; fd >= 3; fd--) {
		struct stat st;
		if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
			return fd;
	}
	return -1;
}

/* vfork, open in the child (the shim must stay on the stack there), exec; then the parent opens the same path:
 * its event must not have been swallowed by the child's. */
__attribute__((noinline)) static void vfork_open_exec(const char *arg)
{
	static volatile int child_fd = -2;
	pid_t pid = vfork();
	if (pid == 0) {
		child_fd = open(arg, O_RDONLY);
		char *argv[] = {"/bin/true", NULL};
		execv("/bin/true", argv);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	report("vfork-open-exec", arg, pid, child_fd >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1);
	int fd = open(arg, O_RDONLY);
	report("parent-open", arg, fd >= 0, getpid());
	close(fd);
}

static int run_one(char *op_arg)
{
	char *rest = op_arg;
	char *op = field(&rest);
	char *arg = rest;
	int fd, saved;
	long r;
	if (strcmp(op, "open") == 0 || strcmp(op, "open64") == 0) {
		errno = 0;
		fd = strcmp(op, "open") == 0 ? open(arg, O_RDONLY) : open64(arg, O_RDONLY);
		report(op, arg, fd, fd < 0 ? errno : 0);
		if (fd >= 0)
			close(fd);
	} else if (strcmp(op, "openat") == 0) {
		fd = openat(AT_FDCWD, arg, O_RDONLY);
		report(op, arg, fd, fd < 0 ? errno : 0);
		if (fd >= 0)
			close(fd);
	} else if (strcmp(op, "write") == 0) {
		fd = open(arg, O_WRONLY | O_APPEND);
		report(op, arg, fd, fd < 0 ? errno : 0);
		if (fd >= 0)
			close(fd);
	} else if (strcmp(op, "creat") == 0) {
		fd = creat(arg, 0600);
		report(op, arg, fd, fd < 0 ? errno : 0);
		if (fd >= 0)
			close(fd);
	} else if (strcmp(op, "errno-kept") == 0) {
		errno = EDOM;
		fd = open(arg, O_RDONLY);
		saved = errno;
		report(op, arg, fd, saved);
		if (fd >= 0)
			close(fd);
	} else if (strcmp(op, "fopen") == 0) {
		char *path = field(&rest);
		FILE *f = fopen(path, rest);
		report(op, path, f ? 0 : -1, f ? 0 : errno);
		if (f) {
			printf("pos %ld\n", ftell(f)); /* fopen("a") starts at the end */
			/* prove the FILE works: first line, or write a byte */
			char line[256] = "";
			if (strchr(rest, 'r') && !strchr(rest, '+'))
				printf("line %s", fgets(line, sizeof line, f) ? line : "(none)\n");
			else
				fputs("x", f);
			printf("tell %ld cloexec %d\n", ftell(f), (fcntl(fileno(f), F_GETFD) & FD_CLOEXEC) != 0);
			fclose(f);
		}
	} else if (strcmp(op, "opendir") == 0) {
		DIR *d = opendir(arg);
		int n = 0;
		if (d) {
			while (readdir(d))
				n++;
			closedir(d);
		}
		report(op, arg, d ? n : -1, d ? 0 : errno);
	} else if (strcmp(op, "syscall-open") == 0 || strcmp(op, "syscall-openat") == 0) {
		r = strcmp(op, "syscall-open") == 0 ? syscall(SYS_open, arg, O_RDONLY, 0)
						    : syscall(SYS_openat, AT_FDCWD, arg, O_RDONLY, 0);
		report(op, arg, r, r < 0 ? errno : 0);
		if (r >= 0)
			close((int)r);
	} else if (strcmp(op, "syscall-openat2") == 0) {
		struct open_how how = {.flags = O_RDONLY};
		r = syscall(SYS_openat2, AT_FDCWD, arg, &how, sizeof how);
		report(op, arg, r, r < 0 ? errno : 0);
		if (r >= 0)
			close((int)r);
	} else if (strcmp(op, "mkstemp") == 0) {
		char t[4096];
		snprintf(t, sizeof t, "%s", arg);
		fd = mkstemp(t);
		report(op, t, fd, fd < 0 ? errno : 0);
		if (fd >= 0) {
			struct stat st;
			fstat(fd, &st);
			printf("mode %o\n", st.st_mode & 0777);
			close(fd);
		}
	} else if (strcmp(op, "mkdir") == 0) {
		r = mkdir(arg, 0755);
		report(op, arg, r, r < 0 ? errno : 0);
	} else if (strcmp(op, "unlink") == 0) {
		r = unlink(arg);
		report(op, arg, r, r < 0 ? errno : 0);
	} else if (strcmp(op, "rename") == 0) {
		char *a = field(&rest);
		r = rename(a, rest);
		report(op, a, r, r < 0 ? errno : 0);
	} else if (strcmp(op, "exec") == 0) {
		char *argv[] = {arg, "ok.txt", NULL};
		execv(arg, argv);
		report(op, arg, -1, errno);
	} else if (strcmp(op, "execle-empty") == 0) {
		execle(arg, arg, "ok.txt", (char *)NULL, (char *[]){NULL});
		report(op, arg, -1, errno);
	} else if (strcmp(op, "strip-exec") == 0) {
		unsetenv("LD_PRELOAD");
		char *argv[] = {arg, "ok.txt", NULL};
		execvp(arg, argv);
		report(op, arg, -1, errno);
	} else if (strcmp(op, "fexecve") == 0) {
		fd = open(arg, O_RDONLY | O_CLOEXEC);
		char *argv[] = {arg, "ok.txt", NULL};
		fexecve(fd, argv, environ);
		report(op, arg, -1, errno);
	} else if (strcmp(op, "execveat") == 0) {
		char *argv[] = {arg, "ok.txt", NULL};
		execveat(AT_FDCWD, arg, argv, environ, 0);
		report(op, arg, -1, errno);
	} else if (strcmp(op, "syscall-execve") == 0) {
		char *argv[] = {arg, "ok.txt", NULL};
		syscall(SYS_execve, arg, argv, environ);
		report(op, arg, -1, errno);
	} else if (strcmp(op, "system") == 0) {
		unsetenv("LD_PRELOAD");
		r = system(arg);
		report(op, arg, r, 0);
	} else if (strcmp(op, "popen") == 0) {
		unsetenv("LD_PRELOAD");
		FILE *p = popen(arg, "r");
		char buf[256] = "";
		size_t n = p ? fread(buf, 1, sizeof buf - 1, p) : 0;
		buf[n] = 0;
		r = p ? pclose(p) : -1;
		report(op, arg, r, 0);
		printf("popen-out %s", buf);
	} else if (strcmp(op, "spawn-noenv") == 0) {
		pid_t pid;
		char *argv[] = {arg, "ok.txt", NULL};
		char *envp[] = {"X=1", NULL};
		int rc = posix_spawn(&pid, arg, NULL, NULL, argv, envp);
		int st = 0;
		if (rc == 0)
			waitpid(pid, &st, 0);
		report(op, arg, rc, WIFEXITED(st) ? WEXITSTATUS(st) : 128);
	} else if (strcmp(op, "fork-open") == 0) {
		fd = open(arg, O_RDONLY);
		close(fd);
		pid_t pid = fork();
		if (pid == 0) {
			fd = open(arg, O_RDONLY);
			report("child-open", arg, fd >= 0, getpid());
			_exit(0);
		}
		waitpid(pid, NULL, 0);
		report(op, arg, pid, 0);
	} else if (strcmp(op, "vfork-open-exec") == 0) {
		vfork_open_exec(arg);
	} else if (strcmp(op, "closeall") == 0) {
		r = syscall(SYS_close_range, 3, ~0U, 0);
		report(op, "", r, r < 0 ? errno : 0);
	} else if (strcmp(op, "dup2sock") == 0) {
		int s = find_shim_socket();
		int f = open(arg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		r = s >= 0 && f >= 0 ? dup2(f, s) : -1;
		report(op, arg, r == s ? 0 : -1, s);
		close(f);
	} else if (strcmp(op, "daemon-open") == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			setsid();
			if (fork() != 0)
				_exit(0);
			for (int i = 0; i < 1024; i++)
				close(i);
			open("/dev/null", O_RDWR); /* 0 */
			fd = open(arg, O_RDONLY);
			int devnull_is_0 = fcntl(0, F_GETFD) >= 0;
			/* tell the test through the file system: fd numbers it got */
			char p[4096];
			snprintf(p, sizeof p, "%s.daemon", arg);
			FILE *f = fopen(p, "w");
			if (f) {
				fprintf(f, "fd %d devnull0 %d\n", fd, devnull_is_0);
				fclose(f);
			}
			_exit(0);
		}
		waitpid(pid, NULL, 0);
		usleep(300 * 1000);
		report(op, arg, 0, 0);
	} else if (strcmp(op, "threads") == 0) {
		thread_dir = field(&rest);
		thread_n = atoi(rest);
		pthread_t t[8];
		long bad = 0;
		for (long i = 0; i < 8; i++)
			pthread_create(&t[i], NULL, opener, (void *)i);
		for (int i = 0; i < 8; i++) {
			void *res;
			pthread_join(t[i], &res);
			bad += res != NULL;
		}
		report(op, thread_dir, bad, 0);
	} else if (strcmp(op, "connect-inet") == 0) {
		char *ip = field(&rest);
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(rest))};
		inet_pton(AF_INET, ip, &sin.sin_addr);
		int s = socket(AF_INET, SOCK_STREAM, 0);
		r = connect(s, (struct sockaddr *)&sin, sizeof sin);
		report(op, ip, r, r < 0 ? errno : 0);
		close(s);
	} else if (strcmp(op, "connect-unix") == 0) {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		snprintf(sun.sun_path, sizeof sun.sun_path, "%s", arg);
		int s = socket(AF_UNIX, SOCK_DGRAM, 0);
		r = connect(s, (struct sockaddr *)&sun, sizeof sun);
		report(op, arg, r, r < 0 ? errno : 0);
		close(s);
	} else if (strcmp(op, "pause") == 0) {
		for (;;)
			pause();
	} else if (strcmp(op, "unshare-net") == 0) {
		r = unshare(CLONE_NEWNET);
		if (r < 0 && errno == EPERM) /* unprivileged: a user namespace first */
			r = unshare(CLONE_NEWUSER | CLONE_NEWNET);
		report(op, "", r, r < 0 ? errno : 0);
	} else if (strcmp(op, "seccomp") == 0) {
		char *call = field(&rest);
		r = seccomp_magic(call, strtoull(rest, NULL, 0));
		report(op, call, r, r < 0 ? errno : 0);
	} else if (strcmp(op, "raw-openat") == 0) {
		/* Not through any libc wrapper: what a static binary or Bun does. */
		register long r10 __asm__("r10") = 0;
		register long r8 __asm__("r8") = 0;
		long ret;
		__asm__ volatile("syscall"
				 : "=a"(ret)
				 : "0"((long)SYS_openat), "D"((long)AT_FDCWD), "S"(arg), "d"((long)O_RDONLY), "r"(r10),
				   "r"(r8)
				 : "rcx", "r11", "memory");
		report(op, arg, ret, 0);
	} else {
		fprintf(stderr, "shim_ops: unknown operation %s\n", op);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		int rc = run_one(argv[i]);
		if (rc)
			return rc;
	}
	return 0;
}
