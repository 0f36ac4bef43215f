#!/usr/bin/env bash
# The Debian package: debian/rules (dpkg-dev only, as `make deb` and dpkg-buildpackage run it) builds
# guard_VERSION_ARCH.deb with the binary, the shim in the multiarch library directory, the profiles, the man pages,
# the completions, the AppArmor profile and a copyright file; lintian finds no error; unpacked into a throw-away
# root (dpkg -x), the packaged guard finds its shim there and runs the demo.
. "$(dirname "$0")/../lib.sh"
needs make dpkg-deb dpkg-gencontrol dpkg-shlibdeps dpkg-architecture lintian
setup_world
if [ ! -x "$ROOT_DIR/debian/rules" ]; then
	t_skip "make deb" "debian/ is not in this copy of the tree ($ROOT_DIR)"
	t_done
fi
VERSION=$("$GUARD" -V | sed 's/^guard //')
RELEASE=$(cat "$ROOT_DIR/VERSION")
ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
OUTDIR=$T_WORK/out
# Staged, listed and written under $T_WORK: the source tree may not be writable by this user. The build directory
# goes relative to the tree it lies in (make cannot name targets under a path with spaces).
make -s -C "$ROOT_DIR" -f debian/rules binary BUILD="${BUILD#"$ROOT_DIR"/}" GUARD_VERSION="$VERSION" \
	DEB_STAGE="$T_WORK/stage" DEB_OUT="$OUTDIR" DEB_FILES="$T_WORK/files" >"$T_WORK/deb.out" 2>&1
t_eq "debian/rules binary exits 0" 0 "$?"
t_diag "$(tail -5 "$T_WORK/deb.out")"
DEB=$OUTDIR/guard_${RELEASE}_$ARCH.deb
t_true "it built guard_${RELEASE}_$ARCH.deb (the release number from VERSION)" -f "$DEB"
if [ ! -f "$DEB" ]; then
	t_done
fi
info=$(dpkg-deb -f "$DEB" Package Version Architecture Depends)
t_match "control: Package guard" '^Package: guard$' "$info"
t_match "control: Version $RELEASE" "^Version: $RELEASE\$" "$info"
t_match "control: the shared libraries it needs (dpkg-shlibdeps)" '^Depends: .*libseccomp' "$info"
files=$(dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's|^\./|/|')
for f in /usr/bin/guard "/usr/lib/$MA/guard/libguard.so" /usr/share/guard/rules/default.yaml \
	/usr/share/man/man1/guard.1.gz /usr/share/man/man5/guard.yaml.5.gz /usr/share/bash-completion/completions/guard \
	/usr/share/zsh/vendor-completions/_guard /usr/share/fish/vendor_completions.d/guard.fish \
	/etc/apparmor.d/guard /usr/share/doc/guard/copyright /usr/share/doc/guard/changelog.gz \
	/usr/share/doc/guard/examples/demo.sh; do
	t_has "the package holds $f" "$f" "$files"
done
t_match "the AppArmor profile is a conffile" '/etc/apparmor.d/guard' "$(dpkg-deb -I "$DEB" conffiles 2>&1)"
# its work pool in the world: a lintian killed with the script on a timeout left /tmp/lintian-pool-* behind
lint=$(TMPDIR=$T_WORK lintian --no-tag-display-limit "$DEB" 2>&1)
t_nomatch "lintian reports no errors" '^E: ' "$lint"

# A throw-away root: dpkg -x, then the packaged guard runs the packaged demo from there.
R=$T_WORK/root
dpkg -x "$DEB" "$R"
t_true "dpkg -x unpacked guard" -x "$R/usr/bin/guard"
t_match "the packaged AppArmor profile names /usr/bin/guard" 'profile guard /usr/bin/guard flags=\(unconfined\)' \
	"$(cat "$R/etc/apparmor.d/guard" 2>/dev/null)"
t_eq "the packaged guard's version" "guard $VERSION" "$("$R/usr/bin/guard" -V 2>&1)"
out=$(cd "$T_WORK" && env -i PATH="$R/usr/bin:/usr/bin:/bin" HOME="$HOME" XDG_STATE_HOME="$XDG_STATE_HOME" \
	sh "$R/usr/share/doc/guard/examples/demo.sh" 2>&1)
t_eq "the demo runs from the unpacked package (exit 0)" 0 "$?"
t_match "... guard denies the secret" 'demo: guard denied the secret' "$out"
t_match "... explained by the shim from /usr/lib/$MA/guard" 'guard: denied read of \.env' "$out"
t_done
