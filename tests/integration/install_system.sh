#!/usr/bin/env bash
# `make install` into a DESTDIR puts the binary, the shim, the profiles, the man pages, the completions, the demo
# and the AppArmor profile where a system tool's go; the installed guard finds its installed shim and profiles
# (no build tree, no GUARD_LIBRARY) and runs the demo; `make uninstall` removes every file it installed.
. "$(dirname "$0")/../lib.sh"
setup_world
if [ ! -f "$ROOT_DIR/Makefile" ] || [ ! -d "$ROOT_DIR/dist" ]; then
	t_skip "make install" "the Makefile or dist/ is not in this copy of the tree ($ROOT_DIR)"
	t_done
fi
if ! command -v make >/dev/null; then
	t_skip "make install" "make not installed (apt-get install make)"
	t_done
fi
# The build is up to date (tests/run runs after make tests); its version is passed on so that make, possibly
# run by a user who may not write the build tree, has nothing to regenerate.
VERSION=$("$GUARD" -V | sed 's/^guard //')
# make cannot name targets under a path with spaces: the build directory goes relative to the tree it lies in.
MK_BUILD=${BUILD#"$ROOT_DIR"/}
mk() { make -s -C "$ROOT_DIR" BUILD="$MK_BUILD" GUARD_VERSION="$VERSION" "$@" >"$T_WORK/make.out" 2>&1; }
D=$T_WORK/root
mk install DESTDIR="$D" PREFIX=/usr/local APPARMOR=1
t_eq "make install DESTDIR=... PREFIX=/usr/local exits 0" 0 "$?" 
t_diag "$(tail -5 "$T_WORK/make.out")"
P=$D/usr/local
for f in bin/guard lib/guard/libguard.so share/guard/rules/default.yaml share/guard/rules/claude-code.yaml \
	share/man/man1/guard.1 share/man/man5/guard.yaml.5 share/bash-completion/completions/guard \
	share/zsh/site-functions/_guard share/fish/vendor_completions.d/guard.fish share/doc/guard/examples/demo.sh; do
	t_true "installed: PREFIX/$f" -f "$P/$f"
done
t_true "the binary is executable" -x "$P/bin/guard"
t_true "installed: /etc/apparmor.d/guard (APPARMOR=1)" -f "$D/etc/apparmor.d/guard"
t_match "the AppArmor profile names the installed binary and grants userns" \
	'profile guard /usr/local/bin/guard flags=\(unconfined\)' "$(cat "$D/etc/apparmor.d/guard" 2>/dev/null)"
t_match "... userns," '^  userns,$' "$(cat "$D/etc/apparmor.d/guard" 2>/dev/null)"

# The installed guard, run from there: no build tree beside it, no GUARD_LIBRARY.
IG=$P/bin/guard
unset GUARD_LIBRARY
t_eq "installed guard -V is the build's version" "guard $VERSION" "$("$IG" -V 2>&1)"
GUARD=$IG gr -- cat .env
t_denied "installed guard: cat .env is denied" env
t_match "... explained by the installed shim (found under PREFIX/lib/guard)" 'guard: denied read of \.env' "$ERR"
printf '# extra\ndescription: an installed-only profile\nextends: default\n' >"$P/share/guard/rules/extra-installed.yaml"
GUARD=$IG g profiles
t_match "installed guard reads the installed profiles directory" '^extra-installed +.*an installed-only profile' "$OUT"
rm -f "$P/share/guard/rules/extra-installed.yaml"
out=$(cd "$T_WORK" && env -i PATH="$P/bin:/usr/bin:/bin" HOME="$HOME" XDG_STATE_HOME="$XDG_STATE_HOME" \
	sh "$P/share/doc/guard/examples/demo.sh" 2>&1)
t_eq "the installed demo runs with guard from PATH (exit 0)" 0 "$?"
t_match "... and guard denies the secret" 'demo: guard denied the secret' "$out"
t_match "... cat says Permission denied" 'cat: \.env: Permission denied' "$out"

# The shim in a multiarch library directory (the Debian package's layout) is found too.
MA=$(cc -print-multiarch 2>/dev/null)
if [ -n "$MA" ]; then
	M=$T_WORK/multiarch/usr
	mkdir -p "$M/bin" "$M/lib/$MA/guard"
	cp "$IG" "$M/bin/guard" && cp "$P/lib/guard/libguard.so" "$M/lib/$MA/guard/"
	GUARD=$M/bin/guard gr -- cat .env
	t_match "the shim under lib/$MA/guard is found" 'guard: denied read of \.env' "$ERR"
else
	t_skip "the shim under lib/MULTIARCH/guard is found" "cc -print-multiarch says nothing here"
fi

mk uninstall DESTDIR="$D" PREFIX=/usr/local
t_eq "make uninstall exits 0" 0 "$?"
t_eq "make uninstall leaves no file behind" "" "$(find "$D" -type f -o -type l 2>/dev/null)"
t_done
