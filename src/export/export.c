/*
 * export.c - format table and dispatch to the per-format writers, plus the
 * small helpers they share (output, skip accounting, byte strings).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/export_int.h"

typedef struct format_def {
	const char *name;
	const char *content_type;
	const char *extension;
	int (*create)(lf_export_writer *w, const char *format);
} format_def;

static const format_def *find_format(const char *format);
static json_t *shifted_result(const json_t *result, double offset);

static const format_def formats[] = {
    {"label_studio_json", "application/json", "json", lf_export_new_label_studio_json},
    {"jsonl", "application/x-ndjson", "jsonl", lf_export_new_jsonl},
    {"csv", "text/csv; charset=utf-8", "csv", lf_export_new_csv},
    {"tsv", "text/tab-separated-values; charset=utf-8", "tsv", lf_export_new_csv},
    {"coco", "application/json", "json", lf_export_new_coco},
    {"yolo", "application/zip", "zip", lf_export_new_yolo},
    {"voc", "application/zip", "zip", lf_export_new_voc},
    {"conll2003", "text/plain; charset=utf-8", "conll", lf_export_new_conll2003},
    {"webvtt", "text/vtt; charset=utf-8", "vtt", lf_export_new_webvtt},
    {"srt", "application/x-subrip; charset=utf-8", "srt", lf_export_new_webvtt},
};

static const format_def *find_format(const char *format)
{
	if (format == NULL)
		return NULL;
	for (size_t i = 0; i < LF_ARRAY_LEN(formats); i++)
		if (strcmp(formats[i].name, format) == 0)
			return &formats[i];
	return NULL;
}

const char *lf_export_format_at(size_t i)
{
	return i < LF_ARRAY_LEN(formats) ? formats[i].name : NULL;
}

int lf_export_format_valid(const char *format)
{
	return find_format(format) != NULL;
}

const char *lf_export_content_type(const char *format)
{
	const format_def *f = find_format(format);
	return f ? f->content_type : NULL;
}

const char *lf_export_extension(const char *format)
{
	const format_def *f = find_format(format);
	return f ? f->extension : NULL;
}

int lf_export_writer_new(const char *format, const lf_export_opts *o, lf_export_write_fn out,
			 void *ud, lf_export_writer **w)
{
	const format_def *f = find_format(format);
	lf_export_writer *nw = NULL;
	int ret;
	if (w != NULL)
		*w = NULL;
	if (f == NULL || out == NULL || w == NULL)
		return LF_ERR_INVALID;
	nw = calloc(1, sizeof(*nw));
	if (nw == NULL)
		return LF_ERR_NOMEM;
	if (o != NULL)
		nw->opts = *o;
	nw->out = out;
	nw->ud = ud;
	if ((ret = f->create(nw, f->name)) != LF_OK)
		goto cleanup;
	if (nw->vt == NULL) {
		ret = LF_ERR_INTERNAL;
		goto cleanup;
	}
	*w = nw;
	nw = NULL;
cleanup:
	lf_export_writer_free(nw);
	return ret;
}

int lf_export_writer_raw(const lf_export_writer *w)
{
	return w != NULL && w->raw;
}

int lf_export_writer_add(lf_export_writer *w, const lf_export_task *t)
{
	if (w == NULL || t == NULL)
		return LF_ERR_INVALID;
	return w->vt->add(w, t);
}

int lf_export_writer_finish(lf_export_writer *w, lf_export_report *rep)
{
	lf_export_report scratch;
	int ret;
	if (w == NULL)
		return LF_ERR_INVALID;
	if (rep == NULL)
		rep = &scratch;
	ret = w->vt->finish(w, rep);
	*rep = w->rep;
	return ret;
}

void lf_export_writer_free(lf_export_writer *w)
{
	if (w == NULL)
		return;
	if (w->vt != NULL && w->vt->free != NULL)
		w->vt->free(w);
	free(w);
}

int lf_export_put(lf_export_writer *w, const void *buf, size_t len)
{
	if (len == 0)
		return LF_OK;
	return w->out(w->ud, buf, len);
}

int lf_export_puts(lf_export_writer *w, const char *s)
{
	return lf_export_put(w, s, strlen(s));
}

void lf_export_skip(lf_export_writer *w, const lf_export_task *t, const json_t *region,
		    const char *why)
{
	lf_export_skip_item *it;
	const char *id = json_string_value(json_object_get(region, "id"));
	const char *type = json_string_value(json_object_get(region, "type"));
	const json_t *value = json_object_get(region, "value");
	const char *label = NULL;
	if (w->rep.skipped++ == 0)
		snprintf(w->rep.skipped_why, sizeof(w->rep.skipped_why), "%s", why);
	if (w->rep.nskipped_regions == LF_EXPORT_SKIP_NAMED)
		return;
	/* Label Studio keeps a region's labels under its type's name
	 * ("labels", "rectanglelabels"...). */
	if (type != NULL)
		label = json_string_value(json_array_get(json_object_get(value, type), 0));
	it = &w->rep.skipped_regions[w->rep.nskipped_regions++];
	it->task_id = t->id;
	snprintf(it->region, sizeof(it->region), "%s", id ? id : "");
	snprintf(it->label, sizeof(it->label), "%s", label ? label : "");
	snprintf(it->why, sizeof(it->why), "%s", why);
}

int lf_export_buf_add(lf_export_buf *b, const void *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *p;
		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL)
			return LF_ERR_NOMEM;
		b->p = p;
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return LF_OK;
}

int lf_export_buf_adds(lf_export_buf *b, const char *s)
{
	return lf_export_buf_add(b, s, strlen(s));
}

int lf_export_buf_printf(lf_export_buf *b, const char *fmt, ...)
{
	char small[128];
	char *big = NULL;
	va_list ap;
	int n, ret;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return LF_ERR_INTERNAL;
	if ((size_t)n < sizeof(small))
		return lf_export_buf_add(b, small, (size_t)n);
	big = malloc((size_t)n + 1);
	if (big == NULL)
		return LF_ERR_NOMEM;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	ret = lf_export_buf_add(b, big, (size_t)n);
	free(big);
	return ret;
}

void lf_export_buf_free(lf_export_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

int lf_export_is_segment(const json_t *data)
{
	const json_t *v = json_object_get(data, "segment_start");
	return json_is_number(v) || json_is_string(v);
}

double lf_export_segment_offset(const json_t *data)
{
	const json_t *v = json_object_get(data, "segment_start");
	if (json_is_number(v))
		return json_number_value(v);
	if (json_is_string(v))
		return strtod(json_string_value(v), NULL);
	return 0;
}

double lf_export_source_time(double sec, double offset)
{
	return round((sec + offset) * 1e6) / 1e6;
}

/* A deep copy of result whose regions' value.start and value.end (seconds
 * into the segment) are moved by offset. */
static json_t *shifted_result(const json_t *result, double offset)
{
	static const char *const keys[] = {"start", "end"};
	json_t *copy = json_is_array(result) ? json_deep_copy(result) : json_array();
	size_t i;
	json_t *r;
	json_array_foreach(copy, i, r)
	{
		json_t *val = json_object_get(r, "value");
		for (size_t k = 0; k < LF_ARRAY_LEN(keys); k++) {
			json_t *t = json_object_get(val, keys[k]);
			if (json_is_number(t) &&
			    json_object_set_new(val, keys[k],
						json_real(lf_export_source_time(
						    json_number_value(t), offset))) != 0) {
				json_decref(copy);
				return NULL;
			}
		}
	}
	return copy;
}

json_t *lf_export_source_block(const json_t *data, const json_t *result)
{
	if (!lf_export_is_segment(data))
		return NULL;
	double offset = lf_export_segment_offset(data);
	const json_t *end = json_object_get(data, "segment_end");
	json_t *shifted = shifted_result(result, offset);
	if (shifted == NULL)
		return NULL;
	return json_pack("{s:O?,s:f,s:O?,s:o}", "media", json_object_get(data, "source_media"),
			 "segment_start", offset, "segment_end", end, "result", shifted);
}
