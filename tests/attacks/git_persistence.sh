#!/usr/bin/env bash
# Git persistence beyond .git/hooks and .git/config (issue 13, class 2): repositories the session makes (a nested
# one registered as a gitlink, a nested src/.git, a bare one in a plain directory) and exec lines in a rebase's
# todo list, each obeyed by the user's next git command outside. guard reviews them at the session's end
# (sandbox/repo_review.c) and moves aside what would run a program. The harness then plays the user.
. "$(dirname "$0")/common.bash"

git add src >/dev/null 2>&1 && git -c user.name=u -c user.email=u@u commit -qm "initial" >/dev/null 2>&1
PWNED=$T_WORK/pwned # payloads planted by the attacks touch files here; nothing inside can write there
mkdir -p "$PWNED"

no_payload() {
	local fired
	fired=$(ls -A "$PWNED" 2>/dev/null | tr '\n' ' ')
	if [ -z "$fired" ]; then
		_t_result 0 "$1"
	else
		_t_result 1 "$1" "payloads that ran outside the sandbox: $fired" "$(_t_last)"
		rm -f "$PWNED"/*
	fi
}
# Each plant's config has core.fsmonitor (or a hook, an exec line) touching $PWNED.
# a nested repository registered as a submodule (a gitlink in the top-level index): the user's `git status` at the
# top looks into it and obeys its config
for f in $FLAVOURS; do
	ga "$f" -- sh -c 'git init -q sub2 && echo x > sub2/f && git -C sub2 add f && git -C sub2 commit -q -m x &&
		git -C sub2 config core.fsmonitor "touch $1/gitlink-fsmonitor; false" &&
		git update-index --add --cacheinfo "160000,$(git -C sub2 rev-parse HEAD),sub2"; true' sh "$PWNED"
	git status >/dev/null 2>&1
	(cd sub2 2>/dev/null && git status >/dev/null 2>&1)
	no_payload "[$f] a nested repository registered as a gitlink runs nothing on the user's next git status"
	git rm -q --cached sub2 >/dev/null 2>&1
	rm -rf sub2
done
# a nested src/.git (git init in a subdirectory), and one whose hooks hold a planted hook
for f in $FLAVOURS; do
	ga "$f" -- sh -c 'git init -q src && git -C src add main.c && git -C src config core.fsmonitor "touch $1/nested-fsmonitor; false"
		printf "#!/bin/sh\ntouch $1/nested-hook\n" > src/.git/hooks/pre-commit; chmod +x src/.git/hooks/pre-commit
		true' sh "$PWNED"
	(cd src && git status >/dev/null 2>&1 && git -c user.name=u -c user.email=u@u commit -q --allow-empty -m x >/dev/null 2>&1)
	no_payload "[$f] a nested src/.git made during the session runs nothing when the user runs git in src/"
	rm -rf src/.git src/.git.guard-blocked-*
done
# an embedded bare repository in a plain directory: git run there discovers it (core.worktree makes it a work tree)
for f in $FLAVOURS; do
	ga "$f" -- sh -c 'mkdir -p docs && git init -q --bare docs/x && mv docs/x/* docs/ && rmdir docs/x &&
		git config -f docs/config core.bare false && git config -f docs/config core.worktree "$PWD/docs" &&
		echo x > docs/readme && git --git-dir=docs add readme &&
		git config -f docs/config core.fsmonitor "touch $1/bare-fsmonitor; false"; true' sh "$PWNED"
	(cd docs 2>/dev/null && git status >/dev/null 2>&1)
	no_payload "[$f] an embedded bare repository made during the session runs nothing when the user runs git there"
	rm -rf docs
done
# exec lines in an in-progress rebase's todo list: the user's `git rebase --continue` runs them
git -c user.name=u -c user.email=u@u commit -q --allow-empty -m second >/dev/null 2>&1
for f in $FLAVOURS; do
	ga "$f" -- sh -c 'GIT_SEQUENCE_EDITOR="sed -i 1ibreak" git rebase -q -i HEAD~1 >/dev/null 2>&1
		echo "exec touch $1/rebase-exec" >> .git/rebase-merge/git-rebase-todo; true' sh "$PWNED"
	# (Landlock-only mode refuses new entries in .git: there the rebase cannot even start)
	case $f in ns*) t_true "[$f] (the rebase stopped at its break inside the sandbox)" -d .git/rebase-merge ;; esac
	git rebase --continue >/dev/null 2>&1
	no_payload "[$f] an exec line added to a rebase's todo list runs nothing on the user's git rebase --continue"
	git rebase --abort >/dev/null 2>&1
	rm -rf .git/rebase-merge
done

t_done
