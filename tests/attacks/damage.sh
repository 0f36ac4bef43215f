#!/usr/bin/env bash
# Damage and persistence: destroy or alter a secret (truncate, O_TRUNC, punch a hole, chmod), plant what runs
# later outside the sandbox (shell rc files, authorized_keys, git hooks by every door git offers, guard's own
# configuration, a setuid binary), write outside the writable trees, change metadata of files the sandbox may only
# read, and leave the user's repository unusable. The harness looks at the files outside after each run, and runs
# the user's later commands (git status/commit) itself to see whether a planted payload fires.
# (run_attacks_fs.sh covers rm/mv/overwrite of .env, the raw rename/unlink/truncate in namespaces mode, plain
# writes to .git/hooks, .git/config and .guard.yaml; these extend them to every flavour and to other doors.)
. "$(dirname "$0")/common.bash"

git add src >/dev/null 2>&1 && git commit -qm "initial" >/dev/null 2>&1
env_content=$(cat .env)
pem_content=$(cat config/server.pem)
key_content=$(cat "$HOME/.ssh/id_rsa")
bashrc_content=$(cat "$HOME/.bashrc")
PWNED=$T_WORK/pwned # payloads planted by the attacks touch files here; nothing inside can write there
mkdir -p "$PWNED"

# no_payload DESC: no planted payload has fired (outside) so far; clears the evidence
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

# --- destroy a secret: truncate(2), O_TRUNC, fallocate(PUNCH_HOLE), rm, shell redirection, python
for f in $STATIC_FLAVOURS; do
	ga "$f" -- sh -c '"$1" truncate .env 0; "$1" truncate "$HOME/.ssh/id_rsa" 0; "$2" otrunc config/server.pem
		"$2" otrunc "$HOME/.ssh/id_rsa"; "$2" punch .env; "$2" punch "$HOME/.ssh/id_rsa"; true' sh "$RAWOPS" "$ATTACK"
	t_eq "[$f] static: truncate(2), O_TRUNC, PUNCH_HOLE leave .env intact" "$env_content" "$(cat .env 2>/dev/null)"
	t_eq "[$f] ... config/server.pem intact" "$pem_content" "$(cat config/server.pem 2>/dev/null)"
	t_eq "[$f] ... ~/.ssh/id_rsa intact" "$key_content" "$(cat "$HOME/.ssh/id_rsa" 2>/dev/null)"
done
for f in $FLAVOURS; do
	ga "$f" -- sh -c 'truncate -s 0 .env; : > config/server.pem; fallocate -p -o 0 -l 4096 .env
		truncate -s 0 "$HOME/.ssh/id_rsa"; rm -f "$HOME/.ssh/id_rsa" secrets/db.txt
		python3 -c "import os; os.truncate(\".env\", 0)"; true'
	t_eq "[$f] truncate/redirect/fallocate/rm/python leave .env intact" "$env_content" "$(cat .env 2>/dev/null)"
	t_eq "[$f] ... config/server.pem intact" "$pem_content" "$(cat config/server.pem 2>/dev/null)"
	t_eq "[$f] ... ~/.ssh/id_rsa intact" "$key_content" "$(cat "$HOME/.ssh/id_rsa" 2>/dev/null)"
	t_true "[$f] ... secrets/db.txt still there" -f secrets/db.txt
done

# --- plant what the user's shell or ssh runs later
for f in $FLAVOURS; do
	ga "$f" -- sh -c 'echo "touch $1/bashrc" >> "$HOME/.bashrc"; echo "touch $1/profile" > "$HOME/.profile"
		echo "touch $1/bash_profile" > "$HOME/.bash_profile"; mkdir -p "$HOME/.ssh"
		echo "ssh-ed25519 AAAA attacker" >> "$HOME/.ssh/authorized_keys"
		mkdir -p "$HOME/.local/bin" && printf "#!/bin/sh\ntouch $1/git\n" > "$HOME/.local/bin/git"
		mkdir -p "$HOME/.config/autostart" && echo "[Desktop Entry]" > "$HOME/.config/autostart/x.desktop"; true' sh "$PWNED"
	ga "$f" -- sh -c '"$1" write "$HOME/.ssh/authorized_keys" "ssh-ed25519 AAAA attacker"; "$1" write "$HOME/.profile" x' sh "$RAWOPS"
	t_eq "[$f] ~/.bashrc unchanged" "$bashrc_content" "$(cat "$HOME/.bashrc")"
	t_true "[$f] no ~/.profile, ~/.bash_profile planted" ! -e "$HOME/.profile" -a ! -e "$HOME/.bash_profile"
	t_true "[$f] no ~/.ssh/authorized_keys planted" ! -e "$HOME/.ssh/authorized_keys"
	t_true "[$f] no ~/.local/bin/git planted (ahead of /usr/bin on many PATHs)" ! -e "$HOME/.local/bin/git"
	t_true "[$f] no ~/.config/autostart entry planted" ! -e "$HOME/.config/autostart"
done

# --- write outside the writable trees: /etc, /var/tmp, $HOME, /usr/local/bin, the test's own directory
for f in $FLAVOURS; do
	ga "$f" -- sh -c 'echo "attacker:x:0:0::/:/bin/sh" >> /etc/passwd; echo x > /etc/profile.d/guard-attack.sh
		echo x > /var/tmp/guard-attack-$2; echo x > "$HOME/planted"; echo x > /usr/local/bin/guard-attack-$2
		echo x > "$1/../planted"; true' sh "$PWNED" "$RUN_ID"
	t_lacks "[$f] /etc/passwd unchanged" "attacker:x" "$(cat /etc/passwd)"
	t_true "[$f] nothing planted in /etc/profile.d, /var/tmp, \$HOME, /usr/local/bin, outside dirs" \
		! -e /etc/profile.d/guard-attack.sh -a ! -e "/var/tmp/guard-attack-$RUN_ID" -a ! -e "$HOME/planted" \
		-a ! -e "/usr/local/bin/guard-attack-$RUN_ID" -a ! -e "$T_WORK/planted"
done
rm -f /etc/profile.d/guard-attack.sh "/var/tmp/guard-attack-$RUN_ID" "/usr/local/bin/guard-attack-$RUN_ID" 2>/dev/null
# /dev/shm is the host's own in Landlock-only mode: a file left there outlives the session and reaches every
# process of the user (POSIX shared memory, semaphores)
for f in $STATIC_FLAVOURS; do
	ga "$f" -- sh -c 'echo x > /dev/shm/guard-attack-planted-$1' sh "$RUN_ID"
	t_true "[$f] nothing planted in the host's /dev/shm" ! -e "/dev/shm/guard-attack-planted-$RUN_ID"
	rm -f "/dev/shm/guard-attack-planted-$RUN_ID"
done

# --- metadata of files the sandbox may read but not write, or not even see: mode, times, extended attributes.
# Landlock has no right for chmod/utimes/setxattr; a read-only grant must still mean "unchanged".
outside=$T_WORK/outside.txt
echo "$(canary env)-outside" >"$outside"
chmod 600 "$outside"
touch -d '2001-01-01 00:00' "$outside" "$HOME/.bashrc"
meta() { stat -c '%a %Y' "$1"; }
bashrc_meta=$(meta "$HOME/.bashrc") outside_meta=$(meta "$outside") key_meta=$(meta "$HOME/.ssh/id_rsa")
env_meta=$(meta .env)
for f in $FLAVOURS; do
	ga "$f" -- sh -c 'chmod 666 "$1" "$HOME/.ssh/id_rsa" .env; chmod 000 "$HOME/.bashrc"; touch "$HOME/.bashrc" "$1"
		python3 -c "import os, sys
for p in sys.argv[1:]:
    try: os.setxattr(p, \"user.guard-attack\", b\"1\")
    except OSError: pass" "$HOME/.bashrc" "$1"; true' sh "$outside"
	# Landlock-only mode has no read-only mounts, and Landlock itself has no right for chmod/utimes/xattr: a
	# documented limit of that mode (README). Namespaces mode must hold.
	case $f in ll*) T_TODO="Landlock cannot refuse chmod/utimes/setxattr; Landlock-only mode has no read-only mounts (README: Landlock-only mode)" ;; esac
	t_eq "[$f] chmod/touch: ~/.bashrc (read-only grant) keeps its mode and mtime" "$bashrc_meta" "$(meta "$HOME/.bashrc")"
	t_eq "[$f] chmod/touch: a file outside every grant keeps its mode and mtime" "$outside_meta" "$(meta "$outside")"
	t_eq "[$f] chmod: ~/.ssh/id_rsa stays 0600 (not world-readable)" "$key_meta" "$(meta "$HOME/.ssh/id_rsa")"
	t_eq "[$f] chmod: .env keeps its mode" "$env_meta" "$(meta .env)"
	t_eq "[$f] setxattr: no attribute added to ~/.bashrc or outside files" "" \
		"$(getfattr -d "$HOME/.bashrc" "$outside" 2>/dev/null | grep guard-attack ||
			python3 -c 'import os, sys
print(" ".join(a for p in sys.argv[1:] for a in os.listxattr(p) if "guard-attack" in a))' "$HOME/.bashrc" "$outside")"
	T_TODO=
	# put everything back for the next flavour
	chmod 644 "$HOME/.bashrc" .env
	chmod 600 "$outside" "$HOME/.ssh/id_rsa"
	touch -d '2001-01-01 00:00' "$outside" "$HOME/.bashrc"
	python3 -c 'import os, sys
for p in sys.argv[1:]:
    try: os.removexattr(p, "user.guard-attack")
    except OSError: pass' "$HOME/.bashrc" "$outside"
	bashrc_meta=$(meta "$HOME/.bashrc") outside_meta=$(meta "$outside") key_meta=$(meta "$HOME/.ssh/id_rsa")
done
# the cover itself (namespaces mode): read-only, so chmod fails and the secret keeps its mode
for f in $STATIC_FLAVOURS; do
	ga "$f" -- "$ATTACK" chmod secrets 777
	t_eq "[$f] chmod of the covered secrets/ leaves its mode" "$(stat -c %a "$PROJECT/secrets")" "$(stat -c %a secrets)"
done

# --- a setuid or setgid binary left in the project: outside, anyone on the machine may run it as its owner
# (root, when guard runs as root). Also file capabilities and device nodes.
findsuid() { find "$PROJECT" -xdev -perm /6000 -type f 2>/dev/null; }
for f in $FLAVOURS; do
	ga "$f" -- sh -c 'cp /bin/sh src/sh-suid-$1 && chmod 4755 src/sh-suid-$1; cp /bin/sh src/sh-sgid-$1 && chmod 2755 src/sh-sgid-$1
		python3 -c "import os; os.chmod(\"src/sh-suid-$1\", 0o6755)"; true' sh "$f"
	found=$(findsuid)
	t_eq "[$f] no setuid/setgid file is left in the project$(is_root && echo ' (owned by root!)')" "" "$found"
	[ -n "$found" ] && rm -f $found
done
for f in $STATIC_FLAVOURS; do
	ga "$f" -- "$ATTACK" suid "src/suid-$f"
	found=$(findsuid)
	t_eq "[$f] static: fchmod(04755)/fchmodat(06755) leave no setuid/setgid file" "" "$found"
	[ -n "$found" ] && rm -f $found
	ga "$f" -- sh -c 'cp /bin/true src/capped; "$1" setcap src/capped; "$1" mknod src/disk 8 0' sh "$ATTACK"
	a_refused "[$f] static: setxattr security.capability is refused" "setxattr security.capability"
	a_refused "[$f] static: mknod of a block device is refused" "mknodat block"
	t_true "[$f] no device node in the project" ! -b src/disk
done
# as root, the same on a root-owned program outside the project: setuid root on a system binary
if is_root; then
	sysbin=/usr/local/lib/guard-attack-$RUN_ID
	cp /bin/true "$sysbin" && chmod 755 "$sysbin" && at_exit "rm -f '$sysbin'"
	for f in $FLAVOURS; do
		ga "$f" -- chmod 4755 "$sysbin"
		t_eq "[$f] as root: chmod u+s on a root-owned program in /usr/local/lib is refused" 755 "$(stat -c %a "$sysbin")"
		chmod 755 "$sysbin"
	done
else
	t_skip "as root: chmod u+s on a root-owned system program is refused" "not root"
fi

# --- git: every door to code that runs when the user uses git outside later
# Payloads: a hook or core.fsmonitor that touches $PWNED/<name>. After each run, the harness plays the user.
user_uses_git() {
	rm -f .git/index.lock
	git status >/dev/null 2>&1
	git -c user.name=u -c user.email=u@u commit -q --allow-empty -m later >/dev/null 2>&1
	git checkout -q main >/dev/null 2>&1
	(cd sub 2>/dev/null && git status >/dev/null 2>&1 && git -c user.name=u -c user.email=u@u commit -q --allow-empty -m later >/dev/null 2>&1)
	(cd src && git status >/dev/null 2>&1)
}
for f in $FLAVOURS; do
	# .git/hooks directly (plain and raw), and core.hooksPath/core.fsmonitor in .git/config
	ga "$f" -- sh -c 'for h in pre-commit post-checkout fsmonitor-watchman; do printf "#!/bin/sh\ntouch $1/hooks-$h\n" > .git/hooks/$h; chmod +x .git/hooks/$h; done
		"$2" write .git/hooks/post-commit "touch $1/hooks-raw"
		git config core.fsmonitor "touch $1/fsmonitor-config; false"; git config core.hooksPath "$PWD/src"
		printf "[core]\n\tfsmonitor = \"touch $1/fsmonitor-append; false\"\n" >> .git/config; true' sh "$PWNED" "$RAWOPS"
	user_uses_git
	no_payload "[$f] hooks and core.fsmonitor/hooksPath written to .git/hooks and .git/config do not run outside"
	rm -f .git/hooks/pre-commit .git/hooks/post-checkout .git/hooks/fsmonitor-watchman .git/hooks/post-commit 2>/dev/null
	# .git/commondir: git then takes config and hooks from a directory of the attacker's choosing
	ga "$f" -- sh -c 'mkdir -p evil-git/hooks && cp -r .git/objects .git/refs .git/HEAD evil-git/ 2>/dev/null
		printf "#!/bin/sh\ntouch $1/commondir-hook\n" > evil-git/hooks/pre-commit; chmod +x evil-git/hooks/pre-commit
		printf "[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tfsmonitor = \"touch $1/commondir-fsmonitor; false\"\n" > evil-git/config
		echo "$PWD/evil-git" > .git/commondir; true' sh "$PWNED"
	user_uses_git
	no_payload "[$f] .git/commondir pointing to a planted config and hooks does not run code outside"
	rm -f .git/commondir
	rm -rf evil-git
	git status >/dev/null 2>&1 || t_diag "git is broken after the .git/commondir attack"
done

# a submodule: its git directory lives in .git/modules/NAME with its own hooks and config
subsrc=$T_WORK/subsrc
git init -q "$subsrc" && git -C "$subsrc" -c user.name=u -c user.email=u@u commit -q --allow-empty -m s
if git -c protocol.file.allow=always submodule add -q "$subsrc" sub >/dev/null 2>&1 &&
	git -c user.name=u -c user.email=u@u commit -qm "add sub" >/dev/null 2>&1; then
	for f in $FLAVOURS; do
		ga "$f" -- sh -c 'printf "#!/bin/sh\ntouch $1/submodule-hook\n" > .git/modules/sub/hooks/pre-commit
			chmod +x .git/modules/sub/hooks/pre-commit
			git config -f .git/modules/sub/config core.fsmonitor "touch $1/submodule-fsmonitor; false"; true' sh "$PWNED"
		user_uses_git
		no_payload "[$f] a hook or core.fsmonitor planted in .git/modules/sub (a submodule's git dir) does not run outside"
		rm -f .git/modules/sub/hooks/pre-commit
		git config -f .git/modules/sub/config --unset core.fsmonitor 2>/dev/null
	done
else
	_t_result 1 "a submodule could be set up for the .git/modules attack" "git submodule add failed"
fi

# a repository of the attacker's making in a subdirectory: git run there (outside, later) obeys its config
for f in $FLAVOURS; do
	ga "$f" -- sh -c 'mkdir -p "$TMPDIR/x" && git init -q src 2>/dev/null
		git -C src config core.fsmonitor "touch $1/nested-fsmonitor; false"; true' sh "$PWNED"
	user_uses_git
	todo "any writable directory can become a git repository whose config runs code when git is used there later (like a Makefile): a design decision, not a boundary bug" \
		no_payload "[$f] a nested src/.git planted by the sandbox runs nothing when the user runs git in src/"
	rm -rf src/.git
done

# --- the next run's policy: .guard.yaml (also when the project has none), the user's guard config and trust
# store, with the trees they live in granted writable. guard's own directories may not exist yet (a first run, no
# user config): then nothing covers them at launch, and a directory renamed into place arrives complete.
for f in $FLAVOURS; do
	rm -f .guard.yaml
	ga "$f" -- sh -c 'printf "files:\n  read: [\"~\"]\n" > .guard.yaml; true'
	gr -- cat "$HOME/Documents/private.txt"
	t_lacks "[$f] a .guard.yaml planted where none was does not loosen the next run" "$(canary private_doc)" "$OUT"
	rm -f .guard.yaml
	rm -rf "$XDG_CONFIG_HOME/guard" "$XDG_STATE_HOME/guard"
	ga "$f" --allow-write "$XDG_CONFIG_HOME" --allow-write "$XDG_STATE_HOME" -- sh -c '
		printf "files:\n  read: [\"~\"]\n" > .guard.yaml
		sha=$(sha256sum .guard.yaml | cut -d" " -f1)
		mkdir -p "$XDG_CONFIG_HOME/g.new"; printf "files:\n  read: [\"~\"]\n" > "$XDG_CONFIG_HOME/g.new/config.yaml"
		echo "$sha  $PWD/.guard.yaml" > "$XDG_CONFIG_HOME/g.new/trusted"
		mv "$XDG_CONFIG_HOME/g.new" "$XDG_CONFIG_HOME/guard" 2>/dev/null ||
			{ mkdir -p "$XDG_CONFIG_HOME/guard"; cp "$XDG_CONFIG_HOME/g.new/"* "$XDG_CONFIG_HOME/guard/"; }
		for d in "$XDG_STATE_HOME"/guard/sessions/*/; do
			for e in "$d"*; do [ -f "$e" ] && echo planted >> "$e"; done; echo planted > "$d/planted"
		done; true'
	rm -rf "$XDG_CONFIG_HOME/g.new"
	gr -- cat "$HOME/Documents/private.txt"
	t_lacks "[$f] with ~/.config granted writable, a guard config.yaml or trust entry planted there does not loosen the next run" \
		"$(canary private_doc)" "$OUT"
	t_true "[$f] ... and none was written" ! -s "$XDG_CONFIG_HOME/guard/config.yaml" -a ! -s "$XDG_CONFIG_HOME/guard/trusted"
	t_eq "[$f] with ~/.local/state granted writable, the running session's own log was not written to from inside" "" \
		"$(grep -rl '^planted$' "$XDG_STATE_HOME/guard" 2>/dev/null)"
	rm -rf .guard.yaml "$XDG_CONFIG_HOME/guard"
done

# --- mounts over protected paths: a writable directory bound over .git/hooks would let hooks be written
for f in $STATIC_FLAVOURS; do
	ga "$f" -- sh -c 'mkdir -p "$TMPDIR/h"; "$1" bind "$TMPDIR/h" .git/hooks; "$1" int80 mount-bind "$TMPDIR/h:$PWD/.git/hooks"
		printf "#!/bin/sh\ntouch $2/bind-hook\n" > .git/hooks/pre-commit; chmod +x .git/hooks/pre-commit; true' sh "$ATTACK" "$PWNED"
	a_refused "[$f] static: mount --bind over .git/hooks is refused" "mount MS_BIND"
	user_uses_git
	no_payload "[$f] ... and no hook runs outside"
	rm -f .git/hooks/pre-commit
done

# --- the user's repository stays usable: a git command inside must not leave lock files behind
for f in $FLAVOURS; do
	echo "change $f" >>src/main.c
	ga "$f" -- sh -c 'git add src/main.c; git status >/dev/null; true'
	rm_lock=$(ls .git/*.lock 2>/dev/null)
	git add src/main.c >/dev/null 2>&1
	st=$?
	t_eq "[$f] after git add inside, git add outside still works (no stale lock: ${rm_lock:-none})" 0 "$st"
	rm -f .git/*.lock
done

# --- the report: a file name is data the sandbox chooses. Escape sequences in it must not reach the user's
# terminal through `guard report`, nor markup the HTML report (a raw open, logged by the observer, and a shim one)
EVIL=$'evil-\e]0;PWNED-TITLE\a\e[2J\e[31m<script>alert(1)<\x2fscript>'
for f in $STATIC_FLAVOURS; do
	ga "$f" -- sh -c '"$1" read "$2"; cat "$2"; "$1" read "$HOME/$2"' sh "$RAWOPS" "$EVIL"
	report=$("$GUARD" report --last 2>&1)
	if printf '%s' "$report" | grep -q 'unknown command'; then
		todo "guard report is not built yet (issue 3)" _t_result 1 "[$f] guard report prints no raw escape sequence from a file name" "$report"
		continue
	fi
	t_has "[$f] the report names the hostile file (so the checks below mean something)" "evil-" "$report"
	t_nomatch "[$f] guard report prints no raw escape sequence from a file name" $'\e' "$report"
	html=$("$GUARD" report --last --format html 2>&1)
	t_lacks "[$f] guard report --format html carries no <script> from a file name" "<script>" "$html"
done

# --- what the harness saw at the end: nothing left behind that holds a secret
a_no_copies "no file outside the originals holds a secret after all of the above"
t_eq ".env intact at the end" "$env_content" "$(cat .env 2>/dev/null)"

t_done
