/* The Linux part of the plan: the neutral plan's trees become Landlock grants masked to what the running ABI
 * handles, and the holes are subtracted: with namespaces by mounts (covers, read-only binds, pins), without by
 * splitting grants around them. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plan/net.h"
#include "sandbox/linux/plan_linux.h"

#define LL_REMOVE (LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR)
/* Rights an ancestor of a denied path must not carry: they would reach the secret through inheritance. */
/* Creating is forbidden too: a directory without WRITE_FILE would only collect empty files (a stale index.lock
 * that breaks git outside), and a hard link gives the secret an innocent name. */
#define LL_MAKE                                                                                                        \
	(LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |                    \
	 LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |                 \
	 LANDLOCK_ACCESS_FS_MAKE_SYM)
#define LL_DENY_FORBID                                                                                                 \
	(LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                   \
	 LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV | LL_REMOVE | LANDLOCK_ACCESS_FS_REFER | LL_MAKE)
/* ... and of a protected path: anything that changes, removes, replaces it or plants beside it. */
#define LL_PROTECT_FORBID                                                                                              \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | LL_REMOVE | LANDLOCK_ACCESS_FS_REFER | LL_MAKE)

struct guard_landlock_caps guard_landlock_abi_caps(int abi)
{
	struct guard_landlock_caps c = {0};
	if (abi < 1)
		return c;
	switch (abi > GUARD_LANDLOCK_ABI_MAX ? GUARD_LANDLOCK_ABI_MAX : abi) {
	default: /* 7: audit flags of restrict_self only, nothing more to handle */
	case 6:
		c.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
		/* fall through */
	case 5:
		c.fs |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
		/* fall through */
	case 4:
		c.net = LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;
		/* fall through */
	case 3:
		c.fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
		/* fall through */
	case 2:
		c.fs |= LANDLOCK_ACCESS_FS_REFER;
		/* fall through */
	case 1:
		c.fs |= (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1; /* EXECUTE .. MAKE_SYM */
	}
	c.attr_size = abi >= 6   ? sizeof(struct guard_landlock_ruleset_attr)
		      : abi >= 4 ? offsetof(struct guard_landlock_ruleset_attr, scoped)
				 : offsetof(struct guard_landlock_ruleset_attr, handled_access_net);
	return c;
}

const char *guard_access_name(uint64_t access, uint64_t handled)
{
	uint64_t file_write = LANDLOCK_ACCESS_FS_WRITE_FILE;
	if ((access & handled) == handled)
		return "write";
	if ((access & ~GUARD_LL_READ & handled) == 0)
		return (access & LANDLOCK_ACCESS_FS_READ_FILE) ? "read" : "list";
	if ((access & handled & GUARD_LL_FILE_RIGHTS) == (handled & GUARD_LL_FILE_RIGHTS) && (access & file_write))
		return "write";
	if (!(access & LANDLOCK_ACCESS_FS_READ_FILE))
		return (access & LANDLOCK_ACCESS_FS_MAKE_REG) ? "list+create" : "list";
	return "read+create";
}

static void add_grant(struct guard_plan *plan, const char *path, bool is_dir, uint64_t access,
		      const struct guard_image_rule *rule, const char *why)
{
	if (!is_dir)
		access &= GUARD_LL_FILE_RIGHTS;
	access &= plan->os->handled_fs;
	if (!access)
		return;
	for (size_t i = 0; i < plan->os->grants.n; i++) {
		struct guard_grant *g = &plan->os->grants.v[i];
		if (strcmp(g->path, path) == 0) {
			if ((access & ~g->access) && rule) {
				g->rule = rule;
				g->why = why;
			}
			g->access |= access;
			return;
		}
	}
	struct guard_grant g = {guard_xstrdup(path), access, is_dir, rule, why, false};
	GUARD_VEC_PUSH(plan->os->grants, g);
}

static bool opted_in(const struct guard_plan *plan, const char *path)
{
	for (size_t i = 0; i < guard_net_host_socket_count(plan); i++)
		if (strcmp(guard_net_host_socket_path(plan, i), path) == 0)
			return true;
	return false;
}

/* Every pathname unix socket bound in the host's network namespace (/proc/net/unix) that the sandbox could still
 * see — outside the private /tmp, /run and $HOME, or inside a tree bound back into them — is covered with the empty
 * mode-000 cover file: connect() answers EACCES. Landlock covers unix sockets only from ABI 9; this closes the rest
 * (LXD's /var/snap/lxd/..., nix-daemon's /nix/var/..., sockets in /var/tmp or in the project) at launch. */
static void cover_host_sockets(struct guard_plan *plan)
{
	FILE *f = fopen("/proc/net/unix", "re");
	if (!f)
		return;
	char line[4400];
	struct guard_strv seen = {0};
	size_t added = 0;
	while (fgets(line, sizeof line, f) && added < 4096) {
		/* Num RefCount Protocol Flags Type St Inode Path */
		char *p = line;
		for (int field = 0; field < 7 && p; field++) {
			p += strspn(p, " ");
			p = strchr(p, ' ');
		}
		if (!p)
			continue;
		p += strspn(p, " ");
		size_t len = strcspn(p, "\n");
		if (p[len] != '\n' || p[0] != '/')
			continue; /* abstract (@...), unnamed, or cut */
		p[len] = 0;
		bool dup = false;
		for (size_t i = 0; i < seen.n && !dup; i++)
			dup = strcmp(seen.v[i], p) == 0;
		if (dup)
			continue;
		guard_strv_push(&seen, guard_xstrdup(p));
		struct stat st;
		if (lstat(p, &st) != 0 || !S_ISSOCK(st.st_mode) || opted_in(plan, p))
			continue;
		if (plan->rundir && guard_path_within(p, plan->rundir))
			continue; /* guard's own event socket */
		bool hidden = false, granted = false, dup_mount = false;
		for (size_t k = 0; k < plan->os->mounts.n; k++) {
			const struct guard_mount *m = &plan->os->mounts.v[k];
			hidden |= m->kind == GUARD_MNT_TMPFS && guard_path_within(p, m->path);
			dup_mount |= strcmp(m->path, p) == 0;
		}
		for (size_t k = 0; k < plan->os->grants.n && hidden; k++)
			granted |=
				!plan->os->grants.v[k].private_dir && guard_path_within(p, plan->os->grants.v[k].path);
		if ((hidden && !granted) || dup_mount)
			continue; /* gone with its private tmpfs */
		struct guard_mount m = {GUARD_MNT_COVER_FILE,
					guard_xstrdup(p),
					false,
					0,
					NULL,
					"host unix socket (network.host_sockets lets one in)"};
		GUARD_VEC_PUSH(plan->os->mounts, m);
		added++;
	}
	guard_strv_clear(&seen);
	fclose(f);
}

/* Is `path` under a private tmpfs (/tmp, /run) and inside no grant bound back into it? Then the sandbox does not
 * see it at all. */
static bool gone_with_tmpfs(const struct guard_plan *plan, const char *path)
{
	for (size_t k = 0; k < plan->os->mounts.n; k++) {
		const struct guard_mount *m = &plan->os->mounts.v[k];
		if (m->kind != GUARD_MNT_TMPFS || !guard_path_within(path, m->path))
			continue;
		for (size_t g = 0; g < plan->os->grants.n; g++)
			if (strcmp(plan->os->grants.v[g].path, m->path) != 0 &&
			    guard_path_within(path, plan->os->grants.v[g].path))
				return false;
		return true;
	}
	return false;
}

static void plan_host_sockets(struct guard_plan *plan)
{
	cover_host_sockets(plan);
	for (size_t i = 0; i < guard_net_host_socket_count(plan); i++) {
		const char *path = guard_net_host_socket_path(plan, i);
		bool hidden = false, dup = false;
		for (size_t k = 0; k < plan->os->mounts.n; k++) {
			const struct guard_mount *m = &plan->os->mounts.v[k];
			hidden |= m->kind == GUARD_MNT_TMPFS && guard_path_within(path, m->path);
			dup |= m->kind == GUARD_MNT_REBIND && strcmp(m->path, path) == 0;
		}
		if (!hidden || dup)
			continue; /* visible as it is */
		struct guard_mount m = {
			GUARD_MNT_REBIND, guard_xstrdup(path), false, 0, NULL, "network.host_sockets: bound in"};
		GUARD_VEC_PUSH(plan->os->mounts, m);
	}
}

static int cmp_mount(const void *a, const void *b)
{
	const struct guard_mount *x = a, *y = b;
	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	return strcmp(x->path, y->path);
}

static void add_mount(struct guard_plan *plan, enum guard_mount_kind kind, const char *path, bool is_dir, unsigned mode,
		      const struct guard_image_rule *rule, const char *why)
{
	for (size_t i = 0; i < plan->os->mounts.n; i++)
		if (plan->os->mounts.v[i].kind == kind && strcmp(plan->os->mounts.v[i].path, path) == 0)
			return;
	struct guard_mount m = {kind, guard_xstrdup(path), is_dir, mode, rule, why};
	GUARD_VEC_PUSH(plan->os->mounts, m);
}

static const struct guard_grant *write_grant_containing(const struct guard_plan *plan, const char *path)
{
	const struct guard_grant *best = NULL;
	for (size_t i = 0; i < plan->os->grants.n; i++) {
		const struct guard_grant *g = &plan->os->grants.v[i];
		if (g->is_dir && !g->private_dir && (g->access & LANDLOCK_ACCESS_FS_WRITE_FILE) &&
		    guard_path_within(path, g->path) && strcmp(path, g->path) != 0 &&
		    (!best || strlen(g->path) < strlen(best->path)))
			best = g;
	}
	return best;
}

static bool state_file_tree(const struct guard_plan *plan, const char *path)
{
	for (size_t i = 0; i < plan->trees.n; i++)
		if (plan->trees.v[i].state_file && strcmp(plan->trees.v[i].path, path) == 0)
			return true;
	return false;
}

bool guard_state_sibling(const char *file, const char *name)
{
	size_t n = strlen(file);
	/* NAME.backup: the copy Claude Code 2.0 keeps beside ~/.claude.json; like the others it lives in the private
	 * home only (the state file itself is what is saved back). */
	return strncmp(name, file, n) == 0 && (!name[n] || !strcmp(name + n, ".lock") || !strcmp(name + n, ".backup") ||
					       (!strncmp(name + n, ".tmp.", 5) && name[n + 5]));
}

/* Said at start, not only in --dry-run: the agent's save by rename will fail, and it may not say why. */
static void note_state_in_place(struct guard_plan *plan, const char *path, const char *reason)
{
	char *n = guard_xasprintf("%s is saved in place only: creating %s.lock/ and %s.tmp.* beside it would need %s",
				  path, strrchr(path, '/') + 1, strrchr(path, '/') + 1, reason);
	guard_note("%s", n);
	guard_strv_push(&plan->notes, n);
}

static bool absent_tree(const struct guard_plan *plan, const char *path)
{
	for (size_t i = 0; i < plan->trees.n; i++)
		if (plan->trees.v[i].absent && strcmp(plan->trees.v[i].path, path) == 0)
			return true;
	return false;
}

static void note_absent(struct guard_plan *plan, const char *path, const char *reason)
{
	char *n = guard_xasprintf("%s is not granted: it does not exist yet and %s; create it first (touch %s)", path,
				  reason, path);
	guard_note("%s", n);
	guard_strv_push(&plan->notes, n);
}

/* A state file copied into the private $HOME is replaced by rename, which needs its directory writable: that
 * directory gets a grant of its own, marked private (its names are the observer's to keep to the state file's,
 * and the trees bound back under it keep their own mounts' rights), in place of the file's grant, whose inode
 * the first rename replaces. */
static void plan_state_dirs(struct guard_plan *plan)
{
	const uint64_t rights = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
				LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |
				LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_DIR | LL_REMOVE;
	for (size_t i = 0; i < plan->os->mounts.n; i++) {
		const struct guard_mount *m = &plan->os->mounts.v[i];
		if (m->kind != GUARD_MNT_STATE_COPY)
			continue;
		for (size_t k = 0; k < plan->os->grants.n; k++) {
			struct guard_grant *g = &plan->os->grants.v[k];
			if (strcmp(g->path, m->path) == 0) {
				free(g->path);
				*g = plan->os->grants.v[--plan->os->grants.n];
				break;
			}
		}
		char *dir = guard_xstrdup(m->path);
		*strrchr(dir, '/') = 0;
		size_t before = plan->os->grants.n;
		add_grant(plan, dir[0] ? dir : "/", true, rights, m->rule,
			  "holds a state file: its names only (NAME.lock/, NAME.tmp.*, NAME.backup), in the private "
			  "home");
		if (plan->os->grants.n > before)
			plan->os->grants.v[before].private_dir = true;
		free(dir);
	}
}

static bool within_virtual_root_exactly(const struct guard_strv *roots, const char *path)
{
	for (size_t k = 0; k < roots->n; k++)
		if (strcmp(path, roots->v[k]) == 0)
			return true;
	return false;
}

static bool is_mount_point(const struct guard_plan *plan, const char *path)
{
	for (size_t i = 0; i < plan->os->mounts.n; i++)
		if ((plan->os->mounts.v[i].kind == GUARD_MNT_TMPFS || plan->os->mounts.v[i].kind == GUARD_MNT_REBIND) &&
		    strcmp(plan->os->mounts.v[i].path, path) == 0)
			return true;
	return false;
}

static void add_op(struct guard_plan *plan, enum guard_mount_kind kind, const char *path, const char *src, bool is_dir,
		   const char *why)
{
	struct guard_mount m = {kind, guard_xstrdup(path), is_dir, 0, NULL, why, src ? guard_xstrdup(src) : NULL};
	GUARD_VEC_PUSH(plan->os->mounts, m);
}

static bool has_mount(const struct guard_plan *plan, enum guard_mount_kind kind, const char *path)
{
	for (size_t i = 0; i < plan->os->mounts.n; i++)
		if (plan->os->mounts.v[i].kind == kind && strcmp(plan->os->mounts.v[i].path, path) == 0)
			return true;
	return false;
}

/* A name hidden under the private $HOME answers EACCES like any denied path, not ENOENT: $HOME and every directory
 * between it and an entry bound back get placeholders for the names they hide. */
static void plan_mirrors(struct guard_plan *plan)
{
	static const char why[] = "hidden names answer EACCES (empty mode-000 placeholders)";
	bool home_hidden = false;
	for (size_t i = 0; i < plan->os->mounts.n; i++)
		home_hidden |= plan->os->mounts.v[i].kind == GUARD_MNT_TMPFS &&
			       guard_path_within(plan->home, plan->os->mounts.v[i].path);
	if (!home_hidden)
		return;
	add_op(plan, GUARD_MNT_MIRROR, plan->home, NULL, true, why);
	for (size_t i = 0, n = plan->os->mounts.n; i < n; i++) {
		const struct guard_mount *m = &plan->os->mounts.v[i];
		if ((m->kind != GUARD_MNT_REBIND && m->kind != GUARD_MNT_STATE_COPY) ||
		    !guard_path_within(m->path, plan->home))
			continue;
		char *p = guard_xstrdup(m->path);
		for (char *s = strrchr(p, '/'); s && s > p; s = strrchr(p, '/')) {
			*s = 0;
			if (strcmp(p, plan->home) == 0 || !guard_path_within(p, plan->home))
				break;
			if (!has_mount(plan, GUARD_MNT_MIRROR, p))
				add_op(plan, GUARD_MNT_MIRROR, p, NULL, true, why);
		}
		free(p);
	}
}

bool guard_grant_writable(const struct guard_grant *g)
{
	return (g->access & (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG)) != 0;
}

/* The mounts guard makes for itself, decided here in one place: writable grants made mounts of their own, its
 * run directory, shim and binary bound read-only at GUARD_RUN_DIR, the cover sources, exec.deny stubs, and the
 * read-only remounts that close the view. */
static void plan_own_mounts(struct guard_plan *plan)
{
	for (size_t i = 0; i < plan->os->grants.n; i++) {
		/* A writable grant that is part of a larger mount (the project on /); devices keep working on a
		 * read-only mount, and a tmpfs or a rebind of ours is a mount already. */
		const struct guard_grant *g = &plan->os->grants.v[i];
		if (guard_grant_writable(g) && !guard_path_within(g->path, "/dev") &&
		    !guard_path_within(g->path, "/proc") && !has_mount(plan, GUARD_MNT_TMPFS, g->path) &&
		    !has_mount(plan, GUARD_MNT_REBIND, g->path) && !has_mount(plan, GUARD_MNT_STATE_COPY, g->path))
			add_op(plan, GUARD_MNT_SELF_BIND, g->path, NULL, g->is_dir,
			       "writable: a mount of its own, the rest goes read-only");
	}
	if (plan->rundir) {
		add_op(plan, GUARD_MNT_BIND_RO, GUARD_RUN_DIR, plan->rundir, true,
		       "guard's run directory: the compiled policy, the event socket");
		if (plan->shim)
			add_op(plan, GUARD_MNT_BIND_RO, GUARD_RUN_DIR "/libguard.so", plan->shim, false, "the shim");
		if (plan->exe)
			add_op(plan, GUARD_MNT_BIND_RO, GUARD_RUN_DIR "/guard", plan->exe, false,
			       "guard itself, for the agent's hook");
	}
	/* On a tmpfs only guard can reach: /run's when it has one (/run is not granted, and goes read-only). */
	bool private_run = has_mount(plan, GUARD_MNT_TMPFS, "/run");
	add_op(plan, GUARD_MNT_COVER_SOURCES, private_run ? "/run/.guard-cover" : "/tmp/.guard-cover", NULL, true,
	       "cover sources: an empty mode-000 file and directory");
	char *self = plan->exec_stubs.n ? realpath("/proc/self/exe", NULL) : NULL;
	if (plan->exec_stubs.n && !self)
		guard_die_errno(NULL, "finding guard itself to cover exec.deny programs");
	for (size_t i = 0; i < plan->exec_stubs.n; i++) /* exec_rules.c */
		add_op(plan, GUARD_MNT_STUB, plan->exec_stubs.v[i], self, false, "exec.deny: guard's stub, exits 126");
	free(self);
	if (private_run)
		add_op(plan, GUARD_MNT_LOCK_RUN, "/run", NULL, true, "read-only: the cover sources stay as they are");
	add_op(plan, GUARD_MNT_REST_READONLY, "/", NULL, true,
	       "every other mount read-only: Landlock cannot refuse chmod, chown, utimes or xattrs");
}

/* Namespaces mode: fresh tmpfs over /tmp, /run, /dev/shm and $HOME; granted trees bound back; holes mounted. */
static void plan_mounts(struct guard_plan *plan)
{
	const char *virt[4] = {"/tmp", "/run", "/dev/shm", plan->home};
	const char *why[4] = {"private /tmp", "hides host sockets and runtime dirs (/run/user, docker.sock, D-Bus)",
			      "private /dev/shm", "home is deny-by-default: only granted entries are bound in"};
	struct guard_strv roots = {0};
	for (int i = 0; i < 4; i++) {
		struct stat st;
		if (!virt[i] || strcmp(virt[i], "/") == 0 || stat(virt[i], &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		bool granted_above = false;
		for (size_t k = 0; i == 3 && k < plan->os->grants.n; k++)
			granted_above |= guard_path_within(virt[i], plan->os->grants.v[k].path);
		bool inside_other = false;
		for (size_t k = 0; k < roots.n; k++)
			inside_other |= guard_path_within(virt[i], roots.v[k]);
		if (granted_above)
			continue;
		guard_strv_push(&roots, guard_xstrdup(virt[i]));
		if (!inside_other)
			add_mount(plan, GUARD_MNT_TMPFS, virt[i], true, st.st_mode & 07777, NULL, why[i]);
	}
	for (size_t i = 0; i < plan->os->grants.n; i++) {
		const struct guard_grant *g = &plan->os->grants.v[i];
		bool under = false, nested = false;
		for (size_t k = 0; k < roots.n; k++)
			under |= guard_path_within(g->path, roots.v[k]) && strcmp(g->path, roots.v[k]) != 0;
		/* Bound back with its parent grant, unless that parent is a tmpfs root itself. */
		for (size_t k = 0; under && k < plan->os->grants.n; k++)
			nested |= k != i && guard_path_within(g->path, plan->os->grants.v[k].path) &&
				  strcmp(g->path, plan->os->grants.v[k].path) != 0 && plan->os->grants.v[k].is_dir &&
				  !within_virtual_root_exactly(&roots, plan->os->grants.v[k].path);
		if (guard_path_within(g->path, GUARD_RUN_DIR))
			continue; /* guard's own files: bound by plan_own_mounts */
		if (under && !nested && absent_tree(plan, g->path) && !plan->observer) {
			note_absent(plan, g->path, "the kernel observer (seccomp user notification) is off");
			continue;
		}
		if (under && !nested && state_file_tree(plan, g->path) && plan->observer)
			add_mount(plan, GUARD_MNT_STATE_COPY, g->path, false, 0, g->rule,
				  "state file: a private copy (NAME.lock/, NAME.tmp.*, NAME.backup beside it), saved "
				  "back when it "
				  "changes");
		else if (under && !nested)
			add_mount(plan, GUARD_MNT_REBIND, g->path, g->is_dir, 0, g->rule, "granted, bound back");
		if (under && !nested && state_file_tree(plan, g->path) && !plan->observer &&
		    !absent_tree(plan, g->path))
			note_state_in_place(plan, g->path, "the kernel observer (seccomp user notification) is off");
		if (!under && absent_tree(plan, g->path))
			note_absent(plan, g->path,
				    "only a file in the sandbox's private home can be granted before it exists");
	}
	guard_strv_clear(&roots);
	plan_state_dirs(plan);

	for (size_t i = 0; i < plan->holes.n; i++) {
		const struct guard_hole *h = &plan->holes.v[i];
		if (h->deny)
			add_mount(plan, h->is_dir ? GUARD_MNT_COVER_DIR : GUARD_MNT_COVER_FILE, h->path, h->is_dir, 0,
				  h->rule, h->note);
		const struct guard_grant *w = write_grant_containing(plan, h->path);
		if (!w)
			continue; /* inside a read-only tree: nothing can move it */
		if (!h->deny)
			add_mount(plan, GUARD_MNT_READONLY, h->path, h->is_dir, 0, h->rule, NULL);
		else if ((h->rule && (h->rule->flags & GUARD_IRULE_NAME_ONLY)) || gone_with_tmpfs(plan, h->path))
			continue; /* a secret by name stays one wherever it is moved; one under a private tmpfs is not
				   * there to move */
		/* Pin the directories between the writable root and the path, so it can't be renamed away and
		 * recreated unprotected (mv .git g2; mkdir -p .git/hooks), nor a secret named by its path moved out
		 * from under its rule for the next session (mv private p2; issue 13). */
		char *p = guard_xstrdup(h->path);
		for (char *s = strrchr(p, '/'); s && s > p; s = strrchr(p, '/')) {
			*s = 0;
			if (!guard_path_within(p, w->path) || strcmp(p, w->path) == 0 || is_mount_point(plan, p))
				break; /* a mount point can't be renamed: the chain is anchored */
			add_mount(plan, GUARD_MNT_PIN, p, true, 0, h->rule, "keeps the protected path in place");
		}
		free(p);
	}
	plan_host_sockets(plan); /* network.host_sockets bound in, the others covered */
	plan_mirrors(plan);
	plan_own_mounts(plan);
	qsort(plan->os->mounts.v, plan->os->mounts.n, sizeof *plan->os->mounts.v, cmp_mount);
}

/* Landlock-only mode: a grant can't be subtracted from, so a granted directory holding a hole is replaced by
 * rules on each of its children (recursively along the path to each hole), and the directory itself keeps only
 * the rights that can't reach the hole through inheritance. */
static void split_grant(struct guard_plan *plan, const char *dir, uint64_t access, const struct guard_image_rule *rule)
{
	uint64_t forbid = 0;
	for (size_t i = 0; i < plan->holes.n; i++) {
		const struct guard_hole *h = &plan->holes.v[i];
		if (guard_path_within(h->path, dir) && strcmp(h->path, dir) != 0)
			forbid |= h->deny ? LL_DENY_FORBID : LL_PROTECT_FORBID;
	}
	if (!forbid) {
		add_grant(plan, dir, true, access, rule, NULL);
		return;
	}
	add_grant(plan, dir, true, access & ~forbid, rule, "split around a denied or protected path");
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *child = guard_path_join(dir, e->d_name);
		struct stat st;
		const struct guard_hole *exact = NULL;
		bool beneath = false;
		for (size_t i = 0; i < plan->holes.n; i++) {
			const struct guard_hole *h = &plan->holes.v[i];
			if (strcmp(h->path, child) == 0)
				exact = h;
			else if (guard_path_within(h->path, child))
				beneath = true;
		}
		if (lstat(child, &st) != 0 || S_ISLNK(st.st_mode)) {
			/* A symlink's rule would land on its target, which may be anywhere. */
		} else if (exact && exact->deny) {
			/* not granted */
		} else if (exact) {
			if (S_ISDIR(st.st_mode) && beneath)
				split_grant(plan, child, access & GUARD_LL_READ, rule);
			else
				add_grant(plan, child, S_ISDIR(st.st_mode), access & GUARD_LL_READ, exact->rule,
					  "protected: read-only");
		} else if (beneath && S_ISDIR(st.st_mode)) {
			split_grant(plan, child, access, rule);
		} else {
			add_grant(plan, child, S_ISDIR(st.st_mode), access, rule,
				  "split around a denied or protected path");
		}
		free(child);
	}
	closedir(d);
}

static void plan_splits(struct guard_plan *plan)
{
	__typeof__(plan->os->grants) old = plan->os->grants;
	memset(&plan->os->grants, 0, sizeof plan->os->grants);
	for (size_t i = 0; i < old.n; i++) {
		struct guard_grant *g = &old.v[i];
		bool holed = false;
		for (size_t k = 0; k < plan->holes.n && g->is_dir; k++)
			holed |= guard_path_within(plan->holes.v[k].path, g->path) &&
				 (plan->holes.v[k].deny || (g->access & LANDLOCK_ACCESS_FS_WRITE_FILE));
		if (holed)
			split_grant(plan, g->path, g->access, g->rule);
		else
			add_grant(plan, g->path, g->is_dir, g->access, g->rule, g->why);
		free(g->path);
	}
	free(old.v);
	/* Holes that are files granted on their own (a denied name among the children) are simply not granted; a
	 * grant that is itself a hole was already dropped when grants were built. */
}

static void build_grants(struct guard_plan *plan)
{
	for (size_t i = 0; i < plan->trees.n; i++) {
		const struct guard_tree *t = &plan->trees.v[i];
		add_grant(plan, t->path, t->is_dir, t->write ? plan->os->handled_fs : GUARD_LL_READ, t->rule, t->why);
	}
}

void guard_linux_plan(struct guard_plan *plan, const struct guard_plan_input *in)
{
	(void)in;
	struct guard_os_plan *os = guard_xmalloc(sizeof *os);
	memset(os, 0, sizeof *os);
	plan->os = os;
	struct guard_landlock_caps caps = guard_landlock_abi_caps(plan->abi);
	/* Without Landlock (--allow-degraded) the grants still shape the mounts: what is bound back into the
	 * private $HOME and /tmp, what stays writable. They are kept in ABI 1's rights; nothing applies them. */
	os->handled_fs = guard_landlock_abi_caps(plan->abi > 0 ? plan->abi : 1).fs;
	os->scoped = caps.scoped;
	/* Landlock-only mode, network not open: TCP by Landlock port rules (landlock_linux.c), the rest by seccomp. */
	if (plan->mode == GUARD_MODE_LANDLOCK_ONLY && guard_net_mode_of(plan) != GUARD_NET_OPEN)
		os->handled_net = caps.net;
	build_grants(plan);
	if (plan->mode == GUARD_MODE_NAMESPACES)
		plan_mounts(plan);
	else
		plan_splits(plan);
	if (plan->observer &&
	    (os->nloader_sites = guard_loader_open_sites(os->loader_sites, GUARD_LOADER_SITES_MAX)) > 0)
		plan->unobserved =
			"the dynamic loader's opens of the libraries a program needs (ld.so, before any shim "
			"runs): not logged, also when the boundary refused one (the program then fails to "
			"start, naming the library)";
	for (size_t i = 0; plan->mode != GUARD_MODE_NAMESPACES && i < plan->trees.n; i++)
		if (plan->trees.v[i].absent)
			note_absent(plan, plan->trees.v[i].path, "Landlock-only mode grants only what exists");
		else if (plan->trees.v[i].state_file)
			note_state_in_place(plan, plan->trees.v[i].path,
					    "a grant of the whole directory in Landlock-only mode (user namespaces: "
					    "guard doctor)");
}

void guard_linux_plan_free(struct guard_plan *plan)
{
	struct guard_os_plan *os = plan->os;
	if (!os)
		return;
	for (size_t i = 0; i < os->grants.n; i++)
		free(os->grants.v[i].path);
	free(os->grants.v);
	for (size_t i = 0; i < os->mounts.n; i++) {
		free(os->mounts.v[i].path);
		free(os->mounts.v[i].src);
	}
	free(os->mounts.v);
	free(os);
	plan->os = NULL;
}
