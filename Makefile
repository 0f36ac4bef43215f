# guard: build/guard (launcher) and build/libguard.so (shim + shared core).
#   make            build both
#   make check      build and run every test (unit, integration, attacks) as root and as an unprivileged user
#   make bench      benchmarks (numbers, not pass/fail)
#   make SAN=1 ...  ASan + UBSan build (separate build dir)
#   make san        make check SAN=1;  make valgrind: unit tests and guard under memcheck
#   make fuzz       every libFuzzer target in tests/fuzz for FUZZ_SECONDS (default 60) each
#   make install    PREFIX=/usr/local

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
LAUNCHER_DIRS := lib policy plan log net supervisor report hooks sandbox sandbox/$(PLATFORM) cli
CORE_SRC     := $(wildcard preload/core/*.c)
SHIM_SRC     := $(wildcard preload/*.c)
LAUNCHER_SRC := $(filter-out %_$(OTHER_OS).c,$(foreach d,$(LAUNCHER_DIRS),$(wildcard launcher/$(d)/*.c)))
RULES        := $(wildcard rules/*.yaml)
UNIT_SRC     := $(wildcard tests/unit/test_*.c)
HELPER_SRC   := $(wildcard tests/bin/*.c)

CORE_OBJ     := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
LAUNCHER_OBJ := $(LAUNCHER_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/rules_blob.o
SHIM_OBJ     := $(CORE_SRC:%.c=$(BUILD)/pic/%.o) $(SHIM_SRC:%.c=$(BUILD)/pic/%.o)
UNIT_BIN     := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_BIN   := $(HELPER_SRC:tests/bin/%.c=$(BUILD)/tests/bin/%)

.PHONY: all check bench install clean fuzz tests
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

$(BUILD)/guard: $(BUILD)/obj/launcher/main.o $(BUILD)/libguard-launcher.a $(SAN_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libguard.so: $(SHIM_OBJ)
	$(CC) -shared -Wl,-z,defs -Wl,-z,now -o $@ $^ -ldl

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libguard-launcher.a
	@mkdir -p $(dir $@)
	$(CC) $(LCFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libguard-launcher.a $(LDLIBS)

# Test helpers: some are deliberately static (no shim can see them), see each file's header.
$(BUILD)/tests/bin/%: tests/bin/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror $(if $(findstring static,$*),-static) -o $@ $<

tests: all $(UNIT_BIN) $(HELPER_BIN)

check: tests
	BUILD=$(BUILD) tests/run

bench: all $(HELPER_BIN)
	BUILD=$(BUILD) tests/bench/run

install: all
	install -D -m 755 $(BUILD)/guard $(DESTDIR)$(PREFIX)/bin/guard
	install -D -m 644 $(BUILD)/libguard.so $(DESTDIR)$(PREFIX)/lib/guard/libguard.so
	for f in $(RULES); do install -D -m 644 $$f $(DESTDIR)$(PREFIX)/share/guard/$$f; done

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

san:
	$(MAKE) check SAN=1

valgrind: tests
	BUILD=$(BUILD) tests/valgrind.sh

.PHONY: fuzz-build fuzz-seeds san valgrind

clean:
	rm -rf build build-san $(FUZZ_BUILD)

# Header dependencies written by -MMD (absent on the first build).
-include $(shell find $(BUILD) $(FUZZ_BUILD) -name '*.d' 2>/dev/null)

demo: all
	@sh examples/demo.sh
.PHONY: demo

# ---- newcomer path and test runner (issue 12) ------------------------------------------------------------------
#   make deps             ./install-deps: apt-get update, every build and test dependency, the build, the demo
#   make fresh-check      README "Try it", read from README.md, in a fresh debootstrap'd Debian (tests/fresh-check)
#   make clean-test-user  remove the unprivileged user make check creates (TEST_USER, default guard-test)
TEST_USER ?= guard-test
deps:
	./install-deps

fresh-check:
	tests/fresh-check

clean-test-user:
	@if id -u $(TEST_USER) >/dev/null 2>&1; then echo "userdel $(TEST_USER)"; userdel $(TEST_USER); \
	else echo "no user $(TEST_USER)"; fi
.PHONY: deps fresh-check clean-test-user
