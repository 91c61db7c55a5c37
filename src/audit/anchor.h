/*
 * anchor.h - the signed checkpoints published outside the database
 * (LABELFLOW_AUDIT_ANCHOR).
 *
 * The database alone cannot show that its newest records were deleted
 * together with their checkpoints: what is left is a shorter chain that
 * verifies. So the sealer copies every checkpoint, once its batch has
 * committed, to blob storage that database access does not reach:
 *
 *   checkpoints/<batch, 12 digits>.json   one per batch, never changed
 *   checkpoints/latest.json               the newest anchored one
 *
 * each the checkpoint's fields as JSON (lf_checkpoint_to_json), under the
 * prefix "audit-anchor/" when the anchor is the main blob storage itself.
 * The anchor only grows along the chain: a checkpoint is published only
 * when it is the next batch after latest.json and links to it, so a
 * database whose newest batches were deleted and sealed anew never
 * overwrites the evidence. Verification (audit.h) compares the database
 * with latest.json, and with the anchored copy of a batch it found wrong.
 */
#ifndef LF_AUDIT_ANCHOR_H
#define LF_AUDIT_ANCHOR_H

#include <jansson.h>

#include "audit/checkpoint.h"
#include "blob/blob.h"
#include "store/store.h"

typedef struct lf_audit_anchor {
	lf_blob_store *bs;
	const char *prefix; /* "" or "audit-anchor/" */
} lf_audit_anchor;

/* The checkpoint as JSON: batch, first_seq, last_seq, sealed_at, root,
 * prev, hash, signature, key_id. Owner: caller (json_decref). */
json_t *lf_checkpoint_to_json(const lf_checkpoint *c);

/* The reverse; LF_ERR_INVALID when a field is missing, of the wrong type
 * or too long. Whether it verifies is lf_checkpoint_verify's business. */
int lf_checkpoint_from_json(const json_t *j, lf_checkpoint *out);

/*
 * Reads the anchored checkpoint of batch, or latest.json when batch is 0.
 * LF_ERR_NOTFOUND when there is none, LF_ERR_INVALID when the object is
 * not a checkpoint, blob errors (LF_ERR_IO, LF_ERR_AUTH) as they come.
 */
int lf_audit_anchor_get(const lf_audit_anchor *a, int64_t batch, lf_checkpoint *out);

/*
 * Publishes the database's checkpoints that the anchor lacks: every one
 * after latest.json's batch, in batch order, each after checking that it
 * is signed by key and links to the one before; latest.json last. Runs
 * outside any transaction of the caller. A failed upload leaves the
 * anchor consistent and is simply redone by the next call. *newest gets the database's newest
 * batch, and *anchored the anchor's newest once it has been read (left as it was when it cannot
 * be). why gets a sentence when the database's next checkpoint does not
 * continue the anchored chain or the anchor's latest.json is not a
 * checkpoint (LF_ERR_CONFLICT): verify names that, and nothing is
 * published over it; else it is "" and a failure is the blob store's.
 */
int lf_audit_anchor_sync(lf_store *s, const lf_audit_anchor *a, const lf_audit_key *key,
			 int64_t *anchored, int64_t *newest, char *why, size_t whylen);

#endif
