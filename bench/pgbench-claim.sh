#!/usr/bin/env bash
# The SQL work of one claim + submit pair, without LabelFlow: pgbench runs
# bench/pg/claim-submit.sql (the statements `labelflow serve` sends for one
# claim and one submit, see its header) on the same kind of cluster as
# bench/claim-pg.sh (scripts/pg-cluster, durable commits), schema made by
# `labelflow migrate`, with prepared statements. Prints pairs/s (pgbench's
# tps: one transaction of pgbench = one pass of the script = one pair) and
# latency for a paid project (rates set: every claim reserves escrow, every
# submit moves the hold) and an unpaid one, each with and without the audit
# statements.
#
#   bench/pgbench-claim.sh [clients=16] [seconds=20]
#   bench/pgbench-claim.sh statements
#       prints the statements the current build sends for one claim and one
#       submit on a paid project (log_statement = all, after one warm-up
#       pair), to compare with bench/pg/claim-submit.sql when the code
#       changes
#
# PAID=1 or PAID=0 runs only the paid or the unpaid project. PGBENCH_OPTS
# adds pgbench options (e.g. -r for per-statement latencies). Each figure
# runs on a project of its own with TASKS (default 300000) queued tasks, so
# every run starts at the head of a full queue.
#
# Sourced by bench/claim-pg.sh for pgb_users and pgb_run (it then runs
# nothing itself).
set -euo pipefail

PGB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# pgb_users DB CLIENTS NOW: annotators with sessions for the script; sets
# PGB_FIRST_UID and PGB_LAST_UID.
pgb_users() {
	local ids
	ids=$(psql "$1" -XqAt -v ON_ERROR_STOP=1 -v clients="$2" -v now="$3" \
		-f "$PGB_ROOT/bench/pg/users.sql")
	read -r PGB_FIRST_UID PGB_LAST_UID <<<"$ids"
	[ -n "${PGB_LAST_UID:-}" ] || {
		echo "pgbench-claim.sh: the annotators' ids are not contiguous" >&2
		return 1
	}
}

# CPU ticks (user + system) of the PostgreSQL server whose postmaster is
# PID: the postmaster, its live backends and those that exited (reaped, so
# in its children's time).
pgb_pg_ticks() {
	local p total
	total=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat")
	for p in $(pgrep -P "$1"); do
		[ -r "/proc/$p/stat" ] && total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat")))
	done
	echo "$total"
}

pgb_machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }

# pgb_run DB PG_DIR WORKDIR LABEL PAID AUDIT CLIENTS SECONDS TASKS NOW: one
# timed pgbench run on a new project of TASKS tasks (pgb_users first);
# prints pgbench's summary, the pair latency percentiles from its
# per-transaction log, the CPU it took and a k=v line
# "pgbench-claim.sh LABEL: ...". Sets PGB_TPS.
pgb_run() {
	local db=$1 pg_dir=$2 work=$3 label=$4 paid=$5 audit=$6 clients=$7 seconds=$8 tasks=$9
	local now=${10} project t0 t1 out logs lat pm p0 p1 m0 m1
	t0=$(date +%s%N)
	project=$(psql "$db" -XqAt -v ON_ERROR_STOP=1 -v now="$now" -v paid="$paid" \
		-v tasks="$tasks" -v first_uid="$PGB_FIRST_UID" -v last_uid="$PGB_LAST_UID" \
		-f "$PGB_ROOT/bench/pg/project.sql")
	psql "$db" -XqAt -v ON_ERROR_STOP=1 -c "VACUUM (ANALYZE)" -c "CHECKPOINT"
	t1=$(date +%s%N)
	echo "--- pgbench $label: project $project, $tasks queued tasks, $clients annotators" \
		"(populated in $(((t1 - t0) / 1000000)) ms); load average $(cut -d' ' -f1-3 /proc/loadavg)"
	out=$work/pgbench-$label.out
	logs=$work/pgbench-log-$label
	rm -rf "$logs"
	mkdir -p "$logs"
	pm=$(head -n 1 "$pg_dir/data/postmaster.pid")
	p0=$(pgb_pg_ticks "$pm")
	m0=$(pgb_machine_ticks)
	# shellcheck disable=SC2086 # PGBENCH_OPTS is a list of options
	(cd "$logs" && pgbench -n -M prepared -c "$clients" -j 2 -T "$seconds" \
		-D project="$project" -D first_uid="$PGB_FIRST_UID" -D now="$now" -D audit="$audit" \
		-D paid="$paid" -f "$PGB_ROOT/bench/pg/claim-submit.sql" -l --log-prefix=tx \
		${PGBENCH_OPTS:-} "$db") >"$out" 2>&1 || true
	p1=$(pgb_pg_ticks "$pm")
	m1=$(pgb_machine_ticks)
	grep -E '^(number of (transactions|failed)|latency|tps|initial)' "$out" | sed 's/^/  /'
	if [ -n "${PGBENCH_OPTS:-}" ]; then sed -n '/statement latencies/,$p' "$out"; fi
	if grep -qiE 'aborted|error' "$out"; then
		echo "  pgbench reported errors:"
		grep -iE 'aborted|error' "$out" | head -n 5 | sed 's/^/    /'
	fi
	PGB_TPS=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$out")
	lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$out")
	python3 -c 'import sys; hz = float(sys.argv[1]); print(f"  cpu: postgres {int(sys.argv[2]) / hz:.1f} s,"
      f" whole machine {int(sys.argv[3]) / hz:.1f} s (pgbench and anything else running included)")' \
		"$(getconf CLK_TCK)" $((p1 - p0)) $((m1 - m0))
	# Column 3 of pgbench's log: the transaction's latency in microseconds.
	cat "$logs"/tx.* | awk '{print $3}' | sort -n | awk -v label="$label" -v tps="${PGB_TPS:-0}" \
		-v lat="${lat:-0}" -v c="$clients" '
		{ v[NR] = $1 }
		END {
			p50 = v[int(NR * 0.50) + 1] / 1000; p90 = v[int(NR * 0.90) + 1] / 1000
			p99 = v[int(NR * 0.99) + 1] / 1000; mx = v[NR] / 1000
			printf "  pair ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", p50, p90, p99, mx
			printf "pgbench-claim.sh %s: clients=%d pairs=%d pairs_per_s=%s latency_avg_ms=%s p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
			       label, c, NR, tps, lat, p50, p90, p99, mx
		}'
	echo "  left in the queue: $(psql "$db" -XqAt -c "SELECT count(*) FROM tasks WHERE project_id = $project AND state = 'queued_l1'") of $tasks"
}

pgb_main() {
	local clients=${1:-16} seconds=${2:-20} tasks=${TASKS:-300000} only=${PAID:-}
	local bin=${LABELFLOW_BIN:-$PGB_ROOT/build/labelflow} work db now paid name
	work=$(mktemp -d /tmp/lf-pgbench.XXXXXX)
	# shellcheck disable=SC2064 # the folder is known now
	trap "'$PGB_ROOT/scripts/pg-cluster' stop '$work/pg' >/dev/null 2>&1 || true; rm -rf '$work'" EXIT
	echo "cluster:          starting in $work/pg (durable commits)"
	db=$("$PGB_ROOT/scripts/pg-cluster" start "$work/pg")
	"$bin" migrate --db "$db" >/dev/null 2>&1
	echo "schema from:      $bin (modified $(date -r "$bin" -u '+%F %T') UTC, sha256 $(sha256sum "$bin" | cut -c1-12))"
	echo "postgres:         $(psql "$db" -XAtc 'SHOW server_version'), synchronous_commit=$(psql "$db" -XAtc 'SHOW synchronous_commit')," \
		"fsync=$(psql "$db" -XAtc 'SHOW fsync'); schema version $(psql "$db" -XAtc 'SELECT max(version) FROM schema_migrations') (labelflow migrate)"
	now=$(date +%s%3N)
	pgb_users "$db" "$clients" "$now"
	for paid in 1 0; do
		[ -z "$only" ] || [ "$only" = "$paid" ] || continue
		name=$([ "$paid" = 1 ] && echo paid || echo unpaid)
		pgb_run "$db" "$work/pg" "$work" "$name-with-audit" "$paid" 1 "$clients" "$seconds" "$tasks" "$now"
		pgb_run "$db" "$work/pg" "$work" "$name-without-audit" "$paid" 0 "$clients" "$seconds" "$tasks" "$now"
	done
}

# One claim + submit through the API of a server on a logging cluster.
pgb_statements() {
	local work project admin token id log_from
	cd "$PGB_ROOT"
	. bench/claim.sh
	. bench/lib.sh
	work=$(mktemp -d /tmp/lf-pgbench.XXXXXX)
	# shellcheck disable=SC2064 # the folder is known now
	trap "bench_kill; scripts/pg-cluster stop '$work/pg' >/dev/null 2>&1 || true; rm -rf '$work'" EXIT
	BENCH_DB=$(scripts/pg-cluster start "$work/pg")
	psql "$BENCH_DB" -XqAt -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
	BENCH_DIR=$work
	: >"$work/out"
	bench_start env LABELFLOW_JOB_THREADS=0 LABELFLOW_STORAGE="file:$work/blobs"
	project=$(claim_setup 3 1)
	admin=$(bench_login "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
	curl -sf -X PATCH -H "authorization: Bearer $admin" -H 'content-type: application/json' \
		-d '{"rates":{"l1":7,"l2":3,"l3":1}}' "$URL/api/v1/projects/$project" >/dev/null
	curl -sf -H "authorization: Bearer $admin" -H 'content-type: application/json' \
		-d '{"amount":1000000,"idempotency_key":"fund"}' "$URL/api/v1/projects/$project/escrow/deposits" >/dev/null
	claim_tokens 1
	token=$(head -n 1 "$BENCH_DIR/tokens")
	# The first pair prepares the statements and makes the held account;
	# the log of the second is printed.
	for _ in warm-up logged; do
		log_from=$(stat -c %s "$work/pg/pg.log")
		id=$(curl -sf -H "authorization: Bearer $token" -H 'content-type: application/json' \
			-d '{"stage":"l1"}' "$URL/api/v1/projects/$project/claim" |
			python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
		psql "$BENCH_DB" -XqAt -c "SELECT 'pgbench-claim: submit'" >/dev/null
		curl -sf -H "authorization: Bearer $token" -H 'content-type: application/json' \
			-d '{"result":[{"id":"r1","from_name":"label","to_name":"text","type":"labels","value":{"start":0,"end":5,"labels":["PER"]}}]}' \
			"$URL/api/v1/tasks/$id/submit" >/dev/null
	done
	sleep 0.2
	echo "-- claim"
	tail -c +$((log_from + 1)) "$work/pg/pg.log" |
		sed -n 's/^.* LOG:  \(statement\|execute [^:]*\): //p' |
		sed "s/^SELECT 'pgbench-claim: submit'\$/-- submit/" |
		awk '{ print } /^COMMIT$/ && ++n == 2 { exit }'
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	if [ "${1:-}" = statements ]; then
		pgb_statements
	else
		pgb_main "$@"
	fi
fi
