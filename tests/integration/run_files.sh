#!/usr/bin/env bash
# The default profile's file boundary, through several kinds of readers: cat, a shell redirect, python3's open(),
# and a static binary issuing raw syscalls (no libc wrapper, no shim: only the kernel boundary can stop it).
. "$(dirname "$0")/../lib.sh"
needs python3
setup_world

RAWREAD=$(helper rawread_static)
# Secrets: NAME PATH (relative to the project, or absolute)
SECRETS="
env .env
env_local .env.local
server_pem config/server.pem
secrets_db secrets/db.txt
id_rsa $HOME/.ssh/id_rsa
aws_credentials $HOME/.aws/credentials
private_doc $HOME/Documents/private.txt
"

while read -r name path; do
	[ -n "$name" ] || continue
	short=${path#"$HOME"/}
	[ "$short" != "$path" ] && short="~/$short"
	t_ok "precondition: $short readable without guard" grep -q "$(canary "$name")" "$path"

	# Secrets in the project are covered (EACCES); the ungranted rest of $HOME is invisible (ENOENT) or denied.
	check=t_denied
	case $short in "~/"*) check=t_hidden ;; esac

	gr -- cat "$path"
	$check "cat $short is denied" "$name"

	gr -- sh -c 'cat < "$1"' sh "$path"
	$check "sh -c 'cat < $short' is denied" "$name"

	gr -- python3 -c 'import sys; print(open(sys.argv[1]).read())' "$path"
	$check "python3 open($short) is denied" "$name"

	if [ -n "$RAWREAD" ]; then
		gr -- "$RAWREAD" "$path"
		$check "rawread_static (raw syscalls) $short is denied" "$name"
	else
		_t_result 1 "rawread_static $short is denied" "helper $HELPERS/rawread_static was not built"
	fi
done <<<"$SECRETS"

# --- allowed reads
gr -- cat src/main.c
t_allowed "src/main.c is readable" "$(canary main_c)"
gr -- cat .env.example
t_allowed ".env.example is readable (re-allowed by !.env.example)" "$(canary env_example)"
if [ -n "$RAWREAD" ]; then
	gr -- "$RAWREAD" src/main.c
	t_allowed "rawread_static reads src/main.c" "$(canary main_c)"
fi
gr -- cat "$HOME/.gitconfig"
t_allowed "~/.gitconfig is readable" "$(canary gitconfig)"
gr -- cat "$HOME/.bashrc"
t_allowed "~/.bashrc is readable" "$(canary bashrc)"
gr -- cat "$HOME/.ssh/id_rsa.pub"
t_allowed "~/.ssh/id_rsa.pub is readable" "$(canary id_rsa_pub)"
gr -- cat "$HOME/.ssh/known_hosts"
t_allowed "~/.ssh/known_hosts is readable" "$(canary known_hosts)"
gr -- sh -c 'git config user.name'
t_allowed "git inside reads ~/.gitconfig" "Guard Test"
gr -- cat /etc/passwd
t_allowed "/etc/passwd (system tree) is readable" "root:"

# System secrets: unreadable for everyone, root included (capabilities are dropped, the files covered).
gr -- cat /etc/shadow
t_refused "cat /etc/shadow fails$(is_root && echo ' (as root)')"
t_nomatch "/etc/shadow: no password hash line leaks" '^root:' "$OUT"
if [ -d /etc/ssl/private ]; then
	gr -- ls /etc/ssl/private
	t_refused "ls /etc/ssl/private fails"
fi

gr -- ls "$HOME/.ssh"
t_refused "ls ~/.ssh is denied (non-zero exit)"
t_clean "ls ~/.ssh does not list id_rsa" "id_rsa"
gr -- ls "$HOME/Documents"
t_refused "ls ~/Documents is denied"
t_clean "ls ~/Documents does not list private.txt" "private.txt"
gr -- ls secrets
t_refused "ls secrets/ (denied directory) fails"
t_clean "ls secrets/ does not list db.txt" "db.txt"

# --- writes
gr -- cat "$HOME/.cache/x"
t_allowed "~/.cache/x is readable" "$(canary cache)"
gr -- sh -c 'mkdir -p "$HOME/.cache/tool" && echo cached > "$HOME/.cache/tool/f" && cat "$HOME/.cache/tool/f"'
t_allowed "~/.cache is writable" "cached"
t_eq "~/.cache write is visible outside" "cached" "$(cat "$HOME/.cache/tool/f" 2>/dev/null)"

gr -- sh -c 'echo new-data > new.txt && mkdir -p newdir && echo nested > newdir/n.txt && cat new.txt newdir/n.txt'
t_allowed "new files in the project are writable and readable" "new-data"
t_eq "the new project file exists outside with its content" "new-data" "$(cat new.txt 2>/dev/null)"
gr -- sh -c 'echo more >> src/main.c && tail -n1 src/main.c'
t_allowed "existing project files are writable" "more"

gr -- sh -c 'echo x > "$HOME/newfile"'
t_refused "writing \$HOME/newfile is denied"
t_true "\$HOME/newfile was not created" ! -e "$HOME/newfile"
gr -- sh -c 'echo x >> "$HOME/.bashrc"'
t_refused "appending to ~/.bashrc (read-only entry) is denied"
t_eq "~/.bashrc unchanged" "# $(canary bashrc)" "$(cat "$HOME/.bashrc")"
etcfile=/etc/guard-test-$RUN_ID
at_exit "rm -f '$etcfile' /usr/local/guard-test-$RUN_ID"
gr -- sh -c 'echo x > "$1"' sh "$etcfile"
t_refused "writing /etc/... is denied"
t_true "/etc/... was not created" ! -e "$etcfile"
gr -- sh -c 'echo x > "$1"' sh "/usr/local/guard-test-$RUN_ID"
t_refused "writing /usr/local/... is denied"
t_true "/usr/local/... was not created" ! -e "/usr/local/guard-test-$RUN_ID"
gr -- sh -c 'echo x > "$1"' sh "$T_WORK/outside-project"
t_refused "writing next to \$HOME (outside the project) is denied"

# --- temp dirs
gr -- sh -c 'test -n "$TMPDIR" && echo tmp-data > "$TMPDIR/f" && cat "$TMPDIR/f"'
t_allowed "TMPDIR is set and writable" "tmp-data"
gr -- sh -c 'echo "$TMPDIR"'
tmpdir_inside=$OUT
t_true "TMPDIR is not the project or \$HOME" -n "$tmpdir_inside" -a "$tmpdir_inside" != "$PROJECT" -a "$tmpdir_inside" != "$HOME"
gr -- sh -c 'echo tmp-data > "/tmp/guard-inside-$1" && cat "/tmp/guard-inside-$1"' sh "$RUN_ID"
t_allowed "/tmp is writable" "tmp-data"
at_exit "rm -f /tmp/guard-inside-$RUN_ID /tmp/guard-outside-$RUN_ID"
t_true "/tmp inside is private (the file is not in the real /tmp)" ! -e "/tmp/guard-inside-$RUN_ID"
_put "/tmp/guard-outside-$RUN_ID" "$(canary env)"
gr -- cat "/tmp/guard-outside-$RUN_ID"
t_refused "the real /tmp's files are not visible inside"
t_clean "the real /tmp's canary does not leak" "$(canary env)"

# --- name patterns apply inside granted trees, not to the directories above them: a project that happens to
# live in a directory named like a denied one (~/work/secrets/app) is still a project
nproj=$HOME/work/secrets/app
_put "$nproj/src/a.c" "$(canary main_c)-nested"
_put "$nproj/.env" "$(canary env)-nested"
git -C "$nproj" init -q
cd "$nproj" || exit 1
gr -- cat src/a.c
t_allowed "a project under a directory named secrets/: its files are readable" "$(canary main_c)-nested"
gr -- cat .env
t_denied "a project under a directory named secrets/: its .env is still denied" env
cd "$PROJECT" || exit 1

# --- a project that lives under /tmp stays visible through the private /tmp
tproj=$(mktemp -d /tmp/guard-test-proj.XXXXXX)
at_exit "rm -rf '$tproj'"
_put "$tproj/src/a.c" "$(canary main_c)-tmp"
_put "$tproj/.env" "$(canary env)-tmp"
git -C "$tproj" init -q
cd "$tproj" || exit 1
gr -- cat src/a.c
t_allowed "a project under /tmp: its files are visible" "$(canary main_c)-tmp"
gr -- cat .env
t_denied "a project under /tmp: its .env is denied" env
gr -- sh -c 'echo made > made.txt && cat made.txt'
t_allowed "a project under /tmp: writable" "made"
t_eq "a project under /tmp: the write reached the real project" "made" "$(cat made.txt 2>/dev/null)"
cd "$PROJECT" || exit 1

t_done
