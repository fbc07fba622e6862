# Fuzz targets (tests/fuzz/fuzz_*.c), one per parser family.
#   make fuzz            each target under libFuzzer for FUZZ_SECONDS (default 60)
#   make fuzz-build      only build them (clang, build/fuzz/)
# Every target is also linked with tests/fuzz/replay.c into a normal test
# program ($(BUILD)/tests/fuzz/replay_<name>) that replays the committed
# corpus once; tests/run.sh runs it, and `make sanitize` builds it with ASan
# and UBSan, so CI needs no fuzzing engine.
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES   := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
REPLAY_BIN   := $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/replay_%)
FUZZ_BUILD   := build/fuzz
FUZZ_BIN     := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
# The parsers and what they use: pure code, no I/O libraries.
FUZZ_LIB_SRC := libcommon/trade.c libcommon/log.c libcommon/xalloc.c libcommon/url.c \
                libcommon/config.c libcommon/jscan.c services/coinbase/parse.c \
                services/bitstamp/parse.c services/web/product.c
FUZZ_CFLAGS  := -std=gnu11 -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Werror \
                -Wno-unused-parameter -Ilibcommon $(shell pkg-config --cflags libcjson) \
                -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined

$(BUILD)/tests/fuzz/replay_%: tests/fuzz/replay.c $(BUILD)/tests/fuzz/fuzz_%.o \
                              $(SERVICE_PARSERS) $(COMMON_LIB)
	@echo "  LINK  $@"
	@$(CC) $(CFLAGS_ALL) -DFUZZ_TARGET='"$*"' -o $@ $< $(filter %.o %.a,$(wordlist 2,99,$^)) \
		$(LDLIBS_ALL) -lcmocka

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC    $< (fuzz)"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)
	@echo "  LINK  $@"
	@$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ \
		$(shell pkg-config --libs libcjson) -lm

fuzz-build: $(FUZZ_BIN)

# New inputs go to build/fuzz/corpus/<name>; findings to build/fuzz/artifacts.
fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_BUILD=$(FUZZ_BUILD) tests/fuzz/run.sh $(FUZZ_NAMES)

test-programs: $(REPLAY_BIN)

.PHONY: fuzz fuzz-build
