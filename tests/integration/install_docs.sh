#!/usr/bin/env bash
# What a user reads and types: guard(1) and guard.yaml(5) render without a warning, guard(1) names every
# command and every option that any `guard ... --help` prints (derived from the help text, not a kept list),
# guard.yaml(5) names every key the loader accepts, and the bash completion completes commands, options,
# profile names and session ids (driven through COMP_WORDS/COMP_CWORD); zsh and fish completions parse.
. "$(dirname "$0")/../lib.sh"
needs man zsh fish
setup_world
DIST=$ROOT_DIR/dist
if [ ! -d "$DIST" ]; then
	t_skip "dist/ (man pages, completions)" "dist/ is not in this copy of the tree ($ROOT_DIR)"
	t_done
fi
MAN1=$DIST/man/guard.1 MAN5=$DIST/man/guard.yaml.5

# --- rendering: man(1), warnings on
for page in "$MAN1" "$MAN5"; do
	name=$(basename "$page")
	warn=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	t_eq "man -l $name renders without warnings" "" "$warn"
	text=$(MANWIDTH=80 man -l "$page" 2>/dev/null)
	t_match "man -l $name renders its NAME section" '^NAME' "$text"
done

# --- guard(1) against the help text: the source with roff's \- turned back into -
src1=$(sed 's/\\-/-/g' "$MAN1")
g help
mapfile -t CMDS < <(sed -n 's/^  \([a-z][a-z-]*\)\( .*\)\{0,1\}$/\1/p' <<<"$OUT")
t_true "guard help lists commands (${#CMDS[@]})" "${#CMDS[@]}" -ge 15
for c in "${CMDS[@]}"; do
	t_match "guard(1) describes the command $c" "^\.(TP|B|BR)? ?\.?BR? \"?$c\b|^\.BR $c " "$(grep -A1 '^\.TP' <<<"$src1")"
done
declare -A OPTS=()
for c in "${CMDS[@]}"; do
	g help "$c"
	for o in $(grep -oE -- '(^|[ [|,(])--?[a-zA-Z][a-z-]*' <<<"$OUT" | sed 's/^[ [|,(]//'); do
		[ "$o" = - ] || OPTS[$o]+=" $c"
	done
done
t_true "the help texts name options (${#OPTS[@]})" "${#OPTS[@]}" -ge 25
for o in "${!OPTS[@]}"; do
	t_has "guard(1) documents $o (in the help of:${OPTS[$o]})" "$o" "$src1"
done
for s in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES "JSON OUTPUT"; do
	t_match "guard(1) has a section $s" "^\.SH \"?$s\"?\$" "$src1"
done
for e in GUARD_QUIET GUARD_LIBRARY GUARD_LANDLOCK_ABI GUARD_DOCTOR_SYSCTL_DIR XDG_CONFIG_HOME XDG_STATE_HOME PAGER NO_COLOR; do
	t_has "guard(1) documents the environment variable $e" "$e" "$src1"
done

# --- guard.yaml(5) against the loader's schema (launcher/policy/policy_yaml.c's key tables)
src5=$(sed 's/\\-/-/g' "$MAN5")
YAML_C=$ROOT_DIR/launcher/policy/policy_yaml.c
if [ -f "$YAML_C" ]; then
	keys=0
	while read -r table list; do
		for k in $(grep -oE '"[a-z_-]+"' <<<"$list" | tr -d '"'); do
			keys=$((keys + 1))
			case $table in
			TOP_KEYS) want="\\b$k\\b" ;;
			PASSTHROUGH_NAMES) want="^\\.B $k\\b|\\b$k\\)" ;;
			*) want="\\.$k\\b|^\\.B $k\\b|\\b$k\\b" ;;
			esac
			t_match "guard.yaml(5) documents ${table%_*} key $k" "$want" "$src5"
		done
	done < <(tr '\n' ' ' <"$YAML_C" | grep -oE 'static const char \*const [A-Z_]+\[\] = \{[^}]*\}' |
		sed -E 's/static const char \*const ([A-Z_]+)\[\] = \{(.*)\}/\1 \2/')
	t_true "the schema tables were found ($keys keys)" "$keys" -ge 25
else
	t_skip "guard.yaml(5) against the loader's schema" "launcher/policy/policy_yaml.c not in this copy"
fi

# --- bash completion, driven like bash does
comp() { # comp WORD...: COMPREPLY for the last word, one per line
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _guard; printf "%s\n" "${COMPREPLY[@]}"' \
		comp "$DIST/completion/guard.bash" "$@"
}
t_eq "bash: the completion file parses" "" "$(bash -n "$DIST/completion/guard.bash" 2>&1)"
t_has "bash: guard pro<TAB> completes profiles" "profiles" "$(comp "$GUARD" pro)"
t_eq "bash: guard rep<TAB> completes report only" "report" "$(comp "$GUARD" rep)"
all=$(comp "$GUARD" "")
for c in "${CMDS[@]}"; do t_has "bash: guard <TAB> offers $c" "$c" "$all"; done
t_eq "bash: guard run --no-u<TAB> completes the option" "--no-userns" "$(comp "$GUARD" run --no-u)"
t_has "bash: guard doctor --<TAB> offers --json" "--json" "$(comp "$GUARD" doctor --)"
t_eq "bash: guard explain --op w<TAB>" "write" "$(comp "$GUARD" explain --op w)"
t_eq "bash: guard report --format j<TAB>" "json" "$(comp "$GUARD" report --format j)"
profiles=$(comp "$GUARD" run --profile "")
for p in default claude-code codex; do t_has "bash: --profile <TAB> offers $p (from guard profiles)" "$p" "$profiles"; done
t_eq "bash: guard profiles show cl<TAB>" "claude-code" "$(comp "$GUARD" profiles show cl)"
t_eq "bash: guard help exp<TAB>" "explain" "$(comp "$GUARD" help exp)"
t_eq "bash: guard deny w<TAB>" "write" "$(comp "$GUARD" deny w)"
t_eq "bash: guard hook c<TAB>" "claude-code codex" "$(comp "$GUARD" hook c | tr '\n' ' ' | sed 's/ $//')"
# Session ids: record two sessions, then complete them.
gr -- true
gr -- true
ids=$("$GUARD" sessions 2>/dev/null | awk 'NR > 1 { print $1 }' | sort)
t_true "two sessions recorded" "$(wc -l <<<"$ids")" -eq 2
t_eq "bash: guard report <TAB> offers the session ids" "$ids" "$(comp "$GUARD" report "" | sort)"
t_eq "bash: guard explain --session <TAB> offers the session ids" "$ids" "$(comp "$GUARD" explain --session "" | sort)"
first=$(head -n1 <<<"$ids")
t_eq "bash: guard report ${first:0:8}<TAB> completes the id" "$first" "$(comp "$GUARD" report "${first:0:8}" | grep -Fx "$first")"
t_has "bash: guard run -- ech<TAB> completes a command" "echo" "$(comp "$GUARD" run -- ech)"

# --- zsh, fish: syntax, and fish completes (./install-deps installs both: a fresh Debian has neither)
t_eq "zsh -n _guard" "" "$(zsh -n "$DIST/completion/_guard" 2>&1)"
t_eq "fish -n guard.fish" "" "$(fish -n "$DIST/completion/guard.fish" 2>&1)"
fc() { PATH=$(dirname "$GUARD"):$PATH fish --no-config -c 'source $argv[1]; complete -C"$argv[2]"' \
	"$DIST/completion/guard.fish" "$1" 2>&1 | cut -f1; }
t_eq "fish: guard rep<TAB>" "report" "$(fc 'guard rep')"
t_has "fish: guard run --profile <TAB> offers claude-code" "claude-code" "$(fc 'guard run --profile ')"
t_has "fish: guard doctor --<TAB> offers --json" "--json" "$(fc 'guard doctor --')"
t_done
