/*
 * batch.h - payout batches: choosing what is payable, moving it into a
 * batch, and paying the batch through an adapter (payout.h) from the job
 * queue, with retries, in constant memory per item.
 */
#ifndef LF_PAYOUT_BATCH_H
#define LF_PAYOUT_BATCH_H

#include <jansson.h>

#include "blob/blob.h"
#include "store/store.h"

#define LF_PAYOUTS_JOB "payout"

/* A minimum for balances in one currency, in its minor units. */
typedef struct lf_payout_minimum {
	char currency[4]; /* ISO 4217 code, upper case */
	int64_t amount;	  /* >= 0 */
} lf_payout_minimum;

typedef struct lf_payout_request {
	const char *idempotency_key;
	const char *adapter; /* "csv" or "webhook" */
	int64_t min_amount;  /* pay balances of at least this (minor units) */
	/* Per-currency minimums that replace min_amount for their currency;
	 * each currency once, and one that some project uses. */
	const lf_payout_minimum *minimums;
	int nminimums;
	const int64_t *user_ids; /* NULL = everyone */
	int nusers;
	int64_t actor_id;
	const char *actor_role;
} lf_payout_request;

/*
 * Creates a batch in one transaction: every payable balance that matches
 * (at least its currency's minimum, else min_amount) becomes an item
 * (payable -> payouts_pending), a job pays it, an audit record notes it. A
 * key used before returns that batch (*replayed = 1), once the request that
 * made it has committed, also when it was still running; the same key with
 * another adapter, min_amount, minimums or set of users is LF_ERR_CONFLICT.
 * A minimum for a currency no project uses is LF_ERR_INVALID
 * "unknown_currency" in why. *out and its *n *items, in arena a, are the
 * batch as the committed transaction saw it.
 */
int lf_payout_batch_create(lf_store *s, lf_arena *a, const lf_payout_request *rq,
			   lf_payout_batch_row *out, lf_payout_item_row **items, int *n,
			   int *replayed, lf_error *why);
/* A batch's stored minimums ("EUR:1000,USD:500", NULL or "" none) as a
 * JSON object {"EUR": 1000, "USD": 500}. New reference. */
json_t *lf_payout_minimums_json(const char *text);

/*
 * Pays a batch's pending items (the job handler). webhook is the server's
 * webhook adapter config ({url, secret}) or NULL. Items the adapter refuses
 * for good, and items still failing on the job's last attempt, go back to
 * payable. Returns LF_ERR_IO while items wait for a retry.
 */
int lf_payout_batch_run(lf_store *s, lf_blob_store *blobs, int64_t batch_id, const json_t *webhook,
			int last_attempt, char *err, size_t errlen);

#endif
