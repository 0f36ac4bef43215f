#!/usr/bin/env bash
# The log's free-space margin (--log-free-margin; default the smaller of 1G and 5 % of the filesystem) with the
# log on a filesystem filled to just past it, not full: allowed events are counted, not recorded in detail; every
# denial is still recorded one by one; session.json, guard's exit line and the report say so. Then denials fill
# what is left: they used to be dropped unsaid once writes failed (956 of 4000 recorded, guard said "956 denied",
# and session.json, which could not be rewritten, said the session never ended); past a floor kept for
# session.json they are counted per rule instead. The log needs a small filesystem of its own (an 8 MiB tmpfs for
# XDG_STATE_HOME), which only root can mount here.
. "$(dirname "$0")/../lib.sh"
setup_world
if [ "$(id -u)" != 0 ]; then
	t_skip "the log on a filesystem just past its free-space margin" "mounting a small filesystem for the log needs root"
	t_done
	exit
fi
FS=$T_WORK/state
mkdir -p "$FS"
mount -t tmpfs -o size=8m,mode=700 guard-test-state "$FS" || { t_fail "mounting a tmpfs for the log"; t_done; exit; }
at_exit "umount -l '$FS'"
# 5 % of 8 MiB is 410 KiB: leave 300 KiB.
read -r avail unit < <(stat -f -c '%a %S' "$FS")
head -c $((avail * unit - 300 * 1024)) /dev/zero >"$FS/fill"
sg() { XDG_STATE_HOME=$FS gr "$@"; }

for mode in ns ll; do
	opt=()
	[ $mode = ll ] && opt=(--no-userns)
	sg "${opt[@]}" -- sh -c 'cat src/main.c README.md >/dev/null; cat .env; cat ~/.ssh/id_rsa; true'
	SESS=$(ls -td "$FS"/guard/sessions/*/ | head -1)
	EV=$(cat "$SESS/events.jsonl")
	t_match "[$mode] the log says why detail stopped" '"op":"note".*has [0-9.]+[KM]? ?[KMB]*.* free, less than its margin \(the smaller of 1G and 5 % of the filesystem\)' "$EV"
	t_lacks "[$mode] allowed reads are not recorded in detail" 'src/main.c' "$EV"
	t_match "[$mode] the denied .env is recorded" '"path":"[^"]*/\.env".*"result":"denied"' "$EV"
	t_match "[$mode] the denied id_rsa is recorded" '"path":"[^"]*/\.ssh/id_rsa".*"result":"denied"' "$EV"
	t_match "[$mode] session.json counts what was not recorded" '"allowed_unrecorded": *[1-9]' "$(cat "$SESS/session.json")"
	t_match "[$mode] guard's exit line says so" 'session log: [0-9]+ allowed events not recorded in detail.*free' "$ERR"
	XDG_STATE_HOME=$FS g report
	t_match "[$mode] the report says so" 'not recorded in detail.*free' "$OUT"
	t_match "[$mode] the report lists both denials" '\.env.*' "$OUT"
	rm -rf "$FS"/guard/sessions

	# 3000 distinct denied writes, ~350 bytes of log each: more than the 300K left.
	sg "${opt[@]}" -- python3 -c '
import os
os.dup2(os.open("/dev/null", os.O_WRONLY), 2)
for i in range(3000):
    try: open("/usr/guard-margin-%05d-%s" % (i, "y" * 100), "w")
    except OSError: pass'
	SESS=$(ls -td "$FS"/guard/sessions/*/ | head -1)
	J=$(cat "$SESS/session.json")
	t_match "[$mode] flood: session.json still records the session's end" '"exit":0' "$J"
	written=$(grep -c '"path":"/usr/guard-margin-.*"result":"denied"' "$SESS/events.jsonl")
	counted=$(printf '%s' "$J" | grep -o '"summarised":[0-9]*' | cut -d: -f2)
	t_eq "[$mode] flood: every denial is recorded or counted ($written recorded + ${counted:-?} counted)" 3000 \
		"$((written + ${counted:-0}))"
	t_match "[$mode] flood: guard's exit line says so" 'denials counted per rule, not recorded one by one, once the filesystem holding the log had less than 128K free' "$ERR"
	XDG_STATE_HOME=$FS g report
	t_match "[$mode] flood: the report says so" "${counted:-?} denials came once the filesystem holding the log was nearly full" "$OUT"
	rm -rf "$FS"/guard/sessions
done
t_done
