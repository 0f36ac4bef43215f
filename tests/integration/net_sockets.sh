#!/usr/bin/env bash
# Host unix sockets: closed by default (an ssh-agent-like socket in the host's /tmp, an abstract socket), reachable
# when network.host_sockets names them ($SSH_AUTH_SOCK kept in the environment), docker.sock warns that it is
# root-equivalent.
. "$(dirname "$0")/../lib.sh"
needs python3
setup_world

# A unix socket server answering "AGENT-<run>" to whoever connects: pathname (in the host's real /tmp) and abstract.
SOCKDIR=$(mktemp -d /tmp/guard-agent.XXXXXX)
at_exit "rm -rf '$SOCKDIR'"
chmod 700 "$SOCKDIR"
SOCK=$SOCKDIR/agent.sock
ABSTRACT="guard-test-$RUN_ID"
python3 -c '
import socket, sys, threading
def serve(s):
    while True:
        c, _ = s.accept(); c.sendall(sys.argv[3].encode()); c.close()
a = socket.socket(socket.AF_UNIX); a.bind(sys.argv[1]); a.listen(8)
b = socket.socket(socket.AF_UNIX); b.bind("\0" + sys.argv[2]); b.listen(8)
threading.Thread(target=serve, args=(a,), daemon=True).start()
serve(b)' "$SOCK" "$ABSTRACT" "AGENT-$RUN_ID" &
at_exit "kill $!"
for i in $(seq 1 50); do [ -S "$SOCK" ] && break; sleep 0.1; done

CLIENT='
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1]); print("GOT", s.recv(100).decode())
except OSError as e: print("refused", e)'

# Connect only (the fake docker socket below never answers).
CONNECT_ONLY='
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1]); print("CONNECTED")
except OSError as e: print("refused", e)'

t_ok "the host can reach its own agent socket" python3 -c "$CLIENT" "$SOCK"
export SSH_AUTH_SOCK=$SOCK

# --- closed by default -----------------------------------------------------------------------------------------
gr -- python3 -c "$CLIENT" "$SOCK"
t_has "a host pathname socket in /tmp is unreachable by default" "refused" "$OUT"
t_lacks "...nothing answered" "AGENT-$RUN_ID" "$OUT"
gr -- sh -c 'echo "SSH_AUTH_SOCK=[${SSH_AUTH_SOCK:-}]"'
t_has "SSH_AUTH_SOCK is dropped by default" "SSH_AUTH_SOCK=[]" "$OUT"
gr -- python3 -c "$CLIENT" "@$ABSTRACT"
t_has "a host abstract socket is unreachable (own network namespace)" "refused" "$OUT"
t_lacks "...nothing answered (abstract)" "AGENT-$RUN_ID" "$OUT"
gr --no-userns -- python3 -c "$CLIENT" "@$ABSTRACT"
if [ "$(landlock_abi)" -ge 6 ]; then
	t_has "[landlock-only] a host abstract socket is unreachable (Landlock ABI 6 scope)" "refused" "$OUT"
else
	t_skip "[landlock-only] a host abstract socket is unreachable (Landlock ABI 6 scope)" "Landlock ABI < 6"
fi
user_config 'network:
  allow: ["*"]'
gr -- python3 -c "$CLIENT" "@$ABSTRACT"
if [ "$(landlock_abi)" -ge 6 ]; then
	t_has "open network (no namespace): abstract sockets still scoped by Landlock" "refused" "$OUT"
else
	t_skip "open network (no namespace): abstract sockets still scoped by Landlock" "Landlock ABI < 6"
fi

# --- opted in --------------------------------------------------------------------------------------------------
user_config 'network:
  host_sockets: [$SSH_AUTH_SOCK]'
gr -- python3 -c "$CLIENT" "$SOCK"
t_allowed "network.host_sockets [\$SSH_AUTH_SOCK]: the agent answers" "GOT AGENT-$RUN_ID"
gr -- sh -c 'echo "SSH_AUTH_SOCK=[$SSH_AUTH_SOCK]"'
t_allowed "...and SSH_AUTH_SOCK is kept" "SSH_AUTH_SOCK=[$SOCK]"
gr -- sh -c "ls $SOCKDIR"
t_allowed "...only that socket is bound in, not its directory's other entries" "agent.sock"
gr --dry-run -- true
t_match "dry run shows the socket bound in" "bind +$SOCK .*network.host_sockets" "$OUT"
unset SSH_AUTH_SOCK
gr -- true
t_has "a variable that is not set: a note, nothing bound" "SSH_AUTH_SOCK is not set: nothing bound" "$OUT$ERR"
export SSH_AUTH_SOCK=$SOCK
user_config "network:
  host_sockets: [$SOCKDIR/agent.sock]"
gr -- python3 -c "$CLIENT" "$SOCK"
t_allowed "an absolute path works too" "GOT AGENT-$RUN_ID"

# docker.sock: root-equivalent, said so
mkdir -p "$T_WORK/dock"
python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1); time.sleep(60)' \
	"$T_WORK/dock/docker.sock" &
at_exit "kill $!"
for i in $(seq 1 50); do [ -S "$T_WORK/dock/docker.sock" ] && break; sleep 0.1; done
gr -- python3 -c "$CONNECT_ONLY" "$T_WORK/dock/docker.sock"
t_has "a host socket outside /tmp, /run and \$HOME is unreachable too (covered at launch)" "refused" "$OUT"
t_lacks "...nothing connected" "CONNECTED" "$OUT"
gr --dry-run -- true
t_match "...the dry run shows the cover" "cover-file +$T_WORK/dock/docker.sock .*host unix socket" "$OUT"
user_config "network:
  host_sockets: [$T_WORK/dock/docker.sock]"
gr -- python3 -c "$CONNECT_ONLY" "$T_WORK/dock/docker.sock"
t_rc "a docker socket runs" 0
t_has "...and is reachable once named (no cover)" "CONNECTED" "$OUT"
t_has "docker.sock warns that it is root-equivalent" "is root-equivalent" "$ERR"
t_has "...naming where it was opted in" "config.yaml:2" "$ERR"

t_done
