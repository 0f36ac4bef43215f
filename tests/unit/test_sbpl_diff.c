/* Policy semantics identical on both platforms: for a corpus of policies and thousands of generated paths (secrets,
 * ".env.example", "secrets/" at depth, '!' re-allows under excluded directories, '**' patterns, classes, a user
 * root nested in the project's scope, a symlinked temp dir, /tmp and /etc in their macOS spellings), guard's own
 * verdict (the matcher over the plan: a granted tree holds the path, no deny rule decides it, no hole covers it)
 * against what the generated Seatbelt profile decides (tests/unit/sbpl_eval.h) for file-read-data and
 * file-write-data on the path's physical spelling.
 *
 * A path Seatbelt would allow and guard denies is a hole in the boundary: none may exist. A path Seatbelt would
 * deny and guard allows must be of the one kind sbpl_rules.c documents (below a directory a '!' rule re-allows
 * while a deny rule matches it too); any other is a bug in the generator or in the evaluator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbpl_eval.h"
#include "sbpl_fixture.h"
#include "tap.h"

static const char *const components[] = {
	"src",   "secrets",     "public.txt", ".env",        ".env.example", ".env.local",     "x.pem",
	"certs", "a.txt",       "bx",         "*star",       "build",        "k.key",          "deep",
	"x",     "docs",        "public",     ".git",        "hooks",        "config",         "id_rsa",
	"notes", "credentials", ".ssh",       "known_hosts", "secret",       "id_ed25519.pub", NULL,
};

static const char *const roots[] = {
	FX_PROJECT,
	FX_HOME,
	FX_HOME "/.ssh",
	FX_HOME "/work",
	FX_HOME "/notes",
	FX_HOME "/tmp-link",
	"/tmp",
	"/etc",
	FX_TMP,
	"/usr/local",
	NULL,
};

struct policy_case {
	const char *name, *profile, *yaml;
};

static const struct policy_case cases[] = {
	{"default", "default", NULL},
	{"claude-code", "claude-code", NULL},
	{"codex", "codex", NULL},
	{"aider", "aider", NULL},
	{"gemini", "gemini", NULL},
	{"gitignore: no re-allow below an excluded directory", "default",
	 "files:\n  deny:\n    - vault/\n    - \"!vault/public.txt\"\n    - secrets/\n    - \"!secrets/public.txt\"\n"},
	{"a re-allowed directory holding denied names", "default", "files:\n  deny:\n    - \"!certs/\"\n"},
	{"'**', classes, escapes", "default",
	 "files:\n  deny:\n    - \"$PROJECT/**/build/*.key\"\n    - \"$PROJECT/**/deep/**/x\"\n    - \"[ab]*.txt\"\n"
	 "    - \"?x\"\n    - \"\\\\*star\"\n    - ~/notes/**\n  read:\n    - ~/notes\n"},
	{"a user root around the project's name scope", "default",
	 "files:\n  read:\n    - ~/work\n    - ~\n  deny:\n    - config\n    - \"!~/work/config\"\n"},
	{"protect with a re-allow", "default", "files:\n  protect:\n    - docs/\n    - \"!docs/public/\"\n"},
	{"a symlinked temp dir and /tmp, physical spellings", "default",
	 "files:\n  write:\n    - ~/tmp-link\n    - /tmp\n  deny:\n    - ~/tmp-link/secret\n    - /tmp/secret\n"
	 "    - /etc/hosts\n"},
	{"a whole-tree deny re-allowed in part", "default",
	 "files:\n  read:\n    - ~\n  deny:\n    - ~/.ssh/\n    - \"!~/.ssh/known_hosts\"\n    - \".env*\"\n"
	 "    - \"!.env.example\"\n"},
};

/* guard's verdict: read (or write) granted by a tree, no hole, no deciding rule. */
static bool guard_allows(const struct fx_world *w, const char *path, bool is_dir, bool write)
{
	const struct guard_plan *plan = &w->plan;
	bool granted = false;
	/* A tree grants the files it holds, wherever a symlink elsewhere points (Landlock holds inodes, Seatbelt
	 * resolved paths): ~ granted does not grant what ~/tmp-link points to. */
	char *phys = fx_physical(path, NULL);
	for (size_t i = 0; i < plan->trees.n && !granted; i++) {
		const struct guard_tree *t = &plan->trees.v[i];
		char *tp = fx_physical(t->path, NULL);
		if ((!write || t->write) && (t->is_dir ? guard_path_within(phys, tp) : strcmp(phys, tp) == 0))
			granted = true;
		free(tp);
	}
	for (size_t i = 0; !write && guard_sbpl_system_trees[i] && !granted; i++)
		granted = guard_path_within(phys, guard_sbpl_system_trees[i]);
	free(phys);
	if (!granted)
		return false;
	for (size_t i = 0; i < plan->holes.n; i++) {
		const struct guard_hole *h = &plan->holes.v[i];
		bool in = h->is_dir ? guard_path_within(path, h->path) : strcmp(path, h->path) == 0;
		if (in && (h->deny || write))
			return false;
	}
	if (guard_image_decide(&plan->image, GUARD_DENY, path, is_dir))
		return false;
	return !write || !guard_image_decide(&plan->image, GUARD_PROTECT, path, is_dir);
}

/* The documented over-deny: a strict ancestor of the path is matched by a deny rule and re-allowed by a later
 * '!' rule (the profile keeps it excluded). */
static bool known_over_deny(const struct fx_world *w, const char *path, bool write)
{
	const struct guard_image *img = &w->plan.image;
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *s = strrchr(buf, '/'); s && s != buf; s = strrchr(buf, '/')) {
		*s = 0;
		for (int k = 0; k < 2; k++) {
			enum guard_rule_kind kind = k ? GUARD_PROTECT : GUARD_DENY;
			if (kind == GUARD_PROTECT && !write)
				continue;
			const struct guard_image_rule *r = guard_image_last_match(img, kind, buf, true, true);
			const struct guard_image_rule *any = NULL;
			for (uint32_t i = 0; i < img->h->nrules; i++) /* a non-negated rule of that kind matching too */
				if (img->rules[i].kind == kind && !(img->rules[i].flags & GUARD_IRULE_NEGATED) &&
				    guard_pattern_matches(guard_image_str(img, img->rules[i].pattern), buf, true))
					any = &img->rules[i];
			if (r && (r->flags & GUARD_IRULE_NEGATED) && any)
				return true;
		}
	}
	return false;
}

struct tally {
	size_t asked, over_allow, over_deny, known;
};

/* Under memcheck (tests/valgrind.sh) every path costs ~30x, under ASan (make san) ~10x: one question in 20 or in 5
 * still runs every code path of the generator, the evaluator and the matcher, which is what those runs are there
 * for; make check asks them all. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER_STRIDE 5
#else
#define SANITIZER_STRIDE 1
#endif
static unsigned sample_stride(void)
{
	static unsigned stride;
	if (!stride)
		stride = getenv("GUARD_UNDER_VALGRIND") ? 20 : SANITIZER_STRIDE;
	return stride;
}

static void ask(const struct fx_world *w, struct sbpl_profile *pr, const char *path, bool is_dir, struct tally *t)
{
	static unsigned long seen;
	if (seen++ % sample_stride() != 0)
		return;
	char *phys = fx_physical(path, NULL);
	for (int write = 0; write <= 1; write++) {
		struct sbpl_query q = {write ? "file-write-data" : "file-read-data", phys, is_dir};
		const struct sx *by = NULL;
		bool sb = sbpl_decide(pr, &q, &by);
		bool gd = guard_allows(w, path, is_dir, write);
		t->asked++;
		if (sb == gd)
			continue;
		if (sb) {
			if (t->over_allow++ < 5)
				printf("#   HOLE: Seatbelt allows %s %s%s (guard denies), by %s\n", q.op, path,
				       is_dir ? "/" : "", sbpl_message(by));
		} else if (known_over_deny(w, path, write)) {
			t->known++;
		} else if (t->over_deny++ < 5) {
			printf("#   Seatbelt denies %s %s%s (guard allows), by %s\n", q.op, path, is_dir ? "/" : "",
			       sbpl_message(by));
		}
	}
	free(phys);
}

/* A small deterministic generator, so a failure names the same paths every run. */
static unsigned long rng = 12345;
static unsigned next(unsigned n)
{
	rng = rng * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)((rng >> 33) % n);
}

static void run_case(const struct policy_case *c)
{
	struct fx_world w;
	if (fx_world_init(&w, c->profile, c->yaml) != 0) {
		TAP_OK(0, "%s: the fixture loads", c->name);
		return;
	}
	char why[512];
	char *text = guard_sbpl_generate(&w.in, why, sizeof why);
	struct sbpl_profile pr = {0};
	if (!text || sbpl_parse(&pr, text) != 0) {
		TAP_OK(0, "%s: a profile is generated and parses (%s)", c->name, text ? pr.error : why);
		free(text);
		sbpl_free(&pr);
		fx_world_free(&w);
		return;
	}
	struct tally t = {0};
	size_t nc = 0;
	while (components[nc])
		nc++;
	char path[4096];
	for (size_t r = 0; roots[r]; r++) {
		for (int d = 0; d <= 1; d++)
			ask(&w, &pr, roots[r], d, &t);
		for (size_t i = 0; i < nc; i++) {
			for (int d = 0; d <= 1; d++) {
				snprintf(path, sizeof path, "%s/%s", roots[r], components[i]);
				ask(&w, &pr, path, d, &t);
			}
			for (size_t j = 0; j < nc; j++) {
				snprintf(path, sizeof path, "%s/%s/%s", roots[r], components[i], components[j]);
				ask(&w, &pr, path, next(2), &t);
			}
		}
		for (int k = 0; k < 120; k++) {
			snprintf(path, sizeof path, "%s/%s/%s/%s", roots[r], components[next((unsigned)nc)],
				 components[next((unsigned)nc)], components[next((unsigned)nc)]);
			ask(&w, &pr, path, next(2), &t);
		}
	}
	TAP_OK(t.over_allow == 0, "%s: Seatbelt allows nothing guard denies (%zu questions)", c->name, t.asked);
	TAP_OK(t.over_deny == 0,
	       "%s: Seatbelt denies nothing guard allows, but below a re-allowed directory a deny rule matches too "
	       "(%zu such, documented)",
	       c->name, t.known);
	free(text);
	sbpl_free(&pr);
	fx_world_free(&w);
}

int main(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		run_case(&cases[i]);
	return tap_done();
}
