#!/usr/bin/env bash
# Runs every test program (unit, then integration) and prints one summary
# line, "N passed, N failed", that CI reads. Exit status is non-zero when any
# test failed or a test program crashed. BIN and BUILD select the build
# (make sanitize passes the ASan/UBSan one).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BIN=${BIN:-bin}
export FIXTURES=${FIXTURES:-tests/fixtures}
# Sanitizer builds: fail on any report, including leaks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0 failed=0 crashed=0
for t in "$BUILD"/tests/unit/test_* "$BUILD"/tests/fuzz/replay_* "$BUILD"/tests/integration/test_*; do
    case "$t" in *.o|*.d) continue ;; esac
    [ -x "$t" ] || continue
    echo "== $t"
    out=$("$t" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -vE '^\[ RUN|^\[       OK' 
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    if [ "$rc" -ne 0 ] && [ -z "$f" ]; then
        echo "!! $t exited with status $rc without a cmocka summary (crash or sanitizer report)"
        crashed=$((crashed + 1))
        failed=$((failed + 1))
    fi
done
# Node suites (browser and deployment checks): every tests/<suite>/*.test.mjs,
# run with node's test runner, whose TAP summary gives "# pass N" / "# fail N".
for suite in tests/*/; do
    ls "$suite"*.test.mjs >/dev/null 2>&1 || continue
    echo "== node --test $suite"
    out=$(node --test --test-reporter=tap "$suite"*.test.mjs 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -E '^not ok|^# (pass|fail|tests)|^ +(error|expected|actual):' || true
    p=$(printf '%s\n' "$out" | sed -n 's/^# pass \([0-9]*\)/\1/p' | tail -1)
    f=$(printf '%s\n' "$out" | sed -n 's/^# fail \([0-9]*\)/\1/p' | tail -1)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
        echo "!! node --test $suite exited with status $rc"
        printf '%s\n' "$out" | tail -20
        failed=$((failed + 1))
    fi
done

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$crashed" -eq 0 ]
