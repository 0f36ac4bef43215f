#!/usr/bin/env bash
# The same core boundary in every mode: namespaces (default), Landlock-only (--no-userns), and forced lower
# Landlock ABIs (GUARD_LANDLOCK_ABI=N); plus `guard doctor`.
. "$(dirname "$0")/../lib.sh"
needs python3
setup_world

RAWREAD=$(helper rawread_static)
KABI=$(landlock_abi)
t_diag "kernel Landlock ABI: $KABI; user namespaces: $(have_userns && echo yes || echo no)"
ln "$HOME/.ssh/id_rsa" src/innocent-key 2>/dev/null
ln -s "$HOME/.ssh/id_rsa" key-link
# A directory with no secret in it: Landlock-only mode cannot grant "create" on a directory that holds a denied
# entry (it grants that directory's siblings one by one), so new files are tested where that cost doesn't apply.
_put lib/util.c "int util;"

# core_checks LABEL [FLAGS...]: the boundary's essentials under one mode (GUARD_LANDLOCK_ABI set by the caller).
core_checks() {
	local m=$1
	shift
	gr "$@" -- cat .env
	t_denied "[$m] cat .env denied" env
	gr "$@" -- cat "$HOME/.ssh/id_rsa"
	t_hidden "[$m] cat ~/.ssh/id_rsa denied" id_rsa
	gr "$@" -- python3 -c 'print(open("secrets/db.txt").read())'
	t_denied "[$m] python3 open(secrets/db.txt) denied" secrets_db
	gr "$@" -- cat config/server.pem
	t_denied "[$m] cat config/server.pem denied" server_pem
	if [ -n "$RAWREAD" ]; then
		gr "$@" -- "$RAWREAD" .env.local
		t_denied "[$m] rawread_static .env.local denied" env_local
	else
		_t_result 1 "[$m] rawread_static .env.local denied" "helper rawread_static not built"
	fi
	gr "$@" -- cat key-link
	t_hidden "[$m] symlink -> ~/.ssh/id_rsa denied" id_rsa
	if [ -e src/innocent-key ]; then
		gr "$@" -- cat src/innocent-key
		t_denied "[$m] hard link -> ~/.ssh/id_rsa denied" id_rsa
	else
		t_skip "[$m] hard link -> ~/.ssh/id_rsa denied" "could not create the hard link"
	fi
	gr "$@" -- cat "/proc/self/root$PROJECT/.env"
	t_denied "[$m] /proc/self/root/.../.env denied" env
	gr "$@" -- rm .env
	t_refused "[$m] rm .env fails"
	t_true "[$m] .env still there" -f .env
	gr "$@" -- cat "$HOME/Documents/private.txt"
	t_hidden "[$m] ~/Documents/private.txt denied" private_doc
	gr "$@" -- cat src/main.c
	t_allowed "[$m] src/main.c readable" "$(canary main_c)"
	gr "$@" -- cat .env.example
	t_allowed "[$m] .env.example readable" "$(canary env_example)"
	gr "$@" -- cat "$HOME/.gitconfig"
	t_allowed "[$m] ~/.gitconfig readable" "$(canary gitconfig)"
	gr "$@" -- sh -c 'echo w > lib/new-file && cat lib/new-file'
	t_allowed "[$m] new file in lib/ (a secret-free project dir) writable and readable" "w"
	rm -f lib/new-file
	gr "$@" -- sh -c 'echo w > "$HOME/newfile"'
	t_refused "[$m] writing \$HOME/newfile denied"
	t_true "[$m] \$HOME/newfile not created" ! -e "$HOME/newfile"
	gr "$@" -- sh -c 'echo t > "$TMPDIR/f" && cat "$TMPDIR/f"'
	t_allowed "[$m] TMPDIR writable" "t"
	gr "$@" -- cat "/proc/$OUTER_PID/environ"
	t_clean "[$m] /proc/<pid outside>/environ leaks nothing" "$(canary env)"
	gr "$@" -- sh -c 'grep -E "^(CapEff|CapPrm|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status'
	t_match "[$m] no effective capabilities" '^CapEff:[[:space:]]+0+$' "$OUT"
	t_match "[$m] no permitted capabilities" '^CapPrm:[[:space:]]+0+$' "$OUT"
	local a ns=1
	for a in "$@"; do [ "$a" = --no-userns ] && ns=0; done
	have_userns || ns=0
	if is_root || [ $ns = 1 ]; then
		t_match "[$m] empty bounding set" '^CapBnd:[[:space:]]+0+$' "$OUT"
	else
		t_skip "[$m] empty bounding set" "an unprivileged process outside a user namespace cannot drop it (no CAP_SETPCAP); no_new_privs makes it moot"
	fi
	t_match "[$m] no_new_privs set" '^NoNewPrivs:[[:space:]]+1$' "$OUT"
	t_match "[$m] seccomp filter active" '^Seccomp:[[:space:]]+2$' "$OUT"
	gr "$@" -- sh -c 'exit 7'
	t_rc "[$m] exit status passes through" 7
}

# A process outside the sandbox, same user, holding a secret in its environment.
GITHUB_TOKEN=$(canary env) sleep 300 &
OUTER_PID=$!
at_exit "kill $OUTER_PID"

if [ "$KABI" -lt 1 ]; then
	t_skip "all modes" "Landlock is not available in this kernel"
	t_done
fi

if have_userns; then
	core_checks namespaces
else
	t_skip "namespaces mode" "unprivileged user namespaces are not available here"
fi
core_checks landlock-only --no-userns
for abi in 1 3; do
	if [ "$KABI" -ge "$abi" ]; then
		export GUARD_LANDLOCK_ABI=$abi
		core_checks "ABI $abi"
		gr --dry-run -- true
		t_match "[ABI $abi] --dry-run reports the forced ABI $abi" "ABI[^0-9]{0,3}$abi([^0-9]|$)" "$OUT$ERR"
		unset GUARD_LANDLOCK_ABI
	else
		t_skip "ABI $abi" "kernel Landlock ABI is $KABI"
	fi
done
export GUARD_LANDLOCK_ABI=1
core_checks "landlock-only ABI 1" --no-userns
unset GUARD_LANDLOCK_ABI
# A kernel without Landlock (before 5.13, or turned off): namespaces mode alone, accepted with --allow-degraded.
if have_userns; then
	export GUARD_LANDLOCK_ABI=0
	gr -- true
	t_rc "[no Landlock] refused without --allow-degraded" 125
	core_checks "no Landlock, namespaces" --allow-degraded
	# A project under /tmp (the private /tmp hides the host's): bound back, usable, its secrets still covered.
	TP=$(mktemp -d /tmp/guard-proj.XXXXXX)
	at_exit "rm -rf '$TP'"
	printf 'data\n' >"$TP/a.txt"
	printf 'API_KEY=%s\n' "$(canary env)" >"$TP/.env"
	chmod 755 "$TP" && chmod 644 "$TP/a.txt" "$TP/.env"
	cd "$TP" || exit 1
	gr --allow-degraded -- sh -c 'cat a.txt && echo w > b.txt && cat b.txt'
	t_allowed "[no Landlock] a project under /tmp: readable and writable" "w"
	gr --allow-degraded -- cat .env
	t_denied "[no Landlock] …its .env denied" env
	cd "$PROJECT" || exit 1
	unset GUARD_LANDLOCK_ABI
else
	t_skip "no Landlock, namespaces" "unprivileged user namespaces are not available here"
fi

# --- doctor
g doctor
t_rc "guard doctor exits 0 here" 0
t_match "guard doctor mentions the Landlock ABI ($KABI)" "ABI[^0-9]{0,3}$KABI([^0-9]|$)" "$OUT"
t_match "guard doctor mentions user namespaces" '[Nn]amespace' "$OUT"
t_match "guard doctor mentions seccomp" '[Ss]eccomp' "$OUT"
g doctor --json
t_rc "guard doctor --json exits 0" 0
if python3 -c 'import json,sys; json.loads(sys.stdin.read())' <<<"$OUT" 2>/dev/null; then
	_t_result 0 "guard doctor --json prints valid JSON"
else
	_t_result 1 "guard doctor --json prints valid JSON" "$(_t_last)"
fi
t_match "guard doctor --json has the kernel's Landlock ABI ($KABI)" "\"[a-z_]*abi[a-z_]*\"[[:space:]]*:[[:space:]]*$KABI([^0-9]|$)" "$OUT"

t_done
