/* guard_errno_name (guard.h): macOS's libc has no strerrorname_np, so the names guard's reports and JSON carry
 * (the errors a sandbox, a file system or a socket answer) are listed here; any other is E<number>. */
#include <errno.h>
#include <stdio.h>

#include "lib/guard.h"

#define NAME(e)                                                                                                        \
	{                                                                                                              \
		e, #e                                                                                                  \
	}
static const struct {
	int err;
	const char *name;
} names[] = {
	NAME(EPERM),        NAME(ENOENT),       NAME(ESRCH),         NAME(EINTR),           NAME(EIO),
	NAME(ENXIO),        NAME(E2BIG),        NAME(ENOEXEC),       NAME(EBADF),           NAME(ECHILD),
	NAME(EAGAIN),       NAME(ENOMEM),       NAME(EACCES),        NAME(EFAULT),          NAME(EBUSY),
	NAME(EEXIST),       NAME(EXDEV),        NAME(ENODEV),        NAME(ENOTDIR),         NAME(EISDIR),
	NAME(EINVAL),       NAME(ENFILE),       NAME(EMFILE),        NAME(ENOTTY),          NAME(ETXTBSY),
	NAME(EFBIG),        NAME(ENOSPC),       NAME(ESPIPE),        NAME(EROFS),           NAME(EMLINK),
	NAME(EPIPE),        NAME(ERANGE),       NAME(EDEADLK),       NAME(ENAMETOOLONG),    NAME(ENOLCK),
	NAME(ENOSYS),       NAME(ENOTEMPTY),    NAME(ELOOP),         NAME(ENOTSOCK),        NAME(EDESTADDRREQ),
	NAME(EMSGSIZE),     NAME(EPROTOTYPE),   NAME(ENOPROTOOPT),   NAME(EPROTONOSUPPORT), NAME(EOPNOTSUPP),
	NAME(EAFNOSUPPORT), NAME(EADDRINUSE),   NAME(EADDRNOTAVAIL), NAME(ENETDOWN),        NAME(ENETUNREACH),
	NAME(ECONNABORTED), NAME(ECONNRESET),   NAME(ENOBUFS),       NAME(EISCONN),         NAME(ENOTCONN),
	NAME(ETIMEDOUT),    NAME(ECONNREFUSED), NAME(EHOSTUNREACH),  NAME(EALREADY),        NAME(EINPROGRESS),
	NAME(EDQUOT),       NAME(ESTALE),       NAME(ECANCELED),     NAME(EOVERFLOW),       NAME(EILSEQ),
};

const char *guard_errno_name(int err, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (names[i].err == err)
			return names[i].name;
	snprintf(buf, len, "E%d", err);
	return buf;
}
