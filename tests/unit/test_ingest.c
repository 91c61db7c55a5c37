/*
 * test_ingest.c - streaming import parsers: every format fed whole, one
 * byte at a time and split in two at every offset must give identical
 * items, lines and errors, and checking without building (check_only)
 * must count the same items and report the same errors.
 */
#include "ingest/ingest.h"
#include "ingest/ingest_int.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

enum { WHOLE, BYTES, SPLIT };

struct run {
	int rc;
	json_t *items;
	char err[512];
	int64_t err_line;
	size_t skipped;
	int64_t count;	     /* lf_ingest_items at the end */
	char recorded[4096]; /* the skipped items' "line: message;" */
	int fail_at;	     /* callback returns LF_ERR_DB for this index, -1 never */
};

static void run_parse(lf_ingest_format fmt, const lf_ingest_options *opt, const char *in,
		      size_t len, int mode, size_t off, struct run *r);
static void check_only_agrees(lf_ingest_format fmt, const lf_ingest_options *opt, const char *in,
			      size_t len, const struct run *whole);

static int collect_cb(void *ud, const lf_ingest_item *it)
{
	struct run *r = ud;
	json_t *o;

	if (r->fail_at >= 0 && it->index == r->fail_at)
		return LF_ERR_DB;
	assert_true(json_is_object(it->data));
	o = json_pack("{s:O, s:I, s:I}", "d", it->data, "l", (json_int_t)it->line, "i",
		      (json_int_t)it->index);
	assert_non_null(o);
	if (it->predictions != NULL)
		json_object_set(o, "p", it->predictions);
	if (it->meta != NULL)
		json_object_set(o, "m", it->meta);
	if (it->source_id != NULL)
		json_object_set(o, "id", it->source_id);
	json_array_append_new(r->items, o);
	return LF_OK;
}

/* Parses in[0..len) fed as one piece, byte by byte, or split at off. */
static void run_parse(lf_ingest_format fmt, const lf_ingest_options *opt, const char *in,
		      size_t len, int mode, size_t off, struct run *r)
{
	lf_ingest_parser *p = NULL;
	size_t i;
	const char *e;

	r->items = json_array();
	r->err[0] = '\0';
	r->err_line = 0;
	assert_int_equal(lf_ingest_parser_create(fmt, opt, collect_cb, r, &p), LF_OK);
	r->rc = LF_OK;
	if (mode == WHOLE) {
		r->rc = lf_ingest_feed(p, in, len);
	} else if (mode == BYTES) {
		for (i = 0; i < len && r->rc == LF_OK; i++)
			r->rc = lf_ingest_feed(p, in + i, 1);
	} else {
		r->rc = lf_ingest_feed(p, in, off);
		if (r->rc == LF_OK)
			r->rc = lf_ingest_feed(p, in + off, len - off);
	}
	if (r->rc == LF_OK)
		r->rc = lf_ingest_finish(p);
	e = lf_ingest_error(p);
	if (r->rc != LF_OK) {
		assert_non_null(e);
		snprintf(r->err, sizeof(r->err), "%s", e);
		r->err_line = lf_ingest_error_line(p);
	} else {
		assert_null(e);
	}
	r->count = lf_ingest_items(p);
	if (opt == NULL || !opt->check_only)
		assert_int_equal(r->count, (int64_t)json_array_size(r->items));
	r->skipped = lf_ingest_skipped(p);
	r->recorded[0] = '\0';
	for (i = 0; i < lf_ingest_skipped_recorded(p); i++) {
		int64_t line = 0;
		const char *msg = lf_ingest_skipped_error(p, i, &line);
		size_t used = strlen(r->recorded);
		snprintf(r->recorded + used, sizeof(r->recorded) - used, "%lld: %s;",
			 (long long)line, msg);
	}
	lf_ingest_parser_free(p);
}

/*
 * Runs the parse of whole again in check_only mode, whole, byte by byte
 * and split at every offset: it must count the same items, fail or skip
 * with the same errors, and hand the callback exactly the items that carry
 * predictions.
 */
static void check_only_agrees(lf_ingest_format fmt, const lf_ingest_options *opt, const char *in,
			      size_t len, const struct run *whole)
{
	lf_ingest_options copt = opt != NULL ? *opt : (lf_ingest_options){0};
	struct run r = {.fail_at = -1};
	json_t *with_preds = json_array();
	json_t *it;
	size_t i;
	size_t off;

	json_array_foreach(whole->items, i, it)
	{
		if (json_object_get(it, "p") != NULL)
			json_array_append(with_preds, it);
	}
	copt.check_only = true;
	for (off = 0; off <= len + 1; off++) {
		run_parse(fmt, &copt, in, len,
			  off == len + 1 ? BYTES
			  : off == 0	 ? WHOLE
					 : SPLIT,
			  off, &r);
		if (r.rc != whole->rc || strcmp(r.err, whole->err) != 0 ||
		    r.count != whole->count || r.skipped != whole->skipped ||
		    strcmp(r.recorded, whole->recorded) != 0 || !json_equal(r.items, with_preds))
			fail_msg("check_only (split %zu) differs: rc %d, err \"%s\", %lld items,"
				 " %zu skipped \"%s\"; want rc %d, err \"%s\", %lld items, %zu"
				 " skipped \"%s\"",
				 off, r.rc, r.err, (long long)r.count, r.skipped, r.recorded,
				 whole->rc, whole->err, (long long)whole->count, whole->skipped,
				 whole->recorded);
		json_decref(r.items);
	}
	json_decref(with_preds);
}

/*
 * Checks in against the expected items (JSON text) and outcome for every
 * way of chunking it; expect_err is a substring of the error or NULL.
 */
static void check_all_splits(lf_ingest_format fmt, const lf_ingest_options *opt, const char *in,
			     size_t len, const char *expected, int expect_rc,
			     const char *expect_err)
{
	struct run whole = {.fail_at = -1};
	struct run r = {.fail_at = -1};
	json_error_t jerr;
	json_t *want = json_loads(expected, 0, &jerr);
	size_t off;

	if (want == NULL)
		fail_msg("bad expected JSON: %s", jerr.text);
	run_parse(fmt, opt, in, len, WHOLE, 0, &whole);
	if (!json_equal(whole.items, want)) {
		char *got = json_dumps(whole.items, JSON_SORT_KEYS | JSON_COMPACT);
		fail_msg("items differ:\n got %s\nwant %s", got, expected);
	}
	assert_int_equal(whole.rc, expect_rc);
	if (expect_err != NULL && strstr(whole.err, expect_err) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", whole.err, expect_err);

	run_parse(fmt, opt, in, len, BYTES, 0, &r);
	assert_true(json_equal(r.items, want));
	assert_int_equal(r.rc, whole.rc);
	assert_string_equal(r.err, whole.err);
	json_decref(r.items);
	for (off = 0; off <= len; off++) {
		run_parse(fmt, opt, in, len, SPLIT, off, &r);
		if (!json_equal(r.items, want) || r.rc != whole.rc || strcmp(r.err, whole.err) != 0)
			fail_msg("split at %zu differs (rc %d, err \"%s\")", off, r.rc, r.err);
		json_decref(r.items);
	}
	check_only_agrees(fmt, opt, in, len, &whole);
	json_decref(whole.items);
	json_decref(want);
}

#define CHECK(fmt, opt, lit, expected, rc, err)                                                    \
	check_all_splits(fmt, opt, lit, sizeof(lit) - 1, expected, rc, err)

static void test_csv_quoting_bom_crlf(void **state)
{
	CHECK(LF_INGEST_CSV, NULL,
	      "\xEF\xBB\xBFname,text,n\r\n"
	      "ann,\"hello, \"\"world\"\"\r\nline2\",1\r\n"
	      "\r\n"
	      "b\xC3\xA9la,plain \xE2\x82\xAC,\"\"\r\n"
	      "c,\"a\"\"b\",\"x,y\"",
	      "[{\"d\":{\"name\":\"ann\",\"text\":\"hello, \\\"world\\\"\\r\\nline2\",\"n\":\"1\"},"
	      "\"l\":2,\"i\":0},"
	      "{\"d\":{\"name\":\"b\\u00e9la\",\"text\":\"plain "
	      "\\u20ac\",\"n\":\"\"},\"l\":5,\"i\":1},"
	      "{\"d\":{\"name\":\"c\",\"text\":\"a\\\"b\",\"n\":\"x,y\"},\"l\":6,\"i\":2}]",
	      LF_OK, NULL);
	/* LF endings, trailing newline, blank lines */
	CHECK(LF_INGEST_CSV, NULL, "a,b\n\n1,2\n\n\n3,\"\n\"\n",
	      "[{\"d\":{\"a\":\"1\",\"b\":\"2\"},\"l\":3,\"i\":0},"
	      "{\"d\":{\"a\":\"3\",\"b\":\"\\n\"},\"l\":6,\"i\":1}]",
	      LF_OK, NULL);
	/* header only, and a lone quote in an unquoted field kept literally */
	CHECK(LF_INGEST_CSV, NULL, "a,b\r\n", "[]", LF_OK, NULL);
	CHECK(LF_INGEST_CSV, NULL, "a\n5\"\n", "[{\"d\":{\"a\":\"5\\\"\"},\"l\":2,\"i\":0}]", LF_OK,
	      NULL);
}

static void test_tsv(void **state)
{
	CHECK(LF_INGEST_TSV, NULL, "id\ttext\n1\t\"tab\there\"\n2\ta,b\n",
	      "[{\"d\":{\"id\":\"1\",\"text\":\"tab\\there\"},\"l\":2,\"i\":0},"
	      "{\"d\":{\"id\":\"2\",\"text\":\"a,b\"},\"l\":3,\"i\":1}]",
	      LF_OK, NULL);
}

static void test_csv_errors(void **state)
{
	CHECK(LF_INGEST_CSV, NULL, "a,b\n1,2\n\"x\ny\",2,3\n4,5\n",
	      "[{\"d\":{\"a\":\"1\",\"b\":\"2\"},\"l\":2,\"i\":0}]", LF_ERR_INVALID,
	      "line 3: expected 2 fields, got 3");
	CHECK(LF_INGEST_CSV, NULL, "a,b\n1\n", "[]", LF_ERR_INVALID,
	      "line 2: expected 2 fields, got 1");
	CHECK(LF_INGEST_CSV, NULL, "a,,c\n1,2,3\n", "[]", LF_ERR_INVALID,
	      "line 1: empty column name in header (column 2)");
	CHECK(LF_INGEST_CSV, NULL, "\n\na,b,a\n1,2,3\n", "[]", LF_ERR_INVALID,
	      "line 3: duplicate column name \"a\" (columns 1 and 3)");
	CHECK(LF_INGEST_CSV, NULL, "a\n1\n\"open\nrow\n", "[{\"d\":{\"a\":\"1\"},\"l\":2,\"i\":0}]",
	      LF_ERR_INVALID, "line 3: unterminated quoted field");
	CHECK(LF_INGEST_CSV, NULL, "a\n\"x\"y\n", "[]", LF_ERR_INVALID,
	      "line 2: unexpected character after closing quote");
	CHECK(LF_INGEST_CSV, NULL, "a,b\n1,\xFF\n", "[]", LF_ERR_INVALID, "line 2: invalid UTF-8");
}

/* A header of n columns named c0, c1, ... (the last one named dup when
 * dup is not NULL), then one row of n values; malloc'ed. */
static char *wide_csv(size_t n, const char *dup, size_t *len)
{
	char *s = malloc(n * 16 + 64);
	size_t k = 0;

	assert_non_null(s);
	for (size_t i = 0; i < n; i++) {
		if (i + 1 == n && dup != NULL)
			k += (size_t)sprintf(s + k, "%s%s", i ? "," : "", dup);
		else
			k += (size_t)sprintf(s + k, "%sc%zu", i ? "," : "", i);
	}
	s[k++] = '\n';
	for (size_t i = 0; i < n; i++)
		k += (size_t)sprintf(s + k, "%sv", i ? "," : "");
	s[k++] = '\n';
	*len = k;
	return s;
}

/* Duplicate column names are found through a hash set and the column count
 * is capped: both checks were a comparison of every pair of names, which
 * held a thread for a minute on 200,000 columns. */
static void test_csv_wide_header(void **state)
{
	static const size_t too_many[] = {LF_INGEST_MAX_COLUMNS + 1, 100000};
	struct run r = {.fail_at = -1};
	size_t len;
	char *in;

	in = wide_csv(LF_INGEST_MAX_COLUMNS, NULL, &len);
	run_parse(LF_INGEST_CSV, NULL, in, len, WHOLE, 0, &r);
	assert_int_equal(r.rc, LF_OK);
	assert_int_equal(json_array_size(r.items), 1);
	assert_int_equal(json_object_size(json_object_get(json_array_get(r.items, 0), "d")),
			 LF_INGEST_MAX_COLUMNS);
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(json_array_get(r.items, 0), "d"), "c4095")),
			    "v");
	json_decref(r.items);
	free(in);

	in = wide_csv(LF_INGEST_MAX_COLUMNS, "c17", &len);
	run_parse(LF_INGEST_CSV, NULL, in, len, WHOLE, 0, &r);
	assert_int_equal(r.rc, LF_ERR_INVALID);
	assert_string_equal(r.err, "line 1: duplicate column name \"c17\" (columns 18 and 4096)");
	json_decref(r.items);
	free(in);

	for (size_t i = 0; i < LF_ARRAY_LEN(too_many); i++) {
		in = wide_csv(too_many[i], NULL, &len);
		run_parse(LF_INGEST_CSV, NULL, in, len, WHOLE, 0, &r);
		assert_int_equal(r.rc, LF_ERR_INVALID);
		assert_string_equal(r.err,
				    "line 1: the header has more than 4096 columns (the limit)");
		assert_int_equal(json_array_size(r.items), 0);
		json_decref(r.items);
		free(in);
	}
}

static void test_jsonl(void **state)
{
	CHECK(LF_INGEST_JSONL, NULL,
	      "{\"a\":1,\"s\":\"x\\\"}\\n\xE6\x97\xA5\"}\r\n"
	      "\n"
	      "   \r\n"
	      "\"just text\"\n"
	      "[1,2]\n"
	      "{\"emoji\":\"\xF0\x9F\x98\x80\"}",
	      "[{\"d\":{\"a\":1,\"s\":\"x\\\"}\\n\\u65e5\"},\"l\":1,\"i\":0},"
	      "{\"d\":{\"text\":\"just text\"},\"l\":4,\"i\":1},"
	      "{\"d\":{\"text\":[1,2]},\"l\":5,\"i\":2},"
	      "{\"d\":{\"emoji\":\"\\ud83d\\ude00\"},\"l\":6,\"i\":3}]",
	      LF_OK, NULL);
	CHECK(LF_INGEST_JSONL, NULL, "{}\n\n{\"a\":1}\n{bad}\n{\"b\":2}\n",
	      "[{\"d\":{},\"l\":1,\"i\":0},{\"d\":{\"a\":1},\"l\":3,\"i\":1}]", LF_ERR_INVALID,
	      "line 4: invalid JSON");
	CHECK(LF_INGEST_JSONL, NULL, "{\"a\":1}\n{\"b\":\"\xE2\x82\"}\n",
	      "[{\"d\":{\"a\":1},\"l\":1,\"i\":0}]", LF_ERR_INVALID, "line 2: invalid UTF-8");
}

/*
 * Strings that need decoding on the fast path: the first escaped string of
 * a parse is decoded into a scratch buffer that nothing has reserved yet,
 * which once handed memcpy a NULL destination (UBSan aborts on it). Each
 * case is the first line its parser sees.
 */
static void test_jsonl_escapes(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"{\"text\":\"\\\"quoted\\\" word\"}\n",
	     "[{\"d\":{\"text\":\"\\\"quoted\\\" word\"},\"l\":1,\"i\":0}]"},
	    {"{\"\\n\":\"\\\\\"}\n", "[{\"d\":{\"\\n\":\"\\\\\"},\"l\":1,\"i\":0}]"},
	    {"{\"a\":\"\\t\\r\\n\\/\\b\\f\"}\n",
	     "[{\"d\":{\"a\":\"\\t\\r\\n/\\b\\f\"},\"l\":1,\"i\":0}]"},
	    {"{\"a\":\"\\u00e9t\\u00E9\",\"b\":\"\\ud83d\\ude00!\"}\n",
	     "[{\"d\":{\"a\":\"\xC3\xA9t\xC3\xA9\",\"b\":\"\xF0\x9F\x98\x80!\"},\"l\":1,\"i\":0}]"},
	    {"{\"\":\"\",\"e\":\"\\u20ac\"}\n{\"x\":\"\"}\n",
	     "[{\"d\":{\"\":\"\",\"e\":\"\xE2\x82\xAC\"},\"l\":1,\"i\":0},{\"d\":{\"x\":\"\"},"
	     "\"l\":2,\"i\":1}]"},
	    {"\"\\\"only an escaped string\"\n",
	     "[{\"d\":{\"text\":\"\\\"only an escaped string\"},\"l\":1,\"i\":0}]"},
	};
	lf_ingest_buf scratch = {0};
	json_t *v;

	for (size_t i = 0; i < LF_ARRAY_LEN(cases); i++)
		check_all_splits(LF_INGEST_JSONL, NULL, cases[i].in, strlen(cases[i].in),
				 cases[i].want, LF_OK, NULL);
	/* the fast path itself, on a scratch buffer that has never grown */
	v = lf_ingest_fast_parse("\"\\\"x\"", 5, &scratch);
	assert_non_null(v);
	assert_string_equal(json_string_value(v), "\"x");
	json_decref(v);
	free(scratch.p);
}

static void test_json_array(void **state)
{
	CHECK(LF_INGEST_JSON, NULL,
	      " [\n"
	      "  {\"a\": \"],{\\\"\\\\\", \"n\": [1, {\"x\": []}]},\n"
	      "  \"str, with comma\" , 42,\n"
	      "  {\n"
	      "    \"multi\": \"line\"\n"
	      "  }\n"
	      "]\n  ",
	      "[{\"d\":{\"a\":\"],{\\\"\\\\\",\"n\":[1,{\"x\":[]}]},\"l\":2,\"i\":0},"
	      "{\"d\":{\"text\":\"str, with comma\"},\"l\":3,\"i\":1},"
	      "{\"d\":{\"text\":42},\"l\":3,\"i\":2},"
	      "{\"d\":{\"multi\":\"line\"},\"l\":4,\"i\":3}]",
	      LF_OK, NULL);
	CHECK(LF_INGEST_JSON, NULL, "[]", "[]", LF_OK, NULL);
	CHECK(LF_INGEST_JSON, NULL, "{\"only\": {\"one\": 1}}\n",
	      "[{\"d\":{\"only\":{\"one\":1}},\"l\":1,\"i\":0}]", LF_OK, NULL);
	/* JSON Lines sent as json */
	CHECK(LF_INGEST_JSON, NULL, "{\"a\":1}\n{\"a\":2}\n",
	      "[{\"d\":{\"a\":1},\"l\":1,\"i\":0},{\"d\":{\"a\":2},\"l\":2,\"i\":1}]", LF_OK, NULL);
}

static void test_json_errors(void **state)
{
	CHECK(LF_INGEST_JSON, NULL, "[{\"a\":1},\n {\"b\":", "[{\"d\":{\"a\":1},\"l\":1,\"i\":0}]",
	      LF_ERR_INVALID, "truncated JSON");
	CHECK(LF_INGEST_JSON, NULL, "[1,2", "[{\"d\":{\"text\":1},\"l\":1,\"i\":0}]",
	      LF_ERR_INVALID, "unterminated array");
	CHECK(LF_INGEST_JSON, NULL, "[\n\"abc", "[]", LF_ERR_INVALID,
	      "line 2: truncated JSON: unterminated string");
	CHECK(LF_INGEST_JSON, NULL, "[1,\n\n{\"x\": tru}]",
	      "[{\"d\":{\"text\":1},\"l\":1,\"i\":0}]", LF_ERR_INVALID, "line 3: invalid JSON");
	CHECK(LF_INGEST_JSON, NULL, "[1]x", "[{\"d\":{\"text\":1},\"l\":1,\"i\":0}]",
	      LF_ERR_INVALID, "unexpected data after the array");
	CHECK(LF_INGEST_JSON, NULL, "[1,]", "[{\"d\":{\"text\":1},\"l\":1,\"i\":0}]",
	      LF_ERR_INVALID, "missing array element");
	CHECK(LF_INGEST_JSON, NULL, "\"scalar\"", "[]", LF_ERR_INVALID,
	      "expected a JSON array or object");
	CHECK(LF_INGEST_JSON, NULL, "[\n{\"a\":\"\xC0\xAF\"}]", "[]", LF_ERR_INVALID,
	      "line 2: invalid UTF-8");
}

static void test_text(void **state)
{
	CHECK(LF_INGEST_TEXT, NULL, "first line\r\n\n  \nsecond \"q\" \xE2\x9C\x93\nlast",
	      "[{\"d\":{\"text\":\"first line\"},\"l\":1,\"i\":0},"
	      "{\"d\":{\"text\":\"second \\\"q\\\" \\u2713\"},\"l\":4,\"i\":1},"
	      "{\"d\":{\"text\":\"last\"},\"l\":5,\"i\":2}]",
	      LF_OK, NULL);
	/* surrogate code point, code point above U+10FFFF, NUL */
	CHECK(LF_INGEST_TEXT, NULL, "ok\n\xED\xA0\x80\n",
	      "[{\"d\":{\"text\":\"ok\"},\"l\":1,\"i\":0}]", LF_ERR_INVALID,
	      "line 2: invalid UTF-8");
	CHECK(LF_INGEST_TEXT, NULL, "\xF4\x90\x80\x80", "[]", LF_ERR_INVALID,
	      "line 1: invalid UTF-8");
	CHECK(LF_INGEST_TEXT, NULL, "a\n\nb\0c\n", "[{\"d\":{\"text\":\"a\"},\"l\":1,\"i\":0}]",
	      LF_ERR_INVALID, "line 3: invalid UTF-8");
	CHECK(LF_INGEST_TEXT, NULL, "\xF4\x8F\xBF\xBF",
	      "[{\"d\":{\"text\":\"\\udbff\\udfff\"},\"l\":1,\"i\":0}]", LF_OK, NULL);
}

static void test_label_studio(void **state)
{
	static const char tasks[] =
	    "[{\"id\": 7, \"data\": {\"text\": \"hi\"}, \"meta\": {\"src\": \"x\"},\n"
	    " \"predictions\": [{\"model_version\": \"v1\", \"result\": []}],\n"
	    " \"annotations\": [{\"result\": [{\"value\": 1}]}]},\n"
	    " {\"data\": {\"text\": \"plain\"}}]";
	static const char want[] =
	    "[{\"d\":{\"text\":\"hi\"},\"l\":1,\"i\":0,\"id\":7,\"m\":{\"src\":\"x\"},"
	    "\"p\":[{\"model_version\":\"v1\",\"result\":[],\"origin\":\"prediction\"},"
	    "{\"result\":[{\"value\":1}],\"origin\":\"annotation\"}]},"
	    "{\"d\":{\"text\":\"plain\"},\"l\":4,\"i\":1}]";

	CHECK(LF_INGEST_LABEL_STUDIO, NULL, tasks, want, LF_OK, NULL);
	/* the same tasks are recognised inside plain json */
	CHECK(LF_INGEST_JSON, NULL, tasks, want, LF_OK, NULL);
	/* ... but an object with other keys next to "data" is ordinary data */
	CHECK(LF_INGEST_JSON, NULL, "[{\"data\": {\"a\": 1}, \"other\": 2}]",
	      "[{\"d\":{\"data\":{\"a\":1},\"other\":2},\"l\":1,\"i\":0}]", LF_OK, NULL);
	/* one task per line, and a single task object */
	CHECK(LF_INGEST_LABEL_STUDIO, NULL,
	      "{\"data\": {\"a\": 1}, \"predictions\": []}\n{\"data\": {\"a\": 2}, \"extra\": 1}\n",
	      "[{\"d\":{\"a\":1},\"l\":1,\"i\":0},{\"d\":{\"a\":2},\"l\":2,\"i\":1}]", LF_OK, NULL);
	CHECK(LF_INGEST_LABEL_STUDIO, NULL, "[{\"data\": {\"a\": 1}},\n{\"text\": \"no data\"}]",
	      "[{\"d\":{\"a\":1},\"l\":1,\"i\":0}]", LF_ERR_INVALID,
	      "line 2: Label Studio task has no \"data\" object");
	CHECK(LF_INGEST_LABEL_STUDIO, NULL, "[{\"data\": {}, \"predictions\": {}}]", "[]",
	      LF_ERR_INVALID, "line 1: \"predictions\" is not an array");
	CHECK(LF_INGEST_JSONL, NULL,
	      "{\"data\": {}, \"predictions\": [{}], \"annotations\": [{}, 2]}\n", "[]",
	      LF_ERR_INVALID, "line 1: \"annotations\" element 1 is not an object");
	/* the last of a repeated member counts; an escaped name means what it
	 * decodes to; a value the check cannot vouch for (\u0000, a 19-digit
	 * integer) is judged by parsing it */
	CHECK(LF_INGEST_JSONL, NULL,
	      "{\"data\": 1, \"data\": {\"a\": 1}, \"predictions\": [1], \"predictions\": null}\n"
	      "{\"d\\u0061ta\": {\"b\": 2}, \"annotations\": [{\"result\": []}]}\n"
	      "{\"data\": {\"n\": 1234567890123456789}, \"annotations\": [{}]}\n"
	      "{\"s\": \"\\u0000\"}\n",
	      "[{\"d\":{\"a\":1},\"l\":1,\"i\":0},"
	      "{\"d\":{\"b\":2},\"l\":2,\"i\":1,\"p\":[{\"result\":[],\"origin\":\"annotation\"}]},"
	      "{\"d\":{\"n\":1234567890123456789},\"l\":3,\"i\":2,"
	      "\"p\":[{\"origin\":\"annotation\"}]}]",
	      LF_ERR_INVALID, "line 4: invalid JSON");
	/* skip mode: every kind of bad task skipped with its line */
	lf_ingest_options skip = {.skip_bad = true};
	CHECK(LF_INGEST_LABEL_STUDIO, &skip,
	      "[{\"data\": {}, \"predictions\": 5},\n {\"data\": {}, \"predictions\": [[]]},\n"
	      " 7,\n {\"data\": \"x\"},\n {\"data\": {\"ok\": true}, \"annotations\": [{}]},\n"
	      " {\"data\": {}, \"annotations\": [{}], \"x\": }]",
	      "[{\"d\":{\"ok\":true},\"l\":5,\"i\":0,\"p\":[{\"origin\":\"annotation\"}]}]", LF_OK,
	      NULL);
}

static void test_oversize(void **state)
{
	lf_ingest_options opt = {.max_item_bytes = 16};

	CHECK(LF_INGEST_JSONL, &opt, "{\"a\":1}\n{\"long\":\"0123456789abcdef\"}\n{}\n",
	      "[{\"d\":{\"a\":1},\"l\":1,\"i\":0}]", LF_ERR_LIMIT,
	      "line 2: item larger than 16 bytes");
	CHECK(LF_INGEST_JSON, &opt, "[1,\n\"0123456789abcdefghij\",2]",
	      "[{\"d\":{\"text\":1},\"l\":1,\"i\":0}]", LF_ERR_LIMIT,
	      "line 2: item larger than 16 bytes");
	/* a stream error inside an oversize element wins over its size however
	 * the chunks split it (found by fuzz_ingest_label_studio) */
	CHECK(LF_INGEST_JSON, &opt, "[\"0123456789abcdefghij\" }]", "[]", LF_ERR_INVALID,
	      "line 1: unexpected '}'");
	CHECK(LF_INGEST_CSV, &opt, "a,b\n1,2\n0123456789,0123456789\n",
	      "[{\"d\":{\"a\":\"1\",\"b\":\"2\"},\"l\":2,\"i\":0}]", LF_ERR_LIMIT,
	      "line 3: item larger than 16 bytes");
	CHECK(LF_INGEST_CSV, &opt, "0123456789,0123456789\n", "[]", LF_ERR_INVALID,
	      "line 1: header larger than 16 bytes");
	/* a blank line over the cap is refused too, however chunks split it
	 * (found by fuzz_ingest_text) */
	CHECK(LF_INGEST_TEXT, &opt, "a\n                    \nb\n",
	      "[{\"d\":{\"text\":\"a\"},\"l\":1,\"i\":0}]", LF_ERR_LIMIT,
	      "line 2: item larger than 16 bytes");
	/* exactly at the cap is fine, CRLF included */
	CHECK(LF_INGEST_TEXT, &opt, "0123456789abcdef\r\n",
	      "[{\"d\":{\"text\":\"0123456789abcdef\"},\"l\":1,\"i\":0}]", LF_OK, NULL);
	/* skip mode drops the oversize item and resumes at the next one */
	opt.skip_bad = true;
	CHECK(LF_INGEST_JSON, &opt, "[1,\n\"0123456789abcdefghij\",2]",
	      "[{\"d\":{\"text\":1},\"l\":1,\"i\":0},{\"d\":{\"text\":2},\"l\":2,\"i\":1}]", LF_OK,
	      NULL);
	CHECK(LF_INGEST_CSV, &opt, "a,b\n0123456789,\"0123\n456789\"\n3,4",
	      "[{\"d\":{\"a\":\"3\",\"b\":\"4\"},\"l\":4,\"i\":0}]", LF_OK, NULL);
	CHECK(LF_INGEST_TEXT, &opt, "0123456789abcdefXYZ\nok",
	      "[{\"d\":{\"text\":\"ok\"},\"l\":2,\"i\":0}]", LF_OK, NULL);
}

static void test_skip_mode(void **state)
{
	lf_ingest_options opt = {.skip_bad = true};
	lf_ingest_parser *p = NULL;
	struct run r = {.fail_at = -1};
	static const char in[] = "{\"a\":1}\n{bad\n\"s\"\n{\"b\":\xFF}\n{\"c\":3}\n";
	char big[8192];
	size_t n = 0;
	int64_t line = 0;
	int i;

	CHECK(LF_INGEST_JSONL, &opt, in,
	      "[{\"d\":{\"a\":1},\"l\":1,\"i\":0},{\"d\":{\"text\":\"s\"},\"l\":3,\"i\":1},"
	      "{\"d\":{\"c\":3},\"l\":5,\"i\":2}]",
	      LF_OK, NULL);
	r.items = json_array();
	assert_int_equal(lf_ingest_parser_create(LF_INGEST_JSONL, &opt, collect_cb, &r, &p), LF_OK);
	assert_int_equal(lf_ingest_feed(p, in, sizeof(in) - 1), LF_OK);
	assert_int_equal(lf_ingest_finish(p), LF_OK);
	assert_int_equal(lf_ingest_items(p), 3);
	assert_int_equal(lf_ingest_skipped(p), 2);
	assert_int_equal(lf_ingest_skipped_recorded(p), 2);
	assert_non_null(strstr(lf_ingest_skipped_error(p, 0, &line), "invalid JSON"));
	assert_int_equal(line, 2);
	assert_string_equal(lf_ingest_skipped_error(p, 1, &line), "invalid UTF-8");
	assert_int_equal(line, 4);
	assert_null(lf_ingest_skipped_error(p, 2, &line));
	lf_ingest_parser_free(p);
	json_decref(r.items);

	/* more bad rows than are kept: all counted, the first 100 recorded */
	n += (size_t)snprintf(big + n, sizeof(big) - n, "a,b\n");
	for (i = 0; i < 150; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "%d\n", i);
	n += (size_t)snprintf(big + n, sizeof(big) - n, "x,y\n");
	r.items = json_array();
	assert_int_equal(lf_ingest_parser_create(LF_INGEST_CSV, &opt, collect_cb, &r, &p), LF_OK);
	assert_int_equal(lf_ingest_feed(p, big, n), LF_OK);
	assert_int_equal(lf_ingest_finish(p), LF_OK);
	assert_int_equal(lf_ingest_items(p), 1);
	assert_int_equal(lf_ingest_skipped(p), 150);
	assert_int_equal(lf_ingest_skipped_recorded(p), LF_INGEST_MAX_ERRORS);
	assert_string_equal(lf_ingest_skipped_error(p, 99, &line), "expected 2 fields, got 1");
	assert_int_equal(line, 101);
	assert_null(lf_ingest_error(p));
	lf_ingest_parser_free(p);
	json_decref(r.items);

	/* stream errors stop even in skip mode */
	CHECK(LF_INGEST_CSV, &opt, "a,a\n1,2\n", "[]", LF_ERR_INVALID, "duplicate column name");
	CHECK(LF_INGEST_JSON, &opt, "[1, {\"x\":", "[{\"d\":{\"text\":1},\"l\":1,\"i\":0}]",
	      LF_ERR_INVALID, "truncated JSON");
}

static void test_empty_input(void **state)
{
	static const lf_ingest_format all[] = {LF_INGEST_CSV,  LF_INGEST_TSV,
					       LF_INGEST_JSON, LF_INGEST_JSONL,
					       LF_INGEST_TEXT, LF_INGEST_LABEL_STUDIO};
	size_t i;

	for (i = 0; i < LF_ARRAY_LEN(all); i++) {
		CHECK(all[i], NULL, "", "[]", LF_OK, NULL);
		CHECK(all[i], NULL, "\xEF\xBB\xBF", "[]", LF_OK, NULL);
		CHECK(all[i], NULL, "\n\r\n  \n", "[]", LF_OK, NULL);
	}
	/* a partial BOM is not silently dropped */
	CHECK(LF_INGEST_TEXT, NULL, "\xEF\xBB", "[]", LF_ERR_INVALID, "invalid UTF-8");
	CHECK(LF_INGEST_TEXT, NULL, "\xEF\xBB\xBF\xEF\xBB\xBFx",
	      "[{\"d\":{\"text\":\"\\ufeffx\"},\"l\":1,\"i\":0}]", LF_OK, NULL);
}

static void test_callback_error_and_state(void **state)
{
	lf_ingest_parser *p = NULL;
	struct run r = {.fail_at = 1};

	r.items = json_array();
	assert_int_equal(lf_ingest_parser_create(LF_INGEST_TEXT, NULL, collect_cb, &r, &p), LF_OK);
	assert_int_equal(lf_ingest_feed(p, "a\nb\nc\n", 6), LF_ERR_DB);
	assert_int_equal(lf_ingest_items(p), 1);
	assert_string_equal(lf_ingest_error(p), "line 2: item rejected: database error");
	assert_int_equal(lf_ingest_error_line(p), 2);
	assert_int_equal(lf_ingest_feed(p, "d\n", 2), LF_ERR_DB);
	assert_int_equal(lf_ingest_finish(p), LF_ERR_DB);
	lf_ingest_parser_free(p);
	json_decref(r.items);

	r.fail_at = -1;
	r.items = json_array();
	assert_int_equal(lf_ingest_parser_create(LF_INGEST_TEXT, NULL, collect_cb, &r, &p), LF_OK);
	assert_int_equal(lf_ingest_finish(p), LF_OK);
	assert_int_equal(lf_ingest_feed(p, "x\n", 2), LF_ERR_CONFLICT);
	assert_int_equal(lf_ingest_finish(p), LF_ERR_CONFLICT);
	lf_ingest_parser_free(p);
	json_decref(r.items);

	assert_int_equal(lf_ingest_parser_create(LF_INGEST_TEXT, NULL, NULL, NULL, &p),
			 LF_ERR_INVALID);
	assert_null(p);
	assert_int_equal(lf_ingest_parser_create((lf_ingest_format)42, NULL, collect_cb, &r, &p),
			 LF_ERR_INVALID);
}

struct refusing {
	lf_ingest_parser *p;
	int kept;
};

static int refuse_bad_cb(void *ud, const lf_ingest_item *it)
{
	struct refusing *r = ud;

	if (json_object_get(it->data, "bad") != NULL)
		return lf_ingest_refuse(r->p, "field \"bad\" is %d", 7);
	r->kept++;
	return LF_OK;
}

/* A callback's refusal makes its item a bad item: it stops the parse with
 * the item's line, or is skipped and recorded in skip mode. */
static void test_callback_refuses(void **state)
{
	static const char in[] = "{\"a\":1}\n\n{\"bad\":1}\n{\"a\":2}\n";
	lf_ingest_options skip = {.skip_bad = true};
	struct refusing r = {0};
	int64_t line;

	assert_int_equal(lf_ingest_parser_create(LF_INGEST_JSONL, NULL, refuse_bad_cb, &r, &r.p),
			 LF_OK);
	assert_int_equal(lf_ingest_feed(r.p, in, sizeof(in) - 1), LF_ERR_INVALID);
	assert_string_equal(lf_ingest_error(r.p), "line 3: field \"bad\" is 7");
	assert_int_equal(lf_ingest_items(r.p), 1);
	lf_ingest_parser_free(r.p);

	r = (struct refusing){0};
	assert_int_equal(lf_ingest_parser_create(LF_INGEST_JSONL, &skip, refuse_bad_cb, &r, &r.p),
			 LF_OK);
	assert_int_equal(lf_ingest_feed(r.p, in, sizeof(in) - 1), LF_OK);
	assert_int_equal(lf_ingest_finish(r.p), LF_OK);
	assert_int_equal(r.kept, 2);
	assert_int_equal(lf_ingest_items(r.p), 2);
	assert_int_equal(lf_ingest_skipped(r.p), 1);
	assert_string_equal(lf_ingest_skipped_error(r.p, 0, &line), "field \"bad\" is 7");
	assert_int_equal(line, 3);
	lf_ingest_parser_free(r.p);
}

static void test_detect_and_names(void **state)
{
	lf_ingest_format f = LF_INGEST_TEXT;
	size_t i;
	static const struct {
		const char *ct;
		const char *name;
		const char *bytes;
		lf_ingest_format want;
	} cases[] = {
	    {"text/csv", NULL, NULL, LF_INGEST_CSV},
	    {"Text/CSV; charset=utf-8", "x.json", NULL, LF_INGEST_CSV},
	    {"text/tab-separated-values", NULL, NULL, LF_INGEST_TSV},
	    {"application/x-ndjson", NULL, NULL, LF_INGEST_JSONL},
	    {"application/jsonl", NULL, NULL, LF_INGEST_JSONL},
	    {"application/json", NULL, NULL, LF_INGEST_JSON},
	    {"text/plain", NULL, NULL, LF_INGEST_TEXT},
	    {"application/octet-stream", "data.TSV", NULL, LF_INGEST_TSV},
	    {NULL, "dir.v2/data.csv", NULL, LF_INGEST_CSV},
	    {NULL, "a.jsonl", NULL, LF_INGEST_JSONL},
	    {NULL, "a.ndjson", NULL, LF_INGEST_JSONL},
	    {NULL, "tasks.json", NULL, LF_INGEST_JSON},
	    {NULL, "notes.txt", NULL, LF_INGEST_TEXT},
	    {NULL, "noext", "\xEF\xBB\xBF  [1]", LF_INGEST_JSON},
	    {NULL, NULL, "{\"a\":1}\r\n{\"a\":2}", LF_INGEST_JSONL},
	    {NULL, NULL, "{\n\"a\": 1}", LF_INGEST_JSON},
	    {NULL, NULL, "id\ttext\n", LF_INGEST_TSV},
	    {NULL, NULL, "hello, world\n", LF_INGEST_TEXT},
	};

	for (i = 0; i < LF_ARRAY_LEN(cases); i++) {
		assert_int_equal(lf_ingest_detect(cases[i].ct, cases[i].name, cases[i].bytes,
						  cases[i].bytes ? strlen(cases[i].bytes) : 0, &f),
				 LF_OK);
		if (f != cases[i].want)
			fail_msg("case %zu: got %s", i, lf_ingest_format_name(f));
	}
	assert_int_equal(lf_ingest_detect(NULL, NULL, NULL, 0, &f), LF_ERR_INVALID);
	assert_int_equal(lf_ingest_detect("application/zip", "a.zip", "  \n", 3, &f),
			 LF_ERR_INVALID);

	for (i = LF_INGEST_CSV; i <= LF_INGEST_LABEL_STUDIO; i++) {
		assert_int_equal(lf_ingest_format_parse(lf_ingest_format_name(i), &f), LF_OK);
		assert_int_equal(f, i);
	}
	assert_int_equal(lf_ingest_format_parse("NDJSON", &f), LF_OK);
	assert_int_equal(f, LF_INGEST_JSONL);
	assert_int_equal(lf_ingest_format_parse("label_studio_json", &f), LF_OK);
	assert_int_equal(f, LF_INGEST_LABEL_STUDIO);
	assert_int_equal(lf_ingest_format_parse("xml", &f), LF_ERR_INVALID);
	assert_string_equal(lf_ingest_format_name((lf_ingest_format)99), "unknown");
}

/* The shape lf_ingest_fast_check should find in v (jansson's reading). */
static void shape_of(json_t *v, lf_ingest_shape *want)
{
	static const char *const keys[2] = {"predictions", "annotations"};
	const char *key;
	json_t *val;
	json_t *e;
	size_t i;
	int k;

	memset(want, 0, sizeof(*want));
	if (!json_is_object(v))
		return;
	want->object = true;
	want->data_object = json_is_object(json_object_get(v, "data"));
	json_object_foreach(v, key, val)
	{
		if (strcmp(key, "data") != 0 && strcmp(key, "predictions") != 0 &&
		    strcmp(key, "annotations") != 0 && strcmp(key, "meta") != 0 &&
		    strcmp(key, "id") != 0)
			want->other_keys = true;
	}
	for (k = 0; k < 2; k++) {
		val = json_object_get(v, keys[k]);
		if (val == NULL || json_is_null(val))
			continue;
		if (!json_is_array(val)) {
			want->lists[k] = LF_INGEST_LIST_NOT_ARRAY;
			continue;
		}
		want->lists[k] = LF_INGEST_LIST_OK;
		want->count[k] = json_array_size(val);
		json_array_foreach(val, i, e)
		{
			if (!json_is_object(e)) {
				want->lists[k] = LF_INGEST_LIST_BAD_ELEM;
				want->bad[k] = i;
				break;
			}
		}
	}
}

/* The fast JSON path may give up, but whatever it accepts jansson must
 * accept too and build identically; whatever the check accepts jansson
 * must accept, with the shape jansson sees; checked on a corpus and on
 * random mutations of it. */
static void check_fast_vs_jansson(const char *s, size_t n, lf_ingest_buf *scratch, bool must_accept)
{
	json_error_t jerr;
	json_t *fast;
	json_t *ref;
	lf_ingest_shape got;
	lf_ingest_shape want;
	bool checked;
	int k;

	if (!lf_utf8_valid(s, n))
		return;
	fast = lf_ingest_fast_parse(s, n, scratch);
	ref = json_loadb(s, n, JSON_DECODE_ANY, &jerr);
	checked = lf_ingest_fast_check(s, n, &got);
	if (must_accept && fast == NULL)
		fail_msg("fast path gave up on %.*s", (int)n, s);
	if (fast != NULL && (ref == NULL || !json_equal(fast, ref)))
		fail_msg("fast path differs from jansson on %.*s", (int)n, s);
	if (checked && ref == NULL)
		fail_msg("check accepts what jansson rejects: %.*s", (int)n, s);
	if (checked != (fast != NULL) && (fast == NULL || memchr(s, '\\', n) == NULL))
		fail_msg("check and fast path disagree on %.*s", (int)n, s);
	if (checked) {
		shape_of(ref, &want);
		if (got.object != want.object || got.data_object != want.data_object ||
		    got.other_keys != want.other_keys)
			fail_msg("check finds another shape in %.*s", (int)n, s);
		for (k = 0; k < 2; k++) {
			if (got.lists[k] != want.lists[k] ||
			    (want.lists[k] == LF_INGEST_LIST_OK && got.count[k] != want.count[k]) ||
			    (want.lists[k] == LF_INGEST_LIST_BAD_ELEM && got.bad[k] != want.bad[k]))
				fail_msg("check finds other lists in %.*s", (int)n, s);
		}
	}
	json_decref(fast);
	json_decref(ref);
}

static void test_fast_json(void **state)
{
	static const char *accepted[] = {
	    "{}",
	    "[]",
	    " {\"a\": 1, \"b\": -0, \"c\": 123456789012345678, \"d\": -12.5e-3, \"e\": 1E2} ",
	    "{\"k\\u00e9y\": {\"a\\\"b\": \"x\\ny\\t\\/\\\\\"}, \"z\": \"\\ud83d\\ude00\"}",
	    "[true, false, null, \"\", [[]], {\"\": 0.5}]",
	    "{\"a\":1,\"a\":2}",
	    "\"plain \xE2\x82\xAC\"",
	    "42",
	    "{\"nested\": [{\"x\": \"\\u0041\\u00DF\"}, 1e-400]}",
	    "{\"data\": {\"t\": 1}, \"predictions\": [{\"result\": []}], \"annotations\": null,"
	    " \"id\": 3, \"meta\": {}}",
	    "{\"data\": 1, \"data\": {}, \"annotations\": [{}, {}, 2, []]}",
	    "{\"data\": {}, \"predictions\": {}, \"predictions\": [], \"other\": [1]}",
	    "{\"data\": [], \"annotations\": \"x\"}",
	    "{\"d\\u0061ta\": {}}",
	};
	static const char *other[] = {
	    "",
	    " ",
	    "{",
	    "}",
	    "[1,]",
	    "{\"a\":}",
	    "{\"a\" 1}",
	    "{a:1}",
	    "01",
	    "-",
	    "1.",
	    ".5",
	    "1e",
	    "1e+",
	    "+1",
	    "tru",
	    "nul",
	    "[1 2]",
	    "{\"a\":1,}",
	    "\"\\u0000\"",
	    "\"\\ud800\"",
	    "\"\\udc00x\"",
	    "\"\\ud800\\u0041\"",
	    "\"\\x\"",
	    "\"a\nb\"",
	    "\"\\u12\"",
	    "12345678901234567890",
	    "-9223372036854775808",
	    "1e400",
	    "[1]x",
	    "{\"a\":1}}",
	    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]"
	    "]"
	    "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	    "0.12345678901234567890123456789012345678901234567890123456789012345678901234567890",
	};
	lf_ingest_buf scratch = {0};
	char mut[256];
	size_t i;
	size_t len;
	unsigned seed = 12345;
	int k;
	int m;

	for (i = 0; i < LF_ARRAY_LEN(accepted); i++)
		check_fast_vs_jansson(accepted[i], strlen(accepted[i]), &scratch, true);
	for (i = 0; i < LF_ARRAY_LEN(other); i++)
		check_fast_vs_jansson(other[i], strlen(other[i]), &scratch, false);
	for (k = 0; k < 200000; k++) {
		const char *src = accepted[(size_t)k % LF_ARRAY_LEN(accepted)];

		len = strlen(src);
		memcpy(mut, src, len);
		for (m = 0; m < 1 + k % 3; m++) {
			seed = seed * 1103515245u + 12345u;
			if (len > 0)
				mut[(seed >> 8) % len] =
				    "{}[]\",:\\u0aeE.-+ 1tn"[(seed >> 20) % 21];
		}
		if (k % 7 == 0 && len > 1)
			len = (seed >> 4) % len;
		check_fast_vs_jansson(mut, len, &scratch, false);
	}
	free(scratch.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_csv_quoting_bom_crlf),
	    cmocka_unit_test(test_tsv),
	    cmocka_unit_test(test_csv_errors),
	    cmocka_unit_test(test_csv_wide_header),
	    cmocka_unit_test(test_jsonl),
	    cmocka_unit_test(test_jsonl_escapes),
	    cmocka_unit_test(test_json_array),
	    cmocka_unit_test(test_json_errors),
	    cmocka_unit_test(test_text),
	    cmocka_unit_test(test_label_studio),
	    cmocka_unit_test(test_oversize),
	    cmocka_unit_test(test_skip_mode),
	    cmocka_unit_test(test_empty_input),
	    cmocka_unit_test(test_callback_error_and_state),
	    cmocka_unit_test(test_callback_refuses),
	    cmocka_unit_test(test_detect_and_names),
	    cmocka_unit_test(test_fast_json),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
