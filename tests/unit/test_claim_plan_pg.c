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

#include "pg_fixture.h"
#include "store/store.h"

static int setup(void **state)
{
	return lf_pgfx_open(state, "lf_plan", 2);
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
	struct lf_pgfx *f = *state;
	for (int stage = 1; stage <= 3; stage++)
		assert_plan(f->s, stage);
}

/* 90,000 finished tasks before 10,000 queued ones per stage in id order,
 * analyzed: the case where the planner is tempted by a primary-key scan. */
static void test_plans_late_project(void **state)
{
	struct lf_pgfx *f = *state;
	lf_pgfx_sql(f->db, "INSERT INTO projects (id, name, created_at, updated_at)"
			   " VALUES (1, 'p', 0, 0)");
	lf_pgfx_sql(f->db, "INSERT INTO tasks (project_id, state, data, created_at, updated_at)"
			   " SELECT 1, CASE WHEN i <= 90000 THEN 'accepted' WHEN i % 3 = 0 THEN"
			   " 'queued_l1' WHEN i % 3 = 1 THEN 'queued_l2' ELSE 'queued_l3' END,"
			   " '{}', 0, 0 FROM generate_series(1, 100000) i");
	lf_pgfx_sql(f->db, "ANALYZE");
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
	return cmocka_run_group_tests_name("claim_plan_pg", tests, setup, lf_pgfx_close);
}
