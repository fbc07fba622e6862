# The Bitstamp ingest service.
BITSTAMP_SRC := $(wildcard services/bitstamp/*.c)
BITSTAMP_OBJ := $(BITSTAMP_SRC:%.c=$(BUILD)/%.o)
$(BIN)/bitstamp: $(BITSTAMP_OBJ) $(COMMON_LIB)
	@mkdir -p $(BIN)
	@echo "  LINK  $@"
	@$(CC) -o $@ $^ $(LDLIBS_ALL)
PROGRAMS += $(BIN)/bitstamp
