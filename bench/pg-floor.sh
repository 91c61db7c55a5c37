#!/usr/bin/env bash
# The PostgreSQL floor (issue 17): pgbench -M prepared runs
# bench/pg/floor-pair.sql, the least SQL that does a claim + submit pair
# (claim by SKIP LOCKED on a partial index, a hold row, an audit row per
# transition, an annotation row; two transactions), on bench/pg/floor.sql's
# schema with TASKS (default 300000) queued tasks, in a database of its own
# ("floor") on the same kind of cluster as bench/claim-pg.sh
# (scripts/pg-cluster, durable commits). One pgbench transaction is one
# pass of the script, i.e. one pair; the pair latency percentiles come from
# pgbench's per-transaction log. Each client count starts on a freshly
# seeded queue. FLOOR_HOLDS_INDEX=1 adds an index on holds(task_id), which
# the issue's appendix lacks (see bench/pg/floor.sql).
#
#   bench/pg-floor.sh [clients="16 64"] [seconds=20]
#
# Sourced by bench/claim-pg.sh for floor_run (it then runs nothing itself).
set -euo pipefail

FLOOR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# floor_db URL: the URL of the "floor" database of URL's cluster, created
# when missing.
floor_db() {
	local db=${1%/*}/floor
	if [ -z "$(psql "$1" -XqAt -c "SELECT 1 FROM pg_database WHERE datname = 'floor'")" ]; then
		psql "$1" -XqAt -v ON_ERROR_STOP=1 -c "CREATE DATABASE floor" >/dev/null
	fi
	echo "$db"
}

# floor_run DB WORKDIR CLIENTS SECONDS TASKS: seeds DB (floor.sql), runs
# pgbench and prints its figures and a k=v line "pg-floor: ...". Sets
# FLOOR_PPS, FLOOR_P50 and FLOOR_P99 (ms).
floor_run() {
	local db=$1 work=$2 clients=$3 seconds=$4 tasks=$5 t0 t1 out logs line
	t0=$(date +%s%N)
	psql "$db" -XqAt -v ON_ERROR_STOP=1 -v tasks="$tasks" -v holds_index="${FLOOR_HOLDS_INDEX:-0}" \
		-f "$FLOOR_ROOT/bench/pg/floor.sql" \
		2> >(grep -v 'does not exist, skipping' >&2)
	t1=$(date +%s%N)
	echo "--- floor (pgbench, ${clients} clients, ${seconds} s$([ "${FLOOR_HOLDS_INDEX:-0}" = 1 ] && echo ", index on holds(task_id)")): $tasks queued tasks seeded in" \
		"$(((t1 - t0) / 1000000)) ms; load average $(cut -d' ' -f1-3 /proc/loadavg)"
	out=$work/floor-$clients.out
	logs=$work/floor-log-$clients
	rm -rf "$logs"
	mkdir -p "$logs"
	(cd "$logs" && pgbench -n -M prepared -c "$clients" -j 2 -T "$seconds" \
		-f "$FLOOR_ROOT/bench/pg/floor-pair.sql" -l --log-prefix=tx "$db") >"$out" 2>&1 || true
	grep -E '^(number of (transactions|failed)|latency|tps)' "$out" | sed 's/^/  /'
	if grep -qiE 'aborted|error' "$out"; then
		echo "  pgbench reported errors:"
		grep -iE 'aborted|error' "$out" | head -n 5 | sed 's/^/    /'
	fi
	FLOOR_PPS=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$out")
	# Column 3 of pgbench's log: the transaction's (the pair's) latency in µs.
	line=$(cat "$logs"/tx.* | awk '{print $3}' | sort -n | awk -v tps="${FLOOR_PPS:-0}" -v c="$clients" '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { printf "pg-floor: clients=%d pairs=0 pairs_per_s=0 p50_ms=0 p90_ms=0 p99_ms=0 max_ms=0\n", c; exit }
			printf "pg-floor: clients=%d pairs=%d pairs_per_s=%s p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
			       c, NR, tps, v[int(NR * 0.50) + 1] / 1000, v[int(NR * 0.90) + 1] / 1000,
			       v[int(NR * 0.99) + 1] / 1000, v[NR] / 1000
		}')
	echo "$line"
	FLOOR_P50=$(echo "$line" | tr ' ' '\n' | sed -n 's/^p50_ms=//p')
	FLOOR_P99=$(echo "$line" | tr ' ' '\n' | sed -n 's/^p99_ms=//p')
	echo "  left in the queue: $(psql "$db" -XqAt -c "SELECT count(*) FROM tasks WHERE state = 'queued_l1'") of $tasks"
}

floor_main() {
	local counts=${1:-16 64} seconds=${2:-20} tasks=${TASKS:-300000} work db c
	work=$(mktemp -d /tmp/lf-pg-floor.XXXXXX)
	# shellcheck disable=SC2064 # the folder is known now
	trap "'$FLOOR_ROOT/scripts/pg-cluster' stop '$work/pg' >/dev/null 2>&1 || true; rm -rf '$work'" EXIT
	echo "cluster:          starting in $work/pg (durable commits)"
	db=$("$FLOOR_ROOT/scripts/pg-cluster" start "$work/pg")
	echo "postgres:         $(psql "$db" -XAtc 'SHOW server_version'), synchronous_commit=$(psql "$db" -XAtc 'SHOW synchronous_commit'), fsync=$(psql "$db" -XAtc 'SHOW fsync')"
	db=$(floor_db "$db")
	for c in $counts; do
		floor_run "$db" "$work" "$c" "$seconds" "$tasks"
	done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	floor_main "$@"
fi
