#!/usr/bin/env bash
# What `make macos` linked, inspected as Mach-O with Debian's llvm tools (no Mac needed), as TAP:
#   - each binary is a Mach-O for its architecture, and the universal files hold both;
#   - guard itself (when make macos could link it: tests/macos/build_deps.sh built libyaml and PCRE2, else a skip
#     naming why) imports Seatbelt's entry points (applying a profile, and sandbox_check for `guard explain`) from
#     libSystem only, and nothing Linux-only;
#   - the enforcement driver (the launcher's apply-and-exec, sandbox/darwin/seatbelt_darwin.c) imports Seatbelt's
#     entry points from libSystem, and nothing built for macOS imports a Linux-only interface;
#   - the shim (when built) has a __DATA,__interpose section binding every symbol its table lists
#     (tests/macos/interpose_names prints them from preload/shim_table_darwin.h).
# MACOS_BUILD (default build-macos) names the build; NAMES_BIN the host-built interpose_names program.
set -u
B=${MACOS_BUILD:-build-macos}
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/#   /'; }
check() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2" "${3:-}"; fi; }
tool() { command -v "$1" 2>/dev/null || command -v "$1-14" 2>/dev/null || command -v "$1-15" 2>/dev/null; }
OBJDUMP=$(tool llvm-objdump)
NM=$(tool llvm-nm)
LIPO=$(tool llvm-lipo)
# What ./install-deps provides (llvm; on x86-64 also zig and the cross-built libyaml and PCRE2) is a failure when
# missing, never a skip: a test the deps step should have made runnable does not pass by not running.
provided_here() { [ "$(uname -m)" = x86_64 ]; }
if [ -z "$OBJDUMP" ] || [ -z "$NM" ] || [ -z "$LIPO" ]; then
	echo "not ok 1 - Mach-O checks: llvm-objdump, llvm-nm and llvm-lipo are installed (./install-deps installs llvm)"
	echo "1..1"
	exit 1
fi

# Interfaces a macOS binary must never import: Linux system calls and their wrappers.
LINUX_ONLY='^_(prctl|syscall|pipe2|getrandom|signalfd|epoll_[a-z_]+|inotify_[a-z_]+|memfd_create|unshare|clone|clone3|mount|umount2|pidfd_[a-z_]+|landlock_[a-z_]+|seccomp_[a-z_]+|strerrorname_np|sched_setaffinity|accept4|dup3|getauxval|renameat2|getdents64|splice|tee|eventfd|timerfd_[a-z_]+|setns|pivot_root|capset|capget|secure_getenv|__errno_location|__libc_[a-z_]+)$'

for arch in aarch64 x86_64; do
	want=$([ $arch = aarch64 ] && echo arm64 || echo x86_64)
	g=$B/$arch/guard
	if [ -f "$B/guard.skipped" ] && provided_here; then
		not_ok "$arch: guard was linked" "$(cat "$B/guard.skipped")"
	elif [ -f "$B/guard.skipped" ]; then
		echo "ok $((n += 1)) - $arch: guard # SKIP not linked: $(cat "$B/guard.skipped")"
	elif [ ! -f "$g" ]; then
		not_ok "$arch: $g was linked (make macos)"
	else
		hdr=$("$OBJDUMP" --macho --private-header "$g" 2>&1)
		echo "$hdr" | grep -qiE "MH_MAGIC_64 +$([ $arch = aarch64 ] && echo ARM64 || echo X86_64) .* EXECUTE "
		check $? "$arch: guard is a 64-bit Mach-O executable for $want" "$hdr"
		und=$("$NM" -u "$g")
		defined=$("$NM" --defined-only "$g")
		missing=""
		for s in _sandbox_init_with_parameters _sandbox_free_error _sandbox_check; do
			echo "$und" | grep -qx "$s" || missing="$missing $s"
		done
		check "$([ -z "$missing" ] && echo 0 || echo 1)" \
			"$arch: guard imports Seatbelt's entry points (sandbox_init_with_parameters; sandbox_check for explain)" \
			"missing:$missing"
		libs=$("$OBJDUMP" --macho --dylibs-used "$g" | tail -n +2)
		[ "$(echo "$libs" | grep -c .)" = 1 ] && echo "$libs" | grep -q '/usr/lib/libSystem.B.dylib'
		check $? "$arch: guard links libSystem only (libyaml and PCRE2 are inside it)" "$libs"
		echo "$defined" | grep -q ' T _guard_platform_kernel_verdict$'
		check $? "$arch: guard explain asks Seatbelt (sandbox_check) through guard_platform_kernel_verdict"
		echo "$defined" | grep -q ' _guard_rules_default_start$'
		check $? "$arch: guard carries its built-in profiles (rules/*.yaml in __TEXT,__const)"
		missing=""
		for s in _guard_proxy_start _guard_net_relay _relay_stage_fill _proxy_parse_request; do
			echo "$defined" | grep -q " T $s\$" || missing="$missing $s"
		done
		check "$([ -z "$missing" ] && echo 0 || echo 1)" \
			"$arch: guard carries the network proxy for network.allow (net/proxy_server.c, relay, its buffer stage)" \
			"missing:$missing"
		for s in _yaml_parser_load _pcre2_compile_8; do
			echo "$defined" | grep -q " T $s\$"
			check $? "$arch: guard carries ${s#_} (cross-built from Debian's source)"
		done
		leaked=$(echo "$und" | grep -E "$LINUX_ONLY" | tr '\n' ' ')
		check "$([ -z "$leaked" ] && echo 0 || echo 1)" "$arch: guard imports no Linux-only interface" \
			"imports: $leaked"
	fi
	want=$([ $arch = aarch64 ] && echo arm64 || echo x86_64)
	run=$B/$arch/seatbelt_run
	if [ ! -f "$run" ]; then
		not_ok "$arch: $run was built (make macos)"
		continue
	fi
	hdr=$("$OBJDUMP" --macho --private-header "$run" 2>&1)
	echo "$hdr" | grep -qiE "MH_MAGIC_64 +$( [ $arch = aarch64 ] && echo ARM64 || echo X86_64 )"
	check $? "$arch: seatbelt_run is a 64-bit Mach-O for $want" "$hdr"
	und=$("$NM" -u "$run")
	missing=""
	for s in _sandbox_init_with_parameters _sandbox_free_error _sandbox_check; do
		echo "$und" | grep -qx "$s" || missing="$missing $s"
	done
	check "$([ -z "$missing" ] && echo 0 || echo 1)" "$arch: the launcher's apply-and-exec imports Seatbelt's entry points" "missing:$missing"
	libs=$("$OBJDUMP" --macho --dylibs-used "$run")
	echo "$libs" | grep -q '/usr/lib/libSystem.B.dylib'
	check $? "$arch: linked against libSystem only" "$libs"
	leaked=$( { echo "$und"; "$NM" -u "$B/$arch/libguard-launcher.a" 2>/dev/null; } | grep -E "$LINUX_ONLY" | sort -u | tr '\n' ' ')
	check "$([ -z "$leaked" ] && echo 0 || echo 1)" "$arch: no Linux-only interface in anything built for macOS" "imports: $leaked"

	dylib=$B/$arch/libguard.dylib
	if [ ! -f "$dylib" ]; then
		echo "ok $((n += 1)) - $arch: DYLD shim # SKIP not built (no preload/*_darwin.c)"
		continue
	fi
	"$OBJDUMP" --macho --private-header "$dylib" | grep -qE ' DYLIB '

	check $? "$arch: libguard.dylib is a dylib"
	"$OBJDUMP" --macho --section-headers "$dylib" | grep -qE '__interpose +[0-9a-f]+ +[0-9a-f]+ +DATA|__interpose'
	check $? "$arch: libguard.dylib has a __DATA,__interpose section"
	bound=$("$OBJDUMP" --macho --bind "$dylib" | awk '$2 == "__interpose" { print $NF }' | sort -u)
	if [ -n "${NAMES_BIN:-}" ] && [ -x "$NAMES_BIN" ]; then
		unbound=""
		for s in $("$NAMES_BIN"); do
			# the plain name, and the SDK's variant where it renames one (opendir$INODE64, fopen$DARWIN_EXTSN)
			echo "$bound" | grep -qx "_$s" || unbound="$unbound $s"
		done
		check "$([ -z "$unbound" ] && echo 0 || echo 1)" \
			"$arch: every symbol of the shim's table is bound in __interpose ($(echo "$bound" | wc -l) bound)" \
			"not bound:$unbound"
	fi
	leaked=$("$NM" -u "$dylib" | grep -E "$LINUX_ONLY" | tr '\n' ' ')
	check "$([ -z "$leaked" ] && echo 0 || echo 1)" "$arch: the shim imports no Linux-only interface" "imports: $leaked"
done

for f in guard seatbelt_run libguard.dylib; do
	[ -f "$B/$f" ] || continue
	info=$("$LIPO" -info "$B/$f" 2>&1)
	echo "$info" | grep -q 'x86_64' && echo "$info" | grep -q 'arm64'
	check $? "$f is universal (arm64 + x86_64)" "$info"
done
echo "1..$n"
[ "$failed" = 0 ]
