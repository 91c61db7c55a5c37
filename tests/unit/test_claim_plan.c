/*
 * test_claim_plan.c - the claim query of each stage reads the stage's
 * partial index in index order (no sort, no scan of finished tasks), also
 * after ANALYZE has seen a project where most tasks are finished.
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

#include "store/store.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
	char url[160], err[256];
	lf_store *s = NULL;
	snprintf(dir, sizeof(dir), "/tmp/lf_test_plan_XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/db", dir);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	if (lf_store_open(url, 2, &s, err, sizeof(err)) != LF_OK ||
	    lf_store_migrate(s, NULL) != LF_OK)
		return -1;
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	char cmd[200];
	lf_store_close(*state);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void assert_plan(lf_store *s, int stage)
{
	char plan[2048], want[32];
	lf_tx *tx;
	lf_arena *a = lf_arena_create();
	assert_int_equal(lf_store_begin(s, LF_TX_READ, a, &tx), LF_OK);
	assert_int_equal(lf_store_task_next_plan(tx, stage, plan, sizeof(plan)), LF_OK);
	lf_store_rollback(tx);
	lf_arena_destroy(a);
	snprintf(want, sizeof(want), "tasks_queued_l%d", stage);
	if (strstr(plan, want) == NULL || strstr(plan, "TEMP B-TREE") != NULL)
		fail_msg("stage %d claim plan does not read %s in order:\n%s", stage, want, plan);
	/* The rework lookup of L1 claims must use its own index, not walk the
	 * whole queue looking for the user's rework. */
	if (stage == 1 && strstr(plan, "USING INDEX tasks_rework") == NULL)
		fail_msg("the rework lookup does not use tasks_rework:\n%s", plan);
}

static void test_plans_fresh(void **state)
{
	for (int stage = 1; stage <= 3; stage++)
		assert_plan(*state, stage);
}

/* 9,000 finished tasks before 1,000 queued ones in id order, analyzed: the
 * case where a planner is tempted by a primary-key scan. */
static void test_plans_late_project(void **state)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	const char *sql =
	    "INSERT INTO projects (id, name, created_at) VALUES (1, 'p', 0);"
	    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)"
	    " INSERT INTO tasks (project_id, state, data, created_at, updated_at)"
	    " SELECT 1, CASE WHEN i <= 9000 THEN 'accepted' ELSE 'queued_l1' END, '{}', 0, 0"
	    " FROM n;"
	    "ANALYZE;";
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		fail_msg("%s", err);
	sqlite3_close(db);
	for (int stage = 1; stage <= 3; stage++)
		assert_plan(*state, stage);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plans_fresh),
	    cmocka_unit_test(test_plans_late_project),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("claim_plan", tests, setup, teardown);
}
