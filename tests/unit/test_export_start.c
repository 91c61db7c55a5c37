/*
 * test_export_start.c - starting an export (lf_export_start) on a real
 * database: a bad format or filter is refused before anything is
 * written; a good request writes the export, its job and its audit record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "export/job.h"
#include "fixture.h"

static int64_t count_jobs(lf_fx *f);

static int64_t count_jobs(lf_fx *f)
{
	int64_t n = -1;
	lf_tx *tx = NULL;
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_job_count(tx, NULL, &n), LF_OK);
	lf_store_rollback(tx);
	return n;
}

static void test_refusals(void **state)
{
	lf_fx *f = *state;
	lf_export_row row;
	lf_error err = {.code = 0};
	int64_t project = lf_fx_project(f, NULL, NULL);
	lf_export_request rq = {.project_id = project, .format = "pdf", .actor_role = "admin"};
	assert_int_equal(lf_export_start(f->s, f->arena, &rq, &row, &err), LF_ERR_INVALID);
	assert_string_equal(err.reason, "invalid_format");
	json_t *filter = json_pack("{s:s}", "state", "nonsense");
	rq.format = "jsonl";
	rq.filter = filter;
	memset(&err, 0, sizeof(err));
	assert_int_equal(lf_export_start(f->s, f->arena, &rq, &row, &err), LF_ERR_INVALID);
	assert_string_equal(err.reason, "invalid_filter");
	json_decref(filter);
	assert_int_equal(count_jobs(f), 0);
}

static void test_start(void **state)
{
	lf_fx *f = *state;
	lf_export_row row, stored;
	lf_error err = {.code = 0};
	lf_tx *tx = NULL;
	int64_t project = lf_fx_project(f, NULL, NULL);
	int64_t admin = lf_fx_user(f, "admin@example.org", "admin");
	json_t *filter = json_pack("{s:b}", "include_predictions", 1);
	lf_export_request rq = {.project_id = project,
				.format = "jsonl",
				.filter = filter,
				.actor_id = admin,
				.actor_role = "admin"};
	assert_int_equal(lf_export_start(f->s, f->arena, &rq, &row, &err), LF_OK);
	json_decref(filter);
	assert_true(row.id > 0);
	assert_string_equal(row.status, "queued");
	assert_string_equal(row.filter, "{\"include_predictions\":true}");
	assert_int_equal(count_jobs(f), 1);
	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_export_get(tx, row.id, &stored), LF_OK);
	lf_audit_row *rows;
	int n = 0;
	lf_audit_filter af = {.project_id = project, .action = "export.create", .limit = 10};
	assert_int_equal(lf_store_audit_list(tx, &af, &rows, &n), LF_OK);
	lf_store_rollback(tx);
	assert_string_equal(stored.format, "jsonl");
	assert_int_equal(n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_refusals, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_start, lf_fx_setup, lf_fx_teardown),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("export_start", tests, NULL, NULL);
}
