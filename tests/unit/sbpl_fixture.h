/* A Mac that is not there, for the profile generator's tests (test_sbpl.c, test_sbpl_diff.c): a user /Users/dev
 * with a project, the macOS spellings of /tmp, /var and /etc (physical: /private/...), and a plan built the way
 * plan.c builds one, except that what exists is decided by this fixture instead of stat(2), so the profile does
 * not follow the host the tests run on. */
#ifndef GUARD_TEST_SBPL_FIXTURE_H
#define GUARD_TEST_SBPL_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "guard/match.h"
#include "plan/image_build.h"
#include "plan/plan.h"
#include "policy/policy_api.h"
#include "sandbox/darwin/sbpl.h"

#define FX_HOME "/Users/dev"
#define FX_PROJECT "/Users/dev/src/app"
#define FX_TMP "/var/folders/zz/T/guard-501-session"

/* The firmlinks and symlinks a Mac has at the top (and one the fixture adds: a symlinked temp dir). */
static const char *const fx_links[][2] = {
	{"/tmp", "/private/tmp"},
	{"/var", "/private/var"},
	{"/etc", "/private/etc"},
	{"/Users/dev/tmp-link", "/private/tmp/dev"},
};

static char *fx_physical(const char *path, void *ctx)
{
	(void)ctx;
	for (size_t i = 0; i < sizeof fx_links / sizeof *fx_links; i++) {
		size_t n = strlen(fx_links[i][0]);
		if (strncmp(path, fx_links[i][0], n) == 0 && (path[n] == '/' || path[n] == 0))
			return guard_xasprintf("%s%s", fx_links[i][1], path + n);
	}
	return guard_xstrdup(path);
}

/* Files (not directories) the fixture has, besides what rules name: the grants' globs expand over these. */
static const char *const fx_files[] = {
	FX_HOME "/.ssh/id_ed25519.pub",
	FX_HOME "/.ssh/known_hosts",
	FX_HOME "/.ssh/config",
	NULL,
};

static bool fx_is_file(const char *path)
{
	const char *base = strrchr(path, '/') + 1;
	static const char *const dot_files[] = {
		".gitconfig",    ".bashrc",  ".bash_profile", ".bash_login", ".bash_logout",
		".bash_aliases", ".profile", ".zshrc",        ".zshenv",     ".zprofile",
		".zlogin",       ".zlogout", ".inputrc",      "known_hosts", NULL};
	if (strncmp(path, "/dev/", 5) == 0)
		return strcmp(path, "/dev/pts") != 0 && strcmp(path, "/dev/fd") != 0;
	for (size_t i = 0; dot_files[i]; i++)
		if (strcmp(base, dot_files[i]) == 0)
			return true;
	if (strcmp(path, FX_HOME "/.ssh/config") == 0)
		return true;
	size_t n = strlen(base);
	if (n > 2 && !strcmp(base + n - 2, ".d"))
		return false; /* conf.d */
	return strchr(base + 1, '.') != NULL && base[0] != '.';
}

struct fx_world {
	struct guard_policy policy;
	struct guard_plan plan;
	struct guard_sbpl_input in;
};

static void fx_grant(struct fx_world *w, const struct guard_image_rule *r, const char *path)
{
	struct guard_plan *plan = &w->plan;
	bool is_dir = !fx_is_file(path);
	if (guard_image_decide(&plan->image, GUARD_DENY, path, is_dir))
		return; /* plan.c: "not granted: denied by" */
	for (size_t i = 0; i < plan->trees.n; i++)
		if (strcmp(plan->trees.v[i].path, path) == 0) {
			plan->trees.v[i].write |= r->kind == GUARD_WRITE;
			return;
		}
	struct guard_tree t = {guard_xstrdup(path), is_dir, r->kind == GUARD_WRITE, r, NULL};
	GUARD_VEC_PUSH(plan->trees, t);
}

static void fx_hole(struct fx_world *w, const char *path, bool is_dir, enum guard_rule_kind kind, const char *note)
{
	const struct guard_image_rule *r = guard_image_decide(&w->plan.image, kind, path, is_dir);
	struct guard_hole h = {guard_xstrdup(path), is_dir, kind == GUARD_DENY, r, note ? guard_xstrdup(note) : NULL};
	GUARD_VEC_PUSH(w->plan.holes, h);
}

/* The world under `profile` plus `extra` (YAML, as the user's config) when not NULL. Returns 0, or -1 when the
 * policy does not load (the error printed). */
static int fx_world_init(struct fx_world *w, const char *profile, const char *extra)
{
	memset(w, 0, sizeof *w);
	guard_policy_init(&w->policy);
	struct guard_error err = {0};
	if (profile && guard_policy_load_profile(&w->policy, profile, &err) != 0) {
		guard_error_print(&err);
		return -1;
	}
	if (extra &&
	    guard_policy_load_yaml(&w->policy, "fixture.yaml", extra, strlen(extra), GUARD_SRC_USER, &err) != 0) {
		guard_error_print(&err);
		return -1;
	}
	struct guard_plan *plan = &w->plan;
	plan->mode = GUARD_MODE_LANDLOCK_ONLY;
	plan->home = guard_xstrdup(FX_HOME);
	plan->project = guard_xstrdup(FX_PROJECT);
	plan->cwd = guard_xstrdup(FX_PROJECT);
	plan->tmpdir = guard_xstrdup(FX_TMP);
	struct guard_image_params prm = {
		.home = FX_HOME, .project = FX_PROJECT, .tmpdir = FX_TMP, .session_id = "", .event_socket = ""};
	guard_image_build(&w->policy, &prm, &plan->image_buf, &plan->image_len);
	if (guard_image_load(&plan->image, plan->image_buf, plan->image_len) != 0)
		return -1;
	const struct guard_image *img = &plan->image;
	for (uint32_t i = 0; i < img->h->nrules; i++) {
		const struct guard_image_rule *r = &img->rules[i];
		const char *p = guard_image_str(img, r->pattern);
		if ((r->kind != GUARD_READ && r->kind != GUARD_WRITE) || (r->flags & GUARD_IRULE_NAME_ONLY))
			continue;
		if (!guard_pattern_has_glob(p)) {
			char *n = guard_path_normalize(p);
			fx_grant(w, r, n);
			free(n);
			continue;
		}
		for (size_t k = 0; fx_files[k]; k++)
			if (guard_pattern_matches(p, fx_files[k], false))
				fx_grant(w, r, fx_files[k]);
	}
	/* What a launch-time scan of the project finds: a secret, a protected directory, a hard link to a key. */
	fx_hole(w, FX_PROJECT "/.env", false, GUARD_DENY, NULL);
	fx_hole(w, FX_PROJECT "/.git/hooks", true, GUARD_PROTECT, NULL);
	struct guard_hole link = {guard_xstrdup(FX_PROJECT "/backup/key"), false, true,
				  guard_image_decide(img, GUARD_DENY, FX_HOME "/.ssh/id_ed25519", false),
				  guard_xstrdup("hard link of " FX_HOME "/.ssh/id_ed25519")};
	GUARD_VEC_PUSH(plan->holes, link);
	w->in = (struct guard_sbpl_input){
		.plan = plan,
		.net = GUARD_SBPL_NET_NONE,
		.shim = "/usr/local/lib/guard/libguard.dylib",
		.physical = fx_physical,
	};
	return 0;
}

static void fx_world_free(struct fx_world *w)
{
	guard_plan_free(&w->plan);
	guard_policy_free(&w->policy);
}

#endif
