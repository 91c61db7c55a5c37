#!/usr/bin/env bash
# Import of a large JSONL file: upload + background split into tasks.
# Prints rows/s for the whole import (upload, validation, task inserts) and
# the server's peak RSS. Usage: bench/import.sh [rows=1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
rows=${1:-1000000}
bench_start
trap bench_stop EXIT
file="$BENCH_DIR/rows.jsonl"
python3 - "$rows" "$file" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    for i in range(n):
        f.write('{"text":"Sentence number %d about Alice and Acme Corp.","source":"bench"}\n' % i)
PY
size=$(stat -c %s "$file")
token=$(bench_login "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
cfg='<View><Text name=\"text\" value=\"$text\"/><Labels name=\"label\" toName=\"text\"><Label value=\"PER\"/></Labels></View>'
pid=$(curl -sf -H "Authorization: Bearer $token" -H 'content-type: application/json' \
	-d "{\"name\":\"import bench\",\"label_config\":\"$cfg\"}" "$URL/api/v1/projects" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
rss0=$(bench_rss_kb)
t0=$(date +%s%N)
imp=$(curl -sf -H "Authorization: Bearer $token" -H 'content-type: application/x-ndjson' \
	--data-binary @"$file" "$URL/api/v1/projects/$pid/imports" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
t1=$(date +%s%N)
max_rss=0
while :; do
	r=$(bench_rss_kb)
	[ "$r" -gt "$max_rss" ] && max_rss=$r
	st=$(curl -sf -H "Authorization: Bearer $token" "$URL/api/v1/imports/$imp" |
		python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], d["tasks_created"])')
	case "$st" in done*|failed*) break ;; esac
	sleep 0.05
done
t2=$(date +%s%N)
up_ms=$(((t1 - t0) / 1000000))
all_ms=$(((t2 - t0) / 1000000))
echo "file:             $rows rows, $((size / 1048576)) MiB"
echo "status:           $st"
echo "upload+validate:  ${up_ms} ms ($((size / 1048576 * 1000 / (up_ms > 0 ? up_ms : 1))) MiB/s)"
echo "whole import:     ${all_ms} ms -> $((rows * 1000 / (all_ms > 0 ? all_ms : 1))) rows/s"
echo "server RSS:       before ${rss0} kB, highest sampled during the import ${max_rss} kB"
echo "                  (process peak $(bench_hwm_kb) kB includes the login's 64 MiB argon2 hash)"
