/*
 * audit.h - the tamper-evident audit trail.
 *
 * Every state change appends one record in the same transaction as the
 * change itself, through lf_audit_append and nothing else. Each record's
 * hash is SHA-256 over the previous record's hash and a canonical encoding
 * of the record, so editing or deleting any record (or reordering) breaks
 * every hash after it, which lf_audit_verify reports.
 */
#ifndef LF_AUDIT_H
#define LF_AUDIT_H

#include <jansson.h>

#include "store/store.h"

typedef struct lf_audit_event {
	int64_t actor_id;	/* 0 = the system (sweeper, migrations) */
	const char *actor_role; /* role the actor acted in, may be NULL */
	const char *action;	/* e.g. "user.create", "task.claim" */
	const char *entity_type;
	const char *entity_id; /* may be NULL */
	int64_t project_id, task_id;
	const char *from_state, *to_state;
	const json_t *details; /* borrowed; NULL means {} */
} lf_audit_event;

/*
 * Writes the i-th action the trail records to buf ("user.create", and
 * "task.<event>" for every workflow event, e.g. "task.l2_reject") and
 * returns 1; 0 past the last. The audit filter matches exact names, so
 * clients offer this list (GET /api/v1/meta) instead of making people
 * guess; tests/lint/audit_actions.sh keeps it complete.
 */
int lf_audit_action_at(size_t i, char *buf, size_t len);

/* Appends ev to the chain inside tx (which must be a write transaction).
 * *seq (may be NULL) gets the new record's sequence number. */
int lf_audit_append(lf_tx *tx, const lf_audit_event *ev, int64_t *seq);

/*
 * Takes the audit chain's append turn in tx now and keeps it until tx
 * ends; lf_audit_append later in tx takes it again at no cost. The lock
 * order rule: a transaction that will lock other hot rows (a project's
 * escrow and held balances) and then append takes the turn first, so
 * nobody waits for the audit tail while holding those rows: one queue,
 * not two, and one lock order (audit turn, then balances) everywhere.
 * Ledger postings do it (ledger/ledger.c). Where the single writer
 * already serializes appends (SQLite) it costs nothing.
 */
int lf_audit_turn(lf_tx *tx);

/*
 * Computes a record's hash from its fields and prev_hash (the row's own
 * hash field is ignored). out gets 64 lowercase hex chars + NUL. Pure.
 */
void lf_audit_hash(const lf_audit_row *row, char out[65]);

typedef struct lf_audit_verdict {
	int ok;
	int64_t count;	    /* records checked */
	int64_t broken_seq; /* first bad record (0 when ok) */
	char reason[160];
	char head[65]; /* hash of the last good record */
} lf_audit_verdict;

/* Recomputes the whole chain in one read snapshot, streaming. Returns LF_OK
 * when the check ran (the verdict says whether the chain is intact). */
int lf_audit_verify(lf_store *s, lf_audit_verdict *out);

#endif
