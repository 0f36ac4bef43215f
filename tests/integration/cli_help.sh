#!/usr/bin/env bash
# The front door: a bare guard is a usage error (2, usage on stderr), -V/--version/version print the build's
# version, `guard help COMMAND` and `guard COMMAND --help` print one command's options for every command.
. "$(dirname "$0")/../lib.sh"
setup_world

g
t_rc "bare guard exits 2, like other CLIs" 2
t_match "... with the usage on stderr" '^usage: guard COMMAND' "$ERR"
t_eq "... and nothing on stdout" "" "$OUT"

RELEASE=$(cat "$ROOT_DIR/VERSION" 2>/dev/null)
for v in -V --version version; do
	g "$v"
	t_rc "guard $v exits 0" 0
	t_match "guard $v prints guard and a version (the release $RELEASE, or git describe's)" \
		"^guard ([0-9]+\.[0-9]+\.[0-9]+[-+.~a-z0-9]*)\$" "$OUT"
done

g help
t_rc "guard help exits 0" 0
t_match "guard help prints the usage on stdout" '^usage: guard COMMAND' "$OUT"
mapfile -t CMDS < <(sed -n 's/^  \([a-z]\+\) .*/\1/p; s/^  \([a-z]\+\)$/\1/p' <<<"$OUT")
t_true "the overview lists the commands (${#CMDS[@]})" "${#CMDS[@]}" -ge 15
for c in "${CMDS[@]}"; do
	g help "$c"
	t_rc "guard help $c exits 0" 0
	t_match "guard help $c prints its usage" "usage: guard ($c|hook|version)" "$OUT"
	help_out=$OUT
	g "$c" --help
	t_eq "guard $c --help says the same as guard help $c" "$help_out" "$OUT"
done
g run --help
t_match "guard run --help lists the run options" '--allow-degraded' "$OUT"
g help rn
t_rc "guard help of an unknown command: 125" 125
t_match "... with a suggestion" 'did you mean "run"' "$ERR"
g frobnicate
t_rc "an unknown command: 125 (as before)" 125
t_done
