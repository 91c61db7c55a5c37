#!/usr/bin/env bash
# Inter-annotator agreement (GET /projects/{id}/agreement, issue 18) on a
# project of TASKS (default 100,000) tasks with K = 3 L1 annotations each
# on a Choices control and a Labels (NER) control with one span, seeded in
# SQL on SQLite: three kappa/alpha ratings and three span-F1 pair scores a
# task. Each figure next to its
# floor, measured in the same run:
#   - the first call computes from scratch (reads every task and its
#     annotations, parses each result); its floor is sqlite3 reading the
#     same rows and their result text (the least work that sees the data);
#   - a call with nothing changed, and a call after CHANGES tasks got a
#     new annotation version: incremental, reading only the tasks changed
#     in the last LABELFLOW window; their floor is an authenticated GET of
#     the project (the least round trip through the same server).
# Prints ms per call, the ratios, alpha before and after the change (it
# must move) and the server's peak RSS.
#
#   bench/agreement.sh [tasks=100000] [changes=1]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

TASKS=${1:-100000}
CHANGES=${2:-1}
bench_start
trap bench_stop EXIT
DB=$BENCH_DIR/labelflow.db
admin=$(bench_login "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
api() { curl -sf -H "authorization: Bearer $admin" -H 'content-type: application/json' "$@"; }
# shellcheck disable=SC2016 # $text is the label config's
pid=$(api -d '{"name":"agreement bench","label_config":"<View><Text name=\"text\" value=\"$text\"/><Choices name=\"sentiment\" toName=\"text\"><Choice value=\"Pos\"/><Choice value=\"Neg\"/><Choice value=\"Neu\"/></Choices><Labels name=\"label\" toName=\"text\"><Label value=\"PER\"/></Labels></View>","policies":{"overlap":3}}' \
	"$URL/api/v1/projects" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
users=""
for i in 1 2 3; do
	u=$(api -d "{\"email\":\"agree$i@example.org\",\"name\":\"A$i\",\"password\":\"agree-password-$i\",\"role\":\"annotator\"}" \
		"$URL/api/v1/users" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	users="$users $u"
done

t0=$(date +%s%N)
python3 - "$DB" "$pid" "$TASKS" $users <<'EOF'
import random, sqlite3, sys, time
db, pid, n, users = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), [int(u) for u in sys.argv[4:]]
c = sqlite3.connect(db, timeout=60)
# Tasks last changed one after another until an hour ago, as a project's
# work spreads over time (the window re-reads only the newest).
start = int(time.time() * 1000) - 3600 * 1000 - n * 50
rnd = random.Random(7)
choices = ["Pos", "Neg", "Neu"]
c.execute("BEGIN")
for t in range(n):
    cur = c.execute("INSERT INTO tasks (project_id, state, priority, data, annotations_done, created_at, updated_at)"
                    " VALUES (?, 'queued_l2', 0, ?, 3, ?, ?)", (pid, '{"text":"task %d"}' % t, start, start + 50 * t))
    now = start + 50 * t
    tid = cur.lastrowid
    truth = rnd.randrange(3)
    for v, u in enumerate(users, 1):
        ch = choices[truth if rnd.random() < 0.8 else rnd.randrange(3)]
        w = c.execute("INSERT INTO task_work (task_id, project_id, user_id, stage, status, started_at, finished_at)"
                      " VALUES (?, ?, ?, 1, 'done', ?, ?)", (tid, pid, u, now, now)).lastrowid
        c.execute("INSERT INTO annotations (task_id, version, author_id, stage, kind, work_id, result, created_at)"
                  " VALUES (?, ?, ?, 1, 'annotation', ?, ?, ?)",
                  (tid, v, u, w, '[{"id":"s","from_name":"sentiment","to_name":"text","type":"choices","value":{"choices":["%s"]}},'
                   '{"id":"n","from_name":"label","to_name":"text","type":"labels","value":{"start":%d,"end":%d,"labels":["PER"]}}]'
                   % (ch, rnd.randrange(2), 4 + rnd.randrange(2)), now))
c.execute("COMMIT")
EOF
t1=$(date +%s%N)
echo "seeded:           $TASKS tasks x 3 annotations in $(((t1 - t0) / 1000000)) ms (project $pid)"

ms() { # url -> ms of one GET
	curl -sf -o "$BENCH_DIR/body" -w '%{time_total}' -H "authorization: Bearer $admin" "$1" |
		python3 -c 'import sys; print(f"{float(sys.stdin.read()) * 1000:.2f}")'
}
alpha() { python3 -c 'import json; print(json.load(open("'"$BENCH_DIR/body"'"))["controls"][0]["alpha"]["value"])'; }
span_f1() { python3 -c 'import json; r = json.load(open("'"$BENCH_DIR/body"'"))["regions"][0]; print(r["mean"]["value"], "over", r["mean"]["units"], "pairs")'; }

t0=$(date +%s%N)
sqlite3 "$DB" "SELECT count(*), sum(length(a.result)) FROM tasks t LEFT JOIN annotations a ON a.task_id = t.id AND a.stage = 1 WHERE t.project_id = $pid" >/dev/null
t1=$(date +%s%N)
floor_scratch=$(python3 -c "print(f'{($t1 - $t0) / 1e6:.2f}')")
scratch=$(ms "$URL/api/v1/projects/$pid/agreement")
alpha0=$(alpha)
f1=$(span_f1)
python3 -c 'import json; b = json.load(open("'"$BENCH_DIR/body"'")); assert b["tasks"] == '"$TASKS"', b["tasks"]'
unchanged=$(ms "$URL/api/v1/projects/$pid/agreement")
python3 - "$DB" "$pid" "$CHANGES" <<'EOF'
import sqlite3, sys, time
db, pid, changes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
c = sqlite3.connect(db, timeout=60)
now = int(time.time() * 1000)
c.execute("BEGIN")
for tid, work, author in c.execute("SELECT t.id, a.work_id, a.author_id FROM tasks t JOIN annotations a ON a.task_id = t.id"
                                   " AND a.version = 3 WHERE t.project_id = ? ORDER BY t.id LIMIT ?", (pid, changes)).fetchall():
    c.execute("INSERT INTO annotations (task_id, version, author_id, stage, kind, work_id, result, created_at)"
              " VALUES (?, 4, ?, 1, 'annotation', ?, ?, ?)",
              (tid, author, work, '[{"id":"s","from_name":"sentiment","to_name":"text","type":"choices","value":{"choices":["Pos","Neg"]}}]', now))
    c.execute("UPDATE tasks SET updated_at = ? WHERE id = ?", (now, tid))
c.execute("COMMIT")
EOF
changed=$(ms "$URL/api/v1/projects/$pid/agreement")
alpha1=$(alpha)
floor_get=$(ms "$URL/api/v1/projects/$pid")
echo "from scratch:     $scratch ms (floor: sqlite3 reading the rows $floor_scratch ms, $(python3 -c "print(f'{$scratch / $floor_scratch:.1f}')")x)"
echo "nothing changed:  $unchanged ms (floor: GET /projects/{id} $floor_get ms, $(python3 -c "print(f'{$unchanged / $floor_get:.1f}')")x)"
echo "$CHANGES task(s) changed: $changed ms ($(python3 -c "print(f'{$changed / $floor_get:.1f}')")x the floor)"
echo "alpha:            $alpha0 -> $alpha1"
echo "span F1 (NER):    $f1"
echo "server peak RSS:  $(bench_hwm_kb) kB"
echo "agreement.sh: tasks=$TASKS scratch_ms=$scratch floor_scan_ms=$floor_scratch unchanged_ms=$unchanged changed_ms=$changed floor_get_ms=$floor_get rss_kb=$(bench_hwm_kb)"
[ "$alpha0" != "$alpha1" ] || { echo "agreement.sh: alpha did not move after the change" >&2; exit 1; }
