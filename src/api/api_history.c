/*
 * api_history.c - a worker's earnings over time, for the chart on their
 * earnings page.
 *
 * GET /me/earnings/history?days=N (1..366, default 90): the UTC days of
 * the last N, today included, on which the caller earned or was paid
 * anything, per currency: {"items": [{"day", "currency",
 * "currency_exponent", "earned", "paid"}]} in minor units, oldest first. Days without money are
 * left out; the client lays them out on a calendar axis.
 */
#include "api/api.h"

#include "ledger/ledger.h"
#include "store/store_history.h"

#define DAY_MS 86400000LL

int lf_api_earnings_history(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_earning_day *days = NULL;
	int n = 0;
	int64_t ndays = 90;
	lf_tx *tx;
	if ((ret = lf_api_guard(req, LF_PERM_SELF, 0, &who)) != LF_OK)
		return ret;
	if ((ret = lf_api_qint(req, "days", 1, 366, &ndays)) != LF_OK)
		return ret;
	int64_t since = (lf_now_ms() / DAY_MS - (ndays - 1)) * DAY_MS;
	ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx);
	if (ret != LF_OK)
		return lf_error_default(&req->error, ret, NULL);
	ret = lf_store_earning_days(tx, who->user.id, since, &days, &n);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return lf_error_default(&req->error, ret, NULL);
	json_t *items = json_array();
	for (int i = 0; i < n; i++) {
		/* The date part of the day's midnight, UTC. */
		const char *date =
		    lf_arena_printf(req->arena, "%.10s", lf_api_time(req, days[i].day * DAY_MS));
		json_array_append_new(
		    items, json_pack("{s:s,s:s,s:i,s:I,s:I}", "day", date, "currency",
				     days[i].currency, "currency_exponent",
				     lf_ledger_currency_exponent(days[i].currency), "earned",
				     (json_int_t)days[i].earned, "paid", (json_int_t)days[i].paid));
	}
	return lf_api_list(req, items, NULL);
}
