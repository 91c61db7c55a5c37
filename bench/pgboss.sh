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
#
# Sourced by bench/claim-pg.sh for pgboss_install and pgboss_run (it then
# runs nothing itself).
set -euo pipefail

PGBOSS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Installs the packages once; sets PGBOSS_MODULES.
pgboss_install() {
	local lock_hash
	lock_hash=$(sha256sum "$PGBOSS_ROOT/bench/pgboss/package-lock.json" | cut -c1-16)
	PGBOSS_MODULES=${XDG_CACHE_HOME:-$HOME/.cache}/labelflow-bench/pgboss-$lock_hash
	if [ ! -f "$PGBOSS_MODULES/.installed" ]; then
		echo "npm:              installing pg-boss into $PGBOSS_MODULES"
		rm -rf "$PGBOSS_MODULES"
		mkdir -p "$PGBOSS_MODULES"
		cp "$PGBOSS_ROOT/bench/pgboss/package.json" "$PGBOSS_ROOT/bench/pgboss/package-lock.json" "$PGBOSS_MODULES/"
		(cd "$PGBOSS_MODULES" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
		touch "$PGBOSS_MODULES/.installed"
	fi
	echo "node:             $(node --version), pg-boss $(node -p "require('$PGBOSS_MODULES/node_modules/pg-boss/package.json').version")," \
		"pg $(node -p "require('$PGBOSS_MODULES/node_modules/pg/package.json').version")"
}

# pgboss_db URL: the URL of the "pgboss" database of URL's cluster, created
# when missing (pg-boss makes its schema there on start).
pgboss_db() {
	if [ -z "$(psql "$1" -XqAt -c "SELECT 1 FROM pg_database WHERE datname = 'pgboss'")" ]; then
		psql "$1" -XqAt -v ON_ERROR_STOP=1 -c "CREATE DATABASE pgboss" >/dev/null
	fi
	echo "${1%/*}/pgboss"
}

# pgboss_run DB MODE COUNT WORKERS SECONDS: one run of fetch-complete.cjs
# (pgboss_install first); its last line is the k=v summary "pgboss MODE:
# ...". Sets PGBOSS_JPS and PGBOSS_P99 (ms).
pgboss_run() {
	local out
	echo "--- pg-boss $2: $([ "$2" = backlog ] && echo "$3 jobs queued beforehand" || echo "about $3 jobs kept queued")," \
		"$4 workers, ${5} s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
	PGBOSS_JPS='' PGBOSS_P99=''
	out=$(NODE_PATH=$PGBOSS_MODULES/node_modules node "$PGBOSS_ROOT/bench/pgboss/fetch-complete.cjs" "$1" "$2" \
		"$3" "$4" "$5") || echo "  pg-boss failed (exit $?)"
	echo "$out"
	PGBOSS_JPS=$(echo "$out" | tail -n 1 | tr ' ' '\n' | sed -n 's/^jobs_per_s=//p')
	PGBOSS_P99=$(echo "$out" | tail -n 1 | tr ' ' '\n' | sed -n 's/^p99_ms=//p')
}

pgboss_main() {
	local jobs=${1:-50000} workers=${2:-16} seconds=${3:-20} depth=${4:-1000} work db mode count
	work=$(mktemp -d /tmp/lf-pgboss.XXXXXX)
	# shellcheck disable=SC2064 # the folder is known now
	trap "'$PGBOSS_ROOT/scripts/pg-cluster' stop '$work/pg' >/dev/null 2>&1 || true; rm -rf '$work'" EXIT
	pgboss_install
	echo "cluster:          starting in $work/pg (durable commits)"
	db=$("$PGBOSS_ROOT/scripts/pg-cluster" start "$work/pg")
	echo "postgres:         $(psql "$db" -XAtc 'SHOW server_version'), synchronous_commit=$(psql "$db" -XAtc 'SHOW synchronous_commit'), fsync=$(psql "$db" -XAtc 'SHOW fsync')"
	for mode in backlog standing; do
		count=$jobs
		[ "$mode" = standing ] && count=$depth
		pgboss_run "$db" "$mode" "$count" "$workers" "$seconds"
	done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	pgboss_main "$@"
fi
