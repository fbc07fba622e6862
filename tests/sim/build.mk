# The exchange simulator (tests, make demo).
SIM_SRC := $(wildcard tests/sim/*.c)
SIM_OBJ := $(SIM_SRC:%.c=$(BUILD)/%.o)
$(BIN)/exchange-sim: $(SIM_OBJ) $(COMMON_LIB)
	@mkdir -p $(BIN)
	@echo "  LINK  $@"
	@$(CC) -o $@ $^ $(LDLIBS_ALL)
PROGRAMS += $(BIN)/exchange-sim
