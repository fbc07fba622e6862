# The web service (h2o, libuv build; websockets through wslay).
WEB_SRC := $(filter-out services/web/assets.mk,$(wildcard services/web/*.c))
WEB_OBJ := $(WEB_SRC:%.c=$(BUILD)/%.o)
$(WEB_OBJ): CFLAGS_ALL += $(shell pkg-config --cflags libh2o)
$(BIN)/web: $(WEB_OBJ) $(COMMON_LIB)
	@mkdir -p $(BIN)
	@echo "  LINK  $@"
	@$(CC) -o $@ $^ $(shell pkg-config --libs libh2o) -lwslay $(LDLIBS_ALL)
PROGRAMS += $(BIN)/web
