/*
 * ingest.c - the parser object: creation, chunk dispatch, error
 * bookkeeping, item delivery (including Label Studio task handling) and
 * UTF-8 validation shared by all formats.
 */
#include "ingest/ingest_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int dispatch(lf_ingest_parser *p, const char *s, size_t n);
static int feed_bom(lf_ingest_parser *p, const char *s, size_t n, size_t *used);
static void format_message(char *dst, size_t size, const char *fmt, va_list ap);
static int deliver(lf_ingest_parser *p, json_t *data, json_t *preds, json_t *meta, json_t *id,
		   int64_t line);
static int parse_and_deliver(lf_ingest_parser *p, const char *s, size_t n, int64_t line);
static int check_shape(lf_ingest_parser *p, const lf_ingest_shape *shape, const char *s, size_t n,
		       int64_t line);
static int deliver_task(lf_ingest_parser *p, json_t *task, int64_t line);
static bool is_task_shape(json_t *v);
static int annotations_refused(lf_ingest_parser *p, size_t n, int64_t line);
static int annotations_missing(lf_ingest_parser *p, int64_t line);
static int collect_predictions(lf_ingest_parser *p, json_t *task, const char *key,
			       const char *origin, json_t *preds, int64_t line, bool *bad);

static const unsigned char bom_bytes[3] = {0xEF, 0xBB, 0xBF};

int lf_ingest_parser_create(lf_ingest_format fmt, const lf_ingest_options *opt,
			    lf_ingest_item_cb cb, void *ud, lf_ingest_parser **out)
{
	int ret = LF_ERR_INVALID;
	lf_ingest_parser *p = NULL;

	*out = NULL;
	if ((cb == NULL && (opt == NULL || !opt->check_only)) ||
	    (unsigned)fmt > LF_INGEST_LABEL_STUDIO)
		goto cleanup;
	ret = LF_ERR_NOMEM;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		goto cleanup;
	p->fmt = fmt;
	p->max_item = LF_INGEST_DEFAULT_MAX_ITEM;
	if (opt != NULL) {
		if (opt->max_item_bytes > 0)
			p->max_item = opt->max_item_bytes;
		p->skip_bad = opt->skip_bad;
		p->check_only = opt->check_only;
		p->refuse_annotations = opt->refuse_annotations;
		p->require_annotations = opt->require_annotations;
	}
	p->cb = cb;
	p->ud = ud;
	p->line = 1;
	p->item_line = 1;
	p->sep = fmt == LF_INGEST_TSV ? '\t' : ',';
	/* an allocated item buffer from the start keeps empty items from
	 * handing a NULL pointer to memcpy and jansson */
	if (lf_ingest_buf_reserve(&p->buf, 1) != LF_OK)
		goto cleanup;
	*out = p;
	p = NULL;
	ret = LF_OK;
cleanup:
	lf_ingest_parser_free(p);
	return ret;
}

void lf_ingest_parser_free(lf_ingest_parser *p)
{
	if (p == NULL)
		return;
	lf_ingest_csv_free(p);
	free(p->buf.p);
	free(p->scratch.p);
	free(p->recorded);
	free(p);
}

int lf_ingest_feed(lf_ingest_parser *p, const char *buf, size_t len)
{
	int ret;
	size_t used = 0;

	if (p->failed != LF_OK)
		return p->failed;
	if (p->finished)
		return LF_ERR_CONFLICT;
	if (!p->bom_done) {
		ret = feed_bom(p, buf, len, &used);
		if (ret != LF_OK)
			goto cleanup;
	}
	ret = dispatch(p, buf + used, len - used);
cleanup:
	return ret;
}

int lf_ingest_finish(lf_ingest_parser *p)
{
	int ret;

	if (p->failed != LF_OK)
		return p->failed;
	if (p->finished)
		return LF_ERR_CONFLICT;
	p->finished = true;
	ret = LF_OK;
	if (!p->bom_done && p->bom_len > 0) {
		p->bom_done = true;
		ret = dispatch(p, (const char *)p->bom, p->bom_len);
		if (ret != LF_OK)
			goto cleanup;
	}
	switch (p->fmt) {
	case LF_INGEST_CSV:
	case LF_INGEST_TSV: ret = lf_ingest_csv_finish(p); break;
	case LF_INGEST_JSONL:
	case LF_INGEST_TEXT: ret = lf_ingest_lines_finish(p); break;
	case LF_INGEST_JSON:
	case LF_INGEST_LABEL_STUDIO: ret = lf_ingest_json_finish(p); break;
	}
cleanup:
	if (ret == LF_ERR_NOMEM && p->failed == LF_OK)
		p->failed = ret;
	return ret;
}

/* Routes a chunk to the scanner of the format: one indirect step per chunk,
 * never per byte. */
static int dispatch(lf_ingest_parser *p, const char *s, size_t n)
{
	int ret = LF_OK;

	if (n == 0)
		return LF_OK;
	switch (p->fmt) {
	case LF_INGEST_CSV:
	case LF_INGEST_TSV: ret = lf_ingest_csv_feed(p, s, n); break;
	case LF_INGEST_JSONL:
	case LF_INGEST_TEXT: ret = lf_ingest_lines_feed(p, s, n); break;
	case LF_INGEST_JSON:
	case LF_INGEST_LABEL_STUDIO: ret = lf_ingest_json_feed(p, s, n); break;
	}
	/* Scanners record their own failures; NOMEM from a buffer is the one
	 * they return without recording. */
	if (ret == LF_ERR_NOMEM && p->failed == LF_OK)
		p->failed = ret;
	return ret;
}

/*
 * Consumes the first bytes of the input while they may still be a BOM.
 * Bytes that turn out not to be a BOM are replayed to the scanner.
 */
static int feed_bom(lf_ingest_parser *p, const char *s, size_t n, size_t *used)
{
	size_t i = 0;
	int ret = LF_OK;

	while (i < n && p->bom_len < 3) {
		if ((unsigned char)s[i] != bom_bytes[p->bom_len]) {
			p->bom_done = true;
			ret = dispatch(p, (const char *)p->bom, p->bom_len);
			goto cleanup;
		}
		p->bom[p->bom_len++] = (unsigned char)s[i++];
	}
	if (p->bom_len == 3)
		p->bom_done = true;
cleanup:
	*used = i;
	return ret;
}

const char *lf_ingest_error(const lf_ingest_parser *p)
{
	return p->failed != LF_OK ? p->err_msg : NULL;
}

int64_t lf_ingest_error_line(const lf_ingest_parser *p)
{
	return p->failed != LF_OK ? p->err_line : 0;
}

int64_t lf_ingest_items(const lf_ingest_parser *p)
{
	return p->items;
}

size_t lf_ingest_skipped(const lf_ingest_parser *p)
{
	return p->skipped;
}

size_t lf_ingest_skipped_recorded(const lf_ingest_parser *p)
{
	return p->nrecorded;
}

const char *lf_ingest_skipped_error(const lf_ingest_parser *p, size_t i, int64_t *line)
{
	if (i >= p->nrecorded)
		return NULL;
	if (line != NULL)
		*line = p->recorded[i].line;
	return p->recorded[i].msg;
}

int lf_ingest_buf_reserve(lf_ingest_buf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *np;

	while (cap - b->len < need)
		cap *= 2;
	np = realloc(b->p, cap);
	if (np == NULL)
		return LF_ERR_NOMEM;
	b->p = np;
	b->cap = cap;
	return LF_OK;
}

static void format_message(char *dst, size_t size, const char *fmt, va_list ap)
{
	vsnprintf(dst, size, fmt, ap);
}

int lf_ingest_item_error(lf_ingest_parser *p, int64_t line, int code, const char *fmt, ...)
{
	va_list ap;
	char msg[LF_INGEST_MSG_MAX];

	va_start(ap, fmt);
	format_message(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!p->skip_bad) {
		p->failed = code;
		p->err_line = line;
		snprintf(p->err_msg, sizeof(p->err_msg), "line %lld: %s", (long long)line, msg);
		return code;
	}
	p->skipped++;
	if (p->nrecorded < LF_INGEST_MAX_ERRORS) {
		if (p->recorded == NULL) {
			p->recorded = calloc(LF_INGEST_MAX_ERRORS, sizeof(*p->recorded));
			if (p->recorded == NULL)
				return LF_ERR_NOMEM;
		}
		p->recorded[p->nrecorded].line = line;
		memcpy(p->recorded[p->nrecorded].msg, msg, sizeof(msg));
		p->nrecorded++;
	}
	return LF_OK;
}

int lf_ingest_stream_error(lf_ingest_parser *p, int64_t line, const char *fmt, ...)
{
	va_list ap;
	char msg[LF_INGEST_MSG_MAX];

	va_start(ap, fmt);
	format_message(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->failed = LF_ERR_INVALID;
	p->err_line = line;
	snprintf(p->err_msg, sizeof(p->err_msg), "line %lld: %s", (long long)line, msg);
	return LF_ERR_INVALID;
}

int lf_ingest_refuse(lf_ingest_parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	format_message(p->refusal, sizeof(p->refusal), fmt, ap);
	va_end(ap);
	p->refused = true;
	return LF_ERR_INVALID;
}

int lf_ingest_oversize(lf_ingest_parser *p, int64_t line)
{
	return lf_ingest_item_error(p, line, LF_ERR_LIMIT, "item larger than %zu bytes",
				    p->max_item);
}

/* Hands one item to the callback; a callback error stops the parse. */
static int deliver(lf_ingest_parser *p, json_t *data, json_t *preds, json_t *meta, json_t *id,
		   int64_t line)
{
	lf_ingest_item item = {
	    .data = data,
	    .predictions = preds,
	    .meta = meta,
	    .source_id = id,
	    .line = line,
	    .index = p->items,
	};
	int ret;

	/* check_only items built for want of a check that vouches for them */
	if (p->check_only && (p->cb == NULL || preds == NULL))
		return lf_ingest_count_item(p);
	ret = p->cb(p->ud, &item);

	if (ret == LF_ERR_INVALID && p->refused) {
		p->refused = false;
		return lf_ingest_item_error(p, line, LF_ERR_INVALID, "%s", p->refusal);
	}
	if (ret != LF_OK) {
		p->failed = ret;
		p->err_line = line;
		snprintf(p->err_msg, sizeof(p->err_msg), "line %lld: item rejected: %s",
			 (long long)line, lf_err_str(ret));
		return ret;
	}
	p->items++;
	return LF_OK;
}

int lf_ingest_count_item(lf_ingest_parser *p)
{
	p->items++;
	return LF_OK;
}

int lf_ingest_deliver_object(lf_ingest_parser *p, json_t *obj, int64_t line)
{
	int ret = deliver(p, obj, NULL, NULL, NULL, line);

	json_decref(obj);
	return ret;
}

int lf_ingest_deliver_json(lf_ingest_parser *p, const char *s, size_t n, int64_t line)
{
	lf_ingest_shape shape;

	if (!lf_utf8_valid(s, n))
		return lf_ingest_item_error(p, line, LF_ERR_INVALID, "invalid UTF-8");
	if (p->check_only && lf_ingest_fast_check(s, n, &shape))
		return check_shape(p, &shape, s, n, line);
	/* Invalid JSON, or JSON the check cannot vouch for: parsing it gives
	 * the verdict and jansson's error message. */
	return parse_and_deliver(p, s, n, line);
}

/*
 * check_only mode, for an item known to be valid JSON: refuses a bad Label
 * Studio task with the errors deliver_task would give, in the same order,
 * and builds the item only when the callback must check its predictions
 * and annotations.
 */
static int check_shape(lf_ingest_parser *p, const lf_ingest_shape *shape, const char *s, size_t n,
		       int64_t line)
{
	static const char *const keys[2] = {"predictions", "annotations"};
	int i;

	if (p->fmt != LF_INGEST_LABEL_STUDIO &&
	    !(shape->object && shape->data_object && !shape->other_keys))
		return lf_ingest_count_item(p);
	if (!shape->data_object)
		return lf_ingest_item_error(p, line, LF_ERR_INVALID,
					    "Label Studio task has no \"data\" object");
	for (i = 0; i < 2; i++) {
		if (shape->lists[i] == LF_INGEST_LIST_NOT_ARRAY)
			return lf_ingest_item_error(p, line, LF_ERR_INVALID,
						    "\"%s\" is not an array", keys[i]);
		if (shape->lists[i] == LF_INGEST_LIST_BAD_ELEM)
			return lf_ingest_item_error(p, line, LF_ERR_INVALID,
						    "\"%s\" element %zu is not an object", keys[i],
						    shape->bad[i]);
	}
	if (p->refuse_annotations && shape->count[1] > 0)
		return annotations_refused(p, shape->count[1], line);
	if (p->require_annotations && shape->count[1] == 0)
		return annotations_missing(p, line);
	if (p->cb != NULL && shape->count[0] + shape->count[1] > 0)
		return parse_and_deliver(p, s, n, line);
	return lf_ingest_count_item(p);
}

/* Builds s[0..n) (valid UTF-8) and delivers it as an item of the
 * json/jsonl/label_studio formats. */
static int parse_and_deliver(lf_ingest_parser *p, const char *s, size_t n, int64_t line)
{
	int ret;
	json_t *v = NULL;
	json_t *wrap = NULL;
	json_error_t jerr;

	v = lf_ingest_fast_parse(s, n, &p->scratch);
	if (v == NULL)
		v = json_loadb(s, n, JSON_DECODE_ANY, &jerr);
	if (v == NULL) {
		/* jansson counts lines within the item; report them relative to
		 * the input so a multi-line element points at the real place. */
		ret =
		    lf_ingest_item_error(p, line, LF_ERR_INVALID, "invalid JSON: %s (at line %lld)",
					 jerr.text, (long long)(line + jerr.line - 1));
		goto cleanup;
	}
	if (p->fmt == LF_INGEST_LABEL_STUDIO || (json_is_object(v) && is_task_shape(v))) {
		ret = deliver_task(p, v, line);
		goto cleanup;
	}
	if (json_is_object(v)) {
		ret = deliver(p, v, NULL, NULL, NULL, line);
		goto cleanup;
	}
	ret = LF_ERR_NOMEM;
	wrap = json_object();
	if (wrap == NULL)
		goto cleanup;
	/* set_new steals v even when it fails */
	if (json_object_set_new_nocheck(wrap, "text", v) != 0) {
		v = NULL;
		goto cleanup;
	}
	v = NULL;
	ret = deliver(p, wrap, NULL, NULL, NULL, line);
cleanup:
	json_decref(v);
	json_decref(wrap);
	return ret;
}

/*
 * In json/jsonl, an object is read as a Label Studio task only if it looks
 * exactly like one, so that ordinary data that happens to have a "data"
 * field next to others keeps its meaning.
 */
static bool is_task_shape(json_t *v)
{
	const char *key;
	json_t *val;

	if (!json_is_object(json_object_get(v, "data")))
		return false;
	json_object_foreach(v, key, val)
	{
		if (strcmp(key, "data") != 0 && strcmp(key, "predictions") != 0 &&
		    strcmp(key, "annotations") != 0 && strcmp(key, "meta") != 0 &&
		    strcmp(key, "id") != 0)
			return false;
	}
	return true;
}

/* Splits a Label Studio task into data and predictions and delivers it. */
static int deliver_task(lf_ingest_parser *p, json_t *task, int64_t line)
{
	int ret;
	json_t *data = json_is_object(task) ? json_object_get(task, "data") : NULL;
	json_t *preds = NULL;
	size_t n_pred, n_ann;
	bool bad = false;

	if (!json_is_object(data)) {
		ret = lf_ingest_item_error(p, line, LF_ERR_INVALID,
					   "Label Studio task has no \"data\" object");
		goto cleanup;
	}
	ret = LF_ERR_NOMEM;
	preds = json_array();
	if (preds == NULL)
		goto cleanup;
	ret = collect_predictions(p, task, "predictions", "prediction", preds, line, &bad);
	if (ret != LF_OK || bad)
		goto cleanup;
	n_pred = json_array_size(preds);
	ret = collect_predictions(p, task, "annotations", "annotation", preds, line, &bad);
	if (ret != LF_OK || bad)
		goto cleanup;
	n_ann = json_array_size(preds) - n_pred;
	if (p->refuse_annotations && n_ann > 0) {
		ret = annotations_refused(p, n_ann, line);
		goto cleanup;
	}
	if (p->require_annotations && n_ann == 0) {
		ret = annotations_missing(p, line);
		goto cleanup;
	}
	ret = deliver(p, data, json_array_size(preds) > 0 ? preds : NULL,
		      json_object_get(task, "meta"), json_object_get(task, "id"), line);
cleanup:
	json_decref(preds);
	return ret;
}

/*
 * Annotations are people's work: importing them without saying as what
 * would leave nobody knowing where they went, so a task carrying them is
 * refused (or skipped, and reported) unless the import keeps them.
 */
static int annotations_refused(lf_ingest_parser *p, size_t n, int64_t line)
{
	return lf_ingest_item_error(
	    p, line, LF_ERR_INVALID,
	    "the task has %zu annotation%s: send annotations=prior to import them as"
	    " pre-annotations, or remove them",
	    n, n == 1 ? "" : "s");
}

static int annotations_missing(lf_ingest_parser *p, int64_t line)
{
	return lf_ingest_item_error(p, line, LF_ERR_INVALID,
				    "the task has no annotation: a gold task's known answer is its"
				    " latest annotation");
}

/*
 * Appends task[key] (an array of objects, if present) to preds, tagging
 * each with its origin. The objects belong to the task being delivered, so
 * tagging them in place costs no copy. Sets *bad after reporting a
 * malformed array.
 */
static int collect_predictions(lf_ingest_parser *p, json_t *task, const char *key,
			       const char *origin, json_t *preds, int64_t line, bool *bad)
{
	json_t *arr = json_object_get(task, key);
	json_t *e;
	size_t i;

	if (arr == NULL || json_is_null(arr))
		return LF_OK;
	if (!json_is_array(arr)) {
		*bad = true;
		return lf_ingest_item_error(p, line, LF_ERR_INVALID, "\"%s\" is not an array", key);
	}
	json_array_foreach(arr, i, e)
	{
		if (!json_is_object(e)) {
			*bad = true;
			return lf_ingest_item_error(p, line, LF_ERR_INVALID,
						    "\"%s\" element %zu is not an object", key, i);
		}
		if (json_object_set_new_nocheck(e, "origin", json_string_nocheck(origin)) != 0 ||
		    json_array_append(preds, e) != 0)
			return LF_ERR_NOMEM;
	}
	return LF_OK;
}
