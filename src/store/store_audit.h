/*
 * store_audit.h - rows of the audit trail, written only through
 * audit/audit.h, which owns the hash chain. Included by store.h.
 */
#ifndef LF_STORE_AUDIT_H
#define LF_STORE_AUDIT_H

typedef struct lf_audit_row {
	int64_t seq;
	int64_t ts;	  /* ms since epoch */
	int64_t actor_id; /* 0 = system */
	const char *actor_role;
	const char *action;
	const char *entity_type;
	const char *entity_id;
	int64_t project_id, task_id; /* 0 = none */
	const char *from_state, *to_state;
	const char *details;	      /* canonical JSON text */
	const char *prev_hash, *hash; /* 64 hex chars */
} lf_audit_row;

typedef struct lf_audit_filter {
	int64_t project_id, task_id, actor_id; /* 0 = any */
	const char *action;		       /* NULL = any */
	int64_t since, until;		       /* ms, 0 = open */
	int64_t before_seq;		       /* keyset cursor, 0 = newest */
	int limit;
} lf_audit_filter;

/* Takes the audit chain's append turn now, held until tx ends (what
 * lf_store_audit_tail does first anyway). For transactions that will lock
 * other hot rows (escrow balances) before appending: taking the turn first
 * keeps one queue instead of two and one lock order everywhere. A no-op
 * where the single writer already serializes appends (SQLite). */
int lf_store_audit_lock(lf_tx *tx);
/* Last record's seq and hash (seq 0 and 64 zeros on an empty trail). */
int lf_store_audit_tail(lf_tx *tx, int64_t *seq, char hash[65]);
int lf_store_audit_insert(lf_tx *tx, const lf_audit_row *row);
/* Newest first, matching filter; *items is arena memory. */
int lf_store_audit_list(lf_tx *tx, const lf_audit_filter *f, lf_audit_row **items, int *n);

/* Callback for lf_store_audit_scan: return LF_OK to go on. */
typedef int (*lf_audit_scan_cb)(void *ud, const lf_audit_row *row);
/* Streams every record in seq order without holding them in memory. */
int lf_store_audit_scan(lf_tx *tx, lf_audit_scan_cb cb, void *ud);

#endif
