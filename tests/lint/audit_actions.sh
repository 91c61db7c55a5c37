#!/bin/sh
# The audit filter matches exact action names and clients offer the list
# lf_audit_action_at gives (GET /api/v1/meta), so every action a module
# records must be in src/audit/audit.c's table, or people could not pick
# it. Action names are "<area>.<verb>" string literals in src/; task
# actions are "task.<event>" from the workflow table and need no entry.
# A new area must be added to areas below as well as to the table.
cd "$(dirname "$0")/../.."
areas='auth|user|project|member|import|tasks|media|export|escrow|payout'
missing=""
for a in $(grep -rhoE "\"($areas)\\.[a-z_]+\"" src --include=*.c | sort -u); do
	grep -qF "$a" src/audit/audit.c || missing="$missing $a"
done
if [ -z "$missing" ]; then
	echo "ok 1 - every audit action in src/ is listed in src/audit/audit.c"
else
	echo "not ok 1 - every audit action in src/ is listed in src/audit/audit.c"
	echo "# missing:$missing"
fi
echo "1..1"
[ -z "$missing" ]
