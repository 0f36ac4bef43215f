/* Reading a policy image file (image_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/guard.h"
#include "lib/image_file.h"

int guard_image_read(const char *path, struct guard_image *img, void **bufp, char *why, size_t whylen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (size_t)st.st_size > GUARD_IMAGE_MAX_SIZE) {
		snprintf(why, whylen, "%s: not a policy image", path);
		close(fd);
		return -1;
	}
	size_t len = (size_t)st.st_size, got = 0;
	/* guard_image_load wants 8-byte alignment: the image is read, not mapped, so say so explicitly. */
	char *buf = aligned_alloc(8, (len + 7) & ~(size_t)7);
	if (!buf)
		guard_die(NULL, "out of memory");
	while (got < len) {
		ssize_t k = read(fd, buf + got, len - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	if (got != len || guard_image_load(img, buf, len) != 0) {
		snprintf(why, whylen, "%s: not a valid policy image (version %d expected)", path, GUARD_IMAGE_VERSION);
		free(buf);
		return -1;
	}
	*bufp = buf;
	return 0;
}
