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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/media.h"
#include "ml/ml_int.h"

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

/* Checks that v is base + "/api/v1/media/<id>?exp=..&uid=<uid>&sig=.." and
 * that the signature is the server's for that item and user. */
static void expect_link(const unsigned char jwt[32], const char *v, const char *base, int64_t id,
			int64_t uid)
{
	char head[200], exp[32] = "", who[32] = "", sig[80] = "";
	unsigned char key[32];
	int64_t got = 0;
	snprintf(head, sizeof(head), "%s/api/v1/media/%lld?", base, (long long)id);
	assert_non_null(v);
	assert_int_equal(strncmp(v, head, strlen(head)), 0);
	assert_int_equal(
	    sscanf(v + strlen(head), "exp=%31[0-9]&uid=%31[0-9]&sig=%79s", exp, who, sig), 3);
	lf_media_url_key(jwt, key);
	assert_int_equal(lf_media_sign_check(key, id, exp, who, sig, lf_now_ms() / 1000, &got),
			 LF_OK);
	assert_int_equal(got, uid);
	/* Valid for LF_MEDIA_URL_TTL_S from now, not more. */
	assert_true(strtoll(exp, NULL, 10) <= lf_now_ms() / 1000 + LF_MEDIA_URL_TTL_S);
	assert_true(strtoll(exp, NULL, 10) >= lf_now_ms() / 1000 + LF_MEDIA_URL_TTL_S - 5);
}

/* Only a top-level value that is exactly one of our media paths becomes a
 * link, signed for the backend's creator, under the public URL if known. */
static void test_task_data_links(void **state)
{
	unsigned char jwt[32];
	memset(jwt, 7, sizeof(jwt));
	lf_ml_backend b = {.created_by = 42};
	lf_ml_env env = {.jwt_key = jwt};
	const char *data = "{\"image\":\"/api/v1/media/5\",\"text\":\"/api/v1/media/5x\","
			   "\"neg\":\"/api/v1/media/-5\",\"plus\":\"/api/v1/media/+5\","
			   "\"zero\":\"/api/v1/media/0\",\"space\":\"/api/v1/media/ "
			   "5\",\"other\":\"https://cdn.example/a.png\","
			   "\"n\":3,\"nested\":{\"image\":\"/api/v1/media/6\"}}";
	json_t *o = lf_ml_task_data(&env, &b, data);
	assert_non_null(o);
	expect_link(jwt, json_string_value(json_object_get(o, "image")), "", 5, 42);
	assert_string_equal(json_string_value(json_object_get(o, "text")), "/api/v1/media/5x");
	assert_string_equal(json_string_value(json_object_get(o, "neg")), "/api/v1/media/-5");
	assert_string_equal(json_string_value(json_object_get(o, "plus")), "/api/v1/media/+5");
	assert_string_equal(json_string_value(json_object_get(o, "zero")), "/api/v1/media/0");
	assert_string_equal(json_string_value(json_object_get(o, "space")), "/api/v1/media/ 5");
	assert_string_equal(json_string_value(json_object_get(o, "other")),
			    "https://cdn.example/a.png");
	assert_int_equal(json_integer_value(json_object_get(o, "n")), 3);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(o, "nested"), "image")),
	    "/api/v1/media/6");
	json_decref(o);

	env.public_url = "https://labelflow.example.com:8443";
	o = lf_ml_task_data(&env, &b, "{\"audio\":\"/api/v1/media/77\"}");
	expect_link(jwt, json_string_value(json_object_get(o, "audio")),
		    "https://labelflow.example.com:8443", 77, 42);
	json_decref(o);

	/* Without the key nothing is signed; what is no object is NULL. */
	env.jwt_key = NULL;
	o = lf_ml_task_data(&env, &b, "{\"image\":\"/api/v1/media/5\"}");
	assert_string_equal(json_string_value(json_object_get(o, "image")), "/api/v1/media/5");
	json_decref(o);
	assert_null(lf_ml_task_data(&env, &b, "[1]"));
	assert_null(lf_ml_task_data(&env, &b, "not json"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_answer_shapes),
	    cmocka_unit_test(test_answer_refused),
	    cmocka_unit_test(test_merge),
	    cmocka_unit_test(test_task_data_links),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
