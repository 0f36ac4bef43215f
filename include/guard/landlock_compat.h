/* Landlock constants newer than the build host's <linux/landlock.h>.
 *
 * Debian 12 ships Linux 6.1 UAPI headers (Landlock ABI 2/3); guard must drive ABI 1..7 kernels, so every newer
 * constant and the grown ruleset struct are defined here, guarded so a newer header wins. */
#ifndef GUARD_LANDLOCK_COMPAT_H
#define GUARD_LANDLOCK_COMPAT_H

#include <linux/landlock.h>
#include <linux/types.h>

/* ABI 3 */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
/* ABI 5 */
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
/* ABI 4: TCP */
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#define GUARD_LANDLOCK_RULE_NET_PORT 2
/* ABI 6: scopes */
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif
/* ABI 7: audit logging flags of landlock_restrict_self() */
#ifndef LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF
#define LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF (1U << 0)
#define LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON (1U << 1)
#define LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF (1U << 2)
#endif

/* The ruleset attribute as of ABI 6; the kernel takes a prefix of it (sizeof up to the last field it knows). */
struct guard_landlock_ruleset_attr {
	__u64 handled_access_fs;
	__u64 handled_access_net; /* ABI >= 4 */
	__u64 scoped;             /* ABI >= 6 */
};

struct guard_landlock_net_port_attr {
	__u64 allowed_access;
	__u64 port;
};

/* File-system rights that Landlock accepts on a rule whose target is not a directory. */
#define GUARD_LL_FILE_RIGHTS                                                                                           \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |                   \
	 LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

/* Newest ABI guard knows; a newer kernel is driven at this level. */
#define GUARD_LANDLOCK_ABI_MAX 7

#endif
