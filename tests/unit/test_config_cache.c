/*
 * test_config_cache.c - the project configuration cache of tasks/ and the
 * version it is keyed by: every change of a project moves its updated_at
 * forward (also two in one millisecond, or from a lagging clock), a
 * configuration is served for its version only and read again after a
 * change, and never served from one database to another; the statement
 * that locks a task reads that version and the task's active stint.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "fixture.h"
#include "tasks/config_cache.h"

static lf_project project_get(lf_fx *f, int64_t id);
static int64_t update(lf_fx *f, int64_t id, const char *rates, int64_t updated_at);
static const lf_tasks_conf *conf(lf_fx *f, lf_tx *tx, int64_t task, int64_t *version);

static lf_project project_get(lf_fx *f, int64_t id)
{
	lf_tx *tx = NULL;
	lf_project p;
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_project_get(tx, id, &p), LF_OK);
	lf_store_rollback(tx);
	return p;
}

/* Writes the project back with new rates, asking for updated_at; returns
 * the updated_at it got. */
static int64_t update(lf_fx *f, int64_t id, const char *rates, int64_t updated_at)
{
	lf_project p = project_get(f, id);
	p.rates = rates;
	p.updated_at = updated_at;
	lf_tx *tx = lf_fx_begin(f);
	assert_int_equal(lf_store_project_update(tx, &p), LF_OK);
	assert_int_equal(lf_store_commit(tx), LF_OK);
	assert_int_equal(project_get(f, id).updated_at, p.updated_at);
	return p.updated_at;
}

/* The configuration of the task's project, as a transition gets it. */
static const lf_tasks_conf *conf(lf_fx *f, lf_tx *tx, int64_t task, int64_t *version)
{
	lf_task_locked l;
	const lf_tasks_conf *c = NULL;
	assert_int_equal(lf_store_task_lock_ctx(tx, task, &l), LF_OK);
	assert_int_equal(lf_tasks_conf_get(tx, l.task.project_id, l.project_version, &c), LF_OK);
	*version = l.project_version;
	return c;
}

static void test_version_moves_forward(void **state)
{
	lf_fx *f = *state;
	int64_t id = lf_fx_project(f, NULL, NULL); /* updated_at 1 */
	assert_int_equal(update(f, id, "{}", 1000), 1000);
	/* The same millisecond, then a clock behind the last writer's. */
	assert_int_equal(update(f, id, "{\"l1\":5}", 1000), 1001);
	assert_int_equal(update(f, id, "{\"l1\":6}", 900), 1002);
	assert_int_equal(update(f, id, "{\"l1\":7}", 5000), 5000);
}

static void test_served_by_version(void **state)
{
	lf_fx *f = *state;
	int64_t id = lf_fx_project(f, NULL, "{\"l1\":100}");
	int64_t task = lf_fx_task(f, id, "Alice met Bob.");
	int64_t v1, v2, again;
	lf_tx *tx = lf_fx_begin(f);
	const lf_tasks_conf *c1 = conf(f, tx, task, &v1);
	assert_int_equal(c1->rates.l1, 100);
	assert_string_equal(c1->project.currency, "EUR");
	assert_ptr_equal(conf(f, tx, task, &again), c1);
	assert_int_equal(again, v1);
	lf_store_rollback(tx);

	/* A change within the same millisecond still moves the version. */
	update(f, id, "{\"l1\":200}", project_get(f, id).updated_at);
	tx = lf_fx_begin(f);
	const lf_tasks_conf *c2 = conf(f, tx, task, &v2);
	assert_true(v2 > v1);
	assert_int_equal(c2->rates.l1, 200);
	/* A lookup with a version older than the cached one reads the row. */
	const lf_tasks_conf *old = NULL;
	assert_int_equal(lf_tasks_conf_get(tx, id, v1, &old), LF_OK);
	assert_int_equal(old->rates.l1, 200);
	lf_store_rollback(tx);
	/* What a transition held is released with its arena. */
	lf_arena_reset(f->arena);
}

static void test_not_shared_between_databases(void **state)
{
	lf_fx *f = *state;
	lf_fx other = {.s = NULL};
	int64_t v1, v2;
	assert_int_equal(lf_fx_open(&other, "config_cache_other", 1), LF_OK);
	/* Same id, same updated_at, different rates. */
	int64_t a = lf_fx_project(f, NULL, "{\"l1\":11}");
	int64_t b = lf_fx_project(&other, NULL, "{\"l1\":22}");
	assert_int_equal(a, b);
	int64_t ta = lf_fx_task(f, a, "one"), tb = lf_fx_task(&other, b, "two");
	lf_tx *tx = lf_fx_begin(f);
	assert_int_equal(conf(f, tx, ta, &v1)->rates.l1, 11);
	lf_store_rollback(tx);
	tx = lf_fx_begin(&other);
	assert_int_equal(conf(&other, tx, tb, &v2)->rates.l1, 22);
	assert_int_equal(v1, v2);
	lf_store_rollback(tx);
	lf_fx_close(&other);
}

static void test_lock_reads_the_active_stint(void **state)
{
	lf_fx *f = *state;
	int64_t id = lf_fx_project(f, NULL, NULL);
	int64_t task = lf_fx_task(f, id, "Alice met Bob.");
	int64_t user = lf_fx_user(f, "a@example.org", "annotator");
	int64_t work = 0;
	lf_task_locked l;
	lf_tx *tx = lf_fx_begin(f);
	assert_int_equal(lf_store_task_lock_ctx(tx, task, &l), LF_OK);
	assert_int_equal(l.active_work, 0);
	assert_int_equal(l.current, 1);
	assert_int_equal(l.project_version, project_get(f, id).updated_at);
	lf_work w = {.task_id = task,
		     .project_id = id,
		     .user_id = user,
		     .stage = 1,
		     .status = "active",
		     .started_at = 2};
	assert_int_equal(lf_store_work_insert(tx, &w, &work), LF_OK);
	assert_int_equal(lf_store_task_lock_ctx(tx, task, &l), LF_OK);
	assert_int_equal(l.active_work, work);
	assert_int_equal(l.current, 1);
	lf_store_rollback(tx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_version_moves_forward, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_served_by_version, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_not_shared_between_databases, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_lock_reads_the_active_stint, lf_fx_setup,
					    lf_fx_teardown),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("config_cache", tests, NULL, NULL);
}
