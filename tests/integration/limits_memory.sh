#!/usr/bin/env bash
# limits.memory: a memory cgroup where one is writable (root here: v2 or v1), else refused (125) unless
# --allow-degraded accepts RLIMIT_DATA per process (noted).
# A balloon is stopped within seconds either way: OOM-killed (exit 137) or its allocation fails. Ordinary programs
# (a JIT reserving address space) still run: it is not RLIMIT_AS.
. "$(dirname "$0")/../lib.sh"
needs python3
setup_world

BALLOON='import sys
chunks = []
for i in range(1, 65):
    chunks.append(bytearray(16 << 20))
    print("reached", i * 16, "MiB", flush=True)'
user_config 'limits:
  memory: 128M'
g doctor
mech=$(printf '%s\n' "$OUT" | sed -n 's/^limits: memory: //p')
t_match "guard doctor names the memory mechanism" "cgroup v[12]|rlimits only" "$mech"
gr --dry-run -- true
t_match "--dry-run names the memory limit and how it applies" "memory 128M: (cgroup v[12]|none writable here: refused, or RLIMIT_DATA)" "$OUT"
deg=()
if [ "${mech#rlimits}" != "$mech" ]; then
	gr -- true
	t_rc "no memory cgroup: refused (125)" 125
	t_match "...saying why and what --allow-degraded would do" \
		'limits.memory 128M: no memory cgroup is writable here.*refused' "$ERR"
	t_match "...with the hint" 'Hint:.*--allow-degraded applies it as RLIMIT_DATA' "$ERR"
	deg=(--allow-degraded)
else
	t_skip_n 3 "no memory cgroup: refused" "a memory cgroup is writable here ($mech)"
fi
# An ASan-built guard (make san) cannot run its own setup in the command's process under RLIMIT_DATA: ASan's shadow
# memory counts as data, so its next mmap fails. Skipped there, visibly; the cgroup path (root) still runs.
if [ "${mech#rlimits}" != "$mech" ] && grep -qa __asan_init "$GUARD"; then
	t_skip_n 6 "limits.memory as RLIMIT_DATA" "guard is built with ASan (make san): its shadow memory counts against RLIMIT_DATA"
else
	for mode in "" --no-userns; do
		gr $mode ${deg[@]+"${deg[@]}"} -- python3 -c "$BALLOON"
		got=$(printf '%s\n' "$OUT" | awk '/^reached/ {m = $2} END {print m + 0}')
		t_true "[${mode:-ns}] a balloon stops below 128M (reached ${got} MiB, exit $RC; $mech)" \
			"$got" -le 128 -a "$RC" != 0
		case $mech in
		cgroup*) t_rc "[${mode:-ns}] the memory cgroup OOM-kills it: exit 137" 137 ;;
		*) t_match "[${mode:-ns}] the accepted fallback is said: RLIMIT_DATA" "RLIMIT_DATA.*running with --allow-degraded" "$ERR" ;;
		esac
	done
	gr ${deg[@]+"${deg[@]}"} -- python3 -c 'x = bytearray(64 << 20); print("small ok")'
	t_allowed "an allocation under the limit works" "small ok"
	# Address space is not what is limited: reserving 8 GiB of it (as JITs and Go do) works.
	gr ${deg[@]+"${deg[@]}"} -- python3 -c 'import mmap
m = mmap.mmap(-1, 8 << 30, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | getattr(mmap, "MAP_NORESERVE", 0x4000), prot=0)  # PROT_NONE
print("reserved 8G")'
	t_allowed "reserving address space beyond the limit works (not RLIMIT_AS)" "reserved 8G"
fi

# --- bad values: 125 with FILE:LINE:COL
for bad in '"lots"' '1X' '"2M"' '-5'; do
	user_config "limits:
  memory: $bad"
	gr -- true
	t_rc "limits.memory: $bad is refused (125)" 125
	t_match "...with FILE:LINE:COL" 'config.yaml:2:11: limits.memory' "$ERR"
done
rm -f "$XDG_CONFIG_HOME/guard/config.yaml"
t_done
