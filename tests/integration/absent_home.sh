#!/usr/bin/env bash
# Absent is absent (issue 11): a grant of a file that does not exist yet works, or guard says at start why not,
# and the "To allow" advice for a file that does not exist names the file, never the whole home.
. "$(dirname "$0")/../lib.sh"
setup_world
rm -f "$HOME/.bash_history"

if have_userns; then
	gr --allow-write "$HOME/.bash_history" -- sh -c "echo ls >> '$HOME/.bash_history' && cat '$HOME/.bash_history'"
	t_allowed "namespaces: --allow-write of a file not there yet: the file can be created" ls
	t_eq "namespaces: ... and it is in the host's home after the run" ls "$(cat "$HOME/.bash_history" 2>/dev/null)"
	gr --allow-write "$HOME/.bash_history" -- sh -c "echo x > '$HOME/.bash_history.old'"
	t_refused "namespaces: ... nothing else beside it"
	rm -f "$HOME/.bash_history"
	gr -- sh -c "echo ls >> '$HOME/.bash_history'"
	t_refused "namespaces: not granted: refused"
	t_match "namespaces: the advice names the file" 'To allow: guard run --allow-write [^ ]*\.bash_history …' "$ERR"
	t_nomatch "namespaces: ... never the whole home" 'allow-write (~|[^ ]*/home) …' "$ERR"
else
	t_skip_n 6 "namespaces: a file granted before it exists" "no user namespaces here"
fi

# Inside hidden home directories: what does not exist on the host answers ENOENT, what exists EACCES.
_put "$HOME/.config/tool/other" "$(canary tool_other)"
rm -rf "$HOME/.config/git"
for mode in namespaces landlock-only; do
	opts=()
	[ $mode = landlock-only ] && opts=(--no-userns)
	if [ $mode = namespaces ] && ! have_userns; then
		t_skip_n 7 "$mode: absent is absent" "no user namespaces here"
		continue
	fi
	gr "${opts[@]}" -- cat "$HOME/.config/curlrc"
	t_match "$mode: ~/.config/curlrc (absent): No such file" 'No such file' "$ERR"
	gr "${opts[@]}" -- cat "$HOME/.config/git/ignore"
	t_match "$mode: ~/.config/git/ignore (absent): No such file" 'No such file' "$ERR"
	gr "${opts[@]}" -- cat "$HOME/.config/tool/missing"
	t_match "$mode: ~/.config/tool/missing (absent, in a hidden directory that exists): No such file" \
		'No such file' "$ERR"
	gr "${opts[@]}" -- cat "$HOME/.config/tool/other"
	t_denied "$mode: ~/.config/tool/other (exists, hidden): denied" tool_other
	gr "${opts[@]}" -- cat "$HOME/.ssh/id_rsa"
	t_denied "$mode: ~/.ssh/id_rsa still denied" id_rsa
	gr "${opts[@]}" -- ls "$HOME/.ssh"
	t_refused "$mode: a hidden directory is not listable"
	t_nomatch "$mode: ... its names are not listed" 'id_rsa' "$OUT"
done

rm -f "$HOME/.bash_history"
gr --no-userns --allow-write "$HOME/.bash_history" -- sh -c "echo ls >> '$HOME/.bash_history'"
t_refused "landlock-only: a file not there yet cannot be granted"
t_match "landlock-only: guard says why at start" 'bash_history is not granted: it does not exist yet.*touch' "$ERR"
t_true "landlock-only: nothing created" ! -e "$HOME/.bash_history"
t_done
