#!/usr/bin/env bash
# Claim/submit throughput over HTTP on PostgreSQL, scaled out, side by side
# with its floors, all on one throwaway cluster with durable commits
# (scripts/pg-cluster, no LF_PG_FAST) in one run, so that the ratios hold
# even where the absolute figures are noisy (issue 17):
#   - LabelFlow: two `labelflow serve` processes on the cluster's database
#     (no job threads) and one `labelflow worker` running the lease
#     sweeper; loadgen spreads its clients round-robin over both servers.
#     Cycles/s, latency percentiles per cycle and per request type, the
#     servers' peak RSS, where the CPU went and, when the server has an
#     audit sealer, its seal lag (from /metrics). One fresh project per
#     client count.
#   - the floor: pgbench of the least SQL that does the same work
#     (bench/pg-floor.sh: bench/pg/floor-pair.sql on bench/pg/floor.sql,
#     300,000 queued tasks), in the database "floor" of the same cluster,
#     for FLOOR_SECONDS (20) at each client count.
#   - pg-boss fetch+complete with a standing queue of PGBOSS_DEPTH (1,000)
#     jobs (bench/pgboss.sh), in the database "pgboss", for FLOOR_SECONDS
#     with as many workers as clients (PGBOSS=0 skips it).
# The last lines are the table: cycles/s and p99 of each, LabelFlow / floor,
# LabelFlow / pg-boss and LabelFlow's p99 / the floor's.
# PGBENCH=1 adds pgbench of the server's own statements
# (bench/pg/claim-submit.sql, see bench/pgbench-claim.sh) for 20 s at
# PGBENCH_CLIENTS (16) clients (only with PAID=1: the script is a paid
# project's pair).
#
#   bench/claim-pg.sh [tasks=20000] [clients="16 64"]
#       a fresh project of `tasks` tasks per client count, drained (or
#       LOAD_SECONDS passed)
#   bench/claim-pg.sh late [cycles=20000] [clients=64]
#       a project of 1,000,000 tasks whose first 900,000 (in id order) are
#       accepted, bulk-created in SQL; shows the claim query's plans (after
#       ANALYZE, custom and generic) and runs `cycles` claim+submit cycles
#       on a fresh project and then on the late one, in the same run
#
# Each load stops after LOAD_SECONDS (default 60) at the latest.
# The project pays for its work (rates l1 7, l2 3, l3 1, escrow funded), so
# every claim reserves a hold and every submit moves it: the ledger
# statements run as in production. PAID=0 leaves the rates at zero.
# LATE_TOTAL scales the late project (90% accepted). PG_STATS=1 loads
# pg_stat_statements and prints, after each load, the statements that took
# the most time (lock waits included) with the buffers each call touched.
# FLOOR_TASKS (300000) sizes the floor's queue. WHATIF_SQL runs on
# LabelFlow's database after the setup, before the loads: a what-if, such
# as dropping indexes to see what they cost (not a supported configuration). Server settings pass
# through the environment (LABELFLOW_THREADS, LABELFLOW_DB_POOL, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/claim.sh
. bench/lib.sh
. bench/pgbench-claim.sh
. bench/pg-floor.sh
. bench/pgboss.sh

PAID=${PAID:-1}
WORK=$(mktemp -d /tmp/lf-claim-pg.XXXXXX)
PG_DIR=$WORK/pg
S1_PID=
S2_PID=
WORKER_PID=

cleanup() {
	local pid
	for pid in $S1_PID $S2_PID $WORKER_PID; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in $S1_PID $S2_PID $WORKER_PID; do
		wait "$pid" 2>/dev/null || true
	done
	scripts/pg-cluster stop "$PG_DIR" >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

# A copy of the binary: a `make` elsewhere in the tree during the run must
# not hand the second server a different build than the first.
cp "$BIN" "$WORK/labelflow"
echo "binary:           $BIN (modified $(date -r "$BIN" -u '+%F %T') UTC, sha256 $(sha256sum "$BIN" | cut -c1-12))"
BIN=$WORK/labelflow
claim_build

psql_q() { psql "$BENCH_DB" -XqAt -v ON_ERROR_STOP=1 "$@"; }

# Servers and worker share the database and one blob folder (nothing in
# this load writes blobs; it keeps ./labelflow-data out of the tree).
start_all() {
	local env=(env LABELFLOW_JOB_THREADS=0 LABELFLOW_STORAGE="file:$WORK/blobs")
	mkdir -p "$WORK/s1" "$WORK/s2" "$WORK/worker"
	# bench_start reads out while the server's shell may not have made it
	# yet; made beforehand, the read finds it (empty) and retries.
	: >"$WORK/s1/out"
	: >"$WORK/s2/out"
	BENCH_DIR=$WORK/s1
	bench_start "${env[@]}"
	S1_PID=$SERVER_PID URL1=$URL
	BENCH_DIR=$WORK/s2
	bench_start "${env[@]}"
	S2_PID=$SERVER_PID URL2=$URL
	LABELFLOW_DB=$BENCH_DB LABELFLOW_STORAGE="file:$WORK/blobs" LABELFLOW_JOB_THREADS=1 \
		"$BIN" worker >"$WORK/worker/out" 2>"$WORK/worker/err" &
	WORKER_PID=$!
	# The claims go to both servers; setup talks to the first.
	SERVER_PID=$S1_PID URL=$URL1 BENCH_DIR=$WORK/s1
	echo "servers:          $URL1 (pid $S1_PID), $URL2 (pid $S2_PID); worker pid $WORKER_PID"
}

# Rates and a deposit: claims then reserve money (escrow -> held).
fund() { # project amount
	local admin
	[ "$PAID" = 1 ] || return 0
	admin=$(bench_login "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
	curl -sf -X PATCH -H "authorization: Bearer $admin" -H 'content-type: application/json' \
		-d '{"rates":{"l1":7,"l2":3,"l3":1}}' "$URL/api/v1/projects/$1" >/dev/null
	curl -sf -H "authorization: Bearer $admin" -H 'content-type: application/json' \
		-d "{\"amount\":$2,\"idempotency_key\":\"bench-fund-$1\"}" \
		"$URL/api/v1/projects/$1/escrow/deposits" >/dev/null
}

# A second project for the annotators claim_setup made, created through the
# API with no tasks; prints its id.
empty_project() { # [name]
	local admin project uid
	admin=$(bench_login "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
	# shellcheck disable=SC2016 # $text is the label config's, not the shell's
	project=$(curl -sf -H "authorization: Bearer $admin" -H 'content-type: application/json' \
		-d '{"name":"'"${1:-late claim bench}"'","label_config":"<View><Text name=\"text\" value=\"$text\"/><Labels name=\"label\" toName=\"text\"><Label value=\"PER\"/><Label value=\"ORG\"/></Labels></View>","policies":{"lease_seconds":600}}' \
		"$URL/api/v1/projects" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	for uid in $(psql_q -c "SELECT id FROM users WHERE role = 'annotator' ORDER BY id"); do
		curl -sf -X PUT -H "authorization: Bearer $admin" -H 'content-type: application/json' \
			-d '{"role":"annotator"}' "$URL/api/v1/projects/$project/members/$uid" >/dev/null
	done
	echo "$project"
}

# CPU ticks (user + system) of a process and, with children=1, of its
# children, live or exited (the PostgreSQL backends).
cpu_s() { # pid [children]
	local p total
	total=$(awk -v c="${2:-0}" '{print $14 + $15 + (c ? $16 + $17 : 0)}' "/proc/$1/stat")
	if [ "${2:-0}" = 1 ]; then
		for p in $(pgrep -P "$1"); do
			[ -r "/proc/$p/stat" ] && total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat")))
		done
	fi
	echo "$total"
}

pg_pid() { head -n 1 "$PG_DIR/data/postmaster.pid"; }

# With PG_STATS=1: the top statements by total time since the last call.
pg_stats() {
	[ "${PG_STATS:-0}" = 1 ] || return 0
	if [ "${1:-}" = reset ]; then
		psql_q -c "SELECT pg_stat_statements_reset()" >/dev/null
		return 0
	fi
	echo "top statements (pg_stat_statements: calls, total ms, mean ms, buffers per call, rows per call):"
	psql_q -F ' | ' -c "SELECT calls, round(total_exec_time), round(mean_exec_time::numeric, 3),
		round((shared_blks_hit + shared_blks_read)::numeric / calls, 1), round(rows::numeric / calls, 2),
		left(regexp_replace(query, '\s+', ' ', 'g'), 110)
		FROM pg_stat_statements WHERE calls > 0 ORDER BY total_exec_time DESC LIMIT 14" | sed 's/^/  /'
}

# run_load PROJECT CYCLES LABEL [TOKENS]: the load over both servers (one
# client per line of TOKENS, default $BENCH_DIR/tokens), then its figures
# and the sealer's. CYCLES 0: until the queue is drained.
run_load() {
	local project=$1 cycles=$2 label=$3 tokens=${4:-$BENCH_DIR/tokens} hz c0 c1 w0 w1 p0 p1 l0 l1 since
	hz=$(getconf CLK_TCK)
	c0=$(($(cpu_s "$S1_PID") + $(cpu_s "$S2_PID")))
	w0=$(cpu_s "$WORKER_PID")
	p0=$(cpu_s "$(pg_pid)" 1)
	l0=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat)
	echo "load average:     $(cut -d' ' -f1-3 /proc/loadavg) (before the run)"
	since=$(date +%s%3N)
	pg_stats reset
	"$LOADGEN" --url "$URL1" --url "$URL2" --project "$project" --tokens "$tokens" \
		--stage l1 --max-cycles "$cycles" --seconds "${LOAD_SECONDS:-60}" | tee "$BENCH_DIR/loadgen.txt"
	c1=$(($(cpu_s "$S1_PID") + $(cpu_s "$S2_PID")))
	w1=$(cpu_s "$WORKER_PID")
	p1=$(cpu_s "$(pg_pid)" 1)
	l1=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat)
	python3 -c 'import sys; hz = float(sys.argv[1]); v = [int(x) / hz for x in sys.argv[2:]]
print(f"cpu:              servers {v[0]:.1f} s, worker {v[1]:.1f} s, postgres {v[2]:.1f} s,"
      f" whole machine {v[3]:.1f} s (all processes, 2 cores)")' \
		"$hz" $((c1 - c0)) $((w1 - w0)) $((p1 - p0)) $((l1 - l0))
	pg_stats
	echo "server RSS:       peak $(awk '/VmHWM/ {print $2}' "/proc/$S1_PID/status") kB" \
		"and $(awk '/VmHWM/ {print $2}' "/proc/$S2_PID/status") kB (logins included)"
	echo "claim-pg.sh $label: clients=$clients servers=2 paid=$PAID cycles=$(claim_field cycles)" \
		"errors=$(claim_field errors) cycles_per_s=$(claim_field cps)" \
		"p50_ms=$(claim_field p50) p90_ms=$(claim_field p90) p99_ms=$(claim_field p99)" \
		"max_ms=$(claim_field max)" \
		"claim_p50/p90/p99_ms=$(claim_field claim_p50)/$(claim_field claim_p90)/$(claim_field claim_p99)" \
		"submit_p50/p90/p99_ms=$(claim_field submit_p50)/$(claim_field submit_p90)/$(claim_field submit_p99)" \
		"rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$S1_PID/status"),$(awk '/VmHWM/ {print $2}' "/proc/$S2_PID/status")"
	bench_seal_lag "$URL1" "$URL2"
	seal_lag_db "$since"
}

# seal_lag_db SINCE_MS: with a sealer (the audit_checkpoints table), the
# seal lag of the records appended since SINCE_MS, from the database: the
# same measure as the sealer's metric (its batch's sealed_at minus the
# record's ts), but of this load's records only, whichever process sealed
# them (/metrics keeps each process's last 4,096, across loads, and the
# worker has none). Overrides SEAL_P50 and SEAL_P99 when there are any.
seal_lag_db() {
	local line sealed unsealed p50 p99
	[ "$(psql_q -c "SELECT to_regclass('audit_checkpoints') IS NOT NULL")" = t ] || return 0
	sleep 0.5 # the sealer's next round (every 100 ms)
	line=$(psql_q -F ' ' -c "SELECT count(c.batch), count(*) - count(c.batch),
		percentile_disc(0.5) WITHIN GROUP (ORDER BY c.sealed_at - a.ts),
		percentile_disc(0.99) WITHIN GROUP (ORDER BY c.sealed_at - a.ts)
		FROM audit_log a LEFT JOIN audit_checkpoints c ON c.batch = a.batch WHERE a.ts >= $1")
	read -r sealed unsealed p50 p99 <<<"$line"
	echo "seal lag (db):    p50 ${p50:--} ms, p99 ${p99:--} ms over the $sealed records of this load" \
		"sealed by now; $unsealed of its records not sealed 0.5 s after it"
	if [ -n "$p50" ]; then SEAL_P50=$p50 SEAL_P99=$p99; fi
}

# The claim query of store_tasks.c (macro NAME, SKIP LOCKED appended),
# read from the source so it cannot drift from the server's.
claim_sql() { # NAME
	python3 - src/store/store_tasks.c "$1" <<'EOF'
import re, sys
path, name = sys.argv[1:]
src = open(path).read()
def macro(n):
    m = re.search(r"#define " + n + r"\s*\\\n((?:[^\n]*\\\n)*[^\n]*\n)", src) or \
        re.search(r"#define " + n + r"\s+(\"[^\n]*\")\n", src)
    if not m:
        sys.exit(f"{n} not found in {path}")
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))).replace('\\"', '"')
print(macro(name) + macro("SKIP_LOCKED"))
EOF
}

# Shows the plans of the stage-1 claim queries for PROJECT and USER, with
# literal values (custom plan) and prepared under force_generic_plan (the
# plan a long-lived prepared statement ends up with), and checks that the
# queue query reads the partial index.
show_plans() { # project user
	local now q sql plan generic ok=1
	now=$(date +%s%3N)
	for q in NEXT_REWORK NEXT_L1; do
		sql=$(claim_sql "$q")
		echo "plan of $q with values (\$1=$1 \$2=$2 \$3=now):"
		plan=$(psql_q -c "EXPLAIN $(echo "$sql" | sed "s/\\\$3/$now/g; s/\\\$2/$2/g; s/\\\$1/$1/g")")
		echo "$plan" | sed 's/^/  /'
		echo "generic plan of $q (plan_cache_mode = force_generic_plan, PREPARE + EXPLAIN EXECUTE):"
		local args="$1, $2" types="bigint, bigint"
		[ "$q" = NEXT_L1 ] && args="$args, $now" types="$types, bigint"
		generic=$(psql_q <<EOF
SET plan_cache_mode = force_generic_plan;
PREPARE claim_q($types) AS $sql;
EXPLAIN EXECUTE claim_q($args);
EOF
		)
		echo "$generic" | sed 's/^/  /'
		if [ "$q" = NEXT_L1 ]; then
			echo "$plan" | grep -q 'tasks_queued_l1' || ok=0
			echo "$generic" | grep -q 'tasks_queued_l1' || ok=0
		fi
	done
	if [ "$ok" = 1 ]; then
		echo "plan check:       NEXT_L1 reads the partial index tasks_queued_l1 (custom and generic)"
	else
		echo "plan check:       FAILED: NEXT_L1 does not read tasks_queued_l1"
	fi
}

echo "cluster:          starting in $PG_DIR (durable commits)"
BENCH_DB=$(scripts/pg-cluster start "$PG_DIR")
export BENCH_DB
if [ "${PG_STATS:-0}" = 1 ]; then
	psql_q -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'"
	scripts/pg-cluster stop "$PG_DIR"
	BENCH_DB=$(scripts/pg-cluster start "$PG_DIR")
	psql_q -c "CREATE EXTENSION pg_stat_statements"
fi
echo "postgres:         $(psql_q -c 'SHOW server_version'), synchronous_commit=$(psql_q -c 'SHOW synchronous_commit'), fsync=$(psql_q -c 'SHOW fsync')"
start_all

if [ "${1:-}" != late ]; then
	tasks=${1:-20000}
	counts=${2:-16 64}
	floor_seconds=${FLOOR_SECONDS:-20}
	# shellcheck disable=SC2086 # counts is a list
	max_clients=$(printf '%s\n' $counts | sort -n | tail -n 1)
	# One fresh project per client count, all made before any load.
	t0=$(date +%s%N)
	declare -A project_of
	first=1
	for c in $counts; do
		if [ "$first" = 1 ]; then
			first=0
			project_of[$c]=$(claim_setup "$tasks" "$max_clients")
		else
			project_of[$c]=$(empty_project "claim bench $c")
			claim_py tasks "$URL" "${project_of[$c]}" "$tasks"
		fi
		fund "${project_of[$c]}" $((tasks * 10 + 1000))
	done
	t1=$(date +%s%N)
	echo "setup:            $max_clients annotators; projects $(for c in $counts; do printf '%s ' "${project_of[$c]}"; done)of $tasks tasks each via the API in $(((t1 - t0) / 1000000)) ms"
	if [ -n "${WHATIF_SQL:-}" ]; then
		echo "what-if SQL:      $WHATIF_SQL"
		psql_q -c "$WHATIF_SQL"
	fi
	claim_tokens "$max_clients"
	declare -A lf_cps lf_p50 lf_p99 seal_p50 seal_p99 fl_pps fl_p50 fl_p99 pb_jps pb_p99
	floor=$(floor_db "$BENCH_DB")
	if [ "${PGBOSS:-1}" = 1 ]; then
		pgboss_install
		boss=$(pgboss_db "$BENCH_DB")
	fi
	# Per client count LabelFlow, the floor and pg-boss back to back: on a
	# shared machine the three of one ratio then see the same neighbours.
	for c in $counts; do
		clients=$c
		head -n "$c" "$BENCH_DIR/tokens" >"$BENCH_DIR/tokens-$c"
		echo "--- LabelFlow, $c clients: project ${project_of[$c]}"
		run_load "${project_of[$c]}" 0 "fresh-$c" "$BENCH_DIR/tokens-$c"
		lf_cps[$c]=$(claim_field cps) lf_p50[$c]=$(claim_field p50) lf_p99[$c]=$(claim_field p99)
		seal_p50[$c]=$SEAL_P50 seal_p99[$c]=$SEAL_P99
		echo "check:            $(psql_q -c "SELECT count(*) FROM tasks WHERE project_id = ${project_of[$c]} AND state = 'queued_l2'") tasks of the project now wait for L2"
		floor_run "$floor" "$WORK" "$c" "$floor_seconds" "${FLOOR_TASKS:-300000}"
		fl_pps[$c]=$FLOOR_PPS fl_p50[$c]=$FLOOR_P50 fl_p99[$c]=$FLOOR_P99
		if [ "${PGBOSS:-1}" = 1 ]; then
			pgboss_run "$boss" standing "${PGBOSS_DEPTH:-1000}" "$c" "$floor_seconds"
			pb_jps[$c]=$PGBOSS_JPS pb_p99[$c]=$PGBOSS_P99
		fi
	done
	if [ "${PGBENCH:-0}" = 1 ] && [ "$PAID" = 1 ]; then
		pgb_clients=${PGBENCH_CLIENTS:-16}
		now=$(date +%s%3N)
		pgb_users "$BENCH_DB" "$pgb_clients" "$now"
		pgb_run "$BENCH_DB" "$PG_DIR" "$WORK" "same-cluster" "$PAID" 1 "$pgb_clients" 20 300000 "$now"
		python3 -c 'import sys; h, p = float(sys.argv[1]), float(sys.argv[2] or 0)
print(f"http / pgbench:   {h:.1f} cycles/s at {sys.argv[3]} clients over HTTP / {p:.1f} pairs/s at"
      f" {sys.argv[4]} pgbench clients = {100 * h / p:.0f}%" if p > 0 else "http / pgbench:   no pgbench figure")' \
			"${lf_cps[$pgb_clients]:-${lf_cps[$max_clients]}}" "${PGB_TPS:-}" "$pgb_clients" "$pgb_clients"
	fi
	echo "=== side by side (one run, one cluster; LabelFlow: 2 servers + 1 worker, paid=$PAID)"
	for c in $counts; do
		echo "$c ${lf_cps[$c]:--} ${lf_p50[$c]:--} ${lf_p99[$c]:--} ${fl_pps[$c]:--} ${fl_p50[$c]:--} ${fl_p99[$c]:--}" \
			"${pb_jps[$c]:--} ${pb_p99[$c]:--} ${seal_p50[$c]:--} ${seal_p99[$c]:--}"
	done | bench_side_by_side "floor (pgbench)" "pg-boss (standing ${PGBOSS_DEPTH:-1000})"
	exit 0
fi

cycles=${2:-20000}
clients=${3:-64}
total=${LATE_TOTAL:-1000000}
done_tasks=$((total * 9 / 10))
fresh_tasks=$((cycles + cycles / 4))
t0=$(date +%s%N)
fresh=$(claim_setup "$fresh_tasks" "$clients")
fund "$fresh" $((fresh_tasks * 10 + 1000))
late=$(empty_project)
fund "$late" $((total * 10))
t1=$(date +%s%N)
echo "setup:            $clients annotators; fresh project $fresh ($fresh_tasks tasks via the API) and late project $late in $(((t1 - t0) / 1000000)) ms"
user=$(psql_q -c "SELECT min(id) FROM users WHERE role = 'annotator'")

t0=$(date +%s%N)
psql_q <<EOF
INSERT INTO tasks (project_id, state, priority, data, annotations_done, created_at, updated_at)
SELECT $late, CASE WHEN x <= $done_tasks THEN 'accepted' ELSE 'queued_l1' END, 0,
       '{"text":"Task ' || x || ': Ada Lovelace met Charles Babbage at the Royal Society."}',
       CASE WHEN x <= $done_tasks THEN 1 ELSE 0 END,
       (extract(epoch FROM now()) * 1000)::bigint, (extract(epoch FROM now()) * 1000)::bigint
FROM generate_series(1, $total) AS x ORDER BY x;
EOF
t1=$(date +%s%N)
echo "seeded:           $total tasks ($done_tasks accepted, $((total - done_tasks)) queued_l1; accepted ones first in id order) in $(((t1 - t0) / 1000000)) ms"
t0=$(date +%s%N)
psql_q -c "VACUUM (ANALYZE) tasks"
t1=$(date +%s%N)
echo "vacuum analyze:   $(((t1 - t0) / 1000000)) ms; database $(psql_q -c "SELECT pg_size_pretty(pg_database_size(current_database()))")"
echo "late project ids: $(psql_q -c "SELECT min(id) || '..' || max(id) || ', queued from ' || min(id) FILTER (WHERE state = 'queued_l1') FROM tasks WHERE project_id = $late")"
show_plans "$late" "$user"

claim_tokens "$clients"
echo "--- fresh project $fresh: $cycles cycles"
run_load "$fresh" "$cycles" fresh
fresh_cps=$(claim_field cps)
echo "--- late project $late: $cycles cycles"
run_load "$late" "$cycles" late
late_cps=$(claim_field cps)
python3 -c "import sys; f, l = float(sys.argv[1]), float(sys.argv[2]);
print(f'late / fresh:     {l:.1f} / {f:.1f} cycles/s = {l / f:.2f}' if f > 0 else 'no fresh figure')" \
	"$fresh_cps" "$late_cps"
