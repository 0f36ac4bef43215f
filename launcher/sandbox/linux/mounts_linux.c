/* Namespaces mode: the mount side of the boundary, run by the sandbox's init in its new mount namespace while it
 * still holds capabilities there. Order matters: host trees are opened before anything covers them, tmpfs roots
 * come first, granted trees are bound back into them, then pins, read-only binds and covers. */
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

#include "sandbox/linux/plan_linux.h"

#define FAIL(...)                                                                                                    \
	do {                                                                                                         \
		snprintf(why, whylen, __VA_ARGS__);                                                                  \
		goto out;                                                                                            \
	} while (0)

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

/* The directories of $HOME whose hidden entries get placeholders: home itself and every directory between it and
 * a granted entry. Opened before the tmpfs covers them. */
struct mirror {
	char *path;
	int fd;
};

struct mirrors {
	struct mirror *v;
	size_t n, cap;
};

static void add_mirror(struct mirrors *ms, const char *path)
{
	for (size_t i = 0; i < ms->n; i++)
		if (strcmp(ms->v[i].path, path) == 0)
			return;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	struct mirror m = {guard_xstrdup(path), fd};
	GUARD_VEC_PUSH(*ms, m);
}

/* A hidden name answers EACCES like any denied path, not ENOENT: an agent told "no such file" draws the wrong
 * conclusion, one told "permission denied" (and, with the shim, why) does not. The placeholders are empty and
 * mode 000, so they reveal only the names. */
static void mirror_names(const struct mirror *m, char *buf, size_t len)
{
	DIR *d = fdopendir(dup(m->fd));
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(buf, len, "%s/%s", m->path, e->d_name);
		if (lstat(buf, &st) == 0)
			continue; /* granted, or created on the way to a granted entry */
		if (e->d_type == DT_DIR)
			mkdir(buf, 0);
		else
			close(open(buf, O_CREAT | O_WRONLY | O_CLOEXEC, 0));
	}
	closedir(d);
}

/* After launch the sandbox is live: it could swap a path for a symlink between a check and a mount. So work on
 * descriptors only: clone the cover source into a detached mount, make it read-only, attach it onto the very
 * inode the caller opened (with O_NOFOLLOW). */
static bool writable_grant(const struct guard_grant *g)
{
	return (g->access & (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG)) != 0;
}

static bool under_writable_grant(const struct guard_plan *plan, const char *path)
{
	for (size_t i = 0; i < plan->os->grants.n; i++)
		if (writable_grant(&plan->os->grants.v[i]) && guard_path_within(path, plan->os->grants.v[i].path))
			return true;
	return false;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
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
 * made mounts of their own first (self_bind_writable). */
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

/* A writable grant that is part of a larger mount (the project on /) becomes a mount of its own, so the rest can
 * be made read-only around it. Devices keep working on a read-only mount and are left alone. */
static int self_bind_writable(const struct guard_plan *plan, char *why, size_t whylen)
{
	for (size_t i = 0; i < plan->os->grants.n; i++) {
		const struct guard_grant *g = &plan->os->grants.v[i];
		if (!writable_grant(g) || guard_path_within(g->path, "/dev") || guard_path_within(g->path, "/proc"))
			continue;
		bool mounted = false; /* a tmpfs or a rebind of ours is a mount already */
		for (size_t k = 0; k < plan->os->mounts.n; k++)
			mounted |= (plan->os->mounts.v[k].kind == GUARD_MNT_TMPFS || plan->os->mounts.v[k].kind == GUARD_MNT_REBIND) &&
				   strcmp(plan->os->mounts.v[k].path, g->path) == 0;
		if (mounted)
			continue;
		if (mount(g->path, g->path, NULL, MS_BIND | MS_REC, NULL) != 0 && errno != ENOENT) {
			snprintf(why, whylen, "binding %s onto itself: %s", g->path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

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

int guard_mounts_apply(const struct guard_plan *plan, int cover_fds[2], char *why, size_t whylen)
{
	struct mirrors mirrors = {0};
	char pathbuf[4096];
	int run_fd = -1, shim_fd = -1, exe_fd = -1, stub_fd = -1;
	int rc = -1;
	size_t n = plan->os->mounts.n;
	int *fds = guard_xmalloc(n * sizeof *fds);
	char stage[64] = "", cover_file[96] = "", cover_dir[96] = "";
	for (size_t i = 0; i < n; i++)
		fds[i] = -1;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		FAIL("making / private in the new mount namespace: %s", strerror(errno));
	/* guard's own directory and shim live outside the sandbox's view (/tmp, /run, $HOME): open them first. */
	if (plan->rundir && (run_fd = open(plan->rundir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		FAIL("opening %s: %s", plan->rundir, strerror(errno));
	/* exec.deny stubs: guard itself, opened by name in this namespace (/proc/self/exe is the parent's mount) */
	if (plan->exec_stubs.n) {
		ssize_t l = readlink("/proc/self/exe", pathbuf, sizeof pathbuf - 1);
		if (l <= 0 || (pathbuf[l] = 0, stub_fd = open(pathbuf, O_PATH | O_CLOEXEC)) < 0)
			FAIL("opening guard itself to cover exec.deny programs: %s", strerror(errno));
	}
	if (plan->shim && (shim_fd = open(plan->shim, O_PATH | O_CLOEXEC)) < 0)
		FAIL("opening %s: %s", plan->shim, strerror(errno));
	if (plan->exe && (exe_fd = open(plan->exe, O_PATH | O_CLOEXEC)) < 0)
		FAIL("opening %s: %s", plan->exe, strerror(errno));
	bool home_hidden = false;
	for (size_t i = 0; i < n; i++)
		home_hidden |= plan->os->mounts.v[i].kind == GUARD_MNT_TMPFS && guard_path_within(plan->home, plan->os->mounts.v[i].path);
	if (home_hidden)
		add_mirror(&mirrors, plan->home);
	for (size_t i = 0; i < n; i++) {
		const struct guard_mount *m = &plan->os->mounts.v[i];
		if (m->kind != GUARD_MNT_REBIND)
			continue;
		if ((fds[i] = open(m->path, O_PATH | O_CLOEXEC)) < 0)
			FAIL("opening %s to bind it into the sandbox: %s", m->path, strerror(errno));
		if (!home_hidden || !guard_path_within(m->path, plan->home))
			continue;
		snprintf(pathbuf, sizeof pathbuf, "%s", m->path);
		for (char *s = strrchr(pathbuf, '/'); s && s > pathbuf; s = strrchr(pathbuf, '/')) {
			*s = 0;
			if (strcmp(pathbuf, plan->home) == 0 || !guard_path_within(pathbuf, plan->home))
				break;
			add_mirror(&mirrors, pathbuf);
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct guard_mount *m = &plan->os->mounts.v[i];
		char opts[32];
		if (m->kind != GUARD_MNT_TMPFS)
			continue;
		snprintf(opts, sizeof opts, "mode=%o", m->mode ? m->mode : 0755);
		if (mount("tmpfs", m->path, "tmpfs", MS_NOSUID | MS_NODEV, opts) != 0)
			FAIL("mounting a private tmpfs on %s: %s", m->path, strerror(errno));
		if (!stage[0] && strcmp(m->path, "/run") == 0)
			snprintf(stage, sizeof stage, "%s/.guard-cover", m->path);
	}
	for (size_t i = 0; i < n; i++) {
		const struct guard_mount *m = &plan->os->mounts.v[i];
		char src[64];
		if (m->kind != GUARD_MNT_REBIND)
			continue;
		snprintf(src, sizeof src, "/proc/self/fd/%d", fds[i]);
		if (make_mount_point(m->path, m->is_dir) != 0 ||
		    mount(src, m->path, NULL, MS_BIND | MS_REC, NULL) != 0)
			FAIL("binding %s back into the sandbox: %s", m->path, strerror(errno));
	}
	for (size_t i = 0; i < mirrors.n; i++)
		mirror_names(&mirrors.v[i], pathbuf, sizeof pathbuf);
	if (self_bind_writable(plan, why, whylen) != 0)
		goto out;
	if (run_fd >= 0) {
		char src[64];
		snprintf(src, sizeof src, "/proc/self/fd/%d", run_fd);
		if (mkdir(GUARD_RUN_DIR, 0755) != 0 || bind_readonly(src, GUARD_RUN_DIR, 0) != 0)
			FAIL("binding guard's run directory at %s: %s", GUARD_RUN_DIR, strerror(errno));
		if (shim_fd >= 0) {
			snprintf(src, sizeof src, "/proc/self/fd/%d", shim_fd);
			if (bind_readonly(src, GUARD_RUN_DIR "/libguard.so", 0) != 0)
				FAIL("binding the shim into the sandbox: %s", strerror(errno));
		}
		if (exe_fd >= 0) { /* guard itself, for an agent's hook (agent_hook.c) */
			snprintf(src, sizeof src, "/proc/self/fd/%d", exe_fd);
			if (bind_readonly(src, GUARD_RUN_DIR "/guard", 0) != 0)
				FAIL("binding guard into the sandbox: %s", strerror(errno));
		}
	}
	/* Cover sources: one empty file and one empty directory, mode 000, on a tmpfs only we can reach. */
	if (!stage[0]) {
		snprintf(stage, sizeof stage, "/tmp/.guard-cover");
	}
	snprintf(cover_file, sizeof cover_file, "%s/file", stage);
	snprintf(cover_dir, sizeof cover_dir, "%s/dir", stage);
	if (mkdir(stage, 0700) != 0 || mkdir(cover_dir, 0) != 0 ||
	    close(open(cover_file, O_CREAT | O_WRONLY | O_CLOEXEC, 0)) != 0)
		FAIL("creating cover sources in %s: %s", stage, strerror(errno));

	for (size_t i = 0; i < n; i++) {
		const struct guard_mount *m = &plan->os->mounts.v[i];
		switch (m->kind) {
		case GUARD_MNT_PIN:
			if (mount(m->path, m->path, NULL, MS_BIND | MS_REC, NULL) != 0)
				FAIL("pinning %s: %s", m->path, strerror(errno));
			break;
		case GUARD_MNT_READONLY:
			if (bind_readonly(m->path, m->path, MS_REC) != 0)
				FAIL("making %s read-only: %s", m->path, strerror(errno));
			break;
		case GUARD_MNT_COVER_FILE:
		case GUARD_MNT_COVER_DIR:
			if (bind_readonly(m->kind == GUARD_MNT_COVER_DIR ? cover_dir : cover_file, m->path, 0) != 0) {
				if (errno == ENOENT)
					break; /* removed since planning: nothing left to hide */
				FAIL("covering %s: %s", m->path, strerror(errno));
			}
			break;
		default:
			break;
		}
	}
	/* exec.deny: guard itself over each file of a denied command (exec_rules.c). */
	if (stub_fd >= 0) {
		char src[64];
		snprintf(src, sizeof src, "/proc/self/fd/%d", stub_fd);
		for (size_t i = 0; i < plan->exec_stubs.n; i++)
			if (bind_readonly(src, plan->exec_stubs.v[i], 0) != 0 && errno != ENOENT)
				FAIL("covering %s (exec.deny): %s", plan->exec_stubs.v[i], strerror(errno));
		close(stub_fd);
		stub_fd = -1;
	}
	/* Keep the sources for covers made after launch. They keep their names too: the kernel won't attach a
	 * mount whose root was unlinked. Nothing inside can reach them (/run is not granted; mode 000). */
	cover_fds[0] = open(cover_file, O_PATH | O_CLOEXEC);
	cover_fds[1] = open(cover_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cover_fds[0] < 0 || cover_fds[1] < 0)
		FAIL("keeping the cover sources: %s", strerror(errno));
	if (strncmp(stage, "/run/", 5) == 0 &&
	    mount(NULL, "/run", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0)
		FAIL("making /run read-only: %s", strerror(errno));
	if (make_rest_readonly(plan, why, whylen) != 0)
		goto out;
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	if (run_fd >= 0)
		close(run_fd);
	if (shim_fd >= 0)
		close(shim_fd);
	if (stub_fd >= 0)
		close(stub_fd);
	if (exe_fd >= 0)
		close(exe_fd);
	for (size_t i = 0; i < mirrors.n; i++) {
		close(mirrors.v[i].fd);
		free(mirrors.v[i].path);
	}
	free(mirrors.v);
	return rc;
}
