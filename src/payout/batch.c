/*
 * batch.c - payout batches over the ledger and the adapters.
 */
#include "payout/batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "jobs/jobs.h"
#include "ledger/ledger.h"
#include "payout/payout.h"

struct payable {
	int64_t project_id, user_id, amount;
	char currency[4];
};

struct collect {
	const lf_payout_request *rq;
	struct payable *items; /* malloc'd, freed by the caller */
	int n, cap;
};

static int collect_payable(void *ud, int64_t project_id, int64_t user_id, const char *currency,
			   int64_t amount);
static int64_t minimum_for(const lf_payout_request *rq, const char *currency);
static int minimums_text(lf_arena *a, const lf_payout_request *rq, const char **out);
static int check_minimums(lf_tx *tx, const lf_payout_request *rq, lf_error *why);
static int audit_sent(lf_tx *tx, const lf_payout_item_row *it, const char *ref);
static int item_done(lf_store *s, lf_arena *a, const lf_payout_item_row *it, const char *status,
		     const char *error, const char *ref);
static int write_statement(lf_blob_store *blobs, const lf_payout_batch_row *b,
			   const lf_payout_item_row *items, int n, char *key, size_t keylen);
static void to_adapter_item(const lf_payout_batch_row *b, const lf_payout_item_row *it,
			    lf_payout_item *out, char *key, size_t keylen);

/* Collected first, written after: the cursor over the accounts must not
 * run while the same accounts are updated. */
static int collect_payable(void *ud, int64_t project_id, int64_t user_id, const char *currency,
			   int64_t amount)
{
	struct collect *c = ud;
	int wanted = c->rq->user_ids == NULL;
	for (int i = 0; !wanted && i < c->rq->nusers; i++)
		wanted = c->rq->user_ids[i] == user_id;
	if (!wanted || amount < minimum_for(c->rq, currency))
		return LF_OK;
	if (c->n == c->cap) {
		int cap = c->cap ? c->cap * 2 : 64;
		struct payable *bigger = realloc(c->items, sizeof(*bigger) * (size_t)cap);
		if (bigger == NULL)
			return LF_ERR_NOMEM;
		c->items = bigger;
		c->cap = cap;
	}
	struct payable *p = &c->items[c->n++];
	p->project_id = project_id;
	p->user_id = user_id;
	p->amount = amount;
	snprintf(p->currency, sizeof(p->currency), "%s", currency);
	return LF_OK;
}

/* The minimum a balance in currency must reach: its own, else the
 * batch's single one. */
static int64_t minimum_for(const lf_payout_request *rq, const char *currency)
{
	for (int i = 0; i < rq->nminimums; i++)
		if (strcmp(rq->minimums[i].currency, currency) == 0)
			return rq->minimums[i].amount;
	return rq->min_amount;
}

static int minimum_cmp(const void *a, const void *b)
{
	return strcmp(((const lf_payout_minimum *)a)->currency,
		      ((const lf_payout_minimum *)b)->currency);
}

/* The minimums as stored with the batch, codes sorted, so that the same
 * minimums in another order are the same request. */
static int minimums_text(lf_arena *a, const lf_payout_request *rq, const char **out)
{
	lf_payout_minimum *m = lf_arena_alloc(a, sizeof(*m) * (size_t)(rq->nminimums + 1));
	char *text = lf_arena_alloc(a, 25 * (size_t)rq->nminimums + 1);
	size_t len = 0;
	if (m == NULL || text == NULL)
		return LF_ERR_NOMEM;
	if (rq->nminimums > 0)
		memcpy(m, rq->minimums, sizeof(*m) * (size_t)rq->nminimums);
	qsort(m, (size_t)rq->nminimums, sizeof(*m), minimum_cmp);
	text[0] = '\0';
	for (int i = 0; i < rq->nminimums; i++)
		len += (size_t)sprintf(text + len, "%s%.3s:%lld", len ? "," : "", m[i].currency,
				       (long long)m[i].amount);
	*out = text;
	return LF_OK;
}

json_t *lf_payout_minimums_json(const char *text)
{
	json_t *o = json_object();
	char code[4];
	long long amount;
	int used;
	for (const char *p = text; o != NULL && p != NULL && *p != '\0';) {
		if (sscanf(p, "%3[A-Z]:%lld%n", code, &amount, &used) != 2)
			break;
		json_object_set_new(o, code, json_integer(amount));
		p += used;
		p += *p == ',';
	}
	return o;
}

/* A minimum is for a currency some project pays in: any other code is a
 * typo that would silently apply to nothing. */
static int check_minimums(lf_tx *tx, const lf_payout_request *rq, lf_error *why)
{
	for (int i = 0; i < rq->nminimums; i++) {
		int used = 0;
		int ret = lf_store_currency_used(tx, rq->minimums[i].currency, &used);
		if (ret != LF_OK)
			return ret;
		if (!used)
			return lf_error_set(why, LF_ERR_INVALID, "unknown_currency",
					    "min_amounts names %.3s, which no project pays in.",
					    rq->minimums[i].currency);
	}
	return LF_OK;
}

static int id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The request's users as stored with its batch (see lf_payout_batch_row):
 * the same users in another order, or named twice, are the same request. */
static int users_text(lf_arena *a, const lf_payout_request *rq, const char **out)
{
	if (rq->user_ids == NULL) {
		*out = "*";
		return LF_OK;
	}
	int64_t *ids = lf_arena_alloc(a, sizeof(*ids) * (size_t)(rq->nusers + 1));
	char *text = lf_arena_alloc(a, 21 * (size_t)rq->nusers + 1);
	size_t len = 0;
	if (ids == NULL || text == NULL)
		return LF_ERR_NOMEM;
	memcpy(ids, rq->user_ids, sizeof(*ids) * (size_t)rq->nusers);
	qsort(ids, (size_t)rq->nusers, sizeof(*ids), id_cmp);
	text[0] = '\0';
	for (int i = 0; i < rq->nusers; i++)
		if (i == 0 || ids[i] != ids[i - 1])
			len += (size_t)sprintf(text + len, "%s%lld", len ? "," : "",
					       (long long)ids[i]);
	*out = text;
	return LF_OK;
}

/* Whether an existing batch answers this request: a key names one request,
 * so the same key with other parameters is refused rather than replayed. */
static int same_request(const lf_payout_batch_row *b, const lf_payout_request *rq,
			const char *users, const char *minimums)
{
	if (strcmp(b->adapter, rq->adapter) != 0 || b->min_amount != rq->min_amount ||
	    (b->user_ids != NULL && strcmp(b->user_ids, users) != 0) ||
	    strcmp(b->min_amounts ? b->min_amounts : "", minimums) != 0)
		return LF_ERR_CONFLICT;
	return LF_OK;
}

/* The new batch's contents, in its transaction: items, the money moved
 * into them, the job that pays them and the audit record. */
static int fill_batch(lf_tx *tx, const lf_payout_request *rq, int64_t batch_id, int64_t now)
{
	json_t *details = NULL;
	struct collect c = {.rq = rq};
	int64_t lowest = rq->min_amount;
	int ret;
	/* Read from the lowest minimum; collect_payable applies each
	 * currency's own. */
	for (int i = 0; i < rq->nminimums; i++)
		if (rq->minimums[i].amount < lowest)
			lowest = rq->minimums[i].amount;
	if ((ret = lf_store_payables(tx, lowest, collect_payable, &c)) != LF_OK)
		goto cleanup;
	details = json_pack("{s:s,s:I,s:i,s:{}}", "adapter", rq->adapter, "min_amount",
			    (json_int_t)rq->min_amount, "items", c.n, "totals");
	if (details != NULL && rq->nminimums > 0) {
		json_t *mins = json_object();
		for (int i = 0; mins != NULL && i < rq->nminimums; i++)
			json_object_set_new(mins, rq->minimums[i].currency,
					    json_integer(rq->minimums[i].amount));
		json_object_set_new(details, "min_amounts", mins);
	}
	if (details == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	for (int i = 0; i < c.n; i++) {
		lf_payout_item_row it = {.batch_id = batch_id,
					 .project_id = c.items[i].project_id,
					 .user_id = c.items[i].user_id,
					 .currency = c.items[i].currency,
					 .amount = c.items[i].amount,
					 .created_at = now};
		int64_t item_id;
		if ((ret = lf_store_payout_item_insert(tx, &it, &item_id)) != LF_OK ||
		    (ret = lf_ledger_payout_reserve(tx, it.project_id, it.currency, it.user_id,
						    it.amount, item_id)) != LF_OK)
			goto cleanup;
		json_t *totals = json_object_get(details, "totals");
		lf_money sum = json_integer_value(json_object_get(totals, it.currency));
		if (lf_money_add(sum, it.amount, &sum) != LF_OK) {
			ret = LF_ERR_LIMIT;
			goto cleanup;
		}
		json_object_set_new(totals, it.currency, json_integer(sum));
	}
	if (c.n == 0 && (ret = lf_store_payout_batch_set(tx, batch_id, "done", NULL, now)) != LF_OK)
		goto cleanup;
	if (c.n > 0) {
		json_t *payload = json_pack("{s:I}", "batch_id", (json_int_t)batch_id);
		ret = lf_jobs_enqueue_max(tx, LF_PAYOUTS_JOB, payload, 0, 8, NULL);
		json_decref(payload);
		if (ret != LF_OK)
			goto cleanup;
	}
	char id[32];
	snprintf(id, sizeof(id), "%lld", (long long)batch_id);
	lf_audit_event ev = {.actor_id = rq->actor_id,
			     .actor_role = rq->actor_role,
			     .action = "payout.create",
			     .entity_type = "payout_batch",
			     .entity_id = id,
			     .to_state = c.n ? "queued" : "done",
			     .details = details};
	ret = lf_audit_append(tx, &ev, NULL);
cleanup:
	json_decref(details);
	free(c.items);
	return ret;
}

int lf_payout_batch_create(lf_store *s, lf_arena *a, const lf_payout_request *rq,
			   lf_payout_batch_row *out, lf_payout_item_row **items, int *n,
			   int *replayed, lf_error *why)
{
	lf_tx *tx = NULL;
	const char *users, *minimums;
	int64_t batch_id = 0;
	int ret;
	*replayed = 0;
	if ((ret = users_text(a, rq, &users)) != LF_OK ||
	    (ret = minimums_text(a, rq, &minimums)) != LF_OK)
		goto cleanup;
	if ((ret = lf_store_begin(s, LF_TX_WRITE, a, &tx)) != LF_OK)
		goto cleanup;
	/* The key is looked up and claimed in the write transaction that
	 * creates the batch, and the answer is read there too: on SQLite a
	 * replay may meet the original as an uncommitted row of the same
	 * group-commit batch, which no reader connection can see yet, and
	 * only its commit (below) makes it safe to answer with. */
	ret = lf_store_payout_batch_by_key(tx, rq->idempotency_key, out);
	if (ret == LF_ERR_NOTFOUND) {
		int64_t now = lf_now_ms();
		lf_payout_batch_row nb = {.idempotency_key = rq->idempotency_key,
					  .adapter = rq->adapter,
					  .status = "queued",
					  .min_amount = rq->min_amount,
					  .user_ids = users,
					  .min_amounts = minimums,
					  .created_by = rq->actor_id,
					  .created_at = now};
		ret = check_minimums(tx, rq, why);
		if (ret == LF_OK)
			ret = lf_store_payout_batch_insert(tx, &nb, &batch_id);
		if (ret == LF_ERR_CONFLICT) {
			/* On PostgreSQL the insert waited for a concurrent
			 * request with this key; it committed, so its batch is
			 * the answer. */
			ret = lf_store_payout_batch_by_key(tx, rq->idempotency_key, out);
			if (ret == LF_ERR_NOTFOUND)
				ret = LF_ERR_INTERNAL;
			*replayed = 1;
		} else if (ret == LF_OK && (ret = fill_batch(tx, rq, batch_id, now)) == LF_OK) {
			ret = lf_store_payout_batch_get(tx, batch_id, out);
		}
	} else if (ret == LF_OK) {
		*replayed = 1;
	}
	if (ret == LF_OK && *replayed)
		ret = same_request(out, rq, users, minimums);
	if (ret == LF_OK)
		ret = lf_store_payout_items(tx, out->id, items, n);
	if (ret != LF_OK)
		goto cleanup;
	ret = lf_store_commit(tx);
	tx = NULL;
cleanup:
	lf_store_rollback(tx);
	return ret;
}

static void to_adapter_item(const lf_payout_batch_row *b, const lf_payout_item_row *it,
			    lf_payout_item *out, char *key, size_t keylen)
{
	/* Stable across retries, so the receiver can drop duplicates. */
	snprintf(key, keylen, "%s:%lld", b->idempotency_key, (long long)it->id);
	*out = (lf_payout_item){.id = it->id,
				.batch_id = it->batch_id,
				.user_id = it->user_id,
				.email = it->email,
				.name = it->name,
				.project_id = it->project_id,
				.currency = it->currency,
				.amount = it->amount,
				.idempotency_key = key};
}

/* A paid item is recorded with its settlement, so that its PAYOUT_SENT
 * event (webhooks.h) exists exactly when the money moved. */
static int audit_sent(lf_tx *tx, const lf_payout_item_row *it, const char *ref)
{
	char id[32];
	snprintf(id, sizeof(id), "%lld", (long long)it->id);
	json_t *d = json_pack("{s:I,s:I,s:I,s:s,s:s?}", "batch_id", (json_int_t)it->batch_id,
			      "user_id", (json_int_t)it->user_id, "amount", (json_int_t)it->amount,
			      "currency", it->currency, "reference", ref);
	lf_audit_event ev = {.action = "payout.sent",
			     .entity_type = "payout_item",
			     .entity_id = id,
			     .project_id = it->project_id,
			     .from_state = "pending",
			     .to_state = "paid",
			     .details = d};
	int ret = d != NULL ? lf_audit_append(tx, &ev, NULL) : LF_ERR_NOMEM;
	json_decref(d);
	return ret;
}

/* Records an item's outcome and moves its money, in one transaction. */
static int item_done(lf_store *s, lf_arena *a, const lf_payout_item_row *it, const char *status,
		     const char *error, const char *ref)
{
	lf_tx *tx;
	int ret = lf_store_begin(s, LF_TX_WRITE, a, &tx);
	if (ret != LF_OK)
		return ret;
	int64_t now = lf_now_ms();
	if (strcmp(status, "paid") == 0 &&
	    (ret = lf_ledger_payout_settle(tx, it->project_id, it->currency, it->user_id,
					   it->amount, it->id)) == LF_OK)
		ret = audit_sent(tx, it, ref);
	else if (strcmp(status, "failed") == 0)
		ret = lf_ledger_payout_fail(tx, it->project_id, it->currency, it->user_id,
					    it->amount, it->id);
	if (ret == LF_OK)
		ret =
		    lf_store_payout_item_set(tx, it->id, status, it->attempts + 1, error, ref, now);
	if (ret != LF_OK) {
		lf_store_rollback(tx);
		return ret;
	}
	return lf_store_commit(tx);
}

/* The CSV statement of a batch, kept in blob storage for finance. */
static int write_statement(lf_blob_store *blobs, const lf_payout_batch_row *b,
			   const lf_payout_item_row *items, int n, char *key, size_t keylen)
{
	lf_blob_writer *w = NULL;
	char line[2048], ikey[300];
	snprintf(key, keylen, "payouts/batch-%lld.csv", (long long)b->id);
	int ret = lf_blob_create(blobs, key, &w);
	if (ret != LF_OK)
		return ret;
	const char *head = lf_payout_csv_header();
	if ((ret = lf_blob_write(w, head, strlen(head))) != LF_OK)
		goto fail;
	for (int i = 0; i < n; i++) {
		lf_payout_item item;
		size_t len = 0;
		to_adapter_item(b, &items[i], &item, ikey, sizeof(ikey));
		if ((ret = lf_payout_csv_row(line, sizeof(line), &item, &len)) != LF_OK ||
		    (ret = lf_blob_write(w, line, len)) != LF_OK)
			goto fail;
	}
	return lf_blob_commit(w);
fail:
	lf_blob_abort(w);
	return ret;
}

int lf_payout_batch_run(lf_store *s, lf_blob_store *blobs, int64_t batch_id, const json_t *webhook,
			int last_attempt, char *err, size_t errlen)
{
	lf_arena *a = lf_arena_create();
	lf_payout_adapter *adapter = NULL;
	lf_payout_batch_row b;
	lf_payout_item_row *items = NULL;
	lf_tx *tx = NULL;
	char ikey[300], ref[LF_PAYOUT_REF_MAX], why[256], stmt[128];
	int n = 0, ret, waiting = 0, paid = 0, failed = 0;
	if (a == NULL)
		return LF_ERR_NOMEM;
	if ((ret = lf_store_begin(s, LF_TX_READ, a, &tx)) != LF_OK)
		goto cleanup;
	if ((ret = lf_store_payout_batch_get(tx, batch_id, &b)) != LF_OK ||
	    (ret = lf_store_payout_items(tx, batch_id, &items, &n)) != LF_OK) {
		snprintf(err, errlen, "cannot read payout batch %lld", (long long)batch_id);
		goto cleanup;
	}
	lf_store_rollback(tx);
	tx = NULL;
	int csv = strcmp(b.adapter, "csv") == 0;
	if ((ret = lf_payout_adapter_new(b.adapter, csv ? NULL : webhook, &adapter, err, errlen)) !=
	    LF_OK)
		goto settle_all_failed;
	if (csv && (ret = write_statement(blobs, &b, items, n, stmt, sizeof(stmt))) != LF_OK) {
		snprintf(err, errlen, "cannot write the payout statement (%s)", lf_err_str(ret));
		goto cleanup;
	}
	for (int i = 0; i < n; i++) {
		lf_payout_item item;
		if (strcmp(items[i].status, "pending") != 0) {
			paid += strcmp(items[i].status, "paid") == 0;
			failed += strcmp(items[i].status, "failed") == 0;
			continue;
		}
		to_adapter_item(&b, &items[i], &item, ikey, sizeof(ikey));
		int rc = lf_payout_send(adapter, &item, ref, sizeof(ref), why, sizeof(why));
		const char *status = rc == LF_OK			? "paid"
				     : rc == LF_ERR_IO && !last_attempt ? "pending"
									: "failed";
		if ((ret = item_done(s, a, &items[i], status, rc == LF_OK ? NULL : why,
				     rc == LF_OK ? ref : NULL)) != LF_OK)
			goto cleanup;
		paid += rc == LF_OK;
		failed += strcmp(status, "failed") == 0;
		waiting += strcmp(status, "pending") == 0;
		if (waiting == 1 && rc != LF_OK)
			snprintf(err, errlen, "%s", why);
	}
	goto finish;
settle_all_failed:
	/* No adapter at all (e.g. the webhook is not configured): nothing
	 * can be paid; the money goes back to payable. */
	for (int i = 0; i < n; i++)
		if (strcmp(items[i].status, "pending") == 0 &&
		    item_done(s, a, &items[i], "failed", err, NULL) == LF_OK)
			failed++;
	ret = LF_ERR_INVALID;
finish:
	if ((ret == LF_OK || ret == LF_ERR_INVALID) &&
	    (ret = lf_store_begin(s, LF_TX_WRITE, a, &tx)) == LF_OK) {
		const char *status = waiting	   ? "running"
				     : failed == 0 ? "done"
				     : paid	   ? "partial"
						   : "failed";
		if ((ret = lf_store_payout_batch_set(tx, batch_id, status, csv ? stmt : NULL,
						     lf_now_ms())) == LF_OK)
			ret = lf_store_commit(tx);
		else
			lf_store_rollback(tx);
		tx = NULL;
		if (ret == LF_OK && waiting)
			ret = LF_ERR_IO;
	}
cleanup:
	lf_store_rollback(tx);
	lf_payout_adapter_free(adapter);
	lf_arena_destroy(a);
	return ret;
}
