/* Finding what the policy subtracts from granted trees: denied and protected entries (by name, by anchored
 * pattern) and hard links to secrets (by device and inode), before anything is mounted.
 *
 * Speed matters (a 100k-file project is scanned at every start): one getdents64 pass per directory, no stat
 * unless the entry's type is unknown, it is a symlink that matches, or its inode number is that of a secret. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guard/match.h"
#include "plan/dir_entries.h"
#include "plan/plan.h"

struct ino_set {
	GUARD_VEC(struct {
		dev_t dev;
		ino_t ino;
		const struct guard_image_rule *rule;
		char *path;
	})
	v;
};

struct walk {
	struct guard_plan *plan;
	struct ino_set *secrets;
	bool names;      /* apply name patterns (only inside the project and home grants) */
	bool holes;      /* record holes (false: only collect secret inodes) */
	bool links_only; /* second pass: only look for hard links */
	int max_depth;   /* -1: unlimited */
	size_t budget;   /* entries left before giving up (bounded walks outside grants) */
	bool truncated;
	const struct guard_rule_probe *cand; /* hole walks: the rules that may match inside the tree */
	size_t ncand;
};

static int secret_index(const struct ino_set *s, ino_t ino)
{
	for (size_t i = 0; i < s->v.n; i++)
		if (s->v.v[i].ino == ino)
			return (int)i;
	return -1;
}

static void add_secret(struct ino_set *s, const struct stat *st, const struct guard_image_rule *rule, const char *path)
{
	for (size_t i = 0; i < s->v.n; i++)
		if (s->v.v[i].ino == st->st_ino && s->v.v[i].dev == st->st_dev)
			return;
	__typeof__(*s->v.v) e = {st->st_dev, st->st_ino, rule, guard_xstrdup(path)};
	GUARD_VEC_PUSH(s->v, e);
}

static void add_hole(struct guard_plan *plan, const char *path, bool is_dir, bool deny,
		     const struct guard_image_rule *rule, char *note)
{
	for (size_t i = 0; i < plan->holes.n; i++)
		if (strcmp(plan->holes.v[i].path, path) == 0) {
			free(note);
			return;
		}
	struct guard_hole h = {guard_xstrdup(path), is_dir, deny, rule, note};
	GUARD_VEC_PUSH(plan->holes, h);
}

/* Visit one entry; returns true when the walk should descend into it. */
static bool visit(struct walk *w, int dirfd, const char *path, const char *name, unsigned char type, ino_t ino)
{
	struct stat st;
	bool is_dir = type == DT_DIR;
	if (type == DT_UNKNOWN) {
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			return false;
		is_dir = S_ISDIR(st.st_mode);
		type = S_ISLNK(st.st_mode) ? DT_LNK : S_ISREG(st.st_mode) ? DT_REG : is_dir ? DT_DIR : DT_UNKNOWN;
	}

	if (!w->holes) {
		/* Collecting secret inodes: only a regular file with several links can have a twin elsewhere. */
		if (type == DT_REG && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_nlink > 1) {
			const struct guard_image_rule *d = guard_image_decide(&w->plan->image, GUARD_DENY, path, false);
			if (d && !(d->flags & GUARD_IRULE_NEGATED))
				add_secret(w->secrets, &st, d, path);
		}
		return is_dir;
	}
	if (!w->links_only) {
		bool link_is_dir = is_dir;
		if (type == DT_LNK) {
			/* A secret's name on a symlink: the mount that covers it lands on the target. */
			if (fstatat(dirfd, name, &st, 0) != 0)
				return false;
			link_is_dir = S_ISDIR(st.st_mode);
		}
		/* Hole walks descend only through undenied directories, so the entry itself decides; inode walks
		 * start inside denied trees and need the ancestors' verdict. */
		const struct guard_image *img = &w->plan->image;
		const struct guard_image_rule *d =
			w->holes ? guard_image_last_match_in(img, w->cand, w->ncand, GUARD_DENY, path, link_is_dir,
							     w->names)
				 : guard_image_decide(img, GUARD_DENY, path, link_is_dir);
		if (d && !(d->flags & GUARD_IRULE_NEGATED)) {
			if (w->holes)
				add_hole(w->plan, path, link_is_dir, true, d, NULL);
			if (type == DT_REG || type == DT_LNK || type == DT_DIR) {
				if ((type == DT_REG || type == DT_LNK) && fstatat(dirfd, name, &st, 0) == 0 &&
				    S_ISREG(st.st_mode) && st.st_nlink > 1)
					add_secret(w->secrets, &st, d, path);
			}
			/* Below a denied directory, only inodes matter (for hard links elsewhere). */
			return is_dir && !w->holes;
		}
		if (w->holes && type != DT_LNK) {
			const struct guard_image_rule *p = guard_image_last_match_in(
				img, w->cand, w->ncand, GUARD_PROTECT, path, is_dir, w->names);
			if (p && !(p->flags & GUARD_IRULE_NEGATED))
				add_hole(w->plan, path, is_dir, false, p, NULL);
		}
	}
	if (type == DT_REG && w->holes && w->secrets->v.n) {
		int i = secret_index(w->secrets, ino);
		if (i >= 0 && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_dev == w->secrets->v.v[i].dev && strcmp(path, w->secrets->v.v[i].path) != 0)
			add_hole(w->plan, path, false, true, w->secrets->v.v[i].rule,
				 guard_xasprintf("hard link of %s", w->secrets->v.v[i].path));
	}
	return is_dir;
}

struct frame {
	char *path;
	int depth;
};
typedef GUARD_VEC(struct frame) frame_stack;

/* One directory being read: its frame, its descriptor, and the stack its subdirectories go on. */
struct reading {
	struct walk *w;
	const struct frame *f;
	int fd;
	frame_stack *stack;
};

static void take_entry(const char *name, unsigned char type, ino_t ino, void *ctx)
{
	struct reading *rd = ctx;
	struct walk *w = rd->w;
	if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
		return;
	w->plan->scanned_entries++;
	if (w->budget == 0) {
		w->truncated = true;
		return;
	}
	w->budget--;
	char *path = guard_path_join(rd->f->path, name);
	bool down = visit(w, rd->fd, path, name, type, ino);
	if (down && (w->max_depth < 0 || rd->f->depth + 1 < w->max_depth)) {
		struct frame c = {path, rd->f->depth + 1};
		GUARD_VEC_PUSH(*rd->stack, c);
	} else {
		free(path);
	}
}

static void walk_tree(struct walk *w, const char *root)
{
	frame_stack stack = {0};
	struct frame f0 = {guard_xstrdup(root), 0};
	GUARD_VEC_PUSH(stack, f0);
	struct guard_rule_probe *cand = guard_xmalloc(((size_t)w->plan->image.h->nrules + 1) * sizeof *cand);
	w->cand = cand;
	w->ncand = guard_image_rules_under(&w->plan->image, root, cand);
	while (stack.n) {
		struct frame f = stack.v[--stack.n];
		int fd = open(f.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			free(f.path);
			continue;
		}
		struct reading rd = {w, &f, fd, &stack};
		guard_dir_entries(fd, take_entry, &rd);
		close(fd);
		free(f.path);
	}
	free(cand);
	w->cand = NULL;
	free(stack.v);
}

/* Longest leading run of glob-free components of an anchored pattern, and how many components follow. */
static char *literal_prefix(const char *pattern, int *rest_depth, bool *deep)
{
	char *p = guard_xstrdup(pattern);
	size_t len = strlen(p);
	if (len > 1 && p[len - 1] == '/')
		p[--len] = 0;
	char *cut = NULL;
	for (char *c = p; *c; c++) {
		if (*c == '*' || *c == '?' || *c == '[' || *c == '\\') {
			cut = c;
			break;
		}
	}
	*rest_depth = 0;
	*deep = strstr(pattern, "**") != NULL;
	if (!cut)
		return p;
	while (cut > p && cut[-1] != '/')
		cut--;
	for (char *c = cut; *c; c++)
		if (*c == '/')
			(*rest_depth)++;
	(*rest_depth)++;
	if (cut > p + 1)
		cut[-1] = 0;
	else
		p[1] = 0;
	return p;
}

static bool within_any(const struct guard_strv *roots, const char *path)
{
	for (size_t i = 0; i < roots->n; i++)
		if (guard_path_within(path, roots->v[i]))
			return true;
	return false;
}

static const struct guard_tree *tree_containing(const struct guard_plan *plan, const char *path)
{
	for (size_t i = 0; i < plan->trees.n; i++)
		if (plan->trees.v[i].is_dir && guard_path_within(path, plan->trees.v[i].path))
			return &plan->trees.v[i];
	return NULL;
}

/* The trees where name patterns apply: the project, and any tree the user granted through config or flags.
 * Trees a profile grants (system dirs, toolchains, caches) are curated: their secrets are named by anchored
 * rules, and a name scan there would deny what tools need (certifi's cacert.pem, /etc/ssl/certs/\*.pem) and
 * cost a walk of hundreds of thousands of files at every start. */
static bool scanned_by_name(const struct guard_plan *plan, const struct guard_tree *g)
{
	if (!g->is_dir)
		return false;
	if (guard_path_within(g->path, plan->project))
		return true;
	return g->rule && g->rule->source != GUARD_SRC_PROFILE && strncmp(g->path, "/proc", 5) &&
	       strncmp(g->path, "/sys", 4) && strncmp(g->path, "/dev", 4);
}

static void free_secrets(struct ino_set *s)
{
	for (size_t i = 0; i < s->v.n; i++)
		free(s->v.v[i].path);
	free(s->v.v);
}

void guard_scan_holes(struct guard_plan *plan)
{
	struct ino_set secrets = {0};
	struct guard_strv roots = {0}, walked = {0};

	/* 1. Secrets outside every grant can't be read by name, but a hard link inside a grant would expose them:
	 * collect their inodes (only files with more than one link matter). */
	const struct guard_image *img = &plan->image;
	for (uint32_t i = 0; i < img->h->nrules; i++) {
		const struct guard_image_rule *r = &img->rules[i];
		if (r->kind != GUARD_DENY || (r->flags & (GUARD_IRULE_NEGATED | GUARD_IRULE_NAME_ONLY)))
			continue;
		/* guard's own state and configuration hold no user secrets to be linked to (and can be large). */
		if (strcmp(guard_image_str(img, r->file), GUARD_ORIGIN_OWN_STATE) == 0)
			continue;
		int depth;
		bool deep;
		char *lit = literal_prefix(guard_image_str(img, r->pattern), &depth, &deep);
		struct stat st;
		if (!tree_containing(plan, lit) && stat(lit, &st) == 0) {
			if (S_ISREG(st.st_mode)) {
				if (st.st_nlink > 1 && guard_image_decide(img, GUARD_DENY, lit, false))
					add_secret(&secrets, &st, r, lit);
			} else if (S_ISDIR(st.st_mode) && !within_any(&walked, lit)) {
				struct walk w = {plan, &secrets, false, false, false, -1, 20000, false};
				walk_tree(&w, lit);
				if (w.truncated)
					guard_strv_push(
						&plan->notes,
						guard_xasprintf("hard-link check of %s stopped after 20000 entries",
								lit));
				guard_strv_push(&walked, guard_xstrdup(lit));
			}
		}
		free(lit);
	}
	guard_strv_clear(&walked);

	/* 2. Name-scanned trees, outermost only. */
	for (size_t i = 0; i < plan->trees.n; i++) {
		const struct guard_tree *g = &plan->trees.v[i];
		if (!scanned_by_name(plan, g))
			continue;
		bool nested = false;
		for (size_t j = 0; j < plan->trees.n && !nested; j++)
			nested = j != i && scanned_by_name(plan, &plan->trees.v[j]) &&
				 guard_path_within(g->path, plan->trees.v[j].path) &&
				 (strcmp(g->path, plan->trees.v[j].path) != 0 || j < i);
		if (!nested)
			guard_strv_push(&roots, guard_xstrdup(g->path));
	}
	size_t known = secrets.v.n;
	for (size_t i = 0; i < roots.n; i++) {
		struct stat st;
		if (lstat(roots.v[i], &st) == 0) {
			const struct guard_image_rule *d =
				guard_image_decide(img, GUARD_DENY, roots.v[i], S_ISDIR(st.st_mode));
			if (d)
				continue; /* the whole grant is denied: plan.c drops it */
			/* The whole grant protected (a shared cache of programs, ~/.cargo/registry/): the walk below
			 * looks at entries only. */
			const struct guard_image_rule *p =
				guard_image_decide(img, GUARD_PROTECT, roots.v[i], S_ISDIR(st.st_mode));
			if (p)
				add_hole(plan, roots.v[i], S_ISDIR(st.st_mode), false, p, NULL);
		}
		struct walk w = {plan, &secrets, true, true, false, -1, (size_t)-1, false};
		walk_tree(&w, roots.v[i]);
	}
	/* A secret inside a scanned tree with other links: look again for links visited before it was known. */
	if (secrets.v.n > known)
		for (size_t i = 0; i < roots.n; i++) {
			struct walk w = {plan, &secrets, true, true, true, -1, (size_t)-1, false};
			walk_tree(&w, roots.v[i]);
		}

	/* 3. Anchored patterns that point into trees not scanned by name (/etc/shadow under /etc). */
	for (uint32_t i = 0; i < img->h->nrules; i++) {
		const struct guard_image_rule *r = &img->rules[i];
		if ((r->kind != GUARD_DENY && r->kind != GUARD_PROTECT) ||
		    (r->flags & (GUARD_IRULE_NEGATED | GUARD_IRULE_NAME_ONLY)))
			continue;
		const char *pattern = guard_image_str(img, r->pattern);
		int depth;
		bool deep;
		char *lit = literal_prefix(pattern, &depth, &deep);
		struct stat st;
		if (within_any(&roots, lit) || !tree_containing(plan, lit) || lstat(lit, &st) != 0) {
			free(lit);
			continue;
		}
		if (!guard_pattern_has_glob(pattern)) {
			bool is_dir = S_ISDIR(st.st_mode);
			if (S_ISLNK(st.st_mode) && stat(lit, &st) == 0)
				is_dir = S_ISDIR(st.st_mode);
			const struct guard_image_rule *d = guard_image_decide(img, r->kind, lit, is_dir);
			if (d == r)
				add_hole(plan, lit, is_dir, r->kind == GUARD_DENY, r, NULL);
		} else if (S_ISDIR(st.st_mode)) {
			struct walk w = {plan, &secrets, false, true, false, deep ? -1 : depth, 100000, false};
			walk_tree(&w, lit);
			if (w.truncated)
				guard_strv_push(&plan->notes,
						guard_xasprintf("scan of %s for %s stopped after 100000 entries", lit,
								guard_image_str(img, r->written)));
		}
		free(lit);
	}
	plan->scan_roots = roots; /* watched for late arrivals (late_covers_linux.c) */
	free_secrets(&secrets);
}
