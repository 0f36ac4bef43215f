/* guard_glob_each (glob_each.h) through glibc's glob(3). */
#include <glob.h>
#include <string.h>

#include "plan/glob_each.h"

void guard_glob_each(const char *pattern, void (*fn)(const char *path, void *ctx), void *ctx)
{
	glob_t g;
	if (glob(pattern, GLOB_PERIOD | GLOB_NOSORT, NULL, &g) != 0)
		return;
	for (size_t k = 0; k < g.gl_pathc; k++) {
		const char *base = strrchr(g.gl_pathv[k], '/');
		if (base && (!strcmp(base, "/.") || !strcmp(base, "/..")))
			continue;
		fn(g.gl_pathv[k], ctx);
	}
	globfree(&g);
}
