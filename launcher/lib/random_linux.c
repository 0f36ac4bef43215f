/* getrandom(2): no file descriptor, so it works inside any sandbox and after RLIMIT_NOFILE is reached. */
#include <errno.h>
#include <sys/random.h>

#include "lib/random.h"

int guard_random_bytes(void *buf, size_t n, bool wait)
{
	unsigned char *p = buf;
	while (n) {
		ssize_t k = getrandom(p, n, wait ? 0 : GRND_NONBLOCK);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k, n -= (size_t)k;
	}
	return 0;
}
