#!/usr/bin/env bash
# Credential files and environment shapes the defaults missed (issue 13, class 8): each one holding a canary is
# read in every flavour and must not come out; the look-alikes (.env.example, settings.gradle, package.json, a
# token count) still read.
. "$(dirname "$0")/common.bash"

FILES="auth.json .dev.vars .dockercfg .docker/config.json deploy/my-service-account.json client_secret_123.json
application_default_credentials.json gradle.properties web/.htpasswd release.jks app/debug.keystore kubeconfig
ops/prod.kubeconfig config/master.key secrets.json secrets.yaml wp-config.php .pgpass .my.cnf .s3cfg .boto
.envrc credentials.tfrc.json"
HOMEFILES=".vault-token .microsoft/usersecrets/0123/secrets.json"
i=0
for p in $FILES; do i=$((i + 1)); mkdir -p "$(dirname "$p")"; echo "$(canary "file$i")" > "$p"; add_secret "file$i"; done
for p in $HOMEFILES; do i=$((i + 1)); mkdir -p "$HOME/$(dirname "$p")"; echo "$(canary "file$i")" > "$HOME/$p"; add_secret "file$i"; done
for p in settings.gradle package.json; do echo "$(canary "public_${p%%.*}")" > "$p"; done

for f in $FLAVOURS; do
	ga "$f" -- sh -c 'for p in $1; do cat "$p"; done; for p in $2; do cat "$HOME/$p"; done; cat .env.example settings.gradle package.json
		true' sh "$FILES" "$HOMEFILES"
	a_clean "[$f] credential files by name (Composer, Wrangler, Docker, GCP, Gradle, htpasswd, keystores, kubeconfigs, Rails, secrets.json, WordPress, ...) leak nothing"
	t_has "[$f] ... .env.example still reads" "$(canary env_example)" "$OUT"
	t_has "[$f] ... settings.gradle still reads" "$(canary public_settings)" "$OUT"
	t_has "[$f] ... package.json still reads" "$(canary public_package)" "$OUT"
done

# environment shapes: *_TOKENS, CI job JWTs, cookies, webhooks (by name and by value), Sentry DSNs, JDBC passwords
ENVS="API_TOKENS=$(canary e1) CI_JOB_JWT_V2=$(canary e2) SESSION_COOKIE=$(canary e3) SLACK_WEBHOOK_URL=$(canary e4)
NOTIFY_URL=https://hooks.slack.com/services/T0/B0/$(canary e5) CHAT=https://discord.com/api/webhooks/1/$(canary e6)
SENTRY_DSN=https://$(canary e7)@o1.ingest.sentry.io/2 ERRORS=https://$(canary e8)@o1.ingest.sentry.io/3
DB=jdbc:oracle:thin:scott/$(canary e9)@db:1521/x JDBC_URL=jdbc:sqlserver://db;user=sa;password=$(canary e10)"
for n in 1 2 3 4 5 6 7 8 9 10; do add_secret "e$n"; done
for f in $FLAVOURS; do
	G_CMD="[$f] env ENVS... guard run -- env" ERR=
	mapfile -t opts < <(flavour_args "$f")
	# shellcheck disable=SC2086 # one word per variable
	out=$(env $ENVS CLAUDE_CODE_MAX_OUTPUT_TOKENS=32000 timeout -k 5 "$G_TIMEOUT" "$GUARD" run ${opts[@]+"${opts[@]}"} -- env 2>&1 </dev/null)
	RC=$? OUT=$out
	a_clean "[$f] credential-shaped environment variables do not reach the sandbox"
	t_has "[$f] ... a token count (CLAUDE_CODE_MAX_OUTPUT_TOKENS) still does" "CLAUDE_CODE_MAX_OUTPUT_TOKENS=32000" "$OUT"
done

t_done
