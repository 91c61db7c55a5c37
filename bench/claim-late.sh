#!/usr/bin/env bash
# Claims late in a big project: 1,000,000 tasks of which 900,000 are already
# accepted (lower ids) and 100,000 still queued for L1 (the highest ids), the
# worst case for a claim query that would walk tasks in id order. Then the
# same claim/submit load as bench/claim.sh, and the ratio to a fresh project.
#
# Usage: bench/claim-late.sh [cycles=30000] [clients=64]
# The fresh-project figure comes from running bench/claim.sh (FRESH_TASKS,
# default 50000 tasks), or from the output of a claim.sh run already made,
# given as CLAIM_FRESH_OUT=file (bench/run-all does that). LATE_TOTAL=N scales
# the project down (90% accepted) for a quick try.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/claim.sh
. bench/lib.sh

cycles=${1:-30000}
clients=${2:-64}
total=${LATE_TOTAL:-1000000}
done_tasks=$((total * 9 / 10))

# late_sql NAME PROJECT USER NOW: the query macro NAME of store_tasks.c with
# literal values, read from the source so it cannot drift from the server.
late_sql() {
	python3 - src/store/store_tasks.c "$@" <<'EOF'
import re, sys
path, name, *vals = sys.argv[1:]
src = open(path).read()
m = re.search(r"#define " + name + r"\s*\\\n((?:[^\n]*\\\n)*[^\n]*\n)", src)
if not m:
    sys.exit(f"{name} not found in {path}")
sql = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))).replace('\\"', '"')
for i in range(len(vals), 0, -1):
    sql = sql.replace(f"${i}", vals[i - 1])
print(sql)
EOF
}

claim_build
bench_start
trap bench_stop EXIT
project=$(claim_setup 0 "$clients")
user=$(sqlite3 "$BENCH_DIR/labelflow.db" "SELECT min(id) FROM users WHERE role = 'annotator'")
bench_kill

t0=$(date +%s%N)
sqlite3 "$BENCH_DIR/labelflow.db" <<EOF
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < $total)
INSERT INTO tasks (project_id, state, priority, data, created_at, updated_at)
SELECT $project, CASE WHEN x <= $done_tasks THEN 'accepted' ELSE 'queued_l1' END, 0,
       '{"text":"Task ' || x || ': Ada Lovelace met Charles Babbage at the Royal Society."}',
       CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER),
       CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
FROM n;
COMMIT;
EOF
t1=$(date +%s%N)
echo "seeded:           $total tasks ($done_tasks accepted, $((total - done_tasks)) queued_l1) with sqlite3 in $(((t1 - t0) / 1000000)) ms"
echo "database:         $(du -h "$BENCH_DIR/labelflow.db" | cut -f1)"

now=$(date +%s%3N)
for q in NEXT_REWORK NEXT_L1; do
	echo "plan of $q (the claim's queries, in this order):"
	sqlite3 "$BENCH_DIR/labelflow.db" "EXPLAIN QUERY PLAN $(late_sql "$q" "$project" "$user" "$now")" |
		sed 's/^/  /'
done

bench_start
echo "cold start:       ${COLD_START_MS} ms (on the $total-task database)"
claim_tokens "$clients"
claim_run "$project" "$cycles"
echo "server RSS:       $(bench_rss_kb) kB after the load, peak $(bench_hwm_kb) kB (logins included)"
late_cps=$(claim_field cps)
echo "claim-late.sh: tasks=$total queued=$((total - done_tasks)) clients=$clients" \
	"cycles=$(claim_field cycles) errors=$(claim_field errors) cycles_per_s=$late_cps" \
	"p50_ms=$(claim_field p50) p90_ms=$(claim_field p90) p99_ms=$(claim_field p99)" \
	"max_ms=$(claim_field max) peak_rss_kb=$(bench_hwm_kb)"
bench_stop
trap - EXIT

fresh_out=${CLAIM_FRESH_OUT:-}
if [ -z "$fresh_out" ]; then
	fresh_out=$(mktemp /tmp/lf-claim-fresh.XXXXXX)
	echo "fresh project for comparison (bench/claim.sh ${FRESH_TASKS:-50000} $clients):"
	SQLITE_FLOOR=0 bench/claim.sh "${FRESH_TASKS:-50000}" "$clients" | tee "$fresh_out" | grep '^claim.sh:'
fi
fresh_cps=$(sed -n 's/^claim\.sh: .*cycles_per_s=\([0-9.]*\).*/\1/p' "$fresh_out")
[ -z "${CLAIM_FRESH_OUT:-}" ] && rm -f "$fresh_out"
python3 -c "import sys; f, l = float(sys.argv[1]), float(sys.argv[2]);
print(f'late / fresh:     {l:.1f} / {f:.1f} cycles/s = {l / f:.2f}' if f > 0 else 'no fresh figure')" \
	"${fresh_cps:-0}" "$late_cps"
