#!/usr/bin/env bash
# A request guard's proxy refuses, told to the process that made it: most tools show only the status (curl and
# git: "CONNECT tunnel failed, response 403"; python: "Tunnel connection failed: 403"), so before answering the
# proxy writes guard's line to the stderr of the session's process holding the client's end of the connection, by
# the shim's reader rules (a pipe or file yes; a terminal only in canonical mode and never an agent's; nothing with
# --quiet), once per process and target. Both modes.
. "$(dirname "$0")/../lib.sh"
needs python3 curl git
setup_world

for mode in "" --no-userns; do
	tag="[${mode:-namespaces}]"
	PXLINE="guard: the sandbox's proxy refused other\.example\.org:443: .*To allow: guard run --allow-net other\.example\.org"
	gr $mode --allow-net api.example.com -- curl -sS -m 10 https://other.example.org/
	t_match "$tag curl through the proxy, refused: its own error" "CONNECT tunnel failed, response 403" "$ERR"
	t_match "$tag ...and guard's line next to it" "$PXLINE" "$ERR"
	gr $mode --allow-net api.example.com -- curl -sS -m 10 https://other.example.org/ https://other.example.org/x
	t_eq "$tag ...once per process and target" 1 "$(printf '%s\n' "$ERR" | grep -c "proxy refused")"
	gr $mode --allow-net api.example.com -- git ls-remote https://other.example.org/repo.git
	t_match "$tag git through the proxy, refused: guard's line" "$PXLINE" "$ERR"
	gr $mode --allow-net api.example.com -- python3 -c "
import urllib.request
urllib.request.urlopen('https://other.example.org/', timeout=10)"
	t_match "$tag python's urllib through the proxy, refused: guard's line" "$PXLINE" "$ERR"
	gr $mode --allow-net api.example.com -- sh -c 'curl -sS -m 10 -x "$ALL_PROXY" https://other.example.org/'
	t_match "$tag SOCKS5, refused: guard's line" "$PXLINE" "$ERR"
	gr $mode --allow-net api.example.com -- sh -c 'curl -sS -m 10 https://other.example.org/ 2>/dev/null; echo done'
	t_lacks "$tag stderr sent to /dev/null: nothing lands on its stdout instead" "proxy refused" "$OUT"
	pty 24 160 30 '[]' -- "$GUARD" run $mode --profile claude-code --allow-net api.example.com -- curl -sS -m 10 https://other.example.org/
	t_nomatch "$tag an agent's terminal: no proxy line drawn on it" "proxy refused" "$PTY_OUT"
	pty 24 160 30 '[]' -- "$GUARD" run $mode --allow-net api.example.com -- curl -sS -m 10 https://other.example.org/
	t_match "$tag a plain command on a terminal: the line is shown" "proxy refused other" "$PTY_OUT"

	gr $mode --quiet --allow-net api.example.com -- curl -sS -m 10 https://other.example.org/
	t_nomatch "$tag --quiet: no line" "proxy refused" "$ERR"
done

t_done
