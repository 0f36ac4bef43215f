/* From policy to the neutral plan: resolve rules, expand the trees read/write rules grant, find the holes (scan.c)
 * and the exec stubs. Subtracting the holes (covers with namespaces, Landlock splits without) is the platform's
 * part (sandbox/linux/plan_linux.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "guard/match.h"
#include "plan/glob_each.h"
#include "plan/plan.h"
#include "plan/image_build.h"
#include "plan/net.h"
#include "policy/policy_api.h"

/* The same path granted twice keeps one tree: writable when either grant is, named by the rule that gave it the
 * most. */
static void add_tree(struct guard_plan *plan, const char *path, bool is_dir, bool write,
		     const struct guard_image_rule *rule)
{
	for (size_t i = 0; i < plan->trees.n; i++) {
		struct guard_tree *t = &plan->trees.v[i];
		if (strcmp(t->path, path) == 0) {
			if (write && !t->write && rule)
				t->rule = rule;
			t->write |= write;
			t->state_file |= write && !is_dir && rule && (rule->flags & GUARD_IRULE_STATE);
			return;
		}
	}
	bool state_file = write && !is_dir && rule && (rule->flags & GUARD_IRULE_STATE);
	struct guard_tree t = {guard_xstrdup(path), is_dir, write, rule, NULL, state_file, false};
	GUARD_VEC_PUSH(plan->trees, t);
}

/* The user's write grant of a file that does not exist yet, in a home directory that does: the sandbox may
 * create it (the platform keeps its directory to that name). A trailing '/' means a directory, which is not made
 * here; a profile's paths are not news (its state: entries are created before the run). */
static bool grant_absent_file(struct guard_plan *plan, const struct guard_image_rule *r, const char *path, bool write)
{
	struct stat st;
	size_t n = strlen(path);
	if (!write || r->source == GUARD_SRC_PROFILE || errno != ENOENT || !n || path[n - 1] == '/' ||
	    !guard_path_within(path, plan->home) || strcmp(path, plan->home) == 0)
		return false;
	char *norm = guard_path_normalize(path);
	char *dir = guard_xstrdup(norm);
	*strrchr(dir, '/') = 0;
	bool ok = stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
		  !guard_image_decide(&plan->image, GUARD_DENY, norm, false);
	if (ok) {
		add_tree(plan, norm, false, true, r);
		for (size_t i = 0; i < plan->trees.n; i++)
			if (strcmp(plan->trees.v[i].path, norm) == 0)
				plan->trees.v[i].state_file = plan->trees.v[i].absent = true;
	}
	free(dir);
	free(norm);
	return ok;
}

static void grant_path(struct guard_plan *plan, const struct guard_image_rule *r, const char *path, bool write)
{
	const struct guard_image *img = &plan->image;
	struct stat st;
	if (plan->mode == GUARD_MODE_NAMESPACES && plan->rundir && strcmp(path, GUARD_RUN_DIR) == 0) {
		/* Exists only inside the sandbox: the platform makes it (plan_linux.c binds guard's run dir there). */
		add_tree(plan, path, true, write, r);
		return;
	}
	if (plan->mode == GUARD_MODE_LANDLOCK_ONLY && strcmp(path, "/dev/shm") == 0) {
		/* Without a mount namespace /dev/shm is the host's, shared with every process of the machine. */
		guard_strv_push(&plan->notes,
				guard_xstrdup("/dev/shm not granted: Landlock-only mode has no private one"));
		return;
	}
	if (stat(path, &st) != 0) {
		if (grant_absent_file(plan, r, path, write))
			return;
		/* A profile names more than any one machine has; only the user's own missing paths are news. */
		if (r->source != GUARD_SRC_PROFILE)
			guard_strv_push(&plan->notes, guard_xasprintf("not present, not granted: %s (%s:%u)", path,
								      guard_image_str(img, r->file), r->line));
		return;
	}
	char *norm = guard_path_normalize(path);
	const struct guard_image_rule *d = guard_image_decide(img, GUARD_DENY, norm, S_ISDIR(st.st_mode));
	if (d)
		guard_strv_push(&plan->notes,
				guard_xasprintf("%s %s not granted: denied by \"%s\" (%s:%u)",
						guard_rule_kind_name(r->kind), norm, guard_image_str(img, d->written),
						guard_image_str(img, d->file), d->line));
	else
		add_tree(plan, norm, S_ISDIR(st.st_mode), write, r);
	free(norm);
}

/* A write grant that is protected as a whole (a shared cache of programs: ~/.cargo/registry/) is read-only: the
 * platforms make their writable mounts and Landlock grants from `write`, and a hole at the grant's own root
 * subtracts nothing from it. */
static void read_only_protected_trees(struct guard_plan *plan)
{
	for (size_t i = 0; i < plan->trees.n; i++)
		for (size_t k = 0; k < plan->holes.n; k++)
			if (!plan->holes.v[k].deny && !strcmp(plan->holes.v[k].path, plan->trees.v[i].path))
				plan->trees.v[i].write = false;
}

struct grant_ctx {
	struct guard_plan *plan;
	const struct guard_image_rule *rule;
	bool write;
};

static void grant_matched(const char *path, void *ctx)
{
	struct grant_ctx *gc = ctx;
	grant_path(gc->plan, gc->rule, path, gc->write);
}

static void build_trees(struct guard_plan *plan)
{
	const struct guard_image *img = &plan->image;
	for (uint32_t i = 0; i < img->h->nrules; i++) {
		const struct guard_image_rule *r = &img->rules[i];
		const char *pattern = guard_image_str(img, r->pattern);
		if (r->kind != GUARD_READ && r->kind != GUARD_WRITE)
			continue;
		bool write = r->kind == GUARD_WRITE;
		if (!guard_pattern_has_glob(pattern)) {
			grant_path(plan, r, pattern, write);
			continue;
		}
		struct grant_ctx gc = {plan, r, write};
		guard_glob_each(pattern, grant_matched, &gc);
	}
}

void guard_rlimits_from_policy(const struct guard_policy *p, struct guard_rlimits *out)
{
	out->processes = p && p->processes.set ? p->processes.value : -1;
	out->open_files = p && p->open_files.set ? p->open_files.value : -1;
	out->core_dumps = p && p->core_dumps.set && p->core_dumps.value != 0;
	out->memory = p && p->memory.set ? p->memory.value : -1;
	out->cpu_milli = p && p->cpu.set ? p->cpu.value : -1;
	out->cpu_seconds = p && p->cpu_time.set ? p->cpu_time.value : -1;
	out->data = -1; /* limits_linux.c sets it when the memory cgroup can't be had */
}

void guard_plan_build(struct guard_plan *plan, const struct guard_plan_input *in)
{
	memset(plan, 0, sizeof *plan);
	plan->mode = in->mode;
	plan->abi = in->abi;
	plan->home = guard_path_normalize(in->home);
	plan->project = guard_path_normalize(in->project);
	plan->cwd = guard_path_normalize(in->cwd);
	plan->tmpdir = guard_xstrdup(in->mode == GUARD_MODE_NAMESPACES ? "/tmp" : in->tmp_host);
	plan->session_id = in->session_id ? guard_xstrdup(in->session_id) : NULL;
	plan->allow_degraded = in->allow_degraded;
	plan->observer = in->observer;
	guard_rlimits_from_policy(in->policy, &plan->rlimits);

	if (!in->project_explicit && (strcmp(plan->project, "/") == 0 || strcmp(plan->project, plan->home) == 0))
		guard_die("run guard from inside a project, or name it: guard run --project DIR -- CMD",
			  "refusing to use %s as the project: it would grant all of it read-write", plan->project);
	/* net_isolated, the seccomp socket options, the proxy (net_plan.c) */
	guard_net_plan_build(plan, in);

	struct guard_image_params prm = {
		.home = plan->home,
		.project = plan->project,
		.tmpdir = plan->tmpdir,
		.session_id = in->session_id,
		.event_socket = in->event_socket,
		.session_magic = in->session_magic,
		.flags = (in->quiet ? GUARD_IMAGE_QUIET : 0) | (in->agent ? GUARD_IMAGE_AGENT : 0) |
			 (in->mode == GUARD_MODE_NAMESPACES ? GUARD_IMAGE_NAMESPACES : 0) |
			 (guard_net_mode_of(plan) == GUARD_NET_OPEN ? GUARD_IMAGE_NET_OPEN : 0),
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
	build_trees(plan);
	guard_scan_holes(plan);
	read_only_protected_trees(plan);
	guard_exec_plan(plan);
}

void guard_plan_free(struct guard_plan *plan)
{
	free(plan->image_buf);
	for (size_t i = 0; i < plan->trees.n; i++)
		free(plan->trees.v[i].path);
	free(plan->trees.v);
	for (size_t i = 0; i < plan->holes.n; i++) {
		free(plan->holes.v[i].path);
		free(plan->holes.v[i].note);
	}
	free(plan->holes.v);
	guard_strv_clear(&plan->notes);
	guard_strv_clear(&plan->scan_roots);
	free(plan->home);
	free(plan->project);
	free(plan->cwd);
	free(plan->tmpdir);
	free(plan->rundir);
	free(plan->shim);
	free(plan->exe);
	free(plan->session_id);
	guard_strv_clear(&plan->exec_stubs);
	guard_net_plan_free(plan);
}
