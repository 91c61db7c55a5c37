/*
 * test_store_pg.c - on PostgreSQL, statements held back to the
 * transaction's next round trip (lf_db_exec_later, used by the task
 * compare-and-set, hold moves and earnings, ledger entries and audit
 * appends): their
 * failures are the transaction's, nothing of a failed one stays, a
 * transaction of held-back statements only still commits them, and the
 * connection is clean for the next caller. Needs LABELFLOW_TEST_PG (a
 * server URL, as scripts/run-tests pg sets it); skipped without one.
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
#include <libpq-fe.h>

#include "pg_fixture.h"
#include "store/store.h"

static int setup(void **state)
{
	if (lf_pgfx_open(state, "lf_store_pg", 2) != 0)
		return -1;
	struct lf_pgfx *f = *state;
	lf_pgfx_sql(
	    f->db, "INSERT INTO projects (id, name, created_at, updated_at) VALUES (1, 'p', 0, 7)");
	lf_pgfx_sql(f->db, "INSERT INTO tasks (id, project_id, state, data, created_at, updated_at)"
			   " VALUES (1, 1, 'queued_l1', '{}', 0, 0)");
	lf_pgfx_sql(f->db,
		    "INSERT INTO users (id, email, name, role, password_hash, active, created_at,"
		    " updated_at) VALUES (1, 'a@example.org', 'a', 'annotator', 'x', 1, 0, 0)");
	lf_pgfx_sql(f->db,
		    "INSERT INTO task_work (id, task_id, project_id, user_id, stage, status,"
		    " started_at) VALUES (1, 1, 1, 1, 1, 'done', 0), (2, 1, 1, 1, 1, 'done', 0),"
		    " (3, 1, 1, 1, 1, 'done', 0)");
	lf_pgfx_sql(
	    f->db, "INSERT INTO holds (work_id, task_id, project_id, user_id, stage, amount,"
		   " status, created_at, updated_at, shard) VALUES"
		   " (1, 1, 1, 1, 1, 7, 'held', 0, 0, 0), (2, 1, 1, 1, 1, 7, 'released', 0, 0, 0)");
	return 0;
}

/* The first column of the first row of sql, on the raw connection. */
static int64_t count(struct lf_pgfx *f, const char *sql)
{
	PGresult *r = PQexec(f->db, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(r));
	int64_t n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return n;
}

static lf_audit_row audit_row(const char *action)
{
	return (lf_audit_row){.ts = 1,
			      .action = action,
			      .entity_type = "task",
			      .entity_id = "1",
			      .task_id = 1,
			      .details = "{}"};
}

static lf_task task_in(lf_tx *tx, const char *to)
{
	lf_task t;
	assert_int_equal(lf_store_task_lock(tx, 1, &t), LF_OK);
	t.state = to;
	t.updated_at = 9;
	return t;
}

/* A transaction whose statements were all held back still begins and
 * commits, in one round trip, and its rows are there. */
static void test_held_back_only_commits(void **state)
{
	struct lf_pgfx *f = *state;
	int64_t before = count(f, "SELECT count(*) FROM audit_log");
	lf_tx *tx = NULL;
	lf_audit_row a = audit_row("task.claim");
	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, NULL, &tx), LF_OK);
	assert_int_equal(lf_store_audit_insert(tx, &a, NULL), LF_OK);
	assert_int_equal(lf_store_audit_insert(tx, &a, NULL), LF_OK);
	assert_int_equal(lf_store_commit(tx), LF_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM audit_log"), before + 2);
}

/* The compare-and-set of a task fails at COMMIT when the row was not in
 * the expected state, and the transaction's other rows are gone with it. */
static void test_missed_compare_and_set_fails_commit(void **state)
{
	struct lf_pgfx *f = *state;
	int64_t before = count(f, "SELECT count(*) FROM audit_log");
	lf_tx *tx = NULL;
	lf_audit_row a = audit_row("task.claim");
	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, NULL, &tx), LF_OK);
	lf_task t = task_in(tx, "locked_l1");
	assert_int_equal(lf_store_audit_insert(tx, &a, NULL), LF_OK);
	/* The row is queued_l1: expecting review_l2 must miss. */
	assert_int_equal(lf_store_task_update(tx, &t, "review_l2"), LF_OK);
	assert_int_equal(lf_store_commit(tx), LF_ERR_CONFLICT);
	assert_int_equal(count(f, "SELECT count(*) FROM audit_log"), before);
	assert_int_equal(count(f, "SELECT count(*) FROM tasks WHERE state = 'queued_l1'"), 1);

	/* The same connections serve the next transactions cleanly. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, NULL, &tx), LF_OK);
		t = task_in(tx, "queued_l1");
		assert_int_equal(lf_store_task_update(tx, &t, "queued_l1"), LF_OK);
		assert_int_equal(lf_store_audit_insert(tx, &a, NULL), LF_OK);
		assert_int_equal(lf_store_commit(tx), LF_OK);
	}
	assert_int_equal(count(f, "SELECT count(*) FROM audit_log"), before + 3);
	assert_int_equal(count(f, "SELECT count(*) FROM tasks WHERE updated_at = 9"), 1);
}

/* A held-back statement that misses fails the statement that carries it:
 * the caller learns it there, and rolling back leaves nothing. */
static void test_miss_fails_the_next_statement(void **state)
{
	struct lf_pgfx *f = *state;
	int64_t before = count(f, "SELECT count(*) FROM audit_log");
	lf_tx *tx = NULL;
	lf_task t;
	lf_audit_row a = audit_row("task.submit");
	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, NULL, &tx), LF_OK);
	assert_int_equal(lf_store_audit_insert(tx, &a, NULL), LF_OK);
	assert_int_equal(lf_store_hold_move(tx, 999999, "held", "pending", 1), LF_OK);
	assert_int_equal(lf_store_task_get(tx, 1, &t), LF_ERR_CONFLICT);
	lf_store_rollback(tx);
	assert_int_equal(count(f, "SELECT count(*) FROM audit_log"), before);

	/* A constraint broken by a held-back insert is LF_ERR_CONFLICT too
	 * (an entry of a transaction that does not exist). */
	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, NULL, &tx), LF_OK);
	assert_int_equal(lf_store_audit_insert(tx, &a, NULL), LF_OK);
	assert_int_equal(lf_store_entry_insert(tx, 999999, 999999, 5), LF_OK);
	assert_int_equal(lf_store_commit(tx), LF_ERR_CONFLICT);
	assert_int_equal(count(f, "SELECT count(*) FROM audit_log"), before);
	assert_int_equal(count(f, "SELECT count(*) FROM ledger_entries"), 0);
}

/* A stint's hold is earned by one held-back statement: held becomes
 * pending, no hold (an unpaid stage) is no change, and a hold in any other
 * status fails the transaction. */
static void test_hold_earn(void **state)
{
	struct lf_pgfx *f = *state;
	lf_tx *tx = NULL;
	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, NULL, &tx), LF_OK);
	assert_int_equal(lf_store_hold_earn(tx, 1, 5), LF_OK);
	assert_int_equal(lf_store_hold_earn(tx, 3, 5), LF_OK);
	assert_int_equal(lf_store_commit(tx), LF_OK);
	assert_int_equal(count(f,
			       "SELECT count(*) FROM holds WHERE work_id = 1 AND status = 'pending'"
			       " AND updated_at = 5"),
			 1);

	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, NULL, &tx), LF_OK);
	assert_int_equal(lf_store_hold_earn(tx, 2, 6), LF_OK);
	assert_int_equal(lf_store_commit(tx), LF_ERR_CONFLICT);
	assert_int_equal(
	    count(f, "SELECT count(*) FROM holds WHERE work_id = 2 AND status = 'released'"
		     " AND updated_at = 0"),
	    1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_held_back_only_commits),
	    cmocka_unit_test(test_missed_compare_and_set_fails_commit),
	    cmocka_unit_test(test_miss_fails_the_next_statement),
	    cmocka_unit_test(test_hold_earn),
	};
	if (getenv("LABELFLOW_TEST_PG") == NULL) {
		printf("1..0 # SKIP needs LABELFLOW_TEST_PG (scripts/run-tests pg)\n");
		return 0;
	}
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("store_pg", tests, setup, lf_pgfx_close);
}
