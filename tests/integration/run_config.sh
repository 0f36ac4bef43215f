#!/usr/bin/env bash
# Policy sources and their errors: bad input stops everything with FILE:LINE:COL; an untrusted project file may
# only tighten; `guard policy` shows provenance; --dry-run prints the plan and runs nothing.
. "$(dirname "$0")/../lib.sh"
setup_world
UCONF=$XDG_CONFIG_HOME/guard/config.yaml

# expect_config_error DESC FILE-REGEX LINE: the last run exited 125 with "guard: FILE:LINE:COL: ..." and ran
# nothing (the command would have created ./ran).
expect_config_error() {
	t_rc "$1: exit 125" 125
	t_match "$1: message has file:line:col" "^guard: ($2):$3:[0-9]+: " "$ERR"
	t_true "$1: nothing ran" ! -e ran
	rm -f ran
}

# --- malformed input in the user config
user_config 'files:
  deny: [.env, "unclosed
'
gr -- touch ran
expect_config_error "malformed YAML (user config)" ".*/guard/config\.yaml" '[0-9]+'

user_config 'files:
  deny: [x.txt]
  raed: [y.txt]'
gr -- touch ran
expect_config_error "unknown key files.raed" ".*/guard/config\.yaml" 3
t_match "unknown key: the message names it" 'raed' "$ERR"
t_match "unknown key: suggests the nearest (read)" "[^a-z]read[^a-z]|read$" "$ERR"
t_true "unknown key: column is the key's (3)" -n "$(printf '%s\n' "$ERR" | grep -E 'config\.yaml:3:3: ')"

user_config 'filez:
  deny: [x.txt]'
gr -- touch ran
expect_config_error "unknown top-level key filez" ".*/guard/config\.yaml" 1
t_match "unknown top-level key: suggests files" 'files' "$ERR"

user_config 'limits:
  processes: lots'
gr -- touch ran
expect_config_error "wrong type (limits.processes: lots)" ".*/guard/config\.yaml" 2

user_config 'files: [a, b]'
gr -- touch ran
expect_config_error "wrong type (files is a list)" ".*/guard/config\.yaml" 1

user_config 'files:
  deny: ["foo[bar"]'
gr -- touch ran
expect_config_error "bad pattern (unterminated [)" ".*/guard/config\.yaml" 2
t_match "bad pattern: the message says what is wrong" "\[|bracket|class" "$ERR"

user_config 'files:
  deny: ["$NOPE/x"]'
gr -- touch ran
expect_config_error "unknown variable \$NOPE" ".*/guard/config\.yaml" 2
t_match "unknown variable: named in the message" 'NOPE' "$ERR"
rm -f "$UCONF"

# --- the same checks in the project file (errors come before any trust decision)
project_config 'files:
  deny: [x.txt
  '
gr -- touch ran
expect_config_error "malformed YAML (project .guard.yaml)" "[^ ]*\.guard\.yaml" '[0-9]+'
project_config 'files:
  dney: [x.txt]'
gr -- touch ran
expect_config_error "unknown key files.dney (project)" "[^ ]*\.guard\.yaml" 2
t_match "unknown key (project): suggests deny" 'deny' "$ERR"

# flags are checked too
gr --deny 'foo[bar' -- touch ran
t_rc "bad pattern in --deny: exit 125" 125
t_true "bad pattern in --deny: nothing ran" ! -e ran

# --- a project file that only tightens applies without trust
echo "$(canary env)-notes" >notes.txt
rm -f .guard.yaml
gr -- cat notes.txt
t_allowed "control: notes.txt is readable without a project file" "$(canary env)-notes"
project_config 'files:
  deny: [notes.txt]'
gr -- cat notes.txt
t_denied "an untrusted project file that only denies applies (notes.txt denied)" env
gr -- cat src/main.c
t_allowed "... and the rest still works" "$(canary main_c)"

# --- a project file that loosens is refused until trusted, and again after an edit
project_config 'files:
  read: ["~/Documents"]'
gr -- sh -c 'touch ran; cat "$HOME/Documents/private.txt"'
t_rc "an untrusted loosening project file is refused: 125" 125
t_match "the refusal says how: guard trust" 'guard trust' "$ERR"
t_match "the refusal names the file and line" '\.guard\.yaml:2:' "$ERR"
t_true "the refused run ran nothing" ! -e ran
g trust
t_rc "guard trust exits 0" 0
gr -- sh -c 'cat "$HOME/Documents/private.txt"'
t_allowed "after guard trust the loosening applies" "$(canary private_doc)"
printf '# edited\n' >>.guard.yaml
gr -- sh -c 'touch ran; cat "$HOME/Documents/private.txt"'
t_rc "after an edit the file is refused again: 125" 125
t_match "after an edit the refusal says guard trust" 'guard trust' "$ERR"
t_true "after an edit nothing ran" ! -e ran
g trust "$PROJECT/.guard.yaml"
t_rc "guard trust FILE exits 0" 0
gr -- cat "$HOME/Documents/private.txt"
t_allowed "trusted again (explicit FILE)" "$(canary private_doc)"
g untrust
t_rc "guard untrust exits 0" 0
gr -- cat "$HOME/Documents/private.txt"
t_rc "after guard untrust the file is refused again: 125" 125
project_config 'env:
  pass: [GITHUB_TOKEN]'
gr -- true
t_rc "an untrusted project file passing an env variable is refused: 125" 125
project_config 'files:
  deny: ["!.env"]'
gr -- cat .env
t_rc "an untrusted project file re-allowing with ! is refused: 125" 125
t_clean_env=$(canary env)
t_lacks "... and .env did not leak" "$t_clean_env" "$OUT"
# the session log's bounds (issue 13): a project may lower the cap, not raise it or set the margin
project_config 'limits:
  log: 1G'
gr -- sh -c 'touch ran'
t_rc "an untrusted project file raising the log's cap is refused: 125" 125
t_match "... naming limits.log" 'limits.log' "$ERR"
project_config 'limits:
  log_free_margin: 0'
gr -- sh -c 'touch ran'
t_rc "an untrusted project file setting the log's free-space margin is refused: 125" 125
project_config 'limits:
  log: 1M'
gr -- true
t_rc "an untrusted project file lowering the log's cap runs" 0
rm -f .guard.yaml ran
# bad values of the log's bounds, as flags and as config
gr --log-cap 1K -- sh -c 'touch ran'
t_rc "--log-cap 1K: exit 125" 125
t_match "--log-cap 1K: the error says why" '--log-cap "1K" is not a log size: below 64K' "$ERR"
t_match "--log-cap 1K: ... and how to fix it" '^Hint: write a size: --log-cap 64M' "$ERR"
t_true "--log-cap 1K: nothing ran" ! -e ran
gr --log-free-margin 200% -- sh -c 'touch ran'
t_rc "--log-free-margin 200%: exit 125" 125
t_match "--log-free-margin 200%: the error says why" 'is not a free-space margin: a share of the filesystem is a whole percentage' "$ERR"
t_true "--log-free-margin 200%: nothing ran" ! -e ran
user_config 'limits:
  log: lots'
gr -- sh -c 'touch ran'
expect_config_error "limits.log: lots" "$UCONF" 2
user_config 'limits:
  log_free_margin: "5 %"'
gr -- sh -c 'touch ran'
expect_config_error "limits.log_free_margin: \"5 %\"" "$UCONF" 2
rm -f "$UCONF"

# --- command-line flags: the last and strongest source
gr --deny src/main.c -- cat src/main.c
t_denied "--deny src/main.c denies it" main_c
gr --deny 'src/' -- cat src/main.c
t_denied "--deny src/ denies the directory's files" main_c
gr --allow-read "$HOME/Documents" -- cat "$HOME/Documents/private.txt"
t_allowed "--allow-read ~/Documents makes it readable" "$(canary private_doc)"
gr --allow-read "$HOME/Documents" -- sh -c 'echo w > "$HOME/Documents/new.txt"'
t_refused "--allow-read does not make it writable"
t_true "... nothing written" ! -e "$HOME/Documents/new.txt"
gr --allow-write "$HOME/Documents" -- sh -c 'echo w > "$HOME/Documents/new.txt" && cat "$HOME/Documents/new.txt"'
t_allowed "--allow-write ~/Documents makes it writable" "w"
rm -f "$HOME/Documents/new.txt"
gr --allow-read "$HOME/.ssh" -- cat "$HOME/.ssh/id_rsa"
t_denied "--allow-read ~/.ssh does not beat the deny of ~/.ssh/id_rsa (deny > read)" id_rsa
gr --profile default -- true
t_rc "--profile default runs" 0
gr --profile no-such-profile-xyz -- touch ran
t_rc "--profile with an unknown name: 125" 125
t_true "--profile unknown: nothing ran" ! -e ran
gr --quiet -- cat .env
t_denied "--quiet: still denied" env
t_nomatch "--quiet: no guard: notes on stderr" '^guard:' "$ERR"

# --- guard policy: every rule with provenance
g policy
t_rc "guard policy exits 0" 0
t_match "guard policy shows rules/default.yaml:LINE:COL provenance" 'rules/default\.yaml:[0-9]+:[0-9]+' "$OUT"
default_yaml=$ROOT_DIR/rules/default.yaml
# The line of the "- .env" list entry (block style), comments excluded.
env_line=$(grep -nE "^[[:space:]]*-[[:space:]]*[\"']?\.env[\"']?[[:space:]]*(#.*)?$" "$default_yaml" 2>/dev/null |
	head -1 | cut -d: -f1)
if [ -n "$env_line" ]; then
	t_true "guard policy: the .env rule points at rules/default.yaml:$env_line" -n "$(printf '%s\n' "$OUT" |
		grep -E '(^|[^A-Za-z0-9_.*/!-])\.env([^A-Za-z0-9_.*-]|$)' | grep -E "rules/default\.yaml:$env_line:")"
else
	t_skip "guard policy: the .env rule points at its line" "no '.env' entry found in $default_yaml"
fi
user_config '# user config
files:
  deny: [user-denied.txt]'
project_config 'files:
  deny: [project-denied.txt]'
g policy --deny flag-denied.txt
t_rc "guard policy with all sources exits 0" 0
t_true "guard policy: user config rule with its file:3:col" -n "$(printf '%s\n' "$OUT" | grep 'user-denied.txt' |
	grep -F "$UCONF:3:")"
t_true "guard policy: project rule with .guard.yaml:2:col" -n "$(printf '%s\n' "$OUT" | grep 'project-denied.txt' |
	grep -E '\.guard\.yaml:2:[0-9]+')"
t_true "guard policy: flag rule names --deny" -n "$(printf '%s\n' "$OUT" | grep 'flag-denied.txt' | grep -e '--deny')"
rm -f .guard.yaml "$UCONF"
g policy --profile no-such-profile-xyz
t_rc "guard policy --profile unknown: exit 125" 125
t_match "unknown profile: lists known ones (default)" 'default' "$ERR"

# --- --dry-run: prints the plan, runs nothing
gr --dry-run -- sh -c 'touch ran'
t_rc "--dry-run exits 0" 0
t_true "--dry-run ran nothing" ! -e ran
t_match "--dry-run prints Landlock rules" '[Ll]andlock' "$OUT$ERR"
t_match "--dry-run mentions the project" "$PROJECT" "$OUT$ERR"
if have_userns; then
	t_match "--dry-run lists the cover of .env" "$PROJECT/\.env([^.a-z]|$)" "$OUT$ERR"
	t_match "--dry-run lists the cover of secrets/" "$PROJECT/secrets" "$OUT$ERR"
else
	t_skip "--dry-run lists the cover of .env" "no user namespaces here (Landlock-only mode has no covers)"
	t_skip "--dry-run lists the cover of secrets/" "no user namespaces here"
fi

t_done
