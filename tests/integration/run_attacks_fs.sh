#!/usr/bin/env bash
# Ways around a name-based deny: links, /proc paths, rename/remove of a secret, planting git hooks, rewriting the
# next run's policy, inherited file descriptors, and secrets in the environment of the sandbox's processes.
. "$(dirname "$0")/../lib.sh"
needs python3
setup_world

RAWREAD=$(helper rawread_static)
RAWOPS=$(helper rawops_static)

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
if ln "$HOME/.aws/credentials" src/aws-notes.txt 2>/dev/null; then
	gr -- cat src/aws-notes.txt
	t_denied "a hard link in the project to ~/.aws/credentials (inside a denied directory) is denied" aws_credentials
else
	t_skip "a hard link in the project to ~/.aws/credentials is denied" "cannot hard-link here"
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

# --- the same through raw system calls (a static binary: no shim sees these, only the kernel decides)
if [ -n "$RAWOPS" ]; then
	main_sum=$(cksum <src/main.c)
	gr -- "$RAWOPS" exchange .env src/main.c
	t_refused "raw renameat2(RENAME_EXCHANGE) .env <-> src/main.c fails"
	gr -- "$RAWOPS" rename .env src/moved-env
	t_refused "raw rename .env -> src/moved-env fails"
	gr -- "$RAWOPS" unlink .env
	t_refused "raw unlink .env fails"
	gr -- "$RAWOPS" truncate .env 0
	t_refused "raw truncate .env fails"
	gr -- "$RAWOPS" write .env overwritten
	t_refused "raw write .env fails"
	t_eq "after raw ops: .env content unchanged" "$env_content" "$(cat .env 2>/dev/null)"
	t_eq "after raw ops: src/main.c unchanged" "$main_sum" "$(cksum <src/main.c)"
	t_true "after raw ops: src/moved-env does not exist" ! -e src/moved-env
	gr -- sh -c '"$1" link .env hl; "$1" read hl' sh "$RAWOPS"
	t_clean "raw link .env -> hl and reading it leaks nothing" "$(canary env)"
	# openat2 keeps its mode in memory seccomp can't read (a setuid file could be made), so guard refuses the call
	# itself (ENOSYS: callers fall back to openat); either way the secret must not come out.
	gr -- "$RAWOPS" openat2 "$PROJECT" .env none
	t_refused "raw openat2 \$PROJECT .env is refused"
	t_lacks "raw openat2 \$PROJECT .env leaks nothing" "$(canary env)" "$OUT"
	gr -- "$RAWOPS" openat2 "$PROJECT" ../project/.env beneath
	t_refused "raw openat2 RESOLVE_BENEATH ../project/.env fails"
	t_clean "... and leaks nothing" "$(canary env)"
	gr -- "$RAWOPS" write .git/hooks/pre-commit pwned
	t_refused "raw write .git/hooks/pre-commit fails"
	t_true "no .git/hooks/pre-commit after the raw write" ! -e .git/hooks/pre-commit
	gr -- sh -c 'mkdir g2 && "$1" exchange .git g2' sh "$RAWOPS"
	t_refused "raw RENAME_EXCHANGE of .git with a fresh directory fails"
	t_true "after the exchange attempt .git/config is still there" -f .git/config
	rm -rf g2
	gr -- sh -c 'mkdir s2 && "$1" exchange secrets s2 && "$1" read s2/db.txt' sh "$RAWOPS"
	t_refused "raw RENAME_EXCHANGE of secrets/ with a fresh directory fails"
	t_clean "... and leaks nothing" "$(canary secrets_db)"
	rm -rf s2
else
	_t_result 1 "raw-syscall rename/remove attacks" "helper $HELPERS/rawops_static was not built"
fi

# --- a secret that appears after launch (the user adds .env while the agent runs): covers taken at launch
# miss it, the boundary must not. The command waits for a marker file the test creates after the secret.
late_run() { # late_run SECRET-PATH: starts guard, writes SECRET-PATH from outside, then the marker
	if [ ! -x "$GUARD" ]; then
		RC=guard-missing OUT= ERR="guard binary missing: $GUARD"
		return
	fi
	rm -f late-marker
	G_CMD="guard run -- (wait for late-marker; cat $1)"
	timeout -k 5 "$G_TIMEOUT" "$GUARD" run -- sh -c 'echo READY; while [ ! -e late-marker ]; do sleep 0.05; done; cat "$1"' \
		sh "$1" >"$T_WORK/out" 2>"$T_WORK/err" </dev/null &
	local pid=$!
	for _ in $(seq 100); do grep -q READY "$T_WORK/out" 2>/dev/null && break; sleep 0.05; done
	mkdir -p "$(dirname "$1")"
	printf '%s\n' "$(canary env)-late" >"$1"
	touch late-marker
	wait "$pid"
	RC=$? OUT=$(cat "$T_WORK/out") ERR=$(cat "$T_WORK/err")
	rm -f late-marker
}
late_run late-dir/.env
t_refused "a .env created in a new directory after launch is denied"
t_clean "... and its content does not leak" "$(canary env)-late"
late_run src/.env.production
t_refused "a .env.production created in src/ after launch is denied"
t_clean "... and its content does not leak" "$(canary env)-late"
rm -rf late-dir src/.env.production

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

# --- host sockets: an ssh-agent-like socket in the real /tmp, /run/user/$UID
sockdir=/tmp/guard-test-agent-$RUN_ID
at_exit "rm -rf '$sockdir'"
mkdir -p "$sockdir" && chmod 700 "$sockdir"
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1); time.sleep(120)' "$sockdir/agent.sock" &
sockpid=$!
at_exit "kill $sockpid"
for _ in $(seq 50); do [ -S "$sockdir/agent.sock" ] && break; sleep 0.1; done
if [ -n "$RAWOPS" ] && [ -S "$sockdir/agent.sock" ]; then
	export SSH_AUTH_SOCK=$sockdir/agent.sock
	gr -- "$RAWOPS" connect "$SSH_AUTH_SOCK"
	t_refused "connecting to an ssh-agent socket in the host's /tmp fails"
	unset SSH_AUTH_SOCK
else
	t_skip "connecting to an ssh-agent socket in the host's /tmp fails" "no rawops_static helper or socket"
fi
kill "$sockpid" 2>/dev/null
rundir=/run/user/$(id -u)
if [ ! -e "$rundir" ] && is_root && [ -d /run ]; then
	# root may stage one (removed at exit); an unprivileged user only tests an existing one
	[ -d /run/user ] || at_exit "rmdir /run/user"
	mkdir -p "$rundir" && at_exit "rm -rf '$rundir'" && _put "$rundir/bus" "$(canary env)"
fi
if [ -d "$rundir" ] && [ -n "$(ls -A "$rundir" 2>/dev/null)" ]; then
	gr -- ls -A "$rundir"
	t_clean "/run/user/\$UID is hidden (its entries are not listed)" "$(ls -A "$rundir" | head -1)"
else
	t_skip "/run/user/\$UID is hidden" "$rundir does not exist or is empty here"
fi

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
