/*
 * store_ledger.c - ledger accounts, transactions, entries, holds and
 * deposits. The rules of money are in ledger/ledger.c; this file only
 * moves rows.
 */
#include "store/db.h"

#include <pthread.h>
#include <stddef.h>
#include <string.h>

#define HOLD_COLS                                                                                  \
	"id, work_id, task_id, project_id, user_id, stage, amount, status, created_at, "           \
	"updated_at,"                                                                              \
	" shard"

struct account_slot;

static void hold_fill(lf_tx *tx, lf_rows *r, void *out);
static int count(lf_tx *tx, const char *sql, int64_t *n, int64_t *first);
static struct account_slot *account_slot(const lf_account_key *k, struct account_slot *key);
static int same_key(const struct account_slot *a, const struct account_slot *b);
static int account_cached(const lf_account_key *k, int64_t *id);
static void account_remember(const lf_account_key *k, int64_t id);
static void shard_fill(lf_tx *tx, lf_rows *r, void *out);

static void hold_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_hold *h = out;
	h->id = lf_rows_int(r, 0);
	h->work_id = lf_rows_int(r, 1);
	h->task_id = lf_rows_int(r, 2);
	h->project_id = lf_rows_int(r, 3);
	h->user_id = lf_rows_int(r, 4);
	h->stage = (int)lf_rows_int(r, 5);
	h->amount = lf_rows_int(r, 6);
	h->status = lf_rows_dup(tx, r, 7);
	h->created_at = lf_rows_int(r, 8);
	h->updated_at = lf_rows_int(r, 9);
	h->shard = (int)lf_rows_int(r, 10);
}

/*
 * The account id cache: direct-mapped, a colliding key evicts the slot's.
 * Ids are hints checked by the statements that use them (store_ledger.h),
 * so what the cache needs is only to answer fast and never to answer for
 * another key than the one asked: each slot keeps its whole key.
 */
#define ACCOUNT_SLOTS 4096

struct account_slot {
	int used;
	char kind[24], currency[16];
	int64_t project_id, user_id, id;
	int shard;
};

static struct account_slot account_slots[ACCOUNT_SLOTS];
static pthread_mutex_t account_slots_lock = PTHREAD_MUTEX_INITIALIZER;

/* The key's slot, or NULL for a key too long to be kept. */
static struct account_slot *account_slot(const lf_account_key *k, struct account_slot *key)
{
	uint64_t h = 1469598103934665603ULL;
	if (strlen(k->kind) >= sizeof(key->kind) || strlen(k->currency) >= sizeof(key->currency))
		return NULL;
	memset(key, 0, sizeof(*key));
	strcpy(key->kind, k->kind);
	strcpy(key->currency, k->currency);
	key->project_id = k->project_id;
	key->user_id = k->user_id;
	key->shard = k->shard;
	key->used = 1;
	const unsigned char *b = (const unsigned char *)key;
	for (size_t i = 0; i < offsetof(struct account_slot, id); i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	h ^= (uint64_t)key->shard * 0x9e3779b97f4a7c15ULL;
	return &account_slots[h % ACCOUNT_SLOTS];
}

static int same_key(const struct account_slot *a, const struct account_slot *b)
{
	return a->used && strcmp(a->kind, b->kind) == 0 && strcmp(a->currency, b->currency) == 0 &&
	       a->project_id == b->project_id && a->user_id == b->user_id && a->shard == b->shard;
}

static int account_cached(const lf_account_key *k, int64_t *id)
{
	struct account_slot key, *slot = account_slot(k, &key);
	int hit = 0;
	if (slot == NULL)
		return 0;
	pthread_mutex_lock(&account_slots_lock);
	if (same_key(slot, &key)) {
		*id = slot->id;
		hit = 1;
	}
	pthread_mutex_unlock(&account_slots_lock);
	return hit;
}

static void account_remember(const lf_account_key *k, int64_t id)
{
	struct account_slot key, *slot = account_slot(k, &key);
	if (slot == NULL)
		return;
	key.id = id;
	pthread_mutex_lock(&account_slots_lock);
	*slot = key;
	pthread_mutex_unlock(&account_slots_lock);
}

void lf_store_account_forget(const lf_account_key *k)
{
	struct account_slot key, *slot = account_slot(k, &key);
	if (slot == NULL)
		return;
	pthread_mutex_lock(&account_slots_lock);
	if (same_key(slot, &key))
		slot->used = 0;
	pthread_mutex_unlock(&account_slots_lock);
}

#define ACCOUNT_KEY_WHERE                                                                          \
	" kind = $1 AND project_id = $2 AND user_id = $3 AND currency = $4 AND shard = $5"

int lf_store_account_id(lf_tx *tx, const lf_account_key *k, int create, int fresh, int64_t *id)
{
	static const char find[] = "SELECT id FROM ledger_accounts WHERE" ACCOUNT_KEY_WHERE;
	if (!fresh && account_cached(k, id))
		return LF_OK;
	lf_val v[] = {LF_VTEXT(k->kind), LF_VINT(k->project_id), LF_VINT(k->user_id),
		      LF_VTEXT(k->currency), LF_VINT(k->shard)};
	int ret = lf_db_query_int(tx, find, v, 5, id);
	if (ret == LF_OK)
		account_remember(k, *id);
	if (ret != LF_ERR_NOTFOUND || !create)
		return ret;
	/* Another transaction may create the same account first: then its
	 * row is the one (read again once it committed). Neither id is
	 * cached here: the next look-up that finds the row caches it. */
	ret = lf_db_query_int(
	    tx,
	    "INSERT INTO ledger_accounts (kind, project_id, user_id, currency, shard)"
	    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id",
	    v, 5, id);
	if (ret != LF_ERR_NOTFOUND)
		return ret;
	return lf_db_query_int(tx, find, v, 5, id);
}

int lf_store_account_balance(lf_tx *tx, const char *kind, int64_t project_id, int64_t user_id,
			     const char *currency, int64_t *balance)
{
	lf_val v[] = {LF_VTEXT(kind), LF_VINT(project_id), LF_VINT(user_id), LF_VTEXT(currency)};
	return lf_db_query_int(
	    tx,
	    "SELECT COALESCE(SUM(balance), 0) FROM ledger_accounts WHERE kind = $1"
	    " AND project_id = $2 AND user_id = $3 AND currency = $4",
	    v, 4, balance);
}

int lf_store_account_add(lf_tx *tx, int64_t id, const lf_account_key *k, int64_t delta)
{
	lf_val v[] = {LF_VTEXT(k->kind),     LF_VINT(k->project_id), LF_VINT(k->user_id),
		      LF_VTEXT(k->currency), LF_VINT(k->shard),	     LF_VINT(id),
		      LF_VINT(delta)};
	int64_t changes = 0;
	int ret = lf_db_exec(
	    tx,
	    "UPDATE ledger_accounts SET balance = balance + $7 WHERE id = $6 AND" ACCOUNT_KEY_WHERE,
	    v, 7, &changes);
	/* The only constraint on the row is the non-negative balance. */
	if (ret == LF_ERR_CONFLICT)
		return LF_ERR_FUNDS;
	return ret == LF_OK && changes != 1 ? LF_ERR_NOTFOUND : ret;
}

int lf_store_account_take(lf_tx *tx, int64_t id, const lf_account_key *k, int64_t amount,
			  int *taken)
{
	lf_val v[] = {LF_VTEXT(k->kind),     LF_VINT(k->project_id), LF_VINT(k->user_id),
		      LF_VTEXT(k->currency), LF_VINT(k->shard),	     LF_VINT(id),
		      LF_VINT(amount)};
	int64_t changes = 0;
	int pg = !lf_db_is_sqlite(tx);
	*taken = 0;
	/* SQLite's single writer waits for nobody, so it keeps no lock of a
	 * failed update. On PostgreSQL a failed take rolls back to the
	 * savepoint, which drops the shard's row lock.
	 *
	 * Either way the savepoint is released before the transaction writes
	 * anything else (held back, so it costs no round trip). Inside it,
	 * writes carry the subtransaction's xid: the claim's UPDATE of the
	 * task it locked outside would give the old row version a MultiXact
	 * xmax, which an index scan can never prove dead, so the queue's
	 * partial index keeps every claimed task's entry live until VACUUM
	 * and each claim's scan walked all of them (the claim statement was
	 * 40% of the server's CPU at 370 claims/s, growing with the claims). */
	int ret = pg ? lf_db_exec_later(tx, "SAVEPOINT lf_take", NULL, 0, 0) : LF_OK;
	if (ret == LF_OK)
		ret = lf_db_exec(tx,
				 "UPDATE ledger_accounts SET balance = balance - $7 WHERE id = $6"
				 " AND balance >= $7 AND" ACCOUNT_KEY_WHERE,
				 v, 7, &changes);
	if (ret != LF_OK || !pg)
		goto cleanup;
	if (changes != 1)
		ret = lf_db_exec(tx, "ROLLBACK TO SAVEPOINT lf_take", NULL, 0, NULL);
	if (ret == LF_OK)
		ret = lf_db_exec_later(tx, "RELEASE SAVEPOINT lf_take", NULL, 0, 0);
cleanup:
	*taken = ret == LF_OK && changes == 1;
	return ret;
}

int lf_store_accounts_create(lf_tx *tx, const char *kind, int64_t project_id, const char *currency,
			     int nshards)
{
	lf_val v[] = {LF_VTEXT(kind), LF_VINT(project_id), LF_VTEXT(currency), LF_VINT(nshards)};
	/* WHERE true: SQLite reads ON CONFLICT after a bare FROM as a join. */
	return lf_db_exec(
	    tx,
	    "WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s"
	    " WHERE n + 1 < $4)"
	    " INSERT INTO ledger_accounts (kind, project_id, user_id, currency, shard)"
	    " SELECT $1, $2, 0, $3, n FROM s WHERE true ORDER BY n"
	    " ON CONFLICT DO NOTHING",
	    v, 4, NULL);
}

static void shard_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_shard_row *row = out;
	(void)tx;
	row->id = lf_rows_int(r, 0);
	row->shard = (int)lf_rows_int(r, 1);
	row->balance = lf_rows_int(r, 2);
}

int lf_store_escrow_lock(lf_tx *tx, int64_t project_id, const char *currency, lf_shard_row **rows,
			 int *n)
{
	lf_val v[] = {LF_VINT(project_id), LF_VTEXT(currency)};
	/* PostgreSQL locks the rows as the sort hands them out: in id order. */
	return lf_db_query_list(
	    tx,
	    LF_DB_SQL(tx,
		      "SELECT id, shard, balance FROM ledger_accounts WHERE kind = 'escrow'"
		      " AND project_id = $1 AND user_id = 0 AND currency = $2 ORDER BY id",
		      "SELECT id, shard, balance FROM ledger_accounts WHERE kind = 'escrow'"
		      " AND project_id = $1 AND user_id = 0 AND currency = $2 ORDER BY id"
		      " FOR UPDATE"),
	    v, 2, shard_fill, sizeof(lf_shard_row), 0, (void **)rows, n);
}

int lf_store_project_currency(lf_tx *tx, int64_t project_id, const char **currency)
{
	lf_val v[] = {LF_VINT(project_id)};
	lf_rows *r = NULL;
	int ret = lf_db_query(tx, "SELECT currency FROM projects WHERE id = $1", v, 1, &r);
	if (ret != LF_OK)
		return ret;
	int rc = lf_rows_next(r);
	if (rc == 1)
		*currency = lf_rows_dup(tx, r, 0);
	lf_rows_close(r);
	return rc == 1 ? (*currency ? LF_OK : LF_ERR_NOMEM) : rc == 0 ? LF_ERR_NOTFOUND : rc;
}

int lf_store_project_has_ledger(lf_tx *tx, int64_t project_id, int *has)
{
	lf_val v[] = {LF_VINT(project_id)};
	int64_t n = 0;
	int ret = lf_db_query_int(tx,
				  "SELECT COUNT(*) FROM (SELECT 1 FROM ledger_accounts"
				  " WHERE project_id = $1 LIMIT 1) x",
				  v, 1, &n);
	*has = n > 0;
	return ret;
}

int lf_store_txn_insert(lf_tx *tx, const lf_store_txn *t, int64_t *id)
{
	lf_val v[] = {LF_VTEXT(t->kind),	 LF_VINT(t->project_id), LF_VTEXT(t->currency),
		      LF_VID(t->task_id),	 LF_VID(t->hold_id),	 LF_VID(t->deposit_id),
		      LF_VID(t->payout_item_id), LF_VID(t->actor_id),	 LF_VTEXT(t->memo),
		      LF_VINT(t->created_at),	 LF_VID(t->hold_work_id)};
	/* COALESCE evaluates the look-up only when $5 is NULL. */
	return lf_db_query_int(
	    tx,
	    "INSERT INTO ledger_txns (kind, project_id, currency, task_id, hold_id,"
	    " deposit_id, payout_item_id, actor_id, memo, created_at)"
	    " VALUES ($1, $2, $3, $4, COALESCE($5, (SELECT id FROM holds WHERE work_id = $11)),"
	    " $6, $7, $8, $9, $10) RETURNING id",
	    v, 11, id);
}

int lf_store_entry_insert(lf_tx *tx, int64_t txn_id, int64_t account_id, int64_t amount)
{
	lf_val v[] = {LF_VINT(txn_id), LF_VINT(account_id), LF_VINT(amount)};
	return lf_db_exec_later(
	    tx, "INSERT INTO ledger_entries (txn_id, account_id, amount) VALUES ($1, $2, $3)", v, 3,
	    0);
}

int lf_store_hold_insert(lf_tx *tx, const lf_hold *h, int64_t *id)
{
	lf_val v[] = {LF_VINT(h->work_id), LF_VINT(h->task_id),	   LF_VINT(h->project_id),
		      LF_VINT(h->user_id), LF_VINT(h->stage),	   LF_VINT(h->amount),
		      LF_VTEXT(h->status), LF_VINT(h->created_at), LF_VINT(h->shard)};
	if (id == NULL)
		return lf_db_exec_later(tx,
					"INSERT INTO holds (work_id, task_id, project_id, user_id,"
					" stage, amount, status, created_at, updated_at, shard)"
					" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)",
					v, 9, 0);
	return lf_db_query_int(
	    tx,
	    "INSERT INTO holds (work_id, task_id, project_id, user_id, stage, amount,"
	    " status, created_at, updated_at, shard)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) RETURNING id",
	    v, 9, id);
}

int lf_store_hold_by_work(lf_tx *tx, int64_t work_id, lf_hold *out)
{
	lf_val v[] = {LF_VINT(work_id)};
	return lf_db_query_one(tx, "SELECT " HOLD_COLS " FROM holds WHERE work_id = $1", v, 1,
			       hold_fill, out);
}

int lf_store_hold_earn(lf_tx *tx, int64_t work_id, int64_t now)
{
	lf_val v[] = {LF_VINT(work_id), LF_VINT(now)};
	/* Any status but held becomes NULL, which the column refuses: the
	 * check without reading the hold first. */
	return lf_db_exec_later(
	    tx,
	    "UPDATE holds SET status = CASE status WHEN 'held' THEN 'pending' END,"
	    " updated_at = $2 WHERE work_id = $1",
	    v, 2, 0);
}

int lf_store_hold_move(lf_tx *tx, int64_t id, const char *from, const char *to, int64_t now)
{
	lf_val v[] = {LF_VINT(id), LF_VTEXT(from), LF_VTEXT(to), LF_VINT(now)};
	return lf_db_exec_later(tx,
				"UPDATE holds SET status = $3, updated_at = $4 WHERE id = $1"
				" AND status = $2",
				v, 4, 1);
}

int lf_store_holds_of_task(lf_tx *tx, int64_t task_id, const char *status, int stage,
			   lf_hold **items, int *n)
{
	lf_val v[] = {LF_VINT(task_id), LF_VTEXT(status), LF_VINT(stage)};
	return lf_db_query_list(tx,
				"SELECT " HOLD_COLS " FROM holds WHERE task_id = $1 AND status = $2"
				" AND ($3 = 0 OR stage = $3) ORDER BY id",
				v, 3, hold_fill, sizeof(lf_hold), 0, (void **)items, n);
}

/* Runs a (project_id, currency, amount) query and calls cb per row. */
static int sum_rows(lf_tx *tx, const char *sql, const lf_val *v, int nv, lf_store_sum_cb cb,
		    void *ud)
{
	lf_rows *r = NULL;
	int rc, ret = lf_db_query(tx, sql, v, nv, &r);
	if (ret != LF_OK)
		return ret;
	while ((rc = lf_rows_next(r)) == 1)
		if ((ret = cb(ud, lf_rows_int(r, 0), lf_rows_text(r, 1), lf_rows_int(r, 2))) !=
		    LF_OK)
			break;
	lf_rows_close(r);
	return ret != LF_OK ? ret : rc < 0 ? rc : LF_OK;
}

int lf_store_holds_sum_by_project(lf_tx *tx, int64_t user_id, const char *const *statuses,
				  int nstatuses, lf_store_sum_cb cb, void *ud)
{
	lf_val v[] = {LF_VINT(user_id), LF_VTEXT(statuses[0]),
		      LF_VTEXT(nstatuses > 1 ? statuses[1] : statuses[0])};
	return sum_rows(tx,
			"SELECT h.project_id, p.currency, SUM(h.amount) FROM holds h"
			" JOIN projects p ON p.id = h.project_id WHERE h.user_id = $1"
			" AND h.status IN ($2, $3) GROUP BY h.project_id, p.currency"
			" ORDER BY h.project_id",
			v, 3, cb, ud);
}

int lf_store_user_balances(lf_tx *tx, int64_t user_id, const char *kind, lf_store_sum_cb cb,
			   void *ud)
{
	lf_val v[] = {LF_VINT(user_id), LF_VTEXT(kind)};
	return sum_rows(tx,
			"SELECT project_id, currency, balance FROM ledger_accounts"
			" WHERE user_id = $1 AND kind = $2 ORDER BY project_id",
			v, 2, cb, ud);
}

int lf_store_deposit_insert(lf_tx *tx, const lf_deposit *d, int64_t *id)
{
	lf_val v[] = {LF_VINT(d->project_id), LF_VTEXT(d->kind),      LF_VINT(d->amount),
		      LF_VTEXT(d->currency),  LF_VTEXT(d->reference), LF_VTEXT(d->idempotency_key),
		      LF_VINT(d->created_by), LF_VINT(d->created_at)};
	/* DO NOTHING instead of a unique violation: the transaction stays
	 * usable for reading the movement that holds the key. */
	int ret =
	    lf_db_query_int(tx,
			    "INSERT INTO deposits (project_id, kind, amount, currency, reference,"
			    " idempotency_key, created_by, created_at)"
			    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
			    " ON CONFLICT (project_id, idempotency_key) DO NOTHING RETURNING id",
			    v, 8, id);
	return ret == LF_ERR_NOTFOUND ? LF_ERR_CONFLICT : ret;
}

static void deposit_fill(lf_tx *tx, lf_rows *r, void *p)
{
	lf_deposit *out = p;
	out->id = lf_rows_int(r, 0);
	out->project_id = lf_rows_int(r, 1);
	out->kind = lf_rows_dup(tx, r, 2);
	out->amount = lf_rows_int(r, 3);
	out->currency = lf_rows_dup(tx, r, 4);
	out->reference = lf_rows_dup(tx, r, 5);
	out->idempotency_key = lf_rows_dup(tx, r, 6);
	out->created_by = lf_rows_int(r, 7);
	out->created_at = lf_rows_int(r, 8);
}

int lf_store_deposit_by_key(lf_tx *tx, int64_t project_id, const char *key, lf_deposit *out)
{
	lf_val v[] = {LF_VINT(project_id), LF_VTEXT(key)};
	return lf_db_query_one(tx,
			       "SELECT id, project_id, kind, amount, currency, reference,"
			       " idempotency_key, created_by, created_at FROM deposits"
			       " WHERE project_id = $1 AND idempotency_key = $2",
			       v, 2, deposit_fill, out);
}

/*
 * A project's money is spread over shard accounts (ledger.h), so one
 * deposit is sixteen escrow entries: people read it as one line. Entries
 * of one transaction, account kind and user are read as one line (summed,
 * keyed by their lowest entry id), and lines that sum to zero (a refill
 * moving money between escrow shards) are left out. The rows of a
 * transaction's kind are adjacent in entry order, as lf_ledger_post writes
 * them in kind order. Rows are read a page at a time until `limit` whole
 * lines are known: a line is whole once a row of another line follows it
 * or the entries end.
 */
int lf_store_ledger_lines(lf_tx *tx, int64_t project_id, int64_t before_id, int limit,
			  lf_ledger_line **items, int *n)
{
	const int page = 500;
	int cnt = 0, more = 1, ret = LF_OK;
	lf_ledger_line *out = lf_arena_alloc(lf_store_arena(tx), sizeof(*out) * (size_t)limit);
	lf_ledger_line cur;
	int have = 0;
	if (out == NULL)
		return LF_ERR_NOMEM;
	while (more && cnt < limit && ret == LF_OK) {
		lf_val v[] = {LF_VINT(project_id), LF_VID(before_id), LF_VINT(page)};
		lf_rows *r = NULL;
		int rc = 0, rows = 0;
		ret =
		    lf_db_query(tx,
				"SELECT e.id, t.id, t.kind, a.kind, a.currency, t.memo, a.user_id,"
				" e.amount, t.task_id, t.created_at FROM ledger_entries e"
				" JOIN ledger_accounts a ON a.id = e.account_id"
				" JOIN ledger_txns t ON t.id = e.txn_id"
				" WHERE t.project_id = $1 AND ($2 IS NULL OR e.id < $2)"
				" ORDER BY e.id DESC LIMIT $3",
				v, 3, &r);
		if (ret != LF_OK)
			return ret;
		while (cnt < limit && (rc = lf_rows_next(r)) == 1) {
			int64_t txn = lf_rows_int(r, 1), user = lf_rows_int(r, 6);
			const char *kind = lf_rows_text(r, 3);
			rows++;
			before_id = lf_rows_int(r, 0);
			if (have && cur.txn_id == txn && cur.user_id == user &&
			    strcmp(cur.account_kind, kind) == 0) {
				cur.amount += lf_rows_int(r, 7);
				cur.entry_id = before_id;
				continue;
			}
			if (have && cur.amount != 0)
				out[cnt++] = cur;
			have = 1;
			cur = (lf_ledger_line){.entry_id = before_id,
					       .txn_id = txn,
					       .txn_kind = lf_rows_dup(tx, r, 2),
					       .account_kind = lf_rows_dup(tx, r, 3),
					       .currency = lf_rows_dup(tx, r, 4),
					       .memo = lf_rows_dup(tx, r, 5),
					       .user_id = user,
					       .amount = lf_rows_int(r, 7),
					       .task_id = lf_rows_int(r, 8),
					       .created_at = lf_rows_int(r, 9)};
		}
		lf_rows_close(r);
		if (rc < 0)
			return rc;
		more = rows == page;
	}
	/* The entries ended (or the last page stopped inside it): the line in
	 * hand is whole only when nothing is left to read. */
	if (have && !more && cnt < limit && cur.amount != 0)
		out[cnt++] = cur;
	*items = out;
	*n = cnt;
	return ret;
}

/* COUNT(*) and MIN(id) of the offending rows of a check query. */
static int count(lf_tx *tx, const char *sql, int64_t *n, int64_t *first)
{
	lf_rows *r = NULL;
	int ret = lf_db_query(tx, sql, NULL, 0, &r);
	if (ret != LF_OK)
		return ret;
	int rc = lf_rows_next(r);
	if (rc == 1) {
		*n = lf_rows_int(r, 0);
		if (first != NULL)
			*first = lf_rows_int(r, 1);
	}
	lf_rows_close(r);
	return rc < 0 ? rc : LF_OK;
}

int lf_store_ledger_audit(lf_tx *tx, lf_ledger_audit *out)
{
	int ret;
	int64_t dummy;
	if ((ret = count(tx, "SELECT COUNT(*), 0 FROM ledger_txns", &out->txns, NULL)) != LF_OK ||
	    (ret = count(tx, "SELECT COUNT(*), 0 FROM ledger_entries", &out->entries, NULL)) !=
		LF_OK ||
	    (ret = count(tx,
			 "SELECT COUNT(*), COALESCE(MIN(txn_id), 0) FROM (SELECT txn_id FROM"
			 " ledger_entries GROUP BY txn_id HAVING SUM(amount) <> 0) x",
			 &out->unbalanced_txns, &out->first_unbalanced)) != LF_OK ||
	    (ret = count(tx,
			 "SELECT COUNT(*), 0 FROM ledger_txns t WHERE (SELECT COUNT(*) FROM"
			 " ledger_entries e WHERE e.txn_id = t.id) < 2",
			 &out->short_txns, NULL)) != LF_OK ||
	    (ret = count(tx,
			 "SELECT COUNT(*), COALESCE(MIN(a.id), 0) FROM ledger_accounts a"
			 " WHERE a.balance <> (SELECT COALESCE(SUM(e.amount), 0) FROM"
			 " ledger_entries e WHERE e.account_id = a.id)",
			 &out->wrong_balances, &out->first_wrong_account)) != LF_OK ||
	    (ret = count(tx,
			 "SELECT COUNT(*), 0 FROM ledger_accounts WHERE kind <> 'external_funding'"
			 " AND balance < 0",
			 &out->negative_accounts, NULL)) != LF_OK ||
	    /* Per project and shard, from both sides: a held shard without
	     * open holds, and open holds without their held shard, count. */
	    (ret = count(tx,
			 "SELECT COUNT(*), COALESCE(MIN(project_id), 0) FROM (SELECT project_id"
			 " FROM (SELECT project_id, shard, balance AS amount FROM ledger_accounts"
			 " WHERE kind = 'held' UNION ALL SELECT project_id, shard, -amount FROM"
			 " holds WHERE status IN ('held', 'pending')) x GROUP BY project_id, shard"
			 " HAVING SUM(amount) <> 0) y",
			 &out->held_mismatch, &out->first_held_project)) != LF_OK ||
	    (ret = count(tx,
			 "SELECT COUNT(*), 0 FROM (SELECT e.txn_id FROM ledger_entries e"
			 " JOIN ledger_accounts a ON a.id = e.account_id GROUP BY e.txn_id"
			 " HAVING COUNT(DISTINCT a.currency) > 1) x",
			 &out->mixed_currency, &dummy)) != LF_OK ||
	    /* Per project and worker: what is payable, in a payout or paid out
	     * adds up to exactly the holds they earned. */
	    (ret = count(tx,
			 "SELECT COUNT(*), 0 FROM (SELECT h.project_id, h.user_id,"
			 " SUM(h.amount) AS earned FROM holds h WHERE h.status = 'earned'"
			 " GROUP BY h.project_id, h.user_id) x WHERE x.earned <> (SELECT"
			 " COALESCE(SUM(a.balance), 0) FROM ledger_accounts a WHERE"
			 " a.project_id = x.project_id AND a.user_id = x.user_id AND a.kind IN"
			 " ('payable', 'payouts_pending', 'external_payouts'))",
			 &out->payable_mismatch, &dummy)) != LF_OK)
		return ret;
	return LF_OK;
}

#define BATCH_COLS                                                                                 \
	"id, idempotency_key, adapter, status, statement_key, min_amount, created_by,"             \
	" created_at, updated_at, user_ids, min_amounts"

static void batch_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_payout_batch_row *b = out;
	b->id = lf_rows_int(r, 0);
	b->idempotency_key = lf_rows_dup(tx, r, 1);
	b->adapter = lf_rows_dup(tx, r, 2);
	b->status = lf_rows_dup(tx, r, 3);
	b->statement_key = lf_rows_dup(tx, r, 4);
	b->min_amount = lf_rows_int(r, 5);
	b->created_by = lf_rows_int(r, 6);
	b->created_at = lf_rows_int(r, 7);
	b->updated_at = lf_rows_int(r, 8);
	b->user_ids = lf_rows_dup(tx, r, 9);
	b->min_amounts = lf_rows_dup(tx, r, 10);
}

int lf_store_payout_batch_insert(lf_tx *tx, const lf_payout_batch_row *b, int64_t *id)
{
	lf_val v[] = {LF_VTEXT(b->idempotency_key), LF_VTEXT(b->adapter),    LF_VTEXT(b->status),
		      LF_VINT(b->min_amount),	    LF_VINT(b->created_by),  LF_VINT(b->created_at),
		      LF_VTEXT(b->user_ids),	    LF_VTEXT(b->min_amounts)};
	/* As for deposits: a taken key leaves the transaction usable. */
	int ret = lf_db_query_int(tx,
				  "INSERT INTO payout_batches (idempotency_key, adapter, status,"
				  " min_amount, created_by, created_at, updated_at, user_ids,"
				  " min_amounts) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8)"
				  " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
				  v, 8, id);
	return ret == LF_ERR_NOTFOUND ? LF_ERR_CONFLICT : ret;
}

int lf_store_payout_batch_get(lf_tx *tx, int64_t id, lf_payout_batch_row *out)
{
	lf_val v[] = {LF_VINT(id)};
	return lf_db_query_one(tx, "SELECT " BATCH_COLS " FROM payout_batches WHERE id = $1", v, 1,
			       batch_fill, out);
}

int lf_store_payout_batch_by_key(lf_tx *tx, const char *key, lf_payout_batch_row *out)
{
	lf_val v[] = {LF_VTEXT(key)};
	return lf_db_query_one(
	    tx, "SELECT " BATCH_COLS " FROM payout_batches WHERE idempotency_key = $1", v, 1,
	    batch_fill, out);
}

int lf_store_payout_batch_set(lf_tx *tx, int64_t id, const char *status, const char *statement_key,
			      int64_t now)
{
	lf_val v[] = {LF_VINT(id), LF_VTEXT(status), LF_VTEXT(statement_key), LF_VINT(now)};
	return lf_db_exec(
	    tx,
	    "UPDATE payout_batches SET status = $2,"
	    " statement_key = COALESCE($3, statement_key), updated_at = $4 WHERE id = $1",
	    v, 4, NULL);
}

int lf_store_payout_batch_list(lf_tx *tx, int64_t before_id, int limit, lf_payout_batch_row **items,
			       int *n)
{
	lf_val v[] = {LF_VID(before_id), LF_VINT(limit)};
	return lf_db_query_list(
	    tx,
	    "SELECT " BATCH_COLS " FROM payout_batches WHERE ($1 IS NULL OR id < $1)"
	    " ORDER BY id DESC LIMIT $2",
	    v, 2, batch_fill, sizeof(lf_payout_batch_row), limit, (void **)items, n);
}

int lf_store_payout_item_insert(lf_tx *tx, const lf_payout_item_row *it, int64_t *id)
{
	lf_val v[] = {LF_VINT(it->batch_id),  LF_VINT(it->project_id), LF_VINT(it->user_id),
		      LF_VTEXT(it->currency), LF_VINT(it->amount),     LF_VINT(it->created_at)};
	return lf_db_query_int(tx,
			       "INSERT INTO payout_items (batch_id, project_id, user_id, currency,"
			       " amount, status, created_at, updated_at)"
			       " VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6) RETURNING id",
			       v, 6, id);
}

static void item_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_payout_item_row *it = out;
	it->id = lf_rows_int(r, 0);
	it->batch_id = lf_rows_int(r, 1);
	it->project_id = lf_rows_int(r, 2);
	it->user_id = lf_rows_int(r, 3);
	it->currency = lf_rows_dup(tx, r, 4);
	it->amount = lf_rows_int(r, 5);
	it->status = lf_rows_dup(tx, r, 6);
	it->attempts = (int)lf_rows_int(r, 7);
	it->last_error = lf_rows_dup(tx, r, 8);
	it->external_ref = lf_rows_dup(tx, r, 9);
	it->email = lf_rows_dup(tx, r, 10);
	it->name = lf_rows_dup(tx, r, 11);
	it->created_at = lf_rows_int(r, 12);
	it->updated_at = lf_rows_int(r, 13);
}

int lf_store_payout_items(lf_tx *tx, int64_t batch_id, lf_payout_item_row **items, int *n)
{
	lf_val v[] = {LF_VINT(batch_id)};
	return lf_db_query_list(
	    tx,
	    "SELECT i.id, i.batch_id, i.project_id, i.user_id, i.currency, i.amount,"
	    " i.status, i.attempts, i.last_error, i.external_ref, u.email, u.name,"
	    " i.created_at, i.updated_at FROM payout_items i"
	    " JOIN users u ON u.id = i.user_id WHERE i.batch_id = $1 ORDER BY i.id",
	    v, 1, item_fill, sizeof(lf_payout_item_row), 0, (void **)items, n);
}

int lf_store_payout_item_set(lf_tx *tx, int64_t id, const char *status, int attempts,
			     const char *last_error, const char *external_ref, int64_t now)
{
	lf_val v[] = {LF_VINT(id),	    LF_VTEXT(status),	    LF_VINT(attempts),
		      LF_VTEXT(last_error), LF_VTEXT(external_ref), LF_VINT(now)};
	return lf_db_exec(tx,
			  "UPDATE payout_items SET status = $2, attempts = $3, last_error = $4,"
			  " external_ref = $5, updated_at = $6 WHERE id = $1",
			  v, 6, NULL);
}

int lf_store_currency_used(lf_tx *tx, const char *currency, int *used)
{
	lf_val v[] = {LF_VTEXT(currency)};
	int64_t n = 0;
	int ret = lf_db_query_int(
	    tx, "SELECT COUNT(*) FROM (SELECT 1 FROM projects WHERE currency = $1 LIMIT 1) x", v, 1,
	    &n);
	*used = n > 0;
	return ret;
}

int lf_store_payables(lf_tx *tx, int64_t min_amount, lf_store_payable_cb cb, void *ud)
{
	lf_val v[] = {LF_VINT(min_amount > 0 ? min_amount : 1)};
	lf_rows *r = NULL;
	int rc, ret = lf_db_query(
		    tx,
		    "SELECT project_id, user_id, currency, balance FROM ledger_accounts"
		    " WHERE kind = 'payable' AND balance >= $1 ORDER BY user_id, project_id",
		    v, 1, &r);
	if (ret != LF_OK)
		return ret;
	while ((rc = lf_rows_next(r)) == 1)
		if ((ret = cb(ud, lf_rows_int(r, 0), lf_rows_int(r, 1), lf_rows_text(r, 2),
			      lf_rows_int(r, 3))) != LF_OK)
			break;
	lf_rows_close(r);
	return ret != LF_OK ? ret : rc < 0 ? rc : LF_OK;
}
