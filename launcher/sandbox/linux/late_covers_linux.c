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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/linux/late_covers.h"
#include "sandbox/linux/plan_linux.h"
#include "sandbox/quarantine.h"
#include "sandbox/repo_review.h"

/* IN_CLOSE_WRITE: a git config or hook written in place (repo_review.h); other writes are only looked at by name. */
#define WATCH_MASK (IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK)
#define MAX_WATCHES 65536
/* Directories waiting for a walk; a flood of new directories beyond this becomes one full rescan instead (a walk
 * per directory, deduplicated by a linear search, would cost more than the rescan). */
#define MAX_PENDING 256
/* One call of guard_watch_handle works this long at most, give or take one walk, before the caller's loop gets to
 * its children again: the command's end is noticed within that, whatever the backlog. */
#define SLICE_MS 50
/* At the end, notifications still queued beyond this many bytes (~1,000 events) are not replayed one by one: one
 * walk of the roots finds the same, in a time set by the project's size rather than by the flood's. */
#define FINISH_REPLAY_MAX (32 * 1024)

struct guard_file_id {
	dev_t dev;
	ino_t ino;
};

struct guard_watch {
	const struct guard_plan *plan;
	int fd;
	/* What the caller polls: the inotify instance and `kick`, readable while work is left over from a bounded
	 * call of guard_watch_handle (the caller's loop must get to its children between rounds). */
	int epfd, kick;
	int cover[2];    /* O_PATH: file source, directory source */
	dev_t cover_dev; /* an entry on this device is a cover already */
	char **dirs;     /* watch descriptor → directory path */
	size_t ndirs;
	bool full;
	/* Protected entries present before the command started (the first walk): everything else protected that a
	 * walk finds later was made during the session. Sorted once the first walk is done. */
	struct guard_file_id *known;
	size_t nknown, capknown;
	/* Directories that arrived (created or moved in) and still need a walk, each path once: renaming a big
	 * directory back and forth costs one walk per round of events, not one per rename. */
	char **pending;
	size_t npending;
	bool rescan; /* the queue overflowed (or too many directories arrived): walk every root again */
	bool failed; /* a protected arrival could be neither moved aside nor removed: the session must end */
	struct guard_git_notes *git; /* git directories and rebase todo lists made or changed, for the end */
	/* Git files (configs, hooks) present at the start, with their mtime and size: the review leaves one alone
	 * while it is unchanged (a full rescan notes every git file it meets, the user's own included). */
	struct git_file {
		dev_t dev;
		ino_t ino;
		struct timespec mtime;
		off_t size;
	} * git_files;
	size_t ngit_files, capgit_files;
};

static int id_cmp(const void *a, const void *b)
{
	const struct guard_file_id *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static void remember(struct guard_watch *w, const struct stat *st)
{
	if (w->nknown == w->capknown) {
		w->capknown = w->capknown * 2 + 64;
		w->known = guard_xrealloc(w->known, w->capknown * sizeof *w->known);
	}
	w->known[w->nknown++] = (struct guard_file_id){st->st_dev, st->st_ino};
}

static bool known_at_start(const struct guard_watch *w, const struct stat *st)
{
	struct guard_file_id id = {st->st_dev, st->st_ino};
	return w->nknown && bsearch(&id, w->known, w->nknown, sizeof id, id_cmp);
}

static void say(const char *msg, int n)
{
	if (n > 0) {
		ssize_t unused = write(2, msg, (size_t)n);
		(void)unused;
	}
}

/* Rename a protected path that appeared during the session out of git's (and guard's) way, and say so. Fails
 * closed: what cannot be moved aside is removed, and what cannot be removed either ends the session (w->failed),
 * so that nothing planted stays where a tool outside would obey it. */
static void quarantine(struct guard_watch *w, const char *path, const struct guard_image_rule *r)
{
	const struct guard_image *img = &w->plan->image;
	char msg[1400];
	int n, move_err;
	char *aside = guard_move_aside(path);
	move_err = errno;
	if (aside) {
		n = snprintf(msg, sizeof msg,
			     "guard: moved %s aside to %s: it appeared during the session but files.protect \"%s\" "
			     "(%s:%u:%u) keeps it read-only (git or another tool would obey it outside the sandbox)\n",
			     path, aside, guard_image_str(img, r->written), guard_image_str(img, r->file), r->line,
			     r->col);
		free(aside);
	} else if (guard_remove_tree(path) == 0) {
		n = snprintf(msg, sizeof msg,
			     "guard: removed %s: it appeared during the session but is protected by \"%s\" "
			     "(%s:%u), and moving it aside failed (%s)\n",
			     path, guard_image_str(img, r->written), guard_image_str(img, r->file), r->line,
			     strerror(move_err));
	} else {
		n = snprintf(
			msg, sizeof msg,
			"guard: %s appeared during the session but is protected by \"%s\" (%s:%u), "
			"and it could be neither moved aside nor removed (%s): ending the session; remove it before "
			"using git here\n",
			path, guard_image_str(img, r->written), guard_image_str(img, r->file), r->line,
			strerror(move_err));
		w->failed = true;
	}
	say(msg, n < (int)sizeof msg ? n : (int)sizeof msg - 1);
}

enum descent { NO_DESCENT, DESCEND_CLEAR, DESCEND_FULL };

/* Git directories: those there at the start are remembered (by inode, like protected entries), what is made or
 * changed later is noted for the review at the end. */
static void note_git(struct guard_watch *w, const char *path, bool is_dir, bool late)
{
	const char *slash = strrchr(path, '/');
	char *parent = slash ? strndup(path, (size_t)(slash - path)) : NULL;
	if (parent && guard_git_name(parent, slash + 1)) {
		char *gitdir;
		struct stat st;
		if (late)
			guard_git_note(&w->git, path, is_dir);
		else if ((gitdir = guard_git_dir_of_start_entry(path, is_dir))) {
			if (stat(gitdir, &st) == 0)
				remember(w, &st);
			free(gitdir);
		}
		if (!late && !is_dir && lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (w->ngit_files == w->capgit_files) {
				w->capgit_files = w->capgit_files * 2 + 16;
				w->git_files = guard_xrealloc(w->git_files, w->capgit_files * sizeof *w->git_files);
			}
			w->git_files[w->ngit_files++] = (struct git_file){st.st_dev, st.st_ino, st.st_mtim, st.st_size};
		}
	}
	free(parent);
}

/* `late`: the walk runs after the command started; a protected entry it finds that was not there before (not
 * known_at_start) was made during the session. Before that, protected paths are read-only already (mounts or
 * Landlock) and only denied ones can still need a cover; the protected ones are remembered. Returns whether to
 * walk the directory `path`, and how: DESCEND_FULL below a protected directory, whose entries inherit its rule. */
static enum descent cover_if_denied(struct guard_watch *w, const char *path, bool late)
{
	struct stat st;
	int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return NO_DESCENT;
	}
	bool is_dir = S_ISDIR(st.st_mode);
	enum descent next = NO_DESCENT;
	if (st.st_dev == w->cover_dev) {
		close(fd);
		return NO_DESCENT;
	}
	note_git(w, path, is_dir, late);
	const struct guard_image_rule *r = guard_image_decide(&w->plan->image, GUARD_DENY, path, is_dir);
	const struct guard_image_rule *p = guard_image_decide(&w->plan->image, GUARD_PROTECT, path, is_dir);
	if (p && late && !known_at_start(w, &st)) {
		/* Something protected appeared after launch (a hook, a commondir, a config git will obey outside):
		 * what nobody may write, nobody may create either. Move it aside before anything outside uses it.
		 * Also when it is denied too (.npmrc): a cover would hide the plant inside and leave it outside. */
		quarantine(w, path, p);
	} else if (r && w->cover[0] >= 0 && (S_ISREG(st.st_mode) || is_dir)) {
		guard_cover_fd(fd, w->cover[is_dir ? 1 : 0]);
	} else if (p) {
		if (!late)
			remember(w, &st);
		next = is_dir && !r ? DESCEND_FULL : NO_DESCENT;
	} else if (is_dir) {
		next = DESCEND_CLEAR;
	}
	close(fd);
	return next;
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
 * directory, for deny and protect, so only the file itself is left to ask. Protected files are looked at in the
 * first walk too: they are remembered as present at the start. */
static bool file_may_need_action(struct guard_watch *w, const char *path, bool clear)
{
	const struct guard_image *img = &w->plan->image;
	const struct guard_image_rule *(*decide)(const struct guard_image *, enum guard_rule_kind, const char *, bool) =
		clear ? guard_image_decide_entry : guard_image_decide;
	return decide(img, GUARD_DENY, path, false) || decide(img, GUARD_PROTECT, path, false);
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
		if (e->d_type == DT_REG && !file_may_need_action(w, p, clear) && !guard_git_name(root, e->d_name)) {
			free(p);
			continue;
		}
		enum descent next = cover_if_denied(w, p, late);
		if (next != NO_DESCENT)
			watch_tree(w, p, late, next == DESCEND_CLEAR);
		free(p);
	}
	closedir(d);
}

static bool root_is_clear(const struct guard_watch *w, const char *root)
{
	const struct guard_image *img = &w->plan->image;
	return !guard_image_decide(img, GUARD_DENY, root, true) && !guard_image_decide(img, GUARD_PROTECT, root, true);
}

static void walk_roots(struct guard_watch *w, bool late)
{
	for (size_t i = 0; i < w->plan->scan_roots.n; i++)
		watch_tree(w, w->plan->scan_roots.v[i], late, root_is_clear(w, w->plan->scan_roots.v[i]));
}

/* A directory that arrived, to walk once the notifications at hand are read (its path once, however often it
 * came and went meanwhile); too many of them: one rescan instead. */
static void queue_dir(struct guard_watch *w, const char *path)
{
	if (w->rescan)
		return;
	for (size_t i = 0; i < w->npending; i++)
		if (!strcmp(w->pending[i], path))
			return;
	if (w->npending == MAX_PENDING) {
		w->rescan = true;
		return;
	}
	if (!w->pending)
		w->pending = guard_xrealloc(NULL, MAX_PENDING * sizeof *w->pending);
	w->pending[w->npending++] = guard_xstrdup(path);
}

static void drop_pending(struct guard_watch *w)
{
	for (size_t i = 0; i < w->npending; i++)
		free(w->pending[i]);
	w->npending = 0;
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Read the notifications at hand, until `deadline` (a flood from a process still running would never let the
 * queue run dry; what is left keeps the descriptor readable); false when there was none. */
static bool read_events(struct guard_watch *w, long long deadline)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool any = false;
	for (;;) {
		if (any && now_ms() >= deadline)
			return any;
		ssize_t n = read(w->fd, buf, sizeof buf);
		if (n <= 0)
			return any;
		any = true;
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			p += sizeof *ev + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				/* Notifications were lost: anything may have arrived anywhere. */
				w->rescan = true;
				continue;
			}
			if (w->rescan || ev->wd < 0 || (size_t)ev->wd >= w->ndirs || !w->dirs[ev->wd] || !ev->len)
				continue;
			if ((ev->mask & IN_CLOSE_WRITE) && !guard_git_name(w->dirs[ev->wd], ev->name))
				continue; /* a file written in place: only a git one matters, and it was seen arriving */
			char *path = guard_path_join(w->dirs[ev->wd], ev->name);
			if (ev->mask & IN_CLOSE_WRITE) {
				guard_git_note(&w->git, path, false);
				free(path);
				continue;
			}
			if (cover_if_denied(w, path, true) != NO_DESCENT)
				queue_dir(w, path); /* a new directory may already hold files */
			free(path);
		}
	}
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
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->kick = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct epoll_event in = {.events = EPOLLIN, .data.fd = w->fd}, kick = {.events = EPOLLIN, .data.fd = w->kick};
	if (w->fd < 0 || w->epfd < 0 || w->kick < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->fd, &in) != 0 ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->kick, &kick) != 0) {
		if (w->epfd >= 0)
			close(w->epfd);
		if (w->kick >= 0)
			close(w->kick);
		if (w->fd >= 0 && w->fd != inherited_fd)
			close(w->fd);
		free(w);
		return NULL;
	}
	/* The first walk runs before the command is released (sandbox_linux.c): whatever it finds was there
	 * before anything in the sandbox could write. */
	walk_roots(w, false);
	if (w->nknown)
		qsort(w->known, w->nknown, sizeof *w->known, id_cmp);
	return w;
}

int guard_watch_fd(const struct guard_watch *w)
{
	return w ? w->epfd : -1;
}

/* One round: the notifications at hand, then a rescan or the walks they asked for, the walks until `deadline`
 * (what is left stays pending for the next round). False: nothing was left. */
static bool watch_round(struct guard_watch *w, long long deadline)
{
	if (!read_events(w, deadline) && !w->rescan && !w->npending)
		return false;
	if (w->rescan) {
		/* Lost notifications: walk everything again before anything else proceeds. */
		w->rescan = false;
		drop_pending(w);
		walk_roots(w, true);
		return true;
	}
	/* Walk what arrived; what arrives meanwhile is read in the next round. */
	size_t n = w->npending;
	char **dirs = w->pending;
	w->pending = NULL;
	w->npending = 0;
	size_t i = 0;
	for (; i < n && (i == 0 || now_ms() < deadline); i++) {
		/* A directory neither denied nor protected (cover_if_denied covered or moved aside those) leaves only
		 * its entries' own names to judge, as for a root. */
		watch_tree(w, dirs[i], true, root_is_clear(w, dirs[i]));
		free(dirs[i]);
	}
	/* Out of time: the rest waits, still before anything that arrives later (nothing was queued meanwhile). */
	for (; i < n; i++)
		queue_dir(w, dirs[i]), free(dirs[i]);
	free(dirs);
	return true;
}

#define ROUNDS_PER_CALL 16

int guard_watch_handle(struct guard_watch *w)
{
	if (!w)
		return 0;
	uint64_t v;
	ssize_t unused = read(w->kick, &v, sizeof v);
	(void)unused;
	int rounds = 0;
	long long deadline = now_ms() + SLICE_MS;
	while (watch_round(w, deadline))
		if (++rounds == ROUNDS_PER_CALL || now_ms() >= deadline) {
			/* A flood still going on: let the caller look at its children, and come back at once. */
			v = 1;
			unused = write(w->kick, &v, sizeof v);
			break;
		}
	return w->failed ? -1 : 0;
}

static bool git_dir_at_start(void *ctx, const char *dir)
{
	struct stat st;
	return stat(dir, &st) == 0 && known_at_start(ctx, &st);
}

static bool leave_alone(void *ctx, const char *path, bool is_dir)
{
	const struct guard_watch *w = ctx;
	struct stat st;
	if (guard_image_decide(&w->plan->image, GUARD_PROTECT, path, is_dir) ||
	    guard_image_decide(&w->plan->image, GUARD_DENY, path, is_dir))
		return true;
	if (is_dir || lstat(path, &st) != 0)
		return false;
	for (size_t i = 0; i < w->ngit_files; i++) {
		const struct git_file *f = &w->git_files[i];
		if (f->dev == st.st_dev && f->ino == st.st_ino)
			return f->size == st.st_size && f->mtime.tv_sec == st.st_mtim.tv_sec &&
			       f->mtime.tv_nsec == st.st_mtim.tv_nsec;
	}
	return false;
}

int guard_watch_finish(struct guard_watch *w)
{
	if (!w)
		return 0;
	/* Nothing in the sandbox runs any more: nothing new can be planted, only what is there is left to find. A
	 * short backlog is replayed; a long one (a flood, an overflow) is dropped for one walk of the roots, which
	 * finds every protected arrival and notes every git file the queue would have named. */
	int queued = 0;
	if (ioctl(w->fd, FIONREAD, &queued) != 0)
		queued = 0;
	if (w->rescan || queued > FINISH_REPLAY_MAX) {
		/* What was queued when we looked, no more: a process that escaped the end would keep it filling. */
		char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
		ssize_t n;
		for (long long left = queued; left > 0 && (n = read(w->fd, buf, sizeof buf)) > 0; left -= n)
			;
		drop_pending(w);
		w->rescan = true;
	}
	/* The replay, or the walk; then what moving aside itself made arrive (a few renames). Bounded all the same
	 * (only a process that outlived the session, in Landlock-only mode, could keep notifications coming): what
	 * the rounds leave, one walk of the roots finds. */
	long long deadline = now_ms() + 10 * SLICE_MS;
	for (int rounds = 0; rounds < ROUNDS_PER_CALL && watch_round(w, deadline); rounds++)
		;
	if (ioctl(w->fd, FIONREAD, &queued) != 0)
		queued = 0;
	if (w->rescan || w->npending || queued > 0) {
		w->rescan = false;
		drop_pending(w);
		walk_roots(w, true);
	}
	if (guard_git_notes_review(w->git, git_dir_at_start, leave_alone, w) != 0)
		w->failed = true;
	guard_git_notes_free(w->git);
	w->git = NULL;
	return w->failed ? -1 : 0;
}

void guard_watch_free(struct guard_watch *w)
{
	if (!w)
		return;
	close(w->fd);
	close(w->epfd);
	close(w->kick);
	for (size_t i = 0; i < w->ndirs; i++)
		free(w->dirs[i]);
	free(w->dirs);
	drop_pending(w);
	free(w->pending);
	free(w->known);
	free(w->git_files);
	guard_git_notes_free(w->git);
	free(w);
}
