/* Claude Code's resume hint under guard (claude_resume.h). Claude prints `claude --settings
 * /run/guard/claude-settings.json … --resume ID` from its own command line, which holds guard's hook: that file
 * exists only inside the session, so the hint fails when copied. guard prints one that works: the same guard
 * command with `claude --resume ID`. The ID is the session Claude saved during the run (its transcript,
 * projects/<dir>/<ID>.jsonl in Claude's configuration directory). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hooks/claude_resume.h"
#include "lib/json_write.h"
#include "report/report.h"

/* A session id as Claude writes it (a UUID): letters, digits, '-'; nothing a shell would read differently. */
static bool plain_id(const char *s, size_t n)
{
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      s[i] == '-'))
			return false;
	return true;
}

/* A file's modification time: POSIX.1-2008 names it st_mtim; macOS, st_mtimespec. */
static struct timespec modified(const struct stat *st)
{
#ifdef __APPLE__
	return st->st_mtimespec;
#else
	return st->st_mtim;
#endif
}

/* The newest transcript in one project directory modified at or after since: its id into best. */
static void newest_in(const char *dir, time_t since, char *best, size_t cap, struct timespec *best_t)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < 7 || strcmp(e->d_name + n - 6, ".jsonl") != 0 || !plain_id(e->d_name, n - 6) || n - 6 >= cap)
			continue;
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		struct timespec t = modified(&st);
		if (t.tv_sec < since)
			continue;
		if (t.tv_sec > best_t->tv_sec || (t.tv_sec == best_t->tv_sec && t.tv_nsec > best_t->tv_nsec)) {
			*best_t = t;
			memcpy(best, e->d_name, n - 6);
			best[n - 6] = 0;
		}
	}
	if (d)
		closedir(d);
}

bool guard_claude_session_saved(const char *home, time_t since, char *id, size_t cap)
{
	const char *cfg = getenv("CLAUDE_CONFIG_DIR");
	char *root = cfg && cfg[0] == '/' ? guard_xasprintf("%s/projects", cfg)
					  : guard_xasprintf("%s/.claude/projects", home);
	struct timespec best_t = {0, 0};
	id[0] = 0;
	DIR *d = opendir(root);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *sub = guard_xasprintf("%s/%s", root, e->d_name);
		newest_in(sub, since, id, cap, &best_t);
		free(sub);
	}
	if (d)
		closedir(d);
	free(root);
	return id[0] != 0;
}

void guard_claude_resume_hint(char *const *guard_args, size_t nargs, const char *claude, const char *id)
{
	struct guard_buf b = {0};
	guard_buf_puts(&b, "guard run");
	bool dashes = false;
	for (size_t i = 0; i < nargs; i++) {
		dashes |= strcmp(guard_args[i], "--") == 0;
		guard_buf_puts(&b, " ");
		guard_fmt_word(&b, guard_args[i]);
	}
	guard_buf_puts(&b, dashes ? " " : " -- ");
	guard_fmt_word(&b, claude);
	guard_buf_printf(&b, " --resume %s", id);
	guard_note("to resume this Claude Code session: %s", b.p);
	guard_buf_free(&b);
}
