#!/usr/bin/env bash
# The SQL work of one claim + submit pair, without LabelFlow: pgbench runs
# bench/pg/claim-submit.sql (the statements `labelflow serve` sends for one
# claim and one submit on a paid project, generated from a logged run, see
# below) on the same kind of cluster as bench/claim-pg.sh (scripts/pg-cluster,
# durable commits), schema made by `labelflow migrate`, with prepared
# statements. Prints pairs/s (pgbench's tps: one transaction of pgbench =
# one pass of the script = one pair) and latency on a paid project (rates
# set: every claim reserves escrow, every submit moves the hold), with and
# without the audit statements.
#
#   bench/pgbench-claim.sh [clients=16] [seconds=20]
#   bench/pgbench-claim.sh statements
#       prints the statements the current build sends for one claim and one
#       submit on a paid project (log_statement = all, after one warm-up
#       pair)
#   bench/pgbench-claim.sh generate [FILE]
#       writes bench/pg/claim-submit.sql (or FILE) from such a logged pair
#       of the current build (bench/pg/generate.py: parameters become
#       pgbench variables) and checks that pgbench runs it; the one command
#       to run after changing what a claim or a submit sends
#   bench/pgbench-claim.sh check
#       fails, naming the first differing line, when the committed
#       bench/pg/claim-submit.sql is not what `generate` makes
#       (tests/api/bench_script.test.mjs runs it on PostgreSQL)
#
# LABELFLOW_BIN names the build (default build/labelflow). PGBENCH_OPTS
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
	local clients=${1:-16} seconds=${2:-20} tasks=${TASKS:-300000}
	local bin=${LABELFLOW_BIN:-$PGB_ROOT/build/labelflow} work db now
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
	pgb_run "$db" "$work/pg" "$work" paid-with-audit 1 1 "$clients" "$seconds" "$tasks" "$now"
	pgb_run "$db" "$work/pg" "$work" paid-without-audit 1 0 "$clients" "$seconds" "$tasks" "$now"
}

# One claim + submit through the API of a server on a logging cluster:
# pgb_logged_pair WORK [SNAPSHOT] leaves the log of the second pair (the
# first prepares the statements, makes the held account and fills the
# server's caches) in WORK/pair.log and sets PGB_PROJECT, PGB_UID and
# PGB_SID. With SNAPSHOT, a copy of the database as it was just before the
# logged pair is made under that name (the server's connections are ended
# for it; it opens them again).
pgb_logged_pair() {
	local work=$1 snap=${2:-} project admin token id log_from trace_from pass db
	cd "$PGB_ROOT"
	. bench/claim.sh
	. bench/lib.sh
	BENCH_DB=$(scripts/pg-cluster start "$work/pg")
	psql "$BENCH_DB" -XqAt -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
	BENCH_DIR=$work
	: >"$work/out"
	# No sweeps in the log: the first runs at start, the next in a day.
	# No sealing either (its first round is a minute away): the log is
	# the pair's alone, and no sealer reconnects while the snapshot is
	# made.
	# libpq's trace of the server's connections says which statements
	# went to the server in one round trip (a pipeline).
	: >"$work/trace"
	bench_start env LABELFLOW_JOB_THREADS=0 LABELFLOW_SWEEP_MS=86400000 LABELFLOW_AUDIT_SEAL_MS=60000 \
		LABELFLOW_WEBHOOK_DISPATCH_MS=60000 \
		LABELFLOW_STORAGE="file:$work/blobs" LABELFLOW_DB_TRACE="$work/trace"
	# Each table's ids far from every other's and from small constants,
	# so that a value in the log names the row it came from.
	psql "$BENCH_DB" -XqAt -v ON_ERROR_STOP=1 -c "SELECT setval(c.oid, 1000000 * x.n) FROM pg_class c JOIN (SELECT oid, row_number() OVER (ORDER BY relname) AS n FROM pg_class WHERE relkind = 'S') x ON x.oid = c.oid" >/dev/null
	project=$(claim_setup 3 1)
	admin=$(bench_login "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
	curl -sf -X PATCH -H "authorization: Bearer $admin" -H 'content-type: application/json' \
		-d '{"rates":{"l1":7,"l2":3,"l3":1}}' "$URL/api/v1/projects/$project" >/dev/null
	curl -sf -H "authorization: Bearer $admin" -H 'content-type: application/json' \
		-d '{"amount":1000000,"idempotency_key":"fund"}' "$URL/api/v1/projects/$project/escrow/deposits" >/dev/null
	claim_tokens 1
	token=$(head -n 1 "$BENCH_DIR/tokens")
	for pass in warm-up logged; do
		if [ "$pass" = logged ] && [ -n "$snap" ]; then
			db=$(psql "$BENCH_DB" -XqAt -c "SELECT current_database()")
			psql "$BENCH_DB" -XqAt -v ON_ERROR_STOP=1 \
				-c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db' AND pid <> pg_backend_pid()" >/dev/null
			psql "${BENCH_DB%/*}/postgres" -XqAt -v ON_ERROR_STOP=1 -c "CREATE DATABASE $snap TEMPLATE $db" >/dev/null
		fi
		log_from=$(stat -c %s "$work/pg/pg.log")
		trace_from=$(stat -c %s "$work/trace")
		id=$(curl -sf -H "authorization: Bearer $token" -H 'content-type: application/json' \
			-d '{"stage":"l1"}' "$URL/api/v1/projects/$project/claim" |
			python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
		psql "$BENCH_DB" -XqAt -c "SELECT 'pgbench-claim: submit'" >/dev/null
		curl -sf -H "authorization: Bearer $token" -H 'content-type: application/json' \
			-d '{"result":[{"id":"r1","from_name":"label","to_name":"text","type":"labels","value":{"start":0,"end":5,"labels":["PER"]}}]}' \
			"$URL/api/v1/tasks/$id/submit" >/dev/null
	done
	sleep 0.2
	tail -c +$((log_from + 1)) "$work/pg/pg.log" >"$work/pair.log"
	tail -c +$((trace_from + 1)) "$work/trace" >"$work/pair.trace"
	PGB_PROJECT=$project
	PGB_UID=$(psql "$BENCH_DB" -XqAt -c "SELECT id FROM users WHERE email = 'bench-annotator-0@example.org'")
	PGB_SID=$(psql "$BENCH_DB" -XqAt -c "SELECT id FROM sessions WHERE user_id = $PGB_UID AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1")
}

pgb_statements() {
	local work
	work=$(mktemp -d /tmp/lf-pgbench.XXXXXX)
	# shellcheck disable=SC2064 # the folder is known now
	trap "bench_kill; '$PGB_ROOT/scripts/pg-cluster' stop '$work/pg' >/dev/null 2>&1 || true; rm -rf '$work'" EXIT
	pgb_logged_pair "$work"
	echo "-- claim"
	sed -n 's/^.* LOG:  \(statement\|execute [^:]*\): //p' "$work/pair.log" |
		sed "s/^SELECT 'pgbench-claim: submit'\$/-- submit/"
}

# pgb_generate OUT: writes to OUT the pgbench script of the current build's
# pair (bench/pg/generate.py), after checking that it runs.
pgb_generate() {
	local out=$1 work bin project audit
	bin=${LABELFLOW_BIN:-$PGB_ROOT/build/labelflow}
	work=$(mktemp -d /tmp/lf-pgbench.XXXXXX)
	# shellcheck disable=SC2064 # the folder is known now
	trap "bench_kill; '$PGB_ROOT/scripts/pg-cluster' stop '$work/pg' >/dev/null 2>&1 || true; rm -rf '$work'" EXIT
	pgb_logged_pair "$work" lf_pair_snapshot
	python3 "$PGB_ROOT/bench/pg/generate.py" "$work/pair.log" "$work/pair.trace" "${BENCH_DB%/*}/lf_pair_snapshot" \
		"$PGB_PROJECT" "$PGB_UID" "$PGB_SID" \
		"$(git -C "$PGB_ROOT" describe --always --dirty 2>/dev/null || echo unknown)" >"$work/gen.sql"
	# The script must run: a few pairs on a fresh project of the cluster.
	pgb_users "$BENCH_DB" 2 "$(date +%s%3N)"
	project=$(psql "$BENCH_DB" -XqAt -v ON_ERROR_STOP=1 -v now="$(date +%s%3N)" -v paid=1 \
		-v tasks=20 -v first_uid="$PGB_FIRST_UID" -v last_uid="$PGB_LAST_UID" \
		-f "$PGB_ROOT/bench/pg/project.sql")
	for audit in 0 1; do
		if ! pgbench -n -M prepared -c 2 -t 3 -D project="$project" -D first_uid="$PGB_FIRST_UID" \
			-D now="$(date +%s%3N)" -D audit=$audit -f "$work/gen.sql" "$BENCH_DB" \
			>"$work/try.out" 2>&1 || grep -qiE 'aborted|error' "$work/try.out"; then
			echo "pgbench-claim.sh: the generated script does not run (audit=$audit):" >&2
			grep -iE 'aborted|error' "$work/try.out" | head -n 5 >&2
			return 1
		fi
	done
	cp "$work/gen.sql" "$out"
}

# pgb_check: fails, naming the first differing line, when the committed
# bench/pg/claim-submit.sql is not what the current build generates (the
# Build line, which names the commit, is left out of the comparison).
pgb_check() {
	local fresh committed=$PGB_ROOT/bench/pg/claim-submit.sql
	fresh=$(mktemp /tmp/lf-claim-submit.XXXXXX)
	if ! (pgb_generate "$fresh"); then
		rm -f "$fresh"
		return 1
	fi
	local ret=0
	python3 - "$committed" "$fresh" <<'EOF' || ret=$?
import sys
a = [l for l in open(sys.argv[1]) if not l.startswith("-- Build: ")]
b = [l for l in open(sys.argv[2]) if not l.startswith("-- Build: ")]
if a == b:
    print("bench/pg/claim-submit.sql is what the current build generates")
    sys.exit(0)
n = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
print(f"bench/pg/claim-submit.sql is stale; first difference at line {n + 1} (Build line left out):")
print("  committed: " + (a[n].rstrip() if n < len(a) else "(end of file)"))
print("  generated: " + (b[n].rstrip() if n < len(b) else "(end of file)"))
print("Run bench/pgbench-claim.sh generate (LABELFLOW_BIN names the build) and commit the file.")
sys.exit(1)
EOF
	rm -f "$fresh"
	return $ret
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	case "${1:-}" in
	statements) pgb_statements ;;
	generate) pgb_generate "${2:-$PGB_ROOT/bench/pg/claim-submit.sql}" ;;
	check) pgb_check ;;
	*) pgb_main "$@" ;;
	esac
fi
