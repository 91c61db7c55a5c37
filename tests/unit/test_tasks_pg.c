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

#include "store/store.h"

struct fixture {
	lf_store *s;
	PGconn *admin;
	PGconn *db;
	char name[64];
};

struct waiter {
	lf_store *s;
	lf_arena *a; /* the row read outlives the transaction */
	int64_t task;
	lf_task_locked l;
	int ret;
};

static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static void run_sql(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
}

/* A database URL on the same server: base URL with the path replaced. */
static void url_with_db(const char *base, const char *name, char *out, size_t len)
{
	const char *slash = strchr(strstr(base, "://") + 3, '/');
	int host_len = slash != NULL ? (int)(slash - base) : (int)strlen(base);
	snprintf(out, len, "%.*s/%s", host_len, base, name);
}

static int setup(void **state)
{
	const char *base = getenv("LABELFLOW_TEST_PG");
	char sql[128], url[512], err[256];
	struct fixture *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -1;
	*state = f;
	snprintf(f->name, sizeof(f->name), "lf_tasks_pg_%d", (int)getpid());
	f->admin = PQconnectdb(base);
	if (PQstatus(f->admin) != CONNECTION_OK)
		return -1;
	PQsetNoticeProcessor(f->admin, quiet, NULL);
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", f->name);
	run_sql(f->admin, sql);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", f->name);
	run_sql(f->admin, sql);
	url_with_db(base, f->name, url, sizeof(url));
	if (lf_store_open(url, 4, &f->s, err, sizeof(err)) != LF_OK ||
	    lf_store_migrate(f->s, NULL) != LF_OK)
		return -1;
	f->db = PQconnectdb(url);
	if (PQstatus(f->db) != CONNECTION_OK)
		return -1;
	run_sql(f->db,
		"INSERT INTO projects (id, name, created_at, updated_at) VALUES (1, 'p', 0, 7)");
	run_sql(f->db,
		"INSERT INTO users (id, email, name, role, password_hash, active, created_at,"
		" updated_at) VALUES (1, 'a@example.org', 'a', 'annotator', 'x', 1, 0, 0)");
	run_sql(f->db, "INSERT INTO tasks (id, project_id, state, data, created_at, updated_at)"
		       " VALUES (1, 1, 'queued_l1', '{}', 0, 0)");
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char sql[128];
	lf_store_close(f->s);
	PQfinish(f->db);
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", f->name);
	run_sql(f->admin, sql);
	PQfinish(f->admin);
	free(f);
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
	struct fixture *f = *state;
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
	return cmocka_run_group_tests_name("tasks_pg", tests, setup, teardown);
}
