/* State files copied into the private $HOME and saved back to the host (state_sync.h). Runs in the sandbox's
 * init, which is outside Landlock and holds capabilities in its namespaces; everything it reads from the private
 * home was written by the sandbox: opened without following links, a regular file only, size bounded. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/mount.h>

#include "lib/guard.h"
#include "sandbox/linux/state_sync.h"

#define STATE_MAX_BYTES (64u << 20) /* a state file larger than this is not saved (said on stderr) */

struct state_entry {
	char *path;   /* as the sandbox sees it, in the private home */
	char *name;   /* its last component */
	int host_dir; /* detached clone of the host's directory holding it */
	int wd;       /* inotify watch of its directory in the private home */
	mode_t mode;  /* permissions of the host's file, kept when it is saved */
	bool dirty;   /* changed since it was last saved */
};

struct guard_state_sync {
	struct state_entry *v;
	size_t n;
	int inotify;
};

struct guard_state_sync *guard_state_sync_new(void)
{
	struct guard_state_sync *s = guard_xmalloc(sizeof *s);
	memset(s, 0, sizeof *s);
	s->inotify = -1;
	return s;
}

int guard_state_sync_open(struct guard_state_sync *s, const char *path, char *why, size_t whylen)
{
	char *dir = guard_xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (!slash || !slash[1]) {
		snprintf(why, whylen, "state file %s: not a file path", path);
		free(dir);
		return -1;
	}
	*slash = 0;
	/* Recursive: a clone of only part of a tree the host mounted into is refused when mounts sit below it. */
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, dir[0] ? dir : "/",
			      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	free(dir);
	if (fd < 0) {
		snprintf(why, whylen, "keeping the directory of %s to save it back: %s", path, strerror(errno));
		return -1;
	}
	s->v = guard_xreallocarray(s->v, s->n + 1, sizeof *s->v);
	struct state_entry *e = &s->v[s->n];
	e->path = guard_xstrdup(path);
	e->name = guard_xstrdup(strrchr(path, '/') + 1);
	e->host_dir = fd;
	e->wd = -1;
	e->dirty = false;
	struct stat st;
	e->mode = fstatat(fd, e->name, &st, 0) == 0 ? st.st_mode & 0777 : 0600;
	return (int)s->n++;
}

/* Copy from one descriptor to another, at most STATE_MAX_BYTES. 0, or -1 (errno; EFBIG when too large). */
static int copy_fd(int from, int to)
{
	char buf[65536];
	size_t total = 0;
	for (;;) {
		ssize_t n = read(from, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (int)n;
		if ((total += (size_t)n) > STATE_MAX_BYTES) {
			errno = EFBIG;
			return -1;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(to, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return -1;
			off += w;
		}
	}
}

/* mkdir -p of the file's directory inside the private home (a state file may sit below hidden directories). */
static int make_parents(const char *path)
{
	char *p = guard_xstrdup(path);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	free(p);
	return 0;
}

int guard_state_sync_copy_in(struct guard_state_sync *s, int idx, char *why, size_t whylen)
{
	struct state_entry *e = &s->v[idx];
	if (make_parents(e->path) != 0) {
		snprintf(why, whylen, "making the directory of %s in the private home: %s", e->path, strerror(errno));
		return -1;
	}
	/* The user's own file, as the profile names it: a link to their dotfiles is followed, like a bind would. */
	int from = openat(e->host_dir, e->name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (from >= 0) {
		struct stat st;
		int to = -1;
		int rc = fstat(from, &st) == 0 && S_ISREG(st.st_mode) ? 0 : (errno = EINVAL, -1);
		if (rc == 0 && (to = open(e->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, e->mode)) < 0)
			rc = -1;
		if (rc == 0)
			rc = copy_fd(from, to);
		int err = errno;
		close(from);
		if (to >= 0)
			close(to);
		if (rc != 0) {
			snprintf(why, whylen, "copying %s into the private home: %s", e->path, strerror(err));
			return -1;
		}
	} else if (errno != ENOENT) {
		snprintf(why, whylen, "reading %s: %s", e->path, strerror(errno));
		return -1;
	}
	if (s->inotify < 0)
		s->inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	char *dir = guard_xstrdup(e->path);
	*strrchr(dir, '/') = 0;
	e->wd = s->inotify < 0 ? -1 : inotify_add_watch(s->inotify, dir[0] ? dir : "/", IN_CLOSE_WRITE | IN_MOVED_TO);
	free(dir);
	if (e->wd < 0) {
		snprintf(why, whylen, "watching %s to save it back: %s", e->path, strerror(errno));
		return -1;
	}
	return 0;
}

int guard_state_sync_fd(const struct guard_state_sync *s)
{
	return s ? s->inotify : -1;
}

/* The private copy back to the host, atomically: a temporary file beside the host's, renamed over it. */
static void save(struct state_entry *e)
{
	int from = open(e->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (from < 0 || fstat(from, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (from >= 0)
			close(from);
		return; /* removed, or replaced by something that is not a file: nothing to save */
	}
	/* init is pid 1 in every session: a random name keeps two sessions' saves apart. */
	char tmp[NAME_MAX + 1];
	unsigned long long r = 0;
	if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
		r = (unsigned long long)st.st_mtim.tv_nsec ^ (unsigned long long)st.st_ino;
	snprintf(tmp, sizeof tmp, ".%.200s.guard-%016llx", e->name, r);
	int to = openat(e->host_dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, e->mode);
	int rc = to < 0 ? -1 : copy_fd(from, to);
	if (rc == 0)
		rc = fsync(to);
	int err = errno;
	close(from);
	if (to >= 0)
		close(to);
	if (rc == 0 && renameat(e->host_dir, tmp, e->host_dir, e->name) == 0) {
		e->dirty = false;
		return;
	}
	err = rc == 0 ? errno : err;
	if (to >= 0)
		unlinkat(e->host_dir, tmp, 0);
	fprintf(stderr, "guard: could not save %s back to your home: %s\n", e->path, strerror(err));
}

void guard_state_sync_handle(struct guard_state_sync *s)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;
	while ((n = read(s->inotify, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			for (size_t i = 0; ev->len && i < s->n; i++)
				if (s->v[i].wd == ev->wd && strcmp(s->v[i].name, ev->name) == 0)
					s->v[i].dirty = true;
			p += sizeof *ev + ev->len;
		}
	}
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].dirty)
			save(&s->v[i]);
}

void guard_state_sync_flush(struct guard_state_sync *s)
{
	if (s && s->inotify >= 0)
		guard_state_sync_handle(s);
}
