/* Moving aside under names nobody can guess: the sandbox could otherwise pre-create the target and make the
 * move fail (issue 13). What cannot be moved is removed; the caller decides what happens when neither works. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/fileio.h"
#include "lib/guard.h"
#include "lib/random.h"
#include "sandbox/quarantine.h"

char *guard_move_aside(const char *path)
{
	int err = EEXIST;
	for (int tries = 0; tries < 16 && err == EEXIST; tries++) {
		uint64_t r;
		if (guard_random_bytes(&r, sizeof r, true) != 0)
			return NULL;
		char *aside = guard_xasprintf("%s.guard-blocked-%016llx", path, (unsigned long long)r);
		if (guard_rename_noreplace(path, aside) == 0)
			return aside;
		err = errno;
		free(aside);
	}
	errno = err;
	return NULL;
}

static int remove_at(int at, const char *name, int depth)
{
	if (unlinkat(at, name, 0) == 0 || errno == ENOENT)
		return 0;
	if ((errno != EISDIR && errno != EPERM) || depth > 64) /* unlink(2) of a directory: EISDIR, or EPERM */
		return -1;
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && remove_at(dirfd(d), e->d_name, depth + 1))
			rc = -1;
	closedir(d);
	return rc == 0 && unlinkat(at, name, AT_REMOVEDIR) == 0 ? 0 : -1;
}

int guard_remove_tree(const char *path)
{
	return remove_at(AT_FDCWD, path, 0);
}

const char *guard_defuse(const char *path, char **aside)
{
	*aside = guard_move_aside(path);
	if (*aside)
		return *aside;
	int err = errno;
	if (guard_remove_tree(path) == 0)
		return "";
	errno = err;
	return NULL;
}
