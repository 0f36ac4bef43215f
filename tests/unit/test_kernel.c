/* The process-level boundary against the real kernel: the seccomp table (real system calls, real errnos, every
 * architecture an x86_64 process can enter as), capability dropping (also for uid 0), rlimits, and the probes.
 *
 * Anything that changes the process runs in a forked child, which reports each check over a pipe; the parent
 * prints the TAP lines, so numbering stays in one place. */
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/securebits.h>

#include "cli/cli.h"
#include "sandbox/kernel_api.h"
#include "sandbox/probe_api.h"
#include "tap.h"

static int rec_fd = -1;

/* In a child: one check result for the parent to print. */
static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
	char line[512];
	int n = snprintf(line, sizeof line, "%c ", ok ? '1' : '0');
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	strcat(line, "\n");
	if (write(rec_fd, line, strlen(line)) < 0)
		_exit(99);
}

static void skip(const char *reason, const char *what)
{
	char line[512];
	snprintf(line, sizeof line, "S %s\t%s\n", reason, what);
	if (write(rec_fd, line, strlen(line)) < 0)
		_exit(99);
}

/* Run fn in a child; print its checks; `out` (may be NULL) receives what the child (or what it exec'd) wrote on
 * stdout. */
static void in_child(const char *name, void (*fn)(void *), void *arg, char *out, size_t outlen)
{
	int rec[2], so[2];
	if (pipe2(rec, O_CLOEXEC) < 0 || pipe2(so, O_CLOEXEC) < 0) {
		TAP_OK(0, "%s: pipe", name);
		return;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(rec[0]);
		close(so[0]);
		dup2(so[1], 1);
		rec_fd = rec[1];
		fn(arg);
		fflush(stdout);
		_exit(0);
	}
	close(rec[1]);
	close(so[1]);
	FILE *f = fdopen(rec[0], "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while (f && (n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = 0;
		if (line[0] == 'S') {
			char *tab = strchr(line, '\t');
			if (tab)
				*tab++ = 0;
			TAP_SKIP(line + 2, "%s: %s", name, tab ? tab : "");
		} else {
			TAP_OK(line[0] == '1', "%s: %s", name, line + 2);
		}
	}
	free(line);
	if (f)
		fclose(f);
	size_t got = 0;
	while (out && got + 1 < outlen && (n = read(so[0], out + got, outlen - got - 1)) > 0)
		got += (size_t)n;
	if (out)
		out[got] = 0;
	close(so[0]);
	int status;
	waitpid(pid, &status, 0);
	TAP_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: child finished cleanly (status %#x)", name, status);
}

static long errno_of(long r)
{
	return r < 0 ? errno : 0;
}

/* ---- seccomp ---- */

static bool install(const struct guard_seccomp_opts *o)
{
	char why[256] = "";
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		check(false, "set no_new_privs: %s", strerror(errno));
		return false;
	}
	int rc = guard_seccomp_install(o, why, sizeof why);
	check(rc == 0, "filter installed%s%s", *why ? ": " : "", why);
	return rc == 0;
}

static void *thread_fn(void *arg)
{
	return arg;
}

#if defined(__x86_64__)
/* A 32-bit system call from this 64-bit process: the i386 entry, with i386 numbers. */
static long int80(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}
#endif

static void seccomp_default(void *arg)
{
	(void)arg;
	struct guard_seccomp_opts o = {0};
	char why[256] = "";
	check(guard_seccomp_install(&o, why, sizeof why) < 0 && strstr(why, "no_new_privs"),
	      "refused without no_new_privs (%s)", why);
	if (!install(&o))
		return;
	long r;
	r = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	check(r < 0 && errno == EPERM, "ptrace(PTRACE_TRACEME) -> EPERM (got %ld, %s)", r, strerror(errno_of(r)));
	r = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
	check(r < 0 && errno == EPERM, "keyctl -> EPERM (%s)", strerror(errno_of(r)));
	r = syscall(SYS_add_key, "user", "k", "v", 1, KEY_SPEC_SESSION_KEYRING);
	check(r < 0 && errno == EPERM, "add_key -> EPERM (%s)", strerror(errno_of(r)));
	char attr[256] = {0}; /* real buffers: the point is the filter, not a fault on a NULL argument */
	r = syscall(SYS_bpf, 0, attr, 64);
	check(r < 0 && errno == EPERM, "bpf -> EPERM (%s)", strerror(errno_of(r)));
	r = syscall(SYS_perf_event_open, attr, 0, -1, -1, 0);
	check(r < 0 && errno == EPERM, "perf_event_open -> EPERM (%s)", strerror(errno_of(r)));
	r = syscall(SYS_io_uring_setup, 1, attr);
	check(r < 0 && errno == EPERM, "io_uring_setup -> EPERM (%s)", strerror(errno_of(r)));
	r = syscall(SYS_userfaultfd, 0);
	check(r < 0 && errno == EPERM, "userfaultfd -> EPERM (%s)", strerror(errno_of(r)));
	r = syscall(SYS_open_by_handle_at, AT_FDCWD, attr, O_RDONLY);
	check(r < 0 && errno == EPERM, "open_by_handle_at -> EPERM (%s)", strerror(errno_of(r)));
	char dir[] = "/tmp/guard-test-mnt.XXXXXX";
	if (mkdtemp(dir)) {
		r = mount("none", dir, "tmpfs", 0, NULL);
		check(r < 0 && errno == EPERM, "mount -> EPERM (%s)", strerror(errno_of(r)));
		if (r == 0)
			umount2(dir, MNT_DETACH);
		rmdir(dir);
	}
	r = syscall(SYS_fsopen, "tmpfs", 0);
	check(r < 0 && errno == EPERM, "fsopen -> EPERM (%s)", strerror(errno_of(r)));
	r = unshare(CLONE_NEWUSER);
	check(r < 0 && errno == EPERM, "unshare(CLONE_NEWUSER) -> EPERM (%s)", strerror(errno_of(r)));
	r = syscall(SYS_clone, (unsigned long)CLONE_NEWUSER | SIGCHLD, 0, NULL, NULL, 0);
	if (r == 0)
		_exit(0);
	check(r < 0 && errno == EPERM, "clone(CLONE_NEWUSER) -> EPERM (%s)", strerror(errno_of(r)));
	int nsfd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	r = setns(nsfd, 0);
	check(r < 0 && errno == EPERM, "setns(fd, 0) -> EPERM (%s)", strerror(errno_of(r)));
	r = setns(nsfd, CLONE_NEWUSER);
	check(r < 0 && errno == EPERM, "setns(fd, CLONE_NEWUSER) -> EPERM (%s)", strerror(errno_of(r)));
	close(nsfd);
	r = syscall(SYS_clone3, NULL, 0);
	check(r < 0 && errno == ENOSYS, "clone3 -> ENOSYS (%s)", strerror(errno_of(r)));
	pthread_t t;
	check(pthread_create(&t, NULL, thread_fn, NULL) == 0 && pthread_join(t, NULL) == 0,
	      "threads still start (libc falls back from clone3 to clone)");
	pid_t pid = fork();
	if (pid == 0)
		_exit(7);
	int st = 0;
	waitpid(pid, &st, 0);
	check(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 7, "fork still works");
	r = personality(0xffffffff);
	check(r >= 0, "personality(0xffffffff) query allowed");
	r = personality(PER_LINUX);
	check(r >= 0, "personality(PER_LINUX) allowed");
	r = personality(ADDR_NO_RANDOMIZE);
	check(r < 0 && errno == EPERM, "personality(ADDR_NO_RANDOMIZE) -> EPERM (%s)", strerror(errno_of(r)));
	r = personality(PER_LINUX32);
	check(r < 0 && errno == EPERM, "personality(PER_LINUX32) -> EPERM (%s)", strerror(errno_of(r)));
	int pty = posix_openpt(O_RDWR | O_NOCTTY);
	if (pty >= 0 && grantpt(pty) == 0 && unlockpt(pty) == 0) {
		char c = 'x';
		r = ioctl(pty, TIOCSTI, &c);
		check(r < 0 && errno == EPERM, "ioctl(TIOCSTI) on a pty -> EPERM (%s)", strerror(errno_of(r)));
		r = syscall(SYS_ioctl, pty, (1ul << 32) | TIOCSTI, &c);
		check(r < 0 && errno == EPERM, "ioctl(TIOCSTI with high bits set) -> EPERM (%s)",
		      strerror(errno_of(r)));
		r = ioctl(pty, TIOCLINUX, &c);
		check(r < 0 && errno == EPERM, "ioctl(TIOCLINUX) -> EPERM (%s)", strerror(errno_of(r)));
		struct winsize ws;
		check(ioctl(pty, TIOCGWINSZ, &ws) == 0, "other ioctls (TIOCGWINSZ) still work");
	} else {
		skip("no pty here (posix_openpt failed)", "ioctl(TIOCSTI)");
	}
	if (pty >= 0)
		close(pty);
	check(getpid() > 0, "getpid works");
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	check(s >= 0, "socket(AF_UNIX) works");
	close(s);
	s = socket(AF_INET, SOCK_STREAM, 0);
	check(s >= 0, "socket(AF_INET) works without deny_inet (%s)", strerror(s < 0 ? errno : 0));
	if (s >= 0)
		close(s);
		/* x32 entry: the x86_64 number with bit 30 set; the filter must answer before the kernel's x32 check. */
#if defined(__x86_64__)
	r = syscall(0x40000000 | SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
	check(r < 0 && errno == EPERM, "x32 keyctl -> EPERM (%s)", strerror(errno_of(r)));
	r = syscall(0x40000000 | SYS_getpid);
	check(r > 0 || errno == ENOSYS, "x32 getpid not refused by the filter (%ld, %s)", r, strerror(errno_of(r)));
	/* i386 entry: int 0x80 with i386 numbers (keyctl 288, unshare 310, getpid 20). It faults where the kernel has
	 * no IA-32 emulation; that is tried in a grandchild. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0}); /* the fault below must not leave a core file */
		/* The fault must kill: a sanitizer's SIGSEGV handler would report it and exit 1 instead. Set by the raw
		 * call, which no sanitizer intercepts (kernel sigaction: handler, flags, restorer, mask). */
		struct {
			void (*handler)(int);
			unsigned long flags;
			void (*restorer)(void);
			unsigned long mask;
		} dfl = {SIG_DFL, 0, NULL, 0};
		syscall(SYS_rt_sigaction, SIGSEGV, &dfl, NULL, sizeof dfl.mask);
		long k = int80(288, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
		long u = int80(310, CLONE_NEWUSER, 0, 0);
		long g = int80(20, 0, 0, 0);
		_exit(k == -EPERM && u == -EPERM && g == getpid() ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	if (WIFSIGNALED(st))
		skip("no IA-32 emulation in this kernel (int 0x80 faults)", "i386 keyctl and unshare -> EPERM");
	else
		check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "i386 (int 0x80) keyctl and unshare -> EPERM, getpid works");
#endif
	char why2[512];
	check(!guard_probe_userns(why2, sizeof why2) && strstr(why2, "seccomp"),
	      "the userns probe names the filter as the cause (%s)", why2);
}

static void seccomp_deny_inet(void *arg)
{
	(void)arg;
	struct guard_seccomp_opts o = {.deny_inet = true};
	if (!install(&o))
		return;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	check(s < 0 && errno == EACCES, "socket(AF_INET) -> EACCES (%s)", strerror(s < 0 ? errno : 0));
	s = socket(AF_INET6, SOCK_DGRAM, 0);
	check(s < 0 && errno == EACCES, "socket(AF_INET6) -> EACCES (%s)", strerror(s < 0 ? errno : 0));
	s = socket(AF_PACKET, SOCK_RAW, 0);
	check(s < 0 && errno == EACCES, "socket(AF_PACKET) -> EACCES (%s)", strerror(s < 0 ? errno : 0));
	s = (int)syscall(SYS_socket, (1ul << 32) | AF_INET, SOCK_STREAM, 0);
	check(s < 0 && errno == EACCES, "socket(AF_INET with high bits set) -> EACCES (%s)",
	      strerror(s < 0 ? errno : 0));
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	check(s >= 0, "socket(AF_UNIX) works");
	close(s);
	int sv[2];
	check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair(AF_UNIX) works");
}

static void seccomp_allow_userns(void *arg)
{
	bool userns = *(bool *)arg;
	struct guard_seccomp_opts o = {.allow_userns = true};
	if (!install(&o))
		return;
	if (!userns) {
		skip("user namespaces unavailable here", "unshare(CLONE_NEWUSER) allowed with allow_userns");
		return;
	}
	int r = unshare(CLONE_NEWUSER);
	check(r == 0, "unshare(CLONE_NEWUSER) allowed with allow_userns (%s)", strerror(r < 0 ? errno : 0));
	r = (int)syscall(SYS_clone3, NULL, 0);
	check(r < 0 && errno == ENOSYS, "clone3 still ENOSYS");
}

struct lines {
	int n, inet, userns, ptrace;
};

static void collect(void *ctx, const char *text)
{
	struct lines *l = ctx;
	l->n++;
	l->inet += strstr(text, "AF_INET") != NULL;
	l->userns += strncmp(text, "unshare", 7) == 0;
	l->ptrace += strncmp(text, "ptrace ->", 9) == 0;
}

static void test_describe(void)
{
	struct lines a = {0}, b = {0};
	guard_seccomp_describe(&(struct guard_seccomp_opts){0}, collect, &a);
	guard_seccomp_describe(&(struct guard_seccomp_opts){.allow_userns = true, .deny_inet = true}, collect, &b);
	TAP_OK(a.n > 40 && a.ptrace == 1 && a.userns == 1 && a.inet == 0, "describe: default table (%d lines)", a.n);
	TAP_OK(b.userns == 0 && b.inet == 2, "describe: allow_userns drops the userns rules, deny_inet adds sockets");
}

/* ---- capabilities ---- */

static bool status_caps_zero(const char *text, const char **bad)
{
	static const char *const keys[] = {"CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *p = strstr(text, keys[i]);
		if (!p || strtoull(p + strlen(keys[i]), NULL, 16) != 0) {
			*bad = keys[i];
			return false;
		}
	}
	return true;
}

static void read_status(char *buf, size_t len)
{
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);
	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
}

/* Drop everything, check /proc/self/status, then exec a shell that reports its own capabilities. */
static void caps_then_exec(void *arg)
{
	bool make_userns = *(bool *)arg;
	if (make_userns) {
		char map[64];
		uid_t uid = geteuid();
		gid_t gid = getegid();
		if (unshare(CLONE_NEWUSER) < 0) {
			check(false, "unshare(CLONE_NEWUSER): %s", strerror(errno));
			return;
		}
		int fd = open("/proc/self/setgroups", O_WRONLY);
		check(fd >= 0 && write(fd, "deny", 4) == 4, "setgroups deny");
		close(fd);
		snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
		fd = open("/proc/self/uid_map", O_WRONLY);
		check(fd >= 0 && write(fd, map, strlen(map)) == (ssize_t)strlen(map), "uid_map written");
		close(fd);
		snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
		fd = open("/proc/self/gid_map", O_WRONLY);
		check(fd >= 0 && write(fd, map, strlen(map)) == (ssize_t)strlen(map), "gid_map written");
		close(fd);
	}
	check(guard_caps_any(), "capabilities held before (uid %u)", (unsigned)geteuid());
	char why[256] = "";
	int rc = guard_caps_drop_all(why, sizeof why);
	check(rc == 0, "guard_caps_drop_all%s%s", *why ? ": " : "", why);
	char status[4096];
	const char *bad = "";
	read_status(status, sizeof status);
	check(status_caps_zero(status, &bad), "CapInh/Prm/Eff/Bnd/Amb all zero (first non-zero: %s)", bad);
	check(!guard_caps_any(), "guard_caps_any() false afterwards");
	int sb = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	check(sb >= 0 && (sb & SECBIT_NOROOT) && (sb & SECBIT_NOROOT_LOCKED) && !(sb & SECBIT_KEEP_CAPS),
	      "securebits NOROOT locked, KEEP_CAPS off (%#x)", sb);
	check(prctl(PR_SET_SECUREBITS, 0, 0, 0, 0) < 0, "securebits cannot be reset");
	check(geteuid() == 0, "still uid 0 for the exec");
	/* No no_new_privs here: the empty bounding set and the securebits alone must stop root regaining caps. */
	execl("/bin/sh", "sh", "-c", "grep Cap /proc/self/status; id -u", (char *)NULL);
	check(false, "exec /bin/sh: %s", strerror(errno));
}

static void test_caps(bool userns)
{
	char out[2048];
	const char *bad = "";
	if (geteuid() != 0) {
		TAP_SKIP("needs root", "caps: uid 0 in the initial user namespace regains nothing on exec");
	} else {
		bool no = false;
		in_child("caps as root", caps_then_exec, &no, out, sizeof out);
		TAP_OK(status_caps_zero(out, &bad), "caps as root: after exec all Cap* zero (first non-zero: %s)", bad);
		TAP_OK(strstr(out, "\n0\n") != NULL, "caps as root: the exec'd shell runs as uid 0");
	}
	if (!userns) {
		TAP_SKIP("user namespaces unavailable here", "caps: root of a new user namespace");
		return;
	}
	bool yes = true;
	in_child("caps in a user namespace", caps_then_exec, &yes, out, sizeof out);
	TAP_OK(status_caps_zero(out, &bad), "caps in a user namespace: after exec all Cap* zero (first non-zero: %s)",
	       bad);
}

static void caps_unprivileged(void *arg)
{
	(void)arg;
	char why[256] = "";
	int rc = guard_caps_drop_all(why, sizeof why);
	check(rc == 0, "drop as a plain user succeeds%s%s", *why ? ": " : "", why);
	char status[4096];
	read_status(status, sizeof status);
	const char *p = strstr(status, "CapPrm:"), *e = strstr(status, "CapEff:");
	check(p && e && strtoull(p + 7, NULL, 16) == 0 && strtoull(e + 7, NULL, 16) == 0, "CapPrm and CapEff zero");
}

/* ---- rlimits ---- */

/* valgrind (`make valgrind`) lacks the Landlock and seccomp calls (the probes then say unavailable and those tests
 * skip) and reserves file descriptors at the top of RLIMIT_NOFILE. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
static bool under_valgrind(void)
{
#ifdef RUNNING_ON_VALGRIND
	if (RUNNING_ON_VALGRIND)
		return true;
#endif
	return getenv("GUARD_UNDER_VALGRIND") != NULL;
}

static void rlimits_child(void *arg)
{
	(void)arg;
	struct rlimit rl;
	char why[256] = "";
	getrlimit(RLIMIT_NOFILE, &rl);
	rlim_t hard = rl.rlim_max;
	struct guard_rlimits r = {.processes = -1, .open_files = -1, .core_dumps = true};
	getrlimit(RLIMIT_CORE, &rl);
	rlim_t core = rl.rlim_cur;
	check(guard_rlimits_apply(&r, why, sizeof why) == 0, "nothing set: nothing changes");
	getrlimit(RLIMIT_CORE, &rl);
	check(rl.rlim_cur == core, "core limit untouched with core_dumps on");
	r.core_dumps = false;
	r.open_files = 1ll << 40;
	check(guard_rlimits_apply(&r, why, sizeof why) == 0, "open_files above the hard limit is clamped (%s)", why);
	getrlimit(RLIMIT_NOFILE, &rl);
	check(rl.rlim_max == hard, "hard NOFILE not raised");
	getrlimit(RLIMIT_CORE, &rl);
	check(rl.rlim_cur == 0 && rl.rlim_max == 0, "core dumps off: RLIMIT_CORE 0/0");
	rl.rlim_cur = 32;
	rl.rlim_max = hard;
	setrlimit(RLIMIT_NOFILE, &rl);
	r.open_files = 128;
	r.processes = 4096;
	if (under_valgrind()) /* it keeps its own descriptors at the top of RLIMIT_NOFILE: no hard limit below them */
		r.open_files = -1;
	int rc = guard_rlimits_apply(&r, why, sizeof why);
	check(rc == 0, "open_files %s, processes 4096 applied%s%s", r.open_files < 0 ? "left" : "128", *why ? ": " : "",
	      why);
	getrlimit(RLIMIT_NOFILE, &rl);
	if (under_valgrind())
		skip("valgrind refuses a NOFILE hard limit below its own descriptors",
		     "NOFILE hard 128, soft stays 32");
	else
		check(rl.rlim_max == 128 && rl.rlim_cur == 32, "NOFILE hard 128, soft stays 32 (%llu/%llu)",
		      (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	getrlimit(RLIMIT_NPROC, &rl);
	check(rl.rlim_max <= 4096 && rl.rlim_cur <= 4096, "NPROC at most 4096");
	/* As in the sandbox: without capabilities (CAP_SYS_RESOURCE) nothing raises a hard limit again. */
	rc = guard_caps_drop_all(why, sizeof why);
	check(rc == 0, "capabilities dropped%s%s", *why ? ": " : "", why);
	rl.rlim_max = 256;
	check(setrlimit(RLIMIT_NOFILE, &rl) < 0, "the sandbox cannot raise NOFILE back");
}

static void test_rlimits_policy(void)
{
	struct guard_policy p;
	memset(&p, 0, sizeof p);
	struct guard_rlimits r;
	guard_rlimits_from_policy(&p, &r);
	TAP_OK(r.processes < 0 && r.open_files < 0 && !r.core_dumps, "rlimits defaults: leave, leave, no core dumps");
	p.processes = (struct guard_limit){.set = true, .value = 500};
	p.open_files = (struct guard_limit){.set = true, .value = 2048};
	p.core_dumps = (struct guard_limit){.set = true, .value = 1};
	guard_rlimits_from_policy(&p, &r);
	TAP_OK(r.processes == 500 && r.open_files == 2048 && r.core_dumps, "rlimits from the policy");
}

/* ---- probes ---- */

struct here {
	bool userns, seccomp;
	int abi;
};

static void test_probes(struct here *h)
{
	char why[512];
	unsetenv("GUARD_LANDLOCK_ABI");
	int kernel = guard_probe_landlock_kernel_abi();
	int abi = guard_probe_landlock_abi(why, sizeof why);
	int expect = kernel > 7 ? 7 : kernel;
	TAP_OK(abi == expect && (kernel >= 1 || *why), "landlock ABI %d (kernel %d) %s", abi, kernel, why);
	if (kernel >= 2) {
		setenv("GUARD_LANDLOCK_ABI", "1", 1);
		abi = guard_probe_landlock_abi(why, sizeof why);
		TAP_OK(abi == 1 && strstr(why, "GUARD_LANDLOCK_ABI"), "GUARD_LANDLOCK_ABI=1 forces ABI 1 (%s)", why);
	} else {
		TAP_SKIP("kernel Landlock ABI below 2", "GUARD_LANDLOCK_ABI=1 forces ABI 1");
	}
	setenv("GUARD_LANDLOCK_ABI", "99", 1);
	abi = guard_probe_landlock_abi(why, sizeof why);
	TAP_OK(abi == expect && (expect <= 0 || strstr(why, "above")), "GUARD_LANDLOCK_ABI=99 is clamped (%s)", why);
	setenv("GUARD_LANDLOCK_ABI", "0", 1);
	abi = guard_probe_landlock_abi(why, sizeof why);
	TAP_OK(abi == 0 || kernel <= 0, "GUARD_LANDLOCK_ABI=0 turns Landlock off (%s)", why);
	setenv("GUARD_LANDLOCK_ABI", "two", 1);
	abi = guard_probe_landlock_abi(why, sizeof why);
	TAP_OK(abi == expect && (expect <= 0 || strstr(why, "ignoring")), "a bad GUARD_LANDLOCK_ABI is ignored (%s)",
	       why);
	unsetenv("GUARD_LANDLOCK_ABI");

	h->abi = guard_probe_landlock_abi(why, sizeof why);
	h->userns = guard_probe_userns(why, sizeof why);
	TAP_OK(h->userns || *why, "userns probe: %s%s", h->userns ? "available" : "unavailable: ", why);
	h->seccomp = guard_probe_seccomp(why, sizeof why);
	TAP_OK(h->seccomp || *why, "seccomp probe: %s%s", h->seccomp ? "available " : "unavailable: ", why);
	TAP_OK(1, "seccomp user notification: %s", guard_probe_seccomp_notify() ? "available" : "unavailable");
	int aa = guard_probe_apparmor_userns_restricted();
	TAP_OK(aa >= -1 && aa <= 1, "apparmor userns restriction: %d", aa);
	TAP_OK(guard_read_sysctl("/proc/sys/kernel/cap_last_cap", -1) >= 30, "guard_read_sysctl reads cap_last_cap");
	TAP_OK(guard_read_sysctl("/proc/sys/no/such", -7) == -7, "guard_read_sysctl: missing file gives the default");
}

/* ---- doctor ---- */

static void doctor_child(void *arg)
{
	char **argv = arg;
	int argc = 0;
	while (argv[argc])
		argc++;
	fflush(stdout);
	_exit(guard_cmd_doctor(argc, argv));
}

static int run_doctor(char **argv, char *out, size_t outlen)
{
	/* in_child insists on exit 0; the doctor's status is the point here, so fork directly. */
	int so[2];
	if (pipe(so) < 0)
		return -1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(so[0]);
		dup2(so[1], 1);
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 2);
		doctor_child(argv);
	}
	close(so[1]);
	size_t got = 0;
	ssize_t n;
	while (got + 1 < outlen && (n = read(so[0], out + got, outlen - got - 1)) > 0)
		got += (size_t)n;
	out[got] = 0;
	close(so[0]);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_doctor(const struct here *h)
{
	bool possible = h->abi > 0 && h->seccomp;
	char out[8192];
	char *json[] = {"doctor", "--json", NULL}, *plain[] = {"doctor", NULL};
	char *no_userns[] = {"doctor", "--no-userns", NULL}, *bad[] = {"doctor", "--frob", NULL};
	int rc = run_doctor(plain, out, sizeof out);
	TAP_OK(rc == !possible && strstr(out, "mode: "), "doctor exits %d here and names a mode", !possible);
	TAP_OK(!possible || !h->userns || strstr(out, "mode: namespaces + Landlock + seccomp"),
	       "doctor: full mode when namespaces work");
	rc = run_doctor(json, out, sizeof out);
	TAP_OK(rc == !possible && out[0] == '{' && strstr(out, possible ? "\"sandbox_possible\":true" : "false") &&
		       strstr(out, "\"abi\":"),
	       "doctor --json");
	rc = run_doctor(no_userns, out, sizeof out);
	TAP_OK(!possible || (rc == 0 && strstr(out, "mode: Landlock-only (forced by --no-userns): ")),
	       "doctor --no-userns");
	setenv("GUARD_LANDLOCK_ABI", "0", 1);
	rc = run_doctor(plain, out, sizeof out);
	unsetenv("GUARD_LANDLOCK_ABI");
	TAP_OK(rc == 1 && strstr(out, "no sandbox possible here"), "doctor exits 1 without Landlock");
	rc = run_doctor(bad, out, sizeof out);
	TAP_OK(rc == 125, "doctor: unknown option exits 125");
}

int main(void)
{
	struct here h;
	test_probes(&h);
	test_describe();
	if (h.seccomp) {
		in_child("seccomp", seccomp_default, NULL, NULL, 0);
		in_child("seccomp deny_inet", seccomp_deny_inet, NULL, NULL, 0);
		in_child("seccomp allow_userns", seccomp_allow_userns, &h.userns, NULL, 0);
	} else {
		TAP_SKIP(under_valgrind() ? "under valgrind, which lacks the seccomp system call"
					  : "seccomp filters unavailable here (see the probe above)",
			 "seccomp: the filter table");
	}
	test_caps(h.userns);
	if (geteuid() != 0)
		in_child("caps as a plain user", caps_unprivileged, NULL, NULL, 0);
	test_rlimits_policy();
	in_child("rlimits", rlimits_child, NULL, NULL, 0);
	test_doctor(&h);
	return tap_done();
}
