#!/usr/bin/env bash
# mask_output when stdout/stderr are pipes or files: both masked on their way out (a key split across writes
# too), binary output intact apart from the masked key, exit status unchanged; without mask_output the command
# writes to guard's own stdout directly (no pipe in between). Namespaces and Landlock-only modes.
. "$(dirname "$0")/../lib.sh"
needs python3
setup_world

KEY1=sk-proj-Ab3dEf5hIj7lMn9
KEY2=pQr1sTu3vWx5yZa7bCd9eFg1h
AWS=AKIAIOSFODNN7EXAMPLE

# Binary-ish input: 300 KB of random bytes with a key in the middle, and the expected output.
python3 - "$PROJECT/bin.dat" "$T_WORK/bin.want" "$KEY1$KEY2" <<'PY'
import os, sys, random
random.seed(7)
a = bytes(random.getrandbits(8) for _ in range(150000))
b = bytes(random.getrandbits(8) for _ in range(150000))
open(sys.argv[1], "wb").write(a + b" " + sys.argv[3].encode() + b"\n" + b)
open(sys.argv[2], "wb").write(a + b" [MASKED:openai]\n" + b)
PY

# Without mask_output: stdout is guard's own (a file here), not a pipe.
gr -- sh -c 'readlink /proc/self/fd/1'
t_rc "no mask_output: exit 0" 0
t_nomatch "no mask_output: the command writes to guard's stdout directly" '^pipe:' "$OUT"

user_config 'mask_output:
  presets: [openai, aws]'

modes=("namespaces")
have_userns || modes=()
modes+=("landlock-only")
for mode in "${modes[@]}"; do
	flags=()
	[ "$mode" = landlock-only ] && flags=(--no-userns)
	gr "${flags[@]}" -- sh -c "printf 'a=$KEY1'; sleep 0.2; printf '$KEY2\n'; echo 'b=$AWS' >&2; readlink /proc/self/fd/1; exit 4"
	t_rc "$mode: exit status passes through" 4
	t_match "$mode: stdout: a key split across writes 200 ms apart is masked" '^a=\[MASKED:openai\]$' "$OUT"
	t_match "$mode: stderr is masked" '^b=\[MASKED:aws\]$' "$ERR"
	t_lacks "$mode: nothing of the key on stdout" "$KEY2" "$OUT"
	t_lacks "$mode: nothing of the key on stderr" "$AWS" "$ERR"
	t_match "$mode: with mask_output the command writes to a pipe" '^pipe:' "$OUT"

	if [ -x "$GUARD" ]; then
		timeout 60 "$GUARD" run "${flags[@]}" -- cat bin.dat >"$T_WORK/bin.got" 2>"$T_WORK/bin.err" </dev/null
		rc=$?
	else
		rc=guard-missing
	fi
	t_eq "$mode: cat of binary data: exit 0" 0 "$rc"
	t_ok "$mode: binary data intact but for the masked key" cmp "$T_WORK/bin.want" "$T_WORK/bin.got"

	# A line longer than the hold limit, and output after the command's end (a background writer) still arrive.
	gr "${flags[@]}" -- sh -c 'head -c 200000 /dev/zero | tr "\0" x; echo; (sleep 0.3; echo LATE) & echo EARLY'
	t_rc "$mode: long line: exit 0" 0
	t_eq "$mode: a 200 KB line arrives whole" 200000 "$(printf '%s\n' "$OUT" | head -1 | tr -d '\n' | wc -c)"
	t_match "$mode: output before the end arrives" '^EARLY$' "$OUT"
done

# A bad pattern is refused before anything runs.
user_config 'mask_output:
  patterns:
    - {regex: "(unclosed"}'
gr -- echo RAN
t_ne "a bad regex: guard refuses" 0 "$RC"
t_lacks "a bad regex: the command does not run" RAN "$OUT"
t_match "a bad regex: the error names it" 'bad regex' "$ERR"

t_done
