#!/usr/bin/env bash
# GET /api/v1/me under load (64 connections, wrk), plus binary size, cold
# start and idle RSS. Each request verifies the JWT and checks the session
# and user in SQLite. Usage: bench/me.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }
secs=${1:-10}
bench_start
trap bench_stop EXIT
sleep 0.5
echo "binary size:      $(stat -c %s "$BIN") bytes ($(du -h "$BIN" | cut -f1))"
echo "cold start:       ${COLD_START_MS} ms (exec to /readyz answering, fresh database)"
echo "idle RSS:         $(bench_rss_kb) kB"
token=$(bench_login "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
wrk -t2 -c64 -d"${secs}s" --latency -H "Authorization: Bearer $token" "$URL/api/v1/me" | tee "$BENCH_DIR/wrk.txt"
echo "requests/s:       $(awk '/Requests\/sec/ {print $2}' "$BENCH_DIR/wrk.txt")"
echo "p50 / p99:        $(awk '$1=="50%" {print $2}' "$BENCH_DIR/wrk.txt") / $(awk '$1=="99%" {print $2}' "$BENCH_DIR/wrk.txt")"
echo "RSS after load:   $(bench_rss_kb) kB (peak $(bench_hwm_kb) kB)"
