# Shared by bench scripts: start a server on a temp SQLite database, or on
# the PostgreSQL database BENCH_DB names (postgres://...).
# Sets BENCH_DIR, PORT, URL, SERVER_PID. Call bench_stop at the end.
# With BENCH_DIR already naming a folder, bench_start reuses its database
# (a restart, e.g. after editing it with sqlite3); only a folder that
# bench_start created itself is deleted by bench_stop.
BIN=${LABELFLOW_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/labelflow}
ADMIN_EMAIL=bench-admin@example.org
ADMIN_PASSWORD=bench-admin-password

bench_start() {
	if [ -z "${BENCH_DIR:-}" ] || [ ! -d "$BENCH_DIR" ]; then
		BENCH_DIR=$(mktemp -d /tmp/lf-bench.XXXXXX)
		BENCH_OWNED=1
	fi
	local t0 t1
	t0=$(date +%s%N)
	: >"$BENCH_DIR/out"
	LABELFLOW_STORAGE="file:$BENCH_DIR/blobs" LABELFLOW_DB="${BENCH_DB:-sqlite:$BENCH_DIR/labelflow.db}" LABELFLOW_JWT_SECRET=bench \
	LABELFLOW_ADMIN_EMAIL=$ADMIN_EMAIL LABELFLOW_ADMIN_PASSWORD=$ADMIN_PASSWORD \
	LABELFLOW_ACCESS_LOG=0 LABELFLOW_LOGIN_IP_BURST=1000000 LABELFLOW_MAX_CONNECTIONS_PER_IP=0 "$@" \
		"$BIN" serve --listen 127.0.0.1:0 >"$BENCH_DIR/out" 2>"$BENCH_DIR/err" &
	SERVER_PID=$!
	for _ in $(seq 1 500); do
		PORT=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$BENCH_DIR/out")
		[ -n "$PORT" ] && break
		sleep 0.01
	done
	URL=http://127.0.0.1:$PORT
	# Cold start: until /readyz answers.
	until curl -sf "$URL/readyz" >/dev/null; do
		kill -0 "$SERVER_PID" 2>/dev/null || { cat "$BENCH_DIR/err" >&2; return 1; }
		sleep 0.005
	done
	t1=$(date +%s%N)
	COLD_START_MS=$(((t1 - t0) / 1000000))
}

bench_login() { # email password -> prints the access token
	curl -sf -H 'content-type: application/json' \
		-d "{\"email\":\"$1\",\"password\":\"$2\"}" "$URL/api/v1/auth/login" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

bench_rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }
bench_hwm_kb() { awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status"; }
# Resets VmHWM to the current RSS (Linux >= 4.0): the peak of one phase
# alone, without the login's 64 MiB argon2 hash.
bench_hwm_reset() { echo 5 >"/proc/$SERVER_PID/clear_refs"; }

# Stops the server and keeps BENCH_DIR (to restart on the same database).
bench_kill() {
	[ -n "${SERVER_PID:-}" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
}

bench_stop() {
	bench_kill
	if [ "${BENCH_OWNED:-0}" = 1 ]; then rm -rf "$BENCH_DIR"; fi
}
