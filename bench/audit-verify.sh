#!/usr/bin/env bash
# How long `labelflow audit verify` takes over N audit records (default
# 10,000,000) on SQLite, and with PG=1 on PostgreSQL (a throwaway cluster,
# scripts/pg-cluster, durable commits). Prints records/s and seconds.
#
#   bench/audit-verify.sh [records=10000000]
#
# The records are claim/submit transitions of 64 annotators, made in bulk
# on the schema of the binary (`labelflow migrate`):
#   - sealed schema (audit_log has a batch column: records are appended
#     unsealed and a sealer chains them, see src/audit/seal.h): the
#     records are inserted unsealed in SQL, then `labelflow worker` (which
#     runs the sealer) seals them; the time to seal them all is printed too
#     (records/s sealed), then verify checks records, Merkle roots and
#     checkpoint signatures with the key the worker made (LABELFLOW_AUDIT_KEY
#     in the work folder);
#   - older schema (the appender writes seq and hash): bench/audit_gen.py
#     writes records chained with the hash of src/audit/audit.c.
# The run fails when verify does not say the chain is ok. About 400 bytes a
# record on disk (10M: ~4 GB on SQLite, more on PostgreSQL) in a temporary
# folder under TMPDIR, removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

N=${1:-10000000}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lf-audit-verify.XXXXXX")
WORKER_PID=

cleanup() {
	if [ -n "$WORKER_PID" ]; then
		kill -TERM "$WORKER_PID" 2>/dev/null || true
		wait "$WORKER_PID" 2>/dev/null || true
	fi
	scripts/pg-cluster stop "$WORK/pg" >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

ms() { echo $(($(date +%s%N) / 1000000)); }

if [ "${PG:-0}" = 1 ]; then
	DB=$(scripts/pg-cluster start "$WORK/pg")
	STORE=postgresql
	sql() { psql "$DB" -XqAt -v ON_ERROR_STOP=1 "$@"; }
else
	DB=sqlite:$WORK/labelflow.db
	STORE=sqlite
	sql() {
		if [ "${1:-}" = -c ]; then
			sqlite3 -bail "$WORK/labelflow.db" "$2"
		else
			sqlite3 -bail "$WORK/labelflow.db"
		fi
	}
fi
echo "binary:           $BIN (modified $(date -r "$BIN" -u '+%F %T') UTC, sha256 $(sha256sum "$BIN" | cut -c1-12))"
"$BIN" migrate --db "$DB" >/dev/null 2>"$WORK/migrate.err" || {
	cat "$WORK/migrate.err" >&2
	exit 1
}
if [ "$STORE" = sqlite ]; then
	sealed=$(sql -c "SELECT count(*) FROM pragma_table_info('audit_log') WHERE name = 'batch'")
else
	sealed=$(sql -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 'audit_log' AND column_name = 'batch'")
fi

t0=$(ms)
if [ "$sealed" = 1 ]; then
	# The key the worker signs checkpoints with and verify checks them by.
	export LABELFLOW_AUDIT_KEY=$WORK/audit-ed25519.key
	# One statement; ids follow append order, as the sealer expects.
	if [ "$STORE" = sqlite ]; then
		series="WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $N) SELECT i FROM s"
	else
		series="SELECT i FROM generate_series(1, $N) AS i"
	fi
	sql <<EOF
INSERT INTO audit_log (ts, actor_id, actor_role, action, entity_type, entity_id, project_id,
                       task_id, from_state, to_state, details)
SELECT 1795972374227 + i, 2 + i % 64, 'annotator',
       CASE WHEN i % 2 = 1 THEN 'task.claim' ELSE 'task.submit' END, 'task',
       CAST((i + 1) / 2 AS TEXT), 1, (i + 1) / 2,
       CASE WHEN i % 2 = 1 THEN 'queued_l1' ELSE 'locked_l1' END,
       CASE WHEN i % 2 = 1 THEN 'locked_l1' ELSE 'queued_l2' END,
       CASE WHEN i % 2 = 1 THEN '{"work_id":' || ((i + 1) / 2) || '}' ELSE '{"annotation_version":1}' END
FROM ($series) AS g;
EOF
	t1=$(ms)
	echo "generated:        $N unsealed records on $STORE in $((t1 - t0)) ms"
	t0=$(ms)
	LABELFLOW_DB=$DB LABELFLOW_STORAGE="file:$WORK/blobs" LABELFLOW_JOB_THREADS=1 \
		"$BIN" worker >"$WORK/worker.out" 2>"$WORK/worker.err" &
	WORKER_PID=$!
	# EXISTS stops at the first unsealed record: a count of millions of
	# them would compete with the sealer for the store.
	while [ "$(sql -c "SELECT CASE WHEN EXISTS (SELECT 1 FROM audit_log WHERE seq IS NULL) THEN 1 ELSE 0 END")" = 1 ]; do
		kill -0 "$WORKER_PID" 2>/dev/null || {
			cat "$WORK/worker.err" >&2
			exit 1
		}
		sleep 0.5
	done
	t1=$(ms)
	kill -TERM "$WORKER_PID"
	wait "$WORKER_PID" || true
	WORKER_PID=
	seal_ms=$((t1 - t0))
	echo "sealed:           by \`labelflow worker\` in $seal_ms ms ($(python3 -c "import sys; print(f'{int(sys.argv[1]) / max(int(sys.argv[2]), 1) * 1000:.0f}')" "$N" "$seal_ms") records/s)," \
		"$(sql -c "SELECT count(*) FROM audit_checkpoints") checkpoints"
else
	if [ "$STORE" = sqlite ]; then
		python3 bench/audit_gen.py sqlite "$WORK/labelflow.db" "$N"
	else
		tail=$(sql -c "SELECT seq || ' ' || hash FROM audit_log ORDER BY seq DESC LIMIT 1")
		# shellcheck disable=SC2086 # tail is "seq hash" or empty
		python3 bench/audit_gen.py copy "$N" $tail |
			sql -c "COPY audit_log (seq, ts, actor_id, actor_role, action, entity_type, entity_id, project_id, task_id, from_state, to_state, details, prev_hash, hash) FROM STDIN"
	fi
	t1=$(ms)
	seal_ms=
	echo "generated:        $N chained records on $STORE (bench/audit_gen.py) in $((t1 - t0)) ms"
fi
if [ "$STORE" = postgresql ]; then
	sql -c "VACUUM (ANALYZE) audit_log" -c "CHECKPOINT"
	echo "database:         $(sql -c "SELECT pg_size_pretty(pg_database_size(current_database()))")"
else
	echo "database:         $(du -sh "$WORK/labelflow.db" | cut -f1)"
fi

echo "load average:     $(cut -d' ' -f1-3 /proc/loadavg) (before verify)"
t0=$(ms)
out=$("$BIN" audit verify --db "$DB" 2>"$WORK/verify.err") || true
t1=$(ms)
echo "verify:           $out"
grep -v 'unknown variable' "$WORK/verify.err" >&2 || true
echo "$out" | grep -q '^audit chain ok' || {
	echo "audit-verify.sh: the chain did not verify" >&2
	exit 1
}
records=$(echo "$out" | sed -n 's/^audit chain ok: \([0-9]*\) records.*/\1/p')
python3 -c 'import sys; n, ms = int(sys.argv[2]), int(sys.argv[3])
seal = f" seal_s={int(sys.argv[4]) / 1000:.1f} sealed_per_s={n / max(int(sys.argv[4]), 1) * 1000:.0f}" if sys.argv[4] else ""
print(f"audit-verify.sh: store={sys.argv[1]} records={n} verify_s={ms / 1000:.1f}"
      f" records_per_s={n / max(ms, 1) * 1000:.0f}{seal}")' "$STORE" "$records" $((t1 - t0)) "${seal_ms:-}"
