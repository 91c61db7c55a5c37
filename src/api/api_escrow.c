/*
 * api_escrow.c - deposits, refunds, balances, the ledger, the balance
 * check and workers' earnings.
 */
#include "api/api.h"

#include <stdio.h>
#include <string.h>

#include "ledger/ledger.h"

static int project_for_money(lf_http_req *req, lf_perm perm, lf_principal **who, lf_project *p);
static json_t *escrow_json(const lf_project *p, const lf_escrow *e);
static json_t *deposit_json(lf_http_req *req, const lf_deposit *d);
static int money_in_or_out(lf_http_req *req, int refund);

static int project_for_money(lf_http_req *req, lf_perm perm, lf_principal **who, lf_project *p)
{
	int ret;
	lf_app *app = req->app;
	lf_tx *tx;
	int64_t id = lf_http_capture_id(req, 0);
	if (id == 0)
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such project.");
	if ((ret = lf_api_guard(req, perm, id, who)) != LF_OK)
		return ret;
	ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx);
	if (ret != LF_OK)
		return lf_error_default(&req->error, ret, NULL);
	ret = lf_store_project_get(tx, id, p);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return lf_error_default(&req->error, ret, "project");
	return LF_OK;
}

static json_t *escrow_json(const lf_project *p, const lf_escrow *e)
{
	return json_pack("{s:I,s:s,s:i,s:I,s:I,s:I}", "project_id", (json_int_t)p->id, "currency",
			 p->currency, "currency_exponent", lf_ledger_currency_exponent(p->currency),
			 "available", (json_int_t)e->available, "held", (json_int_t)e->held,
			 "spent", (json_int_t)e->spent);
}

static json_t *deposit_json(lf_http_req *req, const lf_deposit *d)
{
	return json_pack("{s:I,s:I,s:s,s:I,s:s,s:i,s:s?,s:s,s:s}", "id", (json_int_t)d->id,
			 "project_id", (json_int_t)d->project_id, "kind", d->kind, "amount",
			 (json_int_t)d->amount, "currency", d->currency, "currency_exponent",
			 lf_ledger_currency_exponent(d->currency), "reference", d->reference,
			 "idempotency_key", d->idempotency_key, "created_at",
			 lf_api_time(req, d->created_at));
}

/* Shared by deposits and refunds: one domain command, idempotent by key,
 * answering 201 for a new movement and 200 for a replay. */
static int money_in_or_out(lf_http_req *req, int refund)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_project p;
	lf_escrow_receipt r;
	const char *key, *reference = NULL;
	int64_t amount = 0;
	if ((ret = project_for_money(req, LF_PERM_PROJECT_MANAGE, &who, &p)) != LF_OK)
		return ret;
	if ((ret = lf_api_str(req, "idempotency_key", 1, 200, &key)) != LF_OK ||
	    (ret = lf_api_str(req, "reference", 0, 500, &reference)) != LF_OK ||
	    (!refund && (ret = lf_api_int(req, "amount", 1, 1, LF_MONEY_MAX, &amount)) != LF_OK))
		return ret;
	if (key[0] == '\0')
		return lf_http_fail(req, LF_ERR_INVALID, "invalid_field",
				    "idempotency_key must not be empty.");
	lf_escrow_request rq = {.project_id = p.id,
				.amount = amount,
				.reference = reference,
				.idempotency_key = key,
				.actor_id = who->user.id,
				.actor_role = who->user.role};
	ret = refund ? lf_escrow_refund(app->store, req->arena, &rq, &r, &req->error)
		     : lf_escrow_deposit(app->store, req->arena, &rq, &r, &req->error);
	if (ret != LF_OK)
		return ret;
	json_t *body = deposit_json(req, &r.movement);
	json_object_set_new(body, "replayed", json_boolean(r.replayed));
	json_object_set_new(body, "escrow", escrow_json(&p, &r.escrow));
	return lf_http_json(req, r.replayed ? 200 : 201, body);
}

int lf_api_deposit(lf_http_req *req)
{
	return money_in_or_out(req, 0);
}

int lf_api_refund(lf_http_req *req)
{
	return money_in_or_out(req, 1);
}

int lf_api_escrow(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_project p;
	lf_escrow e;
	lf_tx *tx;
	if ((ret = project_for_money(req, LF_PERM_PROJECT_MANAGE, &who, &p)) != LF_OK)
		return ret;
	ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx);
	if (ret != LF_OK)
		return ret;
	ret = lf_ledger_escrow(tx, p.id, p.currency, &e);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return ret;
	return lf_http_json(req, 200, escrow_json(&p, &e));
}

int lf_api_ledger(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_project p;
	lf_ledger_line *lines;
	lf_tx *tx;
	int n;
	int64_t cursor = 0, limit = 100;
	if ((ret = project_for_money(req, LF_PERM_PROJECT_MANAGE, &who, &p)) != LF_OK)
		return ret;
	if ((ret = lf_api_qint(req, "cursor", 1, INT64_MAX, &cursor)) != LF_OK ||
	    (ret = lf_api_qint(req, "limit", 1, 1000, &limit)) != LF_OK)
		return ret;
	ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx);
	if (ret != LF_OK)
		return ret;
	ret = lf_store_ledger_lines(tx, p.id, cursor, (int)limit + 1, &lines, &n);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return ret;
	json_t *items = json_array();
	for (int i = 0; i < n && i < limit; i++) {
		const lf_ledger_line *l = &lines[i];
		json_t *o = json_pack(
		    "{s:I,s:I,s:s,s:s,s:s,s:i,s:I,s:s}", "entry_id", (json_int_t)l->entry_id,
		    "txn_id", (json_int_t)l->txn_id, "txn_kind", l->txn_kind, "account",
		    l->account_kind, "currency", l->currency, "currency_exponent",
		    lf_ledger_currency_exponent(l->currency), "amount", (json_int_t)l->amount,
		    "created_at", lf_api_time(req, l->created_at));
		if (l->user_id)
			json_object_set_new(o, "user_id", json_integer(l->user_id));
		if (l->task_id)
			json_object_set_new(o, "task_id", json_integer(l->task_id));
		if (l->memo)
			json_object_set_new(o, "memo", json_string(l->memo));
		json_array_append_new(items, o);
	}
	const char *next =
	    lf_api_next_cursor(req, n, limit, n > limit ? lines[limit - 1].entry_id : 0);
	return lf_api_list(req, items, next);
}

int lf_api_ledger_verify(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_ledger_verdict v;
	if ((ret = lf_api_guard(req, LF_PERM_PAYOUTS, 0, &who)) != LF_OK)
		return ret;
	ret = lf_ledger_verify(app->store, &v);
	if (ret != LF_OK)
		return ret;
	json_t *body = json_pack("{s:b,s:I,s:I}", "ok", v.ok, "transactions",
				 (json_int_t)v.audit.txns, "entries", (json_int_t)v.audit.entries);
	if (!v.ok)
		json_object_set_new(body, "reason", json_string(v.reason));
	return lf_http_json(req, 200, body);
}

/* Earnings: per project, then totals per currency. */
struct earnings {
	json_t *projects; /* project_id -> {project_id, currency, pending, earned, paid} */
};

static json_t *project_slot(struct earnings *e, int64_t project_id, const char *currency)
{
	char key[32];
	snprintf(key, sizeof(key), "%lld", (long long)project_id);
	json_t *o = json_object_get(e->projects, key);
	if (o == NULL) {
		o = json_pack("{s:I,s:s,s:i,s:i,s:i,s:i}", "project_id", (json_int_t)project_id,
			      "currency", currency ? currency : "", "currency_exponent",
			      lf_ledger_currency_exponent(currency), "pending", 0, "earned", 0,
			      "paid", 0);
		json_object_set_new(e->projects, key, o);
	}
	return o;
}

static int add_field(json_t *o, const char *field, int64_t amount)
{
	int ret;
	lf_money sum;
	if ((ret = lf_money_add(json_integer_value(json_object_get(o, field)), amount, &sum)) !=
	    LF_OK)
		return ret;
	json_object_set_new(o, field, json_integer(sum));
	return LF_OK;
}

static int on_pending(void *ud, int64_t pid, const char *cur, int64_t amount)
{
	return add_field(project_slot(ud, pid, cur), "pending", amount);
}

static int on_payable(void *ud, int64_t pid, const char *cur, int64_t amount)
{
	return add_field(project_slot(ud, pid, cur), "earned", amount);
}

static int on_paid(void *ud, int64_t pid, const char *cur, int64_t amount)
{
	return add_field(project_slot(ud, pid, cur), "paid", amount);
}

int lf_api_earnings(lf_http_req *req)
{
	static const char *const open_holds[] = {"held", "pending"};
	lf_app *app = req->app;
	lf_principal *who;
	lf_tx *tx;
	struct earnings e = {.projects = json_object()};
	int ret = lf_api_guard(req, LF_PERM_SELF, 0, &who);
	if (ret != LF_OK) {
		json_decref(e.projects);
		return ret;
	}
	ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx);
	if (ret == LF_OK) {
		int64_t uid = who->user.id;
		/* In a payout but not yet confirmed still counts as earned. */
		if ((ret = lf_store_holds_sum_by_project(tx, uid, open_holds, 2, on_pending, &e)) ==
			LF_OK &&
		    (ret = lf_store_user_balances(tx, uid, "payable", on_payable, &e)) == LF_OK &&
		    (ret = lf_store_user_balances(tx, uid, "payouts_pending", on_payable, &e)) ==
			LF_OK)
			ret = lf_store_user_balances(tx, uid, "external_payouts", on_paid, &e);
		lf_store_rollback(tx);
	}
	if (ret != LF_OK) {
		json_decref(e.projects);
		return ret;
	}
	json_t *projects = json_array(), *totals = json_object();
	const char *key;
	json_t *v;
	json_object_foreach(e.projects, key, v)
	{
		json_array_append(projects, v);
		const char *cur = json_string_value(json_object_get(v, "currency"));
		json_t *t = json_object_get(totals, cur);
		if (t == NULL) {
			t = json_pack("{s:i,s:i,s:i,s:i}", "currency_exponent",
				      lf_ledger_currency_exponent(cur), "pending", 0, "earned", 0,
				      "paid", 0);
			json_object_set_new(totals, cur, t);
		}
		add_field(t, "pending", json_integer_value(json_object_get(v, "pending")));
		add_field(t, "earned", json_integer_value(json_object_get(v, "earned")));
		add_field(t, "paid", json_integer_value(json_object_get(v, "paid")));
	}
	json_decref(e.projects);
	/* The contract's top-level pending/earned/paid are only meaningful in
	 * one currency; with several, by_currency carries each. */
	json_t *body = json_pack("{s:o,s:o}", "projects", projects, "by_currency", totals);
	if (json_object_size(totals) <= 1) {
		json_t *only = json_object_size(totals)
				   ? json_object_iter_value(json_object_iter(totals))
				   : NULL;
		json_object_set_new(
		    body, "currency",
		    only ? json_string(json_object_iter_key(json_object_iter(totals)))
			 : json_null());
		json_object_set_new(body, "currency_exponent",
				    only ? json_integer(json_integer_value(
					       json_object_get(only, "currency_exponent")))
					 : json_null());
		json_object_set_new(
		    body, "pending",
		    json_integer(only ? json_integer_value(json_object_get(only, "pending")) : 0));
		json_object_set_new(
		    body, "earned",
		    json_integer(only ? json_integer_value(json_object_get(only, "earned")) : 0));
		json_object_set_new(
		    body, "paid",
		    json_integer(only ? json_integer_value(json_object_get(only, "paid")) : 0));
	}
	return lf_http_json(req, 200, body);
}
