#!/usr/bin/env bash
# The demo and the exit-status contract of `guard run`.
. "$(dirname "$0")/../lib.sh"
setup_world

# --- the demo: in a directory holding .env, cat .env is denied, ls works
t_ok "precondition: .env is readable without guard" grep -q "$(canary env)" .env
gr -- cat .env
t_rc "guard run -- cat .env exits 1 (cat's own status)" 1
t_match "cat .env: stderr says Permission denied" 'Permission denied' "$ERR"
t_lacks "cat .env: the canary never appears" "$(canary env)" "$OUT$ERR"

gr -- ls
t_rc "guard run -- ls exits 0" 0
t_match "guard run -- ls lists src" '^src$' "$OUT"
t_match "guard run -- ls lists config" '^config$' "$OUT"

gr -- ls -a
t_match "guard run -- ls -a lists .env.example" '^\.env\.example$' "$OUT"

# --- stdin and stdout pass through
gi "hello through stdin" run -- cat
t_eq "stdin reaches the command" "hello through stdin" "$OUT"
gr -- sh -c 'echo to-out; echo to-err >&2'
t_eq "stdout passes through" "to-out" "$OUT"
t_match "stderr passes through separately" '^to-err$' "$ERR"

# --- exit statuses
gr -- true
t_rc "exit status 0 passes through" 0
gr -- sh -c 'exit 3'
t_rc "exit status 3 passes through" 3
gr -- sh -c 'exit 255'
t_rc "exit status 255 passes through" 255
gr -- sh -c 'kill -9 $$'
t_rc "death by SIGKILL gives 128+9" 137
gr -- sh -c 'kill -TERM $$'
t_rc "death by SIGTERM gives 128+15" 143
gr -- sh -c 'kill -SEGV $$'
t_rc "death by SIGSEGV gives 128+11" 139

gr -- guard-no-such-command-$RUN_ID
t_rc "a missing command gives 127" 127
t_match "a missing command is named in the message" "guard-no-such-command-$RUN_ID" "$ERR"

printf '#!/bin/sh\necho should-not-run\n' >notexec.sh
chmod 644 notexec.sh
gr -- ./notexec.sh
t_rc "a non-executable file gives 126" 126
t_lacks "the non-executable file did not run" "should-not-run" "$OUT"
gr -- ./src
t_rc "a directory as command gives 126" 126

# --- guard's own errors: 125, a message, nothing run
gr --
t_rc "empty command (guard run --) gives 125" 125
t_match "empty command: a guard: message" '^guard: ' "$ERR"
g run
t_rc "no command at all (guard run) gives 125" 125
t_match "no command: a guard: message" '^guard: ' "$ERR"
gr --no-such-option-xyz -- touch ran-bad-option
t_rc "an unknown option gives 125" 125
t_true "an unknown option runs nothing" ! -e ran-bad-option
gr --project "$T_WORK/does-not-exist" -- touch ran-missing-project
t_rc "a missing --project directory gives 125" 125
t_match "a missing --project: message names it" "does-not-exist" "$ERR"
t_true "a missing --project runs nothing" ! -e ran-missing-project

# --- the project may not be $HOME or / unless --project names it
cd "$HOME" || exit 1
gr -- sh -c 'echo ran-in-home'
t_rc "working directory \$HOME (no git repo) is refused as project: 125" 125
t_lacks "refused \$HOME project ran nothing" "ran-in-home" "$OUT"
# A start refused while planning leaves nothing behind: no run directory, no private temp dir.
mkdir -p "$T_WORK/rundirs" "$T_WORK/tmpdirs"
XDG_RUNTIME_DIR=$T_WORK/rundirs gr -- true
t_rc "refused \$HOME project (namespaces attempt): 125" 125
t_eq "a start refused while planning leaves no run directory" "" "$(ls -A "$T_WORK/rundirs")"
XDG_RUNTIME_DIR=$T_WORK/rundirs TMPDIR=$T_WORK/tmpdirs gr --no-userns -- true
t_rc "refused \$HOME project (Landlock-only): 125" 125
t_eq "...and no run directory or private temp dir in Landlock-only mode" "" \
	"$(ls -A "$T_WORK/rundirs")$(ls -A "$T_WORK/tmpdirs")"
gr --project "$HOME" -- sh -c 'echo ran-in-home'
t_allowed "--project \$HOME names it explicitly: runs" "ran-in-home"
cd / || exit 1
gr -- sh -c 'echo ran-in-root'
t_rc "working directory / is refused as project: 125" 125
cd "$PROJECT/src" || exit 1
gr -- cat main.c
t_allowed "from a subdirectory the project is the git top level (src/main.c readable)" "$(canary main_c)"
gr -- cat ../.env
t_denied "from a subdirectory ../.env is still denied" env

t_done
