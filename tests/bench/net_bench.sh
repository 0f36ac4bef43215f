#!/usr/bin/env bash
# tests/bench/net_bench.sh — guard's network proxy: throughput through a CONNECT tunnel on loopback against a direct
# connection, and connection setup latency. Numbers, not pass/fail (targets: >= 1 GB/s and >= 0.8x direct).
#
#   BUILD=build tests/bench/net_bench.sh        MIB=2048 (per transfer), CONNS=2000 (latency), RUNS=3 (best of)
#
# The sink (tests/bin/net_blast) listens on the host's 127.0.0.1; the client runs outside (direct) and inside
# `guard run` (through the proxy: namespaces mode, then Landlock-only mode), where it reaches the sink by a test
# name from GUARD_TEST_HOSTS. The client times itself, so guard's startup is not in the numbers.
set -u
export LC_ALL=C
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
G=$BUILD/guard
BLAST=$BUILD/tests/bin/net_blast
MIB=${MIB:-2048}
CONNS=${CONNS:-2000}
RUNS=${RUNS:-3}
[ -x "$G" ] && [ -x "$BLAST" ] || { echo "net_bench: build first: make tests" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/guard-netbench.XXXXXX")
chmod 755 "$T"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
export HOME=$T/home XDG_STATE_HOME=$T/state XDG_CONFIG_HOME=$T/config GUARD_QUIET=1
mkdir -p "$HOME" "$T/project/.git" "$T/project/tools"
cp "$BLAST" "$T/project/tools/"
cd "$T/project" || exit 1
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BLAST" serve "$PORT" &
PIDS+=($!)
sleep 0.3
echo "127.0.0.1 bench.test" >"$T/hosts"
export GUARD_TEST_HOSTS=$T/hosts

best() { sort -n | tail -1; } # highest MB/s
least() { sort -n | head -1; } # lowest microseconds

direct_mbs() { "$BLAST" send 127.0.0.1 "$PORT" "$MIB" | awk '{print $3}'; }
guard_mbs() { # guard_mbs [FLAGS...]
	"$G" run --allow-net "bench.test:$PORT" "$@" -- sh -c \
		"exec tools/net_blast send bench.test $PORT $MIB \${HTTP_PROXY##*:}" | awk '{print $3}'
}
direct_lat() { "$BLAST" latency 127.0.0.1 "$PORT" "$CONNS" | awk '{print $2}'; }
guard_lat() {
	"$G" run --allow-net "bench.test:$PORT" "$@" -- sh -c \
		"exec tools/net_blast latency bench.test $PORT $CONNS \${HTTP_PROXY##*:}" | awk '{print $2}'
}

echo "guard network proxy benchmark ($(nproc) CPUs, $(uname -r); ${MIB} MiB per transfer, best of $RUNS)"
D=$(for i in $(seq "$RUNS"); do direct_mbs; done | best)
N=$(for i in $(seq "$RUNS"); do guard_mbs; done | best)
L=$(for i in $(seq "$RUNS"); do guard_mbs --no-userns; done | best)
DL=$(for i in $(seq "$RUNS"); do direct_lat; done | least)
NL=$(for i in $(seq "$RUNS"); do guard_lat; done | least)
LL=$(for i in $(seq "$RUNS"); do guard_lat --no-userns; done | least)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }
printf '%-46s %10s %8s\n' "throughput (one TCP stream, loopback)" "MB/s" "vs direct"
printf '%-46s %10s %8s\n' "  direct" "$D" "1.00"
printf '%-46s %10s %8s\n' "  CONNECT through guard (namespaces)" "$N" "$(ratio "$N" "$D")"
printf '%-46s %10s %8s\n' "  CONNECT through guard (Landlock-only)" "$L" "$(ratio "$L" "$D")"
printf '%-46s\n' "  target: >= 1000 MB/s and >= 0.80x direct"
printf '%-46s %10s %8s\n' "connection setup ($CONNS connections, 1 byte)" "us/conn" "extra"
printf '%-46s %10s %8s\n' "  direct" "$DL" "-"
printf '%-46s %10s %8s\n' "  CONNECT through guard (namespaces)" "$NL" "$(awk -v a="$NL" -v b="$DL" 'BEGIN { printf "+%.0f", a - b }')"
printf '%-46s %10s %8s\n' "  CONNECT through guard (Landlock-only)" "$LL" "$(awk -v a="$LL" -v b="$DL" 'BEGIN { printf "+%.0f", a - b }')"
