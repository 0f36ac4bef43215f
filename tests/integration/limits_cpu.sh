#!/usr/bin/env bash
# limits.cpu: a share ("50%", 1.5 cores) through a cpu cgroup (cpu.max on v2, cpu.cfs_quota_us on v1) — a busy loop
# gets about the quota; without a writable cpu cgroup guard refuses to run (125), or with --allow-degraded runs
# without the share and says so. A duration
# ("2s", "10m") is a CPU-time budget: RLIMIT_CPU, everywhere.
. "$(dirname "$0")/../lib.sh"
needs python3 bc
setup_world

BUSY='import time
t = time.time()
while time.time() - t < 2: pass
print("share %.2f" % (time.process_time() / (time.time() - t)))'
user_config 'limits:
  cpu: "30%"'
g doctor
mech=$(printf '%s\n' "$OUT" | sed -n 's/^  cpu: //p' | head -1)
t_match "guard doctor names the cpu mechanism" "cgroup v[12]|rlimits only" "$mech"
gr --dry-run -- true
t_match "--dry-run names the cpu share and how it applies" \
	"cpu 30% of one CPU.*: (cgroup v[12]|none writable here: refused, or not enforced with --allow-degraded)" "$OUT"
gr -- python3 -c "$BUSY"
share=$(printf '%s\n' "$OUT" | sed -n 's/^share //p')
case $mech in
cgroup*)
	# An upper bound only: a loaded machine lowers the share, never raises it past the quota.
	t_true "a busy loop gets at most about 30% of one CPU (measured ${share:-?})" -n "$share" -a \
		"$(echo "${share:-9} > 0 && ${share:-9} <= 0.45" | bc)" = 1
	;;
*)
	t_rc "no cpu cgroup: refused (125)" 125
	t_match "...saying why" "limits.cpu 30% .*cannot be enforced: refused" "$ERR"
	gr --allow-degraded -- python3 -c "$BUSY"
	t_match "--allow-degraded: runs, and says the share is not enforced" \
		"limits.cpu 30% .*cannot be enforced: running with --allow-degraded" "$ERR"
	t_match "...the command ran" '^share ' "$OUT"
	;;
esac
user_config 'limits:
  cpu: 1.5'
gr --dry-run -- true
t_match "cores: 1.5 is 150% of one CPU" "cpu 150% of one CPU" "$OUT"

# --- a CPU-time budget: RLIMIT_CPU ends a busy loop after ~1 s of CPU. The loop ends by itself after 30 s of wall
# time: without the budget it exits 0, with it the kernel ends it (SIGXCPU, then SIGKILL). No wall-clock bound on
# the kill itself: on a loaded machine 1 s of CPU can take many seconds to accumulate.
user_config 'limits:
  cpu: 1s'
gr -- python3 -c 'import time
t = time.time()
while time.time() - t < 30: pass'
t_true "cpu: 1s ends a busy loop by SIGXCPU/SIGKILL (exit $RC)" "$RC" = 137 -o "$RC" = 152
gr -- bash -c 'ulimit -t'
t_eq "cpu: 1s appears as ulimit -t" 1 "$OUT"

# --- bad values: 125 with FILE:LINE:COL
for bad in '"fast"' '"0%"' '10x' '"5000000"'; do
	user_config "limits:
  cpu: $bad"
	gr -- true
	t_rc "limits.cpu: $bad is refused (125)" 125
	t_match "...with FILE:LINE:COL" 'config.yaml:2:8: limits.cpu' "$ERR"
done
rm -f "$XDG_CONFIG_HOME/guard/config.yaml"
t_done
