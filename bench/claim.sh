#!/usr/bin/env bash
# Claim/submit throughput on a fresh project: `clients` annotators, each on
# its own keep-alive connection (bench/loadgen.c), loop claim (L1) ->
# submit until the queue is drained or LOAD_SECONDS (default: no limit)
# passed. Prints cycles/s, latency percentiles, the server's peak RSS and,
# when the server has an audit sealer, its seal lag (from /metrics).
# Usage: bench/claim.sh [tasks=50000] [clients=64]
#
# Then the SQLite floor (bench/sqlite_floor.c: the least SQL of a claim +
# submit pair run in-process by one thread, FLOOR_TASKS (300000) queued
# tasks, FLOOR_SECONDS (10) s) and a table of both side by side with the
# ratio, from the same run (SQLITE_FLOOR=0 skips it).
#
# Sourced by bench/claim-late.sh for its helpers (claim_build, claim_setup,
# claim_tokens, claim_run); it then runs nothing itself.
set -euo pipefail

CLAIM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOADGEN=${LOADGEN:-$CLAIM_ROOT/build/bench/loadgen}
SQLITE_FLOOR_BIN=${SQLITE_FLOOR_BIN:-$(dirname "$LOADGEN")/sqlite_floor}

# Builds the load generator when its source is newer than the binary.
claim_build() {
	if [ ! -x "$LOADGEN" ] || [ "$CLAIM_ROOT/bench/loadgen.c" -nt "$LOADGEN" ]; then
		mkdir -p "$(dirname "$LOADGEN")"
		cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -o "$LOADGEN" \
			"$CLAIM_ROOT/bench/loadgen.c" -lpthread
	fi
}

# Builds the SQLite floor when its source is newer than the binary.
claim_floor_build() {
	if [ ! -x "$SQLITE_FLOOR_BIN" ] || [ "$CLAIM_ROOT/bench/sqlite_floor.c" -nt "$SQLITE_FLOOR_BIN" ]; then
		mkdir -p "$(dirname "$SQLITE_FLOOR_BIN")"
		# shellcheck disable=SC2046 # pkg-config prints a list of options
		cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -o "$SQLITE_FLOOR_BIN" \
			"$CLAIM_ROOT/bench/sqlite_floor.c" $(pkg-config --cflags --libs sqlite3)
	fi
}

# claim_py MODE ARGS...: the JSON/HTTP side of the setup, in Python.
#   setup URL TASKS CLIENTS  -> creates annotators, members, the project and
#                               its tasks (batches of 10000); prints the id
#   tokens URL CLIENTS FILE  -> logs the annotators in, one token a line
#   tasks URL PROJECT TASKS  -> adds TASKS tasks to PROJECT (batches of 10000)
claim_py() {
	python3 - "$@" <<'EOF'
import json, sys, urllib.request
from concurrent.futures import ThreadPoolExecutor

ADMIN = ("bench-admin@example.org", "bench-admin-password")
NER_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Labels name="label" toName="text">
    <Label value="PER"/><Label value="ORG"/>
  </Labels>
</View>"""

def api(url, method, path, body=None, token=None, want=(200, 201)):
    req = urllib.request.Request(url + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            status, text = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    if status not in want:
        sys.exit(f"{method} {path}: {status} {text[:300]!r}")
    return json.loads(text) if text else None

def login(url, email, password):
    return api(url, "POST", "/api/v1/auth/login", {"email": email, "password": password})["access_token"]

def user_email(i):
    return f"bench-annotator-{i}@example.org"

def setup(url, ntasks, nclients):
    admin = login(url, *ADMIN)
    project = api(url, "POST", "/api/v1/projects",
                  {"name": "claim bench", "label_config": NER_CONFIG,
                   "policies": {"lease_seconds": 600}}, admin)["id"]
    def add(i):
        u = api(url, "POST", "/api/v1/users",
                {"email": user_email(i), "name": f"Annotator {i}",
                 "password": f"bench-password-{i}", "role": "annotator"}, admin)
        api(url, "PUT", f"/api/v1/projects/{project}/members/{u['id']}", {"role": "annotator"}, admin)
    with ThreadPoolExecutor(4) as ex:
        list(ex.map(add, range(nclients)))
    add_tasks(url, admin, project, ntasks)
    print(project)

def add_tasks(url, admin, project, ntasks):
    for start in range(0, ntasks, 10000):
        batch = [{"data": {"text": f"Task {i}: Ada Lovelace met Charles Babbage at the Royal Society."}}
                 for i in range(start, min(ntasks, start + 10000))]
        api(url, "POST", f"/api/v1/projects/{project}/tasks", {"tasks": batch}, admin)

def tokens(url, nclients, path):
    with ThreadPoolExecutor(4) as ex:
        toks = list(ex.map(lambda i: login(url, user_email(i), f"bench-password-{i}"), range(nclients)))
    with open(path, "w") as f:
        f.write("\n".join(toks) + "\n")

mode, url = sys.argv[1], sys.argv[2]
if mode == "setup":
    setup(url, int(sys.argv[3]), int(sys.argv[4]))
elif mode == "tasks":
    add_tasks(url, login(url, *ADMIN), int(sys.argv[3]), int(sys.argv[4]))
else:
    tokens(url, int(sys.argv[3]), sys.argv[4])
EOF
}

claim_setup() { claim_py setup "$URL" "$1" "$2"; } # tasks clients -> project id
claim_tokens() { claim_py tokens "$URL" "$1" "$BENCH_DIR/tokens"; } # clients

# claim_run PROJECT CYCLES: runs the load (CYCLES 0: until the queue is
# drained) and keeps its output in $BENCH_DIR/loadgen.txt (the last line is
# loadgen's k=v summary).
claim_run() {
	"$LOADGEN" --url "$URL" --project "$1" --tokens "$BENCH_DIR/tokens" --stage l1 \
		--max-cycles "$2" --seconds "${LOAD_SECONDS:-0}" | tee "$BENCH_DIR/loadgen.txt"
}

# claim_field NAME: one value of loadgen's summary line.
claim_field() {
	sed -n 's/^loadgen: //p' "$BENCH_DIR/loadgen.txt" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

claim_main() {
	local tasks=${1:-50000} clients=${2:-64} project t0 t1
	cd "$CLAIM_ROOT"
	. bench/lib.sh
	claim_build
	bench_start
	trap bench_stop EXIT
	t0=$(date +%s%N)
	project=$(claim_setup "$tasks" "$clients")
	t1=$(date +%s%N)
	echo "setup:            $clients annotators, $tasks tasks via the API in $(((t1 - t0) / 1000000)) ms"
	claim_tokens "$clients"
	claim_run "$project" 0
	echo "server RSS:       $(bench_rss_kb) kB after the load, peak $(bench_hwm_kb) kB (logins included)"
	echo "claim.sh: tasks=$tasks clients=$clients cycles=$(claim_field cycles)" \
		"errors=$(claim_field errors) cycles_per_s=$(claim_field cps)" \
		"p50_ms=$(claim_field p50) p90_ms=$(claim_field p90) p99_ms=$(claim_field p99)" \
		"max_ms=$(claim_field max) peak_rss_kb=$(bench_hwm_kb)"
	bench_seal_lag "$URL"
	[ "${SQLITE_FLOOR:-1}" = 1 ] || return 0
	local cps p50 p99 seal50=$SEAL_P50 seal99=$SEAL_P99 floor_out
	cps=$(claim_field cps) p50=$(claim_field p50) p99=$(claim_field p99)
	bench_stop
	trap - EXIT
	claim_floor_build
	echo "--- SQLite floor: $SQLITE_FLOOR_BIN ${FLOOR_TASKS:-300000} ${FLOOR_SECONDS:-10}; load average $(cut -d' ' -f1-3 /proc/loadavg)"
	floor_out=$("$SQLITE_FLOOR_BIN" "${FLOOR_TASKS:-300000}" "${FLOOR_SECONDS:-10}")
	echo "$floor_out"
	floor_out=$(echo "$floor_out" | tail -n 1 | tr ' ' '\n')
	echo "=== side by side (one run; LabelFlow on SQLite over HTTP, the floor in-process)"
	echo "$clients ${cps:--} ${p50:--} ${p99:--} $(echo "$floor_out" | sed -n 's/^pairs_per_s=//p')" \
		"$(echo "$floor_out" | sed -n 's/^p50_ms=//p') $(echo "$floor_out" | sed -n 's/^p99_ms=//p')" \
		"- - ${seal50:--} ${seal99:--}" | bench_side_by_side "floor (in-process)"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	claim_main "$@"
fi
