/*
 * seal.c - the audit sealer (see seal.h): one batch per write transaction,
 * a thread that runs batches every interval.
 */
#include "audit/seal.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "audit/merkle.h"
#include "core/log.h"
#include "metrics/metrics.h"
#include "store/store.h"

struct batch {
	const lf_audit_key *key;
	const lf_audit_seal_opts *o;
	lf_audit_row *rows; /* what was sealed (arena) */
	int n;
	int64_t sealed_at;
	int64_t legacy; /* records signed as the legacy checkpoint */
};

struct legacy_state {
	int64_t expect_seq;
	char prev[65];
	lf_merkle_leaves leaves;
	const char *why;
	int64_t broken_seq;
};

struct lf_audit_sealer {
	lf_store *store;
	const lf_audit_key *key;
	lf_audit_seal_opts o;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	int last_err; /* logged once until it changes */
	/* Anchoring runs on a thread of its own, so that an anchor slow to
	 * answer (a connect timeout is seconds) never delays sealing. The
	 * sealer wakes it after a round that sealed a batch. */
	pthread_t anchor_th;
	pthread_cond_t anchor_cv;
	int anchor_started;
	int anchor_wake; /* under mu */
	/* The anchor thread's own: the anchor lacks checkpoints (at start, as
	 * it may lag behind the database, and after a failed upload), retried
	 * every interval. */
	int anchor_due;
	int anchor_err;
	int64_t anchored; /* the anchor's newest batch, as last read */
};

static int legacy_row(void *ud, const lf_audit_row *row);
static int seal_legacy(lf_tx *tx, struct batch *b, int64_t last_seq);
static int close_batch(lf_tx *tx, struct batch *b, const lf_checkpoint *prev,
		       const lf_merkle_hash *leaves, size_t n, int64_t first, int64_t last);
static int seal_tx(lf_tx *tx, void *ud);
static void anchor_round(lf_audit_sealer *sl);
static void round_once(lf_audit_sealer *sl);
static void deadline(int ms, struct timespec *until);
static void *sealer_main(void *arg);
static void *anchor_main(void *arg);

static int legacy_row(void *ud, const lf_audit_row *row)
{
	struct legacy_state *ls = ud;
	if ((ls->why = lf_audit_link_error(row, ls->expect_seq, ls->prev)) == NULL &&
	    row->batch != 1)
		ls->why = "a record sealed before sealing existed is not in batch 1";
	if (ls->why != NULL) {
		ls->broken_seq = row->seq;
		return LF_ERR_CONFLICT;
	}
	int ret = lf_merkle_leaves_add(&ls->leaves, row->hash);
	if (ret != LF_OK)
		return ret == LF_ERR_NOMEM ? ret : LF_ERR_INTERNAL;
	ls->expect_seq++;
	memcpy(ls->prev, row->hash, 65);
	return LF_OK;
}

/* The records chained before sealing existed become batch 1, but only
 * after their chain checks out: a signature over a broken chain would
 * certify the tampering. */
static int seal_legacy(lf_tx *tx, struct batch *b, int64_t last_seq)
{
	struct legacy_state ls = {.expect_seq = 1};
	lf_checkpoint none = {0};
	memset(ls.prev, '0', 64);
	memset(none.hash, '0', 64);
	int ret = lf_store_audit_scan(tx, 1, last_seq, legacy_row, &ls);
	if (ret == LF_OK && ls.expect_seq != last_seq + 1)
		ret = LF_ERR_INTERNAL;
	if (ret == LF_ERR_CONFLICT)
		lf_log(LF_LOG_ERROR,
		       "audit: the chain sealed before checkpoints is broken at seq %lld (%s); "
		       "refusing to sign it: nothing will be sealed until it is repaired",
		       (long long)ls.broken_seq, ls.why);
	if (ret == LF_OK)
		ret = close_batch(tx, b, &none, (const lf_merkle_hash *)ls.leaves.v, ls.leaves.n, 1,
				  last_seq);
	if (ret == LF_OK)
		b->legacy = last_seq;
	free(ls.leaves.v);
	return ret;
}

/* Writes the checkpoint after prev (batch 0 and 64 zeros: none) over
 * leaves, for seqs first..last. */
static int close_batch(lf_tx *tx, struct batch *b, const lf_checkpoint *prev,
		       const lf_merkle_hash *leaves, size_t n, int64_t first, int64_t last)
{
	lf_merkle_hash root;
	lf_checkpoint c;
	memset(&c, 0, sizeof(c));
	int ret = lf_merkle_root(leaves, n, root);
	if (ret != LF_OK)
		return ret;
	c.batch = prev->batch + 1;
	c.first_seq = first;
	c.last_seq = last;
	c.sealed_at = b->sealed_at;
	sodium_bin2hex(c.root, sizeof(c.root), root, sizeof(root));
	memcpy(c.prev, prev->hash, 65);
	if ((ret = lf_checkpoint_sign(&c, b->key)) != LF_OK)
		return ret;
	return lf_store_audit_checkpoint_insert(tx, &c);
}

static int seal_tx(lf_tx *tx, void *ud)
{
	struct batch *b = ud;
	lf_checkpoint last;
	lf_audit_row prev_row;
	lf_merkle_hash *leaves = NULL;
	int mine = 0, ret;
	b->n = 0;
	b->legacy = 0;
	b->sealed_at = lf_now_ms();
	if ((ret = lf_store_audit_seal_turn(tx, &mine)) != LF_OK || !mine)
		return ret;
	ret = lf_store_audit_checkpoint_last(tx, &last);
	if (ret == LF_ERR_NOTFOUND) {
		int64_t count = 0, max_seq = 0;
		if ((ret = lf_store_audit_sealed_stats(tx, &count, &max_seq)) != LF_OK)
			return ret;
		if (count > 0)
			return seal_legacy(tx, b, max_seq);
		memset(&last, 0, sizeof(last));
		memset(last.hash, '0', 64);
		prev_row.hash = last.hash;
	} else if (ret != LF_OK) {
		return ret;
	} else if (strcmp(last.key_id, b->key->key_id) != 0) {
		/* A process started with another key file would sign batches
		 * that every verifier (holding the configured key) calls forged:
		 * it leaves the sealing to the others. */
		return LF_ERR_FORBIDDEN;
	} else if ((ret = lf_store_audit_get(tx, last.last_seq, &prev_row)) != LF_OK) {
		/* The newest checkpoint's last record is gone: verify names it;
		 * sealing onto a guess would hide it. */
		return ret == LF_ERR_NOTFOUND ? LF_ERR_CONFLICT : ret;
	}
	if ((ret = lf_store_audit_unsealed(tx, LF_AUDIT_SEAL_BATCH, &b->rows, &b->n)) != LF_OK ||
	    b->n == 0)
		return ret;
	leaves = malloc(sizeof(*leaves) * (size_t)b->n);
	if (leaves == NULL)
		return LF_ERR_NOMEM;
	const char *prev = prev_row.hash;
	for (int i = 0; i < b->n; i++) {
		lf_audit_row *r = &b->rows[i];
		char *hash = lf_arena_alloc(lf_store_arena(tx), 65);
		if (hash == NULL) {
			ret = LF_ERR_NOMEM;
			goto cleanup;
		}
		r->seq = last.last_seq + 1 + i;
		r->batch = last.batch + 1;
		r->prev_hash = prev;
		lf_audit_hash(r, hash);
		r->hash = hash;
		prev = hash;
		if ((ret = lf_merkle_leaf(hash, leaves[i])) != LF_OK)
			goto cleanup;
	}
	if ((ret = lf_store_audit_seal(tx, b->rows, b->n)) != LF_OK ||
	    (ret = close_batch(tx, b, &last, (const lf_merkle_hash *)leaves, (size_t)b->n,
			       last.last_seq + 1, last.last_seq + b->n)) != LF_OK)
		goto cleanup;
	if (b->o->test_pause_ms > 0) {
		struct timespec ts = {b->o->test_pause_ms / 1000,
				      (long)(b->o->test_pause_ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
cleanup:
	free(leaves);
	if (ret != LF_OK)
		b->n = 0;
	return ret;
}

int lf_audit_seal_once(lf_store *s, const lf_audit_key *key, const lf_audit_seal_opts *o,
		       int64_t *sealed)
{
	struct batch b = {.key = key, .o = o};
	lf_arena *arena = lf_arena_create();
	if (arena == NULL)
		return LF_ERR_NOMEM;
	int ret = lf_store_write(s, arena, seal_tx, &b);
	if (ret == LF_OK && b.n > 0) {
		int64_t *lag = lf_arena_alloc(arena, sizeof(*lag) * (size_t)b.n);
		for (int i = 0; lag != NULL && i < b.n; i++)
			lag[i] = b.sealed_at - b.rows[i].ts;
		lf_metrics_audit_sealed(b.n, lag, lag != NULL ? b.n : 0);
	}
	if (ret == LF_OK && b.legacy > 0)
		lf_log(LF_LOG_INFO, "audit: signed the %lld records sealed before checkpoints",
		       (long long)b.legacy);
	if (sealed != NULL)
		*sealed = ret == LF_OK ? b.n + b.legacy : 0;
	lf_arena_destroy(arena);
	return ret;
}

/* After the batches committed, never inside their transaction: the
 * upload may be slow or fail, and the checkpoints are safe in the
 * database meanwhile. */
static void anchor_round(lf_audit_sealer *sl)
{
	int64_t newest = 0;
	char why[200];
	int ret = lf_audit_anchor_sync(sl->store, sl->o.anchor, sl->key, &sl->anchored, &newest,
				       why, sizeof(why));
	/* Behind the database only; an anchor ahead of it is verify's finding. */
	lf_metrics_audit_anchor_lag(newest > sl->anchored ? newest - sl->anchored : 0);
	sl->anchor_due = ret != LF_OK;
	if (ret != LF_OK && why[0] != '\0' && ret != sl->anchor_err)
		lf_log(LF_LOG_ERROR,
		       "audit: not anchoring checkpoints: %s; `labelflow audit verify` names what "
		       "changed",
		       why);
	else if (ret != LF_OK && ret != sl->anchor_err)
		lf_log(LF_LOG_ERROR,
		       "audit: cannot publish checkpoints to LABELFLOW_AUDIT_ANCHOR (%s); "
		       "retrying every %d ms",
		       lf_err_str(ret), sl->o.interval_ms);
	else if (ret == LF_OK && sl->anchor_err != LF_OK)
		lf_log(LF_LOG_INFO, "audit: checkpoints anchored again, up to batch %lld",
		       (long long)sl->anchored);
	sl->anchor_err = ret;
}

/* Drains: a full batch means more are waiting. */
static void round_once(lf_audit_sealer *sl)
{
	int64_t n = 0, total = 0;
	int ret;
	do {
		ret = lf_audit_seal_once(sl->store, sl->key, &sl->o, &n);
		total += n;
	} while (ret == LF_OK && n >= LF_AUDIT_SEAL_BATCH);
	if (sl->o.anchor != NULL && total > 0) {
		pthread_mutex_lock(&sl->mu);
		sl->anchor_wake = 1;
		pthread_cond_signal(&sl->anchor_cv);
		pthread_mutex_unlock(&sl->mu);
	}
	if (ret == LF_ERR_FORBIDDEN && ret != sl->last_err)
		lf_log(LF_LOG_ERROR,
		       "audit: the chain is signed with another key than this process's (%s); "
		       "not sealing: give every server and worker the same LABELFLOW_AUDIT_KEY",
		       sl->key->key_id);
	else if (ret != LF_OK && ret != sl->last_err)
		lf_log(LF_LOG_ERROR, "audit: sealing failed (%s); retrying every %d ms",
		       lf_err_str(ret), sl->o.interval_ms);
	sl->last_err = ret;
}

static void deadline(int ms, struct timespec *until)
{
	clock_gettime(CLOCK_REALTIME, until);
	int64_t ns = until->tv_nsec + (int64_t)ms * 1000000;
	until->tv_sec += (time_t)(ns / 1000000000);
	until->tv_nsec = (long)(ns % 1000000000);
}

static void *sealer_main(void *arg)
{
	lf_audit_sealer *sl = arg;
	pthread_mutex_lock(&sl->mu);
	while (!sl->stop) {
		struct timespec until;
		deadline(sl->o.interval_ms, &until);
		while (!sl->stop && pthread_cond_timedwait(&sl->cv, &sl->mu, &until) != ETIMEDOUT)
			;
		pthread_mutex_unlock(&sl->mu);
		round_once(sl);
		pthread_mutex_lock(&sl->mu);
	}
	pthread_mutex_unlock(&sl->mu);
	return NULL;
}

/* Syncs when woken by the sealer, and every interval while the anchor
 * is behind. */
static void *anchor_main(void *arg)
{
	lf_audit_sealer *sl = arg;
	pthread_mutex_lock(&sl->mu);
	while (!sl->stop) {
		struct timespec until;
		deadline(sl->o.interval_ms, &until);
		while (!sl->stop && !sl->anchor_wake &&
		       pthread_cond_timedwait(&sl->anchor_cv, &sl->mu, &until) != ETIMEDOUT)
			;
		int due = !sl->stop && (sl->anchor_wake || sl->anchor_due);
		sl->anchor_wake = 0;
		pthread_mutex_unlock(&sl->mu);
		if (due)
			anchor_round(sl);
		pthread_mutex_lock(&sl->mu);
	}
	pthread_mutex_unlock(&sl->mu);
	return NULL;
}

int lf_audit_seal_start(lf_store *s, const lf_audit_key *key, const lf_audit_seal_opts *o,
			lf_audit_sealer **out)
{
	lf_audit_sealer *sl = calloc(1, sizeof(*sl));
	if (sl == NULL)
		return LF_ERR_NOMEM;
	sl->store = s;
	sl->key = key;
	sl->o = *o;
	sl->anchor_due = o->anchor != NULL;
	pthread_mutex_init(&sl->mu, NULL);
	pthread_cond_init(&sl->cv, NULL);
	pthread_cond_init(&sl->anchor_cv, NULL);
	if (o->anchor != NULL) {
		if (pthread_create(&sl->anchor_th, NULL, anchor_main, sl) != 0)
			goto fail;
		sl->anchor_started = 1;
	}
	if (pthread_create(&sl->th, NULL, sealer_main, sl) != 0)
		goto fail;
	*out = sl;
	return LF_OK;
fail:
	if (sl->anchor_started) {
		pthread_mutex_lock(&sl->mu);
		sl->stop = 1;
		pthread_cond_signal(&sl->anchor_cv);
		pthread_mutex_unlock(&sl->mu);
		pthread_join(sl->anchor_th, NULL);
	}
	pthread_mutex_destroy(&sl->mu);
	pthread_cond_destroy(&sl->cv);
	pthread_cond_destroy(&sl->anchor_cv);
	free(sl);
	return LF_ERR_NOMEM;
}

void lf_audit_seal_stop(lf_audit_sealer *sl)
{
	if (sl == NULL)
		return;
	pthread_mutex_lock(&sl->mu);
	sl->stop = 1;
	pthread_cond_signal(&sl->cv);
	pthread_cond_signal(&sl->anchor_cv);
	pthread_mutex_unlock(&sl->mu);
	pthread_join(sl->th, NULL);
	if (sl->anchor_started)
		pthread_join(sl->anchor_th, NULL);
	sl->o.test_pause_ms = 0;
	round_once(sl);
	/* What the last round sealed is published too, unless the anchor is
	 * unreachable (then it waits for the next start). */
	if (sl->o.anchor != NULL)
		anchor_round(sl);
	pthread_mutex_destroy(&sl->mu);
	pthread_cond_destroy(&sl->cv);
	pthread_cond_destroy(&sl->anchor_cv);
	free(sl);
}
