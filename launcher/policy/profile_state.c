/* A profile's missing `state:` entries, created before a run.
 *
 * The sandbox admits no new entries in $HOME (deny by default; under namespaces the home is a fresh tmpfs with
 * only the granted entries bound in), so an agent started for the first time under guard could not create
 * ~/.codex itself and would start logged out on every run. guard creates exactly what the profile names, owned
 * by the user and private (directories 0700, files 0600 and empty), and says so. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/guard.h"
#include "policy/profile.h"

/* Missing directories between home and the entry; nothing above home is touched. */
static int make_parents(char *path, size_t home_len)
{
	for (char *s = strchr(path + home_len + 1, '/'); s; s = strchr(s + 1, '/')) {
		if (!s[1])
			break; /* the entry's own trailing '/' */
		*s = '\0';
		int rc = mkdir(path, 0700), e = errno;
		*s = '/';
		if (rc < 0 && e != EEXIST) {
			errno = e;
			return -1;
		}
	}
	return 0;
}

static int create_entry(char *path, size_t home_len, bool dir)
{
	if (make_parents(path, home_len) < 0)
		return -1;
	if (dir)
		return mkdir(path, 0700);
	/* O_EXCL|O_NOFOLLOW: never truncate or follow something that appeared meanwhile. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	/* An empty file is not JSON: Claude Code 2.1 calls an empty ~/.claude.json corrupt and stops. */
	size_t n = strlen(path);
	int rc = n > 5 && strcmp(path + n - 5, ".json") == 0 && write(fd, "{}\n", 3) != 3 ? -1 : 0;
	close(fd);
	return rc;
}

void guard_profile_prepare_state(const struct guard_policy *p, const char *home, bool dry_run)
{
	for (size_t i = 0; i < p->nrules; i++) {
		const struct guard_rule *r = &p->rules[i];
		if (!r->create)
			continue;
		/* The loader admits only "~/..." and "$HOME/..." plain paths here. */
		const char *rest = r->pattern[0] == '~' ? r->pattern + 2 : r->pattern + 6;
		char *path = guard_xasprintf("%s/%s", home, rest);
		size_t len = strlen(path);
		bool dir = path[len - 1] == '/';
		struct stat st;
		if (lstat(path, &st) == 0 || errno != ENOENT) {
			free(path);
			/* Present in whatever form (the plan decides what it grants), or not ours to touch. */
			continue;
		}
		if (dry_run)
			guard_note("would create %s (state of the %s profile, %s:%u)", r->pattern,
				   p->profile ? p->profile : "?", r->at.file, r->at.line);
		else if (create_entry(path, strlen(home), dir) == 0)
			guard_note("created %s: state of the %s profile, read-write in the sandbox (%s:%u)", r->pattern,
				   p->profile ? p->profile : "?", r->at.file, r->at.line);
		else
			guard_note("cannot create %s (%s): the agent runs without it", r->pattern, strerror(errno));
		free(path);
	}
}
