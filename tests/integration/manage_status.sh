#!/usr/bin/env bash
# guard status: profile and why, project, the project file's trust state, rule counts per file, the mode; its
# exit status says whether `guard run` would start.
. "$(dirname "$0")/../lib.sh"
setup_world
PF=$PROJECT/.guard.yaml

g status
t_rc "status with no project file: 0" 0
t_match "profile default when no command is given" '^profile: +default ' "$OUT"
t_match "the project" "^project: +$PROJECT\$" "$OUT"
t_match "no project file: says guard init writes one" '^project file: .*absent \(guard init' "$OUT"
t_match "the user config, absent" 'user config: .*config\.yaml \(absent\)' "$OUT"
t_match "counts for rules/default.yaml" '^  rules/default\.yaml \(profile\) +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+' "$OUT"
t_match "a total line" '^  total +[0-9]+' "$OUT"
t_match "the mode guard run would use" '^mode: +(namespaces|landlock-only|none)' "$OUT"
if have_userns && [ "$(landlock_abi)" -ge 1 ]; then
	t_match "user namespaces here: namespaces mode" '^mode: +namespaces' "$OUT"
	g status --no-userns
	t_match "--no-userns: landlock-only" '^mode: +landlock-only' "$OUT"
else
	t_skip "namespaces mode" "no user namespaces or no Landlock here"
	t_skip "--no-userns: landlock-only" "no user namespaces or no Landlock here"
fi

project_config 'files:
  deny: [a.txt, b.txt]
  protect: [Makefile]'
g status
t_match "a tightening project file applies without trust" 'only tightens the policy' "$OUT"
t_match "the project file's counts: 0 read, 0 write, 2 deny, 1 protect" '\.guard\.yaml \(project\) +0 +0 +2 +1 ' "$OUT"
t_rc "... exit 0" 0

project_config 'files:
  deny: [a.txt]
  read: ["~/Documents"]'
g status
t_rc "an untrusted loosening project file: exit 1" 1
t_match "... UNTRUSTED, with what loosens and where" 'UNTRUSTED: it loosens the policy \(files\.read "~/Documents" grants access, line 3:' "$OUT"
t_match "... and how to fix it" 'guard trust' "$OUT"
g trust
g status
t_rc "after guard trust: exit 0" 0
t_match "... trusted" 'trusted \(this exact content\)' "$OUT"
printf '# edit\n' >>"$PF"
g status
t_match "after an edit: changed since trusted" 'changed since you trusted it' "$OUT"
project_config 'files:
  raed: [x]'
g status
t_rc "a project file that does not load: exit 1" 1
t_match "... says where" 'does not load: 2:3: ' "$OUT"
rm -f "$PF"

g status --profile codex
t_match "--profile: named as such" '^profile: +codex \(--profile\)' "$OUT"
t_match "... and its file counted" 'rules/codex\.yaml \(profile\)' "$OUT"
g status -- npx @google/gemini-cli
t_match "-- CMD: the profile the command chooses" '^profile: +gemini \(chosen by the package "@google/gemini-cli" run by npx\)' "$OUT"
g status --profile nope
t_rc "an unknown profile: exit 1" 1

# deny net of a host a profile allows: explained, nothing written
g deny --profile claude-code net api.anthropic.com
t_rc "deny net of a profile's host: exit 0" 0
t_match "... names the profile line that allows it" 'rules/claude-code\.yaml:[0-9]+:[0-9]+ \(profile\) allows it' "$OUT"
t_true "... and writes nothing" ! -e "$PF"

t_done
