#!/usr/bin/env bash
# Passthroughs of host sockets: ssh-agent, docker, display (X11 and Wayland). Each is off by default, turned on by
# one flag or one `passthrough:` entry, named in --dry-run, and (docker) warned as root-equivalent. Fake servers:
# a python unix socket server answers "HOST-<run>" on each socket.
. "$(dirname "$0")/../lib.sh"
needs python3
setup_world

SOCKDIR=$(mktemp -d /tmp/guard-pt.XXXXXX)
at_exit "rm -rf '$SOCKDIR'"
chmod 700 "$SOCKDIR"
AGENT=$SOCKDIR/agent.sock
DOCKER=$SOCKDIR/docker.sock
mkdir -p "$SOCKDIR/xdg"
WAYLAND=$SOCKDIR/xdg/wayland-test
# X11: a display number nobody uses, in the host's /tmp/.X11-unix (created if missing, as X does: mode 1777)
XN=$((70 + RANDOM % 20))
X11=/tmp/.X11-unix/X$XN
X11_OK=1
# (tests/run makes it for the whole run; a script run alone removes what it made)
if [ ! -d /tmp/.X11-unix ]; then
	mkdir -p /tmp/.X11-unix 2>/dev/null && chmod 1777 /tmp/.X11-unix 2>/dev/null || X11_OK=0
	[ $X11_OK = 1 ] && at_exit "rmdir /tmp/.X11-unix 2>/dev/null"
fi
[ -e "$X11" ] && X11_OK=0
[ -w /tmp/.X11-unix ] || X11_OK=0
socks=("$AGENT" "$DOCKER" "$WAYLAND")
[ $X11_OK = 1 ] && socks+=("$X11") && at_exit "rm -f '$X11'"
python3 -c '
import socket, sys, threading
def serve(s):
    while True:
        c, _ = s.accept(); c.sendall(sys.argv[1].encode()); c.close()
for p in sys.argv[2:]:
    s = socket.socket(socket.AF_UNIX); s.bind(p); s.listen(8)
    threading.Thread(target=serve, args=(s,), daemon=True).start()
threading.Event().wait()' "HOST-$RUN_ID" "${socks[@]}" &
at_exit "kill $!"
for i in $(seq 1 50); do [ -S "$WAYLAND" ] && break; sleep 0.1; done

CLIENT='
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1]); print("GOT", s.recv(100).decode())
except OSError as e: print("refused", e)'

export SSH_AUTH_SOCK=$AGENT
# --- ssh-agent
gr -- sh -c 'echo "[${SSH_AUTH_SOCK:-}]"; python3 -c "$1" '"$AGENT" sh "$CLIENT"
t_has "ssh-agent off by default: SSH_AUTH_SOCK dropped" "[]" "$OUT"
t_lacks "ssh-agent off by default: the agent socket is unreachable" "HOST-$RUN_ID" "$OUT"
gr --ssh-agent -- sh -c 'python3 -c "$1" "$SSH_AUTH_SOCK"' sh "$CLIENT"
t_allowed "--ssh-agent: SSH_AUTH_SOCK kept and the agent answers" "GOT HOST-$RUN_ID"
g report --last
t_match "the session report names the passthrough" "passed +ssh-agent: $AGENT bound in" "$OUT"
gr --ssh-agent --dry-run -- true
t_match "--ssh-agent is named in --dry-run" "ssh-agent: $AGENT bound in" "$OUT"
user_config 'passthrough: [ssh-agent]'
gr -- sh -c 'python3 -c "$1" "$SSH_AUTH_SOCK"' sh "$CLIENT"
t_allowed "passthrough: [ssh-agent] in the config does the same" "GOT HOST-$RUN_ID"
gr --no-userns -- sh -c 'python3 -c "$1" "$SSH_AUTH_SOCK"' sh "$CLIENT"
t_allowed "[landlock-only] passthrough: [ssh-agent]" "GOT HOST-$RUN_ID"
rm -f "$XDG_CONFIG_HOME/guard/config.yaml"

# --- docker (DOCKER_HOST names the fake daemon; /var/run/docker.sock otherwise)
export DOCKER_HOST=unix://$DOCKER
gr -- python3 -c "$CLIENT" "$DOCKER"
t_lacks "docker off by default: the socket is unreachable" "HOST-$RUN_ID" "$OUT"
gr --docker -- sh -c 'echo "[$DOCKER_HOST]"; python3 -c "$1" "${DOCKER_HOST#unix://}"' sh "$CLIENT"
t_allowed "--docker: the Docker socket answers inside" "GOT HOST-$RUN_ID"
t_has "--docker: DOCKER_HOST kept" "[unix://$DOCKER]" "$OUT"
t_match "--docker warns: root-equivalent" "root-equivalent" "$ERR"
gr --docker --dry-run -- true
t_match "--docker is named in --dry-run" "docker: $DOCKER bound in" "$OUT"
unset DOCKER_HOST

# --- display: Wayland
export XDG_RUNTIME_DIR=$SOCKDIR/xdg WAYLAND_DISPLAY=wayland-test
gr -- python3 -c "$CLIENT" "$WAYLAND"
t_lacks "display off by default: the Wayland socket is unreachable" "HOST-$RUN_ID" "$OUT"
gr --display -- sh -c 'echo "[$WAYLAND_DISPLAY]"; python3 -c "$1" "$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY"' sh "$CLIENT"
t_allowed "--display: the Wayland socket answers at \$XDG_RUNTIME_DIR/\$WAYLAND_DISPLAY" "GOT HOST-$RUN_ID"
t_has "--display: WAYLAND_DISPLAY kept" "[wayland-test]" "$OUT"
unset WAYLAND_DISPLAY XDG_RUNTIME_DIR
# --- display: X11
if [ $X11_OK = 1 ]; then
	export DISPLAY=:$XN
	printf 'fake-cookie-%s\n' "$RUN_ID" >"$HOME/.Xauthority"
	gr -- python3 -c "$CLIENT" "$X11"
	t_lacks "display off by default: the X11 socket is unreachable" "HOST-$RUN_ID" "$OUT"
	gr --display -- sh -c 'echo "[$DISPLAY]"; cat "$HOME/.Xauthority"; python3 -c "$1" "/tmp/.X11-unix/X${DISPLAY#:}"' sh \
		"$CLIENT"
	t_allowed "--display: the X11 socket answers in the private /tmp" "GOT HOST-$RUN_ID"
	t_has "--display: DISPLAY kept" "[:$XN]" "$OUT"
	t_has "--display: ~/.Xauthority readable" "fake-cookie-$RUN_ID" "$OUT"
	unset DISPLAY
else
	t_skip_n 4 "X11 display passthrough" "/tmp/.X11-unix not writable or X$XN in use here"
fi

# --- a bad name is an error with its place
user_config 'passthrough: [dockr]'
gr -- true
t_rc "an unknown passthrough is refused (125)" 125
t_match "...with FILE:LINE:COL and a suggestion" 'config.yaml:1:[0-9]+: .*unknown passthrough.*did you mean "docker"' "$ERR"
rm -f "$XDG_CONFIG_HOME/guard/config.yaml"
t_done
