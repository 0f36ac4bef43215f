/* A pids cgroup for the session. RLIMIT_NPROC does not bind the real root user (the kernel exempts uid 0), so
 * when guard runs as root the process limit needs a cgroup; and a cgroup lets the supervisor end every process
 * the session left behind. cgroup v2 when the pids controller is available to us there, else v1's pids
 * hierarchy. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "guard.h"

static int write_text(const char *dir, const char *file, const char *text)
{
	char *p = guard_path_join(dir, file);
	int rc = guard_write_text(p, text);
	free(p);
	return rc;
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
		if (v2 ? strcmp(fstype, "cgroup2") == 0
		       : strcmp(fstype, "cgroup") == 0 && strstr(opts, controller) != NULL)
			found = guard_xstrdup(mnt);
	}
	if (f)
		fclose(f);
	return found;
}

/* Our own cgroup path in a hierarchy: "0::/x" for v2, "N:pids:/x" for v1. */
static char *own_path(bool v2)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096], *found = NULL;
	while (f && !found && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		if (!b)
			continue;
		*b = 0;
		if (v2 ? strcmp(line, "0") == 0 && a[1] == 0 : strcmp(a + 1, "pids") == 0)
			found = guard_xstrdup(b + 1);
	}
	if (f)
		fclose(f);
	return found;
}

static int try_hierarchy(struct guard_cgroup *cg, bool v2, const char *id, long long pids_max)
{
	char *mnt = find_mount(v2, "pids"), *own = own_path(v2);
	int rc = -1;
	if (mnt && own) {
		char *dir = guard_xasprintf("%s%s/guard-%s", mnt, strcmp(own, "/") ? own : "", id);
		char max[32];
		snprintf(max, sizeof max, "%lld", pids_max);
		if (mkdir(dir, 0755) == 0) {
			if (write_text(dir, "pids.max", max) == 0) {
				cg->dir = dir;
				dir = NULL;
				rc = 0;
			} else {
				rmdir(dir);
			}
		}
		free(dir);
	}
	free(mnt);
	free(own);
	return rc;
}

int guard_cgroup_create(struct guard_cgroup *cg, const char *id, long long pids_max)
{
	cg->dir = NULL;
	if (try_hierarchy(cg, true, id, pids_max) == 0 || try_hierarchy(cg, false, id, pids_max) == 0)
		return 0;
	return -1;
}

int guard_cgroup_add(const struct guard_cgroup *cg, pid_t pid)
{
	char text[32];
	snprintf(text, sizeof text, "%d\n", (int)pid);
	return cg->dir ? write_text(cg->dir, "cgroup.procs", text) : 0;
}

void guard_cgroup_destroy(struct guard_cgroup *cg)
{
	if (!cg->dir)
		return;
	/* The session is over: whatever it left running goes too. */
	for (int round = 0; round < 50 && rmdir(cg->dir) != 0 && errno == EBUSY; round++) {
		char *p = guard_path_join(cg->dir, "cgroup.procs");
		FILE *f = fopen(p, "re");
		free(p);
		int pid;
		while (f && fscanf(f, "%d", &pid) == 1)
			kill(pid, SIGKILL);
		if (f)
			fclose(f);
		usleep(2000);
	}
	free(cg->dir);
	cg->dir = NULL;
}
