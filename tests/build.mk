# Tests: unit tests (cmocka, one binary per file in tests/unit) and
# integration tests (cmocka programs driving real processes, tests/integration).
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
INTEG_SRC := $(wildcard tests/integration/test_*.c)
INTEG_BIN := $(INTEG_SRC:tests/integration/%.c=$(BUILD)/tests/integration/%)
HARNESS_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/lib/*.c))
SERVICE_PARSERS := $(BUILD)/services/coinbase/parse.o \
                   $(BUILD)/services/bitstamp/parse.o $(BUILD)/services/web/product.o \
                   $(BUILD)/services/web/wsframe.o

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(SERVICE_PARSERS) $(COMMON_LIB)
	@echo "  LINK  $@"
	@$(CC) -o $@ $^ $(LDLIBS_ALL) -lcmocka

$(BUILD)/tests/integration/%: $(BUILD)/tests/integration/%.o $(HARNESS_OBJ) $(COMMON_LIB)
	@echo "  LINK  $@"
	@$(CC) -o $@ $^ $(LDLIBS_ALL) -lcmocka

test-programs: programs $(UNIT_BIN) $(INTEG_BIN)

# The suite on one build, the inner loop of development. BIN and BUILD are
# passed on so that `make sanitize` runs the same suite on sanitizer builds.
test-quick: test-programs
	@BIN=$(BIN) BUILD=$(BUILD) tests/run.sh

sanitize:
	@$(MAKE) --no-print-directory SANITIZE=1 BUILD=build/asan BIN=build/asan/bin test-quick

# The README's test command, and exactly what CI runs: clang warnings, lint,
# the suite, the suite on ASan + UBSan, and under valgrind. Each step stops
# the run when it fails.
test:
	@scripts/install-deps.sh
	@$(MAKE) --no-print-directory clang-check
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory test-quick
	@$(MAKE) --no-print-directory sanitize
	@$(MAKE) --no-print-directory valgrind

# The unit tests under valgrind and the integration tests with the services
# under valgrind (tests/valgrind.sh); -O1 keeps valgrind's reports exact.
valgrind:
	@$(MAKE) --no-print-directory OPT="-O1 -g" BUILD=build/vg BIN=build/vg/bin test-programs
	@BIN=build/vg/bin BUILD=build/vg tests/valgrind.sh

.PHONY: test test-quick test-programs sanitize valgrind

# Tools used by make soak.
$(BUILD)/tests/tools/%: $(BUILD)/tests/tools/%.o $(COMMON_LIB)
	@echo "  LINK  $@"
	@$(CC) -o $@ $^ $(LDLIBS_ALL)
TOOLS := $(BUILD)/tests/tools/trade_audit
