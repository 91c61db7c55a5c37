#!/usr/bin/env bash
# Data manager task listing on a large project (SQLite): seeds N tasks
# through the API and prints p50/p99 page latency per filter and order,
# next to the same page read straight from SQLite (the floor)
# (bench/data-manager.mjs). Usage: bench/data-manager.sh [tasks=1000000] [pages=40]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
LABELFLOW_BIN="$BIN" exec node bench/data-manager.mjs "${1:-1000000}" "${2:-40}"
