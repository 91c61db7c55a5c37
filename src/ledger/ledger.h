/*
 * ledger.h - money. Integer minor units (lf_money), double entry, one
 * currency per project. Every transaction's entries sum to zero; only the
 * external accounts may go negative (the database refuses otherwise);
 * every posting happens inside the caller's write transaction, next to the
 * workflow change and audit record that cause it. Nothing else writes
 * ledger rows. After an error the caller rolls its transaction back (rows
 * written before the refusal are not undone here).
 *
 * Accounts, per project (and per user for payables and payouts):
 *   external_funding  money that came in from outside (goes negative)
 *   escrow            deposited, not yet reserved        ("available")
 *   held              reserved for work in progress or awaiting acceptance
 *   payable           earned by a worker, not yet paid out
 *   payouts_pending   in a payout batch, not yet confirmed
 *   external_payouts  paid out to a worker
 *
 * A project's escrow and held are each split into LF_LEDGER_SHARDS
 * sub-accounts, its shards (below); everything that shows balances sums
 * them, so nothing outside the ledger sees them.
 */
#ifndef LF_LEDGER_H
#define LF_LEDGER_H

#include "store/store.h"

typedef int64_t lf_money;

/* Largest amount one posting may move: keeps every sum far from overflow. */
#define LF_MONEY_MAX 1000000000000000LL

/* a + b without overflow: LF_ERR_LIMIT when it would overflow. Pure. */
int lf_money_add(lf_money a, lf_money b, lf_money *out);

/*
 * The ISO 4217 minor-unit exponent of currency: how many decimal places its
 * minor unit has (2 for USD and EUR: cents; 0 for JPY and KRW; 3 for BHD,
 * IQD, JOD, KWD, LYD, OMR, TND). Amounts are always integer minor units; the
 * exponent only says how to show them, and the API sends it next to every
 * currency so that no client keeps a table of its own. Any other code,
 * including NULL or an unknown one, gets 2 (cents are the common case).
 * Pure; never fails.
 */
int lf_ledger_currency_exponent(const char *currency);

/* The exponent of every currency not listed below. */
#define LF_CURRENCY_EXPONENT_DEFAULT 2

/* The currencies whose exponent is not the default, the table
 * lf_ledger_currency_exponent reads (GET /api/v1/meta lists it). */
typedef struct lf_currency_exponent {
	const char *code;
	int exponent;
} lf_currency_exponent;
extern const lf_currency_exponent lf_ledger_currency_exponents[];
extern const size_t lf_ledger_ncurrency_exponents;

/*
 * Shards. Every paid claim moves its rate from the project's escrow to
 * its held account, so with one row each every claim of a project would
 * update the same two balance rows and wait for every other claim's
 * transaction to end. Split into 16 rows each, a claim updates the two of
 * its task's shard: 64 annotators claiming at once collide about four to
 * a row instead of 64, while a deposit or a refund touches 16 rows and a
 * balance is a sum of 16 - small, at the cost of a refill when one shard
 * runs dry (lf_ledger_reserve). Changing the number is safe: holds keep
 * the shard they came from, and a refill reads every escrow shard the
 * project has, whatever its number.
 */
#define LF_LEDGER_SHARDS 16

/* The shard of a task's money: task_id mod LF_LEDGER_SHARDS. Pure. */
int lf_ledger_shard(int64_t task_id);

/* A deposit spread over the shards: amount / LF_LEDGER_SHARDS each, the
 * remainder one unit each to the first shards. Pure. */
void lf_ledger_spread(lf_money amount, lf_money parts[LF_LEDGER_SHARDS]);

/*
 * How to refill shard row `to` of n escrow shard rows with balances bal
 * so that it covers amount: moves[i] gets what row i gives (0 for `to`
 * and for rows that give nothing), taking first what the richer rows hold
 * above an even share, then from the richest. The refilled row is brought
 * to the even share when that is more than amount, so that the next
 * claims of its tasks need no refill. LF_ERR_FUNDS when all rows together
 * hold less than amount, with *shortfall = amount - their sum; LF_OK with
 * no moves when row `to` covers amount already. Pure.
 */
int lf_ledger_refill_plan(const lf_money *bal, int n, int to, lf_money amount, lf_money *moves,
			  lf_money *shortfall);

typedef struct lf_posting {
	const char *account; /* account kind */
	int64_t user_id;     /* 0 for project accounts */
	lf_money amount;     /* signed, non-zero */
	int shard;	     /* escrow and held: which shard; else 0 */
} lf_posting;

/*
 * Checks a transaction before it is written: at least two postings, none
 * zero, each within LF_MONEY_MAX, summing to exactly zero without
 * overflow. Pure: LF_OK or LF_ERR_INVALID.
 */
int lf_ledger_balanced(const lf_posting *p, int n);

typedef struct lf_ledger_ref {
	const char *kind; /* "deposit", "hold", "release", "earn", "payout", ... */
	int64_t project_id;
	const char *currency; /* must be the project's */
	int64_t task_id, hold_id, deposit_id, payout_item_id, actor_id;
	int64_t hold_work_id; /* hold_id 0: the hold of this stint (lf_store_txn) */
	const char *memo;
} lf_ledger_ref;

/*
 * Writes a balanced transaction. LF_ERR_FUNDS when an internal account
 * would go negative, LF_ERR_INVALID when unbalanced or not in the
 * project's currency.
 *
 * The lock order, the same in every transaction so that none can wait
 * for another in a cycle (PostgreSQL; SQLite has one writer): accounts
 * by kind - escrow, held, payable,
 * payouts_pending, then the external ones - and by id within a kind.
 * Postings update their accounts in that order; a claim locks its escrow
 * shard, or when refilling every escrow shard in id order, before its
 * held shard; a refund locks the escrow shards in id order before the
 * posting that also moves external_funding. Kinds come before ids because
 * a project's held shard 0 may be older than its escrow shards 1..15
 * (projects from before the shards).
 */
int lf_ledger_post(lf_tx *tx, const lf_ledger_ref *ref, const lf_posting *p, int n,
		   int64_t *txn_id);

/* ---- escrow ---- */

/* Deposit from outside into the project's escrow, spread over its shards
 * (lf_ledger_spread). Idempotent by key: a
 * second call with the same key returns the first deposit (*replayed = 1)
 * and moves nothing — also when the first is a concurrent transaction
 * (see lf_store_deposit_insert); the same key with another amount or
 * reference, or a refund's key, is LF_ERR_CONFLICT. */
int lf_ledger_deposit(lf_tx *tx, int64_t project_id, const char *currency, lf_money amount,
		      const char *reference, const char *key, int64_t actor_id, lf_deposit *out,
		      int *replayed);
/* Returns the project's whole available escrow to the funder, idempotent
 * by key like a deposit (a deposit's key is LF_ERR_CONFLICT).
 * LF_ERR_NOTFOUND when nothing is available. */
int lf_ledger_refund(lf_tx *tx, int64_t project_id, const char *currency, const char *key,
		     int64_t actor_id, lf_deposit *out, int *replayed);

typedef struct lf_escrow {
	lf_money available, held, spent, deposited, refunded;
} lf_escrow;
int lf_ledger_escrow(lf_tx *tx, int64_t project_id, const char *currency, lf_escrow *out);

/* ---- deposits and refunds as commands (escrow.c) ---- */

/* A deposit or refund as an admin asks for it. */
typedef struct lf_escrow_request {
	int64_t project_id;
	lf_money amount;	     /* deposits: 1..LF_MONEY_MAX; refunds: unused */
	const char *reference;	     /* deposits: the funder's reference, may be NULL */
	const char *idempotency_key; /* not empty */
	int64_t actor_id;
	const char *actor_role;
} lf_escrow_request;

/* What a deposit or refund answers with, as its transaction saw it. */
typedef struct lf_escrow_receipt {
	lf_deposit movement; /* on a replay, the movement the key made first */
	int replayed;	     /* 1: the key was used before, nothing moved now */
	lf_escrow escrow;    /* the project's balances at commit */
} lf_escrow_receipt;

/*
 * Deposits rq->amount into the project's escrow: one write transaction
 * holding the movement (lf_ledger_deposit, idempotent by key), its audit
 * record ("escrow.deposit", only when money moved) and the balances the
 * answer shows, so the answer never comes from another connection.
 * Refusals are described in *err (may be NULL): LF_ERR_NOTFOUND for an
 * unknown project; LF_ERR_CONFLICT "idempotency_key_reused" for the key
 * of a refund or of a deposit with another amount or reference. Strings
 * in *out are rq's or arena a's.
 */
int lf_escrow_deposit(lf_store *s, lf_arena *a, const lf_escrow_request *rq, lf_escrow_receipt *out,
		      lf_error *err);
/*
 * Returns a closed project's whole available escrow to the funder
 * (lf_ledger_refund), like lf_escrow_deposit (audit action
 * "escrow.refund"). Refusals: LF_ERR_CONFLICT "project_active" while the
 * project is not closed (checked in the transaction, before the key, so a
 * replay of a reopened project's refund is refused too),
 * "idempotency_key_reused" for a deposit's key, "escrow_empty" when
 * nothing is available to a new key; LF_ERR_NOTFOUND for an unknown
 * project.
 */
int lf_escrow_refund(lf_store *s, lf_arena *a, const lf_escrow_request *rq, lf_escrow_receipt *out,
		     lf_error *err);

/* ---- holds: pay reserved for one stint of work ---- */

/*
 * Reserves amount for a claim: escrow -> held in the task's shard
 * (lf_ledger_shard), and a hold on work_id that remembers the shard.
 * When that escrow shard cannot cover amount, it is first refilled from
 * the project's other escrow shards (a "rebalance" transaction). LF_ERR_FUNDS
 * only when all the escrow shards together cannot cover it; *shortfall
 * gets by how much. amount 0 reserves nothing. currency must be the
 * project's as read in tx (the task's project configuration at the
 * version locked with it): a claim does not read it once more.
 */
int lf_ledger_reserve(lf_tx *tx, int64_t project_id, const char *currency, int64_t task_id,
		      int64_t work_id, int64_t user_id, int stage, lf_money amount,
		      lf_money *shortfall);
/* The stint's hold goes back to escrow (released, expired, requeued).
 * currency as for lf_ledger_reserve. */
int lf_ledger_hold_return(lf_tx *tx, const char *currency, int64_t work_id);
/* The stint's work is done: its hold waits for the task's acceptance. */
int lf_ledger_hold_earn(lf_tx *tx, int64_t work_id);
/* Pending holds of a stage (0 = all stages) go back to escrow: the work
 * was rejected, redone or the task discarded. latest_only voids just the
 * most recent one (an L2 decision that L3 overturned: earlier reviews of
 * the task were not overturned and stay payable). */
int lf_ledger_void(lf_tx *tx, const char *currency, int64_t project_id, int64_t task_id, int stage,
		   int latest_only);
/* The task was accepted: every pending hold becomes its worker's payable. */
int lf_ledger_pay(lf_tx *tx, const char *currency, int64_t project_id, int64_t task_id);

/* ---- payouts ---- */

/* A payable amount joins a payout batch: payable -> payouts_pending. */
int lf_ledger_payout_reserve(lf_tx *tx, int64_t project_id, const char *currency, int64_t user_id,
			     lf_money amount, int64_t item_id);
/* The payout was confirmed: payouts_pending -> external_payouts. */
int lf_ledger_payout_settle(lf_tx *tx, int64_t project_id, const char *currency, int64_t user_id,
			    lf_money amount, int64_t item_id);
/* The payout failed for good: the money is payable again. */
int lf_ledger_payout_fail(lf_tx *tx, int64_t project_id, const char *currency, int64_t user_id,
			  lf_money amount, int64_t item_id);

/* ---- the balance check ---- */

typedef struct lf_ledger_verdict {
	int ok;
	lf_ledger_audit audit;
	char reason[200];
} lf_ledger_verdict;

/* Recomputes the invariants in one read snapshot: every transaction sums
 * to zero in one currency, balances equal their entries, no internal
 * account is negative, each held shard of a project equals its open holds
 * (so held, their sum, equals all of them). */
int lf_ledger_verify(lf_store *s, lf_ledger_verdict *out);

#endif
