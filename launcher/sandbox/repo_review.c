/* The review of git repositories and rebase todo lists the session made or changed (repo_review.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/guard.h"
#include "sandbox/quarantine.h"
#include "sandbox/repo_review.h"

static bool is_kind(const char *path, mode_t kind)
{
	struct stat st;
	return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == kind;
}

bool guard_is_git_dir(const char *dir)
{
	char *head = guard_path_join(dir, "HEAD"), *objects = guard_path_join(dir, "objects"),
	     *common = guard_path_join(dir, "commondir");
	bool yes = is_kind(head, S_IFREG) && (is_kind(objects, S_IFDIR) || is_kind(common, S_IFREG));
	free(head), free(objects), free(common);
	return yes;
}

char *guard_gitfile_target(const char *gitfile)
{
	FILE *f = fopen(gitfile, "re");
	char line[4096];
	if (!f)
		return NULL;
	char *got = fgets(line, sizeof line, f);
	fclose(f);
	if (!got || strncmp(line, "gitdir:", 7))
		return NULL;
	char *p = line + 7;
	while (*p == ' ' || *p == '\t')
		p++;
	p[strcspn(p, "\r\n")] = 0;
	if (!*p)
		return NULL;
	if (*p == '/')
		return guard_xstrdup(p);
	char *dir = guard_xstrdup(gitfile), *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	char *target = guard_path_join(slash ? dir : ".", p);
	free(dir);
	return target;
}

/* The keys git itself writes into a repository's config, and others that only change how data is stored or
 * which remote is used: none names a program or another file to read. Everything else is reviewed. */
static const char *const inert_keys[] = {"core.repositoryformatversion",
					 "core.filemode",
					 "core.bare",
					 "core.logallrefupdates",
					 "core.ignorecase",
					 "core.precomposeunicode",
					 "core.symlinks",
					 "core.autocrlf",
					 "core.eol",
					 "core.safecrlf",
					 "core.quotepath",
					 "core.sparsecheckout",
					 "core.sparsecheckoutcone",
					 "core.compression",
					 "core.bigfilethreshold",
					 "core.untrackedcache",
					 "core.splitindex",
					 "core.checkstat",
					 "core.trustctime",
					 "core.abbrev",
					 "core.worktree",
					 "core.sharedrepository",
					 "core.commitgraph",
					 "core.multipackindex",
					 "remote.url",
					 "remote.fetch",
					 "remote.pushurl",
					 "remote.push",
					 "remote.tagopt",
					 "remote.prune",
					 "remote.mirror",
					 "remote.promisor",
					 "remote.partialclonefilter",
					 "branch.remote",
					 "branch.merge",
					 "branch.rebase",
					 "branch.pushremote",
					 "branch.description",
					 "user.name",
					 "user.email",
					 "init.defaultbranch",
					 "extensions.objectformat",
					 "extensions.worktreeconfig",
					 "extensions.noop",
					 "extensions.partialclone",
					 "extensions.preciousobjects",
					 "extensions.refstorage",
					 "submodule.url",
					 "submodule.active",
					 "submodule.branch",
					 "gc.auto",
					 "gc.autodetach",
					 "index.version",
					 "fetch.prune",
					 "pull.rebase",
					 "pull.ff",
					 "push.default",
					 "maintenance.auto",
					 "maintenance.strategy",
					 NULL};

static bool inert(const char *section, const char *name)
{
	char full[160];
	snprintf(full, sizeof full, "%s.%s", section, name);
	for (size_t i = 0; inert_keys[i]; i++)
		if (!strcmp(inert_keys[i], full))
			return true;
	return false;
}

/* "[section]", "[section \"sub\"]" or "[section.sub]": the section's name, lowercased (the subsection is not
 * looked at: no inert key depends on it). Returns where parsing may go on (after ']'), or NULL. */
static const char *parse_section(const char *p, char *section, size_t len)
{
	size_t n = 0;
	for (p++; *p && (isalnum((unsigned char)*p) || *p == '-'); p++)
		if (n + 1 < len)
			section[n++] = (char)tolower((unsigned char)*p);
	section[n] = 0;
	if (*p == '"' || *p == ' ' || *p == '\t' || *p == '.') { /* a subsection; a quoted one may hold ']' */
		bool quoted = false;
		for (; *p && (quoted || *p != ']'); p++)
			if (*p == '"')
				quoted = !quoted;
			else if (*p == '\\' && p[1])
				p++;
	}
	return *p == ']' ? p + 1 : NULL;
}

bool guard_git_config_runs_code(const char *path, char *key, size_t keylen)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	char line[8192], section[64] = "";
	bool continued = false, found = false;
	while (!found && fgets(line, sizeof line, f)) {
		size_t len = strcspn(line, "\r\n");
		bool next_continued = len > 0 && line[len - 1] == '\\';
		line[len] = 0;
		if (continued) {
			continued = next_continued;
			continue;
		}
		continued = next_continued;
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '[') {
			p = parse_section(p, section, sizeof section);
			if (!p) { /* git would refuse the file; a file git refuses runs nothing, but say so */
				snprintf(key, keylen, "(a malformed section)");
				found = true;
				break;
			}
			while (*p == ' ' || *p == '\t')
				p++;
			if (!*p || *p == '#' || *p == ';')
				continue;
		}
		if (!*p || *p == '#' || *p == ';')
			continue;
		char name[64];
		size_t n = 0;
		for (; *p && (isalnum((unsigned char)*p) || *p == '-'); p++)
			if (n + 1 < sizeof name)
				name[n++] = (char)tolower((unsigned char)*p);
		name[n] = 0;
		if (!inert(section, name)) {
			snprintf(key, keylen, "%s.%s", section, name);
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* Move `path` aside (or remove it), saying why; -1 when neither worked. */
static int set_aside(const char *path, const char *why)
{
	char *aside;
	const char *where = guard_defuse(path, &aside);
	if (!where)
		fprintf(stderr,
			"guard: %s %s, and it could be neither moved aside nor removed (%s): remove it before "
			"using git there\n",
			path, why, strerror(errno));
	else if (*where)
		fprintf(stderr, "guard: %s %s: moved aside to %s (look at it before you move it back)\n", path, why,
			where);
	else
		fprintf(stderr, "guard: %s %s: removed (it could not be moved aside)\n", path, why);
	free(aside);
	return where ? 1 : -1;
}

/* `skip` (may be NULL) leaves an entry alone: a hook there before the session, unchanged. */
static int review_hooks(const char *gitdir, bool (*skip)(void *ctx, const char *path, bool is_dir), void *ctx)
{
	char *dir = guard_path_join(gitdir, "hooks");
	DIR *d = opendir(dir);
	int done = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    (n > 7 && !strcmp(e->d_name + n - 7, ".sample")))
			continue;
		char *hook = guard_path_join(dir, e->d_name);
		int rc = skip && skip(ctx, hook, false)
				 ? 0
				 : set_aside(hook,
					     "is a git hook made during the session (git runs it outside the sandbox)");
		free(hook);
		if (rc < 0 || done < 0)
			done = -1;
		else
			done += rc;
	}
	if (d)
		closedir(d);
	free(dir);
	return done;
}

static int review(const char *gitdir, bool config, bool hooks, bool (*skip)(void *ctx, const char *path, bool is_dir),
		  void *ctx)
{
	int done = 0;
	if (config) {
		char *path = guard_path_join(gitdir, "config"), key[200], why[300];
		if (!(skip && skip(ctx, path, false)) && guard_git_config_runs_code(path, key, sizeof key)) {
			snprintf(why, sizeof why,
				 "(a repository's config made or changed during the session) sets %s, "
				 "which can make git run a program",
				 key);
			done = set_aside(path, why);
		}
		free(path);
	}
	if (hooks && done >= 0) {
		int h = review_hooks(gitdir, skip, ctx);
		done = h < 0 ? -1 : done + h;
	}
	return done;
}

int guard_repo_review(const char *gitdir, bool config, bool hooks)
{
	return review(gitdir, config, hooks, NULL, NULL);
}

int guard_rebase_todo_review(const char *todo)
{
	FILE *f = fopen(todo, "re");
	char line[4096];
	bool exec = false;
	while (f && !exec && fgets(line, sizeof line, f)) {
		const char *p = line + strspn(line, " \t");
		exec = (!strncmp(p, "exec", 4) && (p[4] == ' ' || p[4] == '\t')) ||
		       (p[0] == 'x' && (p[1] == ' ' || p[1] == '\t'));
	}
	if (f)
		fclose(f);
	if (!exec)
		return 0;
	return set_aside(todo, "(a rebase's todo list written during the session) has exec lines, which `git rebase "
			       "--continue` runs outside the sandbox");
}

enum { NOTE_CONFIG = 1, NOTE_HOOKS = 2, NOTE_TODO = 4 };

struct guard_git_note {
	char *path; /* a git directory, or a todo list (NOTE_TODO) */
	int what;
};

/* Distinct paths; a session makes few git directories, so a linear search stays cheap. The bound keeps a flood
 * of HEAD files from growing it without end (the rest is said, not reviewed). */
#define MAX_NOTES 4096

struct guard_git_notes {
	struct guard_git_note *v;
	size_t n;
	bool overflowed;
};

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static char *dir_name(const char *path)
{
	char *d = guard_xstrdup(path), *slash = strrchr(d, '/');
	if (slash && slash != d)
		*slash = 0;
	else if (slash)
		slash[1] = 0;
	return d;
}

bool guard_git_name(const char *parent, const char *name)
{
	return !strcmp(name, ".git") || !strcmp(name, "HEAD") || !strcmp(name, "config") || !strcmp(name, "hooks") ||
	       !strcmp(name, "git-rebase-todo") || !strcmp(base_name(parent), "hooks");
}

static void add_note(struct guard_git_notes **notes, char *path, int what)
{
	if (!*notes) {
		*notes = guard_xmalloc(sizeof **notes);
		memset(*notes, 0, sizeof **notes);
	}
	struct guard_git_notes *ns = *notes;
	for (size_t i = 0; i < ns->n; i++)
		if (!strcmp(ns->v[i].path, path)) {
			ns->v[i].what |= what;
			free(path);
			return;
		}
	if (ns->n == MAX_NOTES) {
		if (!ns->overflowed)
			fprintf(stderr,
				"guard: more than %d git directories changed during the session: only the first "
				"are reviewed\n",
				MAX_NOTES);
		ns->overflowed = true;
		free(path);
		return;
	}
	ns->v = guard_xrealloc(ns->v, (ns->n + 1) * sizeof *ns->v);
	ns->v[ns->n++] = (struct guard_git_note){path, what};
}

void guard_git_note(struct guard_git_notes **notes, const char *path, bool is_dir)
{
	const char *name = base_name(path);
	char *parent = dir_name(path);
	if (!strcmp(name, ".git")) {
		char *gitdir = is_dir ? guard_xstrdup(path) : guard_gitfile_target(path);
		if (gitdir)
			add_note(notes, gitdir, NOTE_CONFIG | NOTE_HOOKS);
	} else if (!strcmp(name, "git-rebase-todo")) {
		add_note(notes, guard_xstrdup(path), NOTE_TODO);
	} else if (!strcmp(name, "hooks") && is_dir) {
		add_note(notes, guard_xstrdup(parent), NOTE_HOOKS);
	} else if (!strcmp(base_name(parent), "hooks")) {
		add_note(notes, dir_name(parent), NOTE_HOOKS);
	} else if (!strcmp(name, "config")) {
		add_note(notes, guard_xstrdup(parent), NOTE_CONFIG);
	} else if (!strcmp(name, "HEAD")) {
		add_note(notes, guard_xstrdup(parent), 0); /* a new bare repository; a known one: nothing to review */
	}
	free(parent);
}

char *guard_git_dir_of_start_entry(const char *path, bool is_dir)
{
	const char *name = base_name(path);
	if (!strcmp(name, ".git"))
		return is_dir ? guard_xstrdup(path) : guard_gitfile_target(path);
	if (!strcmp(name, "HEAD") && !is_dir)
		return dir_name(path);
	return NULL;
}

int guard_git_notes_review(const struct guard_git_notes *notes, bool (*at_start)(void *ctx, const char *dir),
			   bool (*leave_alone)(void *ctx, const char *path, bool is_dir), void *ctx)
{
	int rc = 0;
	for (size_t i = 0; notes && i < notes->n; i++) {
		const struct guard_git_note *n = &notes->v[i];
		int r = 0;
		if (n->what & NOTE_TODO) {
			if (!leave_alone(ctx, n->path, false))
				r = guard_rebase_todo_review(n->path);
		} else if (guard_is_git_dir(n->path)) {
			bool fresh = !at_start(ctx, n->path);
			char *hooks = guard_path_join(n->path, "hooks");
			bool h = (fresh || (n->what & NOTE_HOOKS)) && !leave_alone(ctx, hooks, true);
			r = review(n->path, fresh || (n->what & NOTE_CONFIG), h, leave_alone, ctx);
			free(hooks);
		}
		if (r < 0)
			rc = -1;
	}
	return rc;
}

void guard_git_notes_free(struct guard_git_notes *notes)
{
	if (!notes)
		return;
	for (size_t i = 0; i < notes->n; i++)
		free(notes->v[i].path);
	free(notes->v);
	free(notes);
}
