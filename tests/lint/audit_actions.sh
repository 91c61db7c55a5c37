#!/bin/sh
# The audit filter matches exact action names and clients offer the list
# lf_audit_action_at gives (GET /api/v1/meta), so every action a module
# records must be in src/audit/audit.c's table, or people could not pick
# it. Action names are "<area>.<verb>" string literals in src/; task
# actions are "task.<event>" from the workflow table and need no entry.
# Two nets: names of the known areas anywhere, and any dotted name on a
# line that records an audit entry (audit...( or .action =), which
# catches a new area recorded that way.
cd "$(dirname "$0")/../.."
areas='auth|user|project|member|import|tasks|media|export|escrow|payout|source|ml_backend|ml'
names=$({
	grep -rhoE "\"($areas)\\.[a-z_.]+\"" src --include=*.c
	grep -rhE 'audit[a-z_]*\(|\.action *=' src --include=*.c | grep -oE '"[a-z_]+\.[a-z_.]+"' |
		grep -v '^"task\.'
} | sort -u)
missing=""
for a in $names; do
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
