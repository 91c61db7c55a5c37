/*
 * store_audit.h - rows of the audit trail and its checkpoints, written
 * only through audit/audit.h (appends) and audit/seal.h (sealing), which
 * own the hash chain. Included by store.h.
 */
#ifndef LF_STORE_AUDIT_H
#define LF_STORE_AUDIT_H

#include "audit/checkpoint.h"

typedef struct lf_audit_row {
	int64_t id;	  /* append order */
	int64_t seq;	  /* chain position; 0 until sealed */
	int64_t batch;	  /* the checkpoint that sealed it; 0 until sealed */
	int64_t ts;	  /* ms since epoch */
	int64_t actor_id; /* 0 = system */
	const char *actor_role;
	const char *action;
	const char *entity_type;
	const char *entity_id;
	int64_t project_id, task_id; /* 0 = none */
	const char *from_state, *to_state;
	const char *details;	      /* canonical JSON text */
	const char *prev_hash, *hash; /* 64 hex chars; NULL until sealed */
} lf_audit_row;

typedef struct lf_audit_filter {
	int64_t project_id, task_id, actor_id; /* 0 = any */
	const char *action;		       /* NULL = any */
	int64_t since, until;		       /* ms, 0 = open */
	int64_t before_id;		       /* keyset cursor, 0 = newest */
	int limit;
} lf_audit_filter;

/* Inserts the record unsealed (seq, prev_hash, hash and batch NULL; row's
 * are ignored). *id (may be NULL) gets its append-order id. */
int lf_store_audit_insert(lf_tx *tx, const lf_audit_row *row, int64_t *id);
/* Newest first (by id), matching filter, sealed or not; *items is arena
 * memory. */
int lf_store_audit_list(lf_tx *tx, const lf_audit_filter *f, lf_audit_row **items, int *n);

/* Whether tx may seal now (*mine): one sealer at a time. PostgreSQL
 * processes race for an advisory lock held to the end of tx, without
 * waiting, and the loser's round is simply skipped; on SQLite the writer
 * is the turn itself, so *mine is always 1. */
int lf_store_audit_seal_turn(lf_tx *tx, int *mine);
/* Up to limit unsealed records, oldest id first (arena copies). */
int lf_store_audit_unsealed(lf_tx *tx, int limit, lf_audit_row **items, int *n);
/* How many records are unsealed and the ts of the oldest (0 when none). */
int lf_store_audit_unsealed_stats(lf_tx *tx, int64_t *count, int64_t *oldest_ts);
/* Seals rows[0..n): sets each one's seq, prev_hash, hash and batch, found
 * by id. The trigger lets each record be sealed once. */
int lf_store_audit_seal(lf_tx *tx, const lf_audit_row *rows, int n);
/* The sealed record at seq, arena copies; LF_ERR_NOTFOUND if none. */
int lf_store_audit_get(lf_tx *tx, int64_t seq, lf_audit_row *out);
/* How many records are sealed and the highest seq (0, 0 when none). */
int lf_store_audit_sealed_stats(lf_tx *tx, int64_t *count, int64_t *max_seq);

/* Up to limit sealed records with seq > after, in seq order (arena
 * copies): what follows a reader's cursor (the webhook dispatcher's). */
int lf_store_audit_sealed_after(lf_tx *tx, int64_t after, int limit, lf_audit_row **items, int *n);
/* The highest sealed seq (0: none), without counting the trail. */
int lf_store_audit_sealed_max(lf_tx *tx, int64_t *seq);

/* Callback for lf_store_audit_scan: return LF_OK to go on. */
typedef int (*lf_audit_scan_cb)(void *ud, const lf_audit_row *row);
/* Streams the sealed records with seq in [first, last] in seq order
 * without holding them in memory. */
int lf_store_audit_scan(lf_tx *tx, int64_t first, int64_t last, lf_audit_scan_cb cb, void *ud);

/* The newest checkpoint; LF_ERR_NOTFOUND when there is none yet. */
int lf_store_audit_checkpoint_last(lf_tx *tx, lf_checkpoint *out);
/* The checkpoint of batch; LF_ERR_NOTFOUND if none. */
int lf_store_audit_checkpoint_get(lf_tx *tx, int64_t batch, lf_checkpoint *out);
/* Up to max checkpoints after batch after, in batch order, into out. */
int lf_store_audit_checkpoints(lf_tx *tx, int64_t after, lf_checkpoint *out, int max, int *n);
/* Appends c; LF_ERR_CONFLICT when its batch exists (another sealer). */
int lf_store_audit_checkpoint_insert(lf_tx *tx, const lf_checkpoint *c);

#endif
