/*
 * audit.h - the tamper-evident audit trail.
 *
 * Every state change appends one record in the same transaction as the
 * change itself, through lf_audit_append and nothing else. The sealer
 * (seal.h) then chains committed records in batches: each record's hash
 * is SHA-256 over the previous record's hash and a canonical encoding of
 * the record, and each batch ends with a signed checkpoint over the
 * Merkle root of its hashes (checkpoint.h, merkle.h). Editing or deleting
 * any record or checkpoint (or reordering) breaks a hash, a root or a
 * signature, which lf_audit_verify reports; lf_audit_proof_get proves one
 * record's place in a signed checkpoint to anyone.
 *
 *   lf_audit_action_at   the actions the trail records
 *   lf_audit_append      append a record (unsealed)
 *   lf_audit_hash        a record's chain hash
 *   lf_audit_link_error  whether a record follows its predecessor
 *   lf_audit_verify      check the whole trail (verify.c)
 *   lf_audit_proof_get   inclusion proof of one record (verify.c)
 */
#ifndef LF_AUDIT_H
#define LF_AUDIT_H

#include <jansson.h>

#include "audit/anchor.h"
#include "audit/checkpoint.h"
#include "audit/merkle.h"
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

/*
 * Appends ev inside tx (which must be a write transaction), unsealed: it
 * reads no chain tail and takes no lock, so audited transactions never
 * wait for each other. The sealer (seal.h) gives it its place in the
 * chain shortly after it commits. *id (may be NULL) gets its append-order
 * id.
 */
int lf_audit_append(lf_tx *tx, const lf_audit_event *ev, int64_t *id);

/*
 * Computes a record's hash from its fields, seq and prev_hash (the row's
 * own hash field is ignored). out gets 64 lowercase hex chars + NUL. Pure.
 */
void lf_audit_hash(const lf_audit_row *row, char out[65]);

/*
 * Why row cannot be the record at expect_seq after a record of hash prev
 * (a sentence: a gap, a broken link, an altered record), or NULL when it
 * can. Shared by verification and the sealer's check of old records.
 */
const char *lf_audit_link_error(const lf_audit_row *row, int64_t expect_seq, const char *prev);

typedef struct lf_audit_verdict {
	int ok;
	int64_t count;	    /* sealed records checked */
	int64_t broken_seq; /* first bad record (0 when ok or none is to blame) */
	char reason[200];
	char head[65];		    /* hash of the last good record */
	int64_t checkpoints;	    /* checkpoints checked */
	int64_t broken_batch;	    /* first bad batch (0 when ok or none to blame) */
	int64_t unsealed;	    /* records not sealed yet */
	int64_t oldest_unsealed_ms; /* age of the oldest of them (0: none) */
	int64_t max_lag_ms;	    /* the bound it was held to */
	char key_id[17];	    /* the key signatures were checked with */
	/* With an anchor (LABELFLOW_AUDIT_ANCHOR) only: its own finding,
	 * reported even when the database's chain failed first. */
	int anchored;		     /* an anchor was checked */
	int anchor_ok;		     /* it agrees with the database */
	int64_t anchor_batch;	     /* the anchor's newest batch (0: none yet) */
	int64_t anchor_lag;	     /* newer checkpoints not anchored yet */
	int64_t anchor_broken_batch; /* the batch it disagrees on */
	char anchor_reason[200];
} lf_audit_verdict;

/*
 * Checks the whole trail in one read snapshot, streaming: every sealed
 * record's hash and chain link in seq order without gaps, every batch's
 * Merkle root against its checkpoint, every checkpoint's hash, signature
 * (by key, the configured key: a key read from the checkpoints themselves
 * would prove nothing) and link to the previous one without gaps, and that
 * no record has waited for sealing longer than max_lag_ms. With anchor
 * (NULL: none), also that the anchor's latest checkpoint verifies, is no
 * newer than the database's newest (else the newest were deleted) and
 * equals the database's checkpoint of its batch, and that the anchored
 * copy of a batch found wrong in the database equals it. Returns LF_OK
 * when the check ran (the verdict says whether the trail is intact).
 */
int lf_audit_verify(lf_store *s, const lf_audit_key *key, const lf_audit_anchor *anchor,
		    int64_t max_lag_ms, lf_audit_verdict *out);

/* An inclusion proof (GET /api/v1/audit/{seq}/proof). */
typedef struct lf_audit_proof {
	lf_audit_row record;
	int64_t leaf_index, tree_size;
	char path[LF_MERKLE_MAX_PATH][65]; /* hex, leaf side first */
	size_t path_len;
	lf_checkpoint checkpoint;
} lf_audit_proof;

/*
 * The audit path of sealed record seq in its batch's Merkle tree, with the
 * record and its checkpoint; rows in arena. LF_ERR_NOTFOUND when no record
 * has that seq, LF_ERR_CONFLICT when it is past the sealed part while
 * records wait for sealing (not sealed yet).
 */
int lf_audit_proof_get(lf_store *s, lf_arena *arena, int64_t seq, lf_audit_proof *out);

#endif
