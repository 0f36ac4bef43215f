/* Structure-aware libFuzzer target for preload/image.c: start from valid images written by guard_image_build
 * (the default profile, and a small policy with every rule flag) and apply edits that mostly keep the image
 * well-formed: rule fields (of the path rules and of the exec table) pointed at other strings, counts and offsets nudged, string bytes changed to glob
 * metacharacters or NUL, the image cut or grown with its size field kept in step. Raw bytes (fuzz_image.c) seldom
 * get past the header checks; these inputs live just inside and just outside what guard_image_load accepts.
 *
 * Input: byte 0 picks the base image; then 4-byte edits [op, a, b, c]. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guard/image.h"
#include "plan/image_build.h"
#include "image_check.h"
#include "policy/policy_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static const char extra_yaml[] =
	"files:\n"
	"  read: [/usr, /etc, ~/.config/**/settings, $PROJECT/vendor/]\n"
	"  write: [$PROJECT, $TMP, ~/.cache/]\n"
	"  deny: [.env, \"*.pem\", secrets/, ~/.ssh, \"!.env.example\", \"/etc/sha[d]ow\", \"a\\\\*b\"]\n"
	"  protect: [.git/hooks, .git/config, \"!.git/hooks/ok\", ~/.bashrc]\n"
	"exec:\n"
	"  deny: [curl, wget, git push, \"!git push --dry-run\", rm -rf /]\n";

struct base {
	char *img;
	size_t len;
};
static struct base bases[2];

static void build_base(struct base *b, const char *profile, const char *yaml, uint32_t flags)
{
	struct guard_policy p;
	struct guard_error err;
	guard_policy_init(&p);
	if ((profile && guard_policy_load_profile(&p, profile, &err) < 0) ||
	    (yaml && guard_policy_load_yaml(&p, "fuzz.yaml", yaml, strlen(yaml), GUARD_SRC_PROJECT, &err) < 0)) {
		guard_error_print(&err);
		abort();
	}
	struct guard_image_params prm = {.home = "/home/u",
					 .project = "/home/u/proj",
					 .tmpdir = "/tmp/guard-s1",
					 .session_id = "s1",
					 .event_socket = "/run/guard/s1/events",
					 .session_magic = 0x5eed5eed5eed5eedull,
					 .flags = flags,
					 .abi = 3};
	void *img;
	guard_image_build(&p, &prm, &img, &b->len);
	b->img = img;
	guard_policy_free(&p);
	struct guard_image check;
	if (guard_image_load(&check, b->img, b->len) != 0)
		abort(); /* guard_image_build wrote an image guard_image_load refuses */
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	build_base(&bases[0], "default", NULL, GUARD_IMAGE_NAMESPACES);
	build_base(&bases[1], NULL, extra_yaml, GUARD_IMAGE_QUIET);
	return 0;
}

static uint32_t rd32(const char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static void wr32(char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* A string offset: mostly the start of one of the image's strings, sometimes anywhere, rarely past the end. */
static uint32_t pick_str(const char *img, size_t len, uint8_t a, uint8_t b)
{
	const struct guard_image_header *h = (const void *)img;
	uint32_t soff = h->strings_off, slen = h->strings_len;
	if (soff > len || slen > len - soff || slen == 0)
		return (uint32_t)a << 8 | b;
	if (a % 16 == 15)
		return slen + b % 4 - 1; /* the edges: the last byte (a NUL), one past it, ... */
	if (a % 4 == 3)
		return (uint32_t)(((uint32_t)a << 8 | b) % slen);
	/* the b-th string */
	uint32_t off = 0;
	for (unsigned n = b; n && off < slen; off++)
		if (img[soff + off] == 0)
			n--;
	return off < slen ? off : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	const struct base *b = &bases[data[0] % 2];
	size_t cap = b->len + 4096, len = b->len;
	char *img = malloc(cap); /* malloc: 16-byte aligned */
	memcpy(img, b->img, b->len);
	memset(img + b->len, 0, cap - b->len);
	bool keep_size = true;
	for (size_t i = 1; i + 4 <= size; i += 4) {
		uint8_t op = data[i], a = data[i + 1], c = data[i + 2], d = data[i + 3];
		const struct guard_image_header *h = (const void *)img;
		/* Rule edits go to the exec table when a's top bit is set (and it has entries). */
		bool exec_tab = (a & 0x80) && h->nexec;
		uint32_t nrules = exec_tab ? h->nexec : h->nrules, roff = exec_tab ? h->exec_off : h->rules_off;
		int rules_ok = roff <= len && nrules <= (len - roff) / sizeof(struct guard_image_rule);
		switch (op % 10) {
		case 0: /* any byte */
			img[((size_t)a << 8 | c) % len] = (char)d;
			break;
		case 1: /* a rule's string field */
			if (rules_ok && nrules) {
				char *r = img + roff + (a % nrules) * sizeof(struct guard_image_rule);
				static const size_t f[] = {offsetof(struct guard_image_rule, pattern),
							   offsetof(struct guard_image_rule, written),
							   offsetof(struct guard_image_rule, file)};
				wr32(r + f[op / 10 % 3], pick_str(img, len, c, d));
			}
			break;
		case 2: /* a rule's small fields */
			if (rules_ok && nrules) {
				char *r = img + roff + (a % nrules) * sizeof(struct guard_image_rule);
				static const size_t f[] = {offsetof(struct guard_image_rule, kind),
							   offsetof(struct guard_image_rule, source),
							   offsetof(struct guard_image_rule, flags)};
				r[f[c % 3]] = (char)(d % 8 == 7 ? d : d % 8);
			}
			break;
		case 3: /* a header string field */ {
			static const size_t f[] = {
				offsetof(struct guard_image_header, project),
				offsetof(struct guard_image_header, home),
				offsetof(struct guard_image_header, tmpdir),
				offsetof(struct guard_image_header, session_id),
				offsetof(struct guard_image_header, event_socket),
			};
			wr32(img + f[a % 5], pick_str(img, len, c, d));
			break;
		}
		case 4: /* a header count or offset, nudged */ {
			static const size_t f[] = {
				offsetof(struct guard_image_header, nrules),
				offsetof(struct guard_image_header, rules_off),
				offsetof(struct guard_image_header, strings_off),
				offsetof(struct guard_image_header, strings_len),
				offsetof(struct guard_image_header, version),
				offsetof(struct guard_image_header, flags),
				offsetof(struct guard_image_header, nexec),
				offsetof(struct guard_image_header, exec_off),
			};
			char *p = img + f[a % 8];
			int32_t delta = (int8_t)c;
			wr32(p, d == 0xff ? 0xffffffffu - (uint32_t)c : rd32(p) + (uint32_t)delta);
			break;
		}
		case 5: /* cut the image */
			len -= ((size_t)a << 8 | c) % len;
			if (len < sizeof(struct guard_image_header))
				len = sizeof(struct guard_image_header);
			break;
		case 6: /* grow it (zeros, or a copy of its own bytes) */ {
			size_t n = ((size_t)a << 8 | c) % (cap - len + 1);
			for (size_t k = 0; k < n; k++)
				img[len + k] = d & 1 ? img[k % len] : 0;
			len += n;
			break;
		}
		case 7: /* a byte of the strings: glob syntax, '/', NUL */ {
			static const char chars[] = "\0/*?[]!\\-.~$^:";
			uint32_t soff = h->strings_off, slen = h->strings_len;
			if (soff < len && slen && slen <= len - soff)
				img[soff + ((size_t)a << 8 | c) % slen] = chars[d % (sizeof chars - 1)];
			break;
		}
		case 8: /* the size field: leave it wrong from here on */
			keep_size = false;
			wr32(img + offsetof(struct guard_image_header, size), (uint32_t)len + (uint32_t)(int8_t)a);
			break;
		case 9: /* swap two rules */
			if (rules_ok && nrules) {
				size_t rs = sizeof(struct guard_image_rule);
				char tmp[sizeof(struct guard_image_rule)];
				char *r1 = img + roff + (a % nrules) * rs, *r2 = img + roff + (c % nrules) * rs;
				memcpy(tmp, r1, rs);
				memcpy(r1, r2, rs);
				memcpy(r2, tmp, rs);
			}
			break;
		}
		if (keep_size)
			wr32(img + offsetof(struct guard_image_header, size), (uint32_t)len);
	}
	/* Exactly len bytes, so ASan sees a read past the end of what load was given. */
	char *exact = malloc(len);
	memcpy(exact, img, len);
	free(img);
	struct guard_image gi;
	if (guard_image_load(&gi, exact, len) == 0)
		image_exercise(&gi, image_seed(data, size), 0);
	free(exact);
	return 0;
}
