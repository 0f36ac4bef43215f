/* Git repositories and rebases made or changed during the session, reviewed at its end (issue 13, class 2): a
 * nested repository, a `.git` file, a bare repository in a plain directory or a rebase's todo list is obeyed by
 * the user's next git command outside. What in them would run a program is moved aside (kept beside the
 * original, under an unguessable name) and said, in one block. */
#ifndef GUARD_REPO_REVIEW_H
#define GUARD_REPO_REVIEW_H

#include <stdbool.h>
#include <stddef.h>

/* Whether `dir` is a git directory: a HEAD file and objects/ (or a commondir file). */
bool guard_is_git_dir(const char *dir);

/* The git directory a `.git` file names ("gitdir: PATH", relative to the file's directory), or NULL. */
char *guard_gitfile_target(const char *gitfile);

/* Whether the git config file `path` sets a key outside the inert ones git writes itself (clone, init, submodule
 * add): such a key can make git run a program (core.fsmonitor, core.hooksPath, filters, textconv, aliases,
 * sshCommand, ...) or read another file (include.path). The first such key goes to `key` (section.name). */
bool guard_git_config_runs_code(const char *path, char *key, size_t keylen);

/* Review the git directory `gitdir`: its config (when `config`) and its hooks (when `hooks`: every entry of hooks/
 * but the *.sample files git ships). Returns how many things were moved aside or removed, -1 when one could be
 * neither. */
int guard_repo_review(const char *gitdir, bool config, bool hooks);

/* A rebase's todo list (git-rebase-todo) with exec lines is moved aside; the same returns. */
int guard_rebase_todo_review(const char *todo);

#endif

/* The notes a watcher takes of entries that make or change a git directory during the session, reviewed at its
 * end (guard_git_notes_review). */
struct guard_git_notes;

/* Whether the entry `name` of the directory `parent` is worth a note: a `.git`, a HEAD or config file, a hooks/
 * directory or an entry of one, a rebase's todo list. */
bool guard_git_name(const char *parent, const char *name);

/* Note the entry `path` (guard_git_name said yes): the git directory it belongs to, or the todo list. */
void guard_git_note(struct guard_git_notes **notes, const char *path, bool is_dir);

/* The git directory an entry at the start makes known (a `.git` directory or the target of a `.git` file, the
 * directory of a HEAD file), or NULL: for the watcher's list of what was there before the session. */
char *guard_git_dir_of_start_entry(const char *path, bool is_dir);

/* Review every noted git directory: one that was not there at the start (`at_start` says no) has its config and
 * hooks reviewed, one that was has what was noted in it reviewed; a path `leave_alone` says yes for (the policy
 * protects it, or it is a file there before the session and unchanged) is not touched. Returns -1 when something
 * could be neither moved aside nor removed. */
int guard_git_notes_review(const struct guard_git_notes *notes, bool (*at_start)(void *ctx, const char *dir),
			   bool (*leave_alone)(void *ctx, const char *path, bool is_dir), void *ctx);

void guard_git_notes_free(struct guard_git_notes *notes);
