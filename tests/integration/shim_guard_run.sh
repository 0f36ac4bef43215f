#!/usr/bin/env bash
# The shim inside real `guard run` sessions: the kernel refuses, the program's own stderr carries guard's one-line
# explanation (once per session, path and reader: shim_reader.sh), quiet mode silences it, and ordinary programs run exactly as without
# it. (Unit-level checks of the shim: tests/unit/test_shim.c.)
. "$(dirname "$0")/../lib.sh"
needs python3 make cc
setup_world

G_LINE='^guard: denied read of \.env by files\.deny "\.env" \(rules/default\.yaml:[0-9]+:[0-9]+\) — sandbox policy, '
G_LINE+='not a file permission problem; don.t retry\. To allow: guard run --deny .!'

gr -- cat .env
t_rc "cat .env: cat's own status" 1
t_match "cat .env: guard's line names the rule and its file:line:col" "$G_LINE" "$ERR"
t_match "cat .env: cat's own error follows" 'cat: \.env: Permission denied' "$ERR"
t_eq "cat .env: exactly one guard line" 1 "$(grep -c '^guard: denied' <<<"$ERR")"
t_lacks "cat .env: no secret" "$(canary env)" "$OUT$ERR"

gr -- python3 -c '
import os
for i in range(3):
    try: open(".env").read()
    except PermissionError as e: print("errno", e.errno)
os.system("cat .env")'
t_match "python3: three refusals, errno 13 each" '^errno 13.errno 13.errno 13$' "$(tr '\n' . <<<"$OUT" | sed 's/\.$//')"
t_eq "python3: one line for its three attempts and cat's (another process, the same stderr)" 1 \
	"$(grep -c '^guard: denied read of \.env' <<<"$ERR")"

gr --quiet -- cat .env
t_rc "--quiet: status unchanged" 1
t_lacks "--quiet: no guard line" "guard: denied" "$ERR"
t_match "--quiet: the program's error still shows" 'Permission denied' "$ERR"

gr -- env GUARD_QUIET=1 cat .env
t_lacks "GUARD_QUIET=1 set inside: no guard line from that program" "guard: denied read" "$ERR"

gr -- sh -c 'echo x >> .git/config'
t_ne "write to .git/config fails" 0 "$RC"
P_LINE='^guard: denied write of \.git/config by files\.protect "\.git/config" '
P_LINE+='\(rules/default\.yaml:[0-9]+:[0-9]+\) — read-only by policy'
t_match "write to .git/config: explained by files.protect" "$P_LINE" "$ERR"

gr -- ls "$HOME/Documents"
t_ne "ls ~/Documents fails" 0 "$RC"
t_match "ls ~/Documents: not granted, home is deny-by-default" \
	"^guard: denied read of $HOME/Documents — not granted by the policy \(home is deny-by-default\)" "$ERR"

gr -- cat secrets/db.txt
t_match "a file below a denied directory: re-allow the directory" "guard run --deny '!$PROJECT/secrets/'" "$ERR"

# A file the policy grants but its mode forbids (capabilities are dropped, also for root): not guard's doing.
printf 'mine\n' >locked.txt
chmod 000 locked.txt
gr -- cat locked.txt
t_rc "mode 000 file: cat fails" 1
t_match "mode 000 file: Permission denied" 'Permission denied' "$ERR"
t_lacks "mode 000 file: not blamed on guard" "guard: denied" "$ERR"
chmod 644 locked.txt

# Ordinary work: no message, statuses and output as without the shim.
printf 'all:\n\t@echo built\n' >Makefile
printf 'int main(void) { return 3; }\n' >three.c
gr -- sh -c 'git status --porcelain >/dev/null && make -s && cc -o three three.c && ./three; echo "rc=$?"'
t_rc "build tools under the shim: exit 0" 0
t_match "make and a compiled program ran" 'built' "$OUT"
t_match "the compiled program's status came back" 'rc=3' "$OUT"
# git walks into the covered secrets/ directory: that refusal is guard's and is explained; nothing else is.
t_match "git status meets secrets/: explained" '^guard: denied read of secrets by files\.deny "secrets/"' "$ERR"
t_lacks "build tools: no other guard line" "guard: denied" "$(grep -v '^guard: denied read of secrets ' <<<"$ERR")"

gr -- env -i /bin/sh -c 'cat .env; exit 0'
t_match "env -i: the shim is still there to explain" '^guard: denied read of \.env' "$ERR"

# LD_PRELOAD splits on spaces and colons: a shim under such a path (a checkout in "~/my src") must still load, in
# Landlock-only mode too, where the sandbox sees the host's paths.
spaced="$T_WORK/a b:c"
mkdir -p "$spaced"
cp "$(dirname "$GUARD")/libguard.so" "$spaced/"
chmod -R a+rX "$T_WORK"
for mode in namespaces landlock-only; do
	opts=()
	if [ $mode = landlock-only ]; then
		if [ "$(landlock_abi)" -lt 1 ]; then
			t_skip_n 2 "shim under a spaced path, $mode" "Landlock is not available in this kernel"
			continue
		fi
		opts=(--no-userns)
	fi
	GUARD_LIBRARY="$spaced/libguard.so" gr "${opts[@]}" -- cat .env
	t_match "shim under a path with a space and a colon, $mode: guard's line" '^guard: denied read of \.env' "$ERR"
	t_lacks "shim under a path with a space and a colon, $mode: ld.so loaded it" "cannot be preloaded" "$ERR"
done

t_done
