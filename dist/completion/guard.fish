# fish completion for guard(1). Installed as PREFIX/share/fish/vendor_completions.d/guard.fish.
# Commands and options come from guard itself (`guard help`, `guard help COMMAND`), profile names from
# `guard profiles`, session ids from `guard sessions`.

function __guard_commands
    guard help 2>/dev/null | string match -r '^  ([a-z][a-z-]*)(?: |$)' | string match -r '^[a-z][a-z-]*$'
end

function __guard_profiles
    guard profiles 2>/dev/null | awk 'NR == 1 { next } !NF { exit } { print $1 }'
end

function __guard_sessions
    guard sessions 2>/dev/null | awk 'NR == 1 && $1 != "ID" { exit } NR > 1 { print $1 }'
end

# The command word, or nothing yet.
function __guard_command
    set -l words (commandline -opc)
    for w in $words[2..-1]
        if not string match -q -- '-*' $w
            echo $w
            return 0
        end
    end
    return 1
end

function __guard_needs_command
    not __guard_command >/dev/null
end

function __guard_using
    set -l c (__guard_command)
    contains -- "$c" $argv
end

function __guard_options
    set -l c (__guard_command)
    guard help $c 2>/dev/null | string match -r -a -- '--[a-z][a-z-]*' | sort -u | string replace -- '--' ''
end

complete -c guard -f
complete -c guard -n __guard_needs_command -a '(__guard_commands)'
complete -c guard -n __guard_needs_command -s V -l version -d "guard's version"
complete -c guard -n __guard_needs_command -s h -l help -d 'usage'
# Every command's long options, from its help text.
complete -c guard -n 'not __guard_needs_command' -a '(__guard_options | string replace -r "^" -- "--")'
complete -c guard -n '__guard_using run status' -s q -d 'no notes from guard'
complete -c guard -n '__guard_using run policy status explain deny allow' -l profile -x -a '(__guard_profiles)' -d profile
complete -c guard -n '__guard_using explain' -l session -x -a '(__guard_sessions)' -d session
complete -c guard -n '__guard_using explain' -l op -x -a 'read write exec'
complete -c guard -n '__guard_using report' -l format -x -a 'text json html'
complete -c guard -n '__guard_using run policy status explain init deny allow' -l project -x -a '(__fish_complete_directories)'
complete -c guard -n '__guard_using run policy status' -l allow-read -l allow-write -l deny -l protect -r -F
complete -c guard -n '__guard_using report' -a '(__guard_sessions)' -d session
complete -c guard -n '__guard_using help' -a '(__guard_commands)'
complete -c guard -n '__guard_using hook' -a 'claude-code codex'
complete -c guard -n '__guard_using profiles; and not __fish_seen_subcommand_from show' -a show
complete -c guard -n '__guard_using profiles; and __fish_seen_subcommand_from show' -a '(__guard_profiles)'
complete -c guard -n '__guard_using deny allow; and not __fish_seen_subcommand_from read write exec net' -a 'read write exec net'
complete -c guard -n '__guard_using explain trust untrust' -F
complete -c guard -n '__guard_using run status; and __fish_seen_subcommand_from --' -a '(__fish_complete_command)'
