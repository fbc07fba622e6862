# The Coinbase ingest service.
COINBASE_SRC := $(wildcard services/coinbase/*.c)
COINBASE_OBJ := $(COINBASE_SRC:%.c=$(BUILD)/%.o)
$(BIN)/coinbase: $(COINBASE_OBJ) $(COMMON_LIB)
	@mkdir -p $(BIN)
	@echo "  LINK  $@"
	@$(CC) -o $@ $^ $(LDLIBS_ALL)
PROGRAMS += $(BIN)/coinbase
