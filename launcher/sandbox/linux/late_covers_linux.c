/* Secrets and protected paths that appear after launch. Covers are taken when the sandbox starts; a `.env` the user (or any process
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

#include "sandbox/linux/late_covers.h"
#include "sandbox/linux/plan_linux.h"

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

/* Rename a protected path that appeared during the session out of git's (and guard's) way, and say so. */
static void quarantine(struct guard_watch *w, const char *path, const struct guard_image_rule *r)
{
	const struct guard_image *img = &w->plan->image;
	char *aside = guard_xasprintf("%s.guard-blocked-%d", path, (int)getpid());
	char msg[1024];
	int n;
	if (rename(path, aside) == 0)
		n = snprintf(msg, sizeof msg,
			     "guard: moved %s aside to %s: it appeared during the session but files.protect \"%s\" "
			     "(%s:%u:%u) keeps it read-only (git would obey it outside the sandbox)\n",
			     path, aside, guard_image_str(img, r->written), guard_image_str(img, r->file), r->line, r->col);
	else
		n = snprintf(msg, sizeof msg, "guard: %s appeared during the session but is protected by \"%s\" "
			     "(%s:%u), and moving it aside failed: %s — remove it before using git here\n",
			     path, guard_image_str(img, r->written), guard_image_str(img, r->file), r->line, strerror(errno));
	if (n > 0) {
		ssize_t unused = write(2, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
		(void)unused;
	}
	free(aside);
}

/* `late`: the entry appeared after launch (an event, or inside a directory that did); at launch, protected paths
 * are read-only mounts already and only denied ones can still need a cover. */
static void cover_if_denied(struct guard_watch *w, const char *path, bool late, bool *descend)
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
	const struct guard_image_rule *p = r ? NULL : guard_image_decide(&w->plan->image, GUARD_PROTECT, path, is_dir);
	if (r && w->cover[0] >= 0 && (S_ISREG(st.st_mode) || is_dir)) {
		guard_cover_fd(fd, w->cover[is_dir ? 1 : 0]);
	} else if (p && late) {
		/* Something protected appeared after launch (a hook, a commondir, a config git will obey outside):
		 * what nobody may write, nobody may create either. Move it aside before anything outside uses it. */
		quarantine(w, path, p);
	} else if (is_dir) {
		*descend = true;
	}
	close(fd);
}

static void watch_tree(struct guard_watch *w, const char *root, bool late, bool clear);

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

/* Whether cover_if_denied may have anything to do with the regular file `path`, judged by its name alone (most
 * entries are files the policy allows: no need to open them). `clear`: guard_image_decide said no for the file's
 * directory (for protect too when `late`), so only the file itself is left to ask. */
static bool file_may_need_action(struct guard_watch *w, const char *path, bool late, bool clear)
{
	const struct guard_image *img = &w->plan->image;
	const struct guard_image_rule *(*decide)(const struct guard_image *, enum guard_rule_kind, const char *, bool) =
		clear ? guard_image_decide_entry : guard_image_decide;
	return decide(img, GUARD_DENY, path, false) || (late && decide(img, GUARD_PROTECT, path, false));
}

/* Watch `root` and everything below; anything denied found on the way (created between the launch scan and
 * the watch) is covered now. `clear`: as for file_may_need_action, about `root`. */
static void watch_tree(struct guard_watch *w, const char *root, bool late, bool clear)
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
		/* (A file turned into a directory since readdir is reported by the watch already on `root`.) */
		if (e->d_type == DT_REG && !file_may_need_action(w, p, late, clear)) {
			free(p);
			continue;
		}
		bool descend;
		cover_if_denied(w, p, late, &descend);
		if (descend)
			watch_tree(w, p, late, true);
		free(p);
	}
	closedir(d);
}

/* The inotify instance is made by the supervisor before the clone, and init inherits it. Whoever closes an
 * instance that had watches last waits while the kernel frees the marks (an SRCU grace period: 10-20 ms); were
 * that init's exit, guard would wait for it at the end of every run. The supervisor's reference goes to a
 * throwaway child instead (guard_watch_release). */
static int inherited_fd = -1;

void guard_watch_prepare(const struct guard_plan *plan)
{
	if (plan->scan_roots.n && inherited_fd < 0)
		inherited_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
}

void guard_watch_release(void)
{
	int fd = inherited_fd, gate[2];
	inherited_fd = -1;
	if (fd < 0)
		return;
	pid_t pid = pipe2(gate, O_CLOEXEC) == 0 ? fork() : -1;
	if (pid == 0) {
		/* Keep only the instance and the gate (nobody may wait for this child's end of a pipe), wait until the
		 * supervisor's copy is gone, and drop the last reference on the way out. */
		int lo = fd < gate[0] ? fd : gate[0], hi = fd < gate[0] ? gate[0] : fd;
		char c;
		for (int i = 0; i < lo; i++)
			close(i);
		if (hi > lo + 1)
			close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
		close_range((unsigned)hi + 1, ~0U, 0);
		if (read(gate[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(fd);
	if (pid > 0) {
		close(gate[0]);
		close(gate[1]);
	}
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
	w->cover_dev = cover_fds[0] >= 0 && fstat(cover_fds[0], &st) == 0 ? st.st_dev : (dev_t)-1;
	w->fd = inherited_fd >= 0 ? inherited_fd : inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0) {
		free(w);
		return NULL;
	}
	for (size_t i = 0; i < plan->scan_roots.n; i++)
		watch_tree(w, plan->scan_roots.v[i], false,
			   !guard_image_decide(&plan->image, GUARD_DENY, plan->scan_roots.v[i], true));
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
			cover_if_denied(w, path, true, &descend);
			if (descend)
				watch_tree(w, path, true, true); /* a new directory may already hold files */
			free(path);
		}
	}
}

void guard_watch_free(struct guard_watch *w)
{
	if (!w)
		return;
	close(w->fd);
	for (size_t i = 0; i < w->ndirs; i++)
		free(w->dirs[i]);
	free(w->dirs);
	free(w);
}
