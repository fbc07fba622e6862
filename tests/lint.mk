# Static checks of the project's own code (libcommon, services, tests/sim):
#   make lint          cppcheck and clang-tidy (.clang-tidy), both must be clean
#   make clang-check   every C file compiled by clang with -Wall -Wextra -Werror
#                      (syntax and warnings only; the gcc build is `make`)
# Both run in .ci/run. Suppress a real false positive inline, with why.
LINT_SRC   := $(wildcard libcommon/*.c services/*/*.c tests/sim/*.c)
CHECK_SRC  := $(LINT_SRC) $(wildcard tests/lib/*.c tests/unit/*.c tests/integration/*.c \
                                     tests/fuzz/*.c)
LINT_FLAGS := -std=gnu11 -Ilibcommon $(shell pkg-config --cflags $(PKGS) libh2o)
NPROC      := $(shell nproc 2>/dev/null || echo 2)

lint:
	@echo "  CPPCHECK"
	@cppcheck --quiet --error-exitcode=1 --std=c11 --inline-suppr \
		--enable=warning,style,performance,portability \
		--suppress=variableScope --suppress=missingIncludeSystem \
		-Ilibcommon libcommon services/coinbase services/bitstamp services/web tests/sim
	@echo "  CLANG-TIDY ($(words $(LINT_SRC)) files)"
	@printf '%s\n' $(LINT_SRC) | xargs -P $(NPROC) -I{} sh -c \
		'clang-tidy --quiet {} -- $(LINT_FLAGS) 2>/dev/null || { echo "clang-tidy: {} has findings"; exit 1; }'

clang-check:
	@echo "  CLANG -fsyntax-only ($(words $(CHECK_SRC)) files)"
	@printf '%s\n' $(CHECK_SRC) | xargs -P $(NPROC) -I{} sh -c \
		'clang -fsyntax-only -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -DFUZZ_TARGET=\"lint\" $(LINT_FLAGS) {}'

.PHONY: lint clang-check
