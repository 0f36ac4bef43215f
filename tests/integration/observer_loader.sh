#!/usr/bin/env bash
# The dynamic loader's own opens pass the observer unstopped (issue 14, loader_sites.h): a dynamic program's
# start no longer stops for /etc/ld.so.cache, the shim and each library; the report says what that leaves out;
# what a program opens itself is still logged (by the shim, or by the observer for raw calls), in both modes.
# (tests/attacks/observer.sh checks that only the loader's call sites pass: a raw open elsewhere is logged.)
. "$(dirname "$0")/../lib.sh"
needs python3
setup_world

# loader_events: the observer's events in the newest session whose path is the loader's cache or a library
loader_events() {
	local s
	s=$(ls -1td "$XDG_STATE_HOME"/guard/sessions/*/ | head -1)
	python3 - "$s/events.jsonl" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1], errors="replace"):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    p = e.get("path") or ""
    if e.get("origin") == "observer" and (p == "/etc/ld.so.cache" or "/libc.so" in p or p.endswith("/libguard.so")):
        n += 1
print(n)
PY
}

ARCH=$(uname -m)
MODES="ns"
have_userns || MODES=
MODES="$MODES ll"
for m in $MODES; do
	opt=()
	[ "$m" = ll ] && opt=(--no-userns)
	gr "${opt[@]}" -- sh -c 'cat allowed.txt >/dev/null; /bin/true; ls >/dev/null'
	t_rc "[$m] a shell starting dynamic programs runs" 0
	if [ "$ARCH" != x86_64 ]; then
		t_skip "[$m] the loader's opens are not stopped" "only x86-64's loader is recognised (this is $ARCH)"
		continue
	fi
	t_eq "[$m] no loader open (ld.so.cache, libc, the shim) reached the observer" 0 "$(loader_events)"
	g report
	t_has "[$m] the report says the loader's opens were not logged" "the dynamic loader's opens" "$OUT"
	t_has "[$m] what the program opened itself is still listed" "allowed.txt" "$OUT"
	g report --format json
	t_true "[$m] ... and in the JSON report's unobserved list" "$(printf '%s' "$OUT" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(any("dynamic loader" in u for u in r["unobserved"]))' | grep -qx True && echo 1)" = 1
done

# Without the observer nothing is said about the loader (the observer's own note stands instead).
gr --no-observer -- /bin/true
g report --format json
t_true "--no-observer: the loader note is not claimed" "$(printf '%s' "$OUT" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(not any("dynamic loader" in u for u in r["unobserved"]))' | grep -qx True && echo 1)" = 1

t_done
