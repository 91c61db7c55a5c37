/*
 * test_preview.c - the data manager's one-line preview of task data:
 * values not keys, escapes, white space, the character limit on UTF-8
 * boundaries, data without strings, and data cut off mid-string.
 */
#include "tasks/tasks.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

static const char *preview(const char *json);
static int utf8_chars(const char *s);

static char out[LF_TASKS_PREVIEW_BYTES];

static const char *preview(const char *json)
{
	size_t n = lf_tasks_preview(json, out, sizeof(out));
	assert_int_equal(n, strlen(out));
	return out;
}

static int utf8_chars(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static void test_values_not_keys(void **state)
{
	(void)state;
	assert_string_equal(preview("{\"text\": \"Alice met Bob.\"}"), "Alice met Bob.");
	assert_string_equal(
	    preview("{\"title\":\"T\",\"n\":3,\"body\":\"B\",\"tags\":[\"x\",\"y\"]}"),
	    "T \xC2\xB7 B \xC2\xB7 x \xC2\xB7 y");
	assert_string_equal(preview("{\"a\" : \"k\", \"empty\": \"\", \"b\": \"v\"}"),
			    "k \xC2\xB7 v");
	assert_string_equal(preview(NULL), "");
	assert_string_equal(preview("{}"), "{}");
	assert_string_equal(preview("{\"n\": 42, \"ok\": true}"), "{\"n\": 42, \"ok\": true}");
}

static void test_escapes_and_space(void **state)
{
	(void)state;
	assert_string_equal(preview("{\"t\": \"say \\\"hi\\\"\\\\ now\"}"), "say \"hi\"\\ now");
	assert_string_equal(preview("{\"t\": \"a\\n\\n\\tb   c\\u00e9\\u20ac\"}"),
			    "a b c\xC3\xA9\xE2\x82\xAC");
	assert_string_equal(preview("{\"t\": \"  lead and trail  \"}"), "lead and trail");
	/* A lone surrogate half shows as the replacement character. */
	assert_string_equal(preview("{\"t\": \"x\\ud83dy\"}"), "x\xEF\xBF\xBDy");
}

static void test_limit_on_character_boundaries(void **state)
{
	char json[2048] = "{\"t\": \"";
	(void)state;
	/* 200 three-byte characters: the cut falls between characters. */
	for (int i = 0; i < 200; i++)
		strcat(json, "\xE2\x82\xAC");
	strcat(json, "\"}");
	preview(json);
	assert_int_equal(utf8_chars(out), LF_TASKS_PREVIEW_CHARS + 1);
	assert_string_equal(out + strlen(out) - 3, "\xE2\x80\xA6");
	assert_memory_equal(out, "\xE2\x82\xAC\xE2\x82\xAC", 6);

	/* Exactly the limit: no ellipsis. */
	char exact[256] = "{\"t\": \"";
	memset(exact + 7, 'x', LF_TASKS_PREVIEW_CHARS);
	strcpy(exact + 7 + LF_TASKS_PREVIEW_CHARS, "\"}");
	assert_int_equal(strlen(preview(exact)), LF_TASKS_PREVIEW_CHARS);
}

/* Long data is read only up to a prefix, which may end inside a string
 * or a multi-byte character: the preview still ends cleanly. */
static void test_long_data_is_cut(void **state)
{
	size_t n = 1 << 20;
	char *json = malloc(n + 16);
	(void)state;
	assert_non_null(json);
	strcpy(json, "{\"k\": \"");
	for (size_t i = strlen(json); i < n; i++)
		json[i] = 'w';
	strcpy(json + n, "\"}");
	preview(json);
	assert_int_equal(utf8_chars(out), LF_TASKS_PREVIEW_CHARS + 1);
	/* Keys only, all past the scanned prefix: the JSON text, cut. */
	for (size_t i = 1; i < n; i++)
		json[i] = "\xC3\xA9"[i % 2 == 1 ? 0 : 1];
	json[0] = '[';
	preview(json);
	assert_int_equal(utf8_chars(out), LF_TASKS_PREVIEW_CHARS + 1);
	free(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_values_not_keys),
	    cmocka_unit_test(test_escapes_and_space),
	    cmocka_unit_test(test_limit_on_character_boundaries),
	    cmocka_unit_test(test_long_data_is_cut),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
