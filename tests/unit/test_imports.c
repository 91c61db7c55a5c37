/*
 * test_imports.c - the upload check (every format: counts, bad rows with
 * their lines in stop and skip modes, predictions against the label
 * config) and the import job on a real SQLite database: a blob of several
 * batches creates each task once, a second run creates nothing, a run cut
 * short resumes and creates the rest once, and the job lets other writes
 * through while it parses.
 *
 * The job reads its blob through an in-memory adapter of the blob
 * interface (blob/adapter.h), which can fail or stop at a chosen byte,
 * as a disk would fail or a slow store would stall.
 */
#include "blob/adapter.h"
#include "imports/imports.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fixture.h"

#define MEM_CHUNK 4096 /* bytes per read: batches span many reads */
#define BATCH	  4096 /* the job's tasks per write (imports.c) */
#define WAIT_S	  10

/* An in-memory blob store holding one blob under any key. */
struct mem_store {
	lf_blob_store base;
	const char *data;
	size_t len;
	size_t fail_at;		/* a read from here on fails; SIZE_MAX never */
	size_t hook_at;		/* the read from here on first calls hook */
	void (*hook)(void *ud); /* may be NULL */
	void *ud;
};

struct mem_reader {
	lf_blob_reader base;
	struct mem_store *st;
	size_t pos;
	int hooked;
};

/* What the concurrent writer of test_job_parses_outside_writer saw. */
struct probe {
	lf_fx *f;
	int64_t project_id;
	int64_t import_id;
	int64_t tasks_at_hook; /* the import's tasks stored when the hook ran */
	int write_done;	       /* the concurrent write committed */
	int write_ret;
	int waited_out; /* the hook gave up waiting for it */
	pthread_t thread;
	pthread_mutex_t m;
	pthread_cond_t cond;
};

static int mem_open_read(lf_blob_store *bs, const char *key, lf_blob_reader **out);
static int mem_read(lf_blob_reader *r, void *buf, size_t cap, size_t *n);
static void mem_close_read(lf_blob_reader *r);
static void mem_init(struct mem_store *st, const char *data, size_t len);
static char *jsonl_rows(int rows, size_t *len);
static lf_imports_check *check_blob(lf_ingest_format fmt, int skip_bad, const char *cfg,
				    const char *data, int *ret);
static int64_t make_import(lf_fx *f, int64_t *project_id, const char *format, size_t bytes,
			   int skip_bad);
static void import_row(lf_fx *f, int64_t id, lf_import *im);
static void count_tasks(lf_fx *f, int64_t import_id, int64_t *n, int64_t *distinct,
			int64_t *max_seq);
static int insert_one(lf_tx *tx, void *ud);
static void *concurrent_write(void *arg);
static void write_while_parsing(void *ud);

static const lf_blob_ops mem_ops = {
    .open_read = mem_open_read,
    .read = mem_read,
    .close_read = mem_close_read,
};

static void mem_init(struct mem_store *st, const char *data, size_t len)
{
	*st = (struct mem_store){.base = {.ops = &mem_ops},
				 .data = data,
				 .len = len,
				 .fail_at = SIZE_MAX,
				 .hook_at = SIZE_MAX};
}

static int mem_open_read(lf_blob_store *bs, const char *key, lf_blob_reader **out)
{
	struct mem_reader *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return LF_ERR_NOMEM;
	r->base.ops = &mem_ops;
	r->st = (struct mem_store *)bs;
	*out = &r->base;
	return LF_OK;
}

static int mem_read(lf_blob_reader *rd, void *buf, size_t cap, size_t *n)
{
	struct mem_reader *r = (struct mem_reader *)rd;
	struct mem_store *st = r->st;
	size_t k = st->len - r->pos;

	if (r->pos >= st->fail_at)
		return LF_ERR_IO;
	if (!r->hooked && r->pos >= st->hook_at && st->hook != NULL) {
		r->hooked = 1;
		st->hook(st->ud);
	}
	if (k > cap)
		k = cap;
	if (k > MEM_CHUNK)
		k = MEM_CHUNK;
	memcpy(buf, st->data + r->pos, k);
	r->pos += k;
	*n = k;
	return LF_OK;
}

static void mem_close_read(lf_blob_reader *r)
{
	free(r);
}

/* rows JSONL rows {"text":"row N"}; owner: caller (free). */
static char *jsonl_rows(int rows, size_t *len)
{
	size_t cap = (size_t)rows * 32 + 1;
	char *s = malloc(cap);
	size_t n = 0;

	assert_non_null(s);
	for (int i = 0; i < rows; i++)
		n += (size_t)snprintf(s + n, cap - n, "{\"text\":\"row %d\"}\n", i);
	*len = n;
	return s;
}

/* Feeds data to a new check in chunks of 7 bytes (so rows and UTF-8
 * sequences are split) and finishes it; *ret gets the first failure. */
static lf_imports_check *check_blob(lf_ingest_format fmt, int skip_bad, const char *cfg,
				    const char *data, int *ret)
{
	lf_imports_check *c = NULL;
	char err[200] = "";
	size_t len = strlen(data);

	assert_int_equal(lf_imports_check_new(fmt, skip_bad, 1, cfg, &c, err, sizeof(err)), LF_OK);
	*ret = LF_OK;
	for (size_t off = 0; off < len && *ret == LF_OK; off += 7)
		*ret = lf_imports_check_feed(c, data + off, len - off < 7 ? len - off : 7);
	if (*ret == LF_OK)
		*ret = lf_imports_check_finish(c);
	return c;
}

static void test_check_counts_each_format(void **state)
{
	static const struct {
		lf_ingest_format fmt;
		const char *data;
		int items;
	} cases[] = {
	    {LF_INGEST_CSV, "text,n\n\"a, \"\"quoted\"\"\",1\n\nb\xC3\xA9,2\r\nc,3", 3},
	    {LF_INGEST_TSV, "text\tn\na\t1\nb\t2\n", 2},
	    {LF_INGEST_JSON, "[{\"text\": \"a\"}, \"b\", 3, {\"data\": {\"x\": 1}}]", 4},
	    {LF_INGEST_JSONL, "{\"text\":\"a\"}\n\n\"b\"\n{\"t\":\"\\u00e9\\n\"}\n", 3},
	    {LF_INGEST_TEXT, "one\n\n  \ntwo\r\nthree", 3},
	    {LF_INGEST_LABEL_STUDIO,
	     "[{\"data\": {\"text\": \"Alice\"}, \"predictions\": [{\"result\": []}]},"
	     " {\"data\": {\"text\": \"Bob\"}, \"id\": 4, \"meta\": {}}]",
	     2},
	};

	for (size_t i = 0; i < LF_ARRAY_LEN(cases); i++) {
		int ret;
		lf_imports_check *c =
		    check_blob(cases[i].fmt, 0, lf_fx_ner_config, cases[i].data, &ret);
		if (ret != LF_OK)
			fail_msg("%s: %s", lf_ingest_format_name(cases[i].fmt),
				 lf_imports_check_error(c));
		assert_int_equal(lf_imports_check_items(c), cases[i].items);
		assert_int_equal(lf_imports_check_skipped(c), 0);
		lf_imports_check_free(c);
	}
}

/* One bad row per format: refused with its line in stop mode; skipped,
 * counted and recorded with the same line and message in skip mode. */
static void test_check_bad_rows(void **state)
{
	static const struct {
		lf_ingest_format fmt;
		const char *data;
		int good;
		int line;
		const char *message;
	} cases[] = {
	    {LF_INGEST_CSV, "a,b\n1,2\n\"x\ny\",2,3\n4,5\n", 2, 3, "expected 2 fields, got 3"},
	    {LF_INGEST_TSV, "a\tb\n1\t2\n3\n", 1, 3, "expected 2 fields, got 1"},
	    {LF_INGEST_JSON, "[{\"a\": 1},\n\n {\"a\": 2,},\n 3]", 2, 3,
	     "invalid JSON: string or '}' expected near '}' (at line 3)"},
	    {LF_INGEST_JSONL, "{\"a\":1}\n{\"b\":\xFF}\n{\"c\":3}\n", 2, 2, "invalid UTF-8"},
	    {LF_INGEST_TEXT, "ok\nbad \xC3\n fine\n", 2, 2, "invalid UTF-8"},
	    {LF_INGEST_LABEL_STUDIO,
	     "{\"data\": {\"text\": \"a\"}}\n{\"data\": {}, \"annotations\": [{}, 5]}\n"
	     "{\"data\": {\"text\": \"c\"}}\n",
	     2, 2, "\"annotations\" element 1 is not an object"},
	};
	char want[256];

	for (size_t i = 0; i < LF_ARRAY_LEN(cases); i++) {
		int ret;
		lf_imports_check *c = check_blob(cases[i].fmt, 0, NULL, cases[i].data, &ret);
		snprintf(want, sizeof(want), "line %d: %s", cases[i].line, cases[i].message);
		assert_int_equal(ret, LF_ERR_INVALID);
		assert_string_equal(lf_imports_check_error(c), want);
		lf_imports_check_free(c);

		c = check_blob(cases[i].fmt, 1, NULL, cases[i].data, &ret);
		assert_int_equal(ret, LF_OK);
		assert_int_equal(lf_imports_check_items(c), cases[i].good);
		assert_int_equal(lf_imports_check_skipped(c), 1);
		json_t *errors = lf_imports_check_errors(c);
		json_t *e = json_array_get(errors, 0);
		assert_int_equal(json_array_size(errors), 1);
		assert_int_equal(json_integer_value(json_object_get(e, "line")), cases[i].line);
		assert_string_equal(json_string_value(json_object_get(e, "message")),
				    cases[i].message);
		json_decref(errors);
		lf_imports_check_free(c);
	}
}

/* Label Studio predictions and annotations are checked against the label
 * config and the task's own text; without a config they are not. */
static void test_check_predictions(void **state)
{
	static const char data[] =
	    "{\"data\": {\"text\": \"Alice\"}, \"predictions\": [{\"result\": [{\"from_name\":"
	    " \"label\", \"to_name\": \"text\", \"type\": \"labels\", \"value\": {\"start\": 0,"
	    " \"end\": 5, \"labels\": [\"PER\"]}}]}]}\n"
	    "{\"data\": {\"text\": \"short\"}, \"annotations\": [{\"result\": [{\"from_name\":"
	    " \"label\", \"to_name\": \"text\", \"type\": \"labels\", \"value\": {\"start\": 0,"
	    " \"end\": 6, \"labels\": [\"PER\"]}}]}]}\n"
	    "{\"data\": {\"text\": \"Bob\"}, \"predictions\": [{\"model_version\": \"v1\"}]}\n";
	int ret;
	lf_imports_check *c = check_blob(LF_INGEST_LABEL_STUDIO, 0, lf_fx_ner_config, data, &ret);

	assert_int_equal(ret, LF_ERR_INVALID);
	assert_non_null(strstr(lf_imports_check_error(c),
			       "line 2: annotations[0]: result[0]: value.end 6 is past the end"));
	lf_imports_check_free(c);

	c = check_blob(LF_INGEST_LABEL_STUDIO, 1, lf_fx_ner_config, data, &ret);
	assert_int_equal(ret, LF_OK);
	assert_int_equal(lf_imports_check_items(c), 1);
	assert_int_equal(lf_imports_check_skipped(c), 2);
	json_t *errors = lf_imports_check_errors(c);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(errors, 0), "line")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(errors, 1), "line")), 3);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(errors, 1), "message")),
	    "predictions[0] has no \"result\" array");
	json_decref(errors);
	lf_imports_check_free(c);

	c = check_blob(LF_INGEST_LABEL_STUDIO, 0, NULL, data, &ret);
	assert_int_equal(ret, LF_OK);
	assert_int_equal(lf_imports_check_items(c), 3);
	lf_imports_check_free(c);
}

/* A queued import of bytes bytes in a new project; the import's id. */
static int64_t make_import(lf_fx *f, int64_t *project_id, const char *format, size_t bytes,
			   int skip_bad)
{
	int64_t id = 0;
	int64_t user = lf_fx_user(f, "importer@example.org", "admin");
	lf_import im = {.created_by = user,
			.status = "queued",
			.format = format,
			.filename = "rows",
			.blob_key = "imports/1/rows.upload",
			.bytes_total = (int64_t)bytes,
			.skip_bad = skip_bad,
			.created_at = 1};

	*project_id = im.project_id = lf_fx_project(f, NULL, NULL);
	lf_tx *tx = lf_fx_begin(f);
	assert_int_equal(lf_store_import_insert(tx, &im, &id), LF_OK);
	assert_int_equal(lf_store_commit(tx), LF_OK);
	return id;
}

static void import_row(lf_fx *f, int64_t id, lf_import *im)
{
	lf_tx *tx = NULL;

	assert_int_equal(lf_store_begin(f->s, LF_TX_READ, f->arena, &tx), LF_OK);
	assert_int_equal(lf_store_import_get(tx, id, im), LF_OK);
	lf_store_rollback(tx);
}

/* The import's tasks, counted on a connection of the test's own. */
static void count_tasks(lf_fx *f, int64_t import_id, int64_t *n, int64_t *distinct,
			int64_t *max_seq)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT COUNT(*), COUNT(DISTINCT import_seq),"
					    " COALESCE(MAX(import_seq), -1) FROM tasks"
					    " WHERE import_id = ?",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(st, 1, import_id);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	*n = sqlite3_column_int64(st, 0);
	if (distinct != NULL)
		*distinct = sqlite3_column_int64(st, 1);
	if (max_seq != NULL)
		*max_seq = sqlite3_column_int64(st, 2);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Three full batches and a partial one: every row becomes one task, and
 * the finished import's job run again creates nothing. */
static void test_job_batches_once(void **state)
{
	lf_fx *f = *state;
	const int rows = 3 * BATCH + 123;
	size_t len;
	char *data = jsonl_rows(rows, &len);
	struct mem_store st;
	int64_t project_id, n, distinct, max_seq;
	int64_t id = make_import(f, &project_id, "jsonl", len, 0);
	char err[256] = "";
	lf_import im;

	mem_init(&st, data, len);
	assert_int_equal(lf_imports_run(f->s, &st.base, id, NULL, NULL, err, sizeof(err)), LF_OK);
	count_tasks(f, id, &n, &distinct, &max_seq);
	assert_int_equal(n, rows);
	assert_int_equal(distinct, rows);
	assert_int_equal(max_seq, rows - 1);
	import_row(f, id, &im);
	assert_string_equal(im.status, "done");
	assert_int_equal(im.tasks_created, rows);
	assert_int_equal(im.items_done, rows);
	assert_int_equal(im.bytes_done, (int64_t)len);

	assert_int_equal(lf_imports_run(f->s, &st.base, id, NULL, NULL, err, sizeof(err)), LF_OK);
	count_tasks(f, id, &n, NULL, NULL);
	assert_int_equal(n, rows);
	free(data);
}

/* A run that dies part-way (its blob fails to read in the third batch)
 * keeps the batches it stored; the next run creates the rest, once. */
static void test_job_resumes(void **state)
{
	lf_fx *f = *state;
	const int rows = 4 * BATCH + 7;
	size_t len;
	char *data = jsonl_rows(rows, &len);
	struct mem_store st;
	int64_t project_id, n, distinct, max_seq;
	int64_t id = make_import(f, &project_id, "jsonl", len, 0);
	char err[256] = "";
	lf_import im;

	mem_init(&st, data, len);
	st.fail_at = len / 2 + 1;
	assert_int_equal(lf_imports_run(f->s, &st.base, id, NULL, NULL, err, sizeof(err)),
			 LF_ERR_IO);
	count_tasks(f, id, &n, &distinct, &max_seq);
	assert_int_equal(n, 2 * BATCH);
	assert_int_equal(max_seq, 2 * BATCH - 1);
	import_row(f, id, &im);
	assert_string_equal(im.status, "running");
	assert_int_equal(im.tasks_created, 2 * BATCH);

	st.fail_at = SIZE_MAX;
	err[0] = '\0';
	assert_int_equal(lf_imports_run(f->s, &st.base, id, NULL, NULL, err, sizeof(err)), LF_OK);
	count_tasks(f, id, &n, &distinct, &max_seq);
	assert_int_equal(n, rows);
	assert_int_equal(distinct, rows);
	assert_int_equal(max_seq, rows - 1);
	import_row(f, id, &im);
	assert_string_equal(im.status, "done");
	assert_int_equal(im.tasks_created, rows);
	free(data);
}

/* The concurrent write: one task of the project, outside the import. */
static int insert_one(lf_tx *tx, void *ud)
{
	struct probe *p = ud;
	lf_task t = {.project_id = p->project_id,
		     .state = "queued_l1",
		     .data = "{\"text\":\"concurrent\"}",
		     .created_at = 1};
	return lf_store_task_insert(tx, &t, NULL);
}

static void *concurrent_write(void *arg)
{
	struct probe *p = arg;
	int ret = lf_store_write(p->f->s, NULL, insert_one, p);

	pthread_mutex_lock(&p->m);
	p->write_ret = ret;
	p->write_done = 1;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->m);
	return NULL;
}

/*
 * Runs on the job's thread in the middle of the second batch, the job
 * having parsed part of it and stored none of it: another thread's write
 * must commit now. A job holding the writer while it parses would keep it
 * waiting until the batch is stored (after this returns), so the wait is
 * bounded rather than a deadlock.
 */
static void write_while_parsing(void *ud)
{
	struct probe *p = ud;
	struct timespec until;

	count_tasks(p->f, p->import_id, &p->tasks_at_hook, NULL, NULL);
	assert_int_equal(pthread_create(&p->thread, NULL, concurrent_write, p), 0);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WAIT_S;
	pthread_mutex_lock(&p->m);
	while (!p->write_done && !p->waited_out)
		p->waited_out = pthread_cond_timedwait(&p->cond, &p->m, &until) != 0;
	pthread_mutex_unlock(&p->m);
}

static void test_job_parses_outside_writer(void **state)
{
	lf_fx *f = *state;
	const int rows = 3 * BATCH;
	size_t len;
	char *data = jsonl_rows(rows, &len);
	struct mem_store st;
	struct probe p = {.f = f};
	int64_t n;
	char err[256] = "";

	pthread_mutex_init(&p.m, NULL);
	pthread_cond_init(&p.cond, NULL);
	p.import_id = make_import(f, &p.project_id, "jsonl", len, 0);
	mem_init(&st, data, len);
	st.hook_at = len / 2; /* half-way through the second batch */
	st.hook = write_while_parsing;
	st.ud = &p;
	assert_int_equal(lf_imports_run(f->s, &st.base, p.import_id, NULL, NULL, err, sizeof(err)),
			 LF_OK);
	pthread_join(p.thread, NULL);
	assert_int_equal(p.tasks_at_hook, BATCH);
	assert_false(p.waited_out);
	assert_int_equal(p.write_ret, LF_OK);
	count_tasks(f, p.import_id, &n, NULL, NULL);
	assert_int_equal(n, rows);
	pthread_mutex_destroy(&p.m);
	pthread_cond_destroy(&p.cond);
	free(data);
}

/* Bad rows skipped by the upload check are skipped by the job too, and
 * tasks of several items are assembled across them. */
static void test_job_skip_and_group(void **state)
{
	lf_fx *f = *state;
	static const char data[] = "{\"a\":1}\n{bad\n{\"a\":2}\n{\"a\":3}\n\"x\"\n";
	struct mem_store st;
	int64_t project_id, n;
	int64_t id = make_import(f, &project_id, "jsonl", sizeof(data) - 1, 1);
	char err[256] = "";
	lf_import im;

	lf_tx *tx = lf_fx_begin(f);
	lf_project pr;
	assert_int_equal(lf_store_project_get(tx, project_id, &pr), LF_OK);
	pr.policies = "{\"items_per_task\": 3}";
	assert_int_equal(lf_store_project_update(tx, &pr), LF_OK);
	assert_int_equal(lf_store_commit(tx), LF_OK);
	mem_init(&st, data, sizeof(data) - 1);
	assert_int_equal(lf_imports_run(f->s, &st.base, id, NULL, NULL, err, sizeof(err)), LF_OK);
	count_tasks(f, id, &n, NULL, NULL);
	assert_int_equal(n, 2);
	import_row(f, id, &im);
	assert_string_equal(im.status, "done");
	assert_int_equal(im.items_done, 4);
	assert_int_equal(im.skipped, 1);
	assert_int_equal(im.tasks_created, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_check_counts_each_format),
	    cmocka_unit_test(test_check_bad_rows),
	    cmocka_unit_test(test_check_predictions),
	    cmocka_unit_test_setup_teardown(test_job_batches_once, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_job_resumes, lf_fx_setup, lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_job_parses_outside_writer, lf_fx_setup,
					    lf_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_job_skip_and_group, lf_fx_setup, lf_fx_teardown),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("imports", tests, NULL, NULL);
}
