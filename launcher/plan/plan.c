/* From policy to plan: resolve rules, turn read/write rules into Landlock grants, find the holes (scan.c), and
 * subtract them: with namespaces by mounts (covers, read-only binds), without by splitting grants around them. */
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

#include "guard/match.h"
#include "plan/plan.h"
#include "plan/image_build.h"
#include "plan/net.h"
#include "policy/policy_api.h"

#define LL_REMOVE (LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR)
/* Rights an ancestor of a denied path must not carry: they would reach the secret through inheritance. */
/* Creating is forbidden too: a directory without WRITE_FILE would only collect empty files (a stale index.lock
 * that breaks git outside), and a hard link gives the secret an innocent name. */
#define LL_MAKE                                                                                                      \
	(LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |                  \
	 LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |               \
	 LANDLOCK_ACCESS_FS_MAKE_SYM)
#define LL_DENY_FORBID                                                                                               \
	(LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                 \
	 LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV | LL_REMOVE | LANDLOCK_ACCESS_FS_REFER | LL_MAKE)
/* ... and of a protected path: anything that changes, removes, replaces it or plants beside it. */
#define LL_PROTECT_FORBID                                                                                            \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | LL_REMOVE | LANDLOCK_ACCESS_FS_REFER | LL_MAKE)

uint64_t guard_landlock_fs_rights(int abi)
{
	uint64_t r = 0;
	if (abi >= 1)
		r |= (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1; /* EXECUTE .. MAKE_SYM */
	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return r;
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
	access &= plan->handled_fs;
	if (!access)
		return;
	for (size_t i = 0; i < plan->grants.n; i++) {
		struct guard_grant *g = &plan->grants.v[i];
		if (strcmp(g->path, path) == 0) {
			if ((access & ~g->access) && rule) {
				g->rule = rule;
				g->why = why;
			}
			g->access |= access;
			return;
		}
	}
	struct guard_grant g = {guard_xstrdup(path), access, is_dir, rule, why};
	GUARD_VEC_PUSH(plan->grants, g);
}

static void grant_path(struct guard_plan *plan, const struct guard_image_rule *r, const char *path, uint64_t access)
{
	const struct guard_image *img = &plan->image;
	struct stat st;
	if (plan->mode == GUARD_MODE_NAMESPACES && plan->rundir && strcmp(path, GUARD_RUN_DIR) == 0) {
		/* Exists only inside the sandbox (mounts_linux.c creates it). */
		add_grant(plan, path, true, access, r, NULL);
		return;
	}
	if (plan->mode == GUARD_MODE_LANDLOCK_ONLY && strcmp(path, "/dev/shm") == 0) {
		/* Without a mount namespace /dev/shm is the host's, shared with every process of the machine. */
		guard_strv_push(&plan->notes, guard_xstrdup("/dev/shm not granted: Landlock-only mode has no private one"));
		return;
	}
	if (stat(path, &st) != 0) {
		/* A profile names more than any one machine has; only the user's own missing paths are news. */
		if (r->source != GUARD_SRC_PROFILE)
			guard_strv_push(&plan->notes, guard_xasprintf("not present, not granted: %s (%s:%u)", path,
								      guard_image_str(img, r->file), r->line));
		return;
	}
	char *norm = guard_path_normalize(path);
	const struct guard_image_rule *d = guard_image_decide(img, GUARD_DENY, norm, S_ISDIR(st.st_mode));
	if (d)
		guard_strv_push(&plan->notes, guard_xasprintf("%s %s not granted: denied by \"%s\" (%s:%u)",
							      guard_rule_kind_name(r->kind), norm,
							      guard_image_str(img, d->written),
							      guard_image_str(img, d->file), d->line));
	else
		add_grant(plan, norm, S_ISDIR(st.st_mode), access, r, NULL);
	free(norm);
}

static void build_grants(struct guard_plan *plan)
{
	const struct guard_image *img = &plan->image;
	for (uint32_t i = 0; i < img->h->nrules; i++) {
		const struct guard_image_rule *r = &img->rules[i];
		const char *pattern = guard_image_str(img, r->pattern);
		if (r->kind != GUARD_READ && r->kind != GUARD_WRITE)
			continue;
		uint64_t access = r->kind == GUARD_WRITE ? plan->handled_fs : GUARD_LL_READ;
		if (!guard_pattern_has_glob(pattern)) {
			grant_path(plan, r, pattern, access);
			continue;
		}
		glob_t g;
		if (glob(pattern, GLOB_PERIOD | GLOB_NOSORT, NULL, &g) == 0) {
			for (size_t k = 0; k < g.gl_pathc; k++) {
				const char *base = strrchr(g.gl_pathv[k], '/');
				if (base && (!strcmp(base, "/.") || !strcmp(base, "/..")))
					continue;
				grant_path(plan, r, g.gl_pathv[k], access);
			}
			globfree(&g);
		}
	}
}

static int cmp_mount(const void *a, const void *b)
{
	const struct guard_mount *x = a, *y = b;
	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	return strcmp(x->path, y->path);
}

static void add_mount(struct guard_plan *plan, enum guard_mount_kind kind, const char *path, bool is_dir,
		      unsigned mode, const struct guard_image_rule *rule, const char *why)
{
	for (size_t i = 0; i < plan->mounts.n; i++)
		if (plan->mounts.v[i].kind == kind && strcmp(plan->mounts.v[i].path, path) == 0)
			return;
	struct guard_mount m = {kind, guard_xstrdup(path), is_dir, mode, rule, why};
	GUARD_VEC_PUSH(plan->mounts, m);
}

static const struct guard_grant *write_grant_containing(const struct guard_plan *plan, const char *path)
{
	const struct guard_grant *best = NULL;
	for (size_t i = 0; i < plan->grants.n; i++) {
		const struct guard_grant *g = &plan->grants.v[i];
		if (g->is_dir && (g->access & LANDLOCK_ACCESS_FS_WRITE_FILE) && guard_path_within(path, g->path) &&
		    strcmp(path, g->path) != 0 && (!best || strlen(g->path) < strlen(best->path)))
			best = g;
	}
	return best;
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
	for (size_t i = 0; i < plan->mounts.n; i++)
		if ((plan->mounts.v[i].kind == GUARD_MNT_TMPFS || plan->mounts.v[i].kind == GUARD_MNT_REBIND) &&
		    strcmp(plan->mounts.v[i].path, path) == 0)
			return true;
	return false;
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
		for (size_t k = 0; i == 3 && k < plan->grants.n; k++)
			granted_above |= guard_path_within(virt[i], plan->grants.v[k].path);
		bool inside_other = false;
		for (size_t k = 0; k < roots.n; k++)
			inside_other |= guard_path_within(virt[i], roots.v[k]);
		if (granted_above)
			continue;
		guard_strv_push(&roots, guard_xstrdup(virt[i]));
		if (!inside_other)
			add_mount(plan, GUARD_MNT_TMPFS, virt[i], true, st.st_mode & 07777, NULL, why[i]);
	}
	for (size_t i = 0; i < plan->grants.n; i++) {
		const struct guard_grant *g = &plan->grants.v[i];
		bool under = false, nested = false;
		for (size_t k = 0; k < roots.n; k++)
			under |= guard_path_within(g->path, roots.v[k]) && strcmp(g->path, roots.v[k]) != 0;
		/* Bound back with its parent grant, unless that parent is a tmpfs root itself. */
		for (size_t k = 0; under && k < plan->grants.n; k++)
			nested |= k != i && guard_path_within(g->path, plan->grants.v[k].path) &&
				  strcmp(g->path, plan->grants.v[k].path) != 0 && plan->grants.v[k].is_dir &&
				  !within_virtual_root_exactly(&roots, plan->grants.v[k].path);
		if (guard_path_within(g->path, GUARD_RUN_DIR))
			continue; /* mounted by guard itself (mounts_linux.c) */
		if (under && !nested)
			add_mount(plan, GUARD_MNT_REBIND, g->path, g->is_dir, 0, g->rule, "granted, bound back");
	}
	guard_strv_clear(&roots);

	for (size_t i = 0; i < plan->holes.n; i++) {
		const struct guard_hole *h = &plan->holes.v[i];
		if (h->deny) {
			add_mount(plan, h->is_dir ? GUARD_MNT_COVER_DIR : GUARD_MNT_COVER_FILE, h->path, h->is_dir, 0,
				  h->rule, h->note);
			continue;
		}
		const struct guard_grant *w = write_grant_containing(plan, h->path);
		if (!w)
			continue; /* protected inside a read-only tree: nothing to do */
		add_mount(plan, GUARD_MNT_READONLY, h->path, h->is_dir, 0, h->rule, NULL);
		/* Pin the directories between the writable root and the protected path, so it can't be renamed
		 * away and recreated unprotected (mv .git g2; mkdir -p .git/hooks). */
		char *p = guard_xstrdup(h->path);
		for (char *s = strrchr(p, '/'); s && s > p; s = strrchr(p, '/')) {
			*s = 0;
			if (!guard_path_within(p, w->path) || strcmp(p, w->path) == 0 || is_mount_point(plan, p))
				break; /* a mount point can't be renamed: the chain is anchored */
			add_mount(plan, GUARD_MNT_PIN, p, true, 0, h->rule, "keeps the protected path in place");
		}
		free(p);
	}
	guard_net_plan_mounts(plan); /* network.host_sockets bound in */
	qsort(plan->mounts.v, plan->mounts.n, sizeof *plan->mounts.v, cmp_mount);
}

/* Landlock-only mode: a grant can't be subtracted from, so a granted directory holding a hole is replaced by
 * rules on each of its children (recursively along the path to each hole), and the directory itself keeps only
 * the rights that can't reach the hole through inheritance. */
static void split_grant(struct guard_plan *plan, const char *dir, uint64_t access,
			const struct guard_image_rule *rule)
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
			add_grant(plan, child, S_ISDIR(st.st_mode), access, rule, "split around a denied or protected path");
		}
		free(child);
	}
	closedir(d);
}

static void plan_splits(struct guard_plan *plan)
{
	__typeof__(plan->grants) old = plan->grants;
	memset(&plan->grants, 0, sizeof plan->grants);
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

void guard_plan_build(struct guard_plan *plan, const struct guard_plan_input *in)
{
	memset(plan, 0, sizeof *plan);
	plan->mode = in->mode;
	plan->abi = in->abi;
	/* Without Landlock (--allow-degraded) the grants still shape the mounts: what is bound back into the
	 * private $HOME and /tmp, what stays writable. They are kept in ABI 1's rights; nothing applies them. */
	plan->handled_fs = guard_landlock_fs_rights(in->abi > 0 ? in->abi : 1);
	plan->home = guard_path_normalize(in->home);
	plan->project = guard_path_normalize(in->project);
	plan->cwd = guard_path_normalize(in->cwd);
	plan->tmpdir = guard_xstrdup(in->mode == GUARD_MODE_NAMESPACES ? "/tmp" : in->tmp_host);
	if (in->abi >= 6)
		plan->scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
	guard_rlimits_from_policy(in->policy, &plan->rlimits);

	if (!in->project_explicit && (strcmp(plan->project, "/") == 0 || strcmp(plan->project, plan->home) == 0))
		guard_die("run guard from inside a project, or name it: guard run --project DIR -- CMD",
			  "refusing to use %s as the project: it would grant all of it read-write", plan->project);
	/* net_isolated, handled_net, the seccomp socket options, the proxy (net_plan.c) */
	guard_net_plan_build(plan, in);

	struct guard_image_params prm = {
		.home = plan->home,
		.project = plan->project,
		.tmpdir = plan->tmpdir,
		.session_id = in->session_id,
		.event_socket = in->event_socket,
		.session_magic = in->session_magic,
		.flags = (in->quiet ? GUARD_IMAGE_QUIET : 0) |
			 (in->mode == GUARD_MODE_NAMESPACES ? GUARD_IMAGE_NAMESPACES : 0),
		.abi = in->abi,
	};
	guard_image_build(in->policy, &prm, &plan->image_buf, &plan->image_len);
	if (guard_image_load(&plan->image, plan->image_buf, plan->image_len) != 0)
		guard_die(NULL, "internal error: the compiled policy does not validate");
	if (in->rundir) {
		plan->rundir = guard_xstrdup(in->rundir);
		plan->shim = in->shim ? guard_xstrdup(in->shim) : NULL;
		plan->exe = in->exe ? guard_xstrdup(in->exe) : NULL;
	}
	build_grants(plan);
	guard_scan_holes(plan);
	if (plan->mode == GUARD_MODE_NAMESPACES)
		plan_mounts(plan);
	else
		plan_splits(plan);
	guard_exec_plan(plan);
}

void guard_plan_free(struct guard_plan *plan)
{
	free(plan->image_buf);
	for (size_t i = 0; i < plan->grants.n; i++)
		free(plan->grants.v[i].path);
	free(plan->grants.v);
	for (size_t i = 0; i < plan->holes.n; i++) {
		free(plan->holes.v[i].path);
		free(plan->holes.v[i].note);
	}
	free(plan->holes.v);
	for (size_t i = 0; i < plan->mounts.n; i++)
		free(plan->mounts.v[i].path);
	free(plan->mounts.v);
	guard_strv_clear(&plan->notes);
	guard_strv_clear(&plan->scan_roots);
	free(plan->home);
	free(plan->project);
	free(plan->cwd);
	free(plan->tmpdir);
	free(plan->rundir);
	free(plan->shim);
	free(plan->exe);
	guard_strv_clear(&plan->exec_stubs);
	guard_net_plan_free(plan);
}
