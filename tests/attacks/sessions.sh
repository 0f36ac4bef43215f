#!/usr/bin/env bash
# Sessions reach each other (issue 13, class 6): a Landlock-only sandbox finds another session's event socket in
# /proc/net/unix and writes forged events into that session's log. The harness runs session A (waiting for a
# marker), then a Landlock-only session B that sends A's socket events in the wire format of this and of the
# previous version, then ends A and reads A's log.
. "$(dirname "$0")/common.bash"
needs pgrep awk

SESSIONS=$XDG_STATE_HOME/guard/sessions
FORGE='
import os, re, socket, struct, sys
sent = 0
for line in open("/proc/net/unix").read().splitlines()[1:]:
    path = line.split()[-1] if len(line.split()) > 7 else ""
    # (an attacker would take every guard socket listed; the test keeps to session A, never hitting other runs)
    if not path.endswith("events.sock") or path != sys.argv[1]:
        continue
    name = ("/forged/by-" + "another-session").encode() + b"\0"
    v1 = struct.pack("<HHBBBBiiiIHHHHHH", 1, 36 + len(name), 1, 1, 0, 0, 13, 4242, 1, 0, len(name), 0, 0, 0, 0, 0)
    v2 = struct.pack("<HHBBBBiiiIHHHHHH4xQ", 2, 48 + len(name), 1, 1, 0, 0, 13, 4242, 1, 0, len(name), 0, 0, 0, 0,
                     0, 0x1234567890abcdef)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    for d in (v1 + name, v2 + name):
        try:
            s.sendto(d, path); sent += 1
        except OSError as e:
            print("send", path, e)
print("SENT", sent)
'
for a in $FLAVOURS; do
	case $STATIC_FLAVOURS in *ll*) ;; *) t_skip "[$a] another session forges events" "no Landlock-only mode here"; continue ;; esac
	rm -f marker
	before=$(ls "$SESSIONS" 2>/dev/null)
	mapfile -t opts < <(flavour_args "$a")
	timeout -k 5 "$G_TIMEOUT" "$GUARD" run ${opts[@]+"${opts[@]}"} -- sh -c 'echo READY; while [ ! -e marker ]; do sleep 0.05; done' \
		>"$T_WORK/a.out" 2>&1 </dev/null &
	apid=$!
	for _ in $(seq 200); do grep -q READY "$T_WORK/a.out" 2>/dev/null && break; sleep 0.05; done
	sess_a=$(comm -13 <(printf '%s\n' $before | sort) <(ls "$SESSIONS" | sort) | head -1)
	# session A's event socket: the one its guard holds open (by inode in /proc/net/unix)
	gpid=$(pgrep -P "$apid" -x guard | head -1) sock_a=
	for fd in /proc/"$gpid"/fd/*; do
		ino=$(readlink "$fd" 2>/dev/null | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p')
		[ -n "$ino" ] && sock_a=$(awk -v i="$ino" '$7 == i && $8 ~ /events\.sock$/ {print $8}' /proc/net/unix | head -1)
		[ -n "$sock_a" ] && break
	done
	ga ll -- python3 -c "$FORGE" "$sock_a"
	t_match "[$a] (session B, Landlock-only, found event sockets to send to)" 'SENT [1-9]' "$OUT"
	touch marker
	wait "$apid"
	t_true "[$a] (session A's log was found)" -n "$sess_a" -a -d "$SESSIONS/$sess_a"
	t_eq "[$a] events forged by another session are not in this session's log" "" \
		"$(grep -rl 'forged/by-another-session' "$SESSIONS/$sess_a" 2>/dev/null)"
	rm -f marker
done

t_done
