/*
 * ledger.c - the rules of money.
 */
#include "ledger/ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int move_holds(lf_tx *tx, const char *currency, int64_t project_id, int64_t task_id,
		      int stage, int latest_only, const char *to, const char *txn_kind);
static int kind_rank(const char *kind);
static int post(lf_tx *tx, const lf_ledger_ref *ref, const lf_posting *p, int n, int taken,
		int trusted, int64_t *txn_id);
static int external_move(lf_tx *tx, const char *kind, int64_t project_id, const char *currency,
			 lf_money amount, const char *reference, const char *key, int64_t actor_id,
			 const lf_shard_row *rows, int nrows, lf_deposit *out, int *replayed);
static int refill(lf_tx *tx, int64_t project_id, const char *currency, int64_t task_id,
		  int64_t user_id, int shard, lf_money amount, lf_money *shortfall);

int lf_money_add(lf_money a, lf_money b, lf_money *out)
{
	if (__builtin_add_overflow(a, b, out))
		return LF_ERR_LIMIT;
	return LF_OK;
}

/* ISO 4217 codes whose minor unit is not cents, among currencies a project
 * can hold (funds codes and metals have no use here). One table for the API,
 * the payout statements and through the API for the web UI (GET /meta), so
 * a worker and an admin never see one balance scaled differently. */
const lf_currency_exponent lf_ledger_currency_exponents[] = {
    {"BIF", 0}, {"CLP", 0}, {"DJF", 0}, {"GNF", 0}, {"ISK", 0}, {"JPY", 0}, {"KMF", 0}, {"KRW", 0},
    {"PYG", 0}, {"RWF", 0}, {"UGX", 0}, {"UYI", 0}, {"VND", 0}, {"VUV", 0}, {"XAF", 0}, {"XOF", 0},
    {"XPF", 0}, {"BHD", 3}, {"IQD", 3}, {"JOD", 3}, {"KWD", 3}, {"LYD", 3}, {"OMR", 3}, {"TND", 3},
};

const size_t lf_ledger_ncurrency_exponents = LF_ARRAY_LEN(lf_ledger_currency_exponents);

int lf_ledger_currency_exponent(const char *currency)
{
	if (currency == NULL)
		return LF_CURRENCY_EXPONENT_DEFAULT;
	for (size_t i = 0; i < lf_ledger_ncurrency_exponents; i++)
		if (strcmp(currency, lf_ledger_currency_exponents[i].code) == 0)
			return lf_ledger_currency_exponents[i].exponent;
	return LF_CURRENCY_EXPONENT_DEFAULT;
}

int lf_ledger_balanced(const lf_posting *p, int n)
{
	lf_money sum = 0;
	if (p == NULL || n < 2)
		return LF_ERR_INVALID;
	for (int i = 0; i < n; i++) {
		if (p[i].amount == 0 || p[i].amount > LF_MONEY_MAX || p[i].amount < -LF_MONEY_MAX ||
		    p[i].account == NULL)
			return LF_ERR_INVALID;
		if (lf_money_add(sum, p[i].amount, &sum) != LF_OK)
			return LF_ERR_INVALID;
	}
	return sum == 0 ? LF_OK : LF_ERR_INVALID;
}

int lf_ledger_shard(int64_t task_id)
{
	int64_t m = task_id % LF_LEDGER_SHARDS;
	return (int)(m < 0 ? m + LF_LEDGER_SHARDS : m);
}

void lf_ledger_spread(lf_money amount, lf_money parts[LF_LEDGER_SHARDS])
{
	for (int i = 0; i < LF_LEDGER_SHARDS; i++)
		parts[i] = amount / LF_LEDGER_SHARDS + (i < amount % LF_LEDGER_SHARDS);
}

int lf_ledger_refill_plan(const lf_money *bal, int n, int to, lf_money amount, lf_money *moves,
			  lf_money *shortfall)
{
	lf_money sum = 0;
	*shortfall = 0;
	for (int i = 0; i < n; i++) {
		moves[i] = 0;
		/* Past INT64_MAX the sum covers any amount anyway. */
		if (lf_money_add(sum, bal[i], &sum) != LF_OK)
			sum = INT64_MAX;
	}
	if (bal[to] >= amount)
		return LF_OK;
	if (sum < amount) {
		*shortfall = amount - sum;
		return LF_ERR_FUNDS;
	}
	lf_money even = sum / n;
	lf_money need = (even > amount ? even : amount) - bal[to];
	/* Pass 0 takes what rows hold above the even share, pass 1 (only
	 * when the even share is below amount) whatever is left; the richest
	 * row gives first, so that few rows move. */
	for (int pass = 0; pass < 2 && need > 0; pass++) {
		lf_money floor = pass == 0 ? even : 0;
		while (need > 0) {
			int best = -1;
			for (int i = 0; i < n; i++)
				if (i != to && bal[i] - moves[i] > floor &&
				    (best < 0 || bal[i] - moves[i] > bal[best] - moves[best]))
					best = i;
			if (best < 0)
				break;
			lf_money give = bal[best] - moves[best] - floor;
			if (give > need)
				give = need;
			moves[best] += give;
			need -= give;
		}
	}
	return need == 0 ? LF_OK : LF_ERR_INTERNAL;
}

/* The lock order of kinds (ledger.h): the project's escrow, then held,
 * then the workers' accounts, the world's side last. */
static int kind_rank(const char *kind)
{
	static const char *const order[] = {
	    "escrow", "held", "payable", "payouts_pending", "external_funding", "external_payouts"};
	for (size_t i = 0; i < LF_ARRAY_LEN(order); i++)
		if (strcmp(kind, order[i]) == 0)
			return (int)i;
	return (int)LF_ARRAY_LEN(order);
}

struct entry {
	int rank;
	int64_t account;
	lf_money amount;
	lf_account_key key;
	int taken; /* its balance already changed (lf_store_account_take) */
};

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	return (x->account > y->account) - (x->account < y->account);
}

int lf_ledger_post(lf_tx *tx, const lf_ledger_ref *ref, const lf_posting *p, int n, int64_t *txn_id)
{
	return post(tx, ref, p, n, -1, 0, txn_id);
}

/*
 * lf_ledger_post, where posting `taken` (-1: none) has already changed its
 * account's balance (the claim's conditional take from its escrow shard):
 * its entry is written, its balance left alone. A `trusted` currency is
 * the project's as the caller read it in tx (ledger.h says which callers),
 * which spares a claim one statement.
 */
static int post(lf_tx *tx, const lf_ledger_ref *ref, const lf_posting *p, int n, int taken,
		int trusted, int64_t *txn_id)
{
	int64_t id;
	const char *currency = NULL;
	int ret;
	if ((ret = lf_ledger_balanced(p, n)) != LF_OK)
		return ret;
	/* One currency per project: a posting in any other is refused. */
	if (ref->currency == NULL)
		return LF_ERR_INVALID;
	if (!trusted &&
	    ((ret = lf_store_project_currency(tx, ref->project_id, &currency)) != LF_OK ||
	     strcmp(currency, ref->currency) != 0))
		return ret != LF_OK ? ret : LF_ERR_INVALID;
	lf_store_txn t = {.kind = ref->kind,
			  .project_id = ref->project_id,
			  .currency = ref->currency,
			  .task_id = ref->task_id,
			  .hold_id = ref->hold_id,
			  .hold_work_id = ref->hold_work_id,
			  .deposit_id = ref->deposit_id,
			  .payout_item_id = ref->payout_item_id,
			  .actor_id = ref->actor_id,
			  .memo = ref->memo,
			  .created_at = lf_now_ms()};
	if ((ret = lf_store_txn_insert(tx, &t, &id)) != LF_OK)
		return ret;
	struct entry *e = lf_arena_alloc(lf_store_arena(tx), sizeof(*e) * (size_t)n);
	if (e == NULL)
		return LF_ERR_NOMEM;
	for (int i = 0; i < n; i++) {
		e[i] = (struct entry){
		    .rank = kind_rank(p[i].account),
		    .amount = p[i].amount,
		    .key = {p[i].account, ref->project_id, p[i].user_id, ref->currency, p[i].shard},
		    .taken = i == taken};
		if ((ret = lf_store_account_id(tx, &e[i].key, 1, 0, &e[i].account)) != LF_OK)
			return ret;
	}
	/* Balances change in the lock order: two transactions moving money
	 * between the same accounts in opposite directions (a claim and a
	 * release) then lock them in the same order and cannot deadlock on a
	 * store with row locks. */
	qsort(e, (size_t)n, sizeof(*e), entry_cmp);
	for (int i = 0; i < n; i++) {
		ret = e[i].taken ? LF_OK
				 : lf_store_account_add(tx, e[i].account, &e[i].key, e[i].amount);
		/* A cached id that is not the account's any more (store_ledger.h):
		 * once more with the id the database has. */
		if (ret == LF_ERR_NOTFOUND) {
			lf_store_account_forget(&e[i].key);
			if ((ret = lf_store_account_id(tx, &e[i].key, 1, 1, &e[i].account)) ==
			    LF_OK)
				ret =
				    lf_store_account_add(tx, e[i].account, &e[i].key, e[i].amount);
		}
		if (ret != LF_OK ||
		    (ret = lf_store_entry_insert(tx, id, e[i].account, e[i].amount)) != LF_OK)
			return ret;
	}
	if (txn_id != NULL)
		*txn_id = id;
	return LF_OK;
}

/* Whether the movement that holds a key answers this request: the same
 * kind and, for a deposit, the same amount and reference. A refund's
 * amount is whatever was available, so a refund with the same key is the
 * same refund whatever the escrow holds now. */
static int same_movement(const lf_deposit *d, const char *kind, lf_money amount,
			 const char *reference)
{
	if (strcmp(d->kind, kind) != 0)
		return LF_ERR_CONFLICT;
	if (strcmp(kind, "deposit") == 0 &&
	    (d->amount != amount || (d->reference == NULL) != (reference == NULL) ||
	     (reference != NULL && strcmp(d->reference, reference) != 0)))
		return LF_ERR_CONFLICT;
	return LF_OK;
}

/*
 * Shared by deposit and refund, idempotent by (project, key): the
 * movement is looked up and inserted in the caller's write transaction,
 * so a request that meets another one's movement answers with it only
 * once the caller's commit makes it durable (on SQLite it may be the
 * uncommitted row of the same group-commit batch; on PostgreSQL the
 * insert waits for a concurrent holder of the key to commit).
 */
static int external_move(lf_tx *tx, const char *kind, int64_t project_id, const char *currency,
			 lf_money amount, const char *reference, const char *key, int64_t actor_id,
			 const lf_shard_row *rows, int nrows, lf_deposit *out, int *replayed)
{
	int ret;
	*replayed = 0;
	if (amount <= 0 || amount > LF_MONEY_MAX)
		return LF_ERR_INVALID;
	lf_deposit d = {.project_id = project_id,
			.kind = kind,
			.amount = amount,
			.currency = currency,
			.reference = reference,
			.idempotency_key = key,
			.created_by = actor_id,
			.created_at = lf_now_ms()};
	ret = lf_store_deposit_insert(tx, &d, &d.id);
	if (ret == LF_ERR_CONFLICT) {
		/* Taken by a request that committed after our first look. */
		if ((ret = lf_store_deposit_by_key(tx, project_id, key, out)) != LF_OK)
			return ret == LF_ERR_NOTFOUND ? LF_ERR_INTERNAL : ret;
		*replayed = 1;
		return same_movement(out, kind, amount, reference);
	}
	if (ret != LF_OK)
		return ret;
	/* A deposit goes to every shard, a refund takes every shard's
	 * balance (rows, locked by the caller). */
	int in = strcmp(kind, "deposit") == 0, n = 0;
	lf_posting p[LF_LEDGER_SHARDS + 1];
	lf_posting *pp = p;
	if (!in && nrows + 1 > (int)LF_ARRAY_LEN(p) &&
	    (pp = lf_arena_alloc(lf_store_arena(tx), sizeof(*pp) * (size_t)(nrows + 1))) == NULL)
		return LF_ERR_NOMEM;
	pp[n++] = (lf_posting){"external_funding", 0, in ? -amount : amount, 0};
	if (in) {
		lf_money parts[LF_LEDGER_SHARDS];
		lf_shard_row *locked;
		int nlocked = 0;
		lf_ledger_spread(amount, parts);
		/* Missing shards are made holding the existing escrow
		 * shards, as a refill makes them, so that two
		 * makers queue on those locks instead of each waiting for the
		 * other's new rows. Escrow shards before held shards: for a new
		 * project the ids then follow the lock order too. */
		if ((ret = lf_store_escrow_lock(tx, project_id, currency, &locked, &nlocked)) !=
			LF_OK ||
		    (ret = lf_store_accounts_create(tx, "escrow", project_id, currency,
						    LF_LEDGER_SHARDS)) != LF_OK ||
		    (ret = lf_store_accounts_create(tx, "held", project_id, currency,
						    LF_LEDGER_SHARDS)) != LF_OK)
			return ret;
		for (int i = 0; i < LF_LEDGER_SHARDS; i++)
			if (parts[i] > 0)
				pp[n++] = (lf_posting){"escrow", 0, parts[i], i};
	} else {
		for (int i = 0; i < nrows; i++)
			if (rows[i].balance > 0)
				pp[n++] =
				    (lf_posting){"escrow", 0, -rows[i].balance, rows[i].shard};
	}
	lf_ledger_ref ref = {.kind = kind,
			     .project_id = project_id,
			     .currency = currency,
			     .deposit_id = d.id,
			     .actor_id = actor_id,
			     .memo = reference};
	if ((ret = lf_ledger_post(tx, &ref, pp, n, NULL)) != LF_OK)
		return ret;
	*out = d;
	return LF_OK;
}

int lf_ledger_deposit(lf_tx *tx, int64_t project_id, const char *currency, lf_money amount,
		      const char *reference, const char *key, int64_t actor_id, lf_deposit *out,
		      int *replayed)
{
	/* Most replays find the first deposit here, without an insert. */
	int ret = lf_store_deposit_by_key(tx, project_id, key, out);
	*replayed = ret == LF_OK;
	if (ret == LF_OK)
		return same_movement(out, "deposit", amount, reference);
	if (ret != LF_ERR_NOTFOUND)
		return ret;
	return external_move(tx, "deposit", project_id, currency, amount, reference, key, actor_id,
			     NULL, 0, out, replayed);
}

int lf_ledger_refund(lf_tx *tx, int64_t project_id, const char *currency, const char *key,
		     int64_t actor_id, lf_deposit *out, int *replayed)
{
	static const char reference[] = "refund on close";
	lf_money available = 0;
	lf_shard_row *rows;
	int nrows = 0;
	/* The balance before the key: on PostgreSQL each read sees what was
	 * committed when it started, so an escrow found empty by a refund
	 * with this key is followed by a look-up that finds that refund. The
	 * shards stay locked to the end: what the refund takes is what they
	 * hold. */
	int ret = lf_store_escrow_lock(tx, project_id, currency, &rows, &nrows);
	if (ret != LF_OK)
		return ret;
	for (int i = 0; i < nrows; i++)
		if ((ret = lf_money_add(available, rows[i].balance, &available)) != LF_OK)
			return ret;
	/* A replayed key answers with the first refund even when nothing is
	 * left to refund now. */
	ret = lf_store_deposit_by_key(tx, project_id, key, out);
	*replayed = ret == LF_OK;
	if (ret == LF_OK)
		return same_movement(out, "refund", 0, reference);
	if (ret != LF_ERR_NOTFOUND)
		return ret;
	if (available == 0)
		return LF_ERR_NOTFOUND;
	return external_move(tx, "refund", project_id, currency, available, reference, key,
			     actor_id, rows, nrows, out, replayed);
}

int lf_ledger_escrow(lf_tx *tx, int64_t project_id, const char *currency, lf_escrow *out)
{
	lf_money funding = 0;
	int ret;
	memset(out, 0, sizeof(*out));
	if ((ret = lf_store_account_balance(tx, "escrow", project_id, 0, currency,
					    &out->available)) != LF_OK ||
	    (ret = lf_store_account_balance(tx, "held", project_id, 0, currency, &out->held)) !=
		LF_OK ||
	    (ret = lf_store_account_balance(tx, "external_funding", project_id, 0, currency,
					    &funding)) != LF_OK)
		return ret;
	/* Everything that left escrow and held for good went to workers: what
	 * came in, less what is still available or held. */
	out->spent = -funding - out->available - out->held;
	return LF_OK;
}

/*
 * A claim: one conditional update takes amount from the task's escrow
 * shard (the fast path: one balance update per account, and claims of
 * other shards never wait for it). Only when that shard is short does the
 * claim lock every escrow shard in id order and refill its own (refill),
 * which the take left unlocked for that purpose (store_ledger.h), so the
 * lock order of ledger.h holds on both paths.
 */
int lf_ledger_reserve(lf_tx *tx, int64_t project_id, const char *currency, int64_t task_id,
		      int64_t work_id, int64_t user_id, int stage, lf_money amount,
		      lf_money *shortfall)
{
	int64_t escrow_id = 0;
	int taken = 0, shard = lf_ledger_shard(task_id);
	lf_account_key escrow = {"escrow", project_id, 0, currency, shard};
	int ret;
	*shortfall = 0;
	if (amount == 0)
		return LF_OK;
	ret = lf_store_account_id(tx, &escrow, 0, 0, &escrow_id);
	if (ret == LF_OK)
		ret = lf_store_account_take(tx, escrow_id, &escrow, amount, &taken);
	else if (ret == LF_ERR_NOTFOUND)
		ret = LF_OK; /* a shard never funded: the refill finds money */
	if (ret != LF_OK)
		return ret;
	if (!taken && (ret = refill(tx, project_id, currency, task_id, user_id, shard, amount,
				    shortfall)) != LF_OK)
		return ret;
	int64_t now = lf_now_ms();
	lf_hold h = {.work_id = work_id,
		     .task_id = task_id,
		     .project_id = project_id,
		     .user_id = user_id,
		     .stage = stage,
		     .shard = shard,
		     .amount = amount,
		     .status = "held",
		     .created_at = now};
	/* Its id is not needed here: the transaction finds it (hold_work_id),
	 * and the INSERT rides with that statement. */
	if ((ret = lf_store_hold_insert(tx, &h, NULL)) != LF_OK)
		return ret;
	lf_posting p[] = {{"escrow", 0, -amount, shard}, {"held", 0, amount, shard}};
	lf_ledger_ref ref = {.kind = "hold",
			     .project_id = project_id,
			     .currency = currency,
			     .task_id = task_id,
			     .hold_work_id = work_id,
			     .actor_id = user_id};
	return post(tx, &ref, p, 2, taken ? 0 : -1, 1, NULL);
}

/*
 * Escrow shard `shard` cannot cover amount: with every escrow shard of the
 * project locked in id order, refuse the claim when all of them together
 * cannot cover it, else move what the plan says into the shard in one
 * "rebalance" transaction. Shard accounts a project from before the
 * shards lacks are made here (they then have the largest ids, so locking
 * them after the others keeps id order).
 */
static int refill(lf_tx *tx, int64_t project_id, const char *currency, int64_t task_id,
		  int64_t user_id, int shard, lf_money amount, lf_money *shortfall)
{
	lf_shard_row *rows;
	int n = 0, to = -1, m = 0, ret;
	lf_money sum = 0;
	if ((ret = lf_store_escrow_lock(tx, project_id, currency, &rows, &n)) != LF_OK)
		return ret;
	for (int i = 0; i < n; i++) {
		if (lf_money_add(sum, rows[i].balance, &sum) != LF_OK)
			sum = INT64_MAX;
		if (rows[i].shard == shard)
			to = i;
	}
	if (sum < amount) {
		*shortfall = amount - sum;
		return LF_ERR_FUNDS;
	}
	if (to < 0) {
		if ((ret = lf_store_accounts_create(tx, "escrow", project_id, currency,
						    LF_LEDGER_SHARDS)) != LF_OK ||
		    (ret = lf_store_accounts_create(tx, "held", project_id, currency,
						    LF_LEDGER_SHARDS)) != LF_OK ||
		    (ret = lf_store_escrow_lock(tx, project_id, currency, &rows, &n)) != LF_OK)
			return ret;
		for (int i = 0; i < n; i++)
			if (rows[i].shard == shard)
				to = i;
		if (to < 0)
			return LF_ERR_INTERNAL;
	}
	lf_arena *a = lf_store_arena(tx);
	lf_money *bal = lf_arena_alloc(a, sizeof(*bal) * (size_t)n);
	lf_money *moves = lf_arena_alloc(a, sizeof(*moves) * (size_t)n);
	lf_posting *p = lf_arena_alloc(a, sizeof(*p) * (size_t)(n + 1));
	char *memo = lf_arena_alloc(a, 160);
	if (bal == NULL || moves == NULL || p == NULL || memo == NULL)
		return LF_ERR_NOMEM;
	for (int i = 0; i < n; i++)
		bal[i] = rows[i].balance;
	if ((ret = lf_ledger_refill_plan(bal, n, to, amount, moves, shortfall)) != LF_OK)
		return ret;
	lf_money total = 0;
	for (int i = 0; i < n; i++)
		if (moves[i] > 0) {
			p[m++] = (lf_posting){"escrow", 0, -moves[i], rows[i].shard};
			total += moves[i];
		}
	if (m == 0)
		return LF_OK; /* the shard was refilled while this claim waited */
	p[m++] = (lf_posting){"escrow", 0, total, shard};
	snprintf(memo, 160,
		 "escrow shard %d held %lld, short of a claim of %lld: refilled from the other"
		 " shards",
		 shard, (long long)bal[to], (long long)amount);
	lf_ledger_ref ref = {.kind = "rebalance",
			     .project_id = project_id,
			     .currency = currency,
			     .task_id = task_id,
			     .actor_id = user_id,
			     .memo = memo};
	return lf_ledger_post(tx, &ref, p, m, NULL);
}

int lf_ledger_hold_return(lf_tx *tx, const char *currency, int64_t work_id)
{
	lf_hold h;
	int ret = lf_store_hold_by_work(tx, work_id, &h);
	if (ret == LF_ERR_NOTFOUND)
		return LF_OK; /* unpaid stage: nothing was reserved */
	if (ret != LF_OK)
		return ret;
	if (strcmp(h.status, "held") != 0 && strcmp(h.status, "pending") != 0)
		return LF_OK;
	if ((ret = lf_store_hold_move(tx, h.id, h.status, "released", lf_now_ms())) != LF_OK)
		return ret;
	lf_posting p[] = {{"held", 0, -h.amount, h.shard}, {"escrow", 0, h.amount, h.shard}};
	lf_ledger_ref ref = {.kind = "release",
			     .project_id = h.project_id,
			     .currency = currency,
			     .task_id = h.task_id,
			     .hold_id = h.id,
			     .actor_id = h.user_id};
	return post(tx, &ref, p, 2, -1, 1, NULL);
}

int lf_ledger_hold_earn(lf_tx *tx, int64_t work_id)
{
	return lf_store_hold_earn(tx, work_id, lf_now_ms());
}

/*
 * Moves the pending holds of a task (one stage or all) to `to` with one
 * transaction: back to escrow for "released", to each worker's payable for
 * "earned".
 */
static int move_holds(lf_tx *tx, const char *currency, int64_t project_id, int64_t task_id,
		      int stage, int latest_only, const char *to, const char *txn_kind)
{
	lf_hold *h;
	int n, ret;
	if ((ret = lf_store_holds_of_task(tx, task_id, "pending", stage, &h, &n)) != LF_OK)
		return ret;
	if (n == 0)
		return LF_OK;
	if (latest_only) {
		h += n - 1;
		n = 1;
	}
	/* One posting per hold, and one per held shard they came from (a
	 * task's holds share its shard, but holds from before the shards are
	 * in shard 0). */
	lf_posting *p = lf_arena_alloc(lf_store_arena(tx), sizeof(*p) * (size_t)(2 * n));
	if (p == NULL)
		return LF_ERR_NOMEM;
	int earn = strcmp(to, "earned") == 0, m = 0;
	int64_t now = lf_now_ms();
	for (int i = 0; i < n; i++) {
		if ((ret = lf_store_hold_move(tx, h[i].id, "pending", to, now)) != LF_OK)
			return ret;
		p[m++] = (lf_posting){earn ? "payable" : "escrow", earn ? h[i].user_id : 0,
				      h[i].amount, earn ? 0 : h[i].shard};
		int j = 0;
		while (j < m && (strcmp(p[j].account, "held") != 0 || p[j].shard != h[i].shard))
			j++;
		if (j == m)
			p[m++] = (lf_posting){"held", 0, 0, h[i].shard};
		if (lf_money_add(p[j].amount, -h[i].amount, &p[j].amount) != LF_OK)
			return LF_ERR_LIMIT;
	}
	lf_ledger_ref ref = {
	    .kind = txn_kind, .project_id = project_id, .currency = currency, .task_id = task_id};
	return lf_ledger_post(tx, &ref, p, m, NULL);
}

int lf_ledger_void(lf_tx *tx, const char *currency, int64_t project_id, int64_t task_id, int stage,
		   int latest_only)
{
	return move_holds(tx, currency, project_id, task_id, stage, latest_only, "released",
			  "void");
}

int lf_ledger_pay(lf_tx *tx, const char *currency, int64_t project_id, int64_t task_id)
{
	return move_holds(tx, currency, project_id, task_id, 0, 0, "earned", "earn");
}

/* The three steps of a payout item: money moves between two of the
 * worker's accounts in the project. */
static int payout_move(lf_tx *tx, const char *kind, const char *from, const char *to,
		       int64_t project_id, const char *currency, int64_t user_id, lf_money amount,
		       int64_t item_id)
{
	lf_posting p[] = {{from, user_id, -amount, 0}, {to, user_id, amount, 0}};
	lf_ledger_ref ref = {.kind = kind,
			     .project_id = project_id,
			     .currency = currency,
			     .payout_item_id = item_id,
			     .actor_id = user_id};
	return lf_ledger_post(tx, &ref, p, 2, NULL);
}

int lf_ledger_payout_reserve(lf_tx *tx, int64_t project_id, const char *currency, int64_t user_id,
			     lf_money amount, int64_t item_id)
{
	return payout_move(tx, "payout", "payable", "payouts_pending", project_id, currency,
			   user_id, amount, item_id);
}

int lf_ledger_payout_settle(lf_tx *tx, int64_t project_id, const char *currency, int64_t user_id,
			    lf_money amount, int64_t item_id)
{
	return payout_move(tx, "payout_settled", "payouts_pending", "external_payouts", project_id,
			   currency, user_id, amount, item_id);
}

int lf_ledger_payout_fail(lf_tx *tx, int64_t project_id, const char *currency, int64_t user_id,
			  lf_money amount, int64_t item_id)
{
	return payout_move(tx, "payout_failed", "payouts_pending", "payable", project_id, currency,
			   user_id, amount, item_id);
}

int lf_ledger_verify(lf_store *s, lf_ledger_verdict *out)
{
	lf_tx *tx;
	memset(out, 0, sizeof(*out));
	int ret = lf_store_begin(s, LF_TX_SNAPSHOT, NULL, &tx);
	if (ret != LF_OK)
		return ret;
	ret = lf_store_ledger_audit(tx, &out->audit);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return ret;
	const lf_ledger_audit *a = &out->audit;
	out->ok = 0;
	if (a->unbalanced_txns)
		snprintf(out->reason, sizeof(out->reason),
			 "%lld transaction(s) do not sum to zero (first: %lld)",
			 (long long)a->unbalanced_txns, (long long)a->first_unbalanced);
	else if (a->short_txns)
		snprintf(out->reason, sizeof(out->reason), "%lld transaction(s) have < 2 entries",
			 (long long)a->short_txns);
	else if (a->mixed_currency)
		snprintf(out->reason, sizeof(out->reason), "%lld transaction(s) mix currencies",
			 (long long)a->mixed_currency);
	else if (a->wrong_balances)
		snprintf(out->reason, sizeof(out->reason),
			 "%lld account balance(s) differ from their entries (first: account %lld)",
			 (long long)a->wrong_balances, (long long)a->first_wrong_account);
	else if (a->negative_accounts)
		snprintf(out->reason, sizeof(out->reason), "%lld internal account(s) are negative",
			 (long long)a->negative_accounts);
	else if (a->held_mismatch)
		snprintf(out->reason, sizeof(out->reason),
			 "held differs from the open holds in %lld project shard(s) (first"
			 " project: %lld)",
			 (long long)a->held_mismatch, (long long)a->first_held_project);
	else if (a->payable_mismatch)
		snprintf(out->reason, sizeof(out->reason),
			 "payable + paid differs from earned holds for %lld worker(s)",
			 (long long)a->payable_mismatch);
	else
		out->ok = 1;
	return LF_OK;
}
