#!/usr/bin/env bash
# rlimits (no core dumps, limits.processes, limits.open_files) and the environment (secret-looking variables
# dropped, env.pass keeps one, env.drop drops more, PATH/HOME kept).
. "$(dirname "$0")/../lib.sh"
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
rm -f "$XDG_CONFIG_HOME/guard/config.yaml"
gr -- bash -c 'ulimit -u'
t_rc "default profile: ulimit -u runs" 0
t_match "default profile caps processes (ulimit -u is a number)" '^[0-9]+$' "$OUT"

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

# --- a dropped variable is not visible through the init's /proc/1/environ either
gr -- sh -c 'tr "\0" "\n" < /proc/1/environ'
t_clean "/proc/1/environ holds no dropped value" "$(canary env)"

t_done
