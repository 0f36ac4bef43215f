#!/usr/bin/env bash
# Ubuntu 24.04's kernel.apparmor_restrict_unprivileged_userns=1: guard doctor reads it (here from a fake /proc/sys,
# GUARD_DOCTOR_SYSCTL_DIR, read by doctor only), and where user namespaces are then refused it prints the exact
# commands that fix it (an AppArmor profile granting userns to this binary, then apparmor_parser -r). guard run
# falls back to Landlock-only mode and says so once. User namespaces are refused inside guard's own sandbox
# (seccomp), so that is where the refusal is staged: as a user other than root (root is not restricted).
. "$(dirname "$0")/../lib.sh"
setup_world
FAKE=$PROJECT/fake-sys
mkdir -p "$FAKE/kernel"
fake() { printf '%s\n' "$1" >"$FAKE/kernel/apparmor_restrict_unprivileged_userns"; }

fake 1
GUARD_DOCTOR_SYSCTL_DIR=$FAKE g doctor --json
t_match "doctor --json reads the restriction from the fake /proc/sys: true" \
	'"apparmor_restrict_unprivileged_userns":true' "$OUT"
GUARD_DOCTOR_SYSCTL_DIR=$FAKE g doctor
t_match "doctor prints it" 'kernel\.apparmor_restrict_unprivileged_userns = 1' "$OUT"
fake 0
GUARD_DOCTOR_SYSCTL_DIR=$FAKE g doctor --json
t_match "... 0: false" '"apparmor_restrict_unprivileged_userns":false' "$OUT"
rm -f "$FAKE/kernel/apparmor_restrict_unprivileged_userns"
GUARD_DOCTOR_SYSCTL_DIR=$FAKE g doctor --json
t_match "... no such sysctl: null" '"apparmor_restrict_unprivileged_userns":null' "$OUT"

mkdir -p "$PROJECT/tools"
cp "$GUARD" "$PROJECT/tools/guard"
cp "$BUILD/libguard.so" "$PROJECT/tools/libguard.so"
INNER=$PROJECT/tools/guard
if is_root; then
	t_skip_n 6 "the fix under a refused user namespace" "root is not subject to the restriction (run as a user)"
elif ! have_userns; then
	t_skip_n 6 "the fix under a refused user namespace" "no user namespaces here to refuse"
else
	fake 1
	GUARD_DOCTOR_SYSCTL_DIR=$FAKE gr -- "$INNER" doctor
	t_match "refused user namespaces: doctor says so" '^user namespaces: no' "$OUT"
	t_match "... the fix writes an AppArmor profile for this binary" \
		"profile guard(-local)? \"$INNER\" flags=\\(unconfined\\) \\{" "$OUT"
	t_match "... granting userns" '^  userns,$' "$OUT"
	t_match "... and loads it" '^sudo apparmor_parser -r /etc/apparmor\.d/guard(-local)?$' "$OUT"
	fake 0
	GUARD_DOCTOR_SYSCTL_DIR=$FAKE gr -- "$INNER" doctor
	t_lacks "without the restriction: no AppArmor fix" "apparmor_parser" "$OUT"
	# The fallback: a guard that cannot create user namespaces runs in Landlock-only mode and says so once.
	gr -- env XDG_CONFIG_HOME="$PROJECT/cfg" XDG_STATE_HOME="$PROJECT/state" "$INNER" run --no-observer -- \
		sh -c 'cat .env; echo inner-ran'
	t_eq "guard run without user namespaces says it falls back to Landlock-only mode, once" 1 \
		"$(grep -c 'user namespaces unavailable (.*): Landlock-only mode' <<<"$ERR")"
fi
t_done
