#!/usr/bin/env bash
# Claim/submit throughput with quality control on, next to the plain
# figure, in one server run (issue 18): the same annotators loop claim (L1)
# -> submit for LOAD_SECONDS (default 15) on
#   plain    a project without gold or overlap (as bench/claim.sh), and
#   quality  a project serving gold on 10% of claims (GOLD items known
#            answers) with overlap 3 on 20% of its tasks (a task type),
# then plain again, so drift of the machine during the run shows. The
# figure of the issue is quality / mean(plain): cycles/s and p99.
# A gold claim writes more (a copy of the gold task and its answer row)
# and its submit scores the answer; an overlap task is claimed 3 times.
#
# Usage: bench/gold.sh [tasks=60000] [clients=32]   (BENCH_DB=postgres://...
# runs it on PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/claim.sh
. bench/lib.sh

tasks=${1:-60000}
clients=${2:-32}
gold=${GOLD:-300}
export LOAD_SECONDS=${LOAD_SECONDS:-15}

claim_build
bench_start
trap bench_stop EXIT

# setup: the annotators, both projects and their tasks; prints "plain quality".
read -r plain quality < <(python3 - "$URL" "$tasks" "$clients" "$gold" <<'PY'
import json, sys, urllib.request
url, ntasks, nclients, ngold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
sys.path.insert(0, "bench")
from benchlib import NER_CONFIG as CONFIG, add_annotators, admin_token, client
api = client(url)
admin = admin_token(api)
def project(name, policies, task_types):
    return api("POST", "/api/v1/projects", {"name": name, "label_config": CONFIG, "policies": policies,
                                            "task_types": task_types}, admin)["id"]
plain = project("plain", {"lease_seconds": 600}, {})
quality = project("quality", {"lease_seconds": 600, "gold_rate": 0.1}, {"overlap3": {"overlap": 3}})
add_annotators(api, admin, nclients, (plain, quality))
text = "Ada Lovelace met Charles Babbage at the Royal Society."
# plain is loaded twice: twice the tasks, so neither run drains it.
for p, n in ((plain, 2 * ntasks), (quality, ntasks)):
    for start in range(0, n, 10000):
        batch = [{"data": {"text": f"Task {i}: {text}"}} for i in range(start, min(n, start + 10000))]
        if p == quality:
            for k, t in enumerate(batch):
                if (start + k) % 5 == 0:
                    t["task_type"] = "overlap3"
        api("POST", f"/api/v1/projects/{p}/tasks", {"tasks": batch}, admin)
for g in range(ngold):
    api("POST", f"/api/v1/projects/{quality}/gold",
        {"data": {"text": f"Sample {g}: {text}"}, "answer": [{"id": "g", "from_name": "label", "to_name": "text",
         "type": "labels", "value": {"start": 0, "end": 6, "labels": ["PER"]}}]}, admin)
print(plain, quality)
PY
)
claim_tokens "$clients"

# run NAME PROJECT: one load; prints and keeps its summary.
declare -A CPS P50 P99
run() {
	claim_run "$2" 0 >/dev/null
	CPS[$1]=$(claim_field cps) P50[$1]=$(claim_field p50) P99[$1]=$(claim_field p99)
	echo "$1: cycles=$(claim_field cycles) errors=$(claim_field errors) cycles_per_s=${CPS[$1]} p50_ms=${P50[$1]} p99_ms=${P99[$1]}"
}
run plain1 "$plain"
run quality "$quality"
run plain2 "$plain"
served=$(python3 - "$URL" "$quality" <<'PY'
import json, sys, urllib.request
url, p = sys.argv[1], sys.argv[2]
sys.path.insert(0, "bench")
from benchlib import admin_token, client
api = client(url)
admin = admin_token(api)
n, cur = 0, ""
while True:
    page = api("GET", f"/api/v1/projects/{p}/gold?limit=200{cur}", token=admin)
    n += sum(g["answered"] for g in page["items"])
    if not page["next_cursor"]: break
    cur = "&cursor=" + page["next_cursor"]
print(n)
PY
)
echo "gold answers scored in the quality run: $served"
echo "server RSS: peak $(bench_hwm_kb) kB"
python3 - "${CPS[plain1]}" "${CPS[plain2]}" "${CPS[quality]}" "${P99[plain1]}" "${P99[plain2]}" "${P99[quality]}" <<'PY'
import sys
c1, c2, cq, p1, p2, pq = map(float, sys.argv[1:])
plain, plain99 = (c1 + c2) / 2, (p1 + p2) / 2
print(f"gold.sh: plain_cps={plain:.1f} quality_cps={cq:.1f} ratio={cq / plain:.3f}"
      f" plain_p99_ms={plain99:.1f} quality_p99_ms={pq:.1f} p99_ratio={pq / plain99:.2f}")
PY
