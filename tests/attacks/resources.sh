#!/usr/bin/env bash
# Bounded resource abuse: a fork bomb under `limits.processes: 64` must stay under 64 processes, end within
# seconds, and leave nothing running once guard returns; a memory balloon under `limits.memory` must be stopped
# before it reaches its target. The harness counts the bomb's processes from outside (they carry a marker in their
# command line) and bounds every run with a timeout, so nothing here can hang or take the machine down: the bomb
# itself is finite (at most 1023 processes, each gone after 20 s) should every limit fail.
. "$(dirname "$0")/common.bash"
needs bc pgrep

LIMIT=64
MARK=guard-bomb-$RUN_ID
user_config "limits:
  processes: $LIMIT"

# pids_of_bomb: processes (outside view, any namespace) whose command line carries the marker, but for the
# harness's own timeout, guard and guard's init (whose command lines name the marker as an argument)
pids_of_bomb() {
	pgrep -af -- "$MARK" 2>/dev/null | awk -v g="$GUARD" '$2 != "timeout" && $2 != g && $1 != "'$$'" {print $1}' || true
}
end_bomb() {
	local p
	for p in $(pids_of_bomb); do kill -9 "$p" 2>/dev/null; done
}
at_exit end_bomb

# A binary tree of processes 9 levels deep (python: a refused fork fails at once, where bash would retry for 15 s);
# every node forks two children and sleeps 20 s. The top returns after 2 s, so the session ends while the bomb is
# still alive. Every process keeps the marker on its command line.
BOMB='import os, time
def node(depth):
    for _ in range(2 if depth < 9 else 0):
        try:
            if os.fork() == 0:
                node(depth + 1)
                os._exit(0)
        except OSError:
            pass
    time.sleep(20)
for _ in range(2):
    try:
        if os.fork() == 0:
            node(1)
            os._exit(0)
    except OSError:
        pass
time.sleep(2)'
for f in $STATIC_FLAVOURS $(printf '%s\n' $FLAVOURS | grep -- '-raw$' | head -1); do
	mapfile -t opts < <(flavour_args "$f")
	start=$(date +%s.%N)
	timeout -k 5 25 "$GUARD" run ${opts[@]+"${opts[@]}"} -- python3 -c "$BOMB" "$MARK" >"$T_WORK/out" 2>"$T_WORK/err" </dev/null &
	gpid=$!
	peak=0
	while kill -0 "$gpid" 2>/dev/null; do
		n=$(pids_of_bomb | wc -l)
		[ "$n" -gt "$peak" ] && peak=$n
		sleep 0.05
	done
	wait "$gpid"
	RC=$? OUT=$(cat "$T_WORK/out") ERR=$(cat "$T_WORK/err") G_CMD="[$f] guard run -- (fork bomb)"
	took=$(echo "$(date +%s.%N) - $start" | bc)
	sleep 1
	left=$(pids_of_bomb | wc -l)
	t_true "[$f] the fork bomb never had more than $LIMIT processes (peak seen: $peak)" "$peak" -le "$LIMIT"
	t_true "[$f] guard returned within 10 s (took $(printf %.1f "$took") s; exit $RC)" "${took%.*}" -lt 10 -a "$RC" != 124
	t_eq "[$f] nothing of the bomb is left running 1 s after guard returned" 0 "$left"
	end_bomb
	sleep 0.2
done

# --- memory: limits.memory. As root (or with a delegated cgroup v2 subtree) a memory cgroup: the OOM killer ends
# the balloon (exit 137); otherwise RLIMIT_DATA, accepted with --allow-degraded (guard refuses to run without it):
# the allocation fails (MemoryError, exit 1). Either way it stops before 256 MiB, within seconds.
user_config "limits:
  memory: 256M"
g doctor
deg=()
printf '%s\n' "$OUT" | grep -q '^limits: memory: rlimits' && deg=(--allow-degraded)
# An ASan-built guard (make san) cannot run its own setup in the command's process under RLIMIT_DATA (its shadow
# memory counts as data): skipped there, visibly, as in limits_memory.sh; the cgroup path (root) still runs.
if [ ${#deg[@]} -gt 0 ] && grep -qa __asan_init "$GUARD"; then
	for f in $STATIC_FLAVOURS; do
		t_skip "[$f] a memory balloon is stopped under limits.memory: 256M" \
			"guard is built with ASan (make san): its shadow memory counts against RLIMIT_DATA"
	done
	STATIC_FLAVOURS=
fi
for f in $STATIC_FLAVOURS; do
	# grows to 1 GiB in 32 MiB steps, touching every page; prints how far it got
	start=$(date +%s)
	ga "$f" ${deg[@]+"${deg[@]}"} -- python3 -c 'import sys
chunks = []
for i in range(1, 33):
    chunks.append(bytearray(32 << 20))
    print("reached", i * 32, "MiB", flush=True)'
	took=$(($(date +%s) - start))
	got=$(printf '%s\n' "$OUT" | awk '/^reached/ {m = $2} END {print m + 0}')
	t_true "[$f] a memory balloon is stopped under limits.memory: 256M (reached ${got} MiB, exit $RC, ${took}s)" \
		"$got" -gt 0 -a "$got" -le 256 -a "$RC" != 0 -a "$RC" != 125 -a "$took" -le 10
done

t_done
