/* Namespaces mode: the mount side of the boundary, run by the sandbox's init in its new mount namespace while it
 * still holds capabilities there. The plan's typed list (plan_linux.h) is the whole truth, sorted into the order
 * that matters: every host source is opened before anything covers it (prepare), then each operation runs in turn
 * (apply): tmpfs roots, granted trees bound back into them, placeholders, guard's own binds, cover sources, pins,
 * covers and read-only binds, exec stubs, and the read-only remounts last. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "plan/dir_entries.h"
#include "sandbox/linux/plan_linux.h"
#include "sandbox/linux/state_sync.h"

/* Flags a remount must repeat: in a user namespace, nosuid/nodev/noexec/atime flags inherited from the host are
 * locked, and a remount that would clear them fails with EPERM. */
static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;
	if (statvfs(path, &sv) != 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

static int bind_readonly(const char *src, const char *dst, unsigned long extra)
{
	if (mount(src, dst, NULL, MS_BIND | extra, NULL) != 0)
		return -1;
	return mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | locked_flags(dst), NULL);
}

/* mkdir -p of the parents of `path` inside a fresh tmpfs, then the mount point itself. */
static int make_mount_point(const char *path, bool is_dir)
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
	if (is_dir)
		return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -1;
	int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno == EISDIR ? 0 : -1;
	close(fd);
	return 0;
}

/* A hidden name answers EACCES like any denied path, not ENOENT: an agent told "no such file" draws the wrong
 * conclusion, one told "permission denied" (and, with the shim, why) does not. The placeholders are empty and
 * mode 000, so they reveal only the names. A hidden directory is searchable (0111, not listable) and holds
 * placeholders of its own entries, so that what does not exist on the host answers ENOENT at any depth (git's
 * ~/.config/git/ignore, curl's ~/.config/curlrc: tools treat EACCES on optional config as an error), up to a
 * depth and a number of entries; below that a hidden directory is mode 000 (EACCES for everything in it).
 * The bounds are start-up time (issue 14): every name costs the sandbox's init a few calls before the command
 * runs, and a developer's home holds caches, toolchains and checkouts of tens of thousands of names, none of them
 * optional config a tool probes for. So names are mirrored four levels down (~/.config/TOOL/DIR/FILE), into a
 * directory only when it is small (its st_size, which grows with its entries on every file system: a big one is
 * a cache, a store or a checkout), and at most MIRROR_ENTRIES in all. */
#define MIRROR_DEPTH 3
#define MIRROR_DIR_BYTES 32768
#define MIRROR_ENTRIES 4096

struct mirror_dir {
	int src, dst; /* the host directory, and its placeholder in the private home (O_PATH) */
	int depth;
	size_t *budget;
};

/* One entry of a host directory: its placeholder, made relative to descriptors (a path walk per name was most of
 * this function's cost). An entry that exists already (granted, or made on the way to a granted entry) fails
 * with EEXIST and is left alone. */
static void mirror_entry(const char *name, unsigned char type, ino_t ino, void *ctx)
{
	(void)ino;
	struct mirror_dir *d = ctx;
	struct stat st;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return;
	bool is_dir = type == DT_DIR;
	if (type == DT_UNKNOWN)
		is_dir = fstatat(d->src, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
	if (!is_dir) {
		if (mknodat(d->dst, name, S_IFREG, 0) == 0 && *d->budget)
			(*d->budget)--;
		return;
	}
	int sub = d->depth < MIRROR_DEPTH && *d->budget
			  ? openat(d->src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
			  : -1;
	if (sub >= 0 && (fstat(sub, &st) != 0 || st.st_size > MIRROR_DIR_BYTES)) {
		close(sub);
		sub = -1;
	}
	if (mkdirat(d->dst, name, sub >= 0 ? 0111 : 0) == 0) {
		if (*d->budget)
			(*d->budget)--;
		int dsub = sub >= 0 ? openat(d->dst, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
		if (dsub >= 0) {
			struct mirror_dir below = {sub, dsub, d->depth + 1, d->budget};
			guard_dir_entries(sub, mirror_entry, &below);
			close(dsub);
		}
	}
	if (sub >= 0)
		close(sub);
}

static void mirror_names(int src_fd, const char *dir, size_t *budget)
{
	int dst = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0)
		return;
	struct mirror_dir top = {src_fd, dst, 0, budget};
	guard_dir_entries(src_fd, mirror_entry, &top);
	close(dst);
}

static bool under_writable_grant(const struct guard_plan *plan, const char *path)
{
	for (size_t i = 0; i < plan->os->grants.n; i++) {
		const struct guard_grant *g = &plan->os->grants.v[i];
		/* A private directory keeps only its own mount writable, never a tree bound back under it. */
		if (guard_grant_writable(g) &&
		    (g->private_dir ? strcmp(path, g->path) == 0 : guard_path_within(path, g->path)))
			return true;
	}
	return false;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
		    r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = 0;
}

/* Landlock cannot refuse chmod, chown, utimes or xattrs, and files a user (or root) owns stay theirs to change
 * wherever Landlock only grants reading. So every mount becomes read-only but the writable grants, which were
 * made mounts of their own first (GUARD_MNT_SELF_BIND). */
static int make_rest_readonly(const struct guard_plan *plan, char *why, size_t whylen)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[8192];
	if (!f) {
		snprintf(why, whylen, "reading /proc/self/mountinfo: %s", strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		char mnt[4096], opts[512];
		if (sscanf(line, "%*s %*s %*s %*s %4095s %511s", mnt, opts) != 2)
			continue;
		unescape_octal(mnt);
		if (strncmp(opts, "ro", 2) == 0 && (opts[2] == ',' || !opts[2]))
			continue;
		if (guard_path_within(mnt, "/proc") || under_writable_grant(plan, mnt))
			continue;
		if (mount(NULL, mnt, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | locked_flags(mnt), NULL) != 0 &&
		    errno != ENOENT && errno != EACCES) {
			snprintf(why, whylen, "making %s read-only: %s", mnt, strerror(errno));
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

/* After launch the sandbox is live: it could swap a path for a symlink between a check and a mount. So work on
 * descriptors only: clone the cover source into a detached mount, make it read-only, attach it onto the very
 * inode the caller opened (with O_NOFOLLOW). */
int guard_cover_fd(int target_fd, int cover_fd)
{
	int m = (int)syscall(SYS_open_tree, cover_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (m < 0)
		return -1;
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
	int rc = (int)syscall(SYS_mount_setattr, m, "", AT_EMPTY_PATH, &attr, sizeof attr);
	if (rc == 0)
		rc = (int)syscall(SYS_move_mount, m, "", target_fd, "",
				  MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
	int err = errno;
	close(m);
	errno = err;
	return rc;
}

/* One run of the list: each operation's source descriptor (opened in prepare; -1: none), and the cover sources
 * once made. */
struct mount_run {
	const struct guard_plan *plan;
	struct guard_state_sync *sync;
	int *fds;
	int *cover_fds;
	char cover_file[96], cover_dir[96];
	size_t mirror_budget; /* placeholders left to make (mirror_names) */
	int *state_idx;       /* STATE_COPY operations' entries in `sync`, in list order */
	size_t nstate, next_state;
};

#define OP_FAIL(...)                                                                                                   \
	do {                                                                                                           \
		snprintf(why, whylen, __VA_ARGS__);                                                                    \
		return -1;                                                                                             \
	} while (0)

static int open_rebind(struct mount_run *r, const struct guard_mount *m, int *fd, char *why, size_t whylen)
{
	(void)r;
	if ((*fd = open(m->path, O_PATH | O_CLOEXEC)) < 0)
		OP_FAIL("opening %s to bind it into the sandbox: %s", m->path, strerror(errno));
	return 0;
}

static int open_mirror(struct mount_run *r, const struct guard_mount *m, int *fd, char *why, size_t whylen)
{
	(void)r, (void)why, (void)whylen;
	*fd = open(m->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* gone: nothing to mirror */
	return 0;
}

static int open_src(struct mount_run *r, const struct guard_mount *m, int *fd, char *why, size_t whylen)
{
	(void)r;
	if ((*fd = open(m->src, O_PATH | O_CLOEXEC | (m->is_dir ? O_DIRECTORY : 0))) < 0)
		OP_FAIL("opening %s: %s", m->src, strerror(errno));
	return 0;
}

static int do_tmpfs(struct mount_run *r, const struct guard_mount *m, int fd, char *why, size_t whylen)
{
	(void)r, (void)fd;
	char opts[32];
	snprintf(opts, sizeof opts, "mode=%o", m->mode ? m->mode : 0755);
	if (mount("tmpfs", m->path, "tmpfs", MS_NOSUID | MS_NODEV, opts) != 0)
		OP_FAIL("mounting a private tmpfs on %s: %s", m->path, strerror(errno));
	return 0;
}

static int do_rebind(struct mount_run *r, const struct guard_mount *m, int fd, char *why, size_t whylen)
{
	(void)r;
	char src[64];
	snprintf(src, sizeof src, "/proc/self/fd/%d", fd);
	if (make_mount_point(m->path, m->is_dir) != 0 || mount(src, m->path, NULL, MS_BIND | MS_REC, NULL) != 0)
		OP_FAIL("binding %s back into the sandbox: %s", m->path, strerror(errno));
	return 0;
}

/* The state file's host directory is kept (a detached clone) before the private home covers it; `fd` is the
 * entry's index in the sync list, not a descriptor. */
static int open_state(struct mount_run *r, const struct guard_mount *m, int *fd, char *why, size_t whylen)
{
	(void)fd;
	if (!r->sync)
		OP_FAIL("state file %s: nothing keeps it", m->path);
	int idx = guard_state_sync_open(r->sync, m->path, why, whylen);
	if (idx < 0)
		return -1;
	r->state_idx[r->nstate++] = idx;
	return 0;
}

static int do_state_copy(struct mount_run *r, const struct guard_mount *m, int fd, char *why, size_t whylen)
{
	(void)m, (void)fd;
	return guard_state_sync_copy_in(r->sync, r->state_idx[r->next_state++], why, whylen);
}

static int do_mirror(struct mount_run *r, const struct guard_mount *m, int fd, char *why, size_t whylen)
{
	(void)why, (void)whylen;
	if (fd >= 0)
		mirror_names(fd, m->path, &r->mirror_budget);
	return 0;
}

static int do_self_bind(struct mount_run *r, const struct guard_mount *m, int fd, char *why, size_t whylen)
{
	(void)r, (void)fd;
	if (mount(m->path, m->path, NULL, MS_BIND | MS_REC, NULL) != 0 && errno != ENOENT)
		OP_FAIL("binding %s onto itself: %s", m->path, strerror(errno));
	return 0;
}

static int do_bind_ro(struct mount_run *r, const struct guard_mount *m, int fd, char *why, size_t whylen)
{
	(void)r;
	char src[64];
	snprintf(src, sizeof src, "/proc/self/fd/%d", fd);
	/* The directory is made here, in the private /run: it must not exist yet. Files bind onto the empty
	 * mount points cmd_run.c left in the run directory. */
	if ((m->is_dir && mkdir(m->path, 0755) != 0) || bind_readonly(src, m->path, 0) != 0)
		OP_FAIL("binding %s read-only at %s: %s", m->src, m->path, strerror(errno));
	return 0;
}

static int do_cover_sources(struct mount_run *r, const struct guard_mount *m, int fd, char *why, size_t whylen)
{
	(void)fd;
	snprintf(r->cover_file, sizeof r->cover_file, "%s/file", m->path);
	snprintf(r->cover_dir, sizeof r->cover_dir, "%s/dir", m->path);
	if (mkdir(m->path, 0700) != 0 || mkdir(r->cover_dir, 0) != 0 ||
	    close(open(r->cover_file, O_CREAT | O_WRONLY | O_CLOEXEC, 0)) != 0)
		OP_FAIL("creating cover sources in %s: %s", m->path, strerror(errno));
	/* Kept for covers made after launch. They keep their names too: the kernel won't attach a mount whose
	 * root was unlinked. Nothing inside can reach them (not granted; mode 000). */
	r->cover_fds[0] = open(r->cover_file, O_PATH | O_CLOEXEC);
	r->cover_fds[1] = open(r->cover_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r->cover_fds[0] < 0 || r->cover_fds[1] < 0)
		OP_FAIL("keeping the cover sources: %s", strerror(errno));
	return 0;
}

static int do_pin(struct mount_run *r, const struct guard_mount *m, int fd, char *why, size_t whylen)
{
	(void)r, (void)fd;
	if (mount(m->path, m->path, NULL, MS_BIND | MS_REC, NULL) != 0)
		OP_FAIL("pinning %s: %s", m->path, strerror(errno));
	return 0;
}

static int do_cover(struct mount_run *r, const struct guard_mount *m, int fd, char *why, size_t whylen)
{
	(void)fd;
	if (!r->cover_file[0])
		OP_FAIL("covering %s: no cover sources planned", m->path);
	if (bind_readonly(m->kind == GUARD_MNT_COVER_DIR ? r->cover_dir : r->cover_file, m->path, 0) != 0 &&
	    errno != ENOENT) /* ENOENT: removed since planning, nothing left to hide */
		OP_FAIL("covering %s: %s", m->path, strerror(errno));
	return 0;
}

static int do_readonly(struct mount_run *r, const struct guard_mount *m, int fd, char *why, size_t whylen)
{
	(void)r, (void)fd;
	if (bind_readonly(m->path, m->path, MS_REC) != 0)
		OP_FAIL("making %s read-only: %s", m->path, strerror(errno));
	return 0;
}

static int do_stub(struct mount_run *r, const struct guard_mount *m, int fd, char *why, size_t whylen)
{
	(void)r;
	char src[64];
	snprintf(src, sizeof src, "/proc/self/fd/%d", fd);
	if (bind_readonly(src, m->path, 0) != 0 && errno != ENOENT)
		OP_FAIL("covering %s (exec.deny): %s", m->path, strerror(errno));
	return 0;
}

static int do_lock_run(struct mount_run *r, const struct guard_mount *m, int fd, char *why, size_t whylen)
{
	(void)r, (void)fd;
	if (mount(NULL, m->path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0)
		OP_FAIL("making %s read-only: %s", m->path, strerror(errno));
	return 0;
}

static int do_rest_readonly(struct mount_run *r, const struct guard_mount *m, int fd, char *why, size_t whylen)
{
	(void)m, (void)fd;
	return make_rest_readonly(r->plan, why, whylen);
}

typedef int op_prepare(struct mount_run *r, const struct guard_mount *m, int *fd, char *why, size_t whylen);
typedef int op_apply(struct mount_run *r, const struct guard_mount *m, int fd, char *why, size_t whylen);

static const struct {
	op_prepare *prepare; /* NULL: nothing to open before the covers */
	op_apply *apply;
} ops[] = {
	[GUARD_MNT_TMPFS] = {NULL, do_tmpfs},
	[GUARD_MNT_REBIND] = {open_rebind, do_rebind},
	[GUARD_MNT_STATE_COPY] = {open_state, do_state_copy},
	[GUARD_MNT_MIRROR] = {open_mirror, do_mirror},
	[GUARD_MNT_SELF_BIND] = {NULL, do_self_bind},
	[GUARD_MNT_BIND_RO] = {open_src, do_bind_ro},
	[GUARD_MNT_COVER_SOURCES] = {NULL, do_cover_sources},
	[GUARD_MNT_PIN] = {NULL, do_pin},
	[GUARD_MNT_COVER_FILE] = {NULL, do_cover},
	[GUARD_MNT_COVER_DIR] = {NULL, do_cover},
	[GUARD_MNT_READONLY] = {NULL, do_readonly},
	[GUARD_MNT_STUB] = {open_src, do_stub},
	[GUARD_MNT_LOCK_RUN] = {NULL, do_lock_run},
	[GUARD_MNT_REST_READONLY] = {NULL, do_rest_readonly},
};

int guard_mounts_apply(const struct guard_plan *plan, int cover_fds[2], struct guard_state_sync *sync, char *why,
		       size_t whylen)
{
	const struct guard_os_plan *os = plan->os;
	struct mount_run *r = guard_xmalloc(sizeof *r);
	memset(r, 0, sizeof *r);
	r->plan = plan;
	r->cover_fds = cover_fds;
	r->sync = sync;
	r->mirror_budget = MIRROR_ENTRIES;
	r->state_idx = guard_xmalloc((os->mounts.n ? os->mounts.n : 1) * sizeof *r->state_idx);
	r->fds = guard_xmalloc((os->mounts.n ? os->mounts.n : 1) * sizeof *r->fds);
	for (size_t i = 0; i < os->mounts.n; i++)
		r->fds[i] = -1;
	int rc = -1;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		snprintf(why, whylen, "making / private in the new mount namespace: %s", strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < os->mounts.n; i++) {
		const struct guard_mount *m = &os->mounts.v[i];
		if (ops[m->kind].prepare && ops[m->kind].prepare(r, m, &r->fds[i], why, whylen) != 0)
			goto out;
	}
	for (size_t i = 0; i < os->mounts.n; i++) {
		const struct guard_mount *m = &os->mounts.v[i];
		if (ops[m->kind].apply(r, m, r->fds[i], why, whylen) != 0)
			goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < os->mounts.n; i++)
		if (r->fds[i] >= 0)
			close(r->fds[i]);
	free(r->fds);
	free(r->state_idx);
	free(r);
	return rc;
}
