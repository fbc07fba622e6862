#!/usr/bin/env bash
# make valgrind: the unit tests and fuzz-corpus replays under valgrind, then
# the integration tests with every service they start running under valgrind
# (VALGRIND=1, see tests/lib/harness.h). Any error or definite leak fails:
# a test program under valgrind exits 99, a service exits 99 (which the tests
# see when they stop it), and every service report in $VALGRIND_LOGS is
# checked at the end, also those of services a test killed. Ends with the
# same "N passed, N failed" line as tests/run.sh.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BIN=${BIN:-bin}
export FIXTURES=${FIXTURES:-tests/fixtures}
export VALGRIND=1 PROJECT_ROOT=$PWD
export VALGRIND_LOGS=${VALGRIND_LOGS:-$PWD/$BUILD/valgrind}
rm -rf "$VALGRIND_LOGS" && mkdir -p "$VALGRIND_LOGS"
VG=(valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite
    --errors-for-leak-kinds=definite --track-origins=yes --suppressions=tests/valgrind.supp)

passed=0 failed=0
count() { # output of one cmocka program, its exit status, its name
    local p f
    p=$(printf '%s\n' "$1" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    f=$(printf '%s\n' "$1" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    if [ "$2" -ne 0 ] && [ -z "$f" ]; then
        echo "!! $3 exited with status $2 (99: valgrind found errors)"
        failed=$((failed + 1))
    fi
}
for t in "$BUILD"/tests/unit/test_* "$BUILD"/tests/fuzz/replay_*; do
    case "$t" in *.o|*.d) continue ;; esac
    [ -x "$t" ] || continue
    echo "== valgrind $t"
    out=$("${VG[@]}" "$t" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -vE '^\[ RUN|^\[       OK'
    count "$out" "$rc" "$t"
done
for t in "$BUILD"/tests/integration/test_*; do
    case "$t" in *.o|*.d) continue ;; esac
    [ -x "$t" ] || continue
    echo "== $t (services under valgrind)"
    out=$("$t" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -vE '^\[ RUN|^\[       OK'
    count "$out" "$rc" "$t"
done
# Reports of every service run: errors are written as they happen, so a
# service killed with SIGKILL still shows them; leaks show at a clean exit.
bad=0
for log in "$VALGRIND_LOGS"/*.log; do
    [ -e "$log" ] || continue
    if grep -qE 'ERROR SUMMARY: [1-9]|Invalid (read|write|free)|uninitialised|definitely lost in' "$log"; then
        echo "!! valgrind report: $log"
        sed -n '1,60p' "$log"
        bad=$((bad + 1))
    fi
done
echo "valgrind: $(ls "$VALGRIND_LOGS" | wc -l) service runs checked, $bad with errors"
failed=$((failed + bad))
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
