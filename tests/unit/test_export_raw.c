/*
 * test_export_raw.c - the jsonl / Label Studio JSON fast path (stored JSON
 * text spliced into the output) writes exactly what the parsed path
 * writes, and counts the same regions; for segment tasks too, whose
 * "source" block carries the result on the source's timeline.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "export/export.h"

struct mem {
	char *p;
	size_t len;
};

static int mem_write(void *ud, const void *buf, size_t len)
{
	struct mem *m = ud;
	char *n = realloc(m->p, m->len + len + 1);
	if (n == NULL)
		return LF_ERR_NOMEM;
	memcpy(n + m->len, buf, len);
	m->p = n;
	m->len += len;
	m->p[m->len] = '\0';
	return LF_OK;
}

static const char *DATA = "{\"text\":\"Alice \\\"A\\\" works at Acme\",\"n\":[1,{\"x\":\"]\"}]}";
static const char *RESULT =
    "[{\"id\":\"r1\",\"from_name\":\"label\",\"to_name\":\"text\",\"type\":"
    "\"labels\",\"value\":{\"start\":0,\"end\":5,\"labels\":[\"PER\"]}},"
    "{\"id\":\"r2\",\"from_name\":\"label\",\"to_name\":\"text\",\"type\":"
    "\"labels\",\"value\":{\"start\":20,\"end\":24,\"labels\":[\"ORG,]\"]}}]";
static const char *PRED = "[{\"model_version\":\"v1\",\"result\":[]}]";
/* A segment 28.5 s into its source (the regions' times are made up:
 * only the arithmetic matters here). */
static const char *SEGMENT = "{\"text\":\"x\",\"segment_start\":28.5,\"segment_end\":58.5,"
			     "\"source_media\":\"/api/v1/media/3\"}";

/* Exports the same two tasks through the parsed path or the text path. */
static struct mem run(const char *format, const char *data_text, int raw, int predictions,
		      lf_export_report *rep)
{
	struct mem m = {0};
	lf_labelcfg *cfg = NULL;
	char err[128];
	const char *xml = "<View><Text name=\"text\" value=\"$text\"/><Labels name=\"label\" "
			  "toName=\"text\"><Label value=\"PER\"/><Label value=\"ORG,]\"/></Labels>"
			  "</View>";
	assert_int_equal(lf_labelcfg_parse(xml, strlen(xml), &cfg, err, sizeof(err)), LF_OK);
	lf_export_opts o = {.cfg = cfg, .include_predictions = predictions, .tmpdir = "/tmp"};
	lf_export_writer *w = NULL;
	assert_int_equal(lf_export_writer_new(format, &o, mem_write, &m, &w), LF_OK);
	assert_true(lf_export_writer_raw(w));
	json_t *data = json_loads(data_text, 0, NULL), *result = json_loads(RESULT, 0, NULL),
	       *pred = json_loads(PRED, 0, NULL);
	for (int i = 0; i < 2; i++) {
		lf_export_task t = {.id = 10 + i,
				    .state = "accepted",
				    .annotator_id = 7,
				    .created_at = 1700000000123,
				    .updated_at = 1700000999456};
		if (raw) {
			t.data_text = data_text;
			t.result_text = i == 0 ? RESULT : NULL;
			t.predictions_text = PRED;
		} else {
			t.data = data;
			t.result = i == 0 ? result : NULL;
			t.predictions = pred;
		}
		assert_int_equal(lf_export_writer_add(w, &t), LF_OK);
	}
	assert_int_equal(lf_export_writer_finish(w, rep), LF_OK);
	lf_export_writer_free(w);
	lf_labelcfg_free(cfg);
	json_decref(data);
	json_decref(result);
	json_decref(pred);
	return m;
}

static void same_output(const char *format, const char *data_text, int predictions)
{
	lf_export_report r1, r2;
	struct mem slow = run(format, data_text, 0, predictions, &r1);
	struct mem fast = run(format, data_text, 1, predictions, &r2);
	assert_non_null(fast.p);
	assert_string_equal(fast.p, slow.p);
	assert_int_equal(r1.tasks, r2.tasks);
	assert_int_equal(r1.regions, 2);
	assert_int_equal(r2.regions, 2);
	free(slow.p);
	free(fast.p);
}

static void test_jsonl_same(void **state)
{
	(void)state;
	same_output("jsonl", DATA, 0);
	same_output("jsonl", DATA, 1);
	same_output("jsonl", SEGMENT, 1);
}

static void test_ls_json_same(void **state)
{
	(void)state;
	same_output("label_studio_json", DATA, 0);
	same_output("label_studio_json", DATA, 1);
	same_output("label_studio_json", SEGMENT, 0);
}

/* A segment's task gets the source block (before meta); the annotation
 * keeps the times as labelled; a task without a result maps nothing. */
static void test_segment_source_block(void **state)
{
	lf_export_report r;
	(void)state;
	struct mem m = run("jsonl", SEGMENT, 1, 0, &r);
	char *second = strchr(m.p, '\n');
	assert_non_null(second);
	assert_non_null(strstr(m.p,
			       "\"result\":[{\"id\":\"r1\",\"from_name\":\"label\",\"to_name\":"
			       "\"text\",\"type\":\"labels\",\"value\":{\"start\":0,"));
	assert_non_null(strstr(m.p,
			       ",\"source\":{\"media\":\"/api/v1/media/3\",\"segment_start\":28.5,"
			       "\"segment_end\":58.5,\"result\":[{"));
	assert_non_null(strstr(m.p, "\"value\":{\"start\":28.5,\"end\":33.5,"));
	assert_non_null(strstr(m.p, "\"value\":{\"start\":48.5,\"end\":52.5,"));
	assert_true(strstr(m.p, "\"source\"") < strstr(m.p, "\"meta\""));
	assert_non_null(strstr(second, ",\"result\":[]},\"meta\""));
	free(m.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_jsonl_same),
	    cmocka_unit_test(test_ls_json_same),
	    cmocka_unit_test(test_segment_source_block),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("export_raw", tests, NULL, NULL);
}
