/* Dropping every capability before exec, for root too.
 *
 * Raw capget/capset with the version-3 (64-bit) layout rather than libcap: two calls do not justify a dependency.
 * Order matters: the bounding set and securebits need CAP_SETPCAP, so they go before capset clears it. Once done,
 * uid 0 regains nothing on exec: the bounding set is empty (file capabilities and root's implicit full set are
 * masked by it) and SECBIT_NOROOT, locked, stops root being special at all. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/kernel_api.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

static int caps_get(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	memset(data, 0, 2 * sizeof *data);
	return (int)syscall(SYS_capget, &h, data);
}

/* The highest capability this kernel knows; newer kernels add capabilities, so no compiled-in CAP_LAST_CAP. */
static int last_cap(void)
{
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		char buf[16];
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n > 0) {
			buf[n] = 0;
			char *end;
			long v = strtol(buf, &end, 10);
			if (end != buf && v >= 0 && v < 64)
				return (int)v;
		}
	}
	/* /proc not mounted yet: the bounding set answers EINVAL past the last capability. */
	int c = 0;
	while (c < 63 && prctl(PR_CAPBSET_READ, c + 1, 0, 0, 0) >= 0)
		c++;
	return c;
}

static bool has_effective(const struct __user_cap_data_struct data[2], int cap)
{
	return data[cap / 32].effective & (1u << (cap % 32));
}

int guard_caps_drop_all(char *why, size_t whylen)
{
	struct __user_cap_data_struct data[2];
	if (caps_get(data) < 0) {
		snprintf(why, whylen, "capabilities: capget: %s", strerror(errno));
		return -1;
	}
	bool setpcap = has_effective(data, CAP_SETPCAP);

	/* Kernels before 4.3 have no ambient set (EINVAL): nothing to clear then. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
		snprintf(why, whylen, "capabilities: clearing the ambient set: %s", strerror(errno));
		return -1;
	}
	/* Without CAP_SETPCAP the bounding set cannot shrink; such a process holds nothing, and no_new_privs (set
	 * before exec) keeps exec from granting anything. */
	if (setpcap) {
		int last = last_cap();
		for (int c = 0; c <= last; c++) {
			if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL) {
				snprintf(why, whylen, "capabilities: dropping %d from the bounding set: %s", c,
					 strerror(errno));
				return -1;
			}
		}
		int cur = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
		if (cur < 0)
			cur = 0;
		unsigned long bits = ((unsigned long)cur | SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
				      SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
				      SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED) &
				     ~(unsigned long)SECBIT_KEEP_CAPS;
		if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) < 0) {
			snprintf(why, whylen, "capabilities: setting securebits %#lx: %s", bits, strerror(errno));
			return -1;
		}
	}
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	memset(data, 0, sizeof data);
	if (syscall(SYS_capset, &h, data) < 0) {
		snprintf(why, whylen, "capabilities: capset to nothing: %s", strerror(errno));
		return -1;
	}
	if (caps_get(data) < 0 || data[0].permitted || data[1].permitted || data[0].effective || data[1].effective ||
	    data[0].inheritable || data[1].inheritable) {
		snprintf(why, whylen, "capabilities: some are still held after dropping them all");
		errno = EPERM;
		return -1;
	}
	return 0;
}

bool guard_caps_any(void)
{
	struct __user_cap_data_struct data[2];
	if (caps_get(data) < 0)
		return true; /* unknown: assume the worst */
	if (data[0].permitted | data[1].permitted | data[0].effective | data[1].effective)
		return true;
	int last = last_cap();
	for (int c = 0; c <= last; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) > 0)
			return true;
	return false;
}
