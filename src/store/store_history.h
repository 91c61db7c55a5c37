/*
 * store_history.h - a worker's money over time, read from the ledger.
 */
#ifndef LF_STORE_HISTORY_H
#define LF_STORE_HISTORY_H

#include "store/store.h"

/* Money that reached one worker on one UTC day (day = ms / 86400000). */
typedef struct lf_earning_day {
	int64_t day;
	const char *currency;
	int64_t earned; /* accepted work credited to the worker */
	int64_t paid;	/* payouts confirmed as paid */
} lf_earning_day;

/*
 * The days since `since` (ms) on which the user earned or was paid
 * anything, by day then currency. *items is arena memory of the
 * transaction.
 */
int lf_store_earning_days(lf_tx *tx, int64_t user_id, int64_t since, lf_earning_day **items,
			  int *n);

#endif
