/* The session's cgroups: pids, memory, cpu.
 *
 * RLIMIT_NPROC does not bind the real root user (the kernel exempts uid 0), so when guard runs as root the process
 * limit needs a pids cgroup; limits.memory and limits.cpu (a share) need a memory and a cpu cgroup whoever runs
 * guard; and a cgroup lets the supervisor end every process the session left behind.
 *
 * Per controller: cgroup v2 when the controller is listed in our own v2 cgroup's cgroup.controllers and we can
 * create a child there (root, or a subtree systemd delegated to the user), enabling it in our cgroup's
 * cgroup.subtree_control when needed; else that controller's v1 hierarchy (hybrid systems, as root). Each
 * session gets guard-<id> under our own cgroup in every hierarchy used. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/linux/cgroup.h"
#include "lib/guard.h"

static const char *const CTRL[GUARD_CG_COUNT] = {"pids", "memory", "cpu"};

static int write_text(const char *dir, const char *file, const char *text)
{
	char *p = guard_path_join(dir, file);
	int rc = guard_write_text(p, text);
	free(p);
	return rc;
}

static bool exists_in(const char *dir, const char *file)
{
	char *p = guard_path_join(dir, file);
	bool ok = access(p, F_OK) == 0;
	free(p);
	return ok;
}

/* Is `word` one of the comma- or space-separated words of `list`? */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *s = list; (s = strstr(s, word)); s += n) {
		bool start = s == list || s[-1] == ',' || s[-1] == ' ';
		bool end = s[n] == 0 || s[n] == ',' || s[n] == ' ' || s[n] == '\n';
		if (start && end)
			return true;
	}
	return false;
}

/* The mount point of a hierarchy (cgroup2, or v1 with the given controller) from /proc/self/mountinfo. */
static char *find_mount(bool v2, const char *controller)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], *found = NULL;
	while (f && !found && fgets(line, sizeof line, f)) {
		char *sep = strstr(line, " - ");
		char mnt[4096], fstype[64], opts[1024];
		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s %*s %1023s", fstype, opts) != 2)
			continue;
		if (v2 ? strcmp(fstype, "cgroup2") == 0 : strcmp(fstype, "cgroup") == 0 && has_word(opts, controller))
			found = guard_xstrdup(mnt);
	}
	if (f)
		fclose(f);
	return found;
}

/* Our own cgroup path in a hierarchy: "0::/x" for v2, "N:ctrl,...:/x" for v1. */
static char *own_path(bool v2, const char *controller)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096], *found = NULL;
	while (f && !found && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		if (!b)
			continue;
		*b = 0;
		if (v2 ? strcmp(line, "0") == 0 && a[1] == 0 : has_word(a + 1, controller))
			found = guard_xstrdup(b + 1);
	}
	if (f)
		fclose(f);
	return found;
}

/* Our own cgroup directory in a hierarchy, or NULL. */
static char *own_dir(bool v2, const char *controller)
{
	char *mnt = find_mount(v2, controller), *own = own_path(v2, controller), *dir = NULL;
	if (mnt && own)
		dir = guard_xasprintf("%s%s", mnt, strcmp(own, "/") ? own : "");
	free(mnt);
	free(own);
	return dir;
}

static bool v2_offers(const char *own, const char *controller)
{
	char *p = guard_path_join(own, "cgroup.controllers");
	char buf[512] = "";
	FILE *f = fopen(p, "re");
	free(p);
	if (f) {
		if (!fgets(buf, sizeof buf, f))
			buf[0] = 0;
		fclose(f);
	}
	return has_word(buf, controller);
}

static const char *limit_file(int c, bool v2)
{
	return c == GUARD_CG_PIDS     ? "pids.max"
	       : c == GUARD_CG_MEMORY ? (v2 ? "memory.max" : "memory.limit_in_bytes")
				      : (v2 ? "cpu.max" : "cpu.cfs_quota_us");
}

static int write_limit(const char *dir, int c, bool v2, long long value)
{
	char text[64];
	if (c == GUARD_CG_CPU) {
		/* period 100ms; quota = share of it (1000 milli = one CPU) */
		long long quota = value * 100;
		if (v2) {
			snprintf(text, sizeof text, "%lld 100000", quota);
			return write_text(dir, "cpu.max", text);
		}
		if (write_text(dir, "cpu.cfs_period_us", "100000") != 0)
			return -1;
		snprintf(text, sizeof text, "%lld", quota);
		return write_text(dir, "cpu.cfs_quota_us", text);
	}
	snprintf(text, sizeof text, "%lld", value);
	if (write_text(dir, limit_file(c, v2), text) != 0)
		return -1;
	if (c == GUARD_CG_MEMORY) {
		/* Swap counts too, else the balloon only moves to swap. */
		if (v2 && exists_in(dir, "memory.swap.max"))
			write_text(dir, "memory.swap.max", "0");
		if (!v2 && exists_in(dir, "memory.memsw.limit_in_bytes"))
			write_text(dir, "memory.memsw.limit_in_bytes", text);
		if (v2 && exists_in(dir, "memory.oom.group"))
			write_text(dir, "memory.oom.group", "0");
	}
	return 0;
}

/* Remove the session directories that no living guard holds (see cgroup.h). rmdir fails on a cgroup that still
 * has processes or children, so whatever still runs keeps its cgroup. */
static void sweep_dead_sessions(const char *own)
{
	DIR *d = opendir(own);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "guard-", 6) != 0 || (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
			continue;
		int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
		close(fd);
	}
	if (d)
		closedir(d);
}

/* mkdir our session's directory and hold it. A sweeping guard may take it between the two steps (it is empty and
 * not yet held): then the held descriptor is of a removed directory, and we make it again. */
static int make_held_dir(const char *dir, int *lock)
{
	for (int round = 0; round < 3; round++) {
		if (mkdir(dir, 0755) != 0)
			return -1;
		int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		struct stat held, now;
		if (fd >= 0 && flock(fd, LOCK_EX) == 0 && fstat(fd, &held) == 0 && stat(dir, &now) == 0 &&
		    held.st_ino == now.st_ino && held.st_dev == now.st_dev) {
			*lock = fd;
			return 0;
		}
		if (fd >= 0)
			close(fd);
		if (access(dir, F_OK) == 0) {
			rmdir(dir);
			return -1;
		}
	}
	errno = EAGAIN;
	return -1;
}

static void hold(struct guard_cgroup *cg, int c, int fd)
{
	cg->lock[c] = fd;
	cg->locked[c] = true;
}

static void release(struct guard_cgroup *cg, int c)
{
	if (cg->locked[c])
		close(cg->lock[c]);
	cg->locked[c] = false;
}

/* The session's v2 directory with controller c enabled; NULL when v2 can't give it. */
static char *v2_session_dir(struct guard_cgroup *cg, const char *id, int c)
{
	char *own = own_dir(true, NULL);
	if (!own || !v2_offers(own, CTRL[c])) {
		free(own);
		return NULL;
	}
	char *dir = NULL;
	for (int k = 0; k < GUARD_CG_COUNT && !dir; k++)
		if (cg->dirs[k] && cg->v2[k])
			dir = guard_xstrdup(cg->dirs[k]);
	if (!dir) {
		sweep_dead_sessions(own);
		dir = guard_xasprintf("%s/guard-%s", own, id);
		int fd;
		if (make_held_dir(dir, &fd) != 0) {
			free(dir);
			free(own);
			return NULL;
		}
		hold(cg, c, fd);
	}
	if (!exists_in(dir, limit_file(c, true))) {
		char plus[32];
		snprintf(plus, sizeof plus, "+%s", CTRL[c]);
		write_text(own, "cgroup.subtree_control", plus); /* fails when our cgroup holds processes: then no */
	}
	free(own);
	if (!exists_in(dir, limit_file(c, true))) {
		bool used = false;
		for (int k = 0; k < GUARD_CG_COUNT; k++)
			used |= cg->dirs[k] && cg->v2[k];
		if (!used)
			rmdir(dir);
		release(cg, c);
		free(dir);
		return NULL;
	}
	return dir;
}

static char *v1_session_dir(struct guard_cgroup *cg, const char *id, int c)
{
	char *own = own_dir(false, CTRL[c]);
	if (!own)
		return NULL;
	sweep_dead_sessions(own);
	char *dir = guard_xasprintf("%s/guard-%s", own, id);
	free(own);
	int fd;
	if (make_held_dir(dir, &fd) != 0) {
		free(dir);
		return NULL;
	}
	hold(cg, c, fd);
	return dir;
}

unsigned guard_cgroup_create(struct guard_cgroup *cg, const char *id, const struct guard_cgroup_limits *want)
{
	memset(cg, 0, sizeof *cg);
	unsigned got = 0;
	const long long value[GUARD_CG_COUNT] = {want->pids_max, want->memory, want->cpu_milli};
	for (int c = 0; c < GUARD_CG_COUNT; c++) {
		if (value[c] < 0)
			continue;
		char *dir = v2_session_dir(cg, id, c);
		bool v2 = dir != NULL;
		if (dir && write_limit(dir, c, true, value[c]) != 0) {
			bool used = false;
			for (int k = 0; k < GUARD_CG_COUNT; k++)
				used |= cg->dirs[k] && cg->v2[k];
			if (!used)
				rmdir(dir);
			release(cg, c);
			free(dir);
			dir = NULL;
		}
		if (!dir) {
			v2 = false;
			dir = v1_session_dir(cg, id, c);
			if (dir && write_limit(dir, c, false, value[c]) != 0) {
				rmdir(dir);
				release(cg, c);
				free(dir);
				dir = NULL;
			}
		}
		if (!dir)
			continue;
		cg->dirs[c] = dir;
		cg->v2[c] = v2;
		got |= 1u << c;
		if (!cg->dir)
			cg->dir = guard_xstrdup(dir);
	}
	return got;
}

int guard_cgroup_add(const struct guard_cgroup *cg, pid_t pid)
{
	char text[32];
	int rc = 0;
	snprintf(text, sizeof text, "%d\n", (int)pid);
	for (int c = 0; c < GUARD_CG_COUNT; c++) {
		bool dup = false;
		for (int k = 0; k < c; k++)
			dup |= cg->dirs[k] && cg->dirs[c] && strcmp(cg->dirs[k], cg->dirs[c]) == 0;
		if (cg->dirs[c] && !dup && write_text(cg->dirs[c], "cgroup.procs", text) != 0)
			rc = -1;
	}
	return rc;
}

static void destroy_dir(const char *dir)
{
	/* The session is over: whatever it left running goes too. */
	for (int round = 0; round < 50 && rmdir(dir) != 0 && errno == EBUSY; round++) {
		char *p = guard_path_join(dir, "cgroup.procs");
		FILE *f = fopen(p, "re");
		free(p);
		int pid;
		while (f && fscanf(f, "%d", &pid) == 1)
			kill(pid, SIGKILL);
		if (f)
			fclose(f);
		usleep(2000);
	}
}

void guard_cgroup_destroy(struct guard_cgroup *cg)
{
	for (int c = 0; c < GUARD_CG_COUNT; c++) {
		if (!cg->dirs[c])
			continue;
		bool dup = false;
		for (int k = 0; k < c; k++)
			dup |= cg->dirs[k] && strcmp(cg->dirs[k], cg->dirs[c]) == 0;
		if (!dup)
			destroy_dir(cg->dirs[c]);
	}
	for (int c = 0; c < GUARD_CG_COUNT; c++) {
		free(cg->dirs[c]); /* each its own copy */
		cg->dirs[c] = NULL;
		release(cg, c); /* after the rmdir: a sweeping guard never takes a directory still in use */
	}
	free(cg->dir);
	cg->dir = NULL;
}

const char *guard_cgroup_mechanism(int c)
{
	const char *how = NULL;
	char *own = own_dir(true, NULL);
	if (own && v2_offers(own, CTRL[c]) && access(own, W_OK) == 0) {
		char *sub = guard_path_join(own, "cgroup.subtree_control");
		bool writable = access(sub, W_OK) == 0;
		free(sub);
		if (writable)
			how = geteuid() == 0 ? "cgroup v2" : "cgroup v2 (delegated)";
	}
	free(own);
	if (how)
		return how;
	own = own_dir(false, CTRL[c]);
	if (own && access(own, W_OK) == 0)
		how = geteuid() == 0 ? "cgroup v1 (as root)" : "cgroup v1";
	free(own);
	return how;
}
