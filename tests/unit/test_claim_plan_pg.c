/*
 * test_claim_plan_pg.c - on PostgreSQL, the generic plan of each stage's
 * claim query (the one a prepared claim ends up running with) reads the
 * stage's partial index in index order, with no sort and no scan of the
 * table or its primary key, also after ANALYZE has seen a project where
 * 90% of the tasks are finished. Needs LABELFLOW_TEST_PG (a server URL, as
 * scripts/run-tests pg sets it); skipped without one.
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

#include "store/store.h"

struct fixture {
	lf_store *s;
	PGconn *admin;
	PGconn *db;
	char name[64];
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
	snprintf(f->name, sizeof(f->name), "lf_plan_%d", (int)getpid());
	f->admin = PQconnectdb(base);
	if (PQstatus(f->admin) != CONNECTION_OK)
		return -1;
	PQsetNoticeProcessor(f->admin, quiet, NULL);
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", f->name);
	run_sql(f->admin, sql);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", f->name);
	run_sql(f->admin, sql);
	url_with_db(base, f->name, url, sizeof(url));
	if (lf_store_open(url, 2, &f->s, err, sizeof(err)) != LF_OK ||
	    lf_store_migrate(f->s, NULL) != LF_OK)
		return -1;
	f->db = PQconnectdb(url);
	return PQstatus(f->db) == CONNECTION_OK ? 0 : -1;
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

static void assert_plan(lf_store *s, int stage)
{
	char plan[4096], want[64];
	lf_tx *tx;
	lf_arena *a = lf_arena_create();
	assert_int_equal(lf_store_begin(s, LF_TX_READ, a, &tx), LF_OK);
	assert_int_equal(lf_store_task_next_plan(tx, stage, plan, sizeof(plan)), LF_OK);
	lf_store_rollback(tx);
	lf_arena_destroy(a);
	snprintf(want, sizeof(want), "Index Scan using tasks_queued_l%d on tasks", stage);
	if (strstr(plan, want) == NULL || strstr(plan, "Sort") != NULL ||
	    strstr(plan, "Seq Scan on tasks") != NULL || strstr(plan, "tasks_pkey") != NULL)
		fail_msg("stage %d claim plan does not read tasks_queued_l%d in order:\n%s", stage,
			 stage, plan);
	if (stage == 1 && strstr(plan, "using tasks_rework on tasks") == NULL)
		fail_msg("the rework lookup does not use tasks_rework:\n%s", plan);
}

static void test_plans_fresh(void **state)
{
	struct fixture *f = *state;
	for (int stage = 1; stage <= 3; stage++)
		assert_plan(f->s, stage);
}

/* 90,000 finished tasks before 10,000 queued ones per stage in id order,
 * analyzed: the case where the planner is tempted by a primary-key scan. */
static void test_plans_late_project(void **state)
{
	struct fixture *f = *state;
	run_sql(f->db, "INSERT INTO projects (id, name, created_at, updated_at)"
		       " VALUES (1, 'p', 0, 0)");
	run_sql(f->db, "INSERT INTO tasks (project_id, state, data, created_at, updated_at)"
		       " SELECT 1, CASE WHEN i <= 90000 THEN 'accepted' WHEN i % 3 = 0 THEN"
		       " 'queued_l1' WHEN i % 3 = 1 THEN 'queued_l2' ELSE 'queued_l3' END,"
		       " '{}', 0, 0 FROM generate_series(1, 100000) i");
	run_sql(f->db, "ANALYZE");
	for (int stage = 1; stage <= 3; stage++)
		assert_plan(f->s, stage);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plans_fresh),
	    cmocka_unit_test(test_plans_late_project),
	};
	if (getenv("LABELFLOW_TEST_PG") == NULL) {
		printf("1..0 # SKIP needs LABELFLOW_TEST_PG (scripts/run-tests pg)\n");
		return 0;
	}
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("claim_plan_pg", tests, setup, teardown);
}
