#!/usr/bin/env bash
# Bucket sync of N small objects (default 100,000) on s3rver: the first
# sync (every object new: listed, its first bytes read by one ranged GET
# after a HEAD, typed by libmagic, probed by libavformat from those bytes,
# a media row, a task and a remembered key each) in objects/s, then a
# second sync with nothing new (list and compare only: no object read),
# each with the server's peak RSS (VmHWM reset before each sync).
#
# Floors, measured in the same run against the same s3rver: a bare
# ListObjectsV2 pass over the prefix (bench/s3-tool.mjs list, 1,000 keys
# per page, as the sync asks), which is all a no-change sync needs; and
# that pass plus a 64 KiB ranged GET of every object, 4 at a time as the
# sync's 4 readers (bench/s3-tool.mjs read; skip it with READ_FLOOR=0),
# which is the least a first sync must fetch. Ratios are sync / floor.
#
# Filling: s3rver takes about 120 PUT/s here, so 100,000 PUTs would take
# a quarter of an hour. The objects are instead written straight into
# s3rver's on-disk layout (its FilesystemStore, 3.7.1): for key K in
# bucket B, B/K._S3rver_object (the bytes), B/K._S3rver_object.md5 (their
# hex MD5, s3rver's ETag) and B/K._S3rver_metadata.json (the content type),
# exactly the three files a PUT makes. The first FILL_PUTS objects (200)
# go through real PUTs, and the script checks one written object reads
# back over HTTP with the PUT's ETag before timing anything.
# Figures are printed, never asserted. Usage: bench/bucket-sync.sh [N=100000]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
n=${1:-100000}
puts=${FILL_PUTS:-200}
s3bin=tests/storage/node_modules/.bin/s3rver
[ -x "$s3bin" ] || { echo "run: (cd tests/storage && npm ci)" >&2; exit 2; }
BENCH_DIR=$(mktemp -d /tmp/lf-bench.XXXXXX)
BENCH_OWNED=1
work="$BENCH_DIR/work"
mkdir -p "$work" "$BENCH_DIR/s3"
s3port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
s3url=http://127.0.0.1:$s3port
NODE_OPTIONS=--openssl-legacy-provider "$s3bin" -d "$BENCH_DIR/s3" -a 127.0.0.1 -p "$s3port" \
	--silent --no-vhost-buckets --configure-bucket bench >"$BENCH_DIR/s3.log" 2>&1 &
S3_PID=$!
cleanup() { kill "$S3_PID" 2>/dev/null || true; bench_stop; }
trap cleanup EXIT
until curl -sf "$s3url/bench" >/dev/null; do sleep 0.1; done

ffmpeg -loglevel error -f lavfi -i testsrc=size=16x16 -frames:v 1 "$work/one.png"
ms() { date +%s%3N; }
per_s() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f", n / (ms / 1000) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'; }

t0=$(ms)
node bench/s3-tool.mjs fill "$s3url" bench ds/put- "$puts" "$work/one.png" >/dev/null
t1=$(ms)
python3 - "$BENCH_DIR/s3/bench" "$work/one.png" "$n" "$puts" <<'PY'
import hashlib, os, sys
root, png, n, puts = sys.argv[1], open(sys.argv[2], "rb").read(), int(sys.argv[3]), int(sys.argv[4])
md5, meta = hashlib.md5(png).hexdigest(), '{\n  "content-type": "binary/octet-stream"\n}'
for i in range(n - puts):
    d = "%s/ds/%03d" % (root, i // 1000)
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    base = "%s/%06d.png._S3rver_" % (d, i)
    for suffix, data in (("object", png), ("object.md5", md5.encode()), ("metadata.json", meta.encode())):
        with open(base + suffix, "wb") as f:
            f.write(data)
PY
t2=$(ms)
put_etag=$(curl -sfI "$s3url/bench/ds/put-000/000000.png" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag" {print $2}')
disk_etag=$(curl -sfI "$s3url/bench/ds/000/000000.png" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag" {print $2}')
[ -n "$put_etag" ] && [ "$put_etag" = "$disk_etag" ] || { echo "on-disk objects do not read back as PUT ones ($put_etag vs $disk_etag)" >&2; exit 1; }
cmp <(curl -sf "$s3url/bench/ds/000/000000.png") "$work/one.png"
echo "fill: $n objects of $(stat -c %s "$work/one.png") bytes: $puts PUTs in $((t1 - t0)) ms ($(per_s "$puts" $((t1 - t0)))/s), $((n - puts)) written on disk in $((t2 - t1)) ms"

bench_start env LABELFLOW_S3_ENDPOINT="$s3url" LABELFLOW_S3_PATH_STYLE=1 AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
token=$(bench_login "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
auth="Authorization: Bearer $token"
cfg='<View><Image name=\"image\" value=\"$image\"/><Choices name=\"c\" toName=\"image\"><Choice value=\"cat\"/></Choices></View>'
pid=$(curl -sf -H "$auth" -H 'content-type: application/json' -d "{\"name\":\"bucket\",\"label_config\":\"$cfg\"}" \
	"$URL/api/v1/projects" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
sid=$(curl -sf -H "$auth" -H 'content-type: application/json' -d '{"url":"s3://bench/ds/"}' \
	"$URL/api/v1/projects/$pid/sources" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

# One sync: prints "ms listed new read tasks peak_kb", the time being the
# server's own (created_at to the last update, which marks it done).
one_sync() {
	bench_hwm_reset
	curl -sf -H "$auth" -H 'content-type: application/json' -d '{}' "$URL/api/v1/sources/$sid/sync" >/dev/null
	local s
	while :; do
		s=$(curl -sf -H "$auth" "$URL/api/v1/sources/$sid")
		echo "$s" | python3 -c 'import json,sys; sys.exit(json.load(sys.stdin)["last_sync"]["status"] not in ("done","failed"))' && break
		sleep 0.2
	done
	echo "$s" | python3 -c '
import json, sys
from datetime import datetime
s = json.load(sys.stdin)["last_sync"]
if s["status"] != "done": sys.exit("sync " + s["status"] + ": " + str(s["error"]))
t = lambda v: datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp()
print(round((t(s["updated_at"]) - t(s["created_at"])) * 1000), s["listed"], s["new"], s["objects_read"], s["tasks_created"], end=" ")'
	echo " $(bench_hwm_kb)"
}

read -r ms1 listed1 new1 read1 tasks1 kb1 < <(one_sync)
echo "first sync:  $listed1 listed, $new1 new, $read1 read, $tasks1 tasks in $ms1 ms = $(per_s "$listed1" "$ms1") objects/s, peak RSS $((kb1 / 1024)) MiB"
read -r ms2 listed2 new2 read2 tasks2 kb2 < <(one_sync)
echo "second sync: $listed2 listed, $new2 new, $read2 read, $tasks2 tasks in $ms2 ms = $(per_s "$listed2" "$ms2") objects/s, peak RSS $((kb2 / 1024)) MiB"

t0=$(ms)
listed=$(node bench/s3-tool.mjs list "$s3url" bench ds/)
t1=$(ms)
echo "floor, bare ListObjectsV2 pass: $listed keys in $((t1 - t0)) ms; second sync / floor = $(ratio "$ms2" $((t1 - t0)))"
if [ "${READ_FLOOR:-1}" = 1 ]; then
	t0=$(ms)
	node bench/s3-tool.mjs read "$s3url" bench ds/ 4 >/dev/null
	t1=$(ms)
	echo "floor, list + one 64 KiB ranged GET per object (4 at a time): $((t1 - t0)) ms = $(per_s "$listed" $((t1 - t0))) objects/s; first sync / floor = $(ratio "$ms1" $((t1 - t0)))"
fi
