/* Secrets that appear after launch. Covers are taken when the sandbox starts; a `.env` the user (or any process
 * outside) creates or moves into the project later would otherwise be readable. The sandbox's init, which still
 * holds its capabilities in the sandbox's namespaces, watches the trees where name patterns apply and covers
 * every new entry the policy denies, the same way as at launch.
 *
 * This narrows the window to the few milliseconds between creation and cover; it cannot close it (a reader
 * racing the creation can win). Secrets created before launch never have a window. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "late_covers.h"

#define WATCH_MASK (IN_CREATE | IN_MOVED_TO | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK)
#define MAX_WATCHES 65536

struct guard_watch {
	const struct guard_plan *plan;
	int fd;
	int cover[2]; /* O_PATH: file source, directory source */
	dev_t cover_dev; /* an entry on this device is a cover already */
	char **dirs;  /* watch descriptor → directory path */
	size_t ndirs;
	bool full;
};

static void cover_if_denied(struct guard_watch *w, const char *path, bool *descend)
{
	struct stat st;
	*descend = false;
	int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return;
	}
	bool is_dir = S_ISDIR(st.st_mode);
	if (st.st_dev == w->cover_dev) {
		close(fd);
		return;
	}
	const struct guard_image_rule *r = guard_image_decide(&w->plan->image, GUARD_DENY, path, is_dir);
	if (r && (S_ISREG(st.st_mode) || is_dir))
		guard_cover_fd(fd, w->cover[is_dir ? 1 : 0]);
	else if (is_dir)
		*descend = true;
	close(fd);
}

static void watch_tree(struct guard_watch *w, const char *root);

static void add_dir(struct guard_watch *w, const char *dir)
{
	if (w->full)
		return;
	int wd = inotify_add_watch(w->fd, dir, WATCH_MASK);
	if (wd < 0) {
		if (errno == ENOSPC)
			w->full = true;
		return;
	}
	if ((size_t)wd >= w->ndirs) {
		size_t n = (size_t)wd * 2 + 64;
		w->dirs = guard_xrealloc(w->dirs, n * sizeof *w->dirs);
		memset(w->dirs + w->ndirs, 0, (n - w->ndirs) * sizeof *w->dirs);
		w->ndirs = n;
	}
	free(w->dirs[wd]);
	w->dirs[wd] = guard_xstrdup(dir);
	if ((size_t)wd >= MAX_WATCHES)
		w->full = true;
}

/* Watch `root` and everything below; anything denied found on the way (created between the launch scan and
 * the watch) is covered now. */
static void watch_tree(struct guard_watch *w, const char *root)
{
	add_dir(w, root);
	DIR *d = opendir(root);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN && e->d_type != DT_REG)
			continue;
		char *p = guard_path_join(root, e->d_name);
		bool descend;
		cover_if_denied(w, p, &descend);
		if (descend)
			watch_tree(w, p);
		free(p);
	}
	closedir(d);
}

struct guard_watch *guard_watch_start(const struct guard_plan *plan, const int cover_fds[2])
{
	if (!plan->scan_roots.n)
		return NULL;
	struct guard_watch *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->plan = plan;
	w->cover[0] = cover_fds[0];
	w->cover[1] = cover_fds[1];
	struct stat st;
	w->cover_dev = fstat(cover_fds[0], &st) == 0 ? st.st_dev : 0;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0) {
		free(w);
		return NULL;
	}
	for (size_t i = 0; i < plan->scan_roots.n; i++)
		watch_tree(w, plan->scan_roots.v[i]);
	return w;
}

int guard_watch_fd(const struct guard_watch *w)
{
	return w ? w->fd : -1;
}

void guard_watch_handle(struct guard_watch *w)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof buf);
		if (n <= 0)
			return;
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			p += sizeof *ev + ev->len;
			if (ev->wd < 0 || (size_t)ev->wd >= w->ndirs || !w->dirs[ev->wd] || !ev->len)
				continue;
			char *path = guard_path_join(w->dirs[ev->wd], ev->name);
			bool descend;
			cover_if_denied(w, path, &descend);
			if (descend)
				watch_tree(w, path); /* a new directory may already hold files */
			free(path);
		}
	}
}
