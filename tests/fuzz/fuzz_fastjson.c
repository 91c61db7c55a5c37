/*
 * fuzz_fastjson.c - the fast JSON path of the ingest parsers against
 * jansson, its reference (fastjson.c): on any valid UTF-8 text (what the
 * parsers hand it), lf_ingest_fast_parse must build exactly what
 * json_loadb builds (same types, values, member order; -0.0 is not 0.0)
 * or give up, and must never accept what jansson refuses.
 * lf_ingest_fast_check must accept only what the fast parser builds, with
 * the Label Studio shape that the built value has.
 */
#include "fuzz.h"
#include "ingest/ingest_int.h"

#include <string.h>

static const char *const task_keys[] = {"data", "predictions", "annotations", "meta", "id"};

/* The shape lf_ingest_fast_check must report, learnt from jansson's value. */
static void shape_of(json_t *v, lf_ingest_shape *sh)
{
	static const char *const lists[2] = {"predictions", "annotations"};
	const char *key;
	json_t *m;
	size_t i, k;

	memset(sh, 0, sizeof(*sh));
	if (!json_is_object(v))
		return;
	sh->object = true;
	sh->data_object = json_is_object(json_object_get(v, "data"));
	json_object_foreach(v, key, m)
	{
		for (k = 0; k < LF_ARRAY_LEN(task_keys) && strcmp(key, task_keys[k]) != 0; k++)
			;
		if (k == LF_ARRAY_LEN(task_keys))
			sh->other_keys = true;
	}
	for (i = 0; i < 2; i++) {
		m = json_object_get(v, lists[i]);
		sh->bad[i] = SIZE_MAX;
		if (m == NULL || json_is_null(m)) {
			sh->lists[i] = LF_INGEST_LIST_NONE;
			continue;
		}
		if (!json_is_array(m)) {
			sh->lists[i] = LF_INGEST_LIST_NOT_ARRAY;
			continue;
		}
		sh->count[i] = json_array_size(m);
		for (k = 0; k < sh->count[i] && sh->bad[i] == SIZE_MAX; k++)
			if (!json_is_object(json_array_get(m, k)))
				sh->bad[i] = k;
		sh->lists[i] =
		    sh->bad[i] < sh->count[i] ? LF_INGEST_LIST_BAD_ELEM : LF_INGEST_LIST_OK;
	}
}

static void same_shape(const lf_ingest_shape *a, const lf_ingest_shape *b)
{
	size_t i;

	FUZZ_CHECK(a->object == b->object);
	if (!a->object)
		return;
	FUZZ_CHECK(a->data_object == b->data_object);
	FUZZ_CHECK(a->other_keys == b->other_keys);
	for (i = 0; i < 2; i++) {
		FUZZ_CHECK(a->lists[i] == b->lists[i]);
		if (a->lists[i] == LF_INGEST_LIST_OK || a->lists[i] == LF_INGEST_LIST_BAD_ELEM)
			FUZZ_CHECK(a->count[i] == b->count[i]);
		if (a->lists[i] == LF_INGEST_LIST_BAD_ELEM)
			FUZZ_CHECK(a->bad[i] == b->bad[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	lf_ingest_buf scratch = {0};
	lf_ingest_shape got, want;
	json_error_t jerr;
	json_t *ref, *fast;
	bool checked;

	if (!lf_utf8_valid(s, size))
		return 0;
	ref = json_loadb(s, size, JSON_DECODE_ANY, &jerr);
	fast = lf_ingest_fast_parse(s, size, &scratch);
	checked = lf_ingest_fast_check(s, size, &got);
	if (fast != NULL) {
		char *a, *b;

		FUZZ_CHECK(ref != NULL);
		FUZZ_CHECK(json_equal(fast, ref));
		/* json_equal ignores member order and the sign of zero */
		a = json_dumps(fast, JSON_ENCODE_ANY | JSON_COMPACT);
		b = json_dumps(ref, JSON_ENCODE_ANY | JSON_COMPACT);
		FUZZ_CHECK(a != NULL && b != NULL && strcmp(a, b) == 0);
		free(a);
		free(b);
	}
	if (checked) {
		FUZZ_CHECK(ref != NULL && fast != NULL);
		shape_of(ref, &want);
		same_shape(&got, &want);
	}
	json_decref(ref);
	json_decref(fast);
	free(scratch.p);
	return 0;
}
