/* Shared by fuzz_image.c, fuzz_image_mut.c and fuzz_policy.c: everything a reader may do with an image
 * guard_image_load accepted (the launcher, the shim in every process and the observer all index it without further
 * checks): path verdicts, tree walks, exec rules and their message, with the properties every answer must have.
 * An accepted image must never make a reader read or write out of bounds or crash. `strict` (images the launcher
 * wrote) also holds the walk shortcuts to the plain verdicts' answers. */
#ifndef GUARD_FUZZ_IMAGE_CHECK_H
#define GUARD_FUZZ_IMAGE_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard/image.h"

static void image_fail(const char *what, const char *path, int kind)
{
	fprintf(stderr, "IMAGE PROPERTY FAILED: %s (path \"%s\", kind %d)\n", what, path, kind);
	abort();
}

/* A verdict is NULL or one of the image's rules, of the kind asked for. */
static void image_check_rule(const struct guard_image *img, const struct guard_image_rule *r, int kind,
			     const char *path, const char *fn)
{
	if (!r)
		return;
	if (r < img->rules || r >= img->rules + img->h->nrules ||
	    (size_t)((const char *)r - (const char *)img->rules) % sizeof *r)
		image_fail(fn, path, kind);
	if (r->kind != kind)
		image_fail(fn, path, kind);
}

/* Every verdict function on `path` for one rule kind and one is_dir (a verdict costs up to rules x components glob
 * calls: each input checks a few combinations, and the fuzzer tries many inputs). */
static void image_verdicts(const struct guard_image *img, const char *path, int kind, int is_dir)
{
	const struct guard_image_rule *r;
	r = guard_image_last_match(img, (enum guard_rule_kind)kind, path, is_dir, true);
	image_check_rule(img, r, kind, path, "last_match(names)");
	r = guard_image_last_match(img, (enum guard_rule_kind)kind, path, is_dir, false);
	image_check_rule(img, r, kind, path, "last_match");
	if (r && (r->flags & GUARD_IRULE_NAME_ONLY))
		image_fail("last_match without names returned a name rule", path, kind);
	r = guard_image_decide(img, (enum guard_rule_kind)kind, path, is_dir);
	image_check_rule(img, r, kind, path, "decide");
	if (r && (r->flags & GUARD_IRULE_NEGATED))
		image_fail("decide returned a '!' rule", path, kind);
	r = guard_image_grant(img, (enum guard_rule_kind)kind, path, is_dir);
	image_check_rule(img, r, kind, path, "grant");
	if (r && (r->flags & GUARD_IRULE_NAME_ONLY))
		image_fail("grant returned a name rule", path, kind);
}

/* An exec.deny verdict is NULL or one of the image's exec entries. */
static void image_check_exec(const struct guard_image *img, const struct guard_image_rule *r, const char *what)
{
	if (!r)
		return;
	if (r < img->exec || r >= img->exec + img->h->nexec ||
	    (size_t)((const char *)r - (const char *)img->exec) % sizeof *r || r->kind != GUARD_EXEC_DENY)
		image_fail(what, "", GUARD_EXEC_DENY);
}

/* The exec side (the shim asks it between vfork and exec): matching, the loader-as-program rule, the message. */
static void image_exec(const struct guard_image *img, uint32_t seed)
{
	static char *const
		a_curl[] = {"curl", "-s", "https://x", NULL},
		*const a_git[] = {"git", "push", "-f", "origin", NULL}, *const a_sudo[] = {"/usr/bin/sudo", "-i", NULL},
		*const a_ld[] =
			{"/lib64/ld-linux-x86-64.so.2", "--library-path", "/x", "--", "/usr/bin/curl", "-s", NULL},
		*const a_ld2[] = {"ld.so", "--preload=/x.so", "--argv0", NULL}, *const a_empty[] = {"", NULL},
		*const a_none[] = {NULL};
	static const struct {
		const char *file;
		char *const *argv;
	} calls[] = {{"/usr/bin/curl", a_curl},
		     {"/usr/bin/git", a_git},
		     {NULL, a_git},
		     {"/usr/bin/sudo", a_sudo},
		     {"/lib64/ld-linux-x86-64.so.2", a_ld},
		     {"/lib/ld.so", a_ld2},
		     {"", a_empty},
		     {"/bin/x", a_none},
		     {"/bin/x", NULL}};
	enum { NCALLS = sizeof calls / sizeof *calls };
	for (int k = 0; k < 3; k++) {
		const char *file = calls[(seed >> (3 * k)) % NCALLS].file;
		char *const *argv = calls[(seed >> (3 * k)) % NCALLS].argv;
		image_check_exec(img, guard_image_exec_match(img, file, argv), "exec_match");
		size_t prog = guard_exec_loader_program(file, argv);
		if (prog) {
			size_t argc = 0;
			while (argv && argv[argc])
				argc++;
			if (prog >= argc)
				image_fail("loader program index past argv", file ? file : "", 0);
		}
		const struct guard_image_rule *r =
			guard_image_exec_denies_name(img, argv && argv[0] ? argv[0] : "curl");
		image_check_exec(img, r, "exec_denies_name");
		if (r && (r->flags & GUARD_IRULE_NEGATED))
			image_fail("exec_denies_name returned a '!' entry", "", GUARD_EXEC_DENY);
	}
	/* The message, into buffers of every awkward size (exact heap size: ASan sees any write past it). */
	if (img->h->nexec) {
		static const size_t caps[] = {0, 1, 2, 3, 8, 40, 120, 512};
		const struct guard_image_rule *r = &img->exec[(seed >> 9) % img->h->nexec];
		size_t cap = caps[(seed >> 12) % (sizeof caps / sizeof *caps)];
		char *buf = malloc(cap ? cap : 1);
		size_t n = guard_image_exec_message(img, r, cap ? buf : NULL, cap);
		if (cap && (n >= cap || buf[n] != 0 || strlen(buf) != n))
			image_fail("exec message not NUL-terminated within its buffer", "", GUARD_EXEC_DENY);
		if (!cap && n)
			image_fail("exec message written into no buffer", "", GUARD_EXEC_DENY);
		free(buf);
	}
}

/* Walks (the launcher's cover scan): the rules a tree needs, and the entry shortcut, on paths under `root`.
 * Strict (images the launcher wrote): the answers equal the plain verdicts', as image.h promises. */
static void image_walk(const struct guard_image *img, const char *root, const char *below, int kind, int is_dir,
		       int strict)
{
	char path[1200];
	snprintf(path, sizeof path, "%.500s%s%.500s", root, strcmp(root, "/") && below[0] ? "/" : "", below);
	struct guard_rule_probe *idx = malloc((img->h->nrules ? img->h->nrules : 1) * sizeof *idx);
	size_t n = guard_image_rules_under(img, root, idx);
	if (n > img->h->nrules)
		image_fail("rules_under: more rules than the image has", root, kind);
	for (size_t i = 0; i < n; i++)
		if (idx[i].idx >= img->h->nrules || (i && idx[i].idx <= idx[i - 1].idx) ||
		    idx[i].kind != img->rules[idx[i].idx].kind || idx[i].flags != img->rules[idx[i].idx].flags)
			image_fail("rules_under: index out of range or out of order, or not the rule's", root, kind);
	for (int names = 0; names < 2; names++) {
		const struct guard_image_rule *a =
			guard_image_last_match_in(img, idx, n, (enum guard_rule_kind)kind, path, is_dir, names);
		image_check_rule(img, a, kind, path, "last_match_in");
		if (strict && a != guard_image_last_match(img, (enum guard_rule_kind)kind, path, is_dir, names))
			image_fail("last_match_in over rules_under(root) differs from last_match", path, kind);
	}
	free(idx);
	/* decide_entry answers for an entry whose directory decide() left undecided. */
	char dir[1200];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir && slash[1]) {
		*slash = 0;
		if (!guard_image_decide(img, (enum guard_rule_kind)kind, dir, true)) {
			const struct guard_image_rule *e =
				guard_image_decide_entry(img, (enum guard_rule_kind)kind, path, is_dir);
			image_check_rule(img, e, kind, path, "decide_entry");
			if (strict && e != guard_image_decide(img, (enum guard_rule_kind)kind, path, is_dir))
				image_fail("decide_entry differs from decide", path, kind);
		}
	}
}

/* Paths: a fixed set, the image's own places with a few names below them, and its absolute patterns taken as
 * paths (so most rules can be hit). A verdict costs up to (rules x path components) glob calls, so each input gets
 * a handful of paths picked by `seed` (derived from the input: deterministic), not all of them. */
static void image_exercise(const struct guard_image *img, uint32_t seed, int strict)
{
	static const char *const fixed[] = {"/",
					    "/etc/shadow",
					    "/usr/bin/git",
					    "/home/u/.ssh/id_rsa",
					    "/home/u/proj/.env",
					    "/home/u/proj/a/secrets/b",
					    "/tmp/x",
					    "/proc/1/environ",
					    "relative/path",
					    "",
					    "//",
					    "/a//b/"};
	static const char *const below[] = {"",
					    "/.env",
					    "/.env.example",
					    "/a/b/id_rsa",
					    "/.git/hooks/pre-commit",
					    "/secrets/x/y.pem",
					    "/.ssh/config",
					    "/.aws/credentials"};
	enum { NFIXED = sizeof fixed / sizeof *fixed, NBELOW = sizeof below / sizeof *below };
	char path[600];
	/* Every string the header and the rules name must be a NUL-terminated string inside the image. */
	const uint32_t places[] = {img->h->project, img->h->home, img->h->tmpdir, img->h->session_id,
				   img->h->event_socket};
	volatile size_t sink = 0;
	for (size_t i = 0; i < sizeof places / sizeof *places; i++)
		sink += strlen(guard_image_str(img, places[i]));
	for (uint32_t i = 0; i < img->h->nrules; i++) {
		const struct guard_image_rule *r = &img->rules[i];
		sink += strlen(guard_image_str(img, r->pattern)) + strlen(guard_image_str(img, r->written)) +
			strlen(guard_image_str(img, r->file));
	}
	(void)sink;

	uint32_t x = seed | 1;
	for (int k = 0; k < 8; k++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift32 */
		uint32_t pick = x % 3, kind = (x >> 2) % 4, is_dir = (x >> 4) & 1, n = x >> 8;
		if (pick == 0) {
			image_verdicts(img, fixed[n % NFIXED], (int)kind, (int)is_dir);
		} else if (pick == 1) {
			snprintf(path, sizeof path, "%.500s%s", guard_image_str(img, places[n % 3]),
				 below[(n / 3) % NBELOW]);
			image_verdicts(img, path, (int)kind, (int)is_dir);
		} else if (img->h->nrules) {
			const char *pat = guard_image_str(img, img->rules[n % img->h->nrules].pattern);
			snprintf(path, sizeof path, "%.500s%s", pat, (n >> 12) & 1 ? "/x" : "");
			image_verdicts(img, path, (int)kind, (int)is_dir);
		}
	}
	image_exec(img, seed);
	{
		static const char *const roots[] = {"/", "/home/u", "/home/u/proj", "/etc", "/tmp"};
		static const char *const under[] = {
			"",           ".env", "a/b/c.pem", "secrets/x", ".git/hooks/pre-commit", "src/.env.example",
			".ssh/id_rsa"};
		uint32_t y = seed * 2654435761u;
		const char *root = (y >> 3) % 4 == 3 ? guard_image_str(img, places[(y >> 5) % 3])
						     : roots[(y >> 5) % (sizeof roots / sizeof *roots)];
		image_walk(img, root, under[(y >> 9) % (sizeof under / sizeof *under)], (int)(y >> 13) % 4,
			   (int)(y >> 15) & 1, strict);
	}
	/* Now and then a path longer than any buffer a verdict keeps. */
	if ((seed & 15) == 0) {
		static char longpath[5000];
		if (!longpath[0])
			for (size_t i = 0; i < sizeof longpath - 1; i++)
				longpath[i] = i % 8 == 0 ? '/' : 'a';
		image_verdicts(img, longpath, (int)(seed >> 4) % 4, (int)(seed >> 6) & 1);
	}
}

/* FNV-1a of the input: the path-picking seed. */
static uint32_t image_seed(const uint8_t *data, size_t size)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	return h;
}

#endif
