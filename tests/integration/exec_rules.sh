#!/usr/bin/env bash
# Exec rules (issue 5): exec.deny by name, by absolute path, from a script, from python, subcommand rules, the
# --deny-exec flag, `guard explain --op exec`, the trust gate for '!' re-allows, and bad entries. Each denial
# must name the rule with its FILE:LINE:COL and exit 126; a program no rule names runs as before. Both modes
# (namespaces: covers + shim; Landlock-only: shim) where the machine has them. The attack-side view of the same
# rules is tests/attacks/exec.sh.
. "$(dirname "$0")/../lib.sh"
setup_world
UCONF=$XDG_CONFIG_HOME/guard/config.yaml

needs curl python3
CURL=$(command -v curl)
BANNER='^curl [0-9]+\.[0-9]+'
MSG='guard: curl is denied by exec\.deny "curl" \(.*/guard/config\.yaml:3:7\) — sandbox policy, don'"'"'t retry'
SUBMSG='guard: git push --force is denied by exec\.deny "git push --force" \(.*/guard/config\.yaml:4:7\)'
user_config 'exec:
  deny:
    - curl
    - "git push --force"'

cat >"$PROJECT/fetch.sh" <<'EOS'
#!/bin/sh
curl --version
echo "script-rc=$?"
EOS
chmod +x "$PROJECT/fetch.sh"

ATTACK=$(helper attack_static)
OBS=
"$GUARD" doctor 2>/dev/null | grep -q 'user notification: yes' && OBS=1
MODES="ll"
have_userns && MODES="ns ll"
for m in $MODES; do
	opt=()
	[ "$m" = ll ] && opt=(--no-userns)

	gr "${opt[@]}" -- curl --version
	t_rc "[$m] curl by name: refused before launch, exit 126" 126
	t_match "[$m] curl by name: the message names the rule and its file:line:col" "$MSG" "$ERR"
	t_nomatch "[$m] curl by name: curl did not run" "$BANNER" "$OUT"

	gr "${opt[@]}" -- "$CURL" --version
	t_rc "[$m] curl by absolute path: exit 126" 126
	t_match "[$m] curl by absolute path: the message names the rule" "$MSG" "$ERR"

	gr "${opt[@]}" -- sh -c 'curl --version; echo "rc=$?"; "$1" --version; echo "rc=$?"' sh "$CURL"
	t_nomatch "[$m] from a shell: curl did not run" "$BANNER" "$OUT"
	t_match "[$m] from a shell: by name exits 126" '^rc=126' "$OUT"
	t_eq "[$m] from a shell: by name and by path both refused" 2 "$(grep -c '^rc=126' <<<"$OUT")"
	t_match "[$m] from a shell: the message names the rule" "$MSG" "$ERR"

	gr "${opt[@]}" -- ./fetch.sh
	t_nomatch "[$m] from a script: curl did not run" "$BANNER" "$OUT"
	t_match "[$m] from a script: exit 126 inside" '^script-rc=126' "$OUT"
	t_match "[$m] from a script: the message names the rule" "$MSG" "$ERR"

	gr "${opt[@]}" -- python3 -c 'import subprocess
try:
    subprocess.run(["curl", "--version"])
except PermissionError as e:
    print("python-eacces", e.errno)'
	t_nomatch "[$m] from python: curl did not run" "$BANNER" "$OUT"
	t_match "[$m] from python: subprocess gets EACCES" '^python-eacces 13' "$OUT"
	t_match "[$m] from python: the message names the rule" "$MSG" "$ERR"

	gr "${opt[@]}" -- sh -c 'ln -s "$1" "$TMPDIR/fetcher" && "$TMPDIR/fetcher" --version; echo "rc=$?"' sh "$CURL"
	t_nomatch "[$m] a symlink under another name: curl did not run" "$BANNER" "$OUT"
	t_match "[$m] a symlink under another name: exit 126" '^rc=126' "$OUT"

	# subcommand rules: the words in order among the arguments
	gr "${opt[@]}" -- git push --force origin main
	t_rc "[$m] git push --force: refused before launch, exit 126" 126
	t_match "[$m] git push --force: the message names the rule" "$SUBMSG" "$ERR"
	gr "${opt[@]}" -- sh -c 'git -c core.x=y push origin --force; echo "rc=$?"'
	t_match "[$m] git -c ... push origin --force from a shell: refused (126)" '^rc=126' "$OUT"
	t_match "[$m] git push ... --force from a shell: the message names the rule" "$SUBMSG" "$ERR"
	gr "${opt[@]}" -- sh -c 'git status --short >/dev/null; echo "status-rc=$?"; git push --force-with-lease 2>/dev/null; echo "lease-rc=$?"'
	t_match "[$m] git status still runs" '^status-rc=0' "$OUT"
	t_nomatch "[$m] --force-with-lease is another word: not refused by the rule" '^lease-rc=126' "$OUT"
	t_nomatch "[$m] git status: no exec.deny message" 'exec\.deny' "$ERR"

	gr "${opt[@]}" -- sh -c 'echo ok'
	t_match "[$m] a program no rule names runs" '^ok$' "$OUT"

	gr "${opt[@]}" --deny-exec wget --deny-exec "sed -n" -- sh -c 'sed -n 1p /dev/null; echo "sed-rc=$?"; sed -e 1p /dev/null; echo "sed2-rc=$?"'
	t_match "[$m] --deny-exec \"sed -n\": sed -n refused" '^sed-rc=126' "$OUT"
	t_match "[$m] --deny-exec \"sed -n\": sed -e still runs" '^sed2-rc=0' "$OUT"
	t_match "[$m] --deny-exec: the message names the flag" 'exec\.deny "sed -n" \(--deny-exec\)' "$ERR"

	# a static binary's raw execve: the stub (namespaces) or the observer (Landlock-only) refuses it
	if [ -n "$ATTACK" ] && { [ "$m" = ns ] || [ -n "$OBS" ]; }; then
		gr "${opt[@]}" -- "$ATTACK" exec "$CURL" --version
		t_nomatch "[$m] static raw execve of curl: curl did not run" "$BANNER" "$OUT"
		t_match "[$m] static raw execve of curl: the message names the rule" "$MSG" "$ERR"
	else
		t_skip_n 2 "[$m] static raw execve of curl" "no static helper, or no observer (seccomp user notification)"
	fi
	if [ -n "$ATTACK" ] && [ -n "$OBS" ]; then
		gr "${opt[@]}" -- "$ATTACK" exec "$(command -v git)" push --force
		t_match "[$m] static raw execve of git push --force: refused by the observer" 'RESULT execve: EACCES' "$OUT"
		t_match "[$m] static raw execve of git push --force: the message names the rule" "$SUBMSG" "$ERR"
	else
		t_skip_n 2 "[$m] static raw execve of git push --force" "no static helper, or no observer"
	fi

	gr "${opt[@]}" --quiet -- sh -c 'curl --version; echo "rc=$?"'
	t_match "[$m] --quiet: still refused" '^rc=126' "$OUT"
	t_nomatch "[$m] --quiet: no message" 'exec\.deny' "$ERR"
done

# explain
g explain --op exec "$CURL"
t_match "explain --op exec names the rule" 'exec\.deny "curl" .*/guard/config\.yaml:3:7' "$OUT"
t_match "explain --op exec says how to allow" 'guard allow exec curl' "$OUT"

# policy
g policy
t_match "guard policy lists exec.deny with provenance" 'git push --force +.*/guard/config\.yaml:4:7' "$OUT"

# an untrusted project file may add exec rules but not re-allow
project_config 'exec:
  deny: [wget]'
gr -- sh -c 'echo ran'
t_match "a project file adding exec.deny is accepted untrusted" '^ran$' "$OUT"
project_config 'exec:
  deny: ["!curl"]'
gr -- sh -c 'echo ran'
t_rc "a project file re-allowing curl is refused untrusted" 125
t_match "the refusal names the re-allow" 're-allows a denied program' "$ERR"
rm -f "$PROJECT/.guard.yaml"

# bad entries stop everything with FILE:LINE:COL
user_config 'exec:
  deny: [/usr/bin/curl]'
gr -- true
t_rc "a path in exec.deny: exit 125" 125
t_match "a path in exec.deny: file:line:col and a hint" 'config\.yaml:2:10: .*not a command name.*curl, not /usr/bin/curl' "$ERR"
user_config 'exec:
  deny: ["cu*"]'
gr -- true
t_rc "a glob in exec.deny: exit 125" 125

t_done
