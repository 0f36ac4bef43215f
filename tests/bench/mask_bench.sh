#!/usr/bin/env bash
# tests/bench/mask_bench.sh — mask_output throughput: MB/s of `cat bigfile` through `guard run` with masking (all
# presets; two presets; one user pattern) against the same run without mask_output and against a plain pipe.
# Numbers, not pass/fail. Output goes to a pipe read by `cat >/dev/null` in every case.
#
#   BUILD=build tests/bench/mask_bench.sh        MIB=256 (file size), RUNS=3 (best of), FLAGS=--no-userns (mode)
set -u
export LC_ALL=C
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
G=$BUILD/guard
MIB=${MIB:-256}
RUNS=${RUNS:-3}
FLAGS=${FLAGS:-}
[ -x "$G" ] || { echo "mask_bench: build first: make" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/guard-maskbench.XXXXXX")
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
export HOME=$T/home XDG_STATE_HOME=$T/state XDG_CONFIG_HOME=$T/config GUARD_QUIET=1
mkdir -p "$HOME" "$T/project/.git" "$XDG_CONFIG_HOME/guard"
cd "$T/project" || exit 1

# Code-like text (C, logs, JSON, base64-ish lines, prose), with one real-looking key every ~64 KiB.
python3 - "$T/project/big.txt" "$MIB" <<'PY'
import random, sys
random.seed(1)
lines = [
    b'static int parse_header(const char *buf, size_t len, struct header *out) { return -EINVAL; }\n',
    b'2026-11-22T08:00:00Z INFO request id=4f1c2a path=/api/v1/items status=200 duration_ms=12\n',
    b'{"name": "guard", "version": "1.2.3", "dependencies": {"libyaml": "0.2.5", "pcre2": "10.42"}}\n',
    b'    for (size_t i = 0; i < n; i++) total += items[i].weight * factor; // accumulate\n',
    b'dGhpcyBpcyBub3QgYSBzZWNyZXQsIGp1c3QgYmFzZTY0IG9mIHNvbWUgcHJvc2UgdGV4dCBmb3IgdGhlIGJlbmNo\n',
    b'The quick brown fox jumps over the lazy dog; ask the desk about tasks and risks.\n',
]
key = b'OPENAI_API_KEY=sk-proj-Ab3dEf5hIj7lMn9pQr1sTu3vWx5yZa7bCd9eFg1h\n'
target = int(sys.argv[2]) << 20
out, n, since = [], 0, 0
while n < target:
    l = key if since > 65536 else random.choice(lines)
    since = 0 if l is key else since + len(l)
    out.append(l); n += len(l)
open(sys.argv[1], 'wb').write(b''.join(out))
PY
BYTES=$(stat -c %s big.txt)

# best-of-RUNS wall time in seconds of: "$@" | cat >/dev/null
timeit() {
	local best= t0 t1 s
	for _ in $(seq "$RUNS"); do
		t0=$(date +%s.%N)
		"$@" </dev/null | cat >/dev/null
		t1=$(date +%s.%N)
		s=$(echo "$t1 - $t0" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$s < $best" | bc -l)" = 1 ]; then best=$s; fi
	done
	echo "$best"
}
row() { # row LABEL SECONDS
	printf '%-44s %8.2f s %10.1f MB/s\n' "$1" "$2" "$(echo "$BYTES / 1000000 / $2" | bc -l)"
}

printf 'mask_output throughput: %s MB of text (%s)\n' "$((BYTES / 1000000))" "${FLAGS:-namespaces mode}"
row "cat | cat (no guard)" "$(timeit cat big.txt)"
rm -f "$XDG_CONFIG_HOME/guard/config.yaml"
row "guard run -- cat (no mask_output)" "$(timeit "$G" run $FLAGS -- cat big.txt)"
printf 'mask_output:\n  presets: [openai, github]\n' >"$XDG_CONFIG_HOME/guard/config.yaml"
row "guard run -- cat (presets: openai, github)" "$(timeit "$G" run $FLAGS -- cat big.txt)"
printf 'mask_output:\n  presets: [all]\n' >"$XDG_CONFIG_HOME/guard/config.yaml"
row "guard run -- cat (presets: all)" "$(timeit "$G" run $FLAGS -- cat big.txt)"
printf 'mask_output:\n  presets: [all]\n  patterns:\n    - {regex: "tok_[a-z0-9]{8,}", case_insensitive: true}\n' \
	>"$XDG_CONFIG_HOME/guard/config.yaml"
row "guard run -- cat (all + a pattern, /i)" "$(timeit "$G" run $FLAGS -- cat big.txt)"
# Check: the keys were masked.
n=$("$G" run $FLAGS -- cat big.txt </dev/null | grep -c 'MASKED:openai')
printf 'keys masked in the last run: %s (of %s)\n' "$n" "$(grep -c sk-proj- big.txt)"
