/* The kernel-side observer: a seccomp user-notification filter on the calls that open, execute or connect,
 * which lets through every open and connect carrying the session magic (the shim's, already logged by the shim)
 * and sends the others to the supervisor: static binaries, Go, Bun's raw syscalls, the dynamic loader's own opens.
 * Any process of the session can read the magic (the shim in it must), so the magic saves work, never decides:
 * under a policy with exec.deny entries every exec is stopped (exec.deny holds for a process that puts the magic
 * in its execve), and the 32-bit entries (int 0x80), which no shim uses, are stopped whatever their arguments.
 *
 * The observer only logs. It reads the target from the process's memory, records the policy's verdict and tells
 * the kernel to continue; Landlock and the covers decide. (What it reads can change after it looks, so it could
 * never safely decide anyway.) */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/fdpass.h"
#include "lib/guard.h"
#include "lib/proc.h"
#include "plan/net.h"
#include "plan/plan.h"
#include "sandbox/linux/bpf.h"
#include "sandbox/linux/observer.h"
#include "sandbox/linux/proc_path.h"
#include "sandbox/linux/state_names.h"
#include "supervisor/verdict_cache.h"

/* Linux 6.6: the kernel switches straight from a notifying process to the supervisor and back on the same CPU
 * instead of waking each other through the scheduler (the round trip of a dynamic loader's open). */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

/* Where each watched call keeps its target, its flags, and the argument slot the shim fills with the magic
 * (an argument the call does not have, so the kernel ignores it). */
static const struct watched {
	const char *name;
	int path_arg;  /* pointer to the path (or sockaddr for connect) */
	int flags_arg; /* open flags, or -1 */
	int magic_arg;
	enum guard_op op; /* GUARD_OP_READ: decided by the flags */
	bool always;      /* stopped with the magic too (the shim's own calls, then not logged again) */
} watched[] = {
	{"open", 0, 1, 3, GUARD_OP_READ},          {"creat", 0, -1, 2, GUARD_OP_WRITE},
	{"openat", 1, 2, 4, GUARD_OP_READ},        {"openat2", 1, -1, 4, GUARD_OP_READ},
	{"execve", 0, -1, 3, GUARD_OP_EXEC, true}, {"execveat", 1, -1, 5, GUARD_OP_EXEC, true},
	{"connect", 1, -1, 3, GUARD_OP_CONNECT},
};

/* The 32-bit architecture a native process can also enter the kernel as, or 0 (seccomp_linux.c filters it too). */
static uint32_t compat_arch(void)
{
	return seccomp_arch_native() == SCMP_ARCH_X86_64 ? SCMP_ARCH_X86 : 0;
}

/* The watched calls of the 32-bit entry, every one stopped: no shim runs there, so no magic is honoured. Merged
 * into ctx (same attributes); 0, or -1 with why. */
static int add_compat_rules(scmp_filter_ctx ctx, char *why, size_t whylen)
{
	uint32_t arch = compat_arch();
	if (!arch)
		return 0;
	scmp_filter_ctx c32 = seccomp_init(SCMP_ACT_ALLOW);
	if (!c32) {
		snprintf(why, whylen, "observer: seccomp_init failed");
		return -1;
	}
	seccomp_attr_set(c32, SCMP_FLTATR_CTL_NNP, 0);
	seccomp_attr_set(c32, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
	int e = seccomp_arch_remove(c32, SCMP_ARCH_NATIVE);
	if (e == 0)
		e = seccomp_arch_add(c32, arch);
	for (size_t i = 0; e == 0 && i < sizeof watched / sizeof *watched; i++) {
		/* i386's connect can also come through socketcall, which hides its address one level deeper: the
		 * 32-bit entry's connects are left to the network boundary and not logged (README, threat model). */
		if (seccomp_syscall_resolve_name_arch(arch, watched[i].name) < 0 || watched[i].op == GUARD_OP_CONNECT)
			continue;
		/* libseccomp takes the native number and translates it for each architecture of the filter */
		e = seccomp_rule_add(c32, SCMP_ACT_NOTIFY, seccomp_syscall_resolve_name(watched[i].name), 0);
	}
	if (e == 0)
		e = seccomp_merge(ctx, c32); /* takes c32 */
	else
		seccomp_release(c32);
	if (e < 0) {
		snprintf(why, whylen, "observer: watching the 32-bit entry: %s", strerror(-e));
		return -1;
	}
	return 0;
}

/* ctx's program behind a prefix that lets the dynamic loader's own library opens through (loader_sites.h):
 * native openat(AT_FDCWD, _, O_RDONLY|O_CLOEXEC) from one of the loader's call sites, in the mmap area. Anything
 * else falls through to libseccomp's program unchanged. 0, or -errno. */
static int export_with_loader_prefix(scmp_filter_ctx ctx, const uint16_t *sites, size_t nsites, struct guard_bpf *out)
{
	/* 0-8: arch, call, address high half, page offset; then one test per site and a jump past them; then the
	 * arguments (3 loads, 3 tests) and the answer. Every failed test jumps to libseccomp's program (`body`). */
	const size_t args = 10 + nsites, body = args + 7;
	if (body >= BPF_MAXINSNS)
		return -E2BIG;
	int e = guard_bpf_export(ctx, out);
	if (e != 0)
		return e;
	if (body + out->len > BPF_MAXINSNS)
		return -E2BIG;
	struct sock_filter *prog = out->insns;
	memmove(prog + body, prog, out->len * sizeof *prog);
	size_t i = 0;
#define LD(field, plus)                                                                                                \
	prog[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,                                             \
						 (uint32_t)(offsetof(struct seccomp_data, field) + (plus)))
#define AND(k) prog[i++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, (k))
#define EQ_OR_BODY(k)                                                                                                  \
	(prog[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), 0, (uint8_t)(body - i - 1)), i++)
	LD(arch, 0);
	EQ_OR_BODY(AUDIT_ARCH_X86_64);
	LD(nr, 0);
	EQ_OR_BODY(__NR_openat);
	/* 0x7e00_0000_0000..0x7fff_ffff_ffff: the mmap area of a 47-bit address space, where the kernel maps the
	 * loader; a main program (static, or PIE near 0x5555...) is below it, and a bottom-up layout misses too
	 * (its opens then stop as before). */
	LD(instruction_pointer, 4);
	AND(0xfffffe00u);
	EQ_OR_BODY(0x7e00);
	LD(instruction_pointer, 0);
	AND(0xfffu);
	for (size_t k = 0; k < nsites; k++, i++)
		prog[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, sites[k], (uint8_t)(args - i - 1), 0);
	prog[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA | BPF_K, (uint32_t)(body - i - 1), 0, 0);
	i++;
	LD(args, 2 * 8); /* the flags, both halves */
	EQ_OR_BODY(O_RDONLY | O_CLOEXEC);
	LD(args, 2 * 8 + 4);
	EQ_OR_BODY(0);
	LD(args, 0); /* the directory: an int */
	EQ_OR_BODY((uint32_t)AT_FDCWD);
	prog[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
#undef LD
#undef AND
#undef EQ_OR_BODY
	if (i != body) /* the layout above and its arithmetic disagree: refuse rather than load a wrong filter */
		return -EINVAL;
	out->len += (unsigned)body;
	return 0;
}

int guard_observer_compile(uint64_t magic, bool state_names, bool every_exec, const uint16_t *sites, size_t nsites,
			   struct guard_bpf *out, char *why, size_t whylen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc = -1;
	if (!ctx) {
		snprintf(why, whylen, "observer: seccomp_init failed");
		return -1;
	}
	/* no_new_privs is already set by the caller; libseccomp must not touch it behind our back. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* An architecture this filter does not know passes: the main filter (seccomp_linux.c) kills it. */
	seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
	for (size_t i = 0; i < sizeof watched / sizeof *watched; i++) {
		int nr = seccomp_syscall_resolve_name(watched[i].name);
		if (nr == __NR_SCMP_ERROR)
			continue;
		/* An exec carrying the magic is the shim's, which logs it: stopping it too serves exec.deny only, so a
		 * policy without exec.deny entries lets it through (one round trip less for every program started). */
		int e = watched[i].always && every_exec
				? seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0)
				: seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 1,
						   SCMP_CMP64((unsigned)watched[i].magic_arg, SCMP_CMP_NE, magic));
		if (e < 0) {
			snprintf(why, whylen, "observer: rule for %s: %s", watched[i].name, strerror(-e));
			goto out;
		}
	}
	if (state_names && guard_state_names_rules(ctx, why, whylen) != 0)
		goto out;
	if (add_compat_rules(ctx, why, whylen) != 0)
		goto out;
	int e = nsites > 0 && seccomp_arch_native() == SCMP_ARCH_X86_64
			? export_with_loader_prefix(ctx, sites, nsites, out)
			: guard_bpf_export(ctx, out);
	if (e != 0) {
		snprintf(why, whylen, "observer: compiling the notification filter: %s", strerror(-e));
		goto out;
	}
	rc = 0;
out:
	seccomp_release(ctx);
	return rc;
}

int guard_observer_load(int sock, const struct guard_bpf *p, char *why, size_t whylen)
{
	int fd = guard_bpf_load(p, SECCOMP_FILTER_FLAG_NEW_LISTENER);
	if (fd < 0) {
		snprintf(why, whylen, "observer: loading the notification filter: %s", strerror(errno));
		return -1;
	}
	int rc = guard_fd_send(sock, 'L', fd);
	if (rc != 0)
		snprintf(why, whylen, "observer: handing the listener to the supervisor: %s", strerror(errno));
	/* The filter stays loaded; the command keeps no copy of its listener. */
	close(fd);
	return rc;
}

/* The stopped caller's memory. process_vm_readv is one call where /proc/PID/mem costs an open, a read and a close
 * per notification (the same ptrace access check guards both); a kernel or policy that refuses it gets the file.
 * Reads go page by page so a string that ends near the end of a mapping is still read up to that end. */
struct mem {
	pid_t pid;
	int fd; /* /proc/PID/mem once process_vm_readv failed; -1 before */
};

static ssize_t mem_read_once(struct mem *m, uint64_t addr, void *buf, size_t len)
{
	if (m->fd < 0) {
		struct iovec local = {buf, len}, remote = {(void *)(uintptr_t)addr, len};
		ssize_t n = process_vm_readv(m->pid, &local, 1, &remote, 1, 0);
		if (n >= 0 || (errno != EPERM && errno != ENOSYS))
			return n;
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/mem", (int)m->pid);
		if ((m->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return -1;
	}
	return pread(m->fd, buf, len, (off_t)addr);
}

/* Up to len bytes at addr, stopping at the first page that cannot be read (or, with until_nul, at a NUL);
 * returns how many were read. */
static size_t mem_read(struct mem *m, uint64_t addr, void *buf, size_t len, bool until_nul)
{
	size_t got = 0;
	while (got < len) {
		size_t page_left = 4096 - (size_t)((addr + got) & 4095), want = len - got;
		if (want > page_left)
			want = page_left;
		ssize_t n = mem_read_once(m, addr + got, (char *)buf + got, want);
		if (n <= 0)
			break;
		if (until_nul && memchr((char *)buf + got, 0, (size_t)n)) {
			got += (size_t)n;
			break;
		}
		got += (size_t)n;
		if ((size_t)n < want)
			break;
	}
	return got;
}

/* Read a NUL-terminated string of the stopped process at addr. */
static int read_string(struct mem *m, uint64_t addr, char *buf, size_t len)
{
	size_t n = mem_read(m, addr, buf, len - 1, true);
	buf[n] = 0;
	return n ? 0 : -1;
}

/* argv of an exec: an array of pointers, 4 bytes each for a 32-bit caller (ptr32). */
static void read_argv(struct mem *m, uint64_t addr, bool ptr32, char *out, size_t len, unsigned *nargv)
{
	uint64_t ptrs[64];
	uint32_t p32[64];
	size_t used = 0, nptr = 0;
	if (addr && ptr32) {
		nptr = mem_read(m, addr, p32, sizeof p32, false) / sizeof *p32;
		for (size_t i = 0; i < nptr; i++)
			ptrs[i] = p32[i];
	} else if (addr) {
		nptr = mem_read(m, addr, ptrs, sizeof ptrs, false) / sizeof *ptrs;
	}
	*nargv = 0;
	for (size_t i = 0; i < nptr && ptrs[i]; i++) {
		char arg[512];
		if (read_string(m, ptrs[i], arg, sizeof arg) != 0)
			break;
		size_t n = strlen(arg) + 1;
		if (used + n > len)
			break;
		memcpy(out + used, arg, n);
		used += n;
		(*nargv)++;
	}
}

static void describe_sockaddr(struct mem *m, uint64_t addr, uint64_t alen, char *out, size_t len)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	if (alen > sizeof ss)
		alen = sizeof ss;
	snprintf(out, len, "?");
	if (alen < sizeof(sa_family_t) || mem_read(m, addr, &ss, alen, false) != alen)
		return;
	if (ss.ss_family == AF_UNIX) {
		struct sockaddr_un *un = (struct sockaddr_un *)&ss;
		size_t n = alen - offsetof(struct sockaddr_un, sun_path);
		if (n > 0 && un->sun_path[0] == 0)
			snprintf(out, len, "unix:@%.*s", (int)strnlen(un->sun_path + 1, n - 1), un->sun_path + 1);
		else
			snprintf(out, len, "unix:%.*s", (int)strnlen(un->sun_path, n), un->sun_path);
	} else if (ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		char ip[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
		snprintf(out, len, "%s:%u", ip, ntohs(in->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		char ip[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
		snprintf(out, len, "[%s]:%u", ip, ntohs(in6->sin6_port));
	} else {
		snprintf(out, len, "family %u", ss.ss_family);
	}
}

/* Make `path` absolute the way the kernel resolves it: against the directory fd or cwd, through /proc's magic
 * links (proc_path.h); lexically against the cwd when a link cannot be read. */
static char *absolute_path(pid_t pid, int dirfd_arg, long dirfd, const char *path, char **cwd_out)
{
	char *r = guard_proc_path(pid, dirfd_arg, dirfd, path, cwd_out);
	if (r)
		return r;
	if (path[0] == '/' || !*path)
		return guard_path_normalize(path[0] ? path : "/");
	return guard_xstrdup(path);
}

/* The policy's verdict on an attempt: the deciding rule, and the errno it predicts (0: allowed). */
static const struct guard_image_rule *verdict(const struct guard_plan *plan, const struct guard_image *img,
					      enum guard_op op, const char *path, bool is_dir, int *err)
{
	const struct guard_image_rule *r;
	*err = 0;
	if (op == GUARD_OP_CONNECT) {
		/* unix sockets, the sandbox's own loopback, guard's proxy, an open network (net_linux.c) */
		if (!guard_net_connect_expected(plan, path))
			*err = EACCES;
		return NULL;
	}
	if ((r = guard_image_decide(img, GUARD_DENY, path, is_dir))) {
		*err = EACCES;
		return r;
	}
	if (op == GUARD_OP_WRITE && (r = guard_image_decide(img, GUARD_PROTECT, path, is_dir))) {
		*err = EROFS;
		return r;
	}
	if ((r = guard_image_grant(img, GUARD_WRITE, path, is_dir)))
		return r;
	if (op != GUARD_OP_WRITE && (r = guard_image_grant(img, GUARD_READ, path, is_dir)))
		return r;
	/* ~/.claude.json.lock/, ~/.claude.json.tmp.*: a state file's own names, granted with it (state_names.h) */
	const char *state = guard_state_names_own(plan, path);
	if (state)
		return guard_image_grant(img, GUARD_WRITE, state, false);
	*err = EACCES; /* not granted */
	return NULL;
}

/* What the stopped caller of w asks for, read from its memory while it waits: the target (path or address), an
 * exec's argv, and whether an open writes (*op), wants a directory, or only names the file (O_PATH: the kernel
 * reads and writes nothing through such a descriptor and Landlock does not check it, so it is no access; what is
 * later done through it, a read of /proc/self/fd/N or an execveat, is an open or exec of its own, watched). */
static void read_call(const struct seccomp_notif *req, const struct watched *w, char *target, size_t tlen, char *argv,
		      size_t alen, unsigned *nargv, enum guard_op *op, bool *is_dir, bool *path_only)
{
	struct mem m = {(pid_t)req->pid, -1};
	uint64_t a = req->data.args[w->path_arg];
	if (*op == GUARD_OP_CONNECT)
		describe_sockaddr(&m, a, req->data.args[2], target, tlen);
	else
		read_string(&m, a, target, tlen);
	if (*op == GUARD_OP_EXEC)
		read_argv(&m, req->data.args[w->path_arg + 1], req->data.arch != seccomp_arch_native(), argv, alen,
			  nargv);
	if (w->flags_arg >= 0) {
		uint64_t fl = req->data.args[w->flags_arg];
		if ((fl & O_ACCMODE) != O_RDONLY || (fl & (O_CREAT | O_TRUNC)))
			*op = GUARD_OP_WRITE;
		*is_dir = fl & O_DIRECTORY;
		*path_only = fl & O_PATH;
	} else if (strcmp(w->name, "openat2") == 0) {
		uint64_t fl = 0;
		if (mem_read(&m, req->data.args[2], &fl, sizeof fl, false) == sizeof fl &&
		    ((fl & O_ACCMODE) != O_RDONLY || (fl & (O_CREAT | O_TRUNC))))
			*op = GUARD_OP_WRITE;
		*path_only = fl & O_PATH;
	}
	if (m.fd >= 0)
		close(m.fd);
}

/* The observer's part of the supervisor's loop. */
struct observer {
	struct guard_supervision *sup;
	const struct guard_plan *plan;
	struct guard_dedup *seen;
	bool serving; /* the slot's fd is the listener (else still the socketpair) */
	struct guard_verdict_cache *verdicts;
	int nr[sizeof watched / sizeof *watched];   /* each watched call's number on the native architecture, or -1 */
	int nr32[sizeof watched / sizeof *watched]; /* ... on the 32-bit entry (compat_arch), or -1 */
	uint32_t arch, arch32;                      /* the native architecture, the 32-bit one (0: none) */
	uint64_t magic;                             /* the session's: a call carrying it was the shim's, logged by it */
	int root_fd;      /* the sandbox's root as its processes see it (O_PATH), or -1 until a notification opens it */
	bool state_names; /* the filter stops calls that make names (state_names.h) */
};

/* The watched call a notification is about, by number: no name lookup (and allocation) per notification. */
static const struct watched *watched_call(const struct observer *o, const struct seccomp_notif *req)
{
	const int *nr = req->data.arch == o->arch ? o->nr : req->data.arch == o->arch32 && o->arch32 ? o->nr32 : NULL;
	for (size_t i = 0; nr && i < sizeof watched / sizeof *watched; i++)
		if (nr[i] >= 0 && nr[i] == req->data.nr)
			return &watched[i];
	return NULL;
}

/* lstat of `path` (absolute, normalized) as the sandbox's processes see their file system: true when found (st
 * filled), else false with errno set. Every process of the sandbox has the same root (chroot, pivot_root and mounts
 * are refused by the seccomp layer), so the first notifying process's root serves for all, through one descriptor
 * instead of a /proc/PID/root walk per call. */
static bool stat_in_view(struct observer *o, pid_t pid, const char *path, struct stat *st)
{
	if (o->root_fd < 0) {
		char root[64];
		snprintf(root, sizeof root, "/proc/%d/root", (int)pid);
		o->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (o->root_fd >= 0)
		return (path[1] ? fstatat(o->root_fd, path + 1, st, AT_SYMLINK_NOFOLLOW) : fstat(o->root_fd, st)) == 0;
	char *inview = guard_xasprintf("/proc/%d/root%s", (int)pid, path);
	int rc = lstat(inview, st);
	int saved = errno;
	free(inview);
	errno = saved;
	return rc == 0;
}

/* Whether a path the supervisor found missing in the sandbox's view was in fact out of the sandbox's reach: its
 * deepest existing ancestor is a directory nobody may search (mode 000: a cover over a denied directory, a hidden
 * home's placeholder). A supervisor running as root searches it anyway (CAP_DAC_OVERRIDE), finds the cover empty
 * and would take the caller's EACCES for a lookup of nothing; the sandbox's processes have no capabilities, so the
 * kernel refused them at that directory, and the path exists behind it on the host. A supervisor without the
 * capability got EACCES itself. */
static bool behind_closed_dir(struct observer *o, pid_t pid, const char *path)
{
	static int privileged = -1;
	if (privileged < 0)
		privileged = geteuid() == 0;
	if (!privileged)
		return false;
	char *up = guard_xstrdup(path);
	bool closed = false;
	for (char *slash; (slash = strrchr(up, '/')) && slash != up;) {
		*slash = 0;
		struct stat st;
		if (stat_in_view(o, pid, up, &st)) {
			closed = S_ISDIR(st.st_mode) && !(st.st_mode & 0111);
			break;
		}
	}
	free(up);
	/* A cover hides what exists on the host; a directory the user's own permissions close hides nothing there
	 * (that refusal is the host's, not guard's, as it is for a supervisor without the capability). */
	struct stat host;
	return closed && lstat(path, &host) == 0;
}

/* verdict, remembered per path for the session (the image does not change while it runs) */
static const struct guard_image_rule *cached_verdict(struct observer *o, enum guard_op op, const char *path,
						     bool is_dir, int *err)
{
	const struct guard_image *img = o->sup->image;
	uint32_t idx;
	if (op == GUARD_OP_CONNECT)
		return verdict(o->plan, img, op, path, is_dir, err);
	if (guard_verdict_cache_get(o->verdicts, op, is_dir, path, &idx, err)) {
		o->sup->stats.verdict_hits++;
		return idx ? &img->rules[idx - 1] : NULL;
	}
	o->sup->stats.verdict_miss++;
	const struct guard_image_rule *r = verdict(o->plan, img, op, path, is_dir, err);
	guard_verdict_cache_put(o->verdicts, op, is_dir, path, r ? (uint32_t)(r - img->rules) + 1 : 0, *err);
	return r;
}

/* Serve one notification on `notify_fd`: log the attempt, let the kernel continue. Returns -1 when the listener is
 * gone (every watched process exited). */
static int observer_serve(int notify_fd, struct observer *o)
{
	struct guard_supervision *sup = o->sup;
	static struct seccomp_notif *req;
	static struct seccomp_notif_resp *resp;
	if (!req && seccomp_notify_alloc(&req, &resp) != 0)
		return -1;
	memset(req, 0, sizeof *req);
	/* The ioctl itself, not seccomp_notify_receive: libseccomp 2.5 answers ECANCELED for every failure, and the
	 * common one, a caller killed between our wakeup and this read (ENOENT), must not end the listener: closing it
	 * fails every later watched call of the session with ENOSYS. */
	if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_RECV, req) != 0)
		return errno == ENOENT || errno == EINTR ? 0 : -1;
	uint64_t t0 = guard_stats_now_ns();

	const struct watched *w = watched_call(o, req);
	/* A name in a state file's private directory (state_names.h): decided here, before the call goes on. Those
	 * calls are not in `watched`: only a session that needs it pays for the name lookup. */
	int name_err = 0;
	if (o->state_names) {
		char *name = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);
		name_err = name ? guard_state_names_check(o->plan, sup->image, req, name) : 0;
		free(name);
	}

	char target[4096] = "", argv[4096];
	unsigned nargv = 0;
	enum guard_op op = w ? w->op : GUARD_OP_READ;
	bool is_dir = false, path_only = false;
	if (w)
		read_call(req, w, target, sizeof target, argv, sizeof argv, &nargv, &op, &is_dir, &path_only);
	/* exec.deny for an exec the shim did not see (exec_rules.c): refused here */
	const struct guard_image_rule *xr =
		op == GUARD_OP_EXEC && target[0] && sup->image
			? guard_exec_observed_denied(sup->image, (pid_t)req->pid,
						     w->path_arg == 1 ? (int)req->data.args[0] : AT_FDCWD, target, argv,
						     nargv)
			: NULL;
	/* Where the target is, and whether it exists, must be read while the caller is still stopped in its call: a
	 * short-lived process is gone (with its /proc/<pid>/cwd and root) right after we let it continue. */
	char *cwd = NULL, *path = NULL;
	bool missing = false;
	if (w && target[0] && !path_only) {
		/* The cwd goes into the event where it says something: an exec (where a command ran), a relative name. */
		char **want_cwd = op == GUARD_OP_EXEC || target[0] != '/' ? &cwd : NULL;
		path = op == GUARD_OP_CONNECT ? guard_xstrdup(target)
					      : absolute_path((pid_t)req->pid, w->path_arg == 1,
							      (long)(int)req->data.args[0], target, want_cwd);
		/* A lookup of something that doesn't exist, as the process sees its file system, is not an access
		 * (PATH searches, locale probing): it stays out of the log. Nor is one that the user's own file
		 * permissions keep out of reach on the host too (a PATH entry in another user's home): the
		 * supervisor runs as that user, and guard did not decide it. */
		if (op != GUARD_OP_CONNECT && op != GUARD_OP_WRITE) {
			struct stat st;
			bool found = stat_in_view(o, (pid_t)req->pid, path, &st);
			missing = !found && ((errno == ENOENT && !behind_closed_dir(o, (pid_t)req->pid, path)) ||
					     (errno == EACCES && lstat(path, &st) != 0 && errno == EACCES));
			/* Judged as the kernel sees the target, not from the text: a directory matches a rule written
			 * for directories (~/.claude/) however it was named (~/.claude, ~/.claude/., fd/N/..). */
			if (found && S_ISDIR(st.st_mode))
				is_dir = true;
		}
		size_t tl = strlen(target);
		if (op != GUARD_OP_CONNECT && tl && target[tl - 1] == '/')
			is_dir = true; /* the kernel resolves a trailing '/' only to a directory */
	}
	/* What was read is only trustworthy if the call is still the one we were told about (no pid reuse). */
	bool valid = seccomp_notify_id_valid(notify_fd, req->id) == 0;
	resp->id = req->id;
	resp->error = 0;
	resp->val = 0;
	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (xr && valid) {
		resp->error = -EACCES;
		resp->flags = 0;
		guard_exec_say(sup->image, xr);
	} else if (name_err && valid) {
		resp->error = -name_err;
		resp->flags = 0;
	}
	seccomp_notify_respond(notify_fd, resp);
	uint64_t t1 = guard_stats_now_ns();
	sup->stats.notifs++;
	sup->stats.stopped_ns += t1 - t0;
	/* An exec carrying the magic is the shim's: judged by exec.deny above, and logged by the shim itself unless
	 * refused here (a process that put the magic there to skip exec.deny). */
	bool shims = w && w->always && !xr && req->data.arch == o->arch && req->data.args[w->magic_arg] == o->magic;
	if (!w || !valid || !target[0] || !sup->session || missing || shims || path_only)
		goto done;
	if (guard_dedup_first(o->seen, (pid_t)req->pid, op, path)) {
		int err;
		const struct guard_image_rule *r = cached_verdict(o, op, path, is_dir, &err);
		struct guard_event ev = {
			.op = op,
			.origin = GUARD_ORIGIN_OBSERVER,
			.err = xr ? EACCES : err,
			.pid = (int)req->pid,
			/* An exec asks /proc afresh (and refreshes the log's per-pid memory); the opens that follow it,
			 * the loader's, reuse that answer (session_store.c, host_ppid). */
			.ppid = op == GUARD_OP_EXEC ? guard_proc_parent((pid_t)req->pid) : 0,
			.rule = r ? (uint32_t)(r - sup->image->rules) + 1 : 0,
			.path = path,
			.cwd = cwd,
			.argv = nargv ? argv : NULL,
			.nargv = nargv,
		};
		guard_session_event(sup->session, &ev, sup->image, (pid_t)req->pid);
	}
done:
	free(path);
	free(cwd);
	sup->stats.after_ns += guard_stats_now_ns() - t1;
	return 0;
}

/* First the listener arrives over the socketpair (or the child failed before sending it: -1, the slot is done);
 * then each readable moment is one notification. */
static void observer_handle(struct guard_supervision_slot *slot, short revents)
{
	struct observer *o = slot->ctx;
	if (!o->serving) {
		int *sock = &o->sup->observer_sock[0];
		guard_fd_recv(*sock, &slot->fd);
		close(*sock);
		*sock = -1;
		o->serving = true;
		/* Older kernels answer EINVAL: the round trip then goes through the scheduler, as it always did. */
		if (slot->fd >= 0)
			(void)ioctl(slot->fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
		return;
	}
	if (((revents & (POLLHUP | POLLERR)) && !(revents & POLLIN)) || observer_serve(slot->fd, o) < 0) {
		close(slot->fd);
		slot->fd = -1;
	}
}

static void observer_close(struct guard_supervision_slot *slot)
{
	struct observer *o = slot->ctx;
	if (o->serving && slot->fd >= 0)
		close(slot->fd); /* the socketpair, when the listener never came, is the session's to close */
	slot->fd = -1;
	guard_dedup_free(o->seen);
	guard_verdict_cache_free(o->verdicts);
	if (o->root_fd >= 0)
		close(o->root_fd);
	free(o);
}

void guard_observer_attach(struct guard_supervision *sup, const struct guard_plan *plan)
{
	if (sup->observer_sock[1] >= 0) { /* the command's end: it has its copy */
		close(sup->observer_sock[1]);
		sup->observer_sock[1] = -1;
	}
	if (sup->observer_sock[0] < 0)
		return;
	struct observer *o = guard_xmalloc(sizeof *o);
	*o = (struct observer){.sup = sup,
			       .plan = plan,
			       .seen = guard_dedup_new(),
			       .state_names = guard_state_names_needed(plan),
			       .verdicts = guard_verdict_cache_new(),
			       .arch = seccomp_arch_native(),
			       .magic = sup->magic,
			       .root_fd = -1};
	o->arch32 = compat_arch();
	for (size_t i = 0; i < sizeof watched / sizeof *watched; i++) {
		int nr = seccomp_syscall_resolve_name(watched[i].name);
		o->nr[i] = nr == __NR_SCMP_ERROR ? -1 : nr;
		nr = o->arch32 ? seccomp_syscall_resolve_name_arch(o->arch32, watched[i].name) : -1;
		o->nr32[i] = nr < 0 || watched[i].op == GUARD_OP_CONNECT ? -1 : nr;
	}
	struct guard_supervision_slot slot = {sup->observer_sock[0], POLLIN, observer_handle, observer_close, o};
	guard_supervision_add(sup, &slot);
}
