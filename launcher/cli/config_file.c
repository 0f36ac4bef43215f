/* Reading and writing the policy files the management commands edit. A policy file is what the next run is
 * made of: it is never left half-written (temporary file + rename), never replaced by something that does not
 * load (the editor checks that), and an existing file that does not load is not touched at all. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/config_file.h"
#include "lib/guard.h"

#define MAX_POLICY_BYTES (4u << 20)


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
static int write_temp(const char *path, const char *data, size_t len, const struct stat *like, char **tmp)
{
	*tmp = guard_xasprintf("%s.guard-XXXXXX", path);
	int fd = mkstemp(*tmp);
	if (fd < 0)
		return -1;
	int e = 0;
	if (write_all(fd, data, len) < 0 || fchmod(fd, like ? like->st_mode & 07777 : 0644) < 0)
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

int guard_write_atomic(const char *path, const char *data, size_t len, bool make_dir, struct guard_error *err)
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
	int rc = write_temp(target, data, len, exists ? &st : NULL, &tmp);
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
	if (write_temp(path, data, len, NULL, &tmp) < 0) {
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

void guard_cfgfile_open(struct guard_cfgfile *f, const struct guard_options *o, bool global)
{
	char *cwd;
	memset(f, 0, sizeof *f);
	f->global = global;
	guard_locate(o, &f->home, &cwd, &f->project);
	free(cwd);
	if (global) {
		char dir[PATH_MAX];
		if (guard_config_dir(dir, sizeof dir) < 0)
			guard_die("set HOME or XDG_CONFIG_HOME", "cannot tell where the user config lives");
		f->path = guard_xasprintf("%s/config.yaml", dir);
	} else {
		f->path = guard_path_join(f->project, ".guard.yaml");
	}
	int rc = guard_read_file(f->path, MAX_POLICY_BYTES, &f->text, &f->len);
	if (rc < 0)
		guard_die_errno("fix its permissions, or move it away", "cannot read %s", f->path);
	f->exists = rc == 0;
	if (!f->exists) {
		f->text = guard_xstrdup("");
		f->len = 0;
		return;
	}
	struct guard_policy p;
	struct guard_error err;
	guard_policy_init(&p);
	if (guard_policy_parse_yaml(&p, f->path, f->text, f->len, global ? GUARD_SRC_USER : GUARD_SRC_PROJECT, NULL,
				    &err) < 0) {
		guard_error_print(&err);
		guard_die("fix the file first (guard edits only files that load)", "%s was left as it is", f->path);
	}
	guard_policy_free(&p);
}

void guard_cfgfile_close(struct guard_cfgfile *f)
{
	free(f->path);
	free(f->project);
	free(f->home);
	free(f->text);
	memset(f, 0, sizeof *f);
}
