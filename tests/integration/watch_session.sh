#!/usr/bin/env bash
# guard watch (issue 11): a running session's denials from another terminal, as they happen, until it ends. The
# session waits on a fifo between two denials; `guard watch` started meanwhile shows the first, then the second
# once the session goes on, and exits when the session ends. No timing: each step waits on the one before it.
. "$(dirname "$0")/../lib.sh"
needs mkfifo
setup_world
mkfifo "$PROJECT/started" "$PROJECT/go"
( timeout -k 5 60 "$GUARD" run -- sh -c "cat .env; echo >started; read x <go; cat .env.local; cat \"secrets/\$(printf '\\033]0;pwned\\007')\"; true" \
	>"$T_WORK/run.out" 2>"$T_WORK/run.err" </dev/null ) &
run_pid=$!
read -r _ <"$PROJECT/started" # the session exists and has made its first denial
( timeout -k 5 60 "$GUARD" watch >"$T_WORK/watch.out" 2>"$T_WORK/watch.err" </dev/null ) &
watch_pid=$!
echo go >"$PROJECT/go"
wait "$run_pid"
wait "$watch_pid"
t_eq "guard watch: exits 0 when the session ends" 0 "$?"
W=$(cat "$T_WORK/watch.out")
t_match "guard watch: names the session it follows" '^watching session [0-9T]+Z-[0-9a-f]+: sh -c' "$W"
t_match "guard watch: the denial made before it started" 'read +[^ ]*/\.env +EACCES +by deny "\.env"' "$W"
t_match "guard watch: the denial made while it watched" 'read +[^ ]*/\.env\.local +EACCES' "$W"
t_match "guard watch: a denied path with a terminal escape in it is shown quoted" "secrets/.*033" "$W"
t_eq "guard watch: ... and no raw escape byte reaches the terminal" 0 "$(printf '%s' "$W" | tr -dc '\033' | wc -c)"
t_match "guard watch: says the session ended, with the count" '^session ended: 3 denials$' "$W"
t_no_secrets "guard watch: no secret in its output" "$W"
g watch no-such-session
t_rc "guard watch: an unknown session is an error" 125
t_done
