/* guard_bpf (bpf.h): libseccomp 2.5 exports a program only to a file descriptor, so it goes through a memfd. */
#include <errno.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/linux/bpf.h"

int guard_bpf_export(const scmp_filter_ctx ctx, struct guard_bpf *out)
{
	int mfd = memfd_create("guard-bpf", MFD_CLOEXEC);
	if (mfd < 0)
		return -errno;
	int e = seccomp_export_bpf(ctx, mfd);
	off_t len = e == 0 ? lseek(mfd, 0, SEEK_END) : -1;
	if (e == 0 && (len <= 0 || len % (off_t)sizeof out->insns[0] != 0))
		e = -EINVAL;
	else if (e == 0 && (size_t)len > sizeof out->insns)
		e = -E2BIG;
	else if (e == 0 && pread(mfd, out->insns, (size_t)len, 0) != len)
		e = -EIO;
	close(mfd);
	out->len = e == 0 ? (unsigned)((size_t)len / sizeof out->insns[0]) : 0;
	return e;
}

int guard_bpf_load(const struct guard_bpf *p, unsigned flags)
{
	if (p->len == 0 || p->len > BPF_MAXINSNS) {
		errno = EINVAL;
		return -1;
	}
	struct sock_fprog fp = {(unsigned short)p->len, (struct sock_filter *)p->insns};
	int r = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fp);
	/* No seccomp() (Linux before 3.17, or valgrind, which does not know it): a plain filter goes through prctl,
	 * as libseccomp does; flags (a listener) need seccomp(). */
	if (r < 0 && errno == ENOSYS && flags == 0)
		r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp);
	return r;
}
