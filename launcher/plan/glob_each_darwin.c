/* guard_glob_each (glob_each.h), one component at a time: a literal component is taken as it is, a wildcard one is
 * matched by fnmatch(3) without FNM_PERIOD against each directory entry, so hidden names match as on Linux. */
#include <dirent.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/guard.h"
#include "plan/glob_each.h"

static bool has_wildcard(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '*' || s[i] == '?' || s[i] == '[' || s[i] == '\\')
			return true;
	return false;
}

/* dir: the path matched so far ("" for the root); rest: the pattern's remaining components. */
static void expand(const char *dir, const char *rest, void (*fn)(const char *path, void *ctx), void *ctx)
{
	while (*rest == '/')
		rest++;
	if (!*rest) {
		struct stat st;
		if (lstat(dir[0] ? dir : "/", &st) == 0)
			fn(dir[0] ? dir : "/", ctx);
		return;
	}
	size_t n = strcspn(rest, "/");
	if (!has_wildcard(rest, n)) {
		char *next = guard_xasprintf("%s/%.*s", dir, (int)n, rest);
		expand(next, rest + n, fn, ctx);
		free(next);
		return;
	}
	char *comp = guard_xasprintf("%.*s", (int)n, rest);
	DIR *d = opendir(dir[0] ? dir : "/");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || fnmatch(comp, e->d_name, 0) != 0)
			continue;
		char *next = guard_xasprintf("%s/%s", dir, e->d_name);
		expand(next, rest + n, fn, ctx);
		free(next);
	}
	if (d)
		closedir(d);
	free(comp);
}

void guard_glob_each(const char *pattern, void (*fn)(const char *path, void *ctx), void *ctx)
{
	if (pattern[0] == '/')
		expand("", pattern, fn, ctx);
}
