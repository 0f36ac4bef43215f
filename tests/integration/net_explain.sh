#!/usr/bin/env bash
# Network refusals explained to the process that made them: a name lookup the sandbox cannot make (no network, or
# only guard's proxy resolves names), a direct connect past the proxy, and a connect to the sandbox's own empty
# loopback put guard's one line next to the tool's own error (curl, git, python, node), on stderr where a reader
# can act on it (the shim's reader rules: not on a raw-mode terminal, not with --quiet). A request the proxy
# refuses: net_explain_proxy.sh. An open network's own
# failures are not guard's: no line.
. "$(dirname "$0")/../lib.sh"
needs python3 curl git
setup_world

NOLOOK='guard: name lookup of example\.com failed: this sandbox has no network'
for mode in "" --no-userns; do
	tag="[${mode:-namespaces}]"
	# No network at all: the lookup is where every tool fails first.
	gr $mode -- curl -sS -m 10 https://example.com/
	t_match "$tag curl without network: its own error" "Could not resolve host: example.com" "$ERR"
	t_match "$tag ...and guard's line next to it, with the flag that allows the host" \
		"$NOLOOK.*To allow: guard run --allow-net example\.com" "$ERR"
	gr $mode -- git ls-remote https://example.com/repo.git
	t_match "$tag git over https: guard's line next to git's error" "$NOLOOK" "$ERR"
	gr $mode -- python3 -c "import socket; socket.getaddrinfo('example.com', 443)"
	t_match "$tag python's getaddrinfo: guard's line" "$NOLOOK" "$ERR"
	gr $mode -- python3 -c "import socket; socket.gethostbyname('example.com')"
	t_match "$tag python's gethostbyname: guard's line" "$NOLOOK" "$ERR"
	if command -v node >/dev/null 2>&1; then
		gr $mode -- node -e "require('dns').lookup('example.com', e => console.error(e && e.code))"
		t_match "$tag node's dns.lookup: guard's line" "$NOLOOK" "$ERR"
	else
		t_skip "$tag node's dns.lookup" "node is not installed"
	fi
	gr $mode -- sh -c 'for i in 1 2 3; do python3 -c "import socket; socket.getaddrinfo(\"example.com\", 443)" 2>/dev/null; done; curl -sS -m 5 https://example.com/ https://example.com/x'
	t_eq "$tag one line per process and name" 1 "$(printf '%s\n' "$ERR" | grep -c "$NOLOOK")"

	# A list of hosts: only guard's proxy resolves, and only for those hosts.
	gr $mode --allow-net api.example.com -- curl -sS -m 10 --noproxy '*' https://other.example.org/
	t_match "$tag a host network.allow does not name: refused, with the list and the flag" \
		"guard: name lookup of other\.example\.org refused: the sandbox reaches only network\.allow's hosts \(api\.example\.com\).*--allow-net other\.example\.org" \
		"$ERR"
	gr $mode --allow-net api.example.com -- python3 -c "import socket; socket.create_connection(('api.example.com', 443), 5)"
	t_match "$tag an allowed host resolved directly: pointed at the proxy, naming the entry" \
		"guard: name lookup of api\.example\.com failed: there is no DNS inside the sandbox; network\.allow \"api\.example\.com\" lets it be reached through guard's proxy http://127\.0\.0\.1:[0-9]+" \
		"$ERR"
	gr $mode --allow-net api.example.com -- python3 -c "import socket; socket.socket().connect(('192.0.2.1', 443))"
	t_match "$tag a direct connect past the proxy: guard's line" \
		"guard: connect to 192\.0\.2\.1:443 failed: the sandbox reaches only network\.allow's hosts" "$ERR"

	# --quiet: nothing printed.
	gr $mode --quiet -- curl -sS -m 10 https://example.com/
	t_nomatch "$tag --quiet: no line" "guard: name lookup" "$ERR"

	# A raw-mode terminal (a full-screen program): nothing drawn over it.
	pty 24 100 30 '[]' -- "$GUARD" run $mode -- python3 -c 'import tty, socket
tty.setraw(0)
try:
    socket.getaddrinfo("example.com", 443)
except OSError as e:
    print("RAW-FAILED", end="\r\n")'
	t_match "$tag raw-mode program: its lookup failed" "RAW-FAILED" "$PTY_OUT"
	t_nomatch "$tag raw-mode program: no guard line on its screen" "guard: name lookup" "$PTY_OUT"
done

# The sandbox's own loopback (namespaces): a blocking connect to a port nothing listens on says how the host's
# service would get in.
gr -- python3 -c "import socket; socket.socket().connect(('127.0.0.1', 5432))"
t_match "connect refused on the sandbox's own loopback: how to let the host's service in" \
	"guard: connect to 127\.0\.0\.1:5432 refused: nothing listens there on the sandbox's own loopback.*--allow-net 127\.0\.0\.1:5432" \
	"$ERR"

# An open network: a lookup that fails there is the host's business.
user_config 'network:
  allow: ["*"]'
gr -- python3 -c "import socket; socket.getaddrinfo('nothing.invalid', 443)"
t_nomatch "open network: a failed lookup is not explained" "guard: name lookup" "$ERR"

t_done
