/* A seccomp program as plain data. The supervisor compiles the command's programs with libseccomp while the
 * sandbox's init sets up its mounts (filters.h); the command only loads them, right before exec, so the compiling
 * (a few milliseconds) is off the path every session start waits on. */
#ifndef GUARD_BPF_H
#define GUARD_BPF_H

#include <linux/filter.h>
#include <seccomp.h>

struct guard_bpf {
	unsigned len; /* instructions used */
	struct sock_filter insns[BPF_MAXINSNS];
};

/* ctx's program into out: 0, or -errno (-E2BIG: longer than the kernel takes). */
int guard_bpf_export(const scmp_filter_ctx ctx, struct guard_bpf *out);

/* seccomp(SECCOMP_SET_MODE_FILTER, flags) of p: what the call returns (a listener's fd with
 * SECCOMP_FILTER_FLAG_NEW_LISTENER), or -1 with errno. */
int guard_bpf_load(const struct guard_bpf *p, unsigned flags);

#endif
