#!/usr/bin/env bash
# make bench: the numbers of issue 9, on loopback, bounded in time and count.
# Not a test: nothing here passes or fails; it prints one table and writes the
# same figures as JSON to build/bench/ (latest.json and a dated copy).
#
#   1. ingest: tests/bench/flood streams BENCH_TRADES Coinbase (then Bitstamp)
#      frames as fast as the service reads them; trades/s landed in Redis
#      (counted on the channels by one subscriber, list lengths checked), the
#      service's CPU time per trade and peak RSS, against tests/bench/ceiling
#      (the same transactions pipelined straight into Redis, of the mean size
#      the service sent, from its poeticoins_publish_transactions_total).
#   2. fan-out: tests/bench/wsload opens N websockets to bin/web (each
#      subscribed to the 12 default products), tests/bench/pub PUBLISHes at R
#      trades/s for BENCH_SECONDS; frames, PUBLISH->receipt latency,
#      disconnects, web CPU and RSS; then the same load on N plain Redis
#      subscribers (Redis's own fan-out, the baseline).
#   3. end to end: exchange-sim --rate 100 -> bin/coinbase -> Redis -> bin/web
#      -> 100 websocket clients; the sim's trade time to receipt.
#   4. idle: web RSS per idle websocket client at 10000 clients; RSS of each
#      ingest service at rest (connected, subscribed, no trades).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
TOOLS=$BUILD/tests/bench
TRADES=${BENCH_TRADES:-200000}
SECS=${BENCH_SECONDS:-3}
CLIENTS=${BENCH_CLIENTS:-100 1000 10000}
RATES=${BENCH_RATES:-100 1000}
OUT=$BUILD/bench
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
dir=$(mktemp -d /tmp/poeticoins-bench-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

free_port() {
  local p
  while :; do
    p=$(shuf -i 20000-32000 -n 1)
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
kv() { sed -n "s/.*\b$2=\([^ ]*\).*/\1/p" "$1"; } # file key -> value
wait_line() { # file pattern [seconds]
  local n=$(( ${3:-30} * 20 ))
  until grep -q "$2" "$1" 2>/dev/null; do
    n=$((n - 1)); [ $n -gt 0 ] || { echo "bench: timed out waiting for '$2' in $1" >&2; exit 1; }
    sleep 0.05
  done
}
stop() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

PAIRS="BTC-USD ETH-USD LTC-USD BTC-EUR ETH-EUR LTC-EUR"
products_of() { local out="" p; for p in $PAIRS; do out="$out,$1:$p"; done; echo "${out#,}"; }
ALL="$(products_of coinbase),$(products_of bitstamp)"

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly no \
  --maxclients 19000 --logfile "$dir/redis.log" &
redis_pid=$!; pids+=($redis_pid)
until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do sleep 0.05; done
rcli() { redis-cli -p "$REDIS_PORT" "$@" >/dev/null; }
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT" HEALTH_ADDR=127.0.0.1 LOG_LEVEL=warn

json=()   # "key": value fragments
rows=()   # table rows
row() { rows+=("$(printf '%-44s %s' "$1" "$2")"); }

# ---- 1. ingest throughput ----
"$TOOLS/ceiling" --port "$REDIS_PORT" --trades "$TRADES" >"$dir/ceiling1.out"
rcli flushall
"$TOOLS/ceiling" --port "$REDIS_PORT" --trades "$TRADES" --batch 16 >"$dir/ceiling16.out"
rcli flushall
ceiling1=$(kv "$dir/ceiling1.out" rate); ceiling=$(kv "$dir/ceiling16.out" rate)
row "redis ceiling, one trade per MULTI/EXEC" "$ceiling1 trades/s"
row "redis ceiling, 16 trades per MULTI/EXEC" "$ceiling trades/s"
json+=("\"redis_ceiling_trades_per_s\": {\"batch_1\": $ceiling1, \"batch_16\": $ceiling}")

for ex in coinbase bitstamp; do
  rcli flushall
  "$TOOLS/flood" --exchange "$ex" --trades "$TRADES" >"$dir/flood-$ex.out" 2>"$dir/flood-$ex.err" &
  flood_pid=$!; pids+=($flood_pid)
  wait_line "$dir/flood-$ex.out" 'ready port='
  fport=$(kv "$dir/flood-$ex.out" port)
  "$TOOLS/wsload" --mode redis --port "$REDIS_PORT" --n 1 --products "$(products_of "$ex")" \
    --count "$TRADES" --idle-exit 3 --duration 120 >"$dir/watch-$ex.out" &
  watch_pid=$!
  wait_line "$dir/watch-$ex.out" 'ready clients='
  up=$(echo "$ex" | tr a-z A-Z)
  hport=$(free_port)
  env "${up}_URL=ws://127.0.0.1:$fport/" REST_MAX_BACKFILL=0 HEALTH_PORT="$hport" \
    STALE_TIMEOUT_MS=600000 "$BIN/$ex" >"$dir/$ex-flood.log" 2>&1 &
  svc=$!; pids+=($svc)
  wait "$watch_pid" || true
  got=$(kv "$dir/watch-$ex.out" messages); first=$(kv "$dir/watch-$ex.out" first_us)
  last=$(kv "$dir/watch-$ex.out" last_us)
  cpu=$(cpu_ticks "$svc"); hwm=$(hwm_kib "$svc")
  llen=0; for p in $PAIRS; do llen=$((llen + $(redis-cli -p "$REDIS_PORT" llen "history:$ex:$p"))); done
  # The mean transaction the service sent: Redis's ceiling is measured for
  # transactions of that size, the same commands.
  curl -sf "http://127.0.0.1:$hport/metrics" >"$dir/$ex-metrics.txt" || true
  metric() { awk -v m="$1" '$1 ~ "^"m"({|$)" { s += $2 } END { print s + 0 }' "$dir/$ex-metrics.txt"; }
  txns=$(metric poeticoins_publish_transactions_total)
  batch=$(awk -v n="$(metric poeticoins_trades_published_total)" -v t="$txns" \
    'BEGIN { b = t ? int(n / t + 0.5) : 1; print (b < 1) ? 1 : (b > 256) ? 256 : b }')
  stop "$svc"; stop "$flood_pid"
  rcli flushall
  "$TOOLS/ceiling" --port "$REDIS_PORT" --trades "$TRADES" --batch "$batch" >"$dir/ceiling-$ex.out"
  ceil_same=$(kv "$dir/ceiling-$ex.out" rate)
  rate=$(awk -v n="$got" -v a="$first" -v b="$last" 'BEGIN { printf "%.0f", (b > a) ? (n - 1) / ((b - a) / 1e6) : 0 }')
  us=$(awk -v c="$cpu" -v hz="$HZ" -v n="$got" 'BEGIN { printf "%.2f", n ? c / hz * 1e6 / n : 0 }')
  ratio=$(awk -v r="$rate" -v c="$ceil_same" 'BEGIN { printf "%.2f", r / c }')
  ratio16=$(awk -v r="$rate" -v c="$ceiling" 'BEGIN { printf "%.2f", r / c }')
  row "ingest $ex: trades landed" "$got of $TRADES (lists hold $llen)"
  row "ingest $ex: throughput" "$rate trades/s, $batch trades per MULTI/EXEC on average"
  row "ingest $ex: redis ceiling, $batch per MULTI/EXEC" "$ceil_same trades/s: ratio $ratio ($ratio16 of the 16-per-transaction ceiling)"
  row "ingest $ex: CPU per trade, peak RSS" "$us us, $((hwm / 1024)) MiB"
  json+=("\"ingest_${ex}\": {\"trades\": $TRADES, \"landed\": $got, \"list_total\": $llen, \"trades_per_s\": $rate, \"mean_batch\": $batch, \"ceiling_same_batch\": $ceil_same, \"ratio_to_ceiling\": $ratio, \"ratio_to_ceiling_batch_16\": $ratio16, \"cpu_us_per_trade\": $us, \"peak_rss_kib\": $hwm}")
done
rcli flushall

# ---- 2. fan-out, and 4. idle web client cost ----
rcli hset exchange:coinbase products "$(echo $PAIRS | tr ' ' ,)"
rcli hset exchange:bitstamp products "$(echo $PAIRS | tr ' ' ,)"
start_web() { # -> WEB_PORT, web_pid; a fresh process, so no case inherits another's backlog
  WEB_PORT=$(free_port)
  WEB_PORT=$WEB_PORT WEB_ADDR=127.0.0.1 WEB_ROOT="$BUILD/www" WS_MAX_CLIENTS=10000 \
    "$BIN/web" >>"$dir/web.log" 2>&1 &
  web_pid=$!; pids+=($web_pid)
  until curl -sf "http://127.0.0.1:$WEB_PORT/healthz" >/dev/null 2>&1; do sleep 0.05; done
}
# Idle cost first, on a fresh web service: 10000 subscribed clients, no trades.
start_web
web_base_rss=$(rss_kib "$web_pid")
"$TOOLS/wsload" --mode ws --port "$WEB_PORT" --n 10000 --products "$ALL" --duration 2 \
  >"$dir/idle.out" &
load_pid=$!
wait_line "$dir/idle.out" 'ready clients=' 120
sleep 0.5
idle_rss=$(rss_kib "$web_pid")
idle_per_client=$(awk -v a="$idle_rss" -v b="$web_base_rss" 'BEGIN { printf "%.1f", (a - b) / 10000 }')
wait "$load_pid" || true
stop "$web_pid"
fan=()
for n in $CLIENTS; do
  for rate in $RATES; do
    for mode in ws redis; do
      [ "$mode" = ws ] && start_web
      port=$WEB_PORT; target=$web_pid
      [ "$mode" = redis ] && { port=$REDIS_PORT; target=$redis_pid; }
      out=$dir/load-$mode-$n-$rate.out
      "$TOOLS/wsload" --mode "$mode" --port "$port" --n "$n" --products "$ALL" \
        --duration $((SECS + 10)) --idle-exit 1.5 >"$out" &
      load_pid=$!
      wait_line "$out" 'ready clients=' 120
      c0=$(cpu_ticks "$target")
      "$TOOLS/pub" --port "$REDIS_PORT" --rate "$rate" --duration "$SECS" --products "$ALL" >"$dir/pub.out"
      wait "$load_pid" || true
      c1=$(cpu_ticks "$target"); rss=$(rss_kib "$target")
      published=$(kv "$dir/pub.out" published)
      got=$(kv "$out" messages); disc=$(kv "$out" disconnects)
      p50=$(kv "$out" p50_us); p99=$(kv "$out" p99_us); max=$(kv "$out" max_us)
      expected=$((published * n))
      cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }')
      fps=$(awk -v g="$got" -v s="$SECS" 'BEGIN { printf "%.0f", g / s }')
      fpc=$(awk -v g="$got" -v c="$cpu" 'BEGIN { printf "%.0f", (c > 0) ? g / c : 0 }')
      ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
      who=web; [ "$mode" = redis ] && who="redis subs"
      row "fan-out $who N=$n at $rate/s" "$got/$expected frames ($fps/s), p50 $(ms "$p50") p99 $(ms "$p99") max $(ms "$max") ms, $disc disconnects, CPU ${cpu}s ($fpc frames/CPU-s), RSS $((rss / 1024)) MiB"
      fan+=("{\"target\": \"$mode\", \"clients\": $n, \"rate\": $rate, \"seconds\": $SECS, \"published\": $published, \"expected_frames\": $expected, \"frames\": $got, \"frames_per_s\": $fps, \"p50_us\": $p50, \"p99_us\": $p99, \"max_us\": $max, \"disconnects\": $disc, \"cpu_s\": $cpu, \"frames_per_cpu_s\": $fpc, \"rss_kib\": $rss}")
      [ "$mode" = ws ] && stop "$web_pid"
      sleep 0.5 # let Redis drop the closed connections
    done
  done
done
json+=("\"fanout\": [$(IFS=,; echo "${fan[*]}")]")
if [ -n "${idle_per_client:-}" ]; then
  row "idle web client at 10000 clients" "$idle_per_client KiB RSS each"
  json+=("\"idle_web_kib_per_client\": $idle_per_client")
fi

# ---- 4. ingest at rest, 3. end to end ----
start_sim() { # exchange rate -> SIM_PORT
  "$BIN/exchange-sim" --exchange "$1" --rate "$2" >"$dir/sim-$1-$2.out" 2>&1 &
  sim_pid=$!; pids+=($sim_pid)
  wait_line "$dir/sim-$1-$2.out" 'ready port='
  SIM_PORT=$(sed -n 's/^ready port=\([0-9]*\).*/\1/p' "$dir/sim-$1-$2.out")
}
for ex in coinbase bitstamp; do
  start_sim "$ex" 0
  up=$(echo "$ex" | tr a-z A-Z)
  env "${up}_URL=ws://127.0.0.1:$SIM_PORT/" "${up}_REST_URL=http://127.0.0.1:$SIM_PORT" \
    HEALTH_PORT=0 "$BIN/$ex" >"$dir/$ex-rest.log" 2>&1 &
  svc=$!; pids+=($svc)
  sleep 3
  rest=$(rss_kib "$svc")
  stop "$svc"; stop "$sim_pid"
  row "ingest $ex at rest" "$rest KiB RSS"
  json+=("\"rest_rss_kib_$ex\": $rest")
done

start_web
start_sim coinbase 100
COINBASE_URL="ws://127.0.0.1:$SIM_PORT/" COINBASE_REST_URL="http://127.0.0.1:$SIM_PORT" \
  HEALTH_PORT=0 "$BIN/coinbase" >"$dir/coinbase-e2e.log" 2>&1 &
svc=$!; pids+=($svc)
"$TOOLS/wsload" --mode ws --port "$WEB_PORT" --n 100 --products "$(products_of coinbase)" \
  --field traded_at --warmup 3 --duration $((SECS + 3)) >"$dir/e2e.out" &
load_pid=$!
wait "$load_pid" || true
stop "$svc"; stop "$sim_pid"
got=$(kv "$dir/e2e.out" messages); p50=$(kv "$dir/e2e.out" p50_us); p99=$(kv "$dir/e2e.out" p99_us)
max=$(kv "$dir/e2e.out" max_us)
row "end to end sim->browser, 100/s, 100 clients" "$got frames, p50 $(awk -v u="$p50" 'BEGIN{printf "%.2f", u/1000}') p99 $(awk -v u="$p99" 'BEGIN{printf "%.2f", u/1000}') max $(awk -v u="$max" 'BEGIN{printf "%.2f", u/1000}') ms"
json+=("\"end_to_end\": {\"rate\": 100, \"clients\": 100, \"frames\": $got, \"p50_us\": $p50, \"p99_us\": $p99, \"max_us\": $max}")

# ---- output ----
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
cores=$(nproc)
date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
echo
echo "Poeticoins bench, $date, $cpu_model, $cores cores, commit $commit"
printf '%s\n' "${rows[@]}"
{
  echo "{\"date\": \"$date\", \"cpu_model\": \"$cpu_model\", \"cores\": $cores, \"commit\": \"$commit\","
  (IFS=$'\n'; echo "${json[*]}") | sed '$!s/$/,/'
  echo "}"
} >"$OUT/latest.json"
cp "$OUT/latest.json" "$OUT/bench-$(date -u +%Y%m%dT%H%M%SZ).json"
echo "JSON: $OUT/latest.json"
