#!/usr/bin/env bash
# Blood ticker benchmark: /darah/ticker.json served by `sinergi serve` (production mode:
# its own settings, migrations, worker, granian command line) against nginx serving the
# very same bytes as a static file, both measured with wrk in the same run; then the time
# a stock change recorded in another process takes to show on the served ticker.
#
# Needs wrk, nginx and curl (Debian: `apt-get install -y wrk nginx-light curl`; a
# benchmark-only tool, installed here when missing and running as root).
#
# Usage: bench/ticker.sh [seconds per run, default 10] [connections, default 32] [rounds, 1]
# Each round measures sinergi then nginx (same number of worker processes); `uptime` is
# printed before and after, the load average before each measurement, and a warning when
# the machine is not quiet (load above half the cores).
# Environment: BENCH_PG=postgresql://postgres@127.0.0.1:5432 runs on a fresh PostgreSQL
# database (created and dropped here) instead of SQLite; SINERGI_WORKERS and
# SINERGI_THREADS as for `sinergi serve`; BENCH_NO_WORKER=1 passes --no-worker.
set -euo pipefail

DURATION="${1:-10}"
CONNS="${2:-32}"
ROUNDS="${3:-1}"
APP_PORT="${APP_PORT:-18431}"
NGINX_PORT="${NGINX_PORT:-18432}"
HERE="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-$HERE/.venv/bin/python}"

missing=""
for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    pkgs="$(echo "$missing" | sed 's/nginx/nginx-light/')"
    # shellcheck disable=SC2086
    apt-get install -y $pkgs >/dev/null
  else
    echo "bench/ticker.sh needs$missing (Debian: apt-get install -y wrk nginx-light curl)" >&2
    exit 2
  fi
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

WORK="$(mktemp -d /tmp/sinergi-ticker-bench.XXXXXX)"
APP_PID=""
PG_DB=""
cleanup() {
  if [ -n "$APP_PID" ]; then kill "$APP_PID" 2>/dev/null || true; wait "$APP_PID" 2>/dev/null || true; fi
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  [ -n "$PG_DB" ] && dropdb --if-exists "${BENCH_PG_DROP_ARGS[@]}" "$PG_DB" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

export SINERGI_DATA_DIR="$WORK/data" DJANGO_SETTINGS_MODULE=sinergi.settings
mkdir -p "$SINERGI_DATA_DIR"
if [ -n "${BENCH_PG:-}" ]; then
  PG_DB="sinergi_ticker_bench_$$"
  pg_host="$(echo "$BENCH_PG" | sed -E 's#^[a-z]+://([^@]*@)?([^:/]+).*#\2#')"
  pg_user="$(echo "$BENCH_PG" | sed -E 's#^[a-z]+://([^:@/]+)@.*#\1#')"
  BENCH_PG_DROP_ARGS=(-h "$pg_host" -U "$pg_user")
  createdb -h "$pg_host" -U "$pg_user" "$PG_DB"
  export SINERGI_DATABASE_URL="${BENCH_PG%/}/$PG_DB"
  DB_NAME="PostgreSQL"
else
  BENCH_PG_DROP_ARGS=()
  export SINERGI_DATABASE_URL="sqlite:///$SINERGI_DATA_DIR/sinergi.sqlite3"
  DB_NAME="SQLite (WAL)"
fi

echo "loading the demo ($DB_NAME) ..."
SINERGI_MODE=demo "$PY" -m sinergi.cli demo --no-serve --data-dir "$SINERGI_DATA_DIR" >/dev/null

# `sinergi serve` itself, in production mode: secret key and allowed hosts as an operator
# sets them; requests carry X-Forwarded-Proto: https as the TLS-terminating nginx sends.
export SINERGI_MODE=production SINERGI_SECRET_KEY="bench-$RANDOM-$RANDOM-$RANDOM"
export SINERGI_ALLOWED_HOSTS=127.0.0.1 SINERGI_STATIC_ROOT="$WORK/static"
serve_args=(--host 127.0.0.1 --port "$APP_PORT")
[ -n "${BENCH_NO_WORKER:-}" ] && serve_args+=(--no-worker)
"$PY" -m sinergi.cli serve "${serve_args[@]}" >"$WORK/serve.log" 2>&1 &
APP_PID=$!
PROTO=(-H "X-Forwarded-Proto: https")
for _ in $(seq 1 300); do
  curl -fsS "${PROTO[@]}" "http://127.0.0.1:$APP_PORT/darah/ticker.json" -o "$WORK/ticker.json" \
    2>/dev/null && break
  sleep 0.2
done
[ -s "$WORK/ticker.json" ] || { echo "sinergi serve did not answer"; cat "$WORK/serve.log"; exit 1; }
echo "headers from sinergi serve:"
curl -fsS -D - -o /dev/null "${PROTO[@]}" "http://127.0.0.1:$APP_PORT/darah/ticker.json" \
  | grep -iE '^(content-type|etag|cache-control|strict-transport|x-content-type|referrer|cross-origin)' \
  | sed 's/^/  /'

mkdir -p "$WORK/www/darah" "$WORK/tmp"
chmod 755 "$WORK" "$WORK/www" "$WORK/www/darah"  # nginx workers run as an unprivileged user
cp "$WORK/ticker.json" "$WORK/www/darah/ticker.json"
chmod 644 "$WORK/www/darah/ticker.json"
# The same number of worker processes as `sinergi serve` runs, so neither side gets more
# of the machine's cores than the other.
WORKERS="${SINERGI_WORKERS:-$(nproc)}"
cat >"$WORK/nginx.conf" <<CONF
worker_processes $WORKERS;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/tmp; proxy_temp_path $WORK/tmp; fastcgi_temp_path $WORK/tmp;
  uwsgi_temp_path $WORK/tmp; scgi_temp_path $WORK/tmp;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/www;
    location = /darah/ticker.json { default_type application/json; }
  }
}
CONF
"$NGINX" -c "$WORK/nginx.conf" -p "$WORK"
sleep 0.5
cmp -s "$WORK/ticker.json" <(curl -fsS "http://127.0.0.1:$NGINX_PORT/darah/ticker.json") \
  || { echo "nginx does not serve the same bytes"; exit 1; }
echo "ticker.json: $(wc -c <"$WORK/ticker.json") bytes, identical from both servers"

to_ms() {  # "392.00us" | "4.37ms" | "1.20s" -> milliseconds
  local value unit
  value="$(echo "$1" | sed -E 's/[a-z]+$//')"; unit="$(echo "$1" | sed -E 's/^[0-9.]+//')"
  case "$unit" in
    us) echo "$value / 1000" | bc -l ;;
    s) echo "$value * 1000" | bc -l ;;
    *) echo "$value" ;;
  esac
}

measure() {  # name url -> prints "rps p50_ms p99_ms socket_errors"
  local out errors
  # Warm up (caches, connections), then measure.
  wrk -t2 -c"$CONNS" -d2s "${PROTO[@]}" "$2" >/dev/null
  out="$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "${PROTO[@]}" "$2")"
  echo "$out" >>"$WORK/$1.wrk"
  if echo "$out" | grep -q "Non-2xx"; then echo "$1: non-2xx answers" >&2; echo "$out" >&2; exit 1; fi
  errors="$(echo "$out" | awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}')"
  printf '%s %s %s %s\n' "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
    "$(to_ms "$(echo "$out" | awk '$1 == "50%" {print $2}')")" \
    "$(to_ms "$(echo "$out" | awk '$1 == "99%" {print $2}')")" "${errors:-0}"
}

echo "machine before the runs: $(uptime)"
if awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v c="$(nproc)" 'BEGIN {exit !(l > c / 2)}'; then
  echo "WARNING: load average above half the $(nproc) cores: other processes share the" \
    "machine, the figures below are lower bounds for both servers (the ratio holds better)"
fi
echo "wrk: 2 threads, $CONNS connections, ${DURATION}s per server after a 2 s warm-up," \
  "$ROUNDS round(s); sinergi serve: $WORKERS workers x ${SINERGI_THREADS:-8} threads," \
  "$DB_NAME; nginx: $WORKERS worker processes"
printf '%-6s %-18s %12s %9s %9s %7s %12s\n' "round" "server" "requests/s" "p50 ms" "p99 ms" \
  "errors" "load before"
RATIOS=()
for round in $(seq 1 "$ROUNDS"); do
  load="$(cut -d' ' -f1 /proc/loadavg)"
  read -r APP_RPS APP_P50 APP_P99 APP_ERR < <(measure sinergi "http://127.0.0.1:$APP_PORT/darah/ticker.json")
  printf '%-6s %-18s %12.0f %9.2f %9.2f %7s %12s\n' "$round" "sinergi serve" "$APP_RPS" "$APP_P50" \
    "$APP_P99" "$APP_ERR" "$load"
  load="$(cut -d' ' -f1 /proc/loadavg)"
  read -r NGX_RPS NGX_P50 NGX_P99 NGX_ERR < <(measure nginx "http://127.0.0.1:$NGINX_PORT/darah/ticker.json")
  printf '%-6s %-18s %12.0f %9.2f %9.2f %7s %12s\n' "$round" "nginx static file" "$NGX_RPS" \
    "$NGX_P50" "$NGX_P99" "$NGX_ERR" "$load"
  RATIO="$(echo "100 * $APP_RPS / $NGX_RPS" | bc -l)"
  RATIOS+=("$RATIO")
  printf 'round %s: ratio %.1f%% of nginx (target >= 20%%), sinergi p99 %.2f ms (target < 20 ms)\n' \
    "$round" "$RATIO" "$APP_P99"
done
echo "machine after the runs: $(uptime) ($(nproc) cores)"
if [ "$ROUNDS" -gt 1 ]; then
  printf 'median ratio over %s rounds: %.1f%%\n' "$ROUNDS" \
    "$(printf '%s\n' "${RATIOS[@]}" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')"
fi
"$PY" "$HERE/bench/ticker_change.py" "http://127.0.0.1:$APP_PORT"
