#!/usr/bin/env bash
# The network section of the policy: bad entries are guard errors (125) with FILE:LINE:COL and a hint, --allow-net,
# the trust gate for a project's hosts, `guard policy`, the dry run, `guard doctor`, and no network by default.
. "$(dirname "$0")/../lib.sh"
needs python3
setup_world
CFG=$XDG_CONFIG_HOME/guard/config.yaml

# bad_entry DESC YAML EXPECTED-ERE: guard run refuses with 125 and stderr matching the ERE
bad_entry() {
	user_config "$2"
	gr -- touch "$PROJECT/ran"
	t_rc "$1: guard's error" 125
	t_match "$1: FILE:LINE:COL and the problem" "$3" "$ERR"
	t_true "$1: nothing ran" ! -e "$PROJECT/ran"
}
bad_entry "a URL" 'network:
  allow:
    - https://api.example.com/v1' "guard: $CFG:3:7: network.allow: \"https://api.example.com/v1\": a URL, not a host \(write the host alone: \"api.example.com\"\)"
bad_entry "a bad port" 'network:
  allow: [ok.example.com, "x.example.com:99999"]' "$CFG:2:27: network.allow: \"x.example.com:99999\": bad port .*1 to 65535"
bad_entry "a wildcard in the middle" 'network:
  allow: ["api.*.example.com"]' "$CFG:2:11: .*wildcard is allowed only as the whole first label .*\*\.example\.com"
bad_entry "a CIDR range" 'network:
  allow: [10.0.0.0/8]' "$CFG:2:11: .*CIDR"
bad_entry "a bad host_sockets entry" 'network:
  host_sockets: [agent.sock]' "$CFG:2:18: network.host_sockets: \"agent.sock\" is not a socket path"
bad_entry "a bad publish port" 'network:
  publish: [http]' "$CFG:2:13: network.publish must be an integer"
rm -f "$CFG"

gr --allow-net "https://x.example.com" -- true
t_rc "--allow-net with a URL: guard's error" 125
t_has "...naming the flag and the fix" "guard: --allow-net: \"https://x.example.com\": a URL, not a host (write the host alone: \"x.example.com\")" "$ERR"

# --- none by default -----------------------------------------------------------------------------------------
gr -- sh -c 'echo "proxy=[${HTTP_PROXY:-}${ALL_PROXY:-}]"; python3 -c "
import socket
s = socket.socket(); s.settimeout(3)
try:
    s.connect((\"127.0.0.1\", 3128)); print(\"PROXY THERE\")
except OSError as e: print(\"no proxy\", e.errno)"'
t_has "no network.allow: no proxy variables" "proxy=[]" "$OUT"
t_has "no network.allow: no proxy at all" "no proxy" "$OUT"
t_lacks "no note calls network rules unapplied" "not applied" "$ERR"

# --- the trust gate: a project's hosts loosen the policy -------------------------------------------------------
project_config 'network:
  allow: [api.example.com]'
gr -- true
t_rc "an untrusted project file allowing a host: refused" 125
t_match "...pointing at the entry and at guard trust" "\.guard\.yaml:2:11: this network entry grants access.*guard trust" "$ERR"
g trust "$PROJECT/.guard.yaml"
gr -- sh -c 'echo "$HTTPS_PROXY"'
t_allowed "after guard trust the project's hosts apply" "http://127.0.0.1:3128"
rm -f "$PROJECT/.guard.yaml"

# --- guard policy, dry run, doctor ---------------------------------------------------------------------------
user_config 'network:
  allow:
    - api.example.com
    - "*.github.com:22"
  publish: [3000]'
g policy --allow-net registry.npmjs.org
t_match "guard policy: network.allow with provenance" "api\.example\.com \(ports 80, 443\) +$CFG:3:7 \(user config\)" "$OUT"
t_match "guard policy: a flag entry" "registry\.npmjs\.org \(ports 80, 443\) +--allow-net \(flag\)" "$OUT"
t_match "guard policy: publish" "network.publish:" "$OUT"
t_lacks "guard policy: no 'applied in a later version' for network" "network: accepted" "$OUT"
gr --dry-run -- true
t_has "dry run: the proxy and where it listens" "network: only through guard's proxy at 127.0.0.1:3128 (inside the sandbox's own network namespace)" "$OUT"
t_match "dry run: each rule with its origin" "\*\.github\.com:22 +$CFG:4:7 \(user config\)" "$OUT"
t_has "dry run: the port rule" "a name without :PORT allows ports 80 and 443" "$OUT"
t_has "dry run: publish" "publish: port 3000" "$OUT"
t_has "dry run: the network namespace stays" "uts, net)" "$OUT"
gr --dry-run --no-userns -- true
t_match "dry run, Landlock-only: the proxy on the host's loopback" "proxy at 127\.0\.0\.1:[0-9]+ \(on the host's loopback; Landlock" "$OUT"
t_has "dry run, Landlock-only: seccomp allows only TCP streams" "domain AF_INET, not a TCP stream" "$OUT"
t_has "dry run, Landlock-only: exotic families refused" "vsock" "$OUT"
g doctor
t_match "doctor: what the network mode cannot stop" "cannot stop:" "$OUT"
g doctor --no-userns
t_has "doctor, Landlock-only: the proxy's port on any address" "ANY address on the proxy's" "$OUT"
g doctor --json
t_match "doctor --json: network" '"network":\{"how":".+","cannot_stop":".+"\}' "$OUT"

t_done
