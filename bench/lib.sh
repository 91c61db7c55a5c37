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

# bench_seal_lag URL...: the audit sealer's figures from each server's
# /metrics, one line per server that has sealed records: the seal lag
# quantiles 0.5 and 0.99 (labelflow_audit_seal_lag_seconds, or _ms), the
# records it sealed (labelflow_audit_sealed_records_total) and, when
# exported, labelflow_audit_unsealed. "n/a (no sealer)" when no server
# exports them; a sealer that runs only in the worker (which serves no
# /metrics) is said so. Sets SEAL_P50 and SEAL_P99 (ms) to the highest any
# server reports, empty when none does.
bench_seal_lag() {
	local u m line p50 p99 sealed unsealed found=0 exported=0
	SEAL_P50='' SEAL_P99=''
	for u in "$@"; do
		m=$(curl -sf "$u/metrics" 2>/dev/null || true)
		# "p50_ms p99_ms sealed unsealed", "-" where the server exports none.
		line=$(echo "$m" | awk '
			function q(name, want) { return $0 ~ "^" name "\\{" && index($0, "quantile=\"" want "\"") }
			q("labelflow_audit_seal_lag_seconds", "0.5") { p50 = $NF * 1000 }
			q("labelflow_audit_seal_lag_seconds", "0.99") { p99 = $NF * 1000 }
			q("labelflow_audit_seal_lag_ms", "0.5") { p50 = $NF + 0 }
			q("labelflow_audit_seal_lag_ms", "0.99") { p99 = $NF + 0 }
			/^labelflow_audit_sealed_records_total[ {]/ { sealed = $NF }
			/^labelflow_audit_unsealed[ {]/ { unsealed = $NF }
			END {
				if (p50 == "" && p99 == "" && unsealed == "") exit
				printf "%s %s %s %s\n", p50 == "" ? "-" : p50, p99 == "" ? "-" : p99,
				       sealed == "" ? "-" : sealed, unsealed == "" ? "-" : unsealed
			}')
		[ -n "$line" ] || continue
		exported=1
		read -r p50 p99 sealed unsealed <<<"$line"
		# A server that did not hold the sealer's turn reports zeros.
		[ "$sealed" != 0 ] || continue
		found=1
		line="seal lag:         $u: p50 $p50 ms, p99 $p99 ms"
		[ "$sealed" = - ] || line="$line; $sealed records sealed by it"
		[ "$unsealed" = - ] || line="$line; $unsealed unsealed now"
		echo "$line"
		SEAL_P50=$(python3 -c 'import sys; v = [float(x) for x in sys.argv[1:] if x not in ("", "-")]; print(max(v) if v else "")' "$SEAL_P50" "$p50")
		SEAL_P99=$(python3 -c 'import sys; v = [float(x) for x in sys.argv[1:] if x not in ("", "-")]; print(max(v) if v else "")' "$SEAL_P99" "$p99")
	done
	if [ "$found" = 0 ] && [ "$exported" = 1 ]; then
		echo "seal lag:         n/a (no server sealed during the load: the sealer ran in the worker, which has no /metrics)"
	elif [ "$found" = 0 ]; then
		echo "seal lag:         n/a (no sealer)"
	fi
}

# bench_side_by_side FLOOR_LABEL [PEER_LABEL]: the table that closes a run
# of LabelFlow next to its floor (and a peer), from lines on stdin, one per
# client count: "clients lf_cps lf_p50 lf_p99 floor_pps floor_p50
# floor_p99 peer_jps peer_p99 seal_p50 seal_p99" (ms; a figure missing is
# "-"). Then a k=v line per client count, "side-by-side: ...".
bench_side_by_side() {
	python3 -c '
import sys
floor_label, peer_label = sys.argv[1], sys.argv[2]
rows = []
for line in sys.stdin:
    f = line.split() + [""] * 11
    def num(x):
        try:
            return float(x)
        except ValueError:
            return None
    rows.append([f[0]] + [num(x) for x in f[1:11]])
def fmt(v, d=1):
    return "-" if v is None else f"{v:.{d}f}"
def ratio(a, b, pct=False):
    if a is None or not b:
        return "-"
    return f"{100 * a / b:.0f}%" if pct else f"{a / b:.2f}x"
def pair(a, b):
    return f"{fmt(a, 2)} / {fmt(b, 2)}"
lines = [("", [f"{r[0]} clients" for r in rows])]
lines.append(("LabelFlow cycles/s", [fmt(r[1]) for r in rows]))
lines.append(("LabelFlow p50 / p99 ms", [pair(r[2], r[3]) for r in rows]))
lines.append((floor_label + " pairs/s", [fmt(r[4]) for r in rows]))
lines.append((floor_label + " p50 / p99 ms", [pair(r[5], r[6]) for r in rows]))
if peer_label:
    lines.append((peer_label + " jobs/s", [fmt(r[7]) for r in rows]))
    lines.append((peer_label + " p99 ms", [fmt(r[8]) for r in rows]))
lines.append(("LabelFlow / floor", [ratio(r[1], r[4], True) for r in rows]))
if peer_label:
    lines.append(("LabelFlow / " + peer_label.split()[0], [ratio(r[1], r[7]) for r in rows]))
lines.append(("p99 LabelFlow / floor", [ratio(r[3], r[6]) for r in rows]))
lines.append(("seal lag p50 / p99 ms", [pair(r[9], r[10]) if r[9] is not None or r[10] is not None
                                        else "n/a (no sealer)" for r in rows]))
w = max(len(k) for k, _ in lines) + 2
for k, vals in lines:
    print(k.ljust(w) + "".join(v.ljust(24) for v in vals).rstrip())
for r in rows:
    print(f"side-by-side: clients={r[0]} labelflow_cps={fmt(r[1])} labelflow_p99_ms={fmt(r[3], 2)}"
          f" floor_pps={fmt(r[4])} floor_p99_ms={fmt(r[6], 2)}"
          + (f" peer_jps={fmt(r[7])} peer_p99_ms={fmt(r[8], 2)}" if peer_label else "")
          + f" labelflow_over_floor={ratio(r[1], r[4])}"
          + (f" labelflow_over_peer={ratio(r[1], r[7])}" if peer_label else "")
          + f" p99_over_floor={ratio(r[3], r[6])}"
          + f" seal_p50_ms={fmt(r[9], 2)} seal_p99_ms={fmt(r[10], 2)}")
' "$1" "${2:-}"
}
