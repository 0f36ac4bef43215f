#!/usr/bin/env bash
# rlimits (no core dumps, limits.processes, limits.open_files) and the environment (secret-looking variables
# dropped, env.pass keeps one, env.drop drops more, env.set sets one, PATH/HOME kept).
. "$(dirname "$0")/../lib.sh"
needs python3
setup_world

# --- core dumps are off even when the caller allows them
ulimit -S -c "$(ulimit -H -c)" 2>/dev/null
outer_core=$(ulimit -c)
gr -- bash -c 'ulimit -c'
t_rc "ulimit -c runs" 0
t_eq "core dumps are off inside (ulimit -c = 0; outside: $outer_core)" 0 "$OUT"
gr -- bash -c 'ulimit -H -c'
t_eq "core dumps cannot be re-enabled (hard limit 0)" 0 "$OUT"

# --- limits from the user config
user_config 'limits:
  processes: 321
  open_files: 200'
gr -- bash -c 'ulimit -u'
t_eq "limits.processes: 321 appears as ulimit -u" 321 "$OUT"
gr -- bash -c 'ulimit -n'
t_eq "limits.open_files: 200 appears as ulimit -n" 200 "$OUT"
gr -- python3 -c 'import os
fds = []
try:
    while True: fds.append(os.open("/dev/null", os.O_RDONLY))
except OSError as e: print("stopped at", len(fds) + 3, e.errno)'
t_match "limits.open_files: 200 is enforced (EMFILE near 200)" '^stopped at (19[0-9]|200) 24$' "$OUT"
# The process cap must hold, root included (the kernel exempts the real root user from RLIMIT_NPROC: a sandbox
# run by root in CI needs another way to hold it). Bounded: at most 60 sleeping children, all killed.
user_config 'limits:
  processes: 30'
gr -- python3 -c 'import os, signal, time
pids = []
try:
    for i in range(60):
        pid = os.fork()
        if pid == 0:
            time.sleep(20)
            os._exit(0)
        pids.append(pid)
except OSError as e:
    print("fork failed:", e.errno)
print("forked", len(pids))
for p in pids:
    os.kill(p, signal.SIGKILL)
for p in pids:
    os.waitpid(p, 0)'
forked=$(printf '%s\n' "$OUT" | sed -n 's/^forked //p')
t_true "limits.processes: 30 stops a fork loop before 30 processes$(is_root && echo ' (as root)') (forked: ${forked:-?})" \
	-n "$forked" -a "${forked:-99}" -lt 30
# As root the cap is the session's pids cgroup, which the command must be in from its first instruction (init
# is moved there while it sets up its mounts, and forks the command only after).
for mode in namespaces landlock-only; do
	opts=()
	[ $mode = landlock-only ] && opts=(--no-userns)
	if is_root; then
		gr "${opts[@]}" -- cat /proc/self/cgroup
		t_match "[$mode] as root the command runs in the session's pids cgroup" '(^|:)pids:/(.*/)?guard-' "$OUT"
	else
		t_skip "[$mode] as root the command runs in the session's pids cgroup" "not root: RLIMIT_NPROC holds the cap"
	fi
done
rm -f "$XDG_CONFIG_HOME/guard/config.yaml"
# The default profile's own limits, as written in rules/default.yaml
default_yaml=$ROOT_DIR/rules/default.yaml
for pair in "processes -u" "open_files -n"; do
	set -- $pair
	want=$(sed -n "s/^[[:space:]]*$1:[[:space:]]*\([0-9][0-9]*\).*/\1/p" "$default_yaml" 2>/dev/null | head -1)
	if [ -n "$want" ]; then
		# A cap: the sandbox gets the lower of the profile's value and what the caller already had.
		outer=$(bash -c "ulimit $2")
		[ "$outer" != unlimited ] && [ "$outer" -lt "$want" ] && want=$outer
		gr -- bash -c "ulimit $2"
		t_eq "default profile: limits.$1 caps ulimit $2 at $want (outside: $outer)" "$want" "$OUT"
	else
		t_skip "default profile: limits.$1 applied" "no limits.$1 in $default_yaml"
	fi
done

# --- secret-looking variables are dropped
export GITHUB_TOKEN=$(canary env)-token
export MY_SECRET_THING=$(canary env)-secret
export DB_PASSWORD=$(canary env)-password
export OPENAI_API_KEY=$(canary env)-apikey
export AWS_SECRET_ACCESS_KEY=$(canary env)-aws
export AWS_PROFILE=$(canary env)-awsprofile
export HARMLESS_SETTING=harmless-value
export FOO_SAFE=foo-value
gr -- env
t_rc "env runs" 0
for v in GITHUB_TOKEN MY_SECRET_THING DB_PASSWORD OPENAI_API_KEY AWS_SECRET_ACCESS_KEY AWS_PROFILE; do
	t_out_nomatch "$v is dropped" "^$v="
done
t_clean "no secret value appears in env" "$(canary env)"
t_match "a harmless variable is kept" '^HARMLESS_SETTING=harmless-value$' "$OUT"
t_match "PATH is kept" "^PATH=$PATH$" "$OUT"
t_match "HOME is kept" "^HOME=$HOME$" "$OUT"
t_match "TMPDIR is set" '^TMPDIR=.' "$OUT"

# --- env.pass keeps one, env.drop drops more
user_config 'env:
  pass: [GITHUB_TOKEN]
  drop: [FOO_SAFE]'
gr -- env
t_rc "env with env.pass/env.drop runs" 0
t_match "env.pass: GITHUB_TOKEN kept" "^GITHUB_TOKEN=$(canary env)-token$" "$OUT"
t_out_nomatch "env.pass names only GITHUB_TOKEN: DB_PASSWORD still dropped" '^DB_PASSWORD='
t_out_nomatch "env.drop: FOO_SAFE dropped" '^FOO_SAFE='
t_match "env.drop leaves others: HARMLESS_SETTING kept" '^HARMLESS_SETTING=' "$OUT"
user_config 'env:
  pass: ["AWS_*"]'
gr -- env
t_match "env.pass glob AWS_* keeps AWS_PROFILE" '^AWS_PROFILE=' "$OUT"
t_out_nomatch "env.pass glob AWS_* does not keep GITHUB_TOKEN" '^GITHUB_TOKEN='
rm -f "$XDG_CONFIG_HOME/guard/config.yaml"

# --- env.set: a profile's value (claude-code turns its updater off), overridden by your config's; guard's own
# variables are not for it; an untrusted project file may not set any
gr --profile claude-code -- env
t_match "env.set: the claude-code profile sets DISABLE_AUTOUPDATER=1" '^DISABLE_AUTOUPDATER=1$' "$OUT"
t_match "env.set: ... and CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL=1" \
	'^CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL=1$' "$OUT"
user_config 'env:
  set: {DISABLE_AUTOUPDATER: "0", MY_SETTING: "a b=c"}'
DISABLE_AUTOUPDATER=7 MY_SETTING=host gr --profile claude-code -- env
t_eq "env.set: your config's value wins over the profile's and the caller's, once" "DISABLE_AUTOUPDATER=0
MY_SETTING=a b=c" "$(printf '%s\n' "$OUT" | grep -E '^(DISABLE_AUTOUPDATER|MY_SETTING)=' | sort)"
user_config 'env:
  set: {LD_PRELOAD: /tmp/x.so}'
gr -- true
t_eq "env.set: guard's own LD_PRELOAD is refused at start (exit 125)" 125 "$RC"
t_match "env.set: ... with the reason" "LD_PRELOAD is guard's own" "$ERR"
rm -f "$XDG_CONFIG_HOME/guard/config.yaml"
project_config 'env:
  set: {DISABLE_AUTOUPDATER: "0"}'
gr -- true
t_eq "env.set in an untrusted project file: refused (exit 125)" 125 "$RC"
t_match "env.set in an untrusted project file: ... may only tighten" "env.set .*may only tighten" "$ERR"
rm -f "$PROJECT/.guard.yaml"

# --- a dropped variable is not visible through the init's /proc/1/environ either
gr -- sh -c 'tr "\0" "\n" < /proc/1/environ'
t_clean "/proc/1/environ holds no dropped value" "$(canary env)"

t_done
