/* The end-of-session review of git repositories (sandbox/repo_review.c) and the unguessable move-aside
 * (sandbox/quarantine.c): which config keys count as inert, a malformed or continued line, exec lines in a rebase
 * todo list, hooks but git's samples, and a pre-created move-aside name that must not stop the move. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/quarantine.h"
#include "sandbox/repo_review.h"
#include "tap.h"

static char tmpdir[64];

static char *at(const char *name)
{
	static char buf[4][256];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
	return buf[k];
}

static void put(const char *name, const char *text)
{
	FILE *f = fopen(at(name), "w");
	if (!f) {
		perror(name);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

static bool runs_code(const char *text, char *key, size_t len)
{
	put("config", text);
	return guard_git_config_runs_code(at("config"), key, len);
}

static void test_config(void)
{
	char key[128] = "";
	TAP_OK(!runs_code("[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n"
			  "\tlogallrefupdates = true\n[remote \"origin\"]\n\turl = https://example.org/x.git\n"
			  "\tfetch = +refs/heads/*:refs/remotes/origin/*\n[branch \"main\"]\n\tremote = origin\n"
			  "\tmerge = refs/heads/main\n",
			  key, sizeof key),
	       "what git clone writes is inert");
	TAP_OK(runs_code("[core]\n\tbare = false\n\tfsmonitor = \"touch /tmp/x; false\"\n", key, sizeof key) &&
		       !strcmp(key, "core.fsmonitor"),
	       "core.fsmonitor is not (%s)", key);
	TAP_OK(runs_code("[CORE]\n\tHooksPath = /tmp/h\n", key, sizeof key) && !strcmp(key, "core.hookspath"),
	       "names are case-insensitive: core.hooksPath (%s)", key);
	TAP_OK(runs_code("[include]\n\tpath = /tmp/evil\n", key, sizeof key), "include.path is not");
	TAP_OK(runs_code("[filter \"lfs\"]\n\tsmudge = sh -c evil\n", key, sizeof key), "a filter is not");
	TAP_OK(runs_code("[core.x]\nsshcommand = evil\n", key, sizeof key), "the legacy [section.sub] form is read");
	TAP_OK(!runs_code("[user]\n\tname = a \\\n\tfsmonitor = not a key\n", key, sizeof key),
	       "a continued value's next line is not a key");
	TAP_OK(runs_code("[core \"a]b\"] fsmonitor = evil\n", key, sizeof key), "a key after the section header");
	TAP_OK(runs_code("[core\n", key, sizeof key), "a malformed section is reported");
}

static void test_todo(void)
{
	put("todo", "pick 1234 one\n# exec in a comment\nbreak\n");
	TAP_OK(guard_rebase_todo_review(at("todo")) == 0 && access(at("todo"), F_OK) == 0,
	       "a todo list without exec lines stays");
	put("todo", "pick 1234 one\n  x touch /tmp/pwned\n");
	TAP_OK(guard_rebase_todo_review(at("todo")) == 1 && access(at("todo"), F_OK) != 0,
	       "one with an exec line (x) is moved aside");
}

static void test_repo(void)
{
	mkdir(at("r"), 0755);
	mkdir(at("r/objects"), 0755);
	mkdir(at("r/hooks"), 0755);
	put("r/HEAD", "ref: refs/heads/main\n");
	put("r/config", "[core]\n\tbare = true\n");
	put("r/hooks/pre-commit.sample", "#!/bin/sh\n");
	put("r/hooks/pre-commit", "#!/bin/sh\ntouch /tmp/pwned\n");
	TAP_OK(guard_is_git_dir(at("r")) && !guard_is_git_dir(tmpdir), "a git directory is told from a plain one");
	TAP_OK(guard_repo_review(at("r"), true, true) == 1, "an inert config stays, the hook goes");
	TAP_OK(access(at("r/hooks/pre-commit"), F_OK) != 0 && access(at("r/hooks/pre-commit.sample"), F_OK) == 0 &&
		       access(at("r/config"), F_OK) == 0,
	       "... and git's sample with it stays");
	put("r.git", "gitdir: r\n");
	char *target = guard_gitfile_target(at("r.git"));
	TAP_OK(target && !strcmp(target, at("r")), "a .git file's relative gitdir resolves beside it (%s)", target);
	free(target);
}

static void test_move_aside(void)
{
	put("commondir", "/tmp/evil\n");
	/* the old, predictable name, taken by a directory */
	mkdir(at("commondir.guard-blocked-1"), 0755);
	char *aside = guard_move_aside(at("commondir"));
	TAP_OK(aside && access(at("commondir"), F_OK) != 0 && access(aside, F_OK) == 0, "moved aside to %s", aside);
	char *again = NULL;
	put("commondir", "/tmp/evil\n");
	again = guard_move_aside(at("commondir"));
	TAP_OK(again && aside && strcmp(again, aside) != 0, "a second move takes another unguessable name");
	free(aside);
	free(again);
	mkdir(at("d"), 0755);
	mkdir(at("d/e"), 0755);
	put("d/e/f", "x");
	symlink("/", at("d/root"));
	TAP_OK(guard_remove_tree(at("d")) == 0 && access(at("d"), F_OK) != 0 && access("/bin", F_OK) == 0,
	       "a tree is removed without following its symlinks");
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	return remove(path);
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/guard-test-review-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	test_config();
	test_todo();
	test_repo();
	test_move_aside();
	nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
