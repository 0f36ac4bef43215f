#!/usr/bin/env bash
# Management commands round trip: guard init → deny → allow keeps the file loading, its comments in place, and
# `guard policy` pointing at the new lines; a loosening edit makes the project file untrusted (runs refused until
# guard trust), a tightening edit of a trusted file keeps it trusted; bad input changes nothing and exits 125.
. "$(dirname "$0")/../lib.sh"
setup_world
PF=$PROJECT/.guard.yaml
UCONF=$XDG_CONFIG_HOME/guard/config.yaml

# line_of FILE ENTRY: the line of the list item "- ENTRY" (quoted or not) in FILE.
line_of() {
	grep -nE "^[[:space:]]*-[[:space:]]+[\"']?$(printf '%s' "$2" | sed 's/[.*[\^$]/\\&/g')[\"']?[[:space:]]*(#.*)?\$" "$1" |
		head -1 | cut -d: -f1
}
# policy_points_at DESC ENTRY FILE: `guard policy` shows ENTRY with FILE:LINE:COL of its line in FILE.
policy_points_at() {
	local line
	line=$(line_of "$3" "$2")
	g policy
	t_true "$1 (guard policy: $2 at ${3##*/}:$line)" -n "$line" -a -n "$(printf '%s\n' "$OUT" | grep -F -- "$2" |
		grep -F "$3:$line:")"
}
no_temp_files() { ! ls -a "$1" | grep -q 'guard-'; }

# --- init
g init
t_rc "guard init exits 0" 0
t_true "guard init wrote .guard.yaml" -f "$PF"
t_match "guard init says it applies without trust" 'applies without' "$OUT"
comments=$(grep -c '^ *#' "$PF")
g policy
t_rc "the starter loads" 0
gr -- cat src/main.c
t_allowed "the starter applies untrusted (it only tightens)" "$(canary main_c)"
sum=$(md5sum <"$PF")
g init
t_rc "guard init again: 125" 125
t_match "... says it exists" 'exists' "$ERR"
t_eq "... and leaves the file alone" "$sum" "$(md5sum <"$PF")"

# --- deny
echo "$(canary env)-db" >data.sqlite3
echo "$(canary env)-notes" >notes.txt
g deny read '*.sqlite3' notes.txt
t_rc "guard deny read exits 0" 0
t_match "guard deny says where it wrote" 'added "\*\.sqlite3" to files\.deny \(.*\.guard\.yaml:[0-9]+:[0-9]+\)' "$OUT"
t_eq "comments kept" "$comments" "$(grep -c '^ *#' "$PF")"
policy_points_at "the new deny" '*.sqlite3' "$PF"
policy_points_at "the second new deny" notes.txt "$PF"
gr -- cat data.sqlite3
t_denied "the denied name applies" env
gr -- cat notes.txt
t_denied "the denied file applies" env
g deny exec curl 'git push --force'
t_rc "guard deny exec exits 0" 0
# exec rules are stored as written; `guard policy` lists them once they are enforced.
t_true "exec.deny entry written as a list item" -n "$(line_of "$PF" 'git push --force')"
g policy
t_rc "... and the file loads" 0
g deny write Makefile
t_rc "guard deny write (protect) exits 0" 0
t_match "deny write goes to files.protect" 'to files\.protect' "$OUT"
printf 'all:\n' >Makefile
gr -- sh -c 'echo x >> Makefile'
t_refused "a protected file is read-only"
g deny read notes.txt
t_match "an entry already there: says so" 'already in files\.deny' "$OUT"
t_true "no temporary files left" -z "$(ls -a "$PROJECT" | grep 'guard-')"

# --- allow: loosening makes the file untrusted
g allow read .env
t_rc "guard allow read .env exits 0" 0
t_match "allow read of a denied name re-allows it" 'added "!\.env" to files\.deny' "$OUT"
t_match "... and says the file now needs guard trust" 'loosens the policy.*guard trust' "$OUT"
gr -- sh -c 'touch ran; cat .env'
t_rc "the loosening file is refused before trust: 125" 125
t_true "... nothing ran" ! -e ran
g status
t_match "status: untrusted" 'UNTRUSTED' "$OUT"
t_rc "status exits 1 when guard run would refuse" 1
g trust
gr -- cat .env
t_allowed "after guard trust, .env is readable" "$(canary env)"
g status
t_match "status: trusted" 'loosens the policy, trusted' "$OUT"
t_rc "status exits 0 when guard run would start" 0

# --- a tightening edit keeps a trusted file trusted; a loosening one does not
g deny read .env.local
t_match "tightening a trusted file keeps it trusted" 'stays trusted' "$OUT"
gr -- cat .env
t_allowed "... runs go on" "$(canary env)"
g allow net registry.npmjs.org
t_rc "guard allow net exits 0" 0
policy_points_at_net() {
	local line
	line=$(line_of "$PF" registry.npmjs.org)
	g policy 2>&1
	t_match "allow net: untrusted again, guard policy refuses" 'guard trust' "$ERR"
	t_true "allow net: entry written at line $line" -n "$line"
}
policy_points_at_net
g trust
policy_points_at "network.allow entry" registry.npmjs.org "$PF"

# --- allow undoes this file's own deny; deny undoes this file's own grant
g allow read notes.txt
t_match "allow read removes this file's own deny" 'removed "notes\.txt" from files\.deny' "$OUT"
t_true "... gone from the file" -z "$(line_of "$PF" notes.txt)"
g allow read "$HOME/Documents"
t_match "a path under home is written as ~/..." 'added "~/Documents" to files\.read' "$OUT"
g deny read "$HOME/Documents"
t_match "deny read removes this file's grant" 'removed "~/Documents" from files\.read' "$OUT"
t_match "... and denies it" 'added "~/Documents" to files\.deny' "$OUT"
g deny net registry.npmjs.org
t_match "deny net removes the host" 'removed "registry\.npmjs\.org" from network\.allow' "$OUT"
g deny net example.org
t_match "deny net of a host not listed: explains" 'not in .*network\.allow' "$OUT"
t_rc "... and exits 0" 0
g policy
t_rc "undoing a deny loosens: guard policy refuses until trusted" 125
g trust
g policy
t_rc "after all edits and guard trust the file loads" 0

# --- bad input: 125, the file untouched
sum=$(md5sum <"$PF")
g deny bogus x
t_rc "guard deny bogus: 125" 125
t_match "... names the bad kind and the choices" 'unknown kind "bogus".*read, write, exec or net' "$ERR"
g allow raed x
t_match "a near miss suggests the kind" 'did you mean read' "$ERR"
g deny read 'foo[bar'
t_rc "a bad pattern: 125" 125
t_match "... says what is wrong" 'bad pattern' "$ERR"
g allow write '$NOPE/x'
t_rc "an unknown variable: 125" 125
g deny read
t_rc "no pattern: 125" 125
g allow net 'exa mple.com'
t_rc "a bad host: 125" 125
g deny --frobnicate read x
t_rc "an unknown option: 125" 125
t_eq "bad input left the file as it was" "$sum" "$(md5sum <"$PF")"

# --- a file that does not load is not edited
project_config 'files:
  dney: [x]'
sum=$(md5sum <"$PF")
g deny read y
t_rc "editing a file that does not load: 125" 125
t_match "... with its file:line:col" '\.guard\.yaml:2:3: ' "$ERR"
t_eq "... and the file is untouched" "$sum" "$(md5sum <"$PF")"

# --- a layout the editor cannot splice is rewritten whole, with a backup
project_config '{files: {deny: [a.txt]}}  # flow style'
g deny read b.txt
t_rc "a flow-style file is edited: 0" 0
t_match "... saying its layout was rewritten" 'rewritten whole' "$OUT"
t_true "... keeping the previous version in .guard.yaml.bak" -n "$(grep -F 'flow style' "$PF.bak" 2>/dev/null)"
g policy
t_match "... and both entries are in the policy" 'a\.txt' "$OUT"
t_match "... (the new one too)" 'b\.txt' "$OUT"
rm -f "$PF" "$PF.bak"

# --- a missing project file is created
g deny read x.txt
t_rc "deny with no project file: 0" 0
t_true "... creates .guard.yaml" -f "$PF"
g policy
t_match "... which loads" 'x\.txt +.*\.guard\.yaml:[0-9]+:[0-9]+' "$OUT"
rm -f "$PF"

# --- --global edits the user config, created when missing
rm -f "$UCONF"
g deny --global read '~/Private/'
t_rc "guard deny --global exits 0" 0
t_true "--global creates the user config" -f "$UCONF"
policy_points_at "--global entry in the user config" '~/Private/' "$UCONF"
t_true "--global leaves the project alone" ! -e "$PF"
g allow --global net api.example.com
t_nomatch "--global: no trust talk for the user config" 'guard trust' "$OUT"
g policy
t_rc "--global: the user config loads" 0
t_match "--global: the host is allowed by the user config" 'api\.example\.com +.*config\.yaml:[0-9]+:[0-9]+' "$OUT"

t_done
