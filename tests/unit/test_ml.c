/*
 * test_ml.c - the pure parts of ML backends (ml/ml.h): reading a
 * /predict answer in each shape Label Studio backends give, refusing
 * others and a wrong count, and merging a prediction into a task's
 * predictions array (one entry per backend and version, others kept).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ml/ml.h"

#define PRED "{\"result\": [], \"score\": 0.5, \"model_version\": \"m\"}"

static void expect_results(const char *answer, size_t n, int want_ok, const char *words);
static json_t *entry(int64_t backend, const char *version, int tag);
static json_t *merged(const char *old, const json_t *e);

/* want_ok: the answer gives n predictions; else it is refused with words. */
static void expect_results(const char *answer, size_t n, int want_ok, const char *words)
{
	char err[256] = "";
	json_t *a = json_loads(answer, JSON_DECODE_ANY, NULL), *out = NULL;
	assert_non_null(a);
	int ret = lf_ml_answer_results(a, n, &out, err, sizeof(err));
	if (want_ok) {
		assert_int_equal(ret, LF_OK);
		assert_true(json_is_array(out));
		assert_int_equal(json_array_size(out), n);
		assert_string_equal(
		    json_string_value(json_object_get(json_array_get(out, 0), "model_version")),
		    "m");
	} else {
		assert_int_equal(ret, LF_ERR_INVALID);
		assert_null(out);
		assert_non_null(strstr(err, words));
	}
	json_decref(a);
}

static void test_answer_shapes(void **state)
{
	(void)state;
	expect_results("{\"results\": [" PRED ", " PRED "]}", 2, 1, NULL);
	expect_results("{\"predictions\": [" PRED "]}", 1, 1, NULL);
	expect_results("[" PRED ", " PRED ", " PRED "]", 3, 1, NULL);
	/* results wins over predictions when both are there */
	expect_results("{\"results\": [" PRED "], \"predictions\": []}", 1, 1, NULL);
}

static void test_answer_refused(void **state)
{
	(void)state;
	expect_results("{\"results\": [" PRED "]}", 2, 0, "1 results for 2 tasks");
	expect_results("[]", 1, 0, "0 results for 1 tasks");
	expect_results("{\"status\": \"ok\"}", 1, 0, "neither a results nor a predictions");
	expect_results("{\"results\": {}}", 1, 0, "neither a results nor a predictions");
	expect_results("\"UP\"", 1, 0, "neither");
}

static json_t *entry(int64_t backend, const char *version, int tag)
{
	json_t *e = json_pack("{s:[],s:i,s:s,s:I}", "result", "score", tag, "model_version",
			      version, "ml_backend_id", (json_int_t)backend);
	assert_non_null(e);
	return e;
}

static json_t *merged(const char *old, const json_t *e)
{
	char *text = lf_ml_merge(old, e);
	assert_non_null(text);
	json_t *arr = json_loads(text, 0, NULL);
	free(text);
	assert_true(json_is_array(arr));
	return arr;
}

static void test_merge(void **state)
{
	(void)state;
	json_t *e1 = entry(7, "v1", 1), *e2 = entry(7, "v1", 2), *e3 = entry(7, "v2", 3);
	json_t *other = entry(8, "v1", 4);
	/* none yet, or unreadable text: the entry alone */
	json_t *a = merged(NULL, e1);
	assert_int_equal(json_array_size(a), 1);
	json_decref(a);
	a = merged("not json", e1);
	assert_int_equal(json_array_size(a), 1);
	json_decref(a);
	/* an imported prediction stays first; the same backend and version is
	 * replaced in place; another version or backend is added */
	const char *imported = "[{\"result\": [], \"model_version\": \"import\"}]";
	char *t1 = lf_ml_merge(imported, e1);
	char *t2 = lf_ml_merge(t1, e2);
	char *t3 = lf_ml_merge(t2, e3);
	a = merged(t3, other);
	assert_int_equal(json_array_size(a), 4);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(a, 0), "model_version")), "import");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 1), "score")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 2), "score")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 3), "score")), 4);
	json_decref(a);
	/* an imported entry that names the backend's version but no backend is
	 * not the backend's */
	a = merged("[{\"result\": [], \"model_version\": \"v1\"}]", e1);
	assert_int_equal(json_array_size(a), 2);
	json_decref(a);
	free(t1);
	free(t2);
	free(t3);
	json_decref(e1);
	json_decref(e2);
	json_decref(e3);
	json_decref(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_answer_shapes),
	    cmocka_unit_test(test_answer_refused),
	    cmocka_unit_test(test_merge),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
