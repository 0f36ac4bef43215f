# bash completion for guard(1). Installed as PREFIX/share/bash-completion/completions/guard.
# Commands and options come from guard itself (`guard help`, `guard help COMMAND`), profile names from
# `guard profiles`, session ids from `guard sessions`: nothing here goes stale when guard changes.

_guard_commands() {
	"${1:-guard}" help 2>/dev/null | sed -n 's/^  \([a-z][a-z-]*\)\( .*\)\{0,1\}$/\1/p'
}

_guard_options() { # _guard_options GUARD COMMAND
	"$1" help "$2" 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u
	case $2 in run | policy | status) echo -q ;; esac
}

_guard_profiles() {
	"${1:-guard}" profiles 2>/dev/null | awk 'NR == 1 { next } !NF { exit } { print $1 }'
}

_guard_sessions() {
	"${1:-guard}" sessions 2>/dev/null | awk 'NR == 1 && $1 != "ID" { exit } NR > 1 { print $1 }'
}

_guard() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local g=${COMP_WORDS[0]} cmd= cmd_at=0 i
	COMPREPLY=()
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*) cmd=${COMP_WORDS[i]} cmd_at=$i && break ;;
		esac
	done
	if [ -z "$cmd" ]; then
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W '-V --version -h --help' -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$(_guard_commands "$g")" -- "$cur")
		fi
		return 0
	fi

	# run/status: after "--" (or the first word that is not an option's) comes the command to sandbox.
	if [ "$cmd" = run ] || [ "$cmd" = status ]; then
		for ((i = cmd_at + 1; i < COMP_CWORD; i++)); do
			if [ "${COMP_WORDS[i]}" = -- ]; then
				if [ $((i + 1)) -eq "$COMP_CWORD" ]; then
					mapfile -t COMPREPLY < <(compgen -c -- "$cur")
				else
					mapfile -t COMPREPLY < <(compgen -f -- "$cur")
				fi
				return 0
			fi
		done
	fi

	case $prev in
	--profile)
		mapfile -t COMPREPLY < <(compgen -W "$(_guard_profiles "$g")" -- "$cur")
		return 0 ;;
	--session)
		mapfile -t COMPREPLY < <(compgen -W "$(_guard_sessions "$g")" -- "$cur")
		return 0 ;;
	--project)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return 0 ;;
	--allow-read | --allow-write | --deny | --protect)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0 ;;
	--allow-net | --deny-exec | --log-cap | --log-free-margin)
		return 0 ;;
	--op)
		mapfile -t COMPREPLY < <(compgen -W 'read write exec' -- "$cur")
		return 0 ;;
	--format)
		mapfile -t COMPREPLY < <(compgen -W 'text json html' -- "$cur")
		return 0 ;;
	esac

	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_guard_options "$g" "$cmd") --help" -- "$cur")
		return 0
	fi
	local words=
	case $cmd in
	help) [ "$COMP_CWORD" -eq $((cmd_at + 1)) ] && words=$(_guard_commands "$g") ;;
	report) words=$(_guard_sessions "$g") ;;
	hook) [ "$COMP_CWORD" -eq $((cmd_at + 1)) ] && words='claude-code codex' ;;
	profiles)
		if [ "$prev" = show ]; then
			words=$(_guard_profiles "$g")
		elif [ "$COMP_CWORD" -eq $((cmd_at + 1)) ]; then
			words=show
		fi ;;
	deny | allow)
		case $prev in
		deny | allow) words='read write exec net' ;;
		read | write) mapfile -t COMPREPLY < <(compgen -f -- "$cur") && return 0 ;;
		esac ;;
	explain | trust | untrust)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0 ;;
	run | status)
		mapfile -t COMPREPLY < <(compgen -c -- "$cur")
		return 0 ;;
	esac
	[ -n "$words" ] && mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
	return 0
}
complete -F _guard guard
