/*
 * test_tasks_pg.c - on PostgreSQL, the statement that locks a task for a
 * transition (lf_store_task_lock_ctx) and what it reads beside the task:
 * a statement that had to wait for the row lock returns the newest row
 * but reads the rest from its older snapshot, so it must say that its
 * active stint is not current, and the caller reads it again. Needs
 * LABELFLOW_TEST_PG (a server URL, as scripts/run-tests pg sets it);
 * skipped without one.
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
#include <pthread.h>

#include "pg_fixture.h"
#include "store/store.h"

struct waiter {
	lf_store *s;
	lf_arena *a; /* the row read outlives the transaction */
	int64_t task;
	lf_task_locked l;
	int ret;
};

static int setup(void **state)
{
	if (lf_pgfx_open(state, "lf_tasks_pg", 4) != 0)
		return -1;
	struct lf_pgfx *f = *state;
	lf_pgfx_sql(
	    f->db, "INSERT INTO projects (id, name, created_at, updated_at) VALUES (1, 'p', 0, 7)");
	lf_pgfx_sql(f->db,
		    "INSERT INTO users (id, email, name, role, password_hash, active, created_at,"
		    " updated_at) VALUES (1, 'a@example.org', 'a', 'annotator', 'x', 1, 0, 0)");
	lf_pgfx_sql(f->db, "INSERT INTO tasks (id, project_id, state, data, created_at, updated_at)"
			   " VALUES (1, 1, 'queued_l1', '{}', 0, 0)");
	return 0;
}

static void *lock_task(void *arg)
{
	struct waiter *w = arg;
	lf_tx *tx = NULL;
	w->ret = lf_store_begin(w->s, LF_TX_WRITE, w->a, &tx);
	if (w->ret == LF_OK)
		w->ret = lf_store_task_lock_ctx(tx, w->task, &w->l);
	lf_store_rollback(tx);
	return NULL;
}

/* Whether some backend of the test database waits for a lock. */
static int someone_waits(PGconn *db)
{
	PGresult *r = PQexec(db, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type ="
				 " 'Lock' AND datname = current_database()");
	int n = PQresultStatus(r) == PGRES_TUPLES_OK ? atoi(PQgetvalue(r, 0, 0)) : 0;
	PQclear(r);
	return n > 0;
}

static void test_a_waited_lock_is_not_current(void **state)
{
	struct lf_pgfx *f = *state;
	struct waiter w = {.s = f->s, .a = lf_arena_create(), .task = 1};
	lf_task_locked l;
	lf_tx *tx = NULL;
	int64_t work = 0;
	pthread_t th;

	/* Uncontended: current, no stint yet. */
	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, NULL, &tx), LF_OK);
	assert_int_equal(lf_store_task_lock_ctx(tx, 1, &l), LF_OK);
	assert_int_equal(l.current, 1);
	assert_int_equal(l.active_work, 0);
	assert_int_equal(l.project_version, 7);

	/* A second transition waits for the first, which claims the task
	 * (a stint and a task update) and commits. */
	assert_int_equal(pthread_create(&th, NULL, lock_task, &w), 0);
	for (int i = 0; i < 500 && !someone_waits(f->db); i++)
		usleep(10000);
	assert_true(someone_waits(f->db));
	lf_work wk = {.task_id = 1,
		      .project_id = 1,
		      .user_id = 1,
		      .stage = 1,
		      .status = "active",
		      .started_at = 1};
	assert_int_equal(lf_store_work_insert(tx, &wk, &work), LF_OK);
	l.task.state = "locked_l1";
	l.task.lease_owner = 1;
	l.task.lease_expires = 10;
	l.task.updated_at = 1;
	assert_int_equal(lf_store_task_update(tx, &l.task, "queued_l1"), LF_OK);
	assert_int_equal(lf_store_commit(tx), LF_OK);
	assert_int_equal(pthread_join(th, NULL), 0);

	/* It has the newest row, and knows its stint read is stale. */
	assert_int_equal(w.ret, LF_OK);
	assert_string_equal(w.l.task.state, "locked_l1");
	assert_int_equal(w.l.current, 0);
	assert_int_not_equal(w.l.active_work, work);

	/* Read again without waiting: current, with the stint. */
	assert_int_equal(lf_store_begin(f->s, LF_TX_WRITE, NULL, &tx), LF_OK);
	assert_int_equal(lf_store_task_lock_ctx(tx, 1, &l), LF_OK);
	assert_int_equal(l.current, 1);
	assert_int_equal(l.active_work, work);
	lf_store_rollback(tx);
	lf_arena_destroy(w.a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_a_waited_lock_is_not_current),
	};
	if (getenv("LABELFLOW_TEST_PG") == NULL) {
		printf("1..0 # SKIP needs LABELFLOW_TEST_PG (scripts/run-tests pg)\n");
		return 0;
	}
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("tasks_pg", tests, setup, lf_pgfx_close);
}
