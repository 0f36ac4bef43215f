# tests/golden/common.sh — sourced by the golden tests (plan.sh, report.sh): a fixture world, guard run in a
# clean environment, output normalised and compared with a checked-in expected file.
#
#   golden_world                  temp world: $HOME with XDG dirs and a key, project $PROJECT (cwd) holding .env,
#                                 secrets/, .git/hooks, a symlink, sub/.env.local, certs/server.pem
#   G ARGS...                     guard ARGS in that world (env -i, TMPDIR=$T_WORK/tmp): sets RC, OUT, ERR
#   golden_check NAME TEXT        TAP: TEXT equals tests/golden/$GOLDEN_KIND/NAME (GOLDEN_UPDATE=1 writes it)
#
# Expected files are reviewed like code: `make golden-update` rewrites them and the diff shows what changed.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

GOLDEN_DIR=$TESTS_DIR/golden
GOLDEN_UPDATE=${GOLDEN_UPDATE:-0}
# Landlock's ABI decides how rights print; pin it so the expected text does not follow the kernel.
GOLDEN_ABI=4

golden_world() {
	local base
	for base in ${TEST_TMPDIR:-} /var/tmp /tmp; do
		[ -n "$base" ] && [ -d "$base" ] && [ -w "$base" ] && break
	done
	T_WORK=$(mktemp -d "$base/guard-golden.XXXXXX") || { echo "Bail out! mktemp failed"; exit 1; }
	T_WORK=$(cd "$T_WORK" && pwd -P)
	chmod 755 "$T_WORK"
	G_HOME=$T_WORK/home
	PROJECT=$G_HOME/src/app
	mkdir -p "$G_HOME/.config" "$G_HOME/.local/state" "$G_HOME/.cache" "$G_HOME/.ssh" "$T_WORK/tmp"
	printf 'key\n' >"$G_HOME/.ssh/id_ed25519"
	printf 'ssh-ed25519 AAAA golden\n' >"$G_HOME/.ssh/id_ed25519.pub"
	printf '[user]\n\tname = Golden\n' >"$G_HOME/.gitconfig"
	mkdir -p "$PROJECT/secrets" "$PROJECT/sub" "$PROJECT/certs" "$PROJECT/src" "$PROJECT/docs"
	printf 'API_KEY=1\n' >"$PROJECT/.env"
	printf 'LOCAL=1\n' >"$PROJECT/sub/.env.local"
	printf 'db\n' >"$PROJECT/secrets/db.txt"
	printf -- '-----BEGIN PRIVATE KEY-----\n' >"$PROJECT/certs/server.pem"
	printf 'int main(void) { return 0; }\n' >"$PROJECT/src/main.c"
	printf '# docs\n' >"$PROJECT/docs/README.md"
	ln -s ../.env "$PROJECT/src/env.link"
	# A git project without the host's templates: only the hooks directory the policy protects.
	git -c init.templateDir= init -q "$PROJECT" && mkdir -p "$PROJECT/.git/hooks"
	cd "$PROJECT" || exit 1
}

# G ARGS...: guard in the fixture world with a fixed environment (one secret-looking variable, which the plan
# says it drops).
G() {
	local out
	out=$(cd "${G_CWD:-$PROJECT}" && env -i PATH=/usr/bin:/bin LANG=C LC_ALL=C TERM=dumb USER=golden \
		HOME="$G_HOME" XDG_CONFIG_HOME="$G_HOME/.config" XDG_STATE_HOME="$G_HOME/.local/state" \
		XDG_CACHE_HOME="$G_HOME/.cache" TZ=UTC TMPDIR="$T_WORK/tmp" GUARD_LANDLOCK_ABI=$GOLDEN_ABI AWS_SECRET_ACCESS_KEY=golden \
		${G_ENV:-} timeout "$G_TIMEOUT" "$GUARD" "$@" 2>"$T_WORK/stderr")
	RC=$?
	OUT=$out
	ERR=$(cat "$T_WORK/stderr")
	G_CMD="guard $*"
}

# golden_paths: temp paths to placeholders (the longest first), and the random part of guard's temp dirs.
golden_paths() {
	sed -E -e "s|$PROJECT|<PROJECT>|g" -e "s|$G_HOME|<HOME>|g" -e "s|$T_WORK|<WORK>|g" -e "s|$BUILD|<BUILD>|g" \
		-e 's/guard-run-[A-Za-z0-9]{6}/guard-run-<RAND>/g' -e 's/guard-[0-9]+-[A-Za-z0-9]{6}/guard-<UID>-<RAND>/g'
}

# golden_check NAME TEXT: compare TEXT with the expected file (or write it under GOLDEN_UPDATE=1).
golden_check() {
	local name=$1 text=$2 file=$GOLDEN_DIR/$GOLDEN_KIND/$1
	if [ "$GOLDEN_UPDATE" = 1 ]; then
		mkdir -p "$(dirname "$file")"
		printf '%s\n' "$text" >"$file"
		_t_result 0 "$GOLDEN_KIND/$name (written)"
		return
	fi
	if [ ! -f "$file" ]; then
		_t_result 1 "$GOLDEN_KIND/$name" "no expected file $file: make golden-update, then review the diff"
		return
	fi
	local diff
	diff=$(printf '%s\n' "$text" | diff -u --label "expected $GOLDEN_KIND/$name" --label actual "$file" -)
	if [ -z "$diff" ]; then
		_t_result 0 "$GOLDEN_KIND/$name"
		return
	fi
	_t_result 1 "$GOLDEN_KIND/$name matches tests/golden/$GOLDEN_KIND/$name (make golden-update if intended)"
	printf '%s\n' "$diff" | head -60 | sed 's/^/#   /'
}
