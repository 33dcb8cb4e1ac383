#!/usr/bin/env bash
# Blood ticker benchmark: /darah/ticker.json served by granian WSGI (as `sinergi serve`
# runs it) against nginx serving the very same bytes as a static file, both measured with
# wrk in the same run. Installs nothing: needs wrk and nginx on PATH (Debian:
# `apt-get install -y wrk nginx`).
#
# Usage: bench/ticker.sh [seconds per run, default 10] [connections, default 32]
set -euo pipefail

DURATION="${1:-10}"
CONNS="${2:-32}"
APP_PORT="${APP_PORT:-18431}"
NGINX_PORT="${NGINX_PORT:-18432}"
WORKERS="${SINERGI_WORKERS:-$(nproc)}"
HERE="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-$HERE/.venv/bin/python}"

for tool in wrk nginx curl; do
  if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ]; then
    echo "bench/ticker.sh needs $tool (Debian: apt-get install -y wrk nginx curl)" >&2
    exit 2
  fi
done
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

WORK="$(mktemp -d /tmp/sinergi-ticker-bench.XXXXXX)"
APP_PID=""
cleanup() {
  [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null || true
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

export SINERGI_DATA_DIR="$WORK/data" SINERGI_MODE=demo DJANGO_SETTINGS_MODULE=sinergi.settings
echo "loading the demo into $SINERGI_DATA_DIR ..."
"$PY" -m sinergi.cli demo --no-serve --data-dir "$SINERGI_DATA_DIR" >/dev/null

# The same command line as `sinergi serve` (cli._serve), without the background worker.
"$PY" -m granian --interface wsgi --host 127.0.0.1 --port "$APP_PORT" --workers "$WORKERS" \
  --no-ws --blocking-threads "${SINERGI_THREADS:-8}" --log-level warning \
  sinergi.wsgi:application >"$WORK/granian.log" 2>&1 &
APP_PID=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$APP_PORT/darah/ticker.json" -o "$WORK/ticker.json" 2>/dev/null && break
  sleep 0.2
done
[ -s "$WORK/ticker.json" ] || { echo "granian did not answer"; cat "$WORK/granian.log"; exit 1; }

mkdir -p "$WORK/www/darah"
chmod 755 "$WORK" "$WORK/www" "$WORK/www/darah"  # nginx workers run as an unprivileged user
cp "$WORK/ticker.json" "$WORK/www/darah/ticker.json"
chmod 644 "$WORK/www/darah/ticker.json"
cat >"$WORK/nginx.conf" <<CONF
worker_processes auto;
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
mkdir -p "$WORK/tmp"
"$NGINX" -c "$WORK/nginx.conf" -p "$WORK"
sleep 0.5
cmp -s "$WORK/ticker.json" <(curl -fsS "http://127.0.0.1:$NGINX_PORT/darah/ticker.json") \
  || { echo "nginx does not serve the same bytes"; exit 1; }
echo "ticker.json: $(wc -c <"$WORK/ticker.json") bytes, identical from both servers"

measure() {  # name url -> prints "name rps p99_ms"
  local out rps p99 unit value
  # Warm up (caches, connections), then measure.
  wrk -t2 -c"$CONNS" -d2s "$2" >/dev/null
  out="$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "$2")"
  echo "$out" >"$WORK/$1.wrk"
  if echo "$out" | grep -q "Non-2xx"; then echo "$1: non-2xx answers" >&2; echo "$out" >&2; exit 1; fi
  rps="$(echo "$out" | awk '/Requests\/sec/ {print $2}')"
  p99="$(echo "$out" | awk '$1 == "99%" {print $2}')"
  value="$(echo "$p99" | sed -E 's/[a-z]+$//')"; unit="$(echo "$p99" | sed -E 's/^[0-9.]+//')"
  case "$unit" in us) value="$(echo "$value / 1000" | bc -l)";; s) value="$(echo "$value * 1000" | bc -l)";; esac
  printf '%s %s %.2f\n' "$1" "$rps" "$value"
}

echo "wrk: 2 threads, $CONNS connections, ${DURATION}s per server; granian workers: $WORKERS, threads: ${SINERGI_THREADS:-8}"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
read -r _ APP_RPS APP_P99 < <(measure sinergi "http://127.0.0.1:$APP_PORT/darah/ticker.json")
read -r _ NGX_RPS NGX_P99 < <(measure nginx "http://127.0.0.1:$NGINX_PORT/darah/ticker.json")
RATIO="$(echo "100 * $APP_RPS / $NGX_RPS" | bc -l)"
printf '%-26s %12s %12s\n' "server" "requests/s" "p99 (ms)"
printf '%-26s %12.0f %12.2f\n' "sinergi (granian WSGI)" "$APP_RPS" "$APP_P99"
printf '%-26s %12.0f %12.2f\n' "nginx static file" "$NGX_RPS" "$NGX_P99"
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'ratio: %.1f%% of nginx (target >= 20%%), sinergi p99 %.2f ms (target < 20 ms)\n' "$RATIO" "$APP_P99"
