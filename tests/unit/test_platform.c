/* The Linux platform's part of a plan (sandbox/linux/plan_linux.h): what each Landlock ABI handles, and the mount
 * list as one ordered set of typed operations, guard's own mounts included. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/linux/plan_linux.h"
#include "tap.h"

/* The rights of each ABI as the kernel documents them (sandboxer.c's table). */
static void abi_caps(void)
{
	const uint64_t abi1 = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;
	const size_t v1 = offsetof(struct guard_landlock_ruleset_attr, handled_access_net);
	const size_t v4 = offsetof(struct guard_landlock_ruleset_attr, scoped);
	const uint64_t tcp = LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;
	const uint64_t scopes = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
	static const struct {
		int abi;
		uint64_t extra_fs, net, scoped;
		int size; /* 1: v1 prefix, 4: up to scoped, 6: whole */
	} want[] = {
		{1, 0, 0, 0, 1},
		{2, LANDLOCK_ACCESS_FS_REFER, 0, 0, 1},
		{3, LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE, 0, 0, 1},
		{4, LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE, 1, 0, 4},
		{5, LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV, 1, 0, 4},
		{6, LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV, 1, 1, 6},
		{7, LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV, 1, 1, 6},
		{9, LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV, 1, 1, 6},
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		struct guard_landlock_caps c = guard_landlock_abi_caps(want[i].abi);
		size_t size = want[i].size == 1   ? v1
			      : want[i].size == 4 ? v4
						  : sizeof(struct guard_landlock_ruleset_attr);
		TAP_OK(c.fs == (abi1 | want[i].extra_fs) && c.net == (want[i].net ? tcp : 0) &&
			       c.scoped == (want[i].scoped ? scopes : 0) && c.attr_size == size,
		       "ABI %d: file-system rights, TCP rights, scopes and attribute size", want[i].abi);
	}
	struct guard_landlock_caps none = guard_landlock_abi_caps(0);
	TAP_OK(!none.fs && !none.net && !none.scoped && !none.attr_size, "ABI 0: nothing handled");
}

static const struct guard_mount *find(const struct guard_plan *plan, enum guard_mount_kind kind, const char *path)
{
	for (size_t i = 0; i < plan->os->mounts.n; i++)
		if (plan->os->mounts.v[i].kind == kind && strcmp(plan->os->mounts.v[i].path, path) == 0)
			return &plan->os->mounts.v[i];
	return NULL;
}

/* Namespaces mode: a writable project outside every private tmpfs, a denied file in it, guard's run dir and shim,
 * an exec stub. Every mount init makes is in the list, in the order it is applied. */
static void mount_ops(void)
{
	char root[] = "/var/tmp/guard-platform-XXXXXX";
	if (!mkdtemp(root)) {
		TAP_SKIP("no /var/tmp", "mount operations");
		return;
	}
	char home[256], proj[256], env[300];
	snprintf(home, sizeof home, "%s/home", root);
	snprintf(proj, sizeof proj, "%s/proj", root);
	snprintf(env, sizeof env, "%s/.env", proj);
	mkdir(home, 0755);
	mkdir(proj, 0755);
	struct guard_plan plan = {.mode = GUARD_MODE_NAMESPACES, .abi = 6};
	plan.home = home;
	plan.rundir = "/run/user/1/guard-run-x";
	plan.shim = "/usr/lib/guard/libguard.so";
	struct guard_tree t = {proj, true, true, NULL, NULL};
	struct guard_hole h = {env, false, true, NULL, NULL};
	GUARD_VEC_PUSH(plan.trees, t);
	GUARD_VEC_PUSH(plan.holes, h);
	guard_strv_push(&plan.exec_stubs, guard_xstrdup("/usr/bin/curl"));
	guard_linux_plan(&plan, NULL);

	const struct guard_os_plan *os = plan.os;
	bool sorted = true;
	for (size_t i = 1; i < os->mounts.n; i++)
		sorted &= os->mounts.v[i - 1].kind <= os->mounts.v[i].kind;
	TAP_OK(sorted && os->mounts.n > 0, "the mount list is sorted by kind, the order it is applied in");
	TAP_OK(find(&plan, GUARD_MNT_TMPFS, home) != NULL, "$HOME gets a private tmpfs");
	TAP_OK(find(&plan, GUARD_MNT_MIRROR, home) != NULL, "...and its hidden names placeholders (a typed op)");
	const struct guard_mount *run = find(&plan, GUARD_MNT_BIND_RO, GUARD_RUN_DIR);
	TAP_OK(run && run->is_dir && strcmp(run->src, plan.rundir) == 0, "guard's run dir: bound read-only at %s",
	       GUARD_RUN_DIR);
	const struct guard_mount *shim = find(&plan, GUARD_MNT_BIND_RO, GUARD_RUN_DIR "/libguard.so");
	TAP_OK(shim && !shim->is_dir && strcmp(shim->src, plan.shim) == 0, "the shim: bound read-only beside it");
	TAP_OK(find(&plan, GUARD_MNT_SELF_BIND, proj) != NULL,
	       "the writable project outside the tmpfs roots: self-bound");
	TAP_OK(find(&plan, GUARD_MNT_COVER_FILE, env) != NULL, "the denied file: covered");
	TAP_OK(find(&plan, GUARD_MNT_COVER_SOURCES, "/run/.guard-cover") ||
		       find(&plan, GUARD_MNT_COVER_SOURCES, "/tmp/.guard-cover"),
	       "the cover sources are an operation of their own");
	const struct guard_mount *stub = find(&plan, GUARD_MNT_STUB, "/usr/bin/curl");
	TAP_OK(stub && stub->src && stub->src[0] == '/', "an exec.deny stub: guard itself bound over the program");
	TAP_OK(os->mounts.v[os->mounts.n - 1].kind == GUARD_MNT_REST_READONLY, "the rest goes read-only last");
	bool grant = false;
	for (size_t i = 0; i < os->grants.n; i++)
		grant |= strcmp(os->grants.v[i].path, proj) == 0 && guard_grant_writable(&os->grants.v[i]);
	TAP_OK(grant, "the writable tree is a writable Landlock grant");

	guard_linux_plan_free(&plan);
	free(plan.trees.v);
	free(plan.holes.v);
	guard_strv_clear(&plan.exec_stubs);
	rmdir(home);
	rmdir(proj);
	rmdir(root);
}

int main(void)
{
	abi_caps();
	mount_ops();
	return tap_done();
}
