#!/usr/bin/env bash
# Event webhook delivery under load (issue 19): the same annotators loop
# claim (L1) -> submit for LOAD_SECONDS (default 15) on
#   plain   a project without webhooks, and
#   hooked  a project with one webhook (every event) to a local receiver,
# then plain again, so drift of the machine shows. Each submit raises two
# events (ANNOTATION_CREATED, TASK_SUBMITTED). Printed: deliveries/s while
# loaded, how long the backlog took to drain after the load (the wait ends
# when every event's id arrived), lag p50/p99 over every delivery (the
# receiver's clock minus the event's created_at, i.e. commit -> seal ->
# dispatch -> drain job -> POST), and cycles/s of hooked next to plain
# (the ratio: what webhooks cost the hot path).
#
# Usage: bench/webhooks.sh [tasks=60000] [clients=32]   (BENCH_DB=postgres://...
# runs it on PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/claim.sh
. bench/lib.sh

tasks=${1:-60000}
clients=${2:-32}
export LOAD_SECONDS=${LOAD_SECONDS:-15}

claim_build
# The receiver: answers 200 at once and appends "received_ms id created_at".
RX_DIR=$(mktemp -d /tmp/lf-bench-rx.XXXXXX)
python3 - "$RX_DIR" <<'PY' &
import http.server, json, sys, time, threading
out = open(sys.argv[1] + "/log", "a", buffering=1)
lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        now = time.time() * 1000
        self.send_response(200); self.send_header("content-length", "0"); self.end_headers()
        d = json.loads(body)
        with lock:
            out.write(f"{now:.0f} {d['id']} {d['created_at']}\n")
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + "/port", "w").write(str(s.server_address[1]))
s.serve_forever()
PY
RX_PID=$!
until [ -s "$RX_DIR/port" ]; do sleep 0.01; done
RX_URL="http://127.0.0.1:$(cat "$RX_DIR/port")/hook"

bench_start env LABELFLOW_OUTBOUND_ALLOW=127.0.0.1
cleanup() {
	bench_stop
	kill "$RX_PID" 2>/dev/null || true
	rm -rf "$RX_DIR"
}
trap cleanup EXIT

read -r plain hooked < <(python3 - "$URL" "$tasks" "$clients" "$RX_URL" <<'PY'
import json, sys, urllib.request
url, ntasks, nclients, rx = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
sys.path.insert(0, "bench")
from benchlib import NER_CONFIG as CONFIG, add_annotators, admin_token, client
api = client(url)
admin = admin_token(api)
def project(name):
    return api("POST", "/api/v1/projects", {"name": name, "label_config": CONFIG, "policies": {"lease_seconds": 600}}, admin)["id"]
plain, hooked = project("plain"), project("hooked")
add_annotators(api, admin, nclients, (plain, hooked))
text = "Ada Lovelace met Charles Babbage at the Royal Society."
for p, n in ((plain, 2 * ntasks), (hooked, ntasks)):
    for start in range(0, n, 10000):
        api("POST", f"/api/v1/projects/{p}/tasks",
            {"tasks": [{"data": {"text": f"Task {i}: {text}"}} for i in range(start, min(n, start + 10000))]}, admin)
api("POST", f"/api/v1/projects/{hooked}/webhooks", {"url": rx, "events": ["*"]}, admin)
print(plain, hooked)
PY
)
claim_tokens "$clients"

declare -A CPS P99
run() {
	claim_run "$2" 0 >/dev/null
	CPS[$1]=$(claim_field cps) P99[$1]=$(claim_field p99)
	echo "$1: cycles=$(claim_field cycles) errors=$(claim_field errors) cycles_per_s=${CPS[$1]} p99_ms=${P99[$1]}"
}
run plain1 "$plain"
: >"$RX_DIR/log" # the setup's TASKS_CREATED is no part of the load
t0=$(date +%s%3N)
run hooked "$hooked"
t1=$(date +%s%3N)
# Drained: every submit's two events arrived (distinct ids: a resend after
# a lost answer counts once). A stall of 60 s ends the wait too, and says
# so, rather than hanging on a lost delivery.
want=$((2 * $(claim_field cycles)))
last=-1 still=0
while :; do
	have=$(awk '{print $2}' "$RX_DIR/log" | sort -u | wc -l)
	[ "$have" -ge "$want" ] && break
	if [ "$have" = "$last" ]; then
		still=$((still + 1))
		if [ "$still" -ge 600 ]; then
			echo "webhooks.sh: drain stalled at $have of $want deliveries" >&2
			break
		fi
	else
		still=0 last=$have
	fi
	sleep 0.1
done
t2=$(date +%s%3N)
cp "$RX_DIR/log" "$RX_DIR/hooked.log"
run plain2 "$plain"
echo "server RSS: peak $(bench_hwm_kb) kB"
python3 - "$RX_DIR/hooked.log" "$t0" "$t1" "$t2" "$want" "${CPS[plain1]}" "${CPS[plain2]}" "${CPS[hooked]}" <<'PY'
import calendar, sys, time
log, t0, t1, t2, want = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
c1, c2, ch = map(float, sys.argv[6:])
lags, ids, during = [], set(), 0
for line in open(log):
    at, eid, created = line.split()
    at = int(at)
    made = calendar.timegm(time.strptime(created[:19], "%Y-%m-%dT%H:%M:%S")) * 1000 + int(created[20:23])
    lags.append(at - made)
    ids.add(eid)
    during += t0 <= at <= t1
lags.sort()
q = lambda p: lags[min(len(lags) - 1, int(p * len(lags)))] if lags else float("nan")
# A plain run that found no task left (the project ran dry) says nothing.
ran = [c for c in (c1, c2) if c > 0]
if len(ran) < 2:
    print("webhooks.sh: a plain run found the queue empty; give more tasks for a fair ratio", file=sys.stderr)
plain = sum(ran) / len(ran) if ran else float("nan")
print(f"webhooks.sh: deliveries={len(lags)} distinct_ids={len(ids)} expected={want}"
      f" deliveries_per_s={during / max(0.001, (t1 - t0) / 1000):.1f}"
      f" drained_after_load_ms={t2 - t1}"
      f" lag_p50_ms={q(0.5):.0f} lag_p99_ms={q(0.99):.0f}"
      f" plain_cps={plain:.1f} hooked_cps={ch:.1f} ratio={ch / plain:.3f}")
PY
