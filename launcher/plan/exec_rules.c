/* exec.deny at the kernel layer and before launch (the shim's side is preload/shim_exec.c).
 *
 * Namespaces mode: every file of a denied command found on PATH and in the system directories (realpath'd, so
 * symlinks and alternatives lead to it) is covered, read-only, by guard's own binary. Started under that name,
 * guard's main() recognizes it (guard_exec_stub_main), prints guard's one-line message and exits 126. A hard
 * link or a copy elsewhere is another file: not covered (the shim still refuses it by name when libc runs it).
 * Landlock-only mode: no covers; the shim and the pre-launch check enforce exec rules there (documented).
 * `guard explain`'s words for an exec rule are report/explain_advice.c's (guard_explain_exec). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/policy_api.h"
#include "plan/plan.h"
#include "lib/proc.h"

static const char *const SYSTEM_DIRS[] = {
	"/usr/local/sbin", "/usr/local/bin",   "/usr/sbin", "/usr/bin", "/sbin", "/bin",
	"/usr/games",      "/usr/local/games", "/snap/bin", NULL};

static bool listed(const struct guard_strv *s, const char *p)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], p) == 0)
			return true;
	return false;
}

static void cover_in(struct guard_plan *plan, const char *dir, const char *name)
{
	if (dir[0] != '/')
		return; /* a relative PATH entry names the cwd of the moment: not a place to cover */
	char cand[PATH_MAX];
	if (snprintf(cand, sizeof cand, "%s/%s", dir, name) >= (int)sizeof cand)
		return;
	struct stat st;
	if (stat(cand, &st) != 0 || !S_ISREG(st.st_mode))
		return;
	char *real = realpath(cand, NULL);
	if (!real)
		return;
	if (listed(&plan->exec_stubs, real))
		free(real);
	else
		guard_strv_push(&plan->exec_stubs, real);
}

void guard_exec_plan(struct guard_plan *plan)
{
	const struct guard_image *img = &plan->image;
	size_t whole = 0, sub = 0;
	for (uint32_t i = 0; i < img->h->nexec; i++) {
		const struct guard_image_rule *r = &img->exec[i];
		const char *w = guard_image_str(img, r->pattern);
		if (r->flags & GUARD_IRULE_NEGATED)
			continue;
		if (strchr(w, ' ')) {
			sub++;
			continue;
		}
		if (!guard_image_exec_denies_name(img, w))
			continue; /* re-allowed by a later '!' */
		whole++;
		if (plan->mode != GUARD_MODE_NAMESPACES)
			continue;
		size_t before = plan->exec_stubs.n;
		const char *path = getenv("PATH");
		char *copy = guard_xstrdup(path ? path : "");
		for (char *save = NULL, *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
			cover_in(plan, d, w);
		free(copy);
		for (size_t k = 0; SYSTEM_DIRS[k]; k++)
			cover_in(plan, SYSTEM_DIRS[k], w);
		if (plan->exec_stubs.n == before)
			guard_strv_push(&plan->notes,
					guard_xasprintf("exec.deny \"%s\" (%s:%u): no such program on PATH or in the "
							"system directories; the shim still refuses it by name",
							w, guard_image_str(img, r->file), r->line));
	}
	if (plan->mode != GUARD_MODE_NAMESPACES && whole)
		guard_strv_push(
			&plan->notes,
			guard_xstrdup("exec.deny in Landlock-only mode: enforced by the shim and the pre-launch "
				      "check only (no covers without a mount namespace); a static binary, a "
				      "copy under another name or the dynamic loader bypass it"));
	if (sub)
		guard_strv_push(
			&plan->notes,
			guard_xasprintf("exec.deny: %zu subcommand rule%s enforced by the shim and the pre-launch "
					"check only (a static binary or a copy under another name bypasses them)",
					sub, sub == 1 ? "" : "s"));
}

static const char *base_of(const char *s)
{
	const char *b = strrchr(s, '/');
	return b ? b + 1 : s;
}

static void say(const struct guard_image *img, const struct guard_image_rule *r)
{
	char msg[1024];
	size_t n = guard_image_exec_message(img, r, msg, sizeof msg);
	if (write(2, msg, n) < 0) {
		/* nothing more to do */
	}
}

int guard_exec_stub_main(int argc, char **argv)
{
	(void)argc;
	char exe[PATH_MAX];
	char *self = guard_proc_self_exe();
	if (!self)
		return -1;
	snprintf(exe, sizeof exe, "%s", self);
	free(self);
	const char *eb = base_of(exe);
	const char *a0 = argv && argv[0] ? base_of(argv[0]) : "";
	if (strncmp(eb, "guard", 5) == 0)
		return -1; /* guard itself */
	/* Not named guard: either an installed guard under another name, or a stub. Only a stub has a policy image
	 * that denies one of its names. */
	const char *img_path = getenv("GUARD_POLICY");
	int fd = img_path ? open(img_path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		fd = open(GUARD_RUN_DIR "/policy.img", O_RDONLY | O_CLOEXEC);
	struct guard_image img;
	const struct guard_image_rule *r = NULL;
	if (fd >= 0) {
		struct stat st;
		void *buf = MAP_FAILED;
		if (fstat(fd, &st) == 0 && st.st_size > 0 && (size_t)st.st_size <= GUARD_IMAGE_MAX_SIZE)
			buf = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		if (buf != MAP_FAILED && guard_image_load(&img, buf, (size_t)st.st_size) == 0) {
			const char *fn = guard_proc_exec_name();
			const char *names[] = {a0, fn ? base_of(fn) : "", eb};
			for (size_t i = 0; i < 3 && !r; i++)
				if (*names[i])
					r = guard_image_exec_denies_name(&img, names[i]);
			if (!r) /* reached under a name no rule has (nc → nc.openbsd): any whole-command rule */
				for (uint32_t i = img.h->nexec; i-- > 0 && !r;)
					if (!strchr(guard_image_str(&img, img.exec[i].pattern), ' '))
						r = guard_image_exec_denies_name(
							&img, guard_image_str(&img, img.exec[i].pattern));
			if (r && !(img.h->flags & GUARD_IMAGE_QUIET))
				say(&img, r);
			if (r)
				return GUARD_EXIT_NOT_EXECUTABLE;
		}
	}
	if (!getenv("GUARD_POLICY") && access(GUARD_RUN_DIR "/policy.img", F_OK) != 0)
		return -1; /* not in a sandbox: an installed guard under another name */
	fprintf(stderr, "guard: %s is denied by exec.deny — sandbox policy, don't retry\n", *a0 ? a0 : eb);
	return GUARD_EXIT_NOT_EXECUTABLE;
}

bool guard_exec_prelaunch_denied(const struct guard_plan *plan, char *const *argv)
{
	const struct guard_image *img = &plan->image;
	if (!img->h->nexec || !argv || !argv[0])
		return false;
	size_t k = guard_exec_loader_program(argv[0], argv);
	if (k)
		return guard_exec_prelaunch_denied(plan, argv + k);
	const struct guard_image_rule *r = guard_image_exec_match(img, argv[0], argv);
	if (!r || (r->flags & GUARD_IRULE_NEGATED)) {
		/* what PATH finds, symlinks resolved: `guard run -- ./notcurl` */
		char cand[PATH_MAX] = "";
		if (strchr(argv[0], '/')) {
			snprintf(cand, sizeof cand, "%s", argv[0]);
		} else {
			const char *path = getenv("PATH");
			char *copy = guard_xstrdup(path ? path : "/bin:/usr/bin");
			for (char *save = NULL, *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
				snprintf(cand, sizeof cand, "%s/%s", d, argv[0]);
				if (access(cand, X_OK) == 0)
					break;
				cand[0] = 0;
			}
			free(copy);
		}
		char *real = cand[0] ? realpath(cand, NULL) : NULL;
		r = NULL;
		if (real) {
			char *only[] = {real, NULL};
			const struct guard_image_rule *t = guard_image_exec_match(img, real, only);
			if (t && !(t->flags & GUARD_IRULE_NEGATED)) {
				r = guard_image_exec_match(img, real, argv);
				if (!r || (r->flags & GUARD_IRULE_NEGATED))
					r = t;
			}
			free(real);
		}
		if (!r)
			return false;
	}
	if (!(img->h->flags & GUARD_IMAGE_QUIET))
		say(img, r);
	return true;
}

const struct guard_image_rule *guard_exec_observed_denied(const struct guard_image *img, pid_t pid, int dirfd,
							  const char *target, const char *argbuf, unsigned nargv)
{
	if (!img->h->nexec || !target[0])
		return NULL;
	char *argv[65];
	unsigned n = 0;
	for (const char *a = argbuf; n < nargv && n < 64; a += strlen(a) + 1)
		argv[n++] = (char *)a;
	argv[n] = NULL;
	char *const *av = n ? argv : NULL;
	size_t k = guard_exec_loader_program(target, av);
	if (k)
		return guard_exec_observed_denied(img, pid, AT_FDCWD, av[k], argbuf + (av[k] - argbuf),
						  nargv - (unsigned)k);
	const struct guard_image_rule *r = guard_image_exec_match(img, target, av);
	if (r && !(r->flags & GUARD_IRULE_NEGATED))
		return r;
	/* a symlink under another name: its final target, as the caller sees its file system */
	char where[PATH_MAX];
	char *real = guard_proc_path_as_seen(pid, dirfd, target, where, sizeof where) ? realpath(where, NULL) : NULL;
	if (!real)
		return NULL;
	char *none[] = {real, NULL};
	r = guard_image_exec_match(img, real, none);
	if (r && !(r->flags & GUARD_IRULE_NEGATED)) {
		const struct guard_image_rule *s = guard_image_exec_match(img, real, av);
		if (s && !(s->flags & GUARD_IRULE_NEGATED))
			r = s;
	} else {
		r = NULL;
	}
	free(real);
	return r;
}

void guard_exec_say(const struct guard_image *img, const struct guard_image_rule *r)
{
	if (!(img->h->flags & GUARD_IMAGE_QUIET))
		say(img, r);
}
