#!/usr/bin/env bash
# Runs each named fuzz target (build/fuzz/fuzz_<name>) under libFuzzer for
# FUZZ_SECONDS, starting from its committed corpus (tests/fuzz/corpus/<name>)
# with its dictionary and max_len (tests/fuzz/<name>.options). New inputs go
# to build/fuzz/corpus/<name>, crashes to build/fuzz/artifacts/. Exits
# non-zero when any target found something.
set -u
cd "$(dirname "$0")/../.."
FUZZ_BUILD=${FUZZ_BUILD:-build/fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
status=0
for name in "$@"; do
    opts=tests/fuzz/$name.options
    max_len=$(sed -n 's/^max_len *= *\([0-9]*\)/\1/p' "$opts" 2>/dev/null)
    mkdir -p "$FUZZ_BUILD/corpus/$name" "$FUZZ_BUILD/artifacts"
    echo "== fuzz_$name for ${FUZZ_SECONDS}s (max_len ${max_len:-default})"
    log=$FUZZ_BUILD/fuzz_$name.log
    "$FUZZ_BUILD/fuzz_$name" -max_total_time="$FUZZ_SECONDS" ${max_len:+-max_len=$max_len} \
        -dict="tests/fuzz/$name.dict" -artifact_prefix="$FUZZ_BUILD/artifacts/$name-" \
        -print_final_stats=1 "$FUZZ_BUILD/corpus/$name" "tests/fuzz/corpus/$name" >"$log" 2>&1
    rc=$?
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done )|^#[0-9]+ *DONE' "$log"
    if [ "$rc" -ne 0 ]; then
        echo "!! fuzz_$name found a problem (exit $rc); see $log and $FUZZ_BUILD/artifacts/"
        grep -m5 -E 'ERROR|invariant failed|runtime error' "$log"
        status=1
    fi
done
exit $status
