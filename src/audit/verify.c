/*
 * verify.c - checking the sealed audit trail (lf_audit_verify) and proving
 * one record's place in it (lf_audit_proof_get).
 *
 * Verification streams the sealed records in seq order and the checkpoints
 * in batch order side by side, a page of each at a time, so its memory is
 * one batch's leaves whatever the trail's size. What each finding means:
 *   a record's hash or link is wrong      the record was altered (or one
 *                                         before it removed: a seq gap)
 *   a batch's root differs                a record of the batch was
 *                                         altered and the chain rehashed
 *   a checkpoint's hash or signature      the checkpoint was altered
 *   a checkpoint's prev or a batch gap    a checkpoint was removed
 *   records short of a checkpoint's end   the newest records were deleted
 *   a sealed record with no checkpoint    its checkpoint was deleted
 * and, with an anchor (anchor.h):
 *   the anchor's latest batch is newer    the newest records were deleted
 *   than the database's newest            with their checkpoints
 *   a checkpoint differs from its         the database's checkpoint was
 *   anchored copy                         altered or replaced
 */
#include "audit/audit.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics.h"

#define CHECKPOINT_PAGE 256

struct verify_state {
	lf_audit_verdict *v;
	const lf_audit_key *key;
	lf_tx *tx;
	int64_t expect_seq;
	char prev[65];
	/* the checkpoints read ahead, and the one whose batch is being read */
	lf_checkpoint page[CHECKPOINT_PAGE];
	int page_n, page_i;
	int64_t page_after;
	lf_checkpoint cur;
	int have_cur;
	int legacy; /* records from before sealing, not signed yet */
	int64_t expect_batch;
	char cp_prev[65];
	lf_merkle_leaves leaves;
};

struct proof_state {
	lf_merkle_hash *leaves;
	size_t n;
};

static int fail(struct verify_state *vs, int64_t seq, int64_t batch, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int next_checkpoint(struct verify_state *vs, lf_checkpoint **out);
static int open_batch(struct verify_state *vs, const lf_audit_row *row);
static int close_batch(struct verify_state *vs);
static int verify_row(void *ud, const lf_audit_row *row);
static int verify_end(struct verify_state *vs);
static int proof_row(void *ud, const lf_audit_row *row);
static int anchor_fail(lf_audit_verdict *v, int64_t batch, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static const char *checkpoint_diff(const lf_checkpoint *a, const lf_checkpoint *b);
static int compare_anchored(lf_tx *tx, lf_audit_verdict *v, const lf_checkpoint *anchored);
static int check_anchor(lf_tx *tx, const lf_audit_anchor *a, const lf_audit_key *key, int got,
			const lf_checkpoint *latest, lf_audit_verdict *v);

/* Records the first finding and stops the scan. */
static int fail(struct verify_state *vs, int64_t seq, int64_t batch, const char *fmt, ...)
{
	va_list ap;
	vs->v->ok = 0;
	vs->v->broken_seq = seq;
	vs->v->broken_batch = batch;
	va_start(ap, fmt);
	vsnprintf(vs->v->reason, sizeof(vs->v->reason), fmt, ap);
	va_end(ap);
	return LF_ERR_CONFLICT;
}

/* *out NULL past the last checkpoint. */
static int next_checkpoint(struct verify_state *vs, lf_checkpoint **out)
{
	*out = NULL;
	if (vs->page_i == vs->page_n) {
		int ret = lf_store_audit_checkpoints(vs->tx, vs->page_after, vs->page,
						     CHECKPOINT_PAGE, &vs->page_n);
		if (ret != LF_OK)
			return ret;
		vs->page_i = 0;
		if (vs->page_n == 0)
			return LF_OK;
		vs->page_after = vs->page[vs->page_n - 1].batch;
	}
	*out = &vs->page[vs->page_i++];
	return LF_OK;
}

/* row is the first record past the current batch: the next checkpoint
 * must start exactly there, link to the previous one and be signed. */
static int open_batch(struct verify_state *vs, const lf_audit_row *row)
{
	lf_checkpoint *c;
	char why[120];
	int ret = next_checkpoint(vs, &c);
	if (ret != LF_OK)
		return ret;
	if (c == NULL && vs->expect_batch == 1 && row->batch == 1) {
		/* Records from before sealing that the sealer has not signed
		 * yet: their chain is all there is to check. */
		vs->legacy = 1;
		return LF_OK;
	}
	if (c == NULL)
		return fail(vs, row->seq, row->batch,
			    "record %" PRId64 " is sealed in batch %" PRId64
			    " but no checkpoint covers it: the checkpoint was deleted",
			    row->seq, row->batch);
	if (c->batch != vs->expect_batch)
		return fail(vs, row->seq, vs->expect_batch,
			    "checkpoint of batch %" PRId64 " is missing: it was deleted",
			    vs->expect_batch);
	if (c->first_seq != row->seq)
		return fail(vs, row->seq, c->batch,
			    "checkpoint of batch %" PRId64 " starts at seq %" PRId64
			    " but the records continue at seq %" PRId64,
			    c->batch, c->first_seq, row->seq);
	if (strcmp(c->prev, vs->cp_prev) != 0)
		return fail(
		    vs, row->seq, c->batch,
		    "checkpoint of batch %" PRId64
		    " does not link to the previous checkpoint: one was altered or replaced",
		    c->batch);
	if (lf_checkpoint_verify(c, vs->key->pk, why, sizeof(why)) != LF_OK)
		return fail(vs, row->seq, c->batch,
			    "checkpoint of batch %" PRId64 " was altered: %s", c->batch, why);
	vs->cur = *c;
	vs->have_cur = 1;
	vs->leaves.n = 0;
	memcpy(vs->cp_prev, c->hash, 65);
	vs->expect_batch++;
	vs->v->checkpoints++;
	return LF_OK;
}

/* The batch's records are all read: their Merkle root must be the one
 * its checkpoint signed. */
static int close_batch(struct verify_state *vs)
{
	lf_merkle_hash root;
	char hex[65];
	if (!vs->have_cur)
		return LF_OK;
	vs->have_cur = 0;
	if (vs->expect_seq - 1 < vs->cur.last_seq)
		return fail(vs, vs->expect_seq, vs->cur.batch,
			    "records %" PRId64 " to %" PRId64 " of batch %" PRId64
			    " are missing: the newest records were deleted",
			    vs->expect_seq, vs->cur.last_seq, vs->cur.batch);
	if (lf_merkle_root((const lf_merkle_hash *)vs->leaves.v, vs->leaves.n, root) != LF_OK)
		return LF_ERR_INTERNAL;
	sodium_bin2hex(hex, sizeof(hex), root, sizeof(root));
	if (strcmp(hex, vs->cur.root) != 0)
		return fail(vs, vs->cur.first_seq, vs->cur.batch,
			    "the Merkle root of batch %" PRId64
			    " does not match its checkpoint: a record of it was altered",
			    vs->cur.batch);
	return LF_OK;
}

static int verify_row(void *ud, const lf_audit_row *row)
{
	struct verify_state *vs = ud;
	int ret;
	const char *why = lf_audit_link_error(row, vs->expect_seq, vs->prev);
	if (why != NULL)
		return fail(vs, row->seq, row->batch, "%s", why);
	if (!vs->legacy && (!vs->have_cur || row->seq > vs->cur.last_seq)) {
		if ((ret = close_batch(vs)) != LF_OK || (ret = open_batch(vs, row)) != LF_OK)
			return ret;
	}
	if (vs->legacy ? row->batch != 1 : row->batch != vs->cur.batch)
		return fail(vs, row->seq, row->batch,
			    "record %" PRId64 " says batch %" PRId64
			    " but its seq belongs to another batch",
			    row->seq, row->batch);
	if (vs->have_cur && (ret = lf_merkle_leaves_add(&vs->leaves, row->hash)) != LF_OK)
		return ret == LF_ERR_NOMEM ? ret : LF_ERR_INTERNAL;
	vs->v->count++;
	vs->expect_seq++;
	memcpy(vs->prev, row->hash, 65);
	memcpy(vs->v->head, row->hash, 65);
	return LF_OK;
}

/* After the last record: the last batch must be complete, and no
 * checkpoint may be left over (its records were deleted). */
static int verify_end(struct verify_state *vs)
{
	lf_checkpoint *c;
	int ret = close_batch(vs);
	if (ret != LF_OK || (ret = next_checkpoint(vs, &c)) != LF_OK || c == NULL)
		return ret;
	return fail(vs, c->first_seq, c->batch,
		    "checkpoint of batch %" PRId64 " seals records %" PRId64 " to %" PRId64
		    " but they are missing: the newest records were deleted",
		    c->batch, c->first_seq, c->last_seq);
}

/* Records the anchor's finding; LF_OK, since the check itself ran. */
static int anchor_fail(lf_audit_verdict *v, int64_t batch, const char *fmt, ...)
{
	va_list ap;
	v->anchor_ok = 0;
	v->anchor_broken_batch = batch;
	va_start(ap, fmt);
	vsnprintf(v->anchor_reason, sizeof(v->anchor_reason), fmt, ap);
	va_end(ap);
	return LF_OK;
}

/* The first field in which a and b differ, or NULL. */
static const char *checkpoint_diff(const lf_checkpoint *a, const lf_checkpoint *b)
{
	if (a->first_seq != b->first_seq || a->last_seq != b->last_seq)
		return "seq range";
	if (a->sealed_at != b->sealed_at)
		return "time";
	if (strcmp(a->root, b->root) != 0)
		return "root";
	if (strcmp(a->prev, b->prev) != 0)
		return "prev";
	if (strcmp(a->hash, b->hash) != 0)
		return "hash";
	if (strcmp(a->signature, b->signature) != 0 || strcmp(a->key_id, b->key_id) != 0)
		return "signature";
	return NULL;
}

/* The database's checkpoint of the anchored one's batch must be it. */
static int compare_anchored(lf_tx *tx, lf_audit_verdict *v, const lf_checkpoint *anchored)
{
	lf_checkpoint c;
	const char *field;
	int ret = lf_store_audit_checkpoint_get(tx, anchored->batch, &c);
	if (ret == LF_ERR_NOTFOUND)
		return anchor_fail(v, anchored->batch,
				   "checkpoint of batch %" PRId64
				   " is missing from the database: the anchor holds it",
				   anchored->batch);
	if (ret != LF_OK)
		return ret;
	if ((field = checkpoint_diff(&c, anchored)) != NULL)
		return anchor_fail(
		    v, anchored->batch,
		    "checkpoint of batch %" PRId64
		    " differs from its anchored copy (%s): the database's was altered or "
		    "replaced",
		    anchored->batch, field);
	return LF_OK;
}

/*
 * What the database cannot show about itself: its newest batches deleted
 * together with their checkpoints. latest is the anchor's latest.json
 * (got: how reading it went), read before tx's snapshot began, so that a
 * batch sealed and anchored during the check cannot look deleted. An
 * anchor that cannot be read is a finding, not an error of the check: it
 * vouches for nothing then. The anchored copy of a batch the database
 * check found wrong is compared too, so the report says what it was.
 */
static int check_anchor(lf_tx *tx, const lf_audit_anchor *a, const lf_audit_key *key, int got,
			const lf_checkpoint *latest, lf_audit_verdict *v)
{
	lf_checkpoint last, copy;
	char why[120];
	int64_t newest = 0, broken = v->broken_batch;
	v->anchored = 1;
	v->anchor_ok = 1;
	int ret = lf_store_audit_checkpoint_last(tx, &last);
	if (ret == LF_OK)
		newest = last.batch;
	else if (ret != LF_ERR_NOTFOUND)
		return ret;
	if (got == LF_ERR_NOTFOUND) {
		v->anchor_lag = newest;
		return LF_OK;
	}
	if (got == LF_ERR_INVALID)
		return anchor_fail(v, 0, "the anchor's latest.json is not a checkpoint");
	if (got != LF_OK)
		return anchor_fail(v, 0, "cannot read the anchor's latest.json (%s)",
				   lf_err_str(got));
	v->anchor_batch = latest->batch;
	if (lf_checkpoint_verify(latest, key->pk, why, sizeof(why)) != LF_OK)
		return anchor_fail(v, latest->batch, "the anchor's latest checkpoint is forged: %s",
				   why);
	if (latest->batch > newest)
		return anchor_fail(v, newest + 1,
				   "records deleted after batch %" PRId64
				   ": the anchor holds batch %" PRId64
				   " (records up to seq %" PRId64 ")",
				   newest, latest->batch, latest->last_seq);
	v->anchor_lag = newest - latest->batch;
	if ((ret = compare_anchored(tx, v, latest)) != LF_OK || !v->anchor_ok || broken < 1 ||
	    broken >= latest->batch)
		return ret;
	ret = lf_audit_anchor_get(a, broken, &copy);
	if (ret == LF_ERR_NOTFOUND)
		return LF_OK;
	if (ret == LF_ERR_INVALID)
		return anchor_fail(v, broken,
				   "the anchored copy of batch %" PRId64 " is not a checkpoint",
				   broken);
	if (ret != LF_OK)
		return anchor_fail(v, broken,
				   "cannot read the anchored copy of batch %" PRId64 " (%s)",
				   broken, lf_err_str(ret));
	return compare_anchored(tx, v, &copy);
}

int lf_audit_verify(lf_store *s, const lf_audit_key *key, const lf_audit_anchor *anchor,
		    int64_t max_lag_ms, lf_audit_verdict *out)
{
	struct verify_state *vs = calloc(1, sizeof(*vs));
	lf_tx *tx = NULL;
	lf_checkpoint latest;
	int64_t oldest = 0;
	int ret, got = LF_ERR_NOTFOUND;
	memset(out, 0, sizeof(*out));
	if (vs == NULL)
		return LF_ERR_NOMEM;
	out->ok = 1;
	out->max_lag_ms = max_lag_ms;
	memcpy(out->key_id, key->key_id, sizeof(out->key_id));
	vs->v = out;
	vs->key = key;
	vs->expect_seq = 1;
	vs->expect_batch = 1;
	memset(vs->prev, '0', 64);
	memset(vs->cp_prev, '0', 64);
	memcpy(out->head, vs->prev, 65);
	/* Before the snapshot (see check_anchor). */
	if (anchor != NULL)
		got = lf_audit_anchor_get(anchor, 0, &latest);
	if ((ret = lf_store_begin(s, LF_TX_SNAPSHOT, NULL, &tx)) != LF_OK)
		goto cleanup;
	vs->tx = tx;
	ret = lf_store_audit_scan(tx, 1, INT64_MAX, verify_row, vs);
	if (ret == LF_OK)
		ret = verify_end(vs);
	if (ret == LF_ERR_CONFLICT && !out->ok)
		ret = LF_OK;
	if (ret == LF_OK && anchor != NULL)
		ret = check_anchor(tx, anchor, key, got, &latest, out);
	if (ret == LF_OK && out->ok && out->anchored && !out->anchor_ok) {
		out->ok = 0;
		out->broken_batch = out->anchor_broken_batch;
		memcpy(out->reason, out->anchor_reason, sizeof(out->reason));
	}
	if (ret == LF_OK)
		ret = lf_store_audit_unsealed_stats(tx, &out->unsealed, &oldest);
	if (ret != LF_OK)
		goto cleanup;
	out->oldest_unsealed_ms = out->unsealed > 0 ? lf_now_ms() - oldest : 0;
	if (out->ok && out->oldest_unsealed_ms > max_lag_ms) {
		out->ok = 0;
		snprintf(out->reason, sizeof(out->reason),
			 "%" PRId64 " records wait for sealing, the oldest for %" PRId64
			 " ms, longer than %" PRId64 " ms: no sealer is running",
			 out->unsealed, out->oldest_unsealed_ms, max_lag_ms);
	}
	lf_metrics_audit_verified(out->ok, out->count);
cleanup:
	lf_store_rollback(tx);
	free(vs->leaves.v);
	free(vs);
	return ret;
}

static int proof_row(void *ud, const lf_audit_row *row)
{
	struct proof_state *ps = ud;
	if (lf_merkle_leaf(row->hash, ps->leaves[ps->n]) != LF_OK)
		return LF_ERR_INTERNAL;
	ps->n++;
	return LF_OK;
}

int lf_audit_proof_get(lf_store *s, lf_arena *arena, int64_t seq, lf_audit_proof *out)
{
	struct proof_state ps = {0};
	lf_merkle_hash path[LF_MERKLE_MAX_PATH];
	lf_checkpoint *c = &out->checkpoint;
	lf_tx *tx = NULL;
	int64_t unsealed = 0, oldest = 0, size;
	memset(out, 0, sizeof(*out));
	int ret = lf_store_begin(s, LF_TX_SNAPSHOT, arena, &tx);
	if (ret != LF_OK)
		return ret;
	ret = lf_store_audit_get(tx, seq, &out->record);
	if (ret == LF_ERR_NOTFOUND) {
		/* A seq past the sealed part may be a record not sealed yet. */
		if (lf_store_audit_unsealed_stats(tx, &unsealed, &oldest) == LF_OK && unsealed > 0)
			ret = LF_ERR_CONFLICT;
		goto cleanup;
	}
	if (ret != LF_OK)
		goto cleanup;
	/* Records from before sealing wait for their legacy checkpoint. */
	if ((ret = lf_store_audit_checkpoint_get(tx, out->record.batch, c)) == LF_ERR_NOTFOUND)
		ret = LF_ERR_CONFLICT;
	if (ret != LF_OK)
		goto cleanup;
	size = c->last_seq - c->first_seq + 1;
	if (size < 1 || seq < c->first_seq || seq > c->last_seq) {
		ret = LF_ERR_INTERNAL;
		goto cleanup;
	}
	if ((ps.leaves = malloc(sizeof(*ps.leaves) * (size_t)size)) == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	if ((ret = lf_store_audit_scan(tx, c->first_seq, c->last_seq, proof_row, &ps)) != LF_OK)
		goto cleanup;
	/* A batch missing records cannot be proved: verify names the loss. */
	if ((int64_t)ps.n != size) {
		ret = LF_ERR_INTERNAL;
		goto cleanup;
	}
	out->leaf_index = seq - c->first_seq;
	out->tree_size = size;
	if ((ret = lf_merkle_proof(ps.leaves, ps.n, (size_t)out->leaf_index, path,
				   &out->path_len)) != LF_OK)
		goto cleanup;
	for (size_t i = 0; i < out->path_len; i++)
		sodium_bin2hex(out->path[i], sizeof(out->path[i]), path[i], sizeof(path[i]));
cleanup:
	free(ps.leaves);
	lf_store_rollback(tx);
	return ret;
}
