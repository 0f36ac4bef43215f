#!/usr/bin/env bash
# Persistence through what the user's tools obey later (issue 13): the quarantine of protected git paths that
# appear during the session (late_covers_linux.c) attacked three ways — its move-aside name pre-empted, its inotify
# queue overflowed, its first walk outrun in a big project — and the flood that made the watcher re-walk a
# directory per rename (guard returned minutes after its command). Each plant is a .git/commondir pointing git at
# an attacker's config whose core.fsmonitor touches a file outside; the harness then plays the user (git status).
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
user_uses_git() {
	rm -f .git/index.lock
	git status >/dev/null 2>&1
}
# after an attack: the plant and everything the attack or the quarantine left in .git
clean_git() {
	rm -rf .git/commondir .git/commondir.* evil-git flood flood2
	git status >/dev/null 2>&1 || t_diag "git is broken after the attack"
}
# The shell snippet that plants the commondir (sourced inside the sandbox; $1 is $PWNED).
PLANT='mkdir -p evil-git/hooks && cp -r .git/objects .git/refs .git/HEAD evil-git/ 2>/dev/null
	printf "[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tfsmonitor = \"touch $1/commondir-fsmonitor; false\"\n" > evil-git/config
	echo "$PWD/evil-git" > .git/commondir'

# --- 1a: the move-aside name was NAME.guard-blocked-PID (init is pid 1; in Landlock-only mode the supervisor is
# the command's parent): a directory pre-created under that name made the rename fail and the plant stayed.
for f in $FLAVOURS; do
	ga "$f" -- sh -c 'for p in 1 $PPID; do mkdir -p .git/commondir.guard-blocked-$p/x; done
		'"$PLANT"'; true' sh "$PWNED"
	user_uses_git
	no_payload "[$f] a pre-created move-aside name does not keep a planted .git/commondir in place"
	t_true "[$f] ... and .git/commondir is gone" ! -e .git/commondir
	clean_git
done

# --- 1b: the inotify queue overflowed (IN_Q_OVERFLOW) by renaming a 3,000-file directory back and forth; the
# plant that followed was never seen. (Before the fix, the watcher also re-walked the directory per rename and the
# run outlasted the harness's timeout.)
for f in $FLAVOURS; do
	ga "$f" -- sh -c 'python3 -c "
import os
os.mkdir(\"flood\")
for i in range(3000):
    open(\"flood/f%d\" % i, \"w\").close()
for i in range(15000):
    os.rename(\"flood\", \"flood2\"); os.rename(\"flood2\", \"flood\")
"
		'"$PLANT"'; true' sh "$PWNED"
	t_true "[$f] a rename flood on a 3,000-file directory ran to its end (guard did not hang)" "$RC" = 0
	user_uses_git
	no_payload "[$f] a .git/commondir planted after overflowing the watcher's queue does not run code outside"
	t_true "[$f] ... and .git/commondir is gone" ! -e .git/commondir
	clean_git
done

# --- 1c: the watcher started after the command and took what its first walk found as present at launch: in a
# 60,000-file project (200 top-level directories, so .git is walked late) a plant made at once won every time.
python3 - <<'EOF'
import os
for d in range(200):
    os.mkdir("big%03d" % d)
    for i in range(300):
        open("big%03d/f%d.c" % (d, i), "w").close()
EOF
for f in $FLAVOURS; do
	ga "$f" -- sh -c 'echo "$PWD/evil-git" > .git/commondir; '"$PLANT"'; true' sh "$PWNED"
	user_uses_git
	no_payload "[$f] a .git/commondir planted at once in a 60,000-file project does not run code outside"
	t_true "[$f] ... and .git/commondir is gone" ! -e .git/commondir
	clean_git
done
rm -rf big[0-9][0-9][0-9]

t_done
