#!/usr/bin/env bash
# Exec rules (issue 5): with `exec.deny: [curl]`, curl must not run, whatever the door: its name, its absolute
# path, a copy, a symlink, python's subprocess, a static binary's raw execve, the dynamic loader (which maps the
# program without executing it), a memfd. The harness decides from the output: curl's version banner means it ran.
# Exec rules are not enforced yet: every check is an expected failure until they are, and turns into a plain pass
# by itself once it holds ("ok ... # TODO").
. "$(dirname "$0")/common.bash"

WHY="exec rules not implemented (issue 5)"
CURL=$(command -v curl || true)
if [ -z "$CURL" ]; then
	t_skip "exec rules: curl denied by every door" "curl is not installed here (the attacks need a real program to deny)"
	t_done
fi
BANNER='^curl [0-9]+\.[0-9]+'
user_config 'exec:
  deny: [curl]'

# ran_not DESC: curl's banner is not in the output (the guard run itself must have started: not guard's own error)
ran_not() {
	if ! g_ran && [ "$RC" != 126 ] && [ "$RC" != 127 ]; then
		_t_result 1 "$1" "the attack did not run" "$(_t_last)"
		return
	fi
	t_out_nomatch "$1" "$BANNER"
}

LOADER=$(ls /lib64/ld-linux-x86-64.so.2 /lib/ld-linux-aarch64.so.1 2>/dev/null | head -1)
for f in $FLAVOURS; do
	ga "$f" -- curl --version
	todo "$WHY" ran_not "[$f] curl by name does not run"
	ga "$f" -- "$CURL" --version
	todo "$WHY" ran_not "[$f] curl by absolute path does not run"
	ga "$f" -- sh -c 'cp "$1" "$TMPDIR/c" && "$TMPDIR/c" --version; cp "$1" ./src/c2 && ./src/c2 --version' sh "$CURL"
	todo "$WHY" ran_not "[$f] a copy of curl in \$TMPDIR or the project does not run"
	ga "$f" -- sh -c 'ln -s "$1" "$TMPDIR/notcurl" && "$TMPDIR/notcurl" --version' sh "$CURL"
	todo "$WHY" ran_not "[$f] a symlink to curl under another name does not run"
	ga "$f" -- python3 -c 'import subprocess; subprocess.run(["curl", "--version"]); import os; os.system("curl --version")'
	todo "$WHY" ran_not "[$f] curl from python (subprocess, os.system) does not run"
	ga "$f" -- env curl --version
	todo "$WHY" ran_not "[$f] curl through env(1) does not run"
	if [ -n "$LOADER" ]; then
		ga "$f" -- "$LOADER" "$CURL" --version
		todo "$WHY" ran_not "[$f] curl through the dynamic loader ($LOADER curl) does not run"
	fi
	rm -f src/c2
done
for f in $STATIC_FLAVOURS; do
	ga "$f" -- "$ATTACK" exec "$CURL" --version
	todo "$WHY" ran_not "[$f] static: raw execve of curl does not run"
	ga "$f" -- "$ATTACK" memfd-exec "$CURL" --version
	todo "$WHY" ran_not "[$f] static: curl copied into a memfd and execveat'd does not run"
done

t_done
