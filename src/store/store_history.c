/*
 * store_history.c - a worker's earnings per day.
 *
 * Earned is what "earn" transactions credited to the worker's payable
 * account; paid is what settled payouts credited to their paid-out
 * account. A payout that fails moves money back into payable with another
 * transaction kind, so it is not counted as earned twice. Days are
 * created_at / 86400000, plain integer division in SQLite and PostgreSQL.
 */
#include "store/store_history.h"

#include <string.h>

#include "store/db.h"

struct row {
	int64_t day;
	const char *currency;
	int paid;
	int64_t amount;
};

static void row_fill(lf_tx *tx, lf_rows *r, void *out)
{
	struct row *x = out;
	x->day = lf_rows_int(r, 0);
	x->currency = lf_rows_dup(tx, r, 1);
	x->paid = lf_rows_int(r, 2) != 0;
	x->amount = lf_rows_int(r, 3);
}

int lf_store_earning_days(lf_tx *tx, int64_t user_id, int64_t since, lf_earning_day **items, int *n)
{
	lf_val v[] = {LF_VINT(user_id), LF_VINT(since)};
	struct row *rows = NULL;
	lf_earning_day *out = NULL;
	int nrows = 0, cnt = 0, cap = 0;
	int ret =
	    lf_db_query_list(tx,
			     "SELECT t.created_at / 86400000 AS day, a.currency,"
			     " CASE WHEN a.kind = 'external_payouts' THEN 1 ELSE 0 END AS paid,"
			     " SUM(e.amount) FROM ledger_accounts a"
			     " JOIN ledger_entries e ON e.account_id = a.id"
			     " JOIN ledger_txns t ON t.id = e.txn_id"
			     " WHERE a.user_id = $1 AND t.created_at >= $2"
			     " AND ((a.kind = 'payable' AND t.kind = 'earn')"
			     " OR (a.kind = 'external_payouts' AND t.kind = 'payout_settled'))"
			     " GROUP BY t.created_at / 86400000, a.currency, a.kind"
			     " ORDER BY day, a.currency",
			     v, 2, row_fill, sizeof(*rows), 0, (void **)&rows, &nrows);
	if (ret != LF_OK)
		return ret;
	for (int i = 0; i < nrows; i++) {
		if (cnt == 0 || out[cnt - 1].day != rows[i].day ||
		    strcmp(out[cnt - 1].currency, rows[i].currency) != 0) {
			if ((out = lf_db_grow(tx, out, cnt, &cap, sizeof(*out))) == NULL)
				return LF_ERR_NOMEM;
			out[cnt++] =
			    (lf_earning_day){.day = rows[i].day, .currency = rows[i].currency};
		}
		if (rows[i].paid)
			out[cnt - 1].paid += rows[i].amount;
		else
			out[cnt - 1].earned += rows[i].amount;
	}
	*items = out;
	*n = cnt;
	return LF_OK;
}
