#!/usr/bin/env bash
# The macOS enforcement suite: the core attacks of the Linux suite (tests/attacks/) against a Seatbelt profile
# guard generated, applied the way guard's launcher applies it (seatbelt_run: sandbox_init_with_parameters, then
# exec with the DYLD shim). Written and compiled here; it needs a Mac to run, and has not run on one yet.
#
# On a Mac: make macos-enforce (builds sbpl_print, seatbelt_run, read_file and libguard.dylib natively with the
# Xcode command line tools and Homebrew's libyaml and pcre2, then runs this with BIN=build-macos/native).
# Anywhere else: one skip that says so. TAP.
set -u
cd "$(dirname "$0")/../.." || exit 1
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/#   /'; }
if [ "$(uname -s)" != Darwin ]; then
	echo "ok 1 - macOS enforcement suite # SKIP needs macOS: Seatbelt and dyld exist only there (this is $(uname -s))"
	echo "1..1"
	exit 0
fi
BIN=${BIN:-build-macos/native}
for f in sbpl_print seatbelt_run read_file libguard.dylib; do
	[ -e "$BIN/$f" ] || { echo "Bail out! $BIN/$f missing: make macos-enforce"; exit 1; }
done
BIN=$(cd "$BIN" && pwd -P)
T=$(mktemp -d "${TMPDIR:-/tmp}/guard-enforce.XXXXXX") && T=$(cd "$T" && pwd -P)
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
H=$T/home
P=$H/src/app
mkdir -p "$H/.ssh" "$P/src" "$P/sub" "$T/tmp"
printf 'KEY\n' >"$H/.ssh/id_ed25519"
printf 'host\n' >"$H/.ssh/known_hosts"
printf 'API_KEY=1\n' >"$P/.env"
printf 'API_KEY=\n' >"$P/.env.example"
printf 'X=1\n' >"$P/sub/.env"
printf 'int main;\n' >"$P/src/main.c"
ln "$H/.ssh/id_ed25519" "$P/backup-key" # a hard link made before the session: the plan names it
cp "$BIN/libguard.dylib" "$T/libguard.dylib"
if ! GUARD_IMAGE_OUT=$T/tmp/policy.img "$BIN/sbpl_print" rules/default.yaml "$H" "$P" "$T/tmp" "$T/libguard.dylib" \
	"$P/backup-key" >"$T/profile.sb" 2>"$T/err"; then
	echo "Bail out! sbpl_print: $(cat "$T/err")"
	exit 1
fi
export GUARD_POLICY=$T/tmp/policy.img
PROFILE=$T/profile.sb
run() { (cd "$P" && "$BIN/seatbelt_run" "$PROFILE" "$T/libguard.dylib" -- "$@") >"$T/out" 2>"$T/err"; }
expect() { # expect allow|deny DESCRIPTION CMD...
	local want=$1 what=$2
	shift 2
	run "$@"
	local rc=$?
	if { [ "$want" = allow ] && [ $rc -eq 0 ]; } || { [ "$want" = deny ] && [ $rc -ne 0 ]; }; then
		ok "$what"
	else
		not_ok "$what" "exit $rc; stderr: $(head -c 400 "$T/err")"
	fi
}

expect allow "the profile applies and an allowed read works (cat src/main.c)" /bin/cat "$P/src/main.c"
expect deny ".env is unreadable" /bin/cat "$P/.env"
expect allow ".env.example is readable" /bin/cat "$P/.env.example"
expect deny "~/.ssh's key is unreadable" /bin/cat "$H/.ssh/id_ed25519"
expect deny "the rest of home is unreadable" /bin/ls "$H"
expect deny "renaming the secret's directory is refused (mv ~/.ssh)" /bin/mv "$H/.ssh" "$P/ssh2"
expect deny "the key is not readable through its parent's rename either" /bin/cat "$P/ssh2/id_ed25519"
run /bin/mv "$P/sub" "$P/sub2"
expect deny "a .env moved with its directory is still denied (names match at any depth)" /bin/cat "$P/sub2/.env"
expect deny "a hard link made before the session is denied by path" /bin/cat "$P/backup-key"
run /bin/ln "$H/.ssh/id_ed25519" "$P/new-link"
expect deny "a hard link made inside the session does not read the key (Seatbelt matches paths: to be verified)" \
	/bin/cat "$P/new-link"
run /bin/ln -s "$H/.ssh/id_ed25519" "$P/sym"
expect deny "a symlink to the key does not read it (resolved path)" /bin/cat "$P/sym"
expect allow "the project is writable" /usr/bin/touch "$P/new-file"
expect deny "home outside the grants is not writable" /usr/bin/touch "$H/planted"
expect deny "the shared /tmp is not writable (only the session's temp dir)" /usr/bin/touch /private/tmp/guard-enforce-probe
expect allow "the session's temp dir is writable" /usr/bin/touch "$T/tmp/x"
expect deny "network none: no outbound connection" /usr/bin/curl -sS -o /dev/null https://example.com
expect deny "a nested profile is refused (macOS refuses nesting)" "$BIN/seatbelt_run" "$T/profile.sb" - -- /usr/bin/true

# network.allow with hosts: TCP reaches guard's proxy (a stand-in listens on its port here) and the host's loopback
# services the list names with a port; nothing else, not another port of this host, not a host directly.
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PX=$(free_port) SV=$(free_port) OT=$(free_port)
SERVERS=()
for port in "$PX" "$SV" "$OT"; do
	/usr/bin/python3 -m http.server "$port" --bind 127.0.0.1 --directory "$T/tmp" >/dev/null 2>&1 &
	SERVERS+=($!)
done
trap 'kill "${SERVERS[@]}" 2>/dev/null; chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
for port in "$PX" "$SV" "$OT"; do
	for _ in $(seq 50); do /usr/bin/curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
done
if SBPL_NET_ALLOW="example.com,127.0.0.1:$SV" SBPL_PROXY_PORT=$PX "$BIN/sbpl_print" rules/default.yaml "$H" "$P" \
	"$T/tmp" "$T/libguard.dylib" >"$T/profile-net.sb" 2>"$T/err"; then
	PROFILE=$T/profile-net.sb
	expect allow "network.allow: TCP to guard's proxy port on loopback" \
		/usr/bin/curl -sS -o /dev/null --noproxy '*' "http://127.0.0.1:$PX/"
	expect allow "network.allow: TCP to a loopback service the list names (127.0.0.1:$SV)" \
		/usr/bin/curl -sS -o /dev/null --noproxy '*' "http://127.0.0.1:$SV/"
	expect deny "network.allow: another port of this host is refused" \
		/usr/bin/curl -sS -o /dev/null --noproxy '*' "http://127.0.0.1:$OT/"
	expect deny "network.allow: an allowed host is not reached directly (only through the proxy)" \
		/usr/bin/curl -sS -o /dev/null --noproxy '*' --max-time 10 https://example.com
	PROFILE=$T/profile.sb
else
	not_ok "sbpl_print makes network.allow's profile" "$(head -c 400 "$T/err")"
fi

run "$BIN/read_file" "$P/.env"
if grep -q '^guard: ' "$T/err"; then
	ok "the shim explains a refused read in a non-SIP program (one line, guard's format)"
else
	not_ok "the shim explains a refused read in a non-SIP program" "stderr: $(head -c 400 "$T/err")"
fi
echo "1..$n"
[ "$failed" = 0 ]
