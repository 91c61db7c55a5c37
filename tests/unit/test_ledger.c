/*
 * test_ledger.c - the rules of money: balanced postings, overflow,
 * currency mismatch, insufficient funds, holds through their life, and the
 * balance check, on a real SQLite database; escrow shards: which shard a
 * task takes, how deposits spread and refills plan, and a claim whose
 * shard ran dry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "fixture.h"
#include "ledger/ledger.h"

struct fx {
	lf_fx db;
	lf_store *s;
	int64_t project, user, task, work[8];
};

static lf_tx *begin(struct fx *f)
{
	return lf_fx_begin(&f->db);
}

/* A project with one task and eight stints of work on it, no money yet. */
static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (f == NULL || lf_fx_open(&f->db, "ledger", 2) != LF_OK) {
		free(f);
		return -1;
	}
	f->s = f->db.s;
	f->project = lf_fx_project(&f->db, NULL, NULL);
	f->user = lf_fx_user(&f->db, "w@x.org", "annotator");
	f->task = lf_fx_task(&f->db, f->project, "text");
	lf_tx *tx = begin(f);
	for (int i = 0; i < 8; i++) {
		lf_work w = {.task_id = f->task,
			     .project_id = f->project,
			     .user_id = f->user,
			     .stage = 1 + i % 3,
			     .status = "active",
			     .started_at = 1};
		assert_int_equal(lf_store_work_insert(tx, &w, &f->work[i]), LF_OK);
	}
	assert_int_equal(lf_store_commit(tx), LF_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	lf_fx_close(&f->db);
	free(f);
	return 0;
}

static void test_money_add_overflow(void **state)
{
	lf_money out = 0;
	(void)state;
	assert_int_equal(lf_money_add(1, 2, &out), LF_OK);
	assert_int_equal(out, 3);
	assert_int_equal(lf_money_add(INT64_MAX, 1, &out), LF_ERR_LIMIT);
	assert_int_equal(lf_money_add(INT64_MIN, -1, &out), LF_ERR_LIMIT);
	assert_int_equal(lf_money_add(INT64_MAX, -1, &out), LF_OK);
}

/* The exponent the API sends beside every currency (ISO 4217). */
static void test_currency_exponent(void **state)
{
	(void)state;
	assert_int_equal(lf_ledger_currency_exponent("USD"), 2);
	assert_int_equal(lf_ledger_currency_exponent("EUR"), 2);
	assert_int_equal(lf_ledger_currency_exponent("JPY"), 0);
	assert_int_equal(lf_ledger_currency_exponent("KRW"), 0);
	assert_int_equal(lf_ledger_currency_exponent("KWD"), 3);
	assert_int_equal(lf_ledger_currency_exponent("BHD"), 3);
	assert_int_equal(lf_ledger_currency_exponent("ZZZ"), 2);
	assert_int_equal(lf_ledger_currency_exponent(NULL), 2);
}

static void test_balanced(void **state)
{
	(void)state;
	lf_posting ok[] = {{"escrow", 0, 5, 0}, {"held", 0, -5, 0}};
	lf_posting off[] = {{"escrow", 0, 5, 0}, {"held", 0, -4, 0}};
	lf_posting zero[] = {{"escrow", 0, 0, 0}, {"held", 0, 0, 0}};
	lf_posting big[] = {{"escrow", 0, LF_MONEY_MAX + 1, 0}, {"held", 0, -LF_MONEY_MAX - 1, 0}};
	lf_posting three[] = {{"held", 0, -10, 0}, {"payable", 1, 7, 0}, {"payable", 2, 3, 0}};
	lf_posting wrap[] = {{"a", 0, LF_MONEY_MAX, 0}, {"b", 0, LF_MONEY_MAX, 0},
			     {"c", 0, LF_MONEY_MAX, 0}, {"d", 0, LF_MONEY_MAX, 0},
			     {"e", 0, LF_MONEY_MAX, 0}, {"f", 0, LF_MONEY_MAX, 0},
			     {"g", 0, LF_MONEY_MAX, 0}, {"h", 0, LF_MONEY_MAX, 0},
			     {"i", 0, LF_MONEY_MAX, 0}, {"j", 0, LF_MONEY_MAX, 0}};
	assert_int_equal(lf_ledger_balanced(ok, 2), LF_OK);
	assert_int_equal(lf_ledger_balanced(three, 3), LF_OK);
	assert_int_equal(lf_ledger_balanced(off, 2), LF_ERR_INVALID);
	assert_int_equal(lf_ledger_balanced(zero, 2), LF_ERR_INVALID);
	assert_int_equal(lf_ledger_balanced(big, 2), LF_ERR_INVALID);
	assert_int_equal(lf_ledger_balanced(ok, 1), LF_ERR_INVALID);
	assert_int_equal(lf_ledger_balanced(wrap, 10), LF_ERR_INVALID);
	assert_int_equal(lf_ledger_balanced(NULL, 0), LF_ERR_INVALID);
}

static void test_currency_mismatch_refused(void **state)
{
	struct fx *f = *state;
	lf_deposit d;
	int replayed;
	lf_tx *tx = begin(f);
	assert_int_equal(
	    lf_ledger_deposit(tx, f->project, "USD", 100, NULL, "k-usd", 1, &d, &replayed),
	    LF_ERR_INVALID);
	lf_store_rollback(tx);
	lf_ledger_verdict v;
	assert_int_equal(lf_ledger_verify(f->s, &v), LF_OK);
	assert_true(v.ok);
	assert_int_equal(v.audit.txns, 0);
}

static void test_hold_life_and_funds(void **state)
{
	struct fx *f = *state;
	lf_deposit d;
	lf_escrow e;
	lf_money shortfall = 0;
	int replayed;
	lf_tx *tx = begin(f);
	assert_int_equal(
	    lf_ledger_deposit(tx, f->project, "EUR", 100, "wire", "k1", 1, &d, &replayed), LF_OK);
	assert_false(replayed);
	assert_int_equal(
	    lf_ledger_deposit(tx, f->project, "EUR", 100, "wire", "k1", 1, &d, &replayed), LF_OK);
	assert_true(replayed);
	assert_int_equal(
	    lf_ledger_deposit(tx, f->project, "EUR", 7, "wire", "k1", 1, &d, &replayed),
	    LF_ERR_CONFLICT);
	/* A key names one request: another reference is another deposit. */
	assert_int_equal(
	    lf_ledger_deposit(tx, f->project, "EUR", 100, "cheque", "k1", 1, &d, &replayed),
	    LF_ERR_CONFLICT);
	assert_int_equal(
	    lf_ledger_deposit(tx, f->project, "EUR", 100, NULL, "k1", 1, &d, &replayed),
	    LF_ERR_CONFLICT);
	assert_int_equal(lf_ledger_refund(tx, f->project, "EUR", "k1", 1, &d, &replayed),
			 LF_ERR_CONFLICT);
	/* 60 + 30 fit; a third hold of 30 is short by 20. */
	assert_int_equal(lf_ledger_reserve(tx, f->project, "EUR", f->task, f->work[0], f->user, 1,
					   60, &shortfall),
			 LF_OK);
	assert_int_equal(lf_ledger_reserve(tx, f->project, "EUR", f->task, f->work[1], f->user, 2,
					   30, &shortfall),
			 LF_OK);
	assert_int_equal(lf_ledger_reserve(tx, f->project, "EUR", f->task, f->work[2], f->user, 3,
					   30, &shortfall),
			 LF_ERR_FUNDS);
	assert_int_equal(shortfall, 20);
	assert_int_equal(lf_ledger_escrow(tx, f->project, "EUR", &e), LF_OK);
	assert_int_equal(e.available, 10);
	assert_int_equal(e.held, 90);
	/* Stage 1 done and paid; stage 2 done then voided. */
	assert_int_equal(lf_ledger_hold_earn(tx, f->work[0]), LF_OK);
	assert_int_equal(lf_ledger_hold_earn(tx, f->work[1]), LF_OK);
	assert_int_equal(lf_ledger_void(tx, "EUR", f->project, f->task, 2, 0), LF_OK);
	assert_int_equal(lf_ledger_pay(tx, "EUR", f->project, f->task), LF_OK);
	/* Paying again finds nothing pending: work is paid once. */
	assert_int_equal(lf_ledger_pay(tx, "EUR", f->project, f->task), LF_OK);
	assert_int_equal(lf_ledger_hold_return(tx, "EUR", f->work[0]), LF_OK);
	assert_int_equal(lf_ledger_escrow(tx, f->project, "EUR", &e), LF_OK);
	assert_int_equal(e.available, 40);
	assert_int_equal(e.held, 0);
	assert_int_equal(e.spent, 60);
	lf_money payable = 0;
	assert_int_equal(
	    lf_store_account_balance(tx, "payable", f->project, f->user, "EUR", &payable), LF_OK);
	assert_int_equal(payable, 60);
	assert_int_equal(lf_store_commit(tx), LF_OK);
	/* An internal account cannot go negative, whatever the caller asks
	 * (the caller then rolls back, as after any error). */
	tx = begin(f);
	lf_posting overdraw[] = {{"escrow", 0, -41, 0}, {"held", 0, 41, 0}};
	lf_ledger_ref ref = {.kind = "test", .project_id = f->project, .currency = "EUR"};
	assert_int_equal(lf_ledger_post(tx, &ref, overdraw, 2, NULL), LF_ERR_FUNDS);
	lf_store_rollback(tx);
	lf_ledger_verdict v;
	assert_int_equal(lf_ledger_verify(f->s, &v), LF_OK);
	assert_true(v.ok);
}

/* A task's shard, and deposits spread evenly with the remainder first. */
static void test_shard_and_spread(void **state)
{
	lf_money parts[LF_LEDGER_SHARDS];
	(void)state;
	assert_int_equal(LF_LEDGER_SHARDS, 16);
	assert_int_equal(lf_ledger_shard(0), 0);
	assert_int_equal(lf_ledger_shard(17), 1);
	assert_int_equal(lf_ledger_shard(31), 15);
	assert_int_equal(lf_ledger_shard(-1), 15);
	lf_ledger_spread(100, parts);
	lf_money sum = 0;
	for (int i = 0; i < LF_LEDGER_SHARDS; i++) {
		assert_int_equal(parts[i], i < 4 ? 7 : 6);
		sum += parts[i];
	}
	assert_int_equal(sum, 100);
	lf_ledger_spread(5, parts);
	for (int i = 0; i < LF_LEDGER_SHARDS; i++)
		assert_int_equal(parts[i], i < 5 ? 1 : 0);
}

/* Refill plans: nothing when the shard covers the claim; the sum decides
 * a refusal; the refilled shard reaches the even share when that is more
 * than the claim; the richest rows give first; every move leaves its
 * row non-negative and the moves sum to what the shard lacked. */
static void test_refill_plan(void **state)
{
	lf_money moves[4], shortfall = -1;
	(void)state;
	lf_money covered[] = {10, 0, 0, 0};
	assert_int_equal(lf_ledger_refill_plan(covered, 4, 0, 10, moves, &shortfall), LF_OK);
	assert_int_equal(moves[0] + moves[1] + moves[2] + moves[3], 0);
	assert_int_equal(shortfall, 0);
	lf_money poor[] = {3, 2, 2, 2};
	assert_int_equal(lf_ledger_refill_plan(poor, 4, 1, 10, moves, &shortfall), LF_ERR_FUNDS);
	assert_int_equal(shortfall, 1);
	/* Sum 9 of a claim of 9: everything moves to row 1. */
	assert_int_equal(lf_ledger_refill_plan(poor, 4, 1, 9, moves, &shortfall), LF_OK);
	assert_int_equal(moves[0], 3);
	assert_int_equal(moves[1], 0);
	assert_int_equal(moves[2] + moves[3], 4);
	/* Sum 400, even share 100 > claim 7: row 2 (0) gets 100, taken
	 * from what rows hold above 100, richest first (row 0). */
	lf_money rich[] = {250, 120, 0, 30};
	assert_int_equal(lf_ledger_refill_plan(rich, 4, 2, 7, moves, &shortfall), LF_OK);
	assert_int_equal(moves[0], 100);
	assert_int_equal(moves[1] + moves[2] + moves[3], 0);
	/* Even share 4 < claim 10: past the even share, the richest give. */
	lf_money low[] = {6, 5, 1, 4};
	assert_int_equal(lf_ledger_refill_plan(low, 4, 2, 10, moves, &shortfall), LF_OK);
	assert_int_equal(moves[0] + moves[1] + moves[3], 9);
	for (int i = 0; i < 4; i++)
		assert_true(moves[i] >= 0 && moves[i] <= low[i]);
	assert_int_equal(moves[2], 0);
}

/* How many of the project's transactions are of a kind. */
/* Ledger transactions of a kind in the project, read from the database
 * file: the ledger listing leaves out refills (they sum to zero). */
static int64_t txns_of_kind(struct fx *f, const char *kind)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t count = -1;
	assert_int_equal(sqlite3_open_v2(f->db.path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT COUNT(*) FROM ledger_txns WHERE kind = ?1"
					    " AND project_id = ?2",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, f->project);
	if (sqlite3_step(st) == SQLITE_ROW)
		count = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return count;
}

/*
 * A deposit of 20 spreads 2 to shards 0..3 and 1 to the others; a claim
 * of 15 on the task's shard refills it from the others in a "rebalance"
 * transaction, and a claim of 6 more is refused with the shortfall of the
 * sum (5 left: short by 1), not of its shard. Held follows the holds'
 * shard, released and paid from there; the ledger verifies throughout.
 */
static void test_claim_refills_its_shard(void **state)
{
	struct fx *f = *state;
	lf_money shortfall = 0;
	lf_escrow e;
	lf_ledger_verdict v;
	lf_fx_deposit(&f->db, f->project, 20);
	lf_tx *tx = begin(f);
	assert_int_equal(lf_ledger_reserve(tx, f->project, "EUR", f->task, f->work[0], f->user, 1,
					   15, &shortfall),
			 LF_OK);
	assert_int_equal(lf_ledger_reserve(tx, f->project, "EUR", f->task, f->work[1], f->user, 2,
					   6, &shortfall),
			 LF_ERR_FUNDS);
	assert_int_equal(shortfall, 1);
	lf_store_rollback(tx);
	tx = begin(f);
	assert_int_equal(lf_ledger_reserve(tx, f->project, "EUR", f->task, f->work[0], f->user, 1,
					   15, &shortfall),
			 LF_OK);
	assert_int_equal(lf_ledger_escrow(tx, f->project, "EUR", &e), LF_OK);
	assert_int_equal(e.available, 5);
	assert_int_equal(e.held, 15);
	lf_hold h;
	assert_int_equal(lf_store_hold_by_work(tx, f->work[0], &h), LF_OK);
	assert_int_equal(h.shard, lf_ledger_shard(f->task));
	/* 5 left in the shards: a claim of 5 takes all of it. */
	assert_int_equal(lf_ledger_reserve(tx, f->project, "EUR", f->task, f->work[1], f->user, 2,
					   5, &shortfall),
			 LF_OK);
	assert_int_equal(lf_ledger_escrow(tx, f->project, "EUR", &e), LF_OK);
	assert_int_equal(e.available, 0);
	assert_int_equal(lf_ledger_hold_return(tx, "EUR", f->work[1]), LF_OK);
	assert_int_equal(lf_ledger_hold_earn(tx, f->work[0]), LF_OK);
	assert_int_equal(lf_ledger_pay(tx, "EUR", f->project, f->task), LF_OK);
	assert_int_equal(lf_ledger_escrow(tx, f->project, "EUR", &e), LF_OK);
	assert_int_equal(e.available, 5);
	assert_int_equal(e.held, 0);
	assert_int_equal(e.spent, 15);
	assert_int_equal(lf_store_commit(tx), LF_OK);
	assert_true(txns_of_kind(f, "rebalance") >= 1);
	assert_int_equal(lf_ledger_verify(f->s, &v), LF_OK);
	assert_true(v.ok);
	/* The refund takes what every shard holds. */
	lf_deposit d;
	int replayed = 0;
	tx = begin(f);
	assert_int_equal(lf_ledger_refund(tx, f->project, "EUR", "refund", 1, &d, &replayed),
			 LF_OK);
	assert_int_equal(d.amount, 5);
	assert_int_equal(lf_ledger_escrow(tx, f->project, "EUR", &e), LF_OK);
	assert_int_equal(e.available, 0);
	assert_int_equal(lf_store_commit(tx), LF_OK);
	assert_int_equal(lf_ledger_verify(f->s, &v), LF_OK);
	assert_true(v.ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_money_add_overflow),
	    cmocka_unit_test(test_currency_exponent),
	    cmocka_unit_test(test_balanced),
	    cmocka_unit_test(test_shard_and_spread),
	    cmocka_unit_test(test_refill_plan),
	    cmocka_unit_test_setup_teardown(test_claim_refills_its_shard, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_currency_mismatch_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hold_life_and_funds, setup, teardown),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("ledger", tests, NULL, NULL);
}
