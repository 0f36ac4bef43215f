#!/usr/bin/env bash
# Where the shim's one-line explanation goes: to a reader who can act on it. A tool's captured output (a pipe, a
# file) gets it, and so does a plain command on a terminal in canonical mode (`guard run -- cat .env`); a
# full-screen program's terminal (raw mode) and an agent's terminal (its TUI) never do: their human gets the
# exit summary and the report. A reader is told once per session and path: processes sharing one stderr print
# the line once, commands with outputs of their own each get it. Run on a real pseudo-terminal (lib.sh's pty),
# in both modes.
. "$(dirname "$0")/../lib.sh"
setup_world

if [ ! -x "$GUARD" ]; then G=(false guard-missing); else G=("$GUARD"); fi
LINE='guard: denied read of \.env'
RAW='import tty
tty.setraw(0)
try:
    open(".env")
except OSError as e:
    print("RAW-REFUSED", e.errno, end="\r\n")'

for mode in "" --no-userns; do
	tag="[${mode:-namespaces}]"
	# a person runs a plain command in a terminal: the line is for them
	pty 24 100 30 '[]' -- "${G[@]}" run $mode -- cat .env
	t_eq "$tag plain command on a terminal: cat fails" 1 "$PTY_RC"
	t_match "$tag plain command on a terminal: guard's line is shown" "$LINE" "$PTY_OUT"

	# a full-screen program (raw mode) owns the screen: nothing is drawn over it, the summary comes at exit
	pty 24 100 30 '[]' -- "${G[@]}" run $mode -- python3 -c "$RAW"
	t_match "$tag raw-mode program: its open was refused" 'RAW-REFUSED 13' "$PTY_OUT"
	t_nomatch "$tag raw-mode program: no guard line on its screen" "$LINE" "$PTY_OUT"
	t_match "$tag raw-mode program: the exit summary counts the denial" 'guard: 1 access denied' "$PTY_OUT"

	# an agent's session: its terminal is its TUI, even in canonical mode...
	pty 24 100 30 '[]' -- "${G[@]}" run $mode --profile claude-code -- cat .env
	t_eq "$tag agent session on a terminal: cat fails" 1 "$PTY_RC"
	t_nomatch "$tag agent session: no guard line on the agent's terminal" "$LINE" "$PTY_OUT"
	t_match "$tag agent session: the exit summary counts the denial" 'guard: 1 access denied' "$PTY_OUT"
	g report --last
	t_match "$tag agent session: the report lists the silent denial" '\.env' "$OUT"

	# ...but a tool it runs writes to a pipe the agent reads: that output carries the line
	pty 24 100 30 '[]' -- "${G[@]}" run $mode --profile claude-code -- sh -c 'cat .env 2>&1 | sed "s/^/TOOL> /"'
	t_match "$tag agent's tool with captured output: the line is in the tool's output" "TOOL> $LINE" "$PTY_OUT"

	# the same without a terminal at all (CI, scripts): stderr is a file, the line is there
	gr $mode --profile claude-code -- cat .env
	t_match "$tag agent session without a terminal: the line is on stderr" "$LINE" "$ERR"

	# once per session and reader: processes writing into one stderr tell its reader once...
	gr $mode -- sh -c 'cat .env; cat .env; cat .env'
	t_eq "$tag three processes, one stderr: guard's line once" 1 "$(printf '%s\n' "$ERR" | grep -c "^$LINE")"
	# ...while each command with an output of its own (an agent's tool calls) gets it in that output
	gr $mode -- sh -c 'cat .env 2>&1 | sed "s/^/A> /"; cat .env 2>&1 | sed "s/^/B> /"'
	t_match "$tag two commands, two outputs: the first one's has the line" "^A> $LINE" "$OUT"
	t_match "$tag ...and so has the second one's" "^B> $LINE" "$OUT"
done

t_done
