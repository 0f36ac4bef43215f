#!/usr/bin/env bash
# git worktrees: when the project is a worktree (its .git is a file "gitdir: X/worktrees/NAME"), the common .git dir
# X is granted read-write automatically (commits work), named in --dry-run, and its hooks/ and config stay
# protected like the project's own. Under --lockdown it is read-only.
. "$(dirname "$0")/../lib.sh"
setup_world

git -C "$PROJECT" -c user.email=t@t -c user.name=t commit -q --allow-empty -m init >/dev/null 2>&1 ||
	git -C "$PROJECT" -c user.email=t@t -c user.name=t commit -q --allow-empty -m init
WT=$HOME/src/wt
git -C "$PROJECT" worktree add -q "$WT" -b wt-branch >/dev/null 2>&1
if [ ! -f "$WT/.git" ]; then
	t_skip_n 7 "git worktree passthrough" "git worktree add failed here"
	t_done
fi
COMMON=$(cd "$PROJECT/.git" && pwd -P)
cd "$WT" || exit 1
printf 'x\n' >file.txt

gr --dry-run -- true
t_match "the worktree's common .git is named in --dry-run" "git-worktrees: $COMMON .*read-write" "$OUT"
gr -- sh -c 'git add file.txt && git -c user.email=t@t -c user.name=t commit -q -m "in sandbox" && git log --oneline | head -1'
t_allowed "a commit in a worktree works (the common .git is writable)" "in sandbox"
gr -- sh -c "echo 'echo pwned' > '$COMMON/hooks/post-commit'"
t_refused "the common .git's hooks/ stay protected"
t_true "...no hook was planted" ! -e "$COMMON/hooks/post-commit"
gr -- sh -c "echo '[core]' >> '$COMMON/config'"
t_refused "the common .git's config stays protected"
gr --lockdown -- sh -c "touch '$COMMON/x-lockdown'"
t_refused "--lockdown: the common .git is read-only"
gr --lockdown -- git log --oneline
t_allowed "--lockdown: the worktree's history is still readable" "in sandbox"
t_done
