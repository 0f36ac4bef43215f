#!/usr/bin/env bash
# --lockdown: the project read-only, no network, no passthroughs, the environment reduced to PATH HOME TERM LANG TZ
# USER (plus guard's own variables), and guard says so.
. "$(dirname "$0")/../lib.sh"
needs python3
setup_world

export MY_SETTING=visible-$RUN_ID TZ=UTC
gr -- sh -c 'touch written-normally && echo "[$MY_SETTING]"'
t_allowed "without --lockdown the project is writable and variables pass" "[visible-$RUN_ID]"
gr --lockdown -- sh -c 'touch written-in-lockdown'
t_refused "--lockdown: the project is read-only"
t_true "...nothing was written" ! -e "$PROJECT/written-in-lockdown"
t_match "--lockdown says what it does" "lockdown: project read-only, network closed.*no passthroughs.*PATH HOME TERM LANG TZ USER" "$ERR"
gr --lockdown -- cat src/main.c
t_rc "--lockdown: the project is still readable" 0
gr --lockdown -- env
names=$(printf '%s\n' "$OUT" | sed -n 's/=.*//p' | grep -v -E '^(PATH|HOME|TERM|LANG|TZ|USER|TMPDIR|LD_PRELOAD|GUARD_[A-Z_]*|PWD|SHLVL|_)$' | tr '\n' ' ')
t_eq "--lockdown: only PATH HOME TERM LANG TZ USER (and guard's own) are set" "" "$names"
t_lacks "--lockdown: other variables are gone" "visible-$RUN_ID" "$OUT"
t_has "--lockdown: TZ kept" "TZ=UTC" "$OUT"
user_config 'network:
  allow: ["*"]'
gr --lockdown --dry-run -- true
t_match "--lockdown: network closed even when the config opens it" "network: .*(none|closed|no network)" "$(printf '%s\n' "$OUT" | grep -i '^network' | head -1)"
gr --lockdown -- python3 -c 'import socket
s = socket.socket()
s.settimeout(2)
try:
    s.connect(("1.1.1.1", 53)); print("CONNECTED")
except OSError as e: print("refused", e)'
t_lacks "--lockdown: no outbound connection" "CONNECTED" "$OUT"
rm -f "$XDG_CONFIG_HOME/guard/config.yaml"
SOCKDIR=$(mktemp -d /tmp/guard-ld.XXXXXX)
at_exit "rm -rf '$SOCKDIR'"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
while True:
    c, _ = s.accept(); c.sendall(b"AGENT"); c.close()' "$SOCKDIR/agent.sock" &
at_exit "kill $!"
for i in $(seq 1 50); do [ -S "$SOCKDIR/agent.sock" ] && break; sleep 0.1; done
SSH_AUTH_SOCK=$SOCKDIR/agent.sock gr --lockdown --ssh-agent -- sh -c 'echo "[${SSH_AUTH_SOCK:-}]"'
t_has "--lockdown: passthroughs are not applied (--ssh-agent ignored)" "[]" "$OUT"
t_match "...and guard says so" "passthroughs asked for are not applied" "$ERR"
t_done
