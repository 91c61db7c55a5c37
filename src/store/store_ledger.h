/*
 * store_ledger.h - rows of the money ledger (written only through
 * ledger/ledger.h). Included by store.h.
 */
#ifndef LF_STORE_LEDGER_H
#define LF_STORE_LEDGER_H

/* What names an account. project_id/user_id 0 mean none; shard is 0 but
 * for a project's escrow and held accounts (ledger.h). */
typedef struct lf_account_key {
	const char *kind;
	int64_t project_id, user_id;
	const char *currency;
	int shard;
} lf_account_key;

/*
 * The id of account k; when it does not exist yet, created with balance 0
 * if create, else LF_ERR_NOTFOUND. Ids come from a process-wide cache
 * when they can, so that a claim does not look its accounts up by query.
 * An id is never reused for another account and never changes while its
 * row lives, but a cached id may still be wrong: read from a row that a
 * transaction still open created (SQLite shows one savepoint of a group
 * commit the rows of the others before they commit; the batch, or that
 * savepoint, can still roll back and hand the id to another account
 * later), or from another database in the same process (the unit tests).
 * So a cached id is a hint: every statement that uses one also checks
 * that the row is still account k (lf_store_account_add and _take), and
 * the caller forgets it (lf_store_account_forget) and asks again with
 * fresh = 1, which reads the database, when it is not.
 */
int lf_store_account_id(lf_tx *tx, const lf_account_key *k, int create, int fresh, int64_t *id);
void lf_store_account_forget(const lf_account_key *k);
/* Balance of an account kind, summed over its shards; 0 when none exists. */
int lf_store_account_balance(lf_tx *tx, const char *kind, int64_t project_id, int64_t user_id,
			     const char *currency, int64_t *balance);
/* Adds delta to account id, which must be account k (LF_ERR_NOTFOUND when
 * it is not: a stale cached id). LF_ERR_FUNDS when the database refuses
 * because an internal account would go negative. */
int lf_store_account_add(lf_tx *tx, int64_t id, const lf_account_key *k, int64_t delta);
/*
 * Takes amount from account id (account k) only if its balance covers it:
 * *taken = 1 when it did, 0 when the balance was short or id is not
 * account k. One conditional update; when nothing was taken the
 * transaction holds no lock on the row afterwards, even where the update
 * had to wait for another writer of the row (PostgreSQL keeps the lock of
 * an update whose condition failed after the wait: the update runs in a
 * savepoint that is then rolled back), so that the caller can go on to
 * lock the project's shards in their order.
 */
int lf_store_account_take(lf_tx *tx, int64_t id, const lf_account_key *k, int64_t amount,
			  int *taken);
/* Creates the project's accounts of a kind for shards 0..nshards-1 that
 * do not exist yet, in shard order. */
int lf_store_accounts_create(lf_tx *tx, const char *kind, int64_t project_id, const char *currency,
			     int nshards);

/* One shard of a project's escrow. */
typedef struct lf_shard_row {
	int64_t id;
	int shard;
	int64_t balance;
} lf_shard_row;
/* Every escrow shard of a project in the currency, locked (PostgreSQL:
 * FOR UPDATE) in account id order, with their balances once locked. */
int lf_store_escrow_lock(lf_tx *tx, int64_t project_id, const char *currency, lf_shard_row **rows,
			 int *n);
/* The currency of a project (arena copy). */
int lf_store_project_currency(lf_tx *tx, int64_t project_id, const char **currency);
/* Whether any account of the project exists (money has moved). */
int lf_store_project_has_ledger(lf_tx *tx, int64_t project_id, int *has);

typedef struct lf_store_txn {
	const char *kind;
	int64_t project_id;
	const char *currency;
	int64_t task_id, hold_id, deposit_id, payout_item_id, actor_id; /* 0 = none */
	/* With hold_id 0: the hold of this stint, found by the statement, so
	 * that the hold's INSERT needs no answer before it (a claim). */
	int64_t hold_work_id;
	const char *memo;
	int64_t created_at;
} lf_store_txn;

int lf_store_txn_insert(lf_tx *tx, const lf_store_txn *t, int64_t *id);
int lf_store_entry_insert(lf_tx *tx, int64_t txn_id, int64_t account_id, int64_t amount);

typedef struct lf_hold {
	int64_t id, work_id, task_id, project_id, user_id;
	int stage;
	int shard; /* of the escrow and held accounts it was reserved from */
	int64_t amount;
	const char *status; /* held pending released earned */
	int64_t created_at, updated_at;
} lf_hold;

/* Inserts a hold; *id gets its id. With id NULL the INSERT is held back
 * (lf_db_exec_later): a broken constraint fails the transaction with
 * LF_ERR_CONFLICT at its next statement or COMMIT. */
int lf_store_hold_insert(lf_tx *tx, const lf_hold *h, int64_t *id);
int lf_store_hold_by_work(lf_tx *tx, int64_t work_id, lf_hold *out);
/* The hold of stint work_id, if it has one (an unpaid stage has none),
 * goes from held to pending; held back (lf_db_exec_later). A hold in any
 * other status fails the transaction with LF_ERR_CONFLICT at its next
 * statement or COMMIT. */
int lf_store_hold_earn(lf_tx *tx, int64_t work_id, int64_t now);
/* Moves a hold from status `from` to `to`; LF_ERR_CONFLICT if it was not
 * in `from`, at the transaction's next statement or COMMIT (held back:
 * lf_db_exec_later), as for the entries of lf_store_entry_insert. */
int lf_store_hold_move(lf_tx *tx, int64_t id, const char *from, const char *to, int64_t now);
/* Holds of a task in a status, of one stage (0 = every stage). */
int lf_store_holds_of_task(lf_tx *tx, int64_t task_id, const char *status, int stage,
			   lf_hold **items, int *n);
/* Sum of a user's holds in a status per project: calls back per project. */
typedef int (*lf_store_sum_cb)(void *ud, int64_t project_id, const char *currency, int64_t amount);
int lf_store_holds_sum_by_project(lf_tx *tx, int64_t user_id, const char *const *statuses,
				  int nstatuses, lf_store_sum_cb cb, void *ud);
/* A user's account balances of one kind, per project. */
int lf_store_user_balances(lf_tx *tx, int64_t user_id, const char *kind, lf_store_sum_cb cb,
			   void *ud);

typedef struct lf_deposit {
	int64_t id, project_id;
	const char *kind; /* deposit | refund */
	int64_t amount;
	const char *currency, *reference, *idempotency_key;
	int64_t created_by, created_at;
} lf_deposit;

/*
 * Inserts a movement. LF_ERR_CONFLICT when its (project, key) is taken,
 * and then the transaction stays usable: on PostgreSQL the insert first
 * waits for a concurrent transaction that inserted the key to end, so a
 * following lf_store_deposit_by_key sees that movement once committed.
 */
int lf_store_deposit_insert(lf_tx *tx, const lf_deposit *d, int64_t *id);
int lf_store_deposit_by_key(lf_tx *tx, int64_t project_id, const char *key, lf_deposit *out);

typedef struct lf_ledger_line {
	int64_t entry_id, txn_id;
	const char *txn_kind, *account_kind, *currency, *memo;
	int64_t user_id, amount, task_id, created_at;
} lf_ledger_line;

/* A project's ledger as people read it, newest first: the entries of one
 * transaction, account kind and user summed into one line (shards are not
 * shown), lines summing to zero left out; entry_id is the line's lowest
 * entry id, the keyset cursor (before_id) of the next page. */
int lf_store_ledger_lines(lf_tx *tx, int64_t project_id, int64_t before_id, int limit,
			  lf_ledger_line **items, int *n);

/* ---- payouts ---- */

typedef struct lf_payout_batch_row {
	int64_t id;
	const char *idempotency_key, *adapter, *status, *statement_key;
	int64_t min_amount, created_by, created_at, updated_at;
	/* Whom the request was for: "*" everyone, else its distinct user ids
	 * sorted ("3,5,9"; "" none); NULL for batches older than the column. */
	const char *user_ids;
	/* Minimums per currency replacing min_amount for those currencies:
	 * "EUR:1000,USD:500", codes sorted ("" none); NULL for batches older
	 * than the column. */
	const char *min_amounts;
} lf_payout_batch_row;

typedef struct lf_payout_item_row {
	int64_t id, batch_id, project_id, user_id;
	const char *currency;
	int64_t amount;
	const char *status; /* pending paid failed */
	int attempts;
	const char *last_error, *external_ref, *email, *name;
	int64_t created_at, updated_at;
} lf_payout_item_row;

/* Inserts a batch; a taken key is LF_ERR_CONFLICT as for deposits. */
int lf_store_payout_batch_insert(lf_tx *tx, const lf_payout_batch_row *b, int64_t *id);
int lf_store_payout_batch_get(lf_tx *tx, int64_t id, lf_payout_batch_row *out);
int lf_store_payout_batch_by_key(lf_tx *tx, const char *key, lf_payout_batch_row *out);
int lf_store_payout_batch_set(lf_tx *tx, int64_t id, const char *status, const char *statement_key,
			      int64_t now);
int lf_store_payout_batch_list(lf_tx *tx, int64_t before_id, int limit, lf_payout_batch_row **items,
			       int *n);
int lf_store_payout_item_insert(lf_tx *tx, const lf_payout_item_row *it, int64_t *id);
/* Items of a batch with the payee's email and name, by id. */
int lf_store_payout_items(lf_tx *tx, int64_t batch_id, lf_payout_item_row **items, int *n);
int lf_store_payout_item_set(lf_tx *tx, int64_t id, const char *status, int attempts,
			     const char *last_error, const char *external_ref, int64_t now);
/* Payable balances of at least min_amount: one callback per (project, user). */
typedef int (*lf_store_payable_cb)(void *ud, int64_t project_id, int64_t user_id,
				   const char *currency, int64_t amount);
int lf_store_payables(lf_tx *tx, int64_t min_amount, lf_store_payable_cb cb, void *ud);
/* *used = whether any project has the currency (a code, "EUR"). */
int lf_store_currency_used(lf_tx *tx, const char *currency, int *used);

/* ---- invariants, for `labelflow ledger verify` ---- */

typedef struct lf_ledger_audit {
	int64_t txns, entries;
	int64_t unbalanced_txns; /* transactions whose entries do not sum to 0 */
	int64_t first_unbalanced;
	int64_t short_txns;	/* transactions with fewer than 2 entries */
	int64_t wrong_balances; /* accounts whose balance != sum of entries */
	int64_t first_wrong_account;
	int64_t negative_accounts; /* internal accounts below zero */
	int64_t held_mismatch;	   /* held shards != sum of their open holds */
	int64_t first_held_project;
	int64_t mixed_currency;	  /* transactions mixing currencies */
	int64_t payable_mismatch; /* workers whose payable + paid != earned holds */
} lf_ledger_audit;

int lf_store_ledger_audit(lf_tx *tx, lf_ledger_audit *out);

#endif
