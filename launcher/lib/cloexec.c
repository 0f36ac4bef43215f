/* The descriptor flags every platform sets the same way (cloexec.h). */
#include <fcntl.h>

#include "lib/cloexec.h"

void guard_fd_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK))
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}
