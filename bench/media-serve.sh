#!/usr/bin/env bash
# GET /api/v1/media/{id} of a large blob on local disk, over loopback.
# Uploads an uncompressed WAV (a 44-byte PCM header + random samples: real
# media, so libmagic and libavformat accept it) through
# POST /api/v1/projects/{id}/media, then measures with curl:
#   - whole-file GETs (best of 5, interleaved with the floor's): MB/s;
#   - 1 MiB Range GETs at random offsets, one keep-alive connection:
#     requests/s, p50/p99;
#   - the server's peak RSS while serving (VmHWM reset just before).
# It does this for a 256 MiB file and an N MiB file on the same server, so
# the two RSS lines show whether memory grows with the file.
#
# Floors, measured in the same run on the very blob file the server reads
# (page cache warm):
#   - `cat BLOB > /dev/null`: reading the bytes, no network at all;
#   - bench/sendfile_floor.c: the least HTTP server (keep-alive, sendfile(2)
#     from the page cache, no auth, no database), fetched by the same curl
#     commands. This is the fair floor for both figures; the ratios are
#     server / floor (1.00x = as fast as the floor).
# Figures are printed, never asserted. Usage: bench/media-serve.sh [MiB=1024]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
mib=${1:-1024}
ranges=${RANGES:-500}
FLOOR=build/bench/sendfile_floor
if [ ! -x "$FLOOR" ] || [ bench/sendfile_floor.c -nt "$FLOOR" ]; then
	mkdir -p build/bench
	cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -o "$FLOOR" bench/sendfile_floor.c
fi
floor_pid=
bench_start
trap '[ -n "$floor_pid" ] && kill "$floor_pid" 2>/dev/null; bench_stop' EXIT
token=$(bench_login "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
auth="Authorization: Bearer $token"
cfg='<View><Audio name=\"audio\" value=\"$audio\"/><Labels name=\"label\" toName=\"audio\"><Label value=\"speech\"/></Labels></View>'
project=$(curl -sf -H "$auth" -H 'content-type: application/json' \
	-d "{\"name\":\"media serve bench\",\"label_config\":\"$cfg\"}" "$URL/api/v1/projects" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

mbs() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.0f", b / (ns / 1e9) / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'; }

# Whole-file GETs of the floor and of the server, interleaved five times
# (other load on the machine hits both alike); prints the best MB/s of
# each, curl's own figure: "floor server".
whole() { # floor_url server_url header
	local f=0 s=0 x
	for _ in 1 2 3 4 5; do
		x=$(curl -sf -o /dev/null -w '%{speed_download}' "$1")
		f=$(awk -v a="$x" -v b="$f" 'BEGIN { print (a > b ? a : b) }')
		x=$(curl -sf -o /dev/null -w '%{speed_download}' -H "$3" "$2")
		s=$(awk -v a="$x" -v b="$s" 'BEGIN { print (a > b ? a : b) }')
	done
	awk -v f="$f" -v s="$s" 'BEGIN { printf "%.0f %.0f", f / 1e6, s / 1e6 }'
}

# $ranges GETs of 1 MiB at the offsets in $BENCH_DIR/offsets, one curl
# process (one keep-alive connection). Prints "req/s p50_ms p99_ms".
range_run() { # url [header]
	local cfgf="$BENCH_DIR/curl.cfg" t0 t1
	awk -v url="$1" -v hdr="${2:-}" '{
		if (NR > 1) print "next"
		printf "url = \"%s\"\nrange = \"%d-%d\"\noutput = \"/dev/null\"\n", url, $1, $1 + 1048575
		printf "write-out = \"%%{http_code} %%{time_total} %%{num_connects}\\n\"\n"
		if (hdr != "") printf "header = \"%s\"\n", hdr
	}' "$BENCH_DIR/offsets" >"$cfgf"
	t0=$(date +%s%N)
	curl -s -K "$cfgf" >"$BENCH_DIR/times"
	t1=$(date +%s%N)
	local bad
	bad=$(awk '$1 != 206' "$BENCH_DIR/times" | wc -l)
	[ "$bad" = 0 ] || echo "  ($bad of the range answers were not 206)" >&2
	local conns
	conns=$(awk '{ c += $3 } END { print c }' "$BENCH_DIR/times")
	[ "$conns" = 1 ] || echo "  (curl opened $conns connections, not one)" >&2
	awk '{ print $2 * 1000 }' "$BENCH_DIR/times" | sort -n | awk -v n="$ranges" -v ns=$((t1 - t0)) '
		{ t[NR] = $1 }
		END { printf "%.0f %.2f %.2f", n / (ns / 1e9), t[int(NR * 0.5 + 0.5)], t[int(NR * 0.99 + 0.5)] }'
}

one_size() { # MiB
	local m=$1 bytes=$(($1 * 1048576)) file="$BENCH_DIR/tone.wav" t0 t1
	# A PCM WAV header (48 kHz, 16-bit stereo) announcing the rest of the
	# file as samples, then random samples: exactly m MiB.
	python3 - "$bytes" "$file" <<'PY'
import struct, sys
n, path = int(sys.argv[1]), sys.argv[2]
data = n - 44
with open(path, "wb") as f:
    f.write(b"RIFF" + struct.pack("<I", 36 + data) + b"WAVE")
    f.write(b"fmt " + struct.pack("<IHHIIHH", 16, 1, 2, 48000, 192000, 4, 16))
    f.write(b"data" + struct.pack("<I", data))
PY
	head -c $((bytes - 44)) /dev/urandom >>"$file"

	bench_hwm_reset
	t0=$(date +%s%N)
	local id
	id=$(curl -sf -H "$auth" -H 'content-type: audio/wav' -H 'Expect:' -X POST -T "$file" \
		"$URL/api/v1/projects/$project/media?filename=tone-$m.wav" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
	t1=$(date +%s%N)
	local up_hwm
	up_hwm=$(bench_hwm_kb)
	rm -f "$file"
	local blob
	blob=$(find "$BENCH_DIR/blobs" -type f -size "${bytes}c" ! -name '*~*' | head -1)

	echo "-- $m MiB ($bytes bytes, audio/x-wav), media id $id"
	echo "upload:           $(((t1 - t0) / 1000000)) ms = $(mbs "$bytes" $((t1 - t0))) MB/s" \
		"(libmagic, libavformat probe, SHA-256, fsync), server peak RSS $up_hwm kB"

	# Warm the page cache, then the floors.
	cat "$blob" >/dev/null
	t0=$(date +%s%N)
	cat "$blob" >/dev/null
	t1=$(date +%s%N)
	local cat_mbs
	cat_mbs=$(mbs "$bytes" $((t1 - t0)))
	kill "$floor_pid" 2>/dev/null || true
	: >"$BENCH_DIR/floor.port"
	"$FLOOR" "$blob" >"$BENCH_DIR/floor.port" &
	floor_pid=$!
	until [ -s "$BENCH_DIR/floor.port" ]; do sleep 0.01; done
	local furl
	furl=http://127.0.0.1:$(cat "$BENCH_DIR/floor.port")/
	awk -v n="$ranges" -v size="$bytes" -v seed="$m" \
		'BEGIN { srand(seed); for (i = 0; i < n; i++) printf "%d\n", int(rand() * (size - 1048576)) }' \
		>"$BENCH_DIR/offsets"

	local floor_mbs srv_mbs srv_hwm
	bench_hwm_reset
	read -r floor_mbs srv_mbs <<<"$(whole "$furl" "$URL/api/v1/media/$id" "$auth")"
	srv_hwm=$(bench_hwm_kb)
	echo "whole file:       server $srv_mbs MB/s (best of 5)" \
		"| sendfile floor $floor_mbs MB/s: $(ratio "$srv_mbs" "$floor_mbs")" \
		"| cat floor $cat_mbs MB/s: $(ratio "$srv_mbs" "$cat_mbs")"

	local f s
	read -r -a f <<<"$(range_run "$furl")"
	bench_hwm_reset
	read -r -a s <<<"$(range_run "$URL/api/v1/media/$id" "$auth")"
	local r_hwm
	r_hwm=$(bench_hwm_kb)
	echo "1 MiB ranges:     server ${s[0]} req/s, p50 ${s[1]} ms, p99 ${s[2]} ms" \
		"| sendfile floor ${f[0]} req/s, p50 ${f[1]} ms, p99 ${f[2]} ms: $(ratio "${s[0]}" "${f[0]}")" \
		"($ranges at random offsets, one keep-alive connection each)"
	echo "server peak RSS:  $srv_hwm kB during the whole-file GETs, $r_hwm kB during the ranges" \
		"(VmHWM reset before each; RSS now $(bench_rss_kb) kB)"
}

echo "server:           idle RSS $(bench_rss_kb) kB, peak $(bench_hwm_kb) kB after login (argon2 64 MiB)"
if [ "$mib" -gt 256 ]; then one_size 256; fi
one_size "$mib"
