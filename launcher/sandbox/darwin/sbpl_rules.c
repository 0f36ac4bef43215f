/* The policy's deny and protect rules as Seatbelt rules (sbpl_gen.h), with the matcher's semantics
 * (include/guard/image.h, guard_image_decide): a path is denied when one of its prefixes (itself or an ancestor)
 * is excluded, and a prefix is excluded when the last rule matching it is not a '!' re-allow.
 *
 * Seatbelt matches the whole path, once, and the last matching rule wins; a prefix becomes a regex tail
 * "(/.*)?". A '!' rule cannot simply be an allow emitted after the denies: it would reopen more than the
 * policy re-allows (a write to a file only readable), and gitignore does not re-allow anything below an excluded
 * directory. So each deny rule I carries its later re-allows J as exceptions, deny(I) unless except(J), where
 *   except(J) = J matches a prefix of the path
 *               and no deny rule matches a strict ancestor of the path          (an excluded directory stays so)
 *               and not (J matches a strict ancestor and a deny rule before J matches the path itself).
 * This never denies less than the matcher (a re-allowed prefix that a deny also excludes is caught by one of the
 * two guards); it denies more only below a directory that a '!' rule re-allows and a deny rule matches too
 * (".env.example/" as a directory): there Seatbelt refuses what the matcher would let through, which fails
 * closed. tests/unit/test_sbpl_diff.c checks both claims against the matcher over thousands of paths.
 *
 * Name patterns (".env", "secrets/") apply below the project and the trees the user granted (config, flags),
 * never to the directories above them; the deepest such root holding a path decides, as name_scope() in
 * preload/core/image.c. Anchored patterns apply where they point, in their physical spelling. */
#include <stdlib.h>
#include <string.h>

#include "guard/match.h"
#include "lib/guard.h"
#include "sandbox/darwin/sbpl_gen.h"

struct rx {
	const struct guard_image_rule *r;
	bool name, dir_only, negated;
	char *body;    /* the regex of what the rule matches itself: a component (name) or a whole path */
	char *pattern; /* as the matcher has it, without a dir-only '/' */
};

struct scope {
	char *phys;
	struct guard_strv inner; /* deeper roots (physical): below them, they decide */
};

struct rules {
	struct sbpl_gen *g;
	struct scope *roots;
	size_t nroots;
	struct rx *v;
	size_t n;
};

enum mode { SELF, STRICT, PREFIX };

/* --- filter text --- */

static char *join(const char *head, char **items, size_t n, const char *tail)
{
	size_t len = strlen(head) + strlen(tail) + 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(items[i]) + 1;
	char *s = guard_xmalloc(len);
	strcpy(s, head);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, items[i]);
	}
	strcat(s, tail);
	return s;
}

/* (require-all ...) / (require-any ...) of the non-NULL items (consumed); one item stands alone; NULL if none. */
static char *combine(const char *op, char **items, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (items[i])
			items[k++] = items[i];
	if (k == 0)
		return NULL;
	if (k == 1)
		return items[0];
	char *head = guard_xasprintf("(%s ", op);
	char *s = join(head, items, k, ")");
	free(head);
	for (size_t i = 0; i < k; i++)
		free(items[i]);
	return s;
}

static char *negate(char *f)
{
	if (!f)
		return NULL;
	char *s = guard_xasprintf("(require-not %s)", f);
	free(f);
	return s;
}

/* --- what each rule matches --- */

static size_t static_prefix_end(const char *p)
{
	size_t first = strcspn(p, "*?[\\");
	if (!p[first])
		return first;
	while (first > 0 && p[first] != '/')
		first--;
	return first;
}

static bool rx_init(struct rules *rs, struct rx *x, const struct guard_image_rule *r)
{
	const struct guard_image *img = &rs->g->in->plan->image;
	x->r = r;
	x->name = r->flags & GUARD_IRULE_NAME_ONLY;
	x->dir_only = r->flags & GUARD_IRULE_DIR_ONLY;
	x->negated = r->flags & GUARD_IRULE_NEGATED;
	const char *p = guard_image_str(img, r->pattern);
	size_t plen = strlen(p) - (x->dir_only && p[strlen(p) - 1] == '/' ? 1 : 0);
	x->pattern = guard_xmalloc(plen + 1);
	memcpy(x->pattern, p, plen);
	x->pattern[plen] = 0;
	if (x->name) {
		x->body = guard_sbpl_glob_regex(x->pattern, plen);
	} else {
		/* The literal beginning in its physical spelling, the glob after it translated. */
		size_t cut = static_prefix_end(x->pattern);
		char *lit = guard_xmalloc(cut + 1);
		memcpy(lit, x->pattern, cut);
		lit[cut] = 0;
		char *phys = cut ? sbpl_physical(rs->g, lit) : guard_xstrdup("");
		if (strcmp(phys, "/") == 0)
			phys[0] = 0;
		char *q = guard_sbpl_regex_quote(phys, strlen(phys));
		char *rest = cut < plen ? guard_sbpl_glob_regex(x->pattern + cut, plen - cut) : guard_xstrdup("");
		x->body = q && rest ? guard_xasprintf("%s%s", q, rest) : NULL;
		free(lit);
		free(phys);
		free(q);
		free(rest);
	}
	if (!x->body) {
		char *o = sbpl_origin(rs->g, r);
		sbpl_fail(rs->g, "%s: the pattern \"%s\" cannot be written as a Seatbelt regex", o,
			  guard_image_str(img, r->written));
		free(o);
		return false;
	}
	return true;
}

/* The filter matching paths that a prefix of, the whole of (SELF), or a strict ancestor of (STRICT) matches,
 * for any rule of the set. Rules are grouped (anchored; each name root; dir-only or not) into alternations
 * that each fit in one Seatbelt string. */
static char *set_filter(struct rules *rs, struct rx **set, size_t n, enum mode mode)
{
	GUARD_VEC(char *) parts = {0};
	for (size_t root = 0; root <= rs->nroots; root++) {
		bool name = root < rs->nroots;
		for (int dir = 0; dir <= 1; dir++) {
			char *pre = name ? guard_sbpl_regex_quote(rs->roots[root].phys, strlen(rs->roots[root].phys))
					 : NULL;
			char *head = name ? guard_xasprintf("^%s/(.*/)?(", pre ? pre : "") : guard_xstrdup("^(");
			free(pre);
			size_t i = 0;
			while (i < n) {
				/* One alternation: as many rules as fit. */
				char *alt = guard_xstrdup("");
				for (; i < n; i++) {
					struct rx *x = set[i];
					if (x->name != name || x->dir_only != (bool)dir)
						continue;
					if (*alt &&
					    strlen(alt) + strlen(x->body) + strlen(head) + 12 > GUARD_SBPL_MAX_STRING)
						break;
					char *a = guard_xasprintf("%s%s%s", alt, *alt ? "|" : "", x->body);
					free(alt);
					alt = a;
				}
				if (!*alt) {
					free(alt);
					break;
				}
				char *items[3] = {0};
				char *self = guard_xasprintf("%s%s)$", head, alt);
				char *strict = guard_xasprintf("%s%s)/", head, alt);
				char *prefix = guard_xasprintf("%s%s)(/.*)?$", head, alt);
				char *f;
				if (mode == STRICT) {
					f = sbpl_regex_filter(rs->g, strict);
				} else if (!dir) {
					f = sbpl_regex_filter(rs->g, mode == SELF ? self : prefix);
				} else {
					items[0] = sbpl_regex_filter(rs->g, self);
					items[1] = guard_xstrdup("(vnode-type DIRECTORY)");
					f = combine("require-all", items, 2);
					if (mode == PREFIX) {
						items[0] = sbpl_regex_filter(rs->g, strict);
						items[1] = f;
						f = combine("require-any", items, 2);
					}
				}
				free(self);
				free(strict);
				free(prefix);
				free(alt);
				if (name && rs->roots[root].inner.n) {
					const struct guard_strv *inner = &rs->roots[root].inner;
					char **all = guard_xmalloc((inner->n + 1) * sizeof *all);
					all[0] = f;
					for (size_t k = 0; k < inner->n; k++)
						all[k + 1] = negate(sbpl_path_filter(rs->g, "subpath", inner->v[k]));
					f = combine("require-all", all, inner->n + 1);
					free(all);
				}
				GUARD_VEC_PUSH(parts, f);
			}
			free(head);
		}
	}
	char *f = combine("require-any", parts.v, parts.n);
	free(parts.v);
	return f;
}

/* --- which re-allows can meet which deny --- */

static const char *last_component(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static bool literal_ends_agree(const char *a, const char *b)
{
	size_t pa = strcspn(a, "*?[\\"), pb = strcspn(b, "*?[\\");
	size_t n = pa < pb ? pa : pb;
	if (strncmp(a, b, n) != 0)
		return false;
	size_t la = strlen(a), lb = strlen(b), sa = 0, sb = 0;
	while (sa < la && !strchr("*?]\\", a[la - 1 - sa]))
		sa++;
	while (sb < lb && !strchr("*?]\\", b[lb - 1 - sb]))
		sb++;
	size_t m = sa < sb ? sa : sb;
	return strncmp(a + la - m, b + lb - m, m) == 0;
}

/* Can the two rules match one and the same path themselves? A cheap, conservative answer (true when unsure):
 * an exception that can never apply would only lengthen the profile. */
static bool can_meet(const struct rx *a, const struct rx *b)
{
	for (int pass = 0; pass < 2; pass++) {
		const struct rx *x = pass ? b : a, *y = pass ? a : b; /* y concrete: ask x's glob about it */
		if (guard_pattern_has_glob(y->pattern))
			continue;
		if (x->name || y->name) {
			const char *name = last_component(y->pattern), *glob = last_component(x->pattern);
			return guard_glob(glob, strlen(glob), name, strlen(name), true);
		}
		return guard_glob(x->pattern, strlen(x->pattern), y->pattern, strlen(y->pattern), true);
	}
	if (!literal_ends_agree(last_component(a->pattern), last_component(b->pattern)))
		return false;
	return a->name || b->name || literal_ends_agree(a->pattern, b->pattern);
}

/* --- the section --- */

static void collect_roots(struct rules *rs)
{
	const struct guard_image *img = &rs->g->in->plan->image;
	struct guard_strv lex = {0};
	guard_strv_push(&lex, guard_xstrdup(guard_image_str(img, img->h->project)));
	for (uint32_t i = 0; i < img->h->nrules; i++) {
		const struct guard_image_rule *r = &img->rules[i];
		if ((r->kind != GUARD_READ && r->kind != GUARD_WRITE) || r->source == GUARD_SRC_PROFILE ||
		    r->source == GUARD_SRC_BUILTIN || (r->flags & GUARD_IRULE_NAME_ONLY))
			continue;
		const char *p = guard_image_str(img, r->pattern);
		if (guard_pattern_has_glob(p))
			continue;
		char *n = guard_path_normalize(p);
		bool seen = false;
		for (size_t k = 0; k < lex.n && !seen; k++)
			seen = strcmp(lex.v[k], n) == 0;
		if (seen)
			free(n);
		else
			guard_strv_push(&lex, n);
	}
	rs->nroots = lex.n;
	rs->roots = guard_xmalloc(lex.n * sizeof *rs->roots);
	for (size_t i = 0; i < lex.n; i++) {
		rs->roots[i].phys = sbpl_physical(rs->g, lex.v[i]);
		rs->roots[i].inner = (struct guard_strv){0};
		for (size_t k = 0; k < lex.n; k++)
			if (k != i && strcmp(lex.v[k], lex.v[i]) != 0 && guard_path_within(lex.v[k], lex.v[i]))
				guard_strv_push(&rs->roots[i].inner, sbpl_physical(rs->g, lex.v[k]));
	}
	guard_strv_clear(&lex);
}

static const char *ops_of(enum guard_rule_kind kind)
{
	return kind == GUARD_DENY ? "file-read* file-write* file-map-executable process-exec*" : "file-write*";
}

/* deny(I) unless except(J) for each later '!' rule J that can meet I (see the top of the file). */
static void emit_kind(struct rules *rs, enum guard_rule_kind kind)
{
	GUARD_VEC(struct rx *) set = {0}, deny = {0};
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].r->kind == kind) {
			GUARD_VEC_PUSH(set, &rs->v[i]);
			if (!rs->v[i].negated)
				GUARD_VEC_PUSH(deny, &rs->v[i]);
		}
	char *strict_any_deny = set_filter(rs, deny.v, deny.n, STRICT);
	for (size_t i = 0; i < set.n && !rs->g->failed; i++) {
		struct rx *a = set.v[i];
		if (a->negated)
			continue;
		GUARD_VEC(char *) terms = {0};
		GUARD_VEC_PUSH(terms, set_filter(rs, &a, 1, PREFIX));
		size_t earlier = 0; /* deny rules before J */
		for (size_t j = 0; j < set.n; j++) {
			struct rx *b = set.v[j];
			if (!b->negated) {
				earlier++;
				continue;
			}
			if (j < i || !can_meet(a, b))
				continue;
			char *items[3];
			items[0] = set_filter(rs, &b, 1, PREFIX);
			items[1] = negate(strict_any_deny ? guard_xstrdup(strict_any_deny) : NULL);
			char *pair[2] = {set_filter(rs, &b, 1, STRICT), set_filter(rs, deny.v, earlier, SELF)};
			if (pair[1]) {
				items[2] = negate(combine("require-all", pair, 2));
			} else {
				free(pair[0]);
				items[2] = NULL;
			}
			GUARD_VEC_PUSH(terms, negate(combine("require-all", items, 3)));
		}
		char *f = combine("require-all", terms.v, terms.n);
		free(terms.v);
		char *o = sbpl_origin(rs->g, a->r);
		sbpl_rule(rs->g, "deny", ops_of(kind), f, o);
		free(o);
		free(f);
	}
	free(strict_any_deny);
	free(set.v);
	free(deny.v);
}

/* What the launch-time scan found: hard links to secrets, which no path rule names, and every other hole. */
static void emit_holes(struct rules *rs)
{
	const struct guard_plan *plan = rs->g->in->plan;
	for (size_t i = 0; i < plan->holes.n; i++) {
		const struct guard_hole *h = &plan->holes.v[i];
		char *phys = sbpl_physical(rs->g, h->path);
		char *f = sbpl_path_filter(rs->g, h->is_dir ? "subpath" : "literal", phys);
		char *o = h->rule ? sbpl_origin(rs->g, h->rule) : guard_xstrdup("guard: scan");
		if (h->note) {
			char *on = guard_xasprintf("%s %s", o, h->note);
			free(o);
			o = on;
		}
		sbpl_rule(rs->g, "deny", ops_of(h->deny ? GUARD_DENY : GUARD_PROTECT), f, o);
		free(o);
		free(f);
		free(phys);
	}
}

/* path's directories into `mine` (those not in `seen` yet), from its parent up (from path itself with `self`),
 * never "/". */
static void push_ancestors(struct guard_strv *seen, struct guard_strv *mine, const char *path, bool self)
{
	char *p = guard_xstrdup(path);
	for (bool first = true;; first = false) {
		if (!first || !self) {
			char *slash = strrchr(p, '/');
			if (!slash)
				break;
			*slash = 0;
		}
		if (!*p)
			break;
		bool dup = false;
		for (size_t i = 0; i < seen->n && !dup; i++)
			dup = strcmp(seen->v[i], p) == 0;
		if (!dup) {
			guard_strv_push(seen, guard_xstrdup(p));
			guard_strv_push(mine, guard_xstrdup(p));
		}
	}
	free(p);
}

static void emit_ancestor_rule(struct rules *rs, struct guard_strv *mine, const char *origin)
{
	if (!mine->n)
		return;
	char **items = guard_xmalloc(mine->n * sizeof *items);
	for (size_t i = 0; i < mine->n; i++)
		items[i] = sbpl_path_filter(rs->g, "literal", mine->v[i]);
	char *f = join("", items, mine->n, "");
	for (size_t i = 0; i < mine->n; i++)
		free(items[i]);
	free(items);
	sbpl_rule(rs->g, "deny", "file-write-unlink file-write-create", f, origin);
	free(f);
	guard_strv_clear(mine);
}

/* A secret's directories may not be renamed, removed or replaced: moving an ancestor would carry the secret to a
 * path no rule names (Seatbelt matches paths, not files). Named operations: a later wildcard allow
 * (file-write*) cannot reopen them. */
static void emit_ancestors(struct rules *rs)
{
	struct guard_strv seen = {0}, mine = {0};
	for (size_t i = 0; i < rs->n; i++) {
		struct rx *x = &rs->v[i];
		if (x->name || x->negated || x->r->kind != GUARD_DENY)
			continue;
		size_t cut = static_prefix_end(x->pattern);
		bool glob = x->pattern[cut] != 0;
		char *lit = guard_xmalloc(cut + 1);
		memcpy(lit, x->pattern, cut);
		lit[cut] = 0;
		char *phys = cut ? sbpl_physical(rs->g, lit) : guard_xstrdup("/");
		push_ancestors(&seen, &mine, phys, glob);
		char *o = sbpl_origin(rs->g, x->r);
		emit_ancestor_rule(rs, &mine, o);
		free(o);
		free(phys);
		free(lit);
	}
	const struct guard_plan *plan = rs->g->in->plan;
	for (size_t i = 0; i < plan->holes.n; i++) {
		const struct guard_hole *h = &plan->holes.v[i];
		char *phys = sbpl_physical(rs->g, h->path);
		push_ancestors(&seen, &mine, phys, false);
		char *o = h->rule ? sbpl_origin(rs->g, h->rule) : guard_xstrdup("guard: scan");
		emit_ancestor_rule(rs, &mine, o);
		free(o);
		free(phys);
	}
	for (size_t i = 0; i < rs->nroots; i++)
		push_ancestors(&seen, &mine, rs->roots[i].phys, true);
	emit_ancestor_rule(rs, &mine, "guard: roots of the policy's name patterns");
	guard_strv_clear(&seen);
}

void sbpl_section_denies(struct sbpl_gen *g)
{
	const struct guard_image *img = &g->in->plan->image;
	struct rules rs = {.g = g};
	collect_roots(&rs);
	rs.v = guard_xmalloc((img->h->nrules + 1) * sizeof *rs.v);
	for (uint32_t i = 0; i < img->h->nrules; i++) {
		const struct guard_image_rule *r = &img->rules[i];
		if (r->kind != GUARD_DENY && r->kind != GUARD_PROTECT)
			continue;
		memset(&rs.v[rs.n], 0, sizeof rs.v[rs.n]);
		if (rx_init(&rs, &rs.v[rs.n], r))
			rs.n++;
		else
			free(rs.v[rs.n].pattern);
	}
	fputs("\n; files.deny (read, write, map, exec) and files.protect (write): each rule as the matcher reads it, "
	      "its\n; later '!' re-allows folded in as exceptions\n",
	      g->out);
	emit_kind(&rs, GUARD_DENY);
	emit_kind(&rs, GUARD_PROTECT);
	fputs("\n; what the launch-time scan found inside granted trees (hard links to secrets among them)\n", g->out);
	emit_holes(&rs);
	fputs("\n; a secret's directories cannot be renamed, removed or replaced (named operations: no later wildcard "
	      "reopens them)\n",
	      g->out);
	emit_ancestors(&rs);
	for (size_t i = 0; i < rs.n; i++) {
		free(rs.v[i].body);
		free(rs.v[i].pattern);
	}
	free(rs.v);
	for (size_t i = 0; i < rs.nroots; i++) {
		free(rs.roots[i].phys);
		guard_strv_clear(&rs.roots[i].inner);
	}
	free(rs.roots);
}
