#!/usr/bin/env bash
# test-timeout: 240
# Attacks that try to read a secret: wide searches, descriptor and file-handle tricks, openat2, mmap/sendfile/
# copy_file_range/splice, a symlink race, moving a secret's directory, copying or archiving the whole project, git,
# other processes' /proc entries and memory, the environment, guard's own session logs and trust store, the mount
# table and the covers themselves. (run_attacks_fs.sh covers cat/symlinks/hard links/proc paths/rename of the
# secret itself; these go further.) Each runs in every flavour of common.bash: shim or not, namespaces or
# Landlock-only; the static helper speaks raw syscalls.
. "$(dirname "$0")/common.bash"

# A token in the environment of guard and of a process outside (the user's shell, an editor...).
add_secret env_token
add_secret cmdline
GUARD_ATTACK_TOKEN=$(canary env_token)
export GUARD_ATTACK_TOKEN

# Some history, as a real project has: what git may legitimately read.
git add src >/dev/null 2>&1 && git commit -qm "initial" >/dev/null 2>&1

# --- a wide search: grep -r for the canary prefix over the home directory, the project and the top-level trees
SEARCH='for d in "$HOME" "$HOME/.ssh" "$HOME/.aws" "$HOME/.config" "$HOME/.local" "$HOME/Documents" "$HOME/src" \
	"$PWD" "$PWD/.." / /home /root /var /srv /mnt /opt /etc /tmp /run /media /dev/shm; do
	grep -rIsF -e CANARY- "$d"; done 2>/dev/null | cut -c1-300 | head -300'
for f in $FLAVOURS; do
	ga "$f" -- bash -c "$SEARCH"
	a_clean "[$f] grep -r over \$HOME, the project and / finds no secret"
done

# --- an O_PATH descriptor (opened without read permission) reopened for reading through /proc/self/fd
for f in $STATIC_FLAVOURS; do
	ga "$f" -- sh -c '"$1" opath-reopen "$HOME/.ssh/id_rsa"; "$1" opath-reopen .env' sh "$ATTACK"
	a_refused "[$f] static: O_PATH .env, reopen /proc/self/fd/N for reading is refused" "reopen /proc/self/fd/N"
	a_clean "[$f] static: O_PATH .env and ~/.ssh/id_rsa + reopen leak nothing"
done
for f in $FLAVOURS; do
	ga "$f" -- python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_PATH)
print(open("/proc/self/fd/%d" % fd).read())' secrets/db.txt
	a_clean "[$f] python: O_PATH secrets/db.txt + reopen leaks nothing"
done

# --- an O_PATH descriptor given a new name (linkat AT_EMPTY_PATH), a plain hard link: a copy of the secret under
# an innocent name would be read now, or left in the project for a later `git add -A` outside
for f in $STATIC_FLAVOURS; do
	ga "$f" -- sh -c '"$1" opath-link .env "src/notes-$2.txt"; "$1" opath-link .env "notes-$2.txt"' sh "$ATTACK" "$f"
	a_clean "[$f] static: linkat(O_PATH of .env) into src/ or beside it, then read, leaks nothing"
	a_no_copies "[$f] ... and leaves no new name for .env in the project (a later git add -A outside would publish it)"
done
for f in $FLAVOURS; do
	ga "$f" -- ln .env "innocent-$f.txt"
	a_no_copies "[$f] ln .env innocent.txt leaves no hard link to .env in the project"
done

# --- openat2 with RESOLVE_* flags (rawops_static openat2 DIR REL FLAGS)
for f in $STATIC_FLAVOURS; do
	ga "$f" -- sh -c '"$1" openat2 / "$PWD/.env" in_root; "$1" openat2 /proc/self/cwd .env no_symlinks
		"$1" openat2 "$PWD" secrets/db.txt no_xdev; "$1" openat2 "$PWD" .env.local cached
		"$1" openat2 "$HOME/.ssh" id_rsa beneath' sh "$RAWOPS"
	a_clean "[$f] openat2 with RESOLVE_IN_ROOT, through /proc/self/cwd, NO_XDEV, CACHED, BENEATH leaks nothing"
done

# --- other ways to move bytes: mmap, sendfile, copy_file_range, splice (static and python)
for f in $STATIC_FLAVOURS; do
	ga "$f" -- sh -c '"$1" mmap .env; "$1" sendfile config/server.pem; "$1" copy .env.local src/cfr-copy; cat src/cfr-copy
		"$1" splice secrets/db.txt' sh "$ATTACK"
	a_clean "[$f] static: mmap, sendfile, copy_file_range into the project, splice of secrets leak nothing"
done
for f in $FLAVOURS; do
	ga "$f" -- python3 -c 'import mmap, os, shutil, sys
for p in (".env", "config/server.pem"):
    try:
        with open(p, "rb") as fh:
            print(mmap.mmap(fh.fileno(), 0, prot=mmap.PROT_READ)[:].decode())
    except OSError as e: print("mmap", p, e)
try:
    fd = os.open(".env", os.O_RDONLY); os.sendfile(1, fd, 0, 4096)
except OSError as e: print("sendfile", e)
try:
    shutil.copyfile(".env.local", "src/py-copy"); print(open("src/py-copy").read())
except OSError as e: print("copyfile", e)
try:
    r, w = os.pipe(); fd = os.open("secrets/db.txt", os.O_RDONLY); os.splice(fd, w, 4096); print(os.read(r, 4096))
except (OSError, AttributeError) as e: print("splice", e)'
	a_clean "[$f] python: mmap/sendfile/copyfile/splice of secrets leak nothing"
	a_no_copies "[$f] ... and leave no copy in the project"
done
rm -f src/cfr-copy src/py-copy

# --- a symlink race: one thread flips a link between src/main.c and the secret while another opens it
for f in $STATIC_FLAVOURS; do
	ga "$f" -- "$ATTACK" race .env src/main.c 0.5
	a_clean "[$f] static: symlink race src/main.c <-> .env leaks nothing"
	case $f in
	ll*)
		# Landlock-only mode refuses creating anything in a directory that holds a secret, so the race's link
		# can't even be made: check that refusal instead of the decoy read.
		gr --no-userns -- ln -s src/main.c race-probe-link
		t_refused "[$f] ... the race can't be staged: no link can be made beside the secret"
		rm -f race-probe-link ;;
	*) t_has "[$f] ... and the race really ran (read the decoy)" "$(canary main_c)" "$OUT" ;;
	esac
done

# --- move the directory that holds a covered secret, or swap it with a fresh one, then read through the new name
pem=$(cat config/server.pem)
for f in $FLAVOURS; do
	ga "$f" -- sh -c 'mv config cfg-moved && cat cfg-moved/server.pem'
	a_clean "[$f] mv config (holding server.pem) then read leaks nothing"
	ga "$f" -- sh -c 'mkdir -p fresh && "$1" exchange config fresh; cat fresh/server.pem config/server.pem' sh "$RAWOPS"
	a_clean "[$f] RENAME_EXCHANGE of config/ with a fresh dir then read leaks nothing"
	# whatever happened, put the world back for the next attack (and say so)
	[ -d cfg-moved ] && mv cfg-moved config
	[ -f fresh/server.pem ] && { rm -rf config.tmp; mv config config.tmp; mv fresh config; mv config.tmp fresh; }
	rm -rf fresh
done
t_eq "config/server.pem is still where it was" "$pem" "$(cat config/server.pem 2>/dev/null)"

# --- copy or archive everything: cp -r, tar, and git
for f in $FLAVOURS; do
	ga "$f" -- sh -c 'cp -r . "$TMPDIR/copy" 2>/dev/null; grep -rF CANARY- "$TMPDIR/copy"; cp -a "$HOME" "$TMPDIR/home" 2>/dev/null
		grep -rF CANARY- "$TMPDIR/home"; { tar cf - .; tar cf - -C "$HOME" .; } 2>/dev/null | grep -aoE "CANARY-[A-Za-z0-9_-]+"'
	a_clean "[$f] cp -r and tar of the project and of \$HOME leak nothing"
	ga "$f" -- sh -c 'git add -A 2>&1; git show :.env :.env.local :config/server.pem :secrets/db.txt 2>&1
		git stash push -u -m attack 2>&1; git stash show -p --include-untracked 2>&1; git stash pop 2>&1; true'
	a_clean "[$f] git add -A + git show :.env / git stash -u leaks nothing"
	a_git_clean "[$f] ... and no git object holds a secret"
	# (Landlock-only mode leaves a stale .git/index.lock behind: damage.sh reports that; clear it here)
	rm -f .git/index.lock
	git reset -q >/dev/null 2>&1
	git stash list 2>/dev/null | grep -q attack && git stash pop -q >/dev/null 2>&1
	t_eq "[$f] ... and .env is intact" "API_KEY=$(canary env)" "$(cat .env 2>/dev/null)"
done

# --- other processes: the user's shell (a process outside holding the token in its environment, a canary on
# its command line and .env open on fd 5), the supervisor (guard itself), the sandbox's init
start_outside USER_PID bash -c 'exec 5<.env; exec -a "$0" sleep 120' "sleep-$(canary cmdline)"
sleep 0.2
env_start=$(awk '{print $48}' "/proc/$USER_PID/stat" 2>/dev/null)
env_hex=$(printf '%x' "${env_start:-0}")
for f in $FLAVOURS; do
	ga "$f" -- sh -c 'tr "\0" "\n" < /proc/$1/environ; cat /proc/$1/fd/5; echo @@CMDLINE@@; tr "\0" " " < /proc/$1/cmdline' \
		sh "$USER_PID"
	all=$OUT
	OUT=${all%%@@CMDLINE@@*}
	SECRET_NAMES=${SECRET_NAMES/ cmdline/} a_clean "[$f] /proc/<user's shell>/environ and /fd/5 (.env open outside) leak nothing"
	OUT=${all#*@@CMDLINE@@}
	maybe_todo '[ "${f%-raw}" = ll ]' "Landlock-only mode has no PID namespace: host command lines are visible (README)" \
		eval 'SECRET_NAMES=cmdline a_clean "[$f] /proc/<user'"'"'s shell>/cmdline is not visible"'
	OUT=$all
done
for f in $STATIC_FLAVOURS; do
	ga "$f" -- sh -c '"$1" mem "$2" "$3"; "$1" vmread "$2" "$3"; "$1" pidfd-getfd "$2" 5' sh "$ATTACK" "$USER_PID" "$env_hex"
	a_clean "[$f] static: /proc/<user's shell>/mem, process_vm_readv at its environment, pidfd_getfd of its fd 5 leak nothing"
	# the supervisor: guard's own environment still holds the token (it drops it for the sandbox only)
	ga "$f" -- python3 -c 'import os
pp = os.getppid()
for name in ("environ", "cmdline"):
    try: print(name, open("/proc/%d/%s" % (pp, name), "rb").read().replace(b"\0", b" ").decode())
    except OSError as e: print(name, e)
try:
    st = open("/proc/%d/stat" % pp).read().rsplit(")", 1)[1].split()
    start, end = int(st[45]), int(st[46])
    with open("/proc/%d/mem" % pp, "rb") as m:
        m.seek(start); print("mem", m.read(end - start).replace(b"\0", b" ").decode(errors="replace"))
except (OSError, ValueError, IndexError) as e: print("mem", e)'
	a_clean "[$f] the parent's (init's or supervisor's) environ, cmdline and memory leak nothing"
done
for f in $NS_FLAVOURS; do
	ga "$f" -- python3 -c 'import re
try:
    maps = open("/proc/1/maps").read()
except OSError as e: maps = ""; print("maps", e)
try:
    with open("/proc/1/mem", "rb") as m:
        for l in maps.splitlines():
            a, b = [int(x, 16) for x in l.split()[0].split("-")]
            if "rw" in l.split()[1]:
                try: m.seek(a); print(m.read(min(b - a, 1 << 22)).replace(b"\0", b" ").decode(errors="replace"))
                except OSError: pass
except OSError as e: print("mem", e)
print(open("/proc/1/environ", "rb").read())'
	a_clean "[$f] the sandbox's init: /proc/1/environ and every writable page of /proc/1/mem leak nothing"
done

# --- the environment: variables that hold credentials, exported before guard run
declare -A ENVV=(
	[OPENAI_API_KEY]=$(canary env_token)-1 [ANTHROPIC_API_KEY]=$(canary env_token)-2 [HF_TOKEN]=$(canary env_token)-3
	[AWS_SECRET_ACCESS_KEY]=$(canary env_token)-4 [DATABASE_URL]="postgres://app:$(canary env_token)-5@db/app"
	[REDIS_URL]="redis://:$(canary env_token)-6@cache:6379" [PGPASSWORD]=$(canary env_token)-7
	[NPM_CONFIG__AUTH]=$(canary env_token)-8 [GOOGLE_API_KEY]=$(canary env_token)-9
	[TF_VAR_db_password]=$(canary env_token)-10 [VAULT_TOKEN]=$(canary env_token)-11
)
# Password-manager session keys unlock a whole vault; a CI registry login carries a password.
declare -A MOREV=([BW_SESSION]=bw [OP_SESSION_my]=op [DOCKER_AUTH_CONFIG]=docker)
for v in "${!ENVV[@]}"; do export "$v=${ENVV[$v]}"; done
export BW_SESSION="$(canary pm_token)-bw" OP_SESSION_my="$(canary pm_token)-op" \
	DOCKER_AUTH_CONFIG="{\"auths\":{\"r\":{\"auth\":\"$(canary pm_token)-docker\"}}}"
# (the launcher builds the environment; the shim changes nothing in it: once per mode)
for f in $STATIC_FLAVOURS; do
	ga "$f" -- sh -c 'env; tr "\0" "\n" < /proc/self/environ; python3 -c "import os; print(dict(os.environ))"'
	a_clean "[$f] credentials in the environment (${!ENVV[*]}) do not reach the sandbox"
	for v in "${!MOREV[@]}"; do
		line=$(printf '%s\n' "$OUT" | grep -F -- "$(canary pm_token)-${MOREV[$v]}" | head -1)
		if [ -z "$line" ]; then _t_result 0 "[$f] $v does not reach the sandbox"
		else _t_result 1 "[$f] $v does not reach the sandbox" "inside: $line" "command: $G_CMD"; fi
	done
done
unset BW_SESSION OP_SESSION_my DOCKER_AUTH_CONFIG
for v in "${!ENVV[@]}"; do unset "$v"; done

# --- guard's own state: earlier sessions' logs (a secret on an earlier command line) and the user's guard
# configuration, even when the user grants the trees they live in
add_secret sessionlog
add_secret userconfig
gr -- true "$(canary sessionlog)"
user_config "# $(canary userconfig)
files: {}"
for f in $STATIC_FLAVOURS; do
	for grant in "$XDG_STATE_HOME" "$HOME"; do
		ga "$f" --allow-read "$grant" -- sh -c 'grep -rF CANARY- "$1" 2>/dev/null; cat "$1"/guard/config.yaml "$1"/guard/trusted "$1"/guard/sessions/*/* 2>/dev/null' sh "$grant"
		# (granting all of $HOME grants ~/Documents too: only guard's own state must stay out of reach)
		SECRET_NAMES="sessionlog userconfig" a_clean "[$f] with --allow-read ${grant/#"$HOME"/\~}: guard's sessions and config stay unreadable"
	done
done
rm -f "$XDG_CONFIG_HOME/guard/config.yaml"

# --- the mount table names every cover's source and every bound tree: open each of them
MOUNTS='while read -r _ _ _ root point _; do
	[ "$root" = / ] || [ "$root" = "$point" ] && continue
	for p in "$root" "/run$root" "$(dirname "$root")"; do
		if [ -d "$p" ]; then ls -la "$p" 2>/dev/null | head -20; else head -c 2000 "$p" 2>/dev/null; fi
	done
done < /proc/self/mountinfo
ls -la /run /run/.guard-cover /run/guard /proc/1/root/run/.guard-cover 2>&1
cat /run/.guard-cover/file /proc/1/root/run/.guard-cover/file 2>&1
chmod 644 /run/.guard-cover/file 2>&1 && echo CHMOD-OK'
for f in $FLAVOURS; do
	ga "$f" -- bash -c "$MOUNTS"
	a_clean "[$f] following /proc/self/mountinfo to cover sources and bound trees leaks nothing"
	t_lacks "[$f] ... and the cover source cannot be chmod-ed" "CHMOD-OK" "$OUT"
done

# --- take a cover away: umount2 (plain, MNT_DETACH, MNT_FORCE), umount(8), a user namespace, the new mount API
for f in $FLAVOURS; do
	ga "$f" -- sh -c 'umount -l "$PWD/.env" 2>&1; umount "$PWD/secrets" 2>&1; cat .env secrets/db.txt
		unshare -Urm sh -c "umount -l \"$PWD/.env\"; cat \"$PWD/.env\"" 2>&1'
	a_clean "[$f] umount -l .env, umount secrets/, unshare -Urm + umount: nothing leaks"
done
for f in $STATIC_FLAVOURS; do
	ga "$f" -- sh -c 'for fl in 0 detach force; do "$1" umount "$PWD/.env" $fl; done; cat .env
		"$1" open-tree "$PWD/config" "$PWD/src"; cat src/server.pem; "$1" int80 umount "$PWD/.env"; cat .env' sh "$ATTACK"
	a_refused "[$f] static: umount2(.env, MNT_DETACH) is refused" "umount2"
	a_refused "[$f] static: open_tree(OPEN_TREE_CLONE) of config/ is refused" "open_tree CLONE"
	a_clean "[$f] ... and umount2, open_tree, umount through int 0x80 leak nothing"
done

# --- a host process's POSIX shared memory (/dev/shm/NAME, what shm_open makes: browsers, editors, audio servers)
add_secret shm
shmfile=/dev/shm/guard-attack-$RUN_ID
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	_put "$shmfile" "$(canary shm)"
	chmod 600 "$shmfile"
	at_exit "rm -f '$shmfile'"
	for f in $STATIC_FLAVOURS; do
		ga "$f" -- sh -c 'ls -la /dev/shm; cat /dev/shm/guard-attack-* /dev/shm/* 2>&1 | head -50'
		a_clean "[$f] a host process's shared memory in /dev/shm is not readable"
	done
else
	t_skip "a host process's shared memory in /dev/shm is not readable" "no writable /dev/shm on this host"
fi

# --- as root, a file only root may read: the sandbox's root drops its capabilities, but owner permissions remain
if is_root; then
	wgdir=/etc/wireguard
	[ -d $wgdir ] || { mkdir -p $wgdir && chmod 700 $wgdir && at_exit "rmdir $wgdir"; }
	wgconf=$wgdir/guard-attack-$RUN_ID.conf
	add_secret wireguard
	_put "$wgconf" "[Interface]
PrivateKey = $(canary wireguard)"
	chmod 600 "$wgconf"
	at_exit "rm -f '$wgconf'"
	for f in $STATIC_FLAVOURS; do
		ga "$f" -- cat "$wgconf"
		a_clean "[$f] as root: a root-only (0600) key under /etc ($wgconf) is not readable"
	done
else
	t_skip "as root: a root-only key under /etc is not readable" "not root: such a file is unreadable to this user anyway"
fi

# --- a secret that was committed before the session: its content lives in .git/objects under a hash
rm -f .git/index.lock
git add -f .env.local && git commit -qm "oops" || t_diag "could not commit .env.local"
for f in $STATIC_FLAVOURS; do
	ga "$f" -- git show HEAD:.env.local
	todo "a secret committed to git lives in .git/objects (content, not name): out of reach of a name-based policy" \
		a_clean "[$f] git show HEAD:.env.local (committed earlier) leaks nothing"
done

t_done
