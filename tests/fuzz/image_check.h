/* Shared by fuzz_image.c and fuzz_image_mut.c: everything a reader may do with an image guard_image_load accepted
 * (the launcher, the shim in every process and the observer all index it without further checks), with the
 * properties every verdict must have. An accepted image must never make a reader read out of bounds or crash. */
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
	if (r < img->rules || r >= img->rules + img->h->nrules || (size_t)((const char *)r - (const char *)img->rules) %
										   sizeof *r)
		image_fail(fn, path, kind);
	if (r->kind != kind)
		image_fail(fn, path, kind);
}

static void image_verdicts(const struct guard_image *img, const char *path)
{
	for (int kind = GUARD_READ; kind <= GUARD_PROTECT; kind++) {
		for (int is_dir = 0; is_dir < 2; is_dir++) {
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
	}
}

/* Paths: a fixed set, the image's own places with a few names below them, and its absolute patterns taken as
 * paths (so most rules can be hit). A verdict costs up to (rules x path components) glob calls, so each input gets
 * a handful of paths picked by `seed` (derived from the input: deterministic), not all of them. */
static void image_exercise(const struct guard_image *img, uint32_t seed)
{
	static const char *const fixed[] = {"/", "/etc/shadow", "/usr/bin/git", "/home/u/.ssh/id_rsa",
					    "/home/u/proj/.env", "/home/u/proj/a/secrets/b", "/tmp/x", "/proc/1/environ",
					    "relative/path", "", "//", "/a//b/"};
	static const char *const below[] = {"", "/.env", "/.env.example", "/a/b/id_rsa", "/.git/hooks/pre-commit",
					    "/secrets/x/y.pem", "/.ssh/config", "/.aws/credentials"};
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
	for (int k = 0; k < 6; k++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift32 */
		uint32_t pick = x % 3, n = x >> 8;
		if (pick == 0) {
			image_verdicts(img, fixed[n % NFIXED]);
		} else if (pick == 1) {
			snprintf(path, sizeof path, "%.500s%s", guard_image_str(img, places[n % 3]), below[(n / 3) % NBELOW]);
			image_verdicts(img, path);
		} else if (img->h->nrules) {
			const char *pat = guard_image_str(img, img->rules[n % img->h->nrules].pattern);
			snprintf(path, sizeof path, "%.500s%s", pat, (n >> 12) & 1 ? "/x" : "");
			image_verdicts(img, path);
		}
	}
	/* Now and then a path longer than any buffer a verdict keeps. */
	if ((seed & 15) == 0) {
		static char longpath[5000];
		if (!longpath[0])
			for (size_t i = 0; i < sizeof longpath - 1; i++)
				longpath[i] = i % 8 == 0 ? '/' : 'a';
		image_verdicts(img, longpath);
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
