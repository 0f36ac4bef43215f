/* Whole files in and out, for everything guard reads or writes that a person edits (policies, the trust store):
 * read bounded and without hanging on a planted FIFO; written through a finished temporary file, rename and a
 * directory fsync, so a crash leaves the old content or the new, never half a file and never an update undone. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guard/policy.h"
#include "lib/fileio.h"
#include "lib/guard.h"

int guard_read_file(const char *path, size_t max, char **buf, size_t *len)
{
	/* O_NONBLOCK: a FIFO planted under the policy's name must not hang the launcher. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 1 : -1;
	struct stat st;
	char *b = NULL;
	int e = 0;
	if (fstat(fd, &st) < 0)
		e = errno;
	else if (S_ISDIR(st.st_mode))
		e = EISDIR;
	else if (!S_ISREG(st.st_mode))
		e = EINVAL;
	else if ((size_t)st.st_size > max)
		e = EFBIG;
	if (e)
		goto fail;
	size_t cap = (size_t)st.st_size + 1, n = 0;
	b = malloc(cap + 1);
	if (!b) {
		e = ENOMEM;
		goto fail;
	}
	/* Read to EOF rather than trusting st_size: the file may change under us; what we hash is what we parse. */
	for (;;) {
		if (n == cap) {
			if (cap > max) {
				e = EFBIG;
				goto fail;
			}
			char *nb = realloc(b, 2 * cap + 1);
			if (!nb) {
				e = ENOMEM;
				goto fail;
			}
			b = nb;
			cap *= 2;
		}
		ssize_t got = read(fd, b + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			e = errno;
			goto fail;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (n > max) {
		e = EFBIG;
		goto fail;
	}
	close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
fail:
	free(b);
	close(fd);
	errno = e;
	return -1;
}

int guard_config_dir(char *out, size_t len)
{
	const char *x = getenv("XDG_CONFIG_HOME");
	int n;
	/* The XDG spec says a relative value is invalid and must be ignored. */
	if (x && x[0] == '/') {
		n = snprintf(out, len, "%s/guard", x);
	} else {
		const char *home = getenv("HOME");
		if (!home || home[0] != '/') {
			struct passwd *pw = getpwuid(getuid());
			home = pw ? pw->pw_dir : NULL;
		}
		if (!home || home[0] != '/')
			return -1;
		n = snprintf(out, len, "%s/.config/guard", home);
	}
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

char *guard_state_dir(void)
{
	const char *x = getenv("XDG_STATE_HOME");
	if (x && x[0] == '/')
		return guard_path_join(x, "guard");
	const char *h = getenv("HOME");
	if (!h || h[0] != '/') {
		struct passwd *pw = getpwuid(getuid());
		h = pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : "/";
	}
	return guard_path_join(h, ".local/state/guard");
}

static int write_all(int fd, const char *data, size_t len)
{
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

/* A finished temporary file in path's directory: 0 with *tmp (malloc'd) and the fd closed, or -1 with errno. */
static int write_temp(const char *path, const char *data, size_t len, const struct stat *like, mode_t mode, char **tmp)
{
	*tmp = guard_xasprintf("%s.guard-XXXXXX", path);
	int fd = mkstemp(*tmp);
	if (fd < 0)
		return -1;
	int e = 0;
	if (write_all(fd, data, len) < 0 || fchmod(fd, like ? like->st_mode & 07777 : mode) < 0)
		e = errno;
	/* root editing someone's project file: the file stays theirs. */
	if (!e && like && geteuid() == 0 && fchown(fd, like->st_uid, like->st_gid) < 0)
		e = errno;
	if (!e && fsync(fd) < 0)
		e = errno;
	if (close(fd) < 0 && !e)
		e = errno;
	if (e) {
		unlink(*tmp);
		errno = e;
		return -1;
	}
	return 0;
}

static void sync_dir(const char *path)
{
	char *dir = guard_xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

int guard_write_atomic(const char *path, const char *data, size_t len, mode_t mode, bool make_dir,
		       struct guard_error *err)
{
	char real[PATH_MAX];
	struct stat st;
	/* A symlinked config (dotfiles managers) is updated where it lives, and stays a link. */
	const char *target = realpath(path, real) ? real : path;
	bool exists = stat(target, &st) == 0;
	if (make_dir && !exists) {
		char *dir = guard_xstrdup(target);
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			if (guard_mkdir_p(dir, 0700) < 0) {
				guard_error_set(err, dir, 0, 0, "check the permissions of its parent",
						"cannot create: %s", strerror(errno));
				free(dir);
				return -1;
			}
		}
		free(dir);
	}
	char *tmp;
	int rc = write_temp(target, data, len, exists ? &st : NULL, mode, &tmp);
	if (rc == 0 && rename(tmp, target) < 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		rc = -1;
	}
	if (rc < 0)
		guard_error_set(err, target, 0, 0, "check the permissions and free space of its directory",
				"cannot write: %s", strerror(errno));
	else
		sync_dir(target);
	free(tmp);
	return rc;
}

int guard_create_exclusive(const char *path, const char *data, size_t len, struct guard_error *err)
{
	char *tmp;
	if (write_temp(path, data, len, NULL, 0644, &tmp) < 0) {
		guard_error_set(err, path, 0, 0, "check the permissions of its directory", "cannot write: %s",
				strerror(errno));
		free(tmp);
		return -1;
	}
	int rc = link(tmp, path), e = errno;
	unlink(tmp);
	free(tmp);
	if (rc == 0) {
		sync_dir(path);
		return 0;
	}
	if (e == EEXIST)
		return 1;
	guard_error_set(err, path, 0, 0, "check the permissions of its directory", "cannot create: %s", strerror(e));
	return -1;
}
