#!/usr/bin/env bash
# Export of a large project: JSONL of N accepted tasks and COCO of N boxes,
# through `labelflow export` (the same code as the export job). Prints MB/s
# and the peak RSS of each run; run it at two sizes to see that memory does
# not grow with the project. Usage: bench/export.sh [tasks=1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
n=${1:-1000000}
BENCH_DIR=$(mktemp -d /tmp/lf-export-bench.XXXXXX)
trap 'rm -rf "$BENCH_DIR"' EXIT
db="$BENCH_DIR/labelflow.db"
"$BIN" migrate --db "sqlite:$db" >/dev/null 2>&1
# Seed directly: one text project and one image project, every task accepted
# with one annotation version (a NER span / a bounding box).
sqlite3 "$db" <<SQL
PRAGMA synchronous=OFF;
INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at)
 VALUES (1, 'a@x.org', 'a', 'admin', 'x', 0, 0);
INSERT INTO projects (id, name, created_at, label_config) VALUES
 (1, 'text', 0, '<View><Text name="text" value="\$text"/><Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/></Labels></View>'),
 (2, 'image', 0, '<View><Image name="image" value="\$image"/><RectangleLabels name="box" toName="image"><Label value="cat"/><Label value="dog"/></RectangleLabels></View>');
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $n)
INSERT INTO tasks (id, project_id, state, data, created_at, updated_at)
 SELECT i, 1, 'accepted', '{"text":"Alice number ' || i || ' works at Acme Corporation in Berlin."}', 0, 0 FROM s;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $n)
INSERT INTO tasks (id, project_id, state, data, created_at, updated_at)
 SELECT $n + i, 2, 'accepted', '{"image":"https://img.example.org/' || i || '.jpg"}', 0, 0 FROM s;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $n)
INSERT INTO annotations (task_id, version, author_id, stage, kind, result, created_at)
 SELECT i, 1, 1, 1, 'annotation', '[{"id":"a","from_name":"label","to_name":"text","type":"labels","value":{"start":0,"end":5,"labels":["PER"]}},{"id":"b","from_name":"label","to_name":"text","type":"labels","value":{"start":32,"end":48,"labels":["ORG"]}}]', 0 FROM s;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $n)
INSERT INTO annotations (task_id, version, author_id, stage, kind, result, created_at)
 SELECT $n + i, 1, 1, 1, 'annotation', '[{"id":"b","from_name":"box","to_name":"image","type":"rectanglelabels","original_width":640,"original_height":480,"value":{"x":10.5,"y":20,"width":30,"height":40.25,"rotation":0,"rectanglelabels":["dog"]}}]', 0 FROM s;
SQL
echo "seeded:           $n text tasks + $n image tasks, $(du -h "$db" | cut -f1) database"
run() { # project format
	local out="$BENCH_DIR/out.$2" t0 t1
	t0=$(date +%s%N)
	/usr/bin/time -f "%M" -o "$BENCH_DIR/rss" "$BIN" export --db "sqlite:$db" --project "$1" \
		--format "$2" --out "$out" 2>"$BENCH_DIR/log"
	t1=$(date +%s%N)
	local ms=$(((t1 - t0) / 1000000)) size
	size=$(stat -c %s "$out")
	echo "$2: $(tail -1 "$BENCH_DIR/log" | sed 's/^labelflow: //')"
	echo "  $((size / 1048576)) MiB in ${ms} ms = $((size * 1000 / 1048576 / (ms > 0 ? ms : 1))) MiB/s," \
		"$((n * 1000 / (ms > 0 ? ms : 1))) tasks/s, peak RSS $(cat "$BENCH_DIR/rss") kB"
}
run 1 jsonl
run 2 coco
