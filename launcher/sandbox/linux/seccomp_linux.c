/* The seccomp layer: one table of system calls the sandbox may not make, applied with libseccomp.
 *
 * Default action ALLOW: Landlock, the mount covers and the dropped capabilities are the boundary; this filter
 * removes kernel attack surface and the few ways around them (ptrace, mounts, file handles, keyrings, TIOCSTI,
 * new user namespaces). It is loaded last, just before exec, and needs no_new_privs already set by the caller
 * (the caller sets it for Landlock anyway; we refuse rather than set it behind the caller's back).
 *
 * Every architecture the CPU can enter is filtered: on x86_64 also i386 (int 0x80) and x32 (syscall numbers with
 * bit 30), otherwise a 32-bit entry would skip the table. libseccomp translates each rule per architecture; an
 * argument test on a multiplexed call it cannot see into (i386 socketcall) becomes a test of the whole call, which
 * errs on the side of refusing. Any other architecture is killed. */
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <fcntl.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "sandbox/kernel_api.h"
#include "sandbox/linux/bpf.h"
#include "sandbox/linux/filters.h"

#ifndef CLONE_NEWUSER
#define CLONE_NEWUSER 0x10000000
#endif

enum when {
	ALWAYS,
	NO_USERNS,   /* unless opts->allow_userns */
	DENY_INET,   /* only with opts->deny_inet */
	INET_STREAM, /* only with opts->inet_stream_only */
	NET_CLOSED,  /* with opts->net_closed or opts->deny_inet */
};

/* Argument tests. Values are compared on the low 32 bits: these arguments are C ints in the kernel, which ignores
 * the upper half of the register, so a comparison of all 64 bits could be dodged by setting garbage there. */
enum cmp {
	ANY,         /* every call */
	EQ32,        /* (arg & 0xffffffff) == value */
	BITS,        /* (arg & value) == value */
	NOT_0_OR_M1, /* low 32 bits neither 0 nor 0xffffffff */
	TYPE4,       /* (arg & 0xf) == value: a socket type without SOCK_NONBLOCK/SOCK_CLOEXEC */
	GT64,        /* arg > value on all 64 bits (garbage in the upper half errs on refusing) */
};

struct rule {
	const char *syscall;
	int err;
	enum when when;
	enum cmp cmp;
	unsigned arg;
	uint64_t value;
	const char *cond; /* the argument test in words, for describe (consecutive rows with the same words: once) */
	const char *why;
	enum cmp cmp2; /* a second test, on another argument, that must hold too (ANY: none) */
	unsigned arg2;
	uint64_t value2;
};

/* Landlock-only proxy mode: IP sockets only as TCP streams, whose connects Landlock limits to the proxy's port. */
#define WHY_TCP_ONLY "only TCP, which Landlock limits to guard's proxy: no UDP (no DNS), raw, SCTP or other sockets"
#define NOT_TCP(fam, cond)                                                                                             \
	{"socket", EACCES, INET_STREAM, EQ32, 0, fam, cond, WHY_TCP_ONLY, TYPE4, 1, SOCK_DGRAM},                       \
		{"socket", EACCES, INET_STREAM, EQ32, 0, fam, cond, WHY_TCP_ONLY, TYPE4, 1, SOCK_RAW},                 \
		{"socket", EACCES, INET_STREAM, EQ32, 0, fam, cond, WHY_TCP_ONLY, TYPE4, 1, SOCK_RDM},                 \
		{"socket", EACCES, INET_STREAM, EQ32, 0, fam, cond, WHY_TCP_ONLY, TYPE4, 1, SOCK_SEQPACKET},           \
		{"socket", EACCES, INET_STREAM, EQ32, 0, fam, cond, WHY_TCP_ONLY, TYPE4, 1, SOCK_DCCP},                \
		{"socket", EACCES, INET_STREAM, EQ32, 0, fam, cond, WHY_TCP_ONLY, TYPE4, 1, SOCK_PACKET},              \
		{"socket", EACCES, INET_STREAM, EQ32, 0, fam, cond, WHY_TCP_ONLY, EQ32, 2, 1},                         \
		{"socket", EACCES, INET_STREAM, EQ32, 0, fam, cond, WHY_TCP_ONLY, EQ32, 2, 2},                         \
		{"socket", EACCES, INET_STREAM, EQ32, 0, fam, cond, WHY_TCP_ONLY, EQ32, 2, 3},                         \
		{"socket", EACCES, INET_STREAM, EQ32, 0, fam, cond, WHY_TCP_ONLY, EQ32, 2, 4},                         \
		{"socket", EACCES, INET_STREAM, EQ32, 0, fam, cond, WHY_TCP_ONLY, EQ32, 2, 5},                         \
	{                                                                                                              \
		"socket", EACCES, INET_STREAM, EQ32, 0, fam, cond, WHY_TCP_ONLY, GT64, 2, IPPROTO_TCP                  \
	}
/* Families that reach past a network namespace or Landlock's TCP rules (vsock talks to the hypervisor whatever
 * the namespace), or that only carry kernel attack surface here. AF_UNIX, AF_INET(6) and AF_NETLINK stay. */
#define WHY_FAMILY "network is closed: this family reaches past the network boundary"
#define FAMILY(n)                                                                                                      \
	{                                                                                                              \
		"socket", EACCES, NET_CLOSED, EQ32, 0, n, "domain AX25 .. KEY (3-9, 11-15)", WHY_FAMILY                \
	}

#define WHY_SETID "no setuid or setgid files: they would grant privileges outside the sandbox"

static const struct rule rules[] = {
	/* Other processes: read or steer them from outside the boundary. */
	{"ptrace", EPERM, ALWAYS, ANY, 0, 0, NULL, "no debugging or memory access to other processes"},
	{"process_vm_readv", EPERM, ALWAYS, ANY, 0, 0, NULL, "reads another process's memory"},
	{"process_vm_writev", EPERM, ALWAYS, ANY, 0, 0, NULL, "writes another process's memory"},
	{"process_madvise", EPERM, ALWAYS, ANY, 0, 0, NULL, "acts on another process's memory"},
	{"pidfd_getfd", EPERM, ALWAYS, ANY, 0, 0, NULL, "copies another process's open files"},
	/* Kernel attack surface that developer tools do not need. */
	{"bpf", EPERM, ALWAYS, ANY, 0, 0, NULL, "loads programs into the kernel"},
	{"perf_event_open", EPERM, ALWAYS, ANY, 0, 0, NULL, "profiling leaks kernel and other processes' state"},
	{"userfaultfd", EPERM, ALWAYS, ANY, 0, 0, NULL, "stalls kernel page faults, a staple of exploits"},
	{"io_uring_setup", EPERM, ALWAYS, ANY, 0, 0, NULL, "io_uring performs calls this filter cannot see"},
	{"io_uring_enter", EPERM, ALWAYS, ANY, 0, 0, NULL, "io_uring performs calls this filter cannot see"},
	{"io_uring_register", EPERM, ALWAYS, ANY, 0, 0, NULL, "io_uring performs calls this filter cannot see"},
	{"uselib", EPERM, ALWAYS, ANY, 0, 0, NULL, "obsolete loader entry"},
	{"syslog", EPERM, ALWAYS, ANY, 0, 0, NULL, "kernel log: addresses and host activity"},
	/* Keyrings hold credentials (Kerberos, ecryptfs, fscrypt) of the user outside the sandbox. */
	{"add_key", EPERM, ALWAYS, ANY, 0, 0, NULL, "kernel keyrings hold the user's credentials"},
	{"request_key", EPERM, ALWAYS, ANY, 0, 0, NULL, "kernel keyrings hold the user's credentials"},
	{"keyctl", EPERM, ALWAYS, ANY, 0, 0, NULL, "kernel keyrings hold the user's credentials"},
	/* The machine itself. */
	{"kexec_load", EPERM, ALWAYS, ANY, 0, 0, NULL, "replaces the running kernel"},
	{"kexec_file_load", EPERM, ALWAYS, ANY, 0, 0, NULL, "replaces the running kernel"},
	{"init_module", EPERM, ALWAYS, ANY, 0, 0, NULL, "loads kernel modules"},
	{"finit_module", EPERM, ALWAYS, ANY, 0, 0, NULL, "loads kernel modules"},
	{"delete_module", EPERM, ALWAYS, ANY, 0, 0, NULL, "unloads kernel modules"},
	{"reboot", EPERM, ALWAYS, ANY, 0, 0, NULL, "reboots the machine"},
	{"swapon", EPERM, ALWAYS, ANY, 0, 0, NULL, "changes swap"},
	{"swapoff", EPERM, ALWAYS, ANY, 0, 0, NULL, "changes swap"},
	{"acct", EPERM, ALWAYS, ANY, 0, 0, NULL, "process accounting writes a file outside the policy"},
	{"quotactl", EPERM, ALWAYS, ANY, 0, 0, NULL, "changes disk quotas"},
	{"quotactl_fd", EPERM, ALWAYS, ANY, 0, 0, NULL, "changes disk quotas"},
	{"settimeofday", EPERM, ALWAYS, ANY, 0, 0, NULL, "sets the system clock"},
	{"stime", EPERM, ALWAYS, ANY, 0, 0, NULL, "sets the system clock"},
	{"clock_settime", EPERM, ALWAYS, ANY, 0, 0, NULL, "sets the system clock"},
	{"clock_adjtime", EPERM, ALWAYS, ANY, 0, 0, NULL, "adjusts the system clock"},
	{"adjtimex", EPERM, ALWAYS, ANY, 0, 0, NULL, "adjusts the system clock"},
	/* Mounts: the covers over secrets must stay where they are. */
	{"mount", EPERM, ALWAYS, ANY, 0, 0, NULL, "the covers over secrets must stay"},
	{"umount", EPERM, ALWAYS, ANY, 0, 0, NULL, "the covers over secrets must stay"},
	{"umount2", EPERM, ALWAYS, ANY, 0, 0, NULL, "the covers over secrets must stay"},
	{"fsopen", EPERM, ALWAYS, ANY, 0, 0, NULL, "new mount API"},
	{"fsconfig", EPERM, ALWAYS, ANY, 0, 0, NULL, "new mount API"},
	{"fsmount", EPERM, ALWAYS, ANY, 0, 0, NULL, "new mount API"},
	{"fspick", EPERM, ALWAYS, ANY, 0, 0, NULL, "new mount API"},
	{"move_mount", EPERM, ALWAYS, ANY, 0, 0, NULL, "new mount API"},
	{"open_tree", EPERM, ALWAYS, ANY, 0, 0, NULL, "new mount API: clones a tree from under a cover"},
	{"mount_setattr", EPERM, ALWAYS, ANY, 0, 0, NULL, "new mount API: could make a read-only mount writable"},
	{"pivot_root", EPERM, ALWAYS, ANY, 0, 0, NULL, "changes the root"},
	{"chroot", EPERM, ALWAYS, ANY, 0, 0, NULL, "changes the root"},
	/* File handles open an inode by number, past every path-based check. */
	{"open_by_handle_at", EPERM, ALWAYS, ANY, 0, 0, NULL, "opens files by handle, past path checks"},
	{"name_to_handle_at", EPERM, ALWAYS, ANY, 0, 0, NULL, "makes handles for open_by_handle_at"},
	/* Typing into the user's terminal runs commands outside the sandbox once it exits. */
	{"ioctl", EPERM, ALWAYS, EQ32, 1, TIOCSTI, "cmd TIOCSTI", "injects input into the user's terminal"},
	{"ioctl", EPERM, ALWAYS, EQ32, 1, TIOCLINUX, "cmd TIOCLINUX", "console selection pastes into the terminal"},
	/* Personalities other than plain Linux turn off ASLR or make data executable. */
	{"personality", EPERM, ALWAYS, NOT_0_OR_M1, 0, 0, "persona other than PER_LINUX and the 0xffffffff query",
	 "could disable ASLR or make data executable"},
	/* A setuid or setgid file made inside outlives the sandbox: as root, it is local root for anyone later (and
	 * no_new_privs only protects the inside). The mode is an argument, except for openat2 (in memory). */
	{"chmod", EPERM, ALWAYS, BITS, 1, S_ISUID, "mode & S_ISUID", WHY_SETID},
	{"chmod", EPERM, ALWAYS, BITS, 1, S_ISGID, "mode & S_ISGID", WHY_SETID},
	{"fchmod", EPERM, ALWAYS, BITS, 1, S_ISUID, "mode & S_ISUID", WHY_SETID},
	{"fchmod", EPERM, ALWAYS, BITS, 1, S_ISGID, "mode & S_ISGID", WHY_SETID},
	{"fchmodat", EPERM, ALWAYS, BITS, 2, S_ISUID, "mode & S_ISUID", WHY_SETID},
	{"fchmodat", EPERM, ALWAYS, BITS, 2, S_ISGID, "mode & S_ISGID", WHY_SETID},
	{"fchmodat2", EPERM, ALWAYS, BITS, 2, S_ISUID, "mode & S_ISUID", WHY_SETID},
	{"fchmodat2", EPERM, ALWAYS, BITS, 2, S_ISGID, "mode & S_ISGID", WHY_SETID},
	{"creat", EPERM, ALWAYS, BITS, 1, S_ISUID, "mode & S_ISUID", WHY_SETID},
	{"creat", EPERM, ALWAYS, BITS, 1, S_ISGID, "mode & S_ISGID", WHY_SETID},
	{"open", EPERM, ALWAYS, BITS, 1, O_CREAT, "O_CREAT, mode & S_ISUID", WHY_SETID, BITS, 2, S_ISUID},
	{"open", EPERM, ALWAYS, BITS, 1, O_CREAT, "O_CREAT, mode & S_ISGID", WHY_SETID, BITS, 2, S_ISGID},
	{"openat", EPERM, ALWAYS, BITS, 2, O_CREAT, "O_CREAT, mode & S_ISUID", WHY_SETID, BITS, 3, S_ISUID},
	{"openat", EPERM, ALWAYS, BITS, 2, O_CREAT, "O_CREAT, mode & S_ISGID", WHY_SETID, BITS, 3, S_ISGID},
	{"mknodat", EPERM, ALWAYS, BITS, 2, S_ISUID, "mode & S_ISUID", WHY_SETID},
	{"mknod", EPERM, ALWAYS, BITS, 1, S_ISUID, "mode & S_ISUID", WHY_SETID},
	{"openat2", ENOSYS, ALWAYS, ANY, 0, 0, NULL,
	 "its mode is in memory this filter cannot read: callers fall back to openat"},
	/* A new user namespace hands back every capability (inside it) and much more kernel surface. */
	{"unshare", EPERM, NO_USERNS, BITS, 0, CLONE_NEWUSER, "flags & CLONE_NEWUSER", "no new user namespaces"},
	{"clone", EPERM, NO_USERNS, BITS, 0, CLONE_NEWUSER, "flags & CLONE_NEWUSER", "no new user namespaces"},
	{"setns", EPERM, NO_USERNS, BITS, 1, CLONE_NEWUSER, "nstype & CLONE_NEWUSER", "no entering user namespaces"},
	{"setns", EPERM, NO_USERNS, EQ32, 1, 0, "nstype 0, any type", "no entering user namespaces"},
	/* clone3 passes its flags in memory a filter cannot read: refuse it as unknown so libc falls back to clone. */
	{"clone3", ENOSYS, ALWAYS, ANY, 0, 0, NULL, "flags in memory: libc falls back to clone, which is checked"},
	/* Without a network namespace the host's network is reachable: only local sockets. */
	{"socket", EACCES, DENY_INET, EQ32, 0, AF_INET, "domain AF_INET", "network is closed"},
	{"socket", EACCES, DENY_INET, EQ32, 0, AF_INET6, "domain AF_INET6", "network is closed"},
	{"socket", EACCES, DENY_INET, EQ32, 0, AF_PACKET, "domain AF_PACKET", "network is closed"},
	NOT_TCP(AF_INET, "domain AF_INET, not a TCP stream"),
	NOT_TCP(AF_INET6, "domain AF_INET6, not a TCP stream"),
	FAMILY(3),
	FAMILY(4),
	FAMILY(5),
	FAMILY(6),
	FAMILY(7),
	FAMILY(8),
	FAMILY(9),
	FAMILY(11),
	FAMILY(12),
	FAMILY(13),
	FAMILY(14),
	FAMILY(15),
	{"socket", EACCES, NET_CLOSED, GT64, 0, AF_NETLINK,
	 "domain above AF_NETLINK: packet, vsock, TIPC, RDS, XDP ...", WHY_FAMILY},
};

static bool applies(const struct rule *r, const struct guard_seccomp_opts *o)
{
	switch (r->when) {
	case NO_USERNS:
		return !o->allow_userns;
	case DENY_INET:
		return o->deny_inet;
	case INET_STREAM:
		return o->inet_stream_only;
	case NET_CLOSED:
		return o->net_closed || o->deny_inet;
	default:
		return true;
	}
}

/* Architectures a process of the native one can also enter the kernel as. */
struct arch {
	uint32_t native, extra;
	const char *names; /* for describe */
};
static const struct arch arches[] = {
	{SCMP_ARCH_X86_64, SCMP_ARCH_X86, "x86_64, i386, x32"},
	{SCMP_ARCH_X86_64, SCMP_ARCH_X32, NULL},
	{SCMP_ARCH_AARCH64, SCMP_ARCH_ARM, "aarch64, arm"},
};

/* One comparison of a simple kind (EQ32, BITS, TYPE4, GT64) into c. */
static void simple_cmp(struct scmp_arg_cmp *c, enum cmp cmp, unsigned arg, uint64_t value)
{
	*c = (struct scmp_arg_cmp){.arg = arg, .op = SCMP_CMP_MASKED_EQ, .datum_b = value};
	if (cmp == EQ32)
		c->datum_a = 0xffffffffu;
	else if (cmp == BITS)
		c->datum_a = value;
	else if (cmp == TYPE4)
		c->datum_a = 0xf;
	else if (cmp == GT64)
		*c = (struct scmp_arg_cmp){.arg = arg, .op = SCMP_CMP_GT, .datum_a = value};
}

static int add_rule(scmp_filter_ctx ctx, const struct rule *r, int nr)
{
	uint32_t action = SCMP_ACT_ERRNO((uint32_t)r->err);
	struct scmp_arg_cmp c = {.arg = r->arg, .op = SCMP_CMP_MASKED_EQ}, two[2];
	switch (r->cmp) {
	case ANY:
		return seccomp_rule_add(ctx, action, nr, 0);
	case EQ32:
	case BITS:
	case TYPE4:
	case GT64:
		simple_cmp(&two[0], r->cmp, r->arg, r->value);
		if (r->cmp2 == ANY)
			return seccomp_rule_add_array(ctx, action, nr, 1, two);
		simple_cmp(&two[1], r->cmp2, r->arg2, r->value2);
		return seccomp_rule_add_array(ctx, action, nr, 2, two);
	case NOT_0_OR_M1:
		/* libseccomp takes one comparison per argument and rule, so "not 0 and not ~0" is built as a union:
		 * a 32-bit value has some bit i set with bit (i+1) % 32 clear exactly when it is neither all zeros
		 * nor all ones. 32 masked comparisons, each on one argument. */
		for (unsigned i = 0; i < 32; i++) {
			uint64_t bit = 1ull << i, next = 1ull << ((i + 1) % 32);
			c.datum_a = bit | next;
			c.datum_b = bit;
			int rc = seccomp_rule_add_array(ctx, action, nr, 1, &c);
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	return -EINVAL;
}

int guard_seccomp_compile(const struct guard_seccomp_opts *o, struct guard_bpf *out, char *why, size_t whylen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		snprintf(why, whylen, "seccomp: cannot create a filter (out of memory?)");
		errno = ENOMEM;
		return -1;
	}
	const char *step = "set filter attributes";
	const char *what = "";
	/* no_new_privs is set by the loader's caller: libseccomp need not set it again. */
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
				      seccomp_api_get() >= 3 ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_KILL);
	for (size_t i = 0; rc == 0 && i < sizeof arches / sizeof arches[0]; i++) {
		if (arches[i].native != seccomp_arch_native())
			continue;
		step = "add architecture";
		rc = seccomp_arch_add(ctx, arches[i].extra);
		if (rc == -EEXIST)
			rc = 0;
	}
	for (size_t i = 0; rc == 0 && i < sizeof rules / sizeof rules[0]; i++) {
		const struct rule *r = &rules[i];
		if (!applies(r, o))
			continue;
		/* A call newer than this libseccomp cannot be named to it: left out (describe says so). */
		int nr = seccomp_syscall_resolve_name(r->syscall);
		if (nr == __NR_SCMP_ERROR)
			continue;
		step = "add rule for";
		what = r->syscall;
		rc = add_rule(ctx, r, nr);
	}
	if (rc == 0) {
		step = "compile the filter";
		what = "";
		rc = guard_bpf_export(ctx, out);
	}
	seccomp_release(ctx);
	if (rc < 0) {
		snprintf(why, whylen, "seccomp: cannot %s%s%s: %s", step, *what ? " " : "", what, strerror(-rc));
		errno = -rc;
		return -1;
	}
	return 0;
}

int guard_seccomp_load(const struct guard_bpf *p, char *why, size_t whylen)
{
	int rc = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	if (rc != 1) {
		snprintf(why, whylen, "seccomp: no_new_privs is not set (set it before installing the filter)");
		errno = rc < 0 ? errno : EPERM;
		return -1;
	}
	if (guard_bpf_load(p, 0) < 0) {
		snprintf(why, whylen, "seccomp: cannot load the filter: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int guard_seccomp_install(const struct guard_seccomp_opts *o, char *why, size_t whylen)
{
	struct guard_bpf *p = malloc(sizeof *p);
	if (!p) {
		snprintf(why, whylen, "seccomp: out of memory");
		errno = ENOMEM;
		return -1;
	}
	int rc = guard_seccomp_compile(o, p, why, whylen);
	if (rc == 0)
		rc = guard_seccomp_load(p, why, whylen);
	int err = errno;
	free(p);
	errno = err;
	return rc;
}

static const char *errno_name(int e)
{
	switch (e) {
	case EPERM:
		return "EPERM";
	case EACCES:
		return "EACCES";
	case ENOSYS:
		return "ENOSYS";
	default:
		return "errno";
	}
}

void guard_seccomp_describe(const struct guard_seccomp_opts *o, void (*line)(void *ctx, const char *text), void *ctx)
{
	const char *names = "native only";
	for (size_t i = 0; i < sizeof arches / sizeof arches[0]; i++)
		if (arches[i].native == seccomp_arch_native() && arches[i].names)
			names = arches[i].names;
	char buf[256];
	snprintf(buf, sizeof buf, "default allow; architectures %s; any other architecture kills the process", names);
	line(ctx, buf);
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		const struct rule *r = &rules[i];
		if (!applies(r, o))
			continue;
		if (i > 0 && r->cond && rules[i - 1].cond && !strcmp(r->cond, rules[i - 1].cond) &&
		    applies(&rules[i - 1], o))
			continue; /* one line for a group of rows (NOT_TCP, FAMILY) */
		bool known = seccomp_syscall_resolve_name(r->syscall) != __NR_SCMP_ERROR;
		snprintf(buf, sizeof buf, "%s%s%s%s -> %s: %s%s", r->syscall, r->cond ? " (" : "",
			 r->cond ? r->cond : "", r->cond ? ")" : "", errno_name(r->err), r->why,
			 known ? "" : " [unknown to this libseccomp: not filtered]");
		line(ctx, buf);
	}
}
