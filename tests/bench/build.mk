# Benchmark tools (make bench; never part of make test).
BENCH_NAMES := flood wsload pub ceiling
BENCH_BIN   := $(BENCH_NAMES:%=$(BUILD)/tests/bench/%)
$(BUILD)/tests/bench/%: $(BUILD)/tests/bench/%.o
	@echo "  LINK  $@"
	@$(CC) -o $@ $^ $(LDLIBS_ALL)
