#!/usr/bin/env bash
# Only real denials are denials (issue 11): the kernel observer judges a call the way the kernel resolves its path,
# not from the text. A static program (no shim: only the observer sees it) reads granted files through
# /proc/self/fd/N/NAME (how Bun names them), through '.', '..' and a trailing '/' on a directory that a profile
# grants as a directory (~/.claude/), and names a hidden directory with O_PATH (~/.config, as Claude Code does on its
# way to ~/.config/anthropic: the kernel reads nothing and lets it): every call succeeds, so the session has no
# denial, no exit summary line, and `guard explain --last` agrees.
. "$(dirname "$0")/../lib.sh"
setup_world
RAW=$(helper rawops_static)
[ -n "$RAW" ] || { t_skip_n 10 "observer verdicts" "helper rawops_static not built (make tests)"; t_done; }
_put "$HOME/.claude/settings.json" "$(canary claude_settings)"

for mode in namespaces landlock-only; do
	opts=()
	[ $mode = landlock-only ] && opts=(--no-userns)
	if [ $mode = namespaces ] && ! have_userns; then
		t_skip_n 5 "$mode: observer verdicts" "no user namespaces here"
		continue
	fi
	gr --profile claude-code "${opts[@]}" -- sh -c "exec 3<'$PROJECT/src'; '$RAW' path '$HOME/.config' &&
		'$RAW' read /proc/self/fd/3/main.c &&
		'$RAW' read /proc/self/fd/3/../src/./main.c && '$RAW' read '$HOME/.claude/./settings.json' &&
		{ '$RAW' read '$HOME/.claude/' 2>/dev/null; '$RAW' read '$HOME/.claude/.' 2>/dev/null;
		  '$RAW' read '$HOME/.claude/sub/..' 2>/dev/null; true; }"
	t_allowed "$mode: reads through /proc/self/fd/N, '.', '..' and a trailing '/' succeed" \
		"$(canary claude_settings)"
	t_nomatch "$mode: ... and the exit summary counts no denial" 'denied — run: guard report' "$ERR"
	g explain --last "$PROJECT/src/main.c"
	t_nomatch "$mode: explain --last: the file read through /proc/self/fd is not denied" 'denied' "$OUT"
	g explain --last "$HOME/.claude"
	t_nomatch "$mode: explain --last: ~/.claude opened with a trailing '/' or '.' is not denied" ' denied ' "$OUT"
	g explain --last "$HOME/.config"
	t_match "$mode: explain --last: ~/.config named with O_PATH is no attempt in the log" 'attempts +0 in session' "$OUT"
done
t_done
