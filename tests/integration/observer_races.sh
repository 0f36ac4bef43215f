#!/usr/bin/env bash
# The observer keeps serving when a stopped caller dies before it is read. A process killed while the kernel holds
# its open for the observer leaves a notification that is gone by the time the supervisor asks for it (the kernel
# answers ENOENT). libseccomp 2.5 reports every such failure as ECANCELED; the observer took it for a broken
# listener and closed it, and from then on every watched call of the session failed with ENOSYS (Claude Code 2.0:
# "ENOSYS: function not implemented, scandir ~/.claude/projects/…" on its next start). Here a static program
# (no shim: every open of it stops at the observer) opens a file in a loop, eight at a time, killed after a moment,
# twenty times over; then it reads the file once more: it must read it, and no call may have failed with ENOSYS.
. "$(dirname "$0")/../lib.sh"
setup_world
RAW=$(helper rawops_static)
[ -n "$RAW" ] || { t_skip_n 4 "observer races" "helper rawops_static not built (make tests)"; t_done; }
_put "$PROJECT/notes.txt" "$(canary notes)"

for mode in namespaces landlock-only; do
	opts=()
	[ $mode = landlock-only ] && opts=(--no-userns)
	if [ $mode = namespaces ] && ! have_userns; then
		t_skip_n 2 "$mode: observer races" "no user namespaces here"
		continue
	fi
	# Each spinner is nearly always stopped in a watched open when it is killed.
	gr "${opts[@]}" -- sh -c "i=0; while [ \$i -lt 20 ]; do
			p=; for j in 1 2 3 4 5 6 7 8; do '$RAW' spin '$PROJECT/notes.txt' & p=\"\$p \$!\"; done
			sleep 0.2; kill -9 \$p; wait; i=\$((i + 1)); done
		'$RAW' read '$PROJECT/notes.txt'"
	t_allowed "$mode: a static read after 160 callers killed inside watched opens still works" "$(canary notes)"
	t_lacks "$mode: no watched call of the session failed with ENOSYS (the listener is still served)" ENOSYS "$ERR"
done
t_done
