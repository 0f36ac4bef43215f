#!/usr/bin/env bash
# The kernel observer cannot be evaded (issue 13, class 7): a static program's denied open is logged as a kernel
# fact however it is made, as root as it is as a user.
#   - a plain open under a denied directory (secrets/ is denied by the default profile): as root in namespaces
#     mode the supervisor looked through the directory's mode-000 cover (CAP_DAC_OVERRIDE), found it empty and
#     took the denial for a lookup of nothing, so it was not logged (it was as a user);
#   - the 32-bit entry (int $0x80), which the observer's filter let through unwatched;
#   - an execve carrying the session magic (GUARD_MAGIC is in every sandboxed process's environment: the shim
#     needs it), which skipped the observer and with it exec.deny for static programs;
#   - an open carrying the magic is not logged (README, threat model), but the boundary still refuses it;
#   - the dynamic loader's opens pass the observer unstopped, recognised by their call sites (loader_sites.h):
#     a raw open from the mmap area at another page offset is still logged, and one placed at a loader site (not
#     logged, like the magic) is still refused by the boundary.
. "$(dirname "$0")/common.bash"

# denial_logged PATH: the newest session's report lists a denial of PATH that the kernel observer saw
denial_logged() {
	"$GUARD" report --json 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)
sys.exit(0 if any(d["path"] == sys.argv[1] and "observer" in (d["origin"] or "") for d in r["denials"]) else 1)' "$1"
}
# exec_denial_logged PROGRAM: the newest session's report lists the exec of PROGRAM as denied by an exec.deny entry
# (not as a failure: the file rules alone allow a program under /usr)
exec_denial_logged() {
	"$GUARD" report --json 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)
sys.exit(0 if any(d["op"] == "exec" and d["path"].endswith("/" + sys.argv[1]) and (d.get("rule") or {}).get("kind") == "exec.deny"
                  for d in r["denials"]) else 1)' "$1"
}
t_logged() { # DESC PATH
	if ! g_ran; then
		_t_result 1 "$1" "the attack did not run" "$(_t_last)"
	elif denial_logged "$2"; then
		_t_result 0 "$1"
	else
		_t_result 1 "$1" "guard report shows no denial of $2 seen by the observer" "$(_t_last)" \
			"$("$GUARD" report 2>&1 | sed -n '/^Denied/,/^Files/p')"
	fi
}

NO_INT80=
"$ATTACK" int80 getpid 2>/dev/null | grep -q 'RESULT int80 getpid: ok$' ||
	NO_INT80="the host kernel kills int \$0x80 outside guard too (no 32-bit entry here, e.g. a VM monitor's)"

# The x86-64 loader's openat call sites as page offsets of the address after `syscall`, found here independently
# of guard's own scan: "mov $257,%eax" followed within 24 bytes by "syscall", in executable segments.
LOADER_SITE= OTHER_SITE=
if [ "$(uname -m)" = x86_64 ] && [ -e /lib64/ld-linux-x86-64.so.2 ]; then
	read -r LOADER_SITE OTHER_SITE < <(python3 - /lib64/ld-linux-x86-64.so.2 <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
phoff, = struct.unpack_from("<Q", b, 0x20); phnum, = struct.unpack_from("<H", b, 0x38)
sites = set()
for i in range(phnum):
    ptype, flags, off, vaddr, _, filesz = struct.unpack_from("<IIQQQQ", b, phoff + 56 * i)
    if ptype != 1 or not flags & 1:
        continue
    seg = b[off:off + filesz]
    at = seg.find(b"\xb8\x01\x01\x00\x00")
    while at >= 0:
        j = seg.find(b"\x0f\x05", at + 5, at + 24)
        if j >= 0:
            sites.add((vaddr + j + 2) & 0xfff)
        at = seg.find(b"\xb8\x01\x01\x00\x00", at + 1)
other = next(o for o in range(0x100, 0x1000, 0x40) if all(abs(o - s) > 16 for s in sites))
print("%x %x" % (min(sites), other) if sites else "")
PY
)
fi

for f in $STATIC_FLAVOURS; do
	if [ -z "$LOADER_SITE" ]; then
		t_skip "[$f] static: opens at the loader's call sites" "no x86-64 glibc loader here ($(uname -m))"
	else
		ga "$f" -- "$ATTACK" site-open "$OTHER_SITE" secrets/db.txt
		a_refused "[$f] static: a raw open from the mmap area (not a loader site) is refused" "site openat"
		t_logged "[$f] static: ... and logged as a denial the kernel observer saw" "$PROJECT/secrets/db.txt"
		ga "$f" -- "$ATTACK" site-open "$LOADER_SITE" secrets/db.txt
		a_refused_with "[$f] static: an open placed at a loader call site is refused by the boundary all the same" \
			"site openat" EACCES
	fi
	ga "$f" -- "$ATTACK" sendfile secrets/db.txt
	a_refused "[$f] static: open under a denied directory is refused" "open"
	t_logged "[$f] static: ... and logged as a denial the kernel observer saw ($(id -un))" "$PROJECT/secrets/db.txt"

	ga "$f" --deny-exec true -- "$ATTACK" magic-exec /bin/true
	a_refused_with "[$f] static: an execve carrying the session magic is still refused by exec.deny" \
		"magic execve" EACCES

	ga "$f" --deny-exec true -- "$ATTACK" exec /bin/true
	a_refused_with "[$f] static: a plain execve is refused by exec.deny" "execve" EACCES
	if exec_denial_logged true; then
		_t_result 0 "[$f] static: ... and the report lists it as denied by exec.deny"
	else
		_t_result 1 "[$f] static: ... and the report lists it as denied by exec.deny" "not listed so" \
			"$("$GUARD" report 2>&1 | sed -n '/^Denied/,/^Files/p')"
	fi

	ga "$f" -- "$ATTACK" magic-open .env
	a_refused_with "[$f] static: an open carrying the session magic is refused by the boundary all the same" \
		"magic openat" EACCES

	if [ -n "$NO_INT80" ]; then
		t_skip "[$f] static: open through int \$0x80 is logged" "$NO_INT80"
		continue
	fi
	ga "$f" -- "$ATTACK" int80 open .env
	a_refused "[$f] static: open through int \$0x80 is refused" "int80 open"
	t_logged "[$f] static: ... and logged as a denial the kernel observer saw" "$PROJECT/.env"
	ga "$f" --deny-exec true -- "$ATTACK" int80 execve /bin/true
	a_refused_with "[$f] static: execve through int \$0x80 is refused by exec.deny" "int80 execve" EACCES
done

t_done
