#!/usr/bin/env bash
# Peer figure: pg-boss@10.1.6 (Node 20) fetch+complete on the same kind of
# PostgreSQL cluster as bench/claim-pg.sh (scripts/pg-cluster, durable
# commits): WORKERS concurrent fetch(batchSize 1) + complete loops for
# SECONDS, twice, on a queue of its own each time:
#   backlog   JOBS jobs inserted with boss.insert beforehand
#   standing  a producer keeps about DEPTH jobs queued during the run
# pg-boss's fetch sorts the whole backlog of its queue (see
# bench/pgboss/fetch-complete.cjs), so the first figure falls as JOBS grows
# and the second is what pg-boss does with a short queue.
#
#   bench/pgboss.sh [jobs=50000] [workers=16] [seconds=20] [depth=1000]
#
# The packages come from bench/pgboss/package-lock.json (npm ci), installed
# once into ${XDG_CACHE_HOME:-~/.cache}/labelflow-bench/pgboss-<lock hash>,
# outside the tree.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

jobs=${1:-50000}
workers=${2:-16}
seconds=${3:-20}
depth=${4:-1000}
WORK=$(mktemp -d /tmp/lf-pgboss.XXXXXX)
PG_DIR=$WORK/pg

cleanup() {
	scripts/pg-cluster stop "$PG_DIR" >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

lock_hash=$(sha256sum bench/pgboss/package-lock.json | cut -c1-16)
MODULES=${XDG_CACHE_HOME:-$HOME/.cache}/labelflow-bench/pgboss-$lock_hash
if [ ! -f "$MODULES/.installed" ]; then
	echo "npm:              installing pg-boss into $MODULES"
	rm -rf "$MODULES"
	mkdir -p "$MODULES"
	cp bench/pgboss/package.json bench/pgboss/package-lock.json "$MODULES/"
	(cd "$MODULES" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
	touch "$MODULES/.installed"
fi
echo "node:             $(node --version), pg-boss $(node -p "require('$MODULES/node_modules/pg-boss/package.json').version")," \
	"pg $(node -p "require('$MODULES/node_modules/pg/package.json').version")"

echo "cluster:          starting in $PG_DIR (durable commits)"
DB=$(scripts/pg-cluster start "$PG_DIR")
echo "postgres:         $(psql "$DB" -XAtc 'SHOW server_version'), synchronous_commit=$(psql "$DB" -XAtc 'SHOW synchronous_commit'), fsync=$(psql "$DB" -XAtc 'SHOW fsync')"
for mode in backlog standing; do
	count=$jobs
	[ "$mode" = standing ] && count=$depth
	echo "--- $mode: $([ "$mode" = backlog ] && echo "$jobs jobs queued beforehand" || echo "about $depth jobs kept queued")," \
		"$workers workers, ${seconds} s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
	NODE_PATH=$MODULES/node_modules node "$ROOT/bench/pgboss/fetch-complete.cjs" "$DB" "$mode" \
		"$count" "$workers" "$seconds"
done
