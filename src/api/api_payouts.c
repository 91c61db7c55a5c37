/*
 * api_payouts.c - payout batches.
 */
#include "api/api.h"

#include <stdio.h>
#include <string.h>

#include "ledger/ledger.h"
#include "payout/batch.h"
#include "payout/payout.h"

static json_t *batch_json(lf_http_req *req, const lf_payout_batch_row *b,
			  const lf_payout_item_row *items, int n);
static int read_minimums(lf_http_req *req, lf_payout_minimum **out, int *n);

/* Largest minimum accepted, as for min_amount. */
#define MIN_AMOUNT_MAX 1000000000000000LL

static json_t *batch_json(lf_http_req *req, const lf_payout_batch_row *b,
			  const lf_payout_item_row *items, int n)
{
	/* totals and currency_exponents are keyed by currency: a batch can pay
	 * projects in several. */
	json_t *arr = json_array(), *totals = json_object(), *exponents = json_object();
	for (int i = 0; i < n; i++) {
		const lf_payout_item_row *it = &items[i];
		json_array_append_new(
		    arr, json_pack("{s:I,s:I,s:I,s:s,s:i,s:I,s:s,s:i,s:s?,s:s?}", "id",
				   (json_int_t)it->id, "project_id", (json_int_t)it->project_id,
				   "user_id", (json_int_t)it->user_id, "currency", it->currency,
				   "currency_exponent", lf_ledger_currency_exponent(it->currency),
				   "amount", (json_int_t)it->amount, "status", it->status,
				   "attempts", it->attempts, "last_error", it->last_error,
				   "external_ref", it->external_ref));
		json_int_t sum = json_integer_value(json_object_get(totals, it->currency));
		json_object_set_new(totals, it->currency, json_integer(sum + it->amount));
		json_object_set_new(exponents, it->currency,
				    json_integer(lf_ledger_currency_exponent(it->currency)));
	}
	return json_pack("{s:I,s:s,s:s,s:s,s:I,s:o,s:s?,s:o,s:o,s:o,s:s,s:s}", "id",
			 (json_int_t)b->id, "idempotency_key", b->idempotency_key, "adapter",
			 b->adapter, "status", b->status, "min_amount", (json_int_t)b->min_amount,
			 "min_amounts", lf_payout_minimums_json(b->min_amounts), "statement_key",
			 b->statement_key, "items", arr, "totals", totals, "currency_exponents",
			 exponents, "created_at", lf_api_time(req, b->created_at), "updated_at",
			 lf_api_time(req, b->updated_at));
}

static int load_batch(lf_http_req *req, int64_t id, int status)
{
	lf_app *app = req->app;
	lf_tx *tx;
	lf_payout_batch_row b;
	lf_payout_item_row *items;
	int n;
	int ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx);
	if (ret != LF_OK)
		return ret;
	ret = lf_store_payout_batch_get(tx, id, &b);
	if (ret == LF_OK)
		ret = lf_store_payout_items(tx, id, &items, &n);
	lf_store_rollback(tx);
	if (ret == LF_ERR_NOTFOUND)
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such payout batch.");
	if (ret != LF_OK)
		return ret;
	return lf_http_json(req, status, batch_json(req, &b, items, n));
}

/* min_amounts: {"EUR": 1000, ...}, each a currency code and a whole
 * number of its minor units from 0; absent or null is none. */
static int read_minimums(lf_http_req *req, lf_payout_minimum **out, int *n)
{
	json_t *obj = json_object_get(req->json, "min_amounts"), *v;
	const char *code;
	*out = NULL;
	*n = 0;
	if (obj == NULL || json_is_null(obj))
		return LF_OK;
	if (!json_is_object(obj) || json_object_size(obj) > 200)
		return lf_http_fail(
		    req, LF_ERR_INVALID, "invalid_field",
		    "min_amounts must be an object of currency codes to minor units.");
	*out = lf_arena_alloc(req->arena, sizeof(**out) * (json_object_size(obj) + 1));
	if (*out == NULL)
		return LF_ERR_NOMEM;
	json_object_foreach(obj, code, v)
	{
		if (strlen(code) != 3 || strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)
			return lf_http_fail(
			    req, LF_ERR_INVALID, "invalid_field",
			    "min_amounts: \"%.16s\" is not a currency code such as EUR.", code);
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > MIN_AMOUNT_MAX)
			return lf_http_fail(
			    req, LF_ERR_INVALID, "invalid_field",
			    "min_amounts.%s must be a whole number of minor units from 0"
			    " to %lld.",
			    code, MIN_AMOUNT_MAX);
		memcpy((*out)[*n].currency, code, 4);
		(*out)[(*n)++].amount = json_integer_value(v);
	}
	return LF_OK;
}

/*
 * POST /payouts {idempotency_key, min_amount?, min_amounts?, user_ids?,
 * adapter?}: one batch of every payable balance of at least its
 * currency's min_amounts entry, else min_amount (of the listed users). The
 * same key again returns the same batch (200), with other parameters 409.
 */
int lf_api_payouts_create(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	const char *key, *adapter = "csv";
	int64_t min_amount = 1;
	int64_t *users = NULL;
	int nusers = 0, replayed = 0, n = 0, nmin = 0;
	lf_payout_minimum *minimums = NULL;
	lf_payout_batch_row b;
	lf_payout_item_row *items = NULL;
	if ((ret = lf_api_guard(req, LF_PERM_PAYOUTS, 0, &who)) != LF_OK)
		return ret;
	if ((ret = lf_api_str(req, "idempotency_key", 1, 200, &key)) != LF_OK ||
	    (ret = lf_api_str(req, "adapter", 0, 16, &adapter)) != LF_OK ||
	    (ret = lf_api_int(req, "min_amount", 0, 1, MIN_AMOUNT_MAX, &min_amount)) != LF_OK ||
	    (ret = read_minimums(req, &minimums, &nmin)) != LF_OK)
		return ret;
	if (key[0] == '\0')
		return lf_http_fail(req, LF_ERR_INVALID, "invalid_field",
				    "idempotency_key must not be empty.");
	if (strcmp(adapter, "csv") != 0 && strcmp(adapter, "webhook") != 0)
		return lf_http_fail(req, LF_ERR_INVALID, "invalid_field",
				    "adapter must be csv or webhook.");
	/* Refused here, where the admin sees why, rather than item by item in
	 * the job; the adapter checks again at each send. */
	if (strcmp(adapter, "webhook") == 0 && app->payout_webhook_url != NULL) {
		char why[320];
		ret = lf_payout_webhook_check(app->payout_webhook_url, app->outbound_allow,
					      app->payout_webhook_allow_private, why, sizeof(why));
		if (ret != LF_OK)
			return lf_http_fail(req, ret, "webhook_refused", "%s.", why);
	}
	json_t *ids = json_object_get(req->json, "user_ids");
	if (ids != NULL && !json_is_null(ids)) {
		size_t i;
		json_t *v;
		if (!json_is_array(ids) || json_array_size(ids) > 10000)
			return lf_http_fail(req, LF_ERR_INVALID, "invalid_field",
					    "user_ids must be an array of user ids.");
		users = lf_arena_alloc(req->arena, sizeof(*users) * (json_array_size(ids) + 1));
		json_array_foreach(ids, i, v)
		{
			if (!json_is_integer(v) || json_integer_value(v) < 1)
				return lf_http_fail(req, LF_ERR_INVALID, "invalid_field",
						    "user_ids must be an array of user ids.");
			users[nusers++] = json_integer_value(v);
		}
	}
	lf_payout_request rq = {.idempotency_key = key,
				.adapter = adapter,
				.min_amount = min_amount,
				.minimums = minimums,
				.nminimums = nmin,
				.user_ids = users,
				.nusers = nusers,
				.actor_id = who->user.id,
				.actor_role = who->user.role};
	ret = lf_payout_batch_create(app->store, req->arena, &rq, &b, &items, &n, &replayed,
				     &req->error);
	if (ret == LF_ERR_CONFLICT)
		return lf_http_fail(
		    req, LF_ERR_CONFLICT, "idempotency_key_reused",
		    "This idempotency_key was already used for a payout with another "
		    "adapter, min_amount, min_amounts or user_ids.");
	if (ret != LF_OK)
		return ret;
	if (!replayed && app->jobs != NULL)
		lf_jobs_kick(app->jobs);
	/* Rendered from the rows the key's transaction read, not read again
	 * elsewhere: the answer is the batch that transaction compared. */
	return lf_http_json(req, replayed ? 200 : 201, batch_json(req, &b, items, n));
}

int lf_api_payouts_get(lf_http_req *req)
{
	int ret;
	lf_principal *who;
	if ((ret = lf_api_guard(req, LF_PERM_PAYOUTS, 0, &who)) != LF_OK)
		return ret;
	int64_t id = lf_http_capture_id(req, 0);
	if (id == 0)
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such payout batch.");
	return load_batch(req, id, 200);
}

int lf_api_payouts_list(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_payout_batch_row *rows;
	lf_tx *tx;
	int n;
	int64_t cursor = 0, limit = 50;
	if ((ret = lf_api_guard(req, LF_PERM_PAYOUTS, 0, &who)) != LF_OK)
		return ret;
	if ((ret = lf_api_qint(req, "cursor", 1, INT64_MAX, &cursor)) != LF_OK ||
	    (ret = lf_api_qint(req, "limit", 1, 200, &limit)) != LF_OK)
		return ret;
	ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx);
	if (ret != LF_OK)
		return ret;
	ret = lf_store_payout_batch_list(tx, cursor, (int)limit + 1, &rows, &n);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return ret;
	json_t *items = json_array();
	for (int i = 0; i < n && i < limit; i++)
		json_array_append_new(items, batch_json(req, &rows[i], NULL, 0));
	const char *next = lf_api_next_cursor(req, n, limit, n > limit ? rows[limit - 1].id : 0);
	return lf_api_list(req, items, next);
}

/* The CSV statement a csv-adapter batch wrote for finance, as a download:
 * without it the statement sat in blob storage with no way to fetch it. */
int lf_api_payouts_statement(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_payout_batch_row b;
	lf_tx *tx;
	if ((ret = lf_api_guard(req, LF_PERM_PAYOUTS, 0, &who)) != LF_OK)
		return ret;
	int64_t id = lf_http_capture_id(req, 0);
	if (id == 0)
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such payout batch.");
	if ((ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx)) != LF_OK)
		return ret;
	ret = lf_store_payout_batch_get(tx, id, &b);
	lf_store_rollback(tx);
	if (ret == LF_ERR_NOTFOUND)
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such payout batch.");
	if (ret != LF_OK)
		return ret;
	if (b.statement_key == NULL)
		return lf_http_fail(req, LF_ERR_CONFLICT, "no_statement",
				    strcmp(b.adapter, "csv") == 0
					? "The batch is %s; its statement is not written yet."
					: "The batch is %s and paid by %s: it has no statement.",
				    b.status, b.adapter);
	const char *name = lf_arena_printf(req->arena, "payout-%lld-statement.csv", (long long)id);
	if (name == NULL)
		return LF_ERR_NOMEM;
	return lf_api_send_blob(req, NULL, b.statement_key, "text/csv; charset=utf-8", name,
				"The statement");
}
