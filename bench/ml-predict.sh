#!/usr/bin/env bash
# Prediction fetch throughput (issue 19): TASKS tasks imported into a
# project, one ML backend (tests/support/ml-backend.mjs, the tests' Label
# Studio-protocol backend) answering each /predict call after DELAY_MS
# (20 ms), predictions asked for every task at once (POST .../predict with
# an empty filter) and timed until the backend's progress has none
# pending: tasks/s, end to end (jobs claimed, tasks read, the call, the
# answer checked against the label config, predictions merged and stored).
# The floor is the same backend called directly by a minimal Node client
# with the same batch size and concurrency: what the calls alone allow.
# Also the server's peak RSS during the prediction phase.
#
# Usage: bench/ml-predict.sh [tasks=20000] [batch=10] [concurrency=2]
#   (BENCH_DB=postgres://... runs it on PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

tasks=${1:-20000}
batch=${2:-10}
conc=${3:-2}
delay=${DELAY_MS:-20}

ml_dir=$(mktemp -d /tmp/lf-bench-ml.XXXXXX)
node tests/support/ml-backend.mjs --port 0 --delay "$delay" >"$ml_dir/out" &
ML_PID=$!
cleanup() {
	kill "$ML_PID" 2>/dev/null || true
	wait "$ML_PID" 2>/dev/null || true
	rm -rf "$ml_dir"
	bench_stop
}
trap cleanup EXIT
for _ in $(seq 1 500); do
	ML_PORT=$(sed -n 's/^port \([0-9]*\)$/\1/p' "$ml_dir/out")
	[ -n "$ML_PORT" ] && break
	sleep 0.01
done
[ -n "$ML_PORT" ] || { echo "the ML backend did not start" >&2; exit 1; }

# One job thread per call in flight: the backend's slots (src/ml/gate.c)
# allow conc calls at once.
bench_start env LABELFLOW_OUTBOUND_ALLOW=localhost LABELFLOW_JOB_THREADS="$conc"

# setup: the project, its tasks (one JSONL import) and the backend; prints
# "project backend".
read -r project backend < <(python3 - "$URL" "$tasks" "$batch" "$conc" "$ML_PORT" <<'PY'
import json, sys, time, urllib.request
url, ntasks, batch, conc, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text"><Choice value="Pos"/><Choice value="Neg"/></Choices>
</View>"""
sys.path.insert(0, "bench")
from benchlib import admin_token, client
api = client(url)
admin = admin_token(api)
p = api("POST", "/api/v1/projects", {"name": "ml", "label_config": CONFIG}, admin)["id"]
lines = "\n".join(json.dumps({"text": f"Sentence {i}: the service was fine, the food less so."}) for i in range(ntasks))
im = api("POST", f"/api/v1/projects/{p}/imports", raw=(lines + "\n").encode(), token=admin, ctype="application/x-ndjson")
while api("GET", f"/api/v1/imports/{im['id']}", token=admin)["status"] in ("queued", "running"):
    time.sleep(0.1)
b = api("POST", f"/api/v1/projects/{p}/ml-backends", {"url": f"http://localhost:{port}", "batch_size": batch,
        "concurrency": conc, "auto_predict": False}, admin)["id"]
print(p, b)
PY
)

bench_hwm_reset
python3 - "$URL" "$project" "$backend" "$tasks" "$ml_dir/rate" <<'PY'
import json, sys, time, urllib.request
url, p, b, ntasks, rate_file = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
sys.path.insert(0, "bench")
from benchlib import admin_token, client
api = client(url)
admin = admin_token(api)
t0 = time.monotonic()
q = api("POST", f"/api/v1/projects/{p}/ml-backends/{b}/predict", {"filter": {}}, admin)
while True:
    g = api("GET", f"/api/v1/projects/{p}/ml-backends/{b}", token=admin)["progress"]
    if g["pending"] == 0:
        break
    time.sleep(0.02)
dt = time.monotonic() - t0
assert g["predicted"] == ntasks, g
print(f"server: tasks={ntasks} jobs={q['jobs']} seconds={dt:.2f} tasks_per_s={ntasks / dt:.1f}")
with open(rate_file, "w") as f:
    f.write(f"{ntasks / dt}\n")
PY
server_rate=$(cat "$ml_dir/rate")
echo "server RSS during prediction: peak $(bench_hwm_kb) kB"

# The floor: the same calls, straight from a minimal client.
floor_rate=$(node - "$ML_PORT" "$tasks" "$batch" "$conc" <<'JS'
const [port, n, batch, conc] = process.argv.slice(2).map(Number);
const config = '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text"><Choice value="Pos"/><Choice value="Neg"/></Choices></View>';
let next = 0;
const t0 = performance.now();
async function worker() {
  for (;;) {
    const start = next;
    next += batch;
    if (start >= n) return;
    const tasks = [];
    for (let i = start; i < Math.min(n, start + batch); i++) tasks.push({ id: i + 1, data: { text: `Sentence ${i}` } });
    const r = await fetch(`http://127.0.0.1:${port}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tasks, model_version: 'v1', project: '1.0', label_config: config, params: { context: null } }) });
    const body = await r.json();
    if (body.results.length !== tasks.length) throw new Error('short answer');
  }
}
await Promise.all(Array.from({ length: conc }, worker));
console.log((n / ((performance.now() - t0) / 1000)).toFixed(1));
JS
)
echo "floor (direct client, batch $batch, concurrency $conc): tasks_per_s=$floor_rate"
python3 -c "import sys; s, f = float(sys.argv[1]), float(sys.argv[2]); print(f'ml-predict.sh: tasks_per_s={s:.1f} floor_tasks_per_s={f:.1f} ratio={s / f:.3f}')" "$server_rate" "$floor_rate"
