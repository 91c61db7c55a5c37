#!/usr/bin/env bash
# Import of an archive of N small images through POST /api/v1/projects/{id}/media,
# as a zip and as a tar. One 64x48 PNG and one JPEG made by ffmpeg are
# copied N/2 times each under different names: the server still streams
# every entry into its own blob (SHA-256, fsync), names its type with
# libmagic, probes it with libavformat, and writes a media row and a task
# per entry plus one audit record. Prints files/s for the whole request
# and the server's peak RSS (VmHWM reset before each upload), at N/10
# files and at N files, so the two RSS figures show whether memory grows
# with the archive.
#
# Floor, measured in the same run on the same archive bytes: the least
# work that does the same unpacking + detection with stock tools,
#   unzip -q (zip) / tar -xf (tar) into a temp folder, then
#   file --mime-type over every file (libmagic, as the server uses);
# and the same plus `sync FILE...` (one fsync per file, as the blob store
# makes before answering). Ratios are server / floor (1.00x = as fast as
# the floor). The server does more than the floor (probing, hashing, rows,
# tasks, the JSON answer), so its ratio says what that costs.
# Figures are printed, never asserted. Usage: bench/media-import.sh [files=10000]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
n=${1:-10000}
bench_start
trap bench_stop EXIT
token=$(bench_login "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
auth="Authorization: Bearer $token"
cfg='<View><Image name=\"image\" value=\"$image\"/><Choices name=\"c\" toName=\"image\"><Choice value=\"cat\"/><Choice value=\"dog\"/></Choices></View>'
work="$BENCH_DIR/work"
mkdir -p "$work"
ffmpeg -loglevel error -f lavfi -i testsrc=size=64x48 -frames:v 1 "$work/one.png"
ffmpeg -loglevel error -f lavfi -i testsrc=size=64x48 -frames:v 1 "$work/one.jpg"

per_s() { awk -v n="$1" -v ns="$2" 'BEGIN { printf "%.0f", n / (ns / 1e9) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'; }

one_run() { # files format(zip|tar)
	local files=$1 fmt=$2 archive="$work/images.$2" t0 t1
	# Archives built in Python from the two images: no staging folder, and
	# the same bytes for the server and the floor.
	python3 - "$files" "$fmt" "$archive" "$work/one.png" "$work/one.jpg" <<'PY'
import io, sys, tarfile, zipfile
n, fmt, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
png, jpg = open(sys.argv[4], "rb").read(), open(sys.argv[5], "rb").read()
names = [("images/%05d.%s" % (i, "png" if i % 2 else "jpg"), png if i % 2 else jpg)
         for i in range(n)]
if fmt == "zip":
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in names:
            z.writestr(name, data)
else:
    with tarfile.open(path, "w") as t:
        for name, data in names:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 1700000000, 0o644
            t.addfile(info, io.BytesIO(data))
PY
	local size
	size=$(stat -c %s "$archive")
	cat "$archive" >/dev/null # page cache warm for both

	# Floor: unpack + detect, then the same + one fsync per file.
	local dir="$work/unpacked" floor_ns sync_ns
	rm -rf "$dir" && mkdir "$dir"
	t0=$(date +%s%N)
	if [ "$fmt" = zip ]; then unzip -q "$archive" -d "$dir"; else tar -xf "$archive" -C "$dir"; fi
	find "$dir" -type f -print0 | xargs -0 file --mime-type >"$work/types"
	t1=$(date +%s%N)
	floor_ns=$((t1 - t0))
	local detected
	detected=$(grep -c -E 'image/(png|jpeg)$' "$work/types")
	rm -rf "$dir" && mkdir "$dir"
	t0=$(date +%s%N)
	if [ "$fmt" = zip ]; then unzip -q "$archive" -d "$dir"; else tar -xf "$archive" -C "$dir"; fi
	find "$dir" -type f -print0 | xargs -0 file --mime-type >/dev/null
	find "$dir" -type f -print0 | xargs -0 sync
	t1=$(date +%s%N)
	sync_ns=$((t1 - t0))
	rm -rf "$dir"

	# The server: a fresh project per run, the archive as a raw body.
	local project count
	project=$(curl -sf -H "$auth" -H 'content-type: application/json' \
		-d "{\"name\":\"media import bench $files $fmt\",\"label_config\":\"$cfg\"}" \
		"$URL/api/v1/projects" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	local before
	before=$(bench_rss_kb)
	bench_hwm_reset
	t0=$(date +%s%N)
	curl -sf -H "$auth" -H "content-type: application/$fmt" -H 'Expect:' -X POST -T "$archive" \
		"$URL/api/v1/projects/$project/media?filename=images.$fmt" >"$work/answer.json"
	t1=$(date +%s%N)
	local hwm srv_ns=$((t1 - t0))
	hwm=$(bench_hwm_kb)
	count=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["count"])' "$work/answer.json")
	local srv floor fsync
	srv=$(per_s "$files" "$srv_ns")
	floor=$(per_s "$files" "$floor_ns")
	fsync=$(per_s "$files" "$sync_ns")
	echo "-- $files images in a $fmt of $((size / 1024)) KiB: server imported $count, file(1) found $detected"
	echo "server:           $((srv_ns / 1000000)) ms = $srv files/s, peak RSS $hwm kB (+$((hwm - before)) kB over the $before kB before it)"
	echo "floor:            $((floor_ns / 1000000)) ms = $floor files/s (unpack + file --mime-type): $(ratio "$srv" "$floor")"
	echo "floor + fsync:    $((sync_ns / 1000000)) ms = $fsync files/s (and one fsync per file): $(ratio "$srv" "$fsync")"
}

echo "server:           idle RSS $(bench_rss_kb) kB, peak $(bench_hwm_kb) kB after login (argon2 64 MiB)"
for fmt in zip tar; do
	if [ "$n" -ge 100 ]; then one_run $((n / 10)) "$fmt"; fi
	one_run "$n" "$fmt"
done
echo "server RSS now:   $(bench_rss_kb) kB"
