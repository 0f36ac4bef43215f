/* The names a state file's private directory admits: state_names.h says why. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "lib/guard.h"
#include "sandbox/linux/plan_linux.h"
#include "sandbox/linux/proc_path.h"
#include "sandbox/linux/state_names.h"

/* What a call does with the names it is given, which decides what the kernel would answer before any rule: a
 * name that only gets made is EEXIST when it is there already (mkdir of an existing ~/.claude), and a name that
 * only gets removed or changed is ENOENT when it is not; either way nothing is made or removed. */
enum name_use {
	NAME_MAKES,   /* mkdir, mknod, symlink, the new name of link; open only with O_CREAT|O_EXCL */
	NAME_CHANGES, /* unlink, rmdir, chmod: the name must exist */
	NAME_OTHER,   /* rename (both names), creat (truncates), open without O_EXCL (opens what is there) */
};

/* Where each call keeps the names it makes or removes: (dirfd, path) argument pairs, -1 for none or AT_FDCWD. */
static const struct name_call {
	const char *name;
	int dirfd[2], path[2];
	bool if_creating; /* open, openat: only with O_CREAT (the flags follow the path) */
	enum name_use use;
} calls[] = {
	{"mkdir", {-1, -1}, {0, -1}, false, NAME_MAKES},      {"mkdirat", {0, -1}, {1, -1}, false, NAME_MAKES},
	{"mknod", {-1, -1}, {0, -1}, false, NAME_MAKES},      {"mknodat", {0, -1}, {1, -1}, false, NAME_MAKES},
	{"rmdir", {-1, -1}, {0, -1}, false, NAME_CHANGES},    {"unlink", {-1, -1}, {0, -1}, false, NAME_CHANGES},
	{"unlinkat", {0, -1}, {1, -1}, false, NAME_CHANGES},  {"rename", {-1, -1}, {0, 1}, false, NAME_OTHER},
	{"renameat", {0, 2}, {1, 3}, false, NAME_OTHER},      {"renameat2", {0, 2}, {1, 3}, false, NAME_OTHER},
	{"link", {-1, -1}, {1, -1}, false, NAME_MAKES},       {"linkat", {2, -1}, {3, -1}, false, NAME_MAKES},
	{"symlink", {-1, -1}, {1, -1}, false, NAME_MAKES},    {"symlinkat", {1, -1}, {2, -1}, false, NAME_MAKES},
	{"chmod", {-1, -1}, {0, -1}, false, NAME_CHANGES},    {"fchmodat", {0, -1}, {1, -1}, false, NAME_CHANGES},
	{"fchmodat2", {0, -1}, {1, -1}, false, NAME_CHANGES}, {"creat", {-1, -1}, {0, -1}, false, NAME_OTHER},
	{"openat2", {0, -1}, {1, -1}, true, NAME_OTHER},      {"open", {-1, -1}, {0, -1}, true, NAME_OTHER},
	{"openat", {0, -1}, {1, -1}, true, NAME_OTHER},
};

bool guard_state_names_needed(const struct guard_plan *plan)
{
	for (size_t i = 0; plan->os && i < plan->os->mounts.n; i++)
		if (plan->os->mounts.v[i].kind == GUARD_MNT_STATE_COPY)
			return true;
	return false;
}

int guard_state_names_rules(scmp_filter_ctx ctx, char *why, size_t whylen)
{
	for (size_t i = 0; i < sizeof calls / sizeof *calls; i++) {
		int nr = seccomp_syscall_resolve_name(calls[i].name);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture (aarch64 has no mkdir) */
		int flags_arg = calls[i].path[0] + 1;
		/* openat2's flags are in memory, out of the filter's sight: every call stops, check() reads them. */
		bool masked = calls[i].if_creating && strcmp(calls[i].name, "openat2") != 0;
		int e = masked ? seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 1,
						  SCMP_CMP64((unsigned)flags_arg, SCMP_CMP_MASKED_EQ, O_CREAT, O_CREAT))
			       : seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
		if (e < 0) {
			snprintf(why, whylen, "observer: rule for %s: %s", calls[i].name, strerror(-e));
			return -1;
		}
	}
	return 0;
}

/* The path argument of the stopped caller as the kernel will resolve it (proc_path.h). NULL when it cannot be
 * read (the call then continues: the kernel and the private home answer). */
static char *call_path(const struct seccomp_notif *req, int mem, int dirfd_arg, int path_arg)
{
	char buf[4096];
	ssize_t n = pread(mem, buf, sizeof buf - 1, (off_t)req->data.args[path_arg]);
	if (n <= 0)
		return NULL;
	buf[n] = 0;
	if (strnlen(buf, (size_t)n) == (size_t)n || !buf[0])
		return NULL; /* cut, or empty (AT_EMPTY_PATH: an open descriptor, no new name) */
	return guard_proc_path((pid_t)req->pid, dirfd_arg >= 0, dirfd_arg >= 0 ? (long)req->data.args[dirfd_arg] : 0,
			       buf, NULL);
}

/* The state file path is one of the names of (itself, NAME.lock, NAME.tmp.*, NAME.backup), or NULL; *inside: path is in
 * some state file's private directory. */
static const char *state_file_of(const struct guard_plan *plan, const char *path, bool *inside)
{
	for (size_t i = 0; plan->os && i < plan->os->mounts.n; i++) {
		const struct guard_mount *m = &plan->os->mounts.v[i];
		if (m->kind != GUARD_MNT_STATE_COPY)
			continue;
		const char *slash = strrchr(m->path, '/');
		size_t dlen = (size_t)(slash - m->path);
		char *dir = guard_xasprintf("%.*s", (int)dlen, m->path);
		bool within = guard_path_within(path, dir[0] ? dir : "/") && strcmp(path, dir) != 0;
		const char *base = strrchr(path, '/') + 1;
		bool own = within && (size_t)(base - 1 - path) == dlen && guard_state_sibling(slash + 1, base);
		free(dir);
		if (own)
			return m->path;
		*inside |= within;
	}
	return NULL;
}

const char *guard_state_names_own(const struct guard_plan *plan, const char *path)
{
	bool inside = false;
	return path[0] == '/' ? state_file_of(plan, path, &inside) : NULL;
}

/* Does path exist (errno ENOENT when not) as the stopped process pid sees its file system? */
static bool in_view(pid_t pid, const char *path)
{
	struct stat st;
	char *p = guard_xasprintf("/proc/%d/root%s", (int)pid, path);
	int rc = lstat(p, &st);
	int saved = errno;
	free(p);
	errno = saved;
	return rc == 0;
}

/* Would the kernel fail the call on this name before it reached any rule, making or removing nothing? Its
 * directory missing (ENOENT), the name there already for a call that only makes it (EEXIST), or missing for one
 * that only removes or changes it (ENOENT). Then it gets the kernel's own answer, not guard's EACCES: a tool
 * that makes ~/.claude when it is missing expects EEXIST when it is not; an absent name looks absent. A name
 * made or removed in between by another thread is one the private home admits anyway (racy like every
 * seccomp-notify check, state_names.h). */
static bool kernel_answers(pid_t pid, const char *path, enum name_use use)
{
	const char *slash = strrchr(path, '/');
	if (slash && slash != path) {
		char *dir = guard_xasprintf("%.*s", (int)(slash - path), path);
		bool gone = !in_view(pid, dir) && errno == ENOENT;
		free(dir);
		if (gone)
			return true;
	}
	if (use == NAME_OTHER)
		return false;
	bool there = in_view(pid, path);
	return use == NAME_MAKES ? there : !there && errno == ENOENT;
}

/* 0: the name may be made or removed; EACCES: it is in a private state directory, not the state file's own
 * name, and no rule grants it (a tree bound back read-only answers for itself: EROFS). */
static int verdict(const struct guard_plan *plan, const struct guard_image *img, const char *path)
{
	bool inside = false;
	if (state_file_of(plan, path, &inside))
		return 0;
	if (!inside)
		return 0;
	if (guard_image_grant(img, GUARD_WRITE, path, false) || guard_image_grant(img, GUARD_READ, path, false))
		return 0;
	return EACCES;
}

int guard_state_names_check(const struct guard_plan *plan, const struct guard_image *img,
			    const struct seccomp_notif *req, const char *name)
{
	const struct name_call *c = NULL;
	for (size_t i = 0; i < sizeof calls / sizeof *calls && !c; i++)
		if (strcmp(calls[i].name, name) == 0)
			c = &calls[i];
	if (!c || !img)
		return 0;
	char memp[64];
	snprintf(memp, sizeof memp, "/proc/%u/mem", req->pid);
	int mem = open(memp, O_RDONLY | O_CLOEXEC);
	if (mem < 0)
		return 0;
	uint64_t flags = req->data.args[c->path[0] + 1];
	if (!strcmp(name, "openat2") && pread(mem, &flags, sizeof flags, (off_t)req->data.args[2]) != sizeof flags)
		flags = 0;
	int err = 0;
	if (c->if_creating && (!(flags & O_CREAT) || (flags & O_PATH)))
		c = NULL; /* an open that makes no name (the observer's own rule stopped it; O_PATH ignores O_CREAT) */
	enum name_use use = c ? c->use : NAME_OTHER;
	if (c && c->if_creating && (flags & O_EXCL))
		use = NAME_MAKES;
	for (int k = 0; c && k < 2 && c->path[k] >= 0 && !err; k++) {
		char *path = call_path(req, mem, c->dirfd[k], c->path[k]);
		if (path && (err = verdict(plan, img, path)) && kernel_answers((pid_t)req->pid, path, use))
			err = 0;
		free(path);
	}
	close(mem);
	return err;
}
