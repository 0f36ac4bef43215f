/* Reading the compiled policy (see include/guard/image.h) and the verdicts over it. libc-free on the hot path:
 * no allocation, no locks; shared by the launcher, the shim and the observer. */
#include <string.h>

#include "guard/image.h"
#include "guard/match.h"

static bool in_strings(const struct guard_image *img, uint32_t off)
{
	return off < img->h->strings_len;
}

int guard_image_load(struct guard_image *img, const void *buf, size_t len)
{
	const struct guard_image_header *h = buf;
	if (len < sizeof *h || len > GUARD_IMAGE_MAX_SIZE || ((uintptr_t)buf & 7) ||
	    memcmp(h->magic, GUARD_IMAGE_MAGIC, 8) != 0 || h->version != GUARD_IMAGE_VERSION || h->size != len)
		return -1;
	if (h->strings_off > len || h->strings_len == 0 || h->strings_len > len - h->strings_off ||
	    ((const char *)buf)[h->strings_off + h->strings_len - 1] != 0)
		return -1;
	if (h->rules_off > len || (h->rules_off & 3) ||
	    h->nrules > (len - h->rules_off) / sizeof(struct guard_image_rule))
		return -1;
	img->base = buf;
	img->size = len;
	img->h = h;
	img->rules = (const struct guard_image_rule *)((const char *)buf + h->rules_off);
	img->str = (const char *)buf + h->strings_off;
	if (!in_strings(img, h->project) || !in_strings(img, h->home) || !in_strings(img, h->tmpdir) ||
	    !in_strings(img, h->session_id) || !in_strings(img, h->event_socket))
		return -1;
	if (h->nexec && (h->exec_off > len || (h->exec_off & 3) ||
			 h->nexec > (len - h->exec_off) / sizeof(struct guard_image_rule)))
		return -1;
	img->exec = (const struct guard_image_rule *)((const char *)buf + (h->nexec ? h->exec_off : h->rules_off));
	for (uint32_t i = 0; i < h->nexec; i++) {
		const struct guard_image_rule *r = &img->exec[i];
		if (!in_strings(img, r->pattern) || !in_strings(img, r->written) || !in_strings(img, r->file) ||
		    r->kind != GUARD_EXEC_DENY || r->source > GUARD_SRC_BUILTIN || !img->str[r->pattern])
			return -1;
	}
	for (uint32_t i = 0; i < h->nrules; i++) {
		const struct guard_image_rule *r = &img->rules[i];
		if (!in_strings(img, r->pattern) || !in_strings(img, r->written) || !in_strings(img, r->file) ||
		    r->kind > GUARD_PROTECT || r->source > GUARD_SRC_BUILTIN || !img->str[r->pattern])
			return -1;
	}
	return 0;
}

/* Pattern characters before the first glob character or escape match one for one (in pathname mode too: a '/'
 * meets a '/'), so a string that differs there, or ends first, cannot match. Most rules fail this within a byte
 * or two, and guard_image_decide asks every rule about every ancestor of every path a scan visits. A final '/'
 * (a directory-only rule's) is not compared. */
static bool literal_prefix_differs(const char *pat, const char *s)
{
	for (size_t i = 0; pat[i]; i++) {
		char c = pat[i];
		if (c == '*' || c == '?' || c == '[' || c == '\\' || (c == '/' && !pat[i + 1]))
			return false;
		if (s[i] != c)
			return true;
	}
	return false;
}

static bool glob_special(char c)
{
	return c == '*' || c == '?' || c == '[' || c == ']' || c == '\\';
}

/* How many characters at the end of the pattern (plen long) are literal and must end the string too ("*.pem":
 * 4): the run after the last glob character, class or escape, except a '/' that starts it (a "**" component
 * before it may take no component at all). */
static size_t literal_suffix(const char *pat, size_t plen)
{
	size_t i = plen;
	for (; i > 0; i--) {
		char c = pat[i - 1];
		if (glob_special(c) || (c == '/' && (i == 1 || glob_special(pat[i - 2]))))
			break;
	}
	return plen - i;
}

/* The pattern without a directory-only rule's final '/'. */
static size_t pattern_len(const struct guard_image_rule *r, const char *pat)
{
	return strlen(pat) - ((r->flags & GUARD_IRULE_DIR_ONLY) ? 1 : 0);
}

/* Does the rule match `path` (whose last component is `name`) itself, not through an ancestor? */
static bool matches_self(const struct guard_image *img, const struct guard_image_rule *r, const char *path,
			 size_t pathlen, const char *name, size_t namelen, bool is_dir)
{
	if ((r->flags & GUARD_IRULE_DIR_ONLY) && !is_dir)
		return false;
	const char *pat = guard_image_str(img, r->pattern);
	bool by_name = r->flags & GUARD_IRULE_NAME_ONLY;
	const char *s = by_name ? name : path;
	size_t slen = by_name ? namelen : pathlen;
	if (literal_prefix_differs(pat, s))
		return false;
	size_t plen = pattern_len(r, pat), suffix = literal_suffix(pat, plen);
	/* Likewise from the end: the literal suffix ends the string. */
	if (suffix > slen || memcmp(pat + plen - suffix, s + slen - suffix, suffix) != 0)
		return false;
	return guard_glob(pat, plen, s, slen, true);
}

const struct guard_image_rule *guard_image_last_match(const struct guard_image *img, enum guard_rule_kind kind,
						      const char *path, bool is_dir, bool names)
{
	const struct guard_image_rule *hit = NULL;
	size_t pathlen = strlen(path);
	const char *name = strrchr(path, '/');
	name = name ? name + 1 : path;
	for (uint32_t i = 0; i < img->h->nrules; i++) {
		const struct guard_image_rule *r = &img->rules[i];
		if (r->kind == kind && (names || !(r->flags & GUARD_IRULE_NAME_ONLY)) &&
		    matches_self(img, r, path, pathlen, name, pathlen - (size_t)(name - path), is_dir))
			hit = r;
	}
	return hit;
}

size_t guard_image_rules_under(const struct guard_image *img, const char *root, struct guard_rule_probe *out)
{
	size_t n = 0, rlen = strlen(root);
	for (uint32_t i = 0; i < img->h->nrules; i++) {
		const struct guard_image_rule *r = &img->rules[i];
		const char *p = guard_image_str(img, r->pattern);
		if (!(r->flags & GUARD_IRULE_NAME_ONLY) && p[0] == '/') {
			/* A path below root starts with root, and one the rule matches starts with the pattern's
			 * literal beginning (literal_prefix_differs): the two must agree as far as both go. */
			size_t k = 0;
			while (p[k] && p[k] != '*' && p[k] != '?' && p[k] != '[' && p[k] != '\\')
				k++;
			if (k && !p[k] && p[k - 1] == '/')
				k--;
			if (strncmp(p, root, k < rlen ? k : rlen) != 0)
				continue;
		}
		size_t plen = pattern_len(r, p);
		struct guard_rule_probe pr = {.idx = i, .kind = r->kind, .flags = r->flags};
		/* What literal_prefix_differs and literal_suffix would compare first. */
		if (plen && !(p[0] == '*' || p[0] == '?' || p[0] == '[' || p[0] == '\\' || (p[0] == '/' && !p[1])))
			pr.first = p[0];
		if (literal_suffix(p, plen))
			pr.last = p[plen - 1];
		out[n++] = pr;
	}
	return n;
}

const struct guard_image_rule *guard_image_last_match_in(const struct guard_image *img,
							 const struct guard_rule_probe *probes, size_t n,
							 enum guard_rule_kind kind, const char *path, bool is_dir,
							 bool names)
{
	const struct guard_image_rule *hit = NULL;
	size_t pathlen = strlen(path);
	const char *name = strrchr(path, '/');
	name = name ? name + 1 : path;
	size_t namelen = pathlen - (size_t)(name - path);
	for (size_t j = 0; j < n; j++) {
		const struct guard_rule_probe *p = &probes[j];
		bool by_name = p->flags & GUARD_IRULE_NAME_ONLY;
		if (p->kind != kind || (!names && by_name))
			continue;
		const char *s = by_name ? name : path;
		size_t slen = by_name ? namelen : pathlen;
		if ((p->first && s[0] != p->first) || (p->last && (!slen || s[slen - 1] != p->last)))
			continue;
		const struct guard_image_rule *r = &img->rules[p->idx];
		if (matches_self(img, r, path, pathlen, name, namelen, is_dir))
			hit = r;
	}
	return hit;
}

static bool is_prefix_dir(const char *root, size_t n, const char *path)
{
	return n && strncmp(path, root, n) == 0 && (path[n] == '/' || path[n] == 0 || (n == 1 && root[0] == '/'));
}

/* Name patterns apply inside the project and inside trees the user granted (config, flags), never to the
 * directories above them: a project kept in ~/work/secrets/app is not a secret. Returns the length of the
 * deepest such root holding `path`, or SIZE_MAX when none does (then name patterns don't apply at all). */
static size_t name_scope(const struct guard_image *img, const char *path)
{
	const char *project = guard_image_str(img, img->h->project);
	size_t best = is_prefix_dir(project, strlen(project), path) ? strlen(project) : (size_t)-1;
	for (uint32_t i = 0; i < img->h->nrules; i++) {
		const struct guard_image_rule *r = &img->rules[i];
		if ((r->kind != GUARD_READ && r->kind != GUARD_WRITE) || r->source == GUARD_SRC_PROFILE ||
		    r->source == GUARD_SRC_BUILTIN || (r->flags & GUARD_IRULE_NAME_ONLY))
			continue;
		const char *p = guard_image_str(img, r->pattern);
		size_t n = strlen(p);
		if (n > 1 && p[n - 1] == '/')
			n--;
		if (!guard_pattern_has_glob(p) && is_prefix_dir(p, n, path) && (best == (size_t)-1 || n > best))
			best = n;
	}
	return best;
}

const struct guard_image_rule *guard_image_decide(const struct guard_image *img, enum guard_rule_kind kind,
						  const char *path, bool is_dir)
{
	/* From the root down: an excluded directory excludes everything below it for good (gitignore). */
	char buf[4096];
	size_t len = strlen(path);
	if (len >= sizeof buf)
		return NULL;
	memcpy(buf, path, len + 1);
	size_t scope = name_scope(img, path);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != 0)
			continue;
		char saved = buf[i];
		buf[i] = 0;
		bool names = scope != (size_t)-1 && i > scope;
		const struct guard_image_rule *r =
			guard_image_last_match(img, kind, buf, saved == 0 ? is_dir : true, names);
		buf[i] = saved;
		if (r && !(r->flags & GUARD_IRULE_NEGATED))
			return r;
	}
	return NULL;
}

const struct guard_image_rule *guard_image_decide_entry(const struct guard_image *img, enum guard_rule_kind kind,
							const char *path, bool is_dir)
{
	/* guard_image_decide asks the parent's prefixes exactly as it did for the parent (same name scope: only a
	 * path that is itself a root of name patterns has a scope of its own), and they all answered no. */
	size_t len = strlen(path), scope = name_scope(img, path);
	if (len >= 4096) /* as guard_image_decide */
		return NULL;
	if (scope == len)
		return guard_image_decide(img, kind, path, is_dir);
	const struct guard_image_rule *r =
		guard_image_last_match(img, kind, path, is_dir, scope != (size_t)-1 && len > scope);
	return r && !(r->flags & GUARD_IRULE_NEGATED) ? r : NULL;
}

const struct guard_image_rule *guard_image_grant(const struct guard_image *img, enum guard_rule_kind kind,
						 const char *path, bool is_dir)
{
	const struct guard_image_rule *hit = NULL;
	for (uint32_t i = 0; i < img->h->nrules; i++) {
		const struct guard_image_rule *r = &img->rules[i];
		if (r->kind == kind && !(r->flags & GUARD_IRULE_NAME_ONLY) &&
		    guard_pattern_matches(guard_image_str(img, r->pattern), path, is_dir))
			hit = r;
	}
	return hit;
}

/* --- exec rules --- */

static const char *base_name(const char *s)
{
	const char *b = s;
	for (; *s; s++)
		if (*s == '/' && s[1])
			b = s + 1;
	return b;
}

/* Does the word starting at w (ending at a space or NUL) equal s up to a '/' (for names) or NUL? */
static bool word_is(const char *w, size_t wl, const char *s)
{
	size_t sl = 0;
	while (s[sl] && s[sl] != '/')
		sl++;
	return wl == sl && memcmp(w, s, wl) == 0;
}

static size_t word_len(const char *w)
{
	size_t n = 0;
	while (w[n] && w[n] != ' ')
		n++;
	return n;
}

static bool exec_rule_matches(const char *pat, const char *file, char *const argv[])
{
	size_t wl = word_len(pat);
	bool named = (file && word_is(pat, wl, base_name(file))) ||
		     (argv && argv[0] && word_is(pat, wl, base_name(argv[0])));
	if (!named)
		return false;
	const char *w = pat + wl;
	size_t ai = 1;
	while (*w == ' ') {
		w++;
		wl = word_len(w);
		for (;; ai++) {
			if (!argv || !argv[0] || !argv[ai])
				return false;
			size_t al = 0;
			while (argv[ai][al])
				al++;
			if (al == wl && memcmp(argv[ai], w, wl) == 0)
				break;
		}
		ai++;
		w += wl;
	}
	return true;
}

const struct guard_image_rule *guard_image_exec_match(const struct guard_image *img, const char *file,
						      char *const argv[])
{
	for (uint32_t i = img->h->nexec; i-- > 0;) {
		const struct guard_image_rule *r = &img->exec[i];
		if (exec_rule_matches(guard_image_str(img, r->pattern), file, argv))
			return r;
	}
	return NULL;
}

const struct guard_image_rule *guard_image_exec_denies_name(const struct guard_image *img, const char *name)
{
	char *argv[] = {(char *)name, NULL};
	const struct guard_image_rule *r = guard_image_exec_match(img, name, argv);
	return r && !(r->flags & GUARD_IRULE_NEGATED) ? r : NULL;
}

static size_t put_str(char *buf, size_t cap, size_t n, const char *s)
{
	for (; *s && n + 1 < cap; s++)
		buf[n++] = *s;
	return n;
}

static size_t put_uint(char *buf, size_t cap, size_t n, uint32_t v)
{
	char d[12];
	int k = 0;
	do
		d[k++] = (char)('0' + v % 10);
	while ((v /= 10) && k < 11);
	while (k && n + 1 < cap)
		buf[n++] = d[--k];
	return n;
}

size_t guard_image_exec_message(const struct guard_image *img, const struct guard_image_rule *r, char *buf, size_t cap)
{
	if (cap < 2) { /* no room for a line */
		if (cap)
			buf[0] = 0;
		return 0;
	}
	const char *w = guard_image_str(img, r->written);
	size_t n = put_str(buf, cap, 0, "guard: ");
	n = put_str(buf, cap, n, w);
	n = put_str(buf, cap, n, " is denied by exec.deny \"");
	n = put_str(buf, cap, n, w);
	n = put_str(buf, cap, n, "\" (");
	n = put_str(buf, cap, n, guard_image_str(img, r->file));
	if (r->line) {
		n = put_str(buf, cap, n, ":");
		n = put_uint(buf, cap, n, r->line);
		n = put_str(buf, cap, n, ":");
		n = put_uint(buf, cap, n, r->col);
	}
	n = put_str(buf, cap, n, ") \xe2\x80\x94 sandbox policy, don't retry\n");
	if (n + 1 >= cap && n > 0) /* cut: still end the line (cap 1 holds only the NUL) */
		buf[n - 1] = '\n';
	buf[n] = 0;
	return n;
}

static bool starts(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++)
			return false;
	return true;
}

size_t guard_exec_loader_program(const char *file, char *const argv[])
{
	const char *b = file ? base_name(file) : "";
	if (!starts(b, "ld-linux") && !starts(b, "ld.so") && !starts(b, "ld64.so") && !starts(b, "ld-musl"))
		return 0;
	if (!argv || !argv[0])
		return 0;
	size_t k = 1;
	while (argv[k] && argv[k][0] == '-' && argv[k][1] == '-') {
		const char *o = argv[k] + 2;
		if (!*o) { /* "--": the program follows */
			k++;
			break;
		}
		bool value = starts(o, "library-path") || starts(o, "preload") || starts(o, "audit") ||
			     starts(o, "argv0") || starts(o, "glibc-hwcaps-prepend") ||
			     starts(o, "glibc-hwcaps-mask") || starts(o, "inhibit-rpath");
		bool inline_value = false;
		for (const char *c = o; *c; c++)
			inline_value |= *c == '=';
		k += value && !inline_value ? 2 : 1;
		for (size_t j = 1; j < k; j++)
			if (!argv[j])
				return 0;
	}
	return argv[k] ? k : 0;
}
