#!/bin/sh
# The house rules that a grep can check, as TAP: each rule names the
# lines that break it. Run from the repository root (scripts/run-tests).
#   - handlers never open or commit a write transaction: every write is
#     a domain command (lf_store_write in its module), see src/api/api.h;
#   - transaction modes are named (LF_TX_READ/WRITE/SNAPSHOT), never 0/1;
#   - the SQL driver interface (store/db.h) stays inside src/store/;
#   - handlers never free: request memory belongs to the request.
cd "$(dirname "$0")/../.."
n=0
fail=0
check() { # description, offending lines (empty = pass)
	n=$((n + 1))
	if [ -z "$2" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		echo "$2" | sed 's/^/# /'
		fail=1
	fi
}
check "no handler commits: no lf_store_commit under src/api/" \
	"$(grep -n 'lf_store_commit' src/api/*.c)"
check "no handler opens a write transaction under src/api/" \
	"$(grep -nE 'lf_store_begin\([^,]+, *(LF_TX_WRITE|1) *,' src/api/*.c)"
check "transaction modes are named, not 0/1" \
	"$(grep -rnE 'lf_store_begin\([^,]+, *[0-9]+ *,' src tests/unit)"
check "store/db.h is included only inside src/store/ (and the store's own test)" \
	"$(grep -rln '#include "store/db.h"' src tests/unit | grep -vE '^src/store/|^tests/unit/test_store\.c$')"
check "handlers never call free(): request memory is released with the request" \
	"$(grep -nE '(^|[^_a-z])free\(' src/api/*.c)"
echo "1..$n"
exit $fail
