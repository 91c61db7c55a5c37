/*
 * test_imports_start.c - an upload becomes an import (lf_imports_start)
 * on a real database and blob store: the import, its job and its audit
 * record are written together and the blob stays; when the transaction
 * fails the blob is deleted and nothing is written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "imports/imports.h"

static const char upload[] = "{\"text\":\"a\"}\n{\"text\":\"b\"}\n";

struct world {
	lf_fx fx;
	lf_blob_store *blobs;
	lf_imports_check *check;
	int64_t project, admin;
};

static int setup(void **state);
static int teardown(void **state);
static void store_blob(struct world *w, const char *key);
static int blob_exists(struct world *w, const char *key);
static int64_t count_jobs(struct world *w);

static int setup(void **state)
{
	static struct world w;
	char url[128], err[200];
	memset(&w, 0, sizeof(w));
	if (lf_fx_open(&w.fx, "imports_start", 2) != LF_OK)
		return -1;
	snprintf(url, sizeof(url), "file:%s/blobs", w.fx.dir);
	if (lf_blob_open(url, &w.blobs, err, sizeof(err)) != LF_OK ||
	    lf_imports_check_new(LF_INGEST_JSONL, 0, 1, NULL, &w.check, err, sizeof(err)) !=
		LF_OK ||
	    lf_imports_check_feed(w.check, upload, strlen(upload)) != LF_OK ||
	    lf_imports_check_finish(w.check) != LF_OK)
		return -1;
	w.project = lf_fx_project(&w.fx, NULL, NULL);
	w.admin = lf_fx_user(&w.fx, "admin@example.org", "admin");
	*state = &w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;
	lf_imports_check_free(w->check);
	lf_blob_close(w->blobs);
	lf_fx_close(&w->fx);
	return 0;
}

static void store_blob(struct world *w, const char *key)
{
	lf_blob_writer *bw = NULL;
	assert_int_equal(lf_blob_create(w->blobs, key, &bw), LF_OK);
	assert_int_equal(lf_blob_write(bw, upload, strlen(upload)), LF_OK);
	assert_int_equal(lf_blob_commit(bw), LF_OK);
}

static int blob_exists(struct world *w, const char *key)
{
	uint64_t size = 0;
	return lf_blob_size(w->blobs, key, &size) == LF_OK;
}

static int64_t count_jobs(struct world *w)
{
	int64_t n = -1;
	lf_tx *tx = NULL;
	assert_int_equal(lf_store_begin(w->fx.s, LF_TX_READ, w->fx.arena, &tx), LF_OK);
	assert_int_equal(lf_store_job_count(tx, NULL, &n), LF_OK);
	lf_store_rollback(tx);
	return n;
}

static void test_start_keeps_blob(void **state)
{
	struct world *w = *state;
	lf_import im, stored;
	lf_tx *tx = NULL;
	const char *key = "imports/1/ok.upload";
	store_blob(w, key);
	lf_imports_upload up = {.project_id = w->project,
				.format = "jsonl",
				.filename = "a.jsonl",
				.blob_key = key,
				.bytes = (int64_t)strlen(upload),
				.check = w->check,
				.actor_id = w->admin,
				.actor_role = "admin"};
	assert_int_equal(lf_imports_start(w->fx.s, w->blobs, w->fx.arena, &up, &im), LF_OK);
	assert_true(im.id > 0);
	assert_string_equal(im.status, "queued");
	assert_int_equal(im.items_total, 2);
	assert_true(blob_exists(w, key));
	assert_int_equal(count_jobs(w), 1);
	assert_int_equal(lf_store_begin(w->fx.s, LF_TX_READ, w->fx.arena, &tx), LF_OK);
	assert_int_equal(lf_store_import_get(tx, im.id, &stored), LF_OK);
	lf_audit_row *rows;
	int n = 0;
	lf_audit_filter af = {.project_id = w->project, .action = "import.create", .limit = 10};
	assert_int_equal(lf_store_audit_list(tx, &af, &rows, &n), LF_OK);
	lf_store_rollback(tx);
	assert_string_equal(stored.blob_key, key);
	assert_int_equal(n, 1);
}

static void test_failure_deletes_blob(void **state)
{
	struct world *w = *state;
	lf_import im;
	const char *key = "imports/1/lost.upload";
	store_blob(w, key);
	/* No such project: the insert fails, so nothing will ever read the
	 * blob. */
	lf_imports_upload up = {.project_id = w->project + 1000,
				.format = "jsonl",
				.blob_key = key,
				.bytes = (int64_t)strlen(upload),
				.check = w->check,
				.actor_id = w->admin,
				.actor_role = "admin"};
	assert_int_not_equal(lf_imports_start(w->fx.s, w->blobs, w->fx.arena, &up, &im), LF_OK);
	assert_false(blob_exists(w, key));
	assert_int_equal(count_jobs(w), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_start_keeps_blob, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failure_deletes_blob, setup, teardown),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("imports_start", tests, NULL, NULL);
}
