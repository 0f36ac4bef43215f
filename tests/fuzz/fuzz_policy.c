/* libFuzzer target for launcher/policy_yaml.c: a project's .guard.yaml is written by whoever wrote the project,
 * so guard_policy_load_yaml gets arbitrary bytes. Whatever they are: no crash, no leak, no read past `len` (the
 * buffer is not NUL-terminated); an error says FILE:LINE:COL and leaves the policy exactly as it was (all or
 * nothing); an accepted file adds only valid patterns with their provenance. And the whole path to the shim:
 * an accepted policy compiles with guard_image_build into an image guard_image_load accepts, rule for rule and
 * exec entry for exec entry; each exec.deny entry matches the command it names; and on such an image the walk
 * shortcuts agree exactly with the plain verdicts (rules_under + last_match_in, decide_entry: image_check.h).
 *
 * Input: the YAML file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard/image.h"
#include "guard/match.h"
#include "plan/image_build.h"
#include "image_check.h"
#include "plan/plan.h"
#include "policy/policy_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const struct guard_error *err)
{
	fprintf(stderr, "POLICY PROPERTY FAILED: %s\n", what);
	if (err)
		fprintf(stderr, "  error: %s:%u:%u: %s (%s)\n", err->file, err->line, err->col, err->message,
			err->hint);
	abort();
}

static FILE *devnull;

static void compile(const struct guard_policy *p, uint32_t seed)
{
	static const char home[] = "/home/u", project[] = "/home/u/proj", tmpdir[] = "/tmp/guard-s1";
	/* guard_image_build dies on an unknown variable ($FOO/x): the launcher resolves (and reports) first. */
	for (size_t i = 0; i < p->nrules; i++) {
		struct guard_resolved res;
		struct guard_error err;
		if (guard_resolve_pattern(&p->rules[i], home, project, tmpdir, &res, &err) != 0)
			return;
		if (!res.pattern[0])
			fail("a rule resolves to an empty pattern", NULL);
		free(res.pattern);
	}
	struct guard_image_params prm = {.home = home,
					 .project = project,
					 .tmpdir = tmpdir,
					 .session_id = "s1",
					 .event_socket = "/run/guard/s1/ev",
					 .session_magic = 1,
					 .abi = 3};
	void *buf;
	size_t len;
	guard_image_build(p, &prm, &buf, &len);
	struct guard_image img;
	if (guard_image_load(&img, buf, len) != 0)
		fail("guard_image_build wrote an image guard_image_load refuses", NULL);
	if (img.h->nrules != p->nrules)
		fail("image rule count", NULL);
	for (size_t i = 0; i < p->nrules; i++) {
		const struct guard_image_rule *r = &img.rules[i];
		const struct guard_rule *w = &p->rules[i];
		if (r->kind != w->kind || !!(r->flags & GUARD_IRULE_NEGATED) != w->negated ||
		    strcmp(guard_image_str(&img, r->written), w->pattern) != 0 || r->line != w->at.line ||
		    r->col != w->at.col)
			fail("image rule differs from the policy rule", NULL);
	}
	if (img.h->nexec != p->nexec)
		fail("image exec entry count", NULL);
	/* Each exec.deny entry, run as the command it names, is matched (by itself or a later entry: last wins). */
	for (size_t i = 0; i < p->nexec; i++) {
		const struct guard_exec_rule *e = &p->exec_deny[i];
		if (strcmp(guard_image_str(&img, img.exec[i].written), e->written) != 0 ||
		    !!(img.exec[i].flags & GUARD_IRULE_NEGATED) != e->negated)
			fail("image exec entry differs from the policy's", NULL);
		char words[4096], *argv[20];
		size_t argc = 0;
		snprintf(words, sizeof words, "%s", e->written);
		for (char *w = strtok(words, " "); w && argc < 19; w = strtok(NULL, " "))
			argv[argc++] = w;
		argv[argc] = NULL;
		const struct guard_image_rule *r = guard_image_exec_match(&img, NULL, argv);
		if (!r || r < &img.exec[i])
			fail("an exec.deny entry does not match the command it names", NULL);
	}
	/* Verdicts, walks and exec checks over it, with the promises image.h makes held exactly (strict). */
	image_exercise(&img, seed, 1);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	/* Exact-size copy without a terminator: ASan sees any read past `size`. */
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);

	/* A policy that already holds something, to check all-or-nothing. */
	struct guard_policy p;
	struct guard_error err;
	guard_policy_init(&p);
	struct guard_origin at = {.file = guard_policy_intern(&p, "--deny"), .source = GUARD_SRC_FLAG};
	if (guard_policy_add_rule(&p, GUARD_DENY, "~/.ssh", at, &err) != 0)
		fail("seed rule refused", &err);
	size_t nrules = p.nrules, npass = p.npass, ndrop = p.ndrop;
	struct guard_limit lp = p.processes, lo = p.open_files, lc = p.core_dumps;

	memset(&err, 0, sizeof err);
	int rc = guard_policy_load_yaml(&p, ".guard.yaml", buf, size, GUARD_SRC_PROJECT, &err);
	if (rc != 0) {
		if (rc != -1)
			fail("return value", &err);
		if (strcmp(err.file, ".guard.yaml") != 0 || !err.message[0] || err.line == 0 || err.col == 0)
			fail("error without FILE:LINE:COL and a message", &err);
		if (p.nrules != nrules || p.npass != npass || p.ndrop != ndrop ||
		    memcmp(&lp, &p.processes, sizeof lp) || memcmp(&lo, &p.open_files, sizeof lo) ||
		    memcmp(&lc, &p.core_dumps, sizeof lc))
			fail("a refused file changed the policy", &err);
		for (int r = 0; r < GUARD_RESERVED_COUNT; r++)
			if (p.reserved_set[r])
				fail("a refused file set a reserved key", &err);

	} else {
		for (size_t i = nrules; i < p.nrules; i++) {
			const struct guard_rule *r = &p.rules[i];
			if (!r->pattern || guard_pattern_error(r->pattern) || strcmp(r->at.file, ".guard.yaml") != 0 ||
			    r->at.line == 0 || r->at.source != GUARD_SRC_PROJECT ||
			    (r->negated && r->kind != GUARD_DENY && r->kind != GUARD_PROTECT))
				fail("an accepted rule is malformed", NULL);
		}
		guard_policy_print(devnull, &p);
		compile(&p, image_seed(data, size));
	}
	guard_policy_free(&p);
	free(buf);
	return 0;
}
