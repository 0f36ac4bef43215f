/* Network: connect carries the magic (the observer watches it); bind and the send family call the real
 * function. All of them only record and explain: the network namespace is the boundary. Unix sockets are
 * recorded, never explained. */
#include <errno.h>

#include "shim_calls.h"
#include "shim_magic.h"
#include "shim_note.h"
#include "shim_real.h"
#include "shim_state.h"
#include "shim_sys.h"

int shim_connect_call(int fd, const struct sockaddr *sa, socklen_t len, enum shim_mode m)
{
	_Static_assert(SHIM_MAGIC_SLOT_CONNECT == 3, "the magic goes in the fourth argument");
	int saved = errno;
	long r = shim_sys6(SYS_connect, fd, (long)sa, len, (long)shim.magic, 0, 0);
	int err = shim_sys_failed(r) ? (int)-r : 0;
	if (m == SHIM_ON)
		shim_note_net(GUARD_OP_CONNECT, sa, len, err);
	errno = err ? err : saved;
	return err ? -1 : 0;
}

SHIM_EXPORT int connect(int a0, const struct sockaddr *a1, socklen_t a2)
{
	enum shim_mode m = shim_mode();
	if (m == SHIM_OFF)
		return SHIM_REAL(connect)(a0, a1, a2);
	return shim_connect_call(a0, a1, a2, m);
}

/* The real call, then a note when the call names an address. */
#define SHIM_GEN_NET(name, ret_, params_, args_, op_, addr_, addrlen_)                                                 \
	SHIM_DEFINE(ret_, name, params_)                                                                               \
	{                                                                                                              \
		if (shim_mode() != SHIM_ON)                                                                            \
			return SHIM_REAL(name) args_;                                                                  \
		ret_ r = SHIM_REAL(name) args_;                                                                        \
		int err_ = r < 0 ? errno : 0;                                                                          \
		/* EFAULT: the kernel could not read the arguments; neither can we */                                  \
		const struct sockaddr *sa_ = err_ == EFAULT ? NULL : (addr_);                                          \
		if (sa_)                                                                                               \
			shim_note_net(op_, sa_, (addrlen_), err_); /* keeps errno */                                   \
		return r;                                                                                              \
	}
#define SHIM_GEN_CUSTOM(...)
#define SHIM_X(gen, ...) SHIM_GEN_##gen(__VA_ARGS__)
SHIM_NET_TABLE(SHIM_X)
