/*
 * seal.h - the audit sealer: turns committed, unsealed records into the
 * verifiable chain, off every transition's path.
 *
 * Appends (audit.h) insert records with no seq and no hash. Every
 * interval the sealer takes the unsealed records in append (id) order, in
 * one write transaction: gives them the next seqs, chains their hashes
 * onto the last sealed record (lf_audit_hash, the formula the chain always
 * had), builds the Merkle root of the batch and writes the batch's
 * checkpoint, chained to the previous one and signed with the
 * installation's key. A record committed after one with a higher id is
 * simply still unsealed and goes into a later batch: none is lost, and
 * the trigger lets none be sealed twice.
 *
 * One sealer at a time: on PostgreSQL every server and worker runs one and
 * each batch first takes a transaction-level advisory lock without
 * waiting, so whoever holds it seals and the others skip the round; on
 * SQLite the batch is a job of the single writer. Should two batches
 * ever overlap all the same, the second hits the UNIQUE seq or the batch
 * key and rolls back whole.
 *
 * A database that had records before sealing existed has them sealed
 * already (seq and hash, batch 1) but no checkpoint: the first batch signs
 * them as checkpoint 1 once their chain verifies, and refuses to sign over
 * a broken one (the trail stays unsealed and verify says why).
 */
#ifndef LF_AUDIT_SEAL_H
#define LF_AUDIT_SEAL_H

#include "audit/anchor.h"
#include "audit/checkpoint.h"
#include "store/store.h"

/* Records per batch at most: bounds the writer's time in one batch. */
#define LF_AUDIT_SEAL_BATCH 5000

typedef struct lf_audit_seal_opts {
	int interval_ms; /* LABELFLOW_AUDIT_SEAL_MS */
	/* Tests only (LABELFLOW_AUDIT_SEAL_TEST_PAUSE_MS): sleep this long
	 * between sealing a batch and committing it, so a test can kill the
	 * process mid-batch. */
	int test_pause_ms;
	/* LABELFLOW_AUDIT_ANCHOR, NULL when unset: after a round that sealed a
	 * batch (and at start, and every interval after a failed upload) a
	 * thread of the sealer's publishes the checkpoints the anchor lacks
	 * (anchor.h), so that a slow anchor never delays sealing. */
	const lf_audit_anchor *anchor;
} lf_audit_seal_opts;

typedef struct lf_audit_sealer lf_audit_sealer;

/*
 * Seals one batch now. *sealed (may be NULL) gets how many records it
 * sealed: 0 when there were none, or when another process holds the
 * sealer's turn. LF_ERR_CONFLICT when the pre-sealing chain is broken
 * and cannot be signed; LF_ERR_FORBIDDEN when the newest checkpoint was
 * signed with another key than key (a misconfigured process: it must
 * not extend a chain its verifiers would call forged).
 */
int lf_audit_seal_once(lf_store *s, const lf_audit_key *key, const lf_audit_seal_opts *o,
		       int64_t *sealed);

/* Starts a thread that seals every o->interval_ms until stopped. key and
 * s must outlive it. */
int lf_audit_seal_start(lf_store *s, const lf_audit_key *key, const lf_audit_seal_opts *o,
			lf_audit_sealer **out);

/* Stops the thread after a last round, so that a clean shutdown leaves
 * nothing of its own unsealed (nor unanchored, when the anchor answers).
 * NULL is allowed. */
void lf_audit_seal_stop(lf_audit_sealer *sl);

#endif
