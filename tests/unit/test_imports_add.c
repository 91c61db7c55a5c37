/*
 * test_imports_add.c - tasks given directly (lf_imports_add_tasks) on a
 * real database: all or none when one prediction does not fit, the ids
 * and the one audit record of a batch that does, and the refusals of a
 * malformed batch or an unknown project.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "fixture.h"
#include "imports/imports.h"

static json_t *task(const char *text, const char *label, int end);
static int64_t queued(lf_fx *f, int64_t project);
static int audited(lf_fx *f, int64_t project);

/* A task {"data": {"text": text}}, with a prediction of one span
 * [0, end) labelled label when label is not NULL. */
static json_t *task(const char *text, const char *label, int end)
{
	json_t *t = json_pack("{s:{s:s}}", "data", "text", text);
	if (label != NULL)
		json_object_set_new(t, "predictions",
				    json_pack("[{s:[{s:s,s:s,s:s,s:s,s:{s:i,s:i,s:[s]}}]}]",
					      "result", "id", "r1", "from_name", "label", "to_name",
					      "text", "type", "labels", "value", "start", 0, "end",
					      end, "labels", label));
	return t;
}

static int64_t queued(lf_fx *f, int64_t project)
{
	static const char *const states[] = {"queued_l1"};
	int64_t n = -1;
	lf_tx *tx = NULL;
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_project_state_counts(tx, project, states, 1, &n), LF_OK);
	lf_store_rollback(tx);
	return n;
}

static int audited(lf_fx *f, int64_t project)
{
	lf_tx *tx = NULL;
	lf_audit_row *rows;
	int n = 0;
	lf_audit_filter af = {.project_id = project, .action = "tasks.create", .limit = 10};
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_audit_list(tx, &af, &rows, &n), LF_OK);
	lf_store_rollback(tx);
	return n;
}

static void test_all_or_none(void **state)
{
	lf_fx *f = *state;
	lf_imports_added added;
	lf_error err = {.code = 0};
	int64_t project = lf_fx_project(f, NULL, NULL);
	json_t *tasks = json_pack("[o,o,o]", task("Alice", NULL, 0), task("Bob at Acme", "PER", 3),
				  task("Carol", "PER", 50));
	lf_imports_tasks rq = {
	    .project_id = project, .tasks = tasks, .actor_id = 0, .actor_role = "admin"};
	/* The third task's span runs past its text: nothing is created. */
	assert_int_equal(lf_imports_add_tasks(f->s, f->arena, &rq, &added, &err), LF_ERR_INVALID);
	assert_int_equal(err.code, LF_ERR_INVALID);
	assert_string_equal(err.reason, "invalid_result");
	assert_memory_equal(err.message, "tasks[2].predictions[0]: ", 25);
	assert_int_equal(queued(f, project), 0);
	assert_int_equal(audited(f, project), 0);
	/* Fixed, the same batch is created whole, ids in order. */
	json_array_set_new(tasks, 2, task("Carol", "PER", 5));
	memset(&err, 0, sizeof(err));
	assert_int_equal(lf_imports_add_tasks(f->s, f->arena, &rq, &added, &err), LF_OK);
	assert_int_equal(added.created, 3);
	assert_int_equal(added.last_id - added.first_id, 2);
	assert_int_equal(queued(f, project), 3);
	assert_int_equal(audited(f, project), 1);
	json_decref(tasks);
}

static void test_refusals(void **state)
{
	lf_fx *f = *state;
	lf_imports_added added;
	lf_error err = {.code = 0};
	int64_t project = lf_fx_project(f, NULL, NULL);
	json_t *empty = json_array();
	json_t *bad = json_pack("[o,{s:s}]", task("ok", NULL, 0), "data", "not an object");
	json_t *good = json_pack("[o]", task("ok", NULL, 0));
	lf_imports_tasks rq = {.project_id = project, .tasks = empty, .actor_role = "admin"};
	assert_int_equal(lf_imports_add_tasks(f->s, f->arena, &rq, &added, &err), LF_ERR_INVALID);
	assert_string_equal(err.reason, "invalid_tasks");
	assert_string_equal(err.message, "tasks must be an array of 1 to 10000 task objects.");
	rq.tasks = bad;
	assert_int_equal(lf_imports_add_tasks(f->s, f->arena, &rq, &added, &err), LF_ERR_INVALID);
	assert_string_equal(err.reason, "invalid_tasks");
	assert_memory_equal(err.message, "tasks[1] needs a data object", 28);
	rq.tasks = good;
	rq.project_id = project + 1000;
	memset(&err, 0, sizeof(err));
	assert_int_equal(lf_imports_add_tasks(f->s, f->arena, &rq, &added, &err), LF_ERR_NOTFOUND);
	assert_string_equal(err.reason, "not_found");
	assert_int_equal(queued(f, project), 0);
	json_decref(empty);
	json_decref(bad);
	json_decref(good);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_all_or_none, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_refusals, lf_fx_setup, lf_fx_teardown),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("imports_add", tests, NULL, NULL);
}
