#!/usr/bin/env bash
# Starts Poeticoins locally: a private redis-server (unless REDIS_URL is set),
# the ingest services, and with --demo the exchange simulator in place of the
# live exchanges. Waits until every service is healthy, prints where to look,
# and on Ctrl-C stops everything it started.
#   scripts/run.sh           live exchanges (make run)
#   scripts/run.sh --demo    built-in simulator, no internet needed (make demo)
set -euo pipefail
cd "$(dirname "$0")/.."

demo=0
[ "${1:-}" = "--demo" ] && demo=1
# The demo keeps its own folder and starts from an empty Redis every time:
# each simulator run numbers its trades afresh, and history from an earlier
# run (or from the live exchanges) must not mix with it.
if [ $demo -eq 1 ]; then RUN_DIR=${RUN_DIR:-run/demo}; else RUN_DIR=${RUN_DIR:-run}; fi
case $RUN_DIR in /*) ;; *) RUN_DIR=$PWD/$RUN_DIR ;; esac
[ $demo -eq 1 ] && rm -rf "$RUN_DIR/redis"
REDIS_PORT=${REDIS_PORT:-6380}
mkdir -p "$RUN_DIR/logs" "$RUN_DIR/redis"

pids=()
stopping=0
stop_all() {
  trap - INT TERM EXIT
  stopping=1
  echo
  echo "stopping..."
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "stopped; logs are in $RUN_DIR/logs"
}
trap stop_all EXIT
trap 'stop_all; exit 130' INT TERM

wait_healthy() { # name url
  local deadline=$((SECONDS + 20))
  until curl -fsS -o /dev/null "$2" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      echo "$1 did not become healthy at $2; see $RUN_DIR/logs/$1.log" >&2
      exit 1
    fi
    sleep 0.2
  done
  echo "  $1 healthy ($2)"
}

if [ -z "${REDIS_URL:-}" ]; then
  if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    echo "port $REDIS_PORT already answers as Redis; stop it or set REDIS_PORT" >&2
    exit 1
  fi
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$RUN_DIR/redis" \
    --appendonly yes --save '' --logfile "$RUN_DIR/logs/redis.log" &
  pids+=($!)
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
  deadline=$((SECONDS + 10))
  until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { echo "redis-server did not start; see $RUN_DIR/logs/redis.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "  redis-server on 127.0.0.1:$REDIS_PORT (data in $RUN_DIR/redis)"
fi

start_sim() { # exchange -> sets SIM_PORT
  local log="$RUN_DIR/logs/sim-$1.log"
  : > "$log"
  bin/exchange-sim --exchange "$1" --rate "${SIM_RATE:-5}" --seed "$RANDOM" >"$log" 2>&1 &
  pids+=($!)
  local deadline=$((SECONDS + 10))
  until grep -q 'ready port=' "$log"; do
    [ $SECONDS -lt $deadline ] || { echo "simulator did not start; see $log" >&2; exit 1; }
    sleep 0.1
  done
  SIM_PORT=$(sed -n 's/^ready port=\([0-9]*\).*/\1/p' "$log" | head -1)
  echo "  simulated $1 exchange on ws://127.0.0.1:$SIM_PORT"
}

start_service() { # name health_port
  HEALTH_ADDR=127.0.0.1 HEALTH_PORT=$2 "bin/$1" >"$RUN_DIR/logs/$1.log" 2>&1 &
  pids+=($!)
  wait_healthy "$1" "http://127.0.0.1:$2/healthz"
}

WEB_PORT=${WEB_PORT:-8080}
if curl -s -o /dev/null "http://127.0.0.1:$WEB_PORT/" 2>/dev/null; then
  echo "port $WEB_PORT is already in use; stop what uses it or set WEB_PORT" >&2
  exit 1
fi

if [ $demo -eq 1 ]; then
  start_sim coinbase
  export COINBASE_URL="ws://127.0.0.1:$SIM_PORT/" COINBASE_REST_URL="http://127.0.0.1:$SIM_PORT"
fi
start_service coinbase "${COINBASE_HEALTH_PORT:-9101}"
if [ -x bin/bitstamp ]; then
  if [ $demo -eq 1 ]; then
    start_sim bitstamp
    export BITSTAMP_URL="ws://127.0.0.1:$SIM_PORT/" BITSTAMP_REST_URL="http://127.0.0.1:$SIM_PORT"
  fi
  start_service bitstamp "${BITSTAMP_HEALTH_PORT:-9102}"
fi

WEB_PORT=$WEB_PORT WEB_ADDR=${WEB_ADDR:-127.0.0.1} bin/web >"$RUN_DIR/logs/web.log" 2>&1 &
pids+=($!)
wait_healthy web "http://127.0.0.1:$WEB_PORT/healthz"

cat <<EOT

Poeticoins is running$([ $demo -eq 1 ] && echo " against the built-in exchange simulator").
  dashboard:     http://localhost:$WEB_PORT/
  live trades:   redis-cli -u $REDIS_URL psubscribe 'trades:*'
  history:       redis-cli -u $REDIS_URL lrange history:coinbase:BTC-USD 0 9
  status:        redis-cli -u $REDIS_URL hgetall exchange:coinbase
  metrics:       curl http://127.0.0.1:${COINBASE_HEALTH_PORT:-9101}/metrics
Press Ctrl-C to stop everything.
EOT
wait -n "${pids[@]}" || true
if [ $stopping -eq 0 ]; then
  echo "a process exited unexpectedly; see $RUN_DIR/logs" >&2
  exit 1
fi
