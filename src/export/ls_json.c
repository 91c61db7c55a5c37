/*
 * ls_json.c - label_studio_json (one JSON array of tasks) and jsonl (one
 * task object per line), shaped like Label Studio's own JSON export:
 *
 *   {"id", "data", "annotations": [{"id", "result", "completed_by",
 *    "was_cancelled", "ground_truth", "created_at", "updated_at", "task"}],
 *    "predictions" (only with include_predictions), "meta": {"state"},
 *    "created_at", "updated_at"}
 *
 * A segment of a long recording (data.segment_start) also gets "source"
 * before "meta": its final result with region times moved onto the
 * source recording's timeline, and that recording's URL
 * (lf_export_source_block). The annotations stay as labelled, relative to
 * the segment's own file, so the export imports back into Label Studio
 * against the same data.
 *
 * Without include_versions the final result is the task's one annotation;
 * its id is the task id because a task has exactly one final result. With
 * include_versions every stored version is listed (plus its "version",
 * "kind", "stage") and the task gets a "review_history".
 *
 * Each task is built as a json_t of borrowed references and dumped straight
 * into the output, so memory is bounded by the largest task.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export/export_int.h"

typedef struct ls_json {
	int lines; /* jsonl: newline after each task, no array brackets */
} ls_json;

static int ls_add(lf_export_writer *w, const lf_export_task *t);
static int ls_finish(lf_export_writer *w, lf_export_report *rep);
static void ls_free(lf_export_writer *w);
static int create(lf_export_writer *w, int lines);
static int dump_cb(const char *buf, size_t size, void *data);
static json_t *iso_time(int64_t ms);
static void iso_text(int64_t ms, char out[40]);
static int ls_add_raw(lf_export_writer *w, const lf_export_task *t);
static int64_t array_length(const char *text);
static json_t *iso_time_json(const json_t *v);
static json_t *build_task(const lf_export_writer *w, const lf_export_task *t);
static json_t *final_annotation(const lf_export_task *t);
static json_t *version_annotations(const lf_export_task *t);
static int set_borrowed(json_t *o, const char *key, const json_t *v, const char *fallback);
static int add_source_raw(lf_export_buf *b, const lf_export_task *t);

static const lf_export_vt ls_vt = {ls_add, ls_finish, ls_free};

/* jansson's dump callback reports only failure; the writer keeps the real
 * lf_err so the caller sees why the output stopped. */
typedef struct dump_ctx {
	lf_export_writer *w;
	int err;
} dump_ctx;

int lf_export_new_label_studio_json(lf_export_writer *w, const char *format)
{
	return create(w, format != NULL && strcmp(format, "jsonl") == 0);
}

int lf_export_new_jsonl(lf_export_writer *w, const char *format)
{
	return create(w, 1);
}

static int create(lf_export_writer *w, int lines)
{
	ls_json *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return LF_ERR_NOMEM;
	s->lines = lines;
	w->impl = s;
	w->vt = &ls_vt;
	/* Versions and history are assembled from parsed JSON; without them
	 * the stored text is enough. */
	w->raw = !w->opts.include_versions;
	return lines ? LF_OK : lf_export_puts(w, "[");
}

static int dump_cb(const char *buf, size_t size, void *data)
{
	dump_ctx *c = data;
	c->err = lf_export_put(c->w, buf, size);
	return c->err == LF_OK ? 0 : -1;
}

/* Label Studio writes UTC ISO 8601 with a "Z"; milliseconds keep the
 * order of versions made within the same second. */
static void iso_text(int64_t ms, char out[40])
{
	struct tm tm;
	time_t sec = (time_t)(ms / 1000);
	int frac = (int)(ms % 1000);
	if (frac < 0) {
		frac += 1000;
		sec--;
	}
	out[0] = '\0';
	if (gmtime_r(&sec, &tm) == NULL)
		return;
	snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (tm.tm_year + 1900) % 10000,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

static json_t *iso_time(int64_t ms)
{
	char buf[40];
	iso_text(ms, buf);
	return buf[0] ? json_string(buf) : json_null();
}

/* Number of elements of a JSON array given as valid text (as stored). */
static int64_t array_length(const char *text)
{
	int64_t commas = 0;
	int depth = 0, in_str = 0, empty = 1;
	for (const char *p = text; p != NULL && *p; p++) {
		char c = *p;
		if (in_str) {
			if (c == '\\' && p[1] != '\0')
				p++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == ' ' || c == '\n' || c == '\t' || c == '\r')
			continue;
		if (depth == 1 && c != ']')
			empty = 0;
		if (c == '"')
			in_str = 1;
		else if (c == '[' || c == '{')
			depth++;
		else if (c == ']' || c == '}')
			depth--;
		else if (c == ',' && depth == 1)
			commas++;
	}
	return empty ? 0 : commas + 1;
}

/* The fast path's "source": only segment tasks pay for parsing, and a
 * data text without the key cannot be one. */
static int add_source_raw(lf_export_buf *b, const lf_export_task *t)
{
	int ret = LF_OK;
	char *text = NULL;
	if (strstr(t->data_text, "\"segment_start\"") == NULL)
		return LF_OK;
	json_t *data = json_loads(t->data_text, 0, NULL);
	json_t *result = t->result_text != NULL ? json_loads(t->result_text, 0, NULL) : NULL;
	json_t *src = lf_export_source_block(data, result);
	if (src != NULL) {
		text = json_dumps(src, JSON_COMPACT);
		ret = text != NULL ? lf_export_buf_adds(b, ",\"source\":") : LF_ERR_NOMEM;
		if (ret == LF_OK)
			ret = lf_export_buf_adds(b, text);
	} else if (lf_export_is_segment(data)) {
		ret = LF_ERR_NOMEM;
	}
	free(text);
	json_decref(src);
	json_decref(result);
	json_decref(data);
	return ret;
}

/*
 * The fast path of jsonl/label_studio_json without versions: the stored
 * data, result and predictions are already compact JSON, so they are
 * spliced into the output as they are instead of being parsed and dumped
 * again (which was three quarters of an export's time). The output is the
 * same object the slow path builds, key for key.
 */
static int ls_add_raw(lf_export_writer *w, const lf_export_task *t)
{
	ls_json *s = w->impl;
	char created[40], updated[40];
	lf_export_buf b = {0};
	int ret = LF_OK;
	iso_text(t->created_at, created);
	iso_text(t->updated_at, updated);
	if (!s->lines && w->rep.tasks > 0)
		ret |= lf_export_buf_adds(&b, ",");
	ret |= lf_export_buf_printf(&b, "{\"id\":%lld,\"data\":", (long long)t->id);
	ret |= lf_export_buf_adds(&b, t->data_text);
	ret |= lf_export_buf_adds(&b, ",\"annotations\":[");
	if (t->result_text != NULL) {
		ret |= lf_export_buf_printf(&b, "{\"id\":%lld,\"result\":", (long long)t->id);
		ret |= lf_export_buf_adds(&b, t->result_text);
		ret |= lf_export_buf_printf(&b,
					    ",\"completed_by\":%lld,\"was_cancelled\":false,"
					    "\"ground_truth\":false,\"created_at\":\"%s\","
					    "\"updated_at\":\"%s\",\"task\":%lld}",
					    (long long)t->annotator_id, updated, updated,
					    (long long)t->id);
	}
	ret |= lf_export_buf_adds(&b, "]");
	if (w->opts.include_predictions) {
		ret |= lf_export_buf_adds(&b, ",\"predictions\":");
		ret |= lf_export_buf_adds(&b, t->predictions_text ? t->predictions_text : "[]");
	}
	ret |= add_source_raw(&b, t);
	ret |= lf_export_buf_printf(&b,
				    ",\"meta\":{\"state\":%s%s%s},\"created_at\":\"%s\","
				    "\"updated_at\":\"%s\"}%s",
				    t->state ? "\"" : "", t->state ? t->state : "null",
				    t->state ? "\"" : "", created, updated, s->lines ? "\n" : "");
	if (ret == LF_OK)
		ret = lf_export_put(w, b.p, b.len);
	else
		ret = LF_ERR_NOMEM;
	lf_export_buf_free(&b);
	if (ret == LF_OK) {
		w->rep.tasks++;
		w->rep.regions += array_length(t->result_text);
	}
	return ret;
}

/* Version timestamps come from the store as ms integers; a string is
 * passed through in case a caller already formatted it. */
static json_t *iso_time_json(const json_t *v)
{
	if (json_is_integer(v))
		return iso_time(json_integer_value(v));
	if (json_is_string(v))
		return json_string(json_string_value(v));
	return json_null();
}

/* Borrowed values are shared, not copied: the task object only lives for
 * the dump. */
static int set_borrowed(json_t *o, const char *key, const json_t *v, const char *fallback)
{
	if (v != NULL)
		return json_object_set(o, key, (json_t *)v);
	return json_object_set_new(o, key, json_loads(fallback, 0, NULL));
}

static json_t *final_annotation(const lf_export_task *t)
{
	json_t *arr = json_array();
	json_t *a = json_object();
	int bad = arr == NULL || a == NULL;
	if (!bad && t->result != NULL) {
		bad |= json_object_set_new(a, "id", json_integer(t->id));
		bad |= set_borrowed(a, "result", t->result, "[]");
		bad |= json_object_set_new(a, "completed_by", json_integer(t->annotator_id));
		bad |= json_object_set_new(a, "was_cancelled", json_false());
		bad |= json_object_set_new(a, "ground_truth", json_false());
		bad |= json_object_set_new(a, "created_at", iso_time(t->updated_at));
		bad |= json_object_set_new(a, "updated_at", iso_time(t->updated_at));
		bad |= json_object_set_new(a, "task", json_integer(t->id));
		bad |= json_array_append(arr, a);
	}
	json_decref(a);
	if (bad) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *version_annotations(const lf_export_task *t)
{
	json_t *arr = json_array();
	size_t i;
	json_t *v;
	int bad = arr == NULL;
	json_array_foreach((json_t *)t->annotations, i, v)
	{
		json_t *a = json_object();
		const json_t *at = json_object_get(v, "created_at");
		if (a == NULL) {
			bad = 1;
			break;
		}
		bad |= set_borrowed(a, "id", json_object_get(v, "id"), "null");
		bad |= set_borrowed(a, "result", json_object_get(v, "result"), "[]");
		bad |= set_borrowed(a, "completed_by", json_object_get(v, "author_id"), "null");
		bad |= json_object_set_new(a, "was_cancelled", json_false());
		bad |= json_object_set_new(a, "ground_truth", json_false());
		bad |= json_object_set_new(a, "created_at", iso_time_json(at));
		bad |= json_object_set_new(a, "updated_at", iso_time_json(at));
		bad |= json_object_set_new(a, "task", json_integer(t->id));
		bad |= set_borrowed(a, "version", json_object_get(v, "version"), "null");
		bad |= set_borrowed(a, "kind", json_object_get(v, "kind"), "null");
		bad |= set_borrowed(a, "stage", json_object_get(v, "stage"), "null");
		bad |= json_array_append_new(arr, a);
	}
	if (bad) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *build_task(const lf_export_writer *w, const lf_export_task *t)
{
	json_t *o = json_object();
	json_t *anns, *meta;
	int bad = o == NULL;
	if (bad)
		return NULL;
	anns = w->opts.include_versions && t->annotations != NULL ? version_annotations(t)
								  : final_annotation(t);
	meta = json_object();
	bad |= anns == NULL || meta == NULL;
	bad |= json_object_set_new(o, "id", json_integer(t->id));
	bad |= set_borrowed(o, "data", t->data, "{}");
	bad |= json_object_set_new(o, "annotations", anns);
	if (w->opts.include_predictions)
		bad |= set_borrowed(o, "predictions", t->predictions, "[]");
	if (w->opts.include_versions)
		bad |= set_borrowed(o, "review_history", t->history, "[]");
	if (lf_export_is_segment(t->data)) {
		json_t *src = lf_export_source_block(t->data, t->result);
		bad |= src == NULL || json_object_set_new(o, "source", src) != 0;
	}
	bad |= json_object_set_new(meta, "state", t->state ? json_string(t->state) : json_null());
	bad |= json_object_set_new(o, "meta", meta);
	bad |= json_object_set_new(o, "created_at", iso_time(t->created_at));
	bad |= json_object_set_new(o, "updated_at", iso_time(t->updated_at));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int ls_add(lf_export_writer *w, const lf_export_task *t)
{
	if (w->raw && t->data_text != NULL)
		return ls_add_raw(w, t);
	ls_json *s = w->impl;
	json_t *task = build_task(w, t);
	dump_ctx c = {w, LF_OK};
	int ret = LF_OK;
	if (task == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	if (!s->lines && w->rep.tasks > 0 && (ret = lf_export_puts(w, ",")) != LF_OK)
		goto cleanup;
	if (json_dump_callback(task, dump_cb, &c, JSON_COMPACT) != 0) {
		ret = c.err != LF_OK ? c.err : LF_ERR_NOMEM;
		goto cleanup;
	}
	if (s->lines && (ret = lf_export_puts(w, "\n")) != LF_OK)
		goto cleanup;
	w->rep.tasks++;
	w->rep.regions += (int64_t)json_array_size(t->result);
cleanup:
	json_decref(task);
	return ret;
}

static int ls_finish(lf_export_writer *w, lf_export_report *rep)
{
	ls_json *s = w->impl;
	return s->lines ? LF_OK : lf_export_puts(w, "]");
}

static void ls_free(lf_export_writer *w)
{
	free(w->impl);
	w->impl = NULL;
}
