#!/usr/bin/env bash
# make soak: every service against the simulators at 50 trades/s in total for
# SOAK_SECONDS (default 600), with faults injected: random connection cuts
# (between frames, mid-frame, during the subscribe) on both exchanges, silent
# stretches, and Redis killed and restarted. At the end it reports, per
# product, lost, duplicated and out-of-order trades (all must be 0) and each
# process's memory growth after warm-up (must stay flat). Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TOTAL=${SOAK_SECONDS:-600}
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
dir=$(mktemp -d /tmp/poeticoins-soak-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  echo "logs in $dir"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' 2>/dev/null || shuf -i 20000-60000 -n 1; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

REDIS_PORT=$(free_port)
start_redis() {
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$dir" --appendonly yes \
    --appendfsync always --save '' --logfile "$dir/redis.log" &
  redis_pid=$!
  until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do sleep 0.05; done
}
start_redis

start_sim() { # exchange -> SIM_PORT
  : > "$dir/sim-$1.log"
  "$BIN/exchange-sim" --exchange "$1" --rate 25 --seed 42 --log "$dir/$1-trades.jsonl" \
    >"$dir/sim-$1.log" 2>&1 &
  pids+=($!)
  until grep -q 'ready port=' "$dir/sim-$1.log"; do sleep 0.05; done
  SIM_PORT=$(sed -n 's/^ready port=\([0-9]*\).*/\1/p' "$dir/sim-$1.log")
}
start_sim coinbase; CB=$SIM_PORT
start_sim bitstamp; BS=$SIM_PORT

export REDIS_URL="redis://127.0.0.1:$REDIS_PORT" HISTORY_LEN=1000000 HEALTH_ADDR=127.0.0.1
COINBASE_URL="ws://127.0.0.1:$CB/" COINBASE_REST_URL="http://127.0.0.1:$CB" HEALTH_PORT=$(free_port) \
  STALE_TIMEOUT_MS=3000 "$BIN/coinbase" >"$dir/coinbase.log" 2>&1 &
cb_pid=$!; pids+=($cb_pid)
BITSTAMP_URL="ws://127.0.0.1:$BS/" BITSTAMP_REST_URL="http://127.0.0.1:$BS" HEALTH_PORT=$(free_port) \
  BITSTAMP_HEARTBEAT_MS=1000 STALE_TIMEOUT_MS=3000 "$BIN/bitstamp" >"$dir/bitstamp.log" 2>&1 &
bs_pid=$!; pids+=($bs_pid)
WEB_PORT=$(free_port) WEB_ADDR=127.0.0.1 WEB_ROOT="$BUILD/www" "$BIN/web" >"$dir/web.log" 2>&1 &
web_pid=$!; pids+=($web_pid)

ctl() { curl -s -o /dev/null "http://127.0.0.1:$1/control/$2"; }
echo "soak: ${SECONDS_TOTAL}s, 50 trades/s, faults on; files in $dir"
start=$SECONDS
declare -A rss_start rss_end
next_fault=$((SECONDS + 20)); n=0
while [ $((SECONDS - start)) -lt "$SECONDS_TOTAL" ]; do
  if [ $SECONDS -ge $next_fault ]; then
    n=$((n + 1))
    case $((n % 4)) in
      1) ctl "$CB" "chaos?ms=4000"; ctl "$BS" "chaos?ms=5000" ;;
      2) ctl "$CB" "chaos?ms=0"; ctl "$BS" "chaos?ms=0"; ctl "$CB" "silence?on=1"; sleep 5; ctl "$CB" "silence?on=0" ;;
      3) kill -9 "$redis_pid"; wait "$redis_pid" 2>/dev/null || true; sleep 2; start_redis ;;
      0) ctl "$BS" "request_reconnect"; ctl "$CB" "drop" ;;
    esac
    next_fault=$((SECONDS + 30))
  fi
  if [ $((SECONDS - start)) -ge 60 ] && [ -z "${rss_start[coinbase]:-}" ]; then
    rss_start[coinbase]=$(rss_kib $cb_pid); rss_start[bitstamp]=$(rss_kib $bs_pid); rss_start[web]=$(rss_kib $web_pid)
  fi
  sleep 1
done
ctl "$CB" "chaos?ms=0"; ctl "$BS" "chaos?ms=0"; ctl "$CB" "silence?on=0"
rss_end[coinbase]=$(rss_kib $cb_pid); rss_end[bitstamp]=$(rss_kib $bs_pid); rss_end[web]=$(rss_kib $web_pid)
# The exchanges keep trading: every trade produced up to now must be in
# Redis once the services had 20 s to catch up (REST recovery included).
for e in coinbase bitstamp; do cp "$dir/$e-trades.jsonl" "$dir/$e-produced.jsonl"; done
sleep 20

failed=0
audit() { "$BUILD/tests/tools/trade_audit" "$REDIS_PORT" "$1" "$2" "$dir/$1-produced.jsonl" || failed=1; }
for pair in BTC-USD ETH-USD LTC-USD BTC-EUR ETH-EUR LTC-EUR; do audit coinbase $pair; audit bitstamp $pair; done
for s in coinbase bitstamp web; do
  a=${rss_start[$s]:-0}; b=${rss_end[$s]:-0}
  growth=$((b - a))
  echo "memory $s: ${a} KiB after warm-up, ${b} KiB at the end (growth ${growth} KiB)"
  # Flat: under 1 MiB and under 10% growth after the first minute.
  if [ "$growth" -gt 1024 ] && [ $((growth * 10)) -gt "$a" ]; then failed=1; fi
done
gaps=$(redis-cli -p "$REDIS_PORT" hget exchange:coinbase gaps)/$(redis-cli -p "$REDIS_PORT" hget exchange:bitstamp gaps)
echo "unfilled gaps reported (coinbase/bitstamp): $gaps"
[ $failed -eq 0 ] && echo "soak: PASS" || { echo "soak: FAIL"; exit 1; }
