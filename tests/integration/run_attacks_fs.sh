#!/usr/bin/env bash
# Ways around a name-based deny: links, /proc paths, rename/remove of a secret, planting git hooks, rewriting the
# next run's policy, inherited file descriptors, and secrets in the environment of the sandbox's processes.
. "$(dirname "$0")/../lib.sh"
setup_world

RAWREAD=$(helper rawread_static)

# --- symlinks
ln -s "$HOME/.ssh/id_rsa" key-link
gr -- cat key-link
t_hidden "symlink in the project -> ~/.ssh/id_rsa is denied" id_rsa
ln -s .env env-link
gr -- cat env-link
t_denied "symlink in the project -> .env is denied" env
ln -s "$PROJECT/secrets" secrets-link
gr -- cat secrets-link/db.txt
t_denied "symlink to the denied secrets/ directory is denied" secrets_db
gr -- sh -c 'ln -s "$1" made-inside && cat made-inside' sh "$HOME/.ssh/id_rsa"
t_hidden "symlink made inside the sandbox -> ~/.ssh/id_rsa is denied" id_rsa

# --- /proc paths
gr -- cat "/proc/self/root$PROJECT/.env"
t_denied "/proc/self/root\$PROJECT/.env is denied" env
gr -- cat /proc/self/cwd/.env
t_denied "/proc/self/cwd/.env is denied" env
gr -- sh -c 'exec 3<. && cat /proc/self/fd/3/.env'
t_denied "/proc/self/fd/N/.env (a directory fd) is denied" env
if [ -n "$RAWREAD" ]; then
	gr -- "$RAWREAD" "/proc/self/root$PROJECT/.env"
	t_denied "rawread_static /proc/self/root\$PROJECT/.env is denied" env
fi

# --- hard links made before the run (same inode, innocent name)
if ln "$HOME/.ssh/id_rsa" innocent-key 2>/dev/null; then
	gr -- cat innocent-key
	t_denied "a hard link in the project to ~/.ssh/id_rsa is denied" id_rsa
	if [ -n "$RAWREAD" ]; then
		gr -- "$RAWREAD" innocent-key
		t_denied "rawread_static through the hard link to ~/.ssh/id_rsa is denied" id_rsa
	fi
else
	t_skip "a hard link in the project to ~/.ssh/id_rsa is denied" "cannot hard-link here (fs.protected_hardlinks?)"
fi
ln .env src/notes.txt
gr -- cat src/notes.txt
t_denied "a hard link src/notes.txt to .env is denied" env
gr -- sh -c 'ln "$1" made-inside-hard && cat made-inside-hard' sh "$HOME/.ssh/id_rsa"
t_refused "a hard link made inside the sandbox to ~/.ssh/id_rsa fails"
t_clean "... and yields nothing" "$(canary id_rsa)"

# --- rename / remove a secret: must fail and lose nothing
env_content=$(cat .env)
gr -- mv .env x
t_refused "mv .env x fails"
t_true "after mv: x does not exist" ! -e x
gr -- rm .env
t_refused "rm .env fails"
gr -- rm -f .env.local
t_refused "rm -f .env.local fails"
t_eq "after mv/rm: .env still exists with its content" "$env_content" "$(cat .env 2>/dev/null)"
t_true "after rm -f: .env.local still exists" -f .env.local
gr -- mv secrets s2
t_refused "mv secrets s2 fails"
t_true "after mv: s2 does not exist" ! -e s2
gr -- rm -rf secrets
t_refused "rm -rf secrets fails"
t_eq "after mv/rm: secrets/db.txt still there" "$(canary secrets_db)" "$(cat secrets/db.txt 2>/dev/null)"
gr -- sh -c 'echo planted > secrets/new.txt'
t_refused "writing into the denied secrets/ directory fails"
t_true "secrets/new.txt was not created" ! -e secrets/new.txt
gr -- sh -c 'echo overwritten > .env'
t_refused "overwriting .env fails"
t_eq ".env content unchanged" "$env_content" "$(cat .env 2>/dev/null)"
gr -- sh -c 'mv src/main.c .env'
t_refused "renaming another file over .env fails"
t_eq ".env content unchanged after rename-over" "$env_content" "$(cat .env 2>/dev/null)"
gr -- sh -c 'echo planted >> "$1"' sh "$HOME/.ssh/authorized_keys"
t_refused "writing ~/.ssh/authorized_keys fails"
t_true "~/.ssh/authorized_keys was not created" ! -e "$HOME/.ssh/authorized_keys"

# --- git hooks and config: readable, never writable
gitconfig_sum=$(cksum <.git/config)
gr -- cat .git/config
t_allowed ".git/config is readable" "[core]"
gr -- sh -c 'printf "#!/bin/sh\necho pwned\n" > .git/hooks/pre-commit; chmod +x .git/hooks/pre-commit'
t_refused "writing .git/hooks/pre-commit fails"
t_true ".git/hooks/pre-commit was not created" ! -e .git/hooks/pre-commit
gr -- sh -c 'printf "[core]\n\thooksPath = /tmp\n" >> .git/config'
t_refused "appending to .git/config fails"
gr -- git config core.hooksPath "$T_WORK"
t_refused "git config core.hooksPath fails"
t_eq ".git/config unchanged" "$gitconfig_sum" "$(cksum <.git/config)"
gr -- sh -c 'mv .git g2 && mkdir -p .git/hooks && printf "#!/bin/sh\necho pwned\n" > .git/hooks/pre-commit'
t_refused "mv .git g2 to recreate hooks fails"
t_true "after mv .git: no planted .git/hooks/pre-commit" ! -e .git/hooks/pre-commit
t_true "after mv .git: g2 does not exist" ! -e g2
t_eq "after mv .git: .git/config is the original" "$gitconfig_sum" "$(cksum <.git/config 2>/dev/null)"
gr -- sh -c 'mv .git/hooks .git/h2 && mkdir .git/hooks && echo pwned > .git/hooks/pre-commit'
t_refused "mv .git/hooks aside to recreate it fails"
t_true "after mv .git/hooks: no planted pre-commit" ! -e .git/hooks/pre-commit
gr -- rm -rf .git/hooks
t_true "rm -rf .git/hooks leaves .git/hooks in place" -d .git/hooks

# --- the project's own policy file is not writable from inside
project_config 'files:
  deny: [nothing-matches-this]'
guard_yaml=$(cat .guard.yaml)
gr -- sh -c 'echo "files: {read: [\"/\"]}" >> .guard.yaml'
t_refused "appending to .guard.yaml fails"
gr -- sh -c 'rm -f .guard.yaml; echo "files: {read: [\"/\"]}" > .guard.yaml'
t_refused "replacing .guard.yaml fails"
gr -- sh -c 'mv .guard.yaml old.yaml'
t_refused "renaming .guard.yaml fails"
t_eq ".guard.yaml unchanged" "$guard_yaml" "$(cat .guard.yaml 2>/dev/null)"
rm -f .guard.yaml

# --- secrets in the environment are not in any process inside
export GITHUB_TOKEN=$(canary env)
gr -- env
t_rc "env runs" 0
t_clean "env inside does not show GITHUB_TOKEN's value" "$(canary env)"
gr -- cat /proc/1/environ
t_clean "/proc/1/environ inside holds no scrubbed secret" "$(canary env)"
gr -- sh -c 'cat /proc/[0-9]*/environ 2>/dev/null | tr "\0" "\n"'
t_clean "no /proc/*/environ inside holds the scrubbed secret" "$(canary env)"
# A process outside the sandbox holding a secret in its environment.
GITHUB_TOKEN=$(canary env) sleep 60 &
outer=$!
at_exit "kill $outer"
gr -- cat "/proc/$outer/environ"
t_clean "/proc/<outside pid>/environ does not leak" "$(canary env)"
gr -- cat "/proc/$outer/cmdline"
t_clean "/proc/<outside pid>/cmdline is not visible" "sleep"
kill "$outer" 2>/dev/null
unset GITHUB_TOKEN

# --- descriptors beyond 0-2 are closed
exec 7<"$HOME/.ssh/id_rsa" 8<.env
gr -- ls -l /proc/self/fd/
t_rc "ls -l /proc/self/fd/ runs" 0
t_lacks "an inherited fd 7 on ~/.ssh/id_rsa is closed" "id_rsa" "$OUT"
t_lacks "an inherited fd 8 on .env is closed" ".env" "$OUT"
gr -- cat /dev/fd/7
t_refused "reading /dev/fd/7 inside fails"
t_clean "/dev/fd/7 leaks no canary" "$(canary id_rsa)"
gr -- sh -c 'cat <&8'
t_refused "reading fd 8 inside fails"
t_clean "fd 8 leaks no canary" "$(canary env)"
if [ -n "$RAWREAD" ]; then
	gr -- "$RAWREAD" /proc/self/fd/7
	t_clean "rawread_static /proc/self/fd/7 leaks nothing" "$(canary id_rsa)"
fi
exec 7<&- 8<&-

t_done
