# Poeticoins: one Makefile for every program and test.
#   make            build every program into bin/ and the dashboard into build/www/
#   make test       the whole check CI runs: clang-check, lint, the suite,
#                   the suite on ASan + UBSan, the suite under valgrind
#   make test-quick the suite once (unit, integration, faults, browser, deploy)
#   make sanitize   the suite built with ASan + UBSan
#   make valgrind   the suite with every service under valgrind
#   make run        start redis-server and the services (scripts/run.sh)
#   make demo       the same against the built-in exchange simulator
#   make soak       ten minutes of faults, lost/duplicated audit
#   make fuzz       every libFuzzer target for FUZZ_SECONDS (default 60)
#   make bench      benchmarks (not a test): table on stdout, JSON in build/bench/

BUILD ?= build
BIN   ?= bin
CC    ?= cc
OPT   ?= -O2 -g
PKGS  := libwebsockets hiredis libcjson libuv openssl

CFLAGS_ALL = -std=gnu11 $(OPT) -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
             -MMD -MP -Ilibcommon $(shell pkg-config --cflags $(PKGS)) $(SANFLAGS) $(CFLAGS)
LDLIBS_ALL = $(shell pkg-config --libs $(PKGS)) -lm $(SANFLAGS) $(LDFLAGS)

ifeq ($(SANITIZE),1)
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
endif

COMMON_SRC := $(wildcard libcommon/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
COMMON_LIB := $(BUILD)/libcommon.a

PROGRAMS :=

all: programs

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(CFLAGS_ALL) -c $< -o $@

$(COMMON_LIB): $(COMMON_OBJ)
	@echo "  AR    $@"
	@rm -f $@ && ar rcs $@ $^

# Each program's sources and rules live next to it.
include services/coinbase/build.mk
include tests/sim/build.mk
include services/bitstamp/build.mk
include services/web/build.mk
-include services/web/assets.mk
include tests/build.mk
include tests/fuzz/build.mk
include tests/lint.mk
include tests/bench/build.mk

programs: $(PROGRAMS)

clean:
	rm -rf build bin

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

.PHONY: all programs clean

# Keep objects of test programs (they are intermediates of pattern rules).
.SECONDARY:

# Local system: a private redis-server on 127.0.0.1:6380 and every service.
run:
	@scripts/install-deps.sh
	@$(MAKE) --no-print-directory programs
	@scripts/run.sh

# The same against the built-in exchange simulator (no internet needed).
demo:
	@scripts/install-deps.sh
	@$(MAKE) --no-print-directory programs
	@scripts/run.sh --demo

.PHONY: run demo

# Ten minutes of faults against the simulators (not part of make test).
soak: programs $(BUILD)/tests/tools/trade_audit
	@BUILD=$(BUILD) BIN=$(BIN) scripts/soak.sh

.PHONY: soak

# Benchmarks (scripts/bench.sh; never part of make test or CI).
bench: programs $(BENCH_BIN)
	@BUILD=$(BUILD) BIN=$(BIN) scripts/bench.sh

.PHONY: bench
