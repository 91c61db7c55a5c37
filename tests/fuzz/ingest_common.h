/*
 * ingest_common.h - the one harness of the ingest fuzz targets
 * (fuzz_ingest_<format>.c), which differ only in the format they parse.
 *
 * The first byte picks the options: bit 0 skip mode, bit 1 refused
 * annotations (for csv/tsv: tsv), bit 2 a 64-byte item cap, bits 3-7 the
 * chunk size of the second run. The rest is the upload, parsed three
 * times, which must agree as ingest.h promises: whole, in chunks (the same
 * items, lines and errors wherever chunks split the input) and whole in
 * check_only mode (the same count and errors, and the callback sees
 * exactly the items with predictions).
 */
#ifndef LF_FUZZ_INGEST_COMMON_H
#define LF_FUZZ_INGEST_COMMON_H

#include "fuzz.h"
#include "ingest/ingest.h"

#include <string.h>

struct ingest_run {
	int rc;
	json_t *items; /* {"d","l","i","p","m","id"} per delivered item */
	char err[512];
	int64_t err_line;
	int64_t count;
	size_t skipped;
	json_t *recorded; /* ["line: message", ...] */
};

static int ingest_collect(void *ud, const lf_ingest_item *it)
{
	struct ingest_run *r = ud;
	json_t *o;

	FUZZ_CHECK(json_is_object(it->data));
	FUZZ_CHECK(it->line >= 1);
	FUZZ_CHECK(it->predictions == NULL || json_is_array(it->predictions));
	o = json_pack("{s:O, s:I, s:I}", "d", it->data, "l", (json_int_t)it->line, "i",
		      (json_int_t)it->index);
	FUZZ_CHECK(o != NULL);
	if (it->predictions != NULL)
		json_object_set(o, "p", it->predictions);
	if (it->meta != NULL)
		json_object_set(o, "m", it->meta);
	if (it->source_id != NULL)
		json_object_set(o, "id", it->source_id);
	json_array_append_new(r->items, o);
	return LF_OK;
}

static void ingest_run(lf_ingest_format fmt, const lf_ingest_options *opt, const char *in,
		       size_t len, size_t chunk, struct ingest_run *r)
{
	lf_ingest_parser *p = NULL;
	const char *e;
	size_t off, i;

	memset(r, 0, sizeof(*r));
	r->items = json_array();
	r->recorded = json_array();
	FUZZ_CHECK(lf_ingest_parser_create(fmt, opt, ingest_collect, r, &p) == LF_OK);
	for (off = 0; off < len && r->rc == LF_OK; off += chunk)
		r->rc = lf_ingest_feed(p, in + off, len - off < chunk ? len - off : chunk);
	if (r->rc == LF_OK)
		r->rc = lf_ingest_finish(p);
	e = lf_ingest_error(p);
	FUZZ_CHECK((r->rc == LF_OK) == (e == NULL));
	if (e != NULL) {
		snprintf(r->err, sizeof(r->err), "%s", e);
		r->err_line = lf_ingest_error_line(p);
	}
	/* a failed parse stays failed, and finishing twice is refused */
	FUZZ_CHECK(lf_ingest_feed(p, "x", 1) == (r->rc != LF_OK ? r->rc : LF_ERR_CONFLICT));
	r->count = lf_ingest_items(p);
	if (!opt->check_only)
		FUZZ_CHECK(r->count == (int64_t)json_array_size(r->items));
	r->skipped = lf_ingest_skipped(p);
	FUZZ_CHECK(lf_ingest_skipped_recorded(p) ==
		   (r->skipped < LF_INGEST_MAX_ERRORS ? r->skipped : LF_INGEST_MAX_ERRORS));
	for (i = 0; i < lf_ingest_skipped_recorded(p); i++) {
		int64_t line = 0;
		const char *msg = lf_ingest_skipped_error(p, i, &line);
		FUZZ_CHECK(msg != NULL && line >= 1);
		json_array_append_new(r->recorded, json_sprintf("%lld: %s", (long long)line, msg));
	}
	FUZZ_CHECK(lf_ingest_skipped_error(p, i, NULL) == NULL);
	lf_ingest_parser_free(p);
}

static void ingest_run_free(struct ingest_run *r)
{
	json_decref(r->items);
	json_decref(r->recorded);
}

/* Two parses of the same upload that must agree; what differs is printed
 * before the abort, for the report. */
static void ingest_agree(const char *what, const struct ingest_run *a, const struct ingest_run *b)
{
	char *ra, *rb;

	if (a->rc == b->rc && strcmp(a->err, b->err) == 0 && a->err_line == b->err_line &&
	    a->count == b->count && a->skipped == b->skipped &&
	    json_equal(a->recorded, b->recorded))
		return;
	ra = json_dumps(a->recorded, JSON_COMPACT);
	rb = json_dumps(b->recorded, JSON_COMPACT);
	fprintf(stderr,
		"%s differs:\n  rc %d err \"%s\" line %lld, %lld items, %zu skipped %s\n"
		"  rc %d err \"%s\" line %lld, %lld items, %zu skipped %s\n",
		what, a->rc, a->err, (long long)a->err_line, (long long)a->count, a->skipped, ra,
		b->rc, b->err, (long long)b->err_line, (long long)b->count, b->skipped, rb);
	abort();
}

static int ingest_fuzz(lf_ingest_format fmt, const uint8_t *data, size_t size)
{
	lf_ingest_options opt = {0};
	struct ingest_run whole, chunked, check;
	json_t *with_preds, *it;
	size_t i, chunk;

	if (size < 1)
		return 0;
	opt.skip_bad = data[0] & 1;
	if (fmt == LF_INGEST_CSV && (data[0] & 2))
		fmt = LF_INGEST_TSV;
	opt.refuse_annotations = (data[0] & 2) != 0;
	opt.max_item_bytes = (data[0] & 4) ? 64 : 0;
	chunk = 1 + (data[0] >> 3);
	data++;
	size--;

	ingest_run(fmt, &opt, (const char *)data, size, size > 0 ? size : 1, &whole);
	ingest_run(fmt, &opt, (const char *)data, size, chunk, &chunked);
	ingest_agree("chunked", &whole, &chunked);
	FUZZ_CHECK(json_equal(whole.items, chunked.items));

	opt.check_only = true;
	ingest_run(fmt, &opt, (const char *)data, size, chunk, &check);
	ingest_agree("check_only", &whole, &check);
	with_preds = json_array();
	json_array_foreach(whole.items, i, it)
	{
		if (json_object_get(it, "p") != NULL)
			json_array_append(with_preds, it);
	}
	FUZZ_CHECK(json_equal(check.items, with_preds));

	json_decref(with_preds);
	ingest_run_free(&whole);
	ingest_run_free(&chunked);
	ingest_run_free(&check);
	return 0;
}

#endif
