/*
 * csv.c - csv and tsv: one row per task.
 *
 * Columns: id, state, every key of the first task's data (fixed then:
 * later tasks' extra keys are dropped, missing ones left empty), one column
 * per control of the label config in config order holding that control's
 * values, then annotator_id. A control's column joins its regions' values:
 * labels and choices with ";" (span labels as "LABEL:start-end"), TextArea
 * text with " ", Rating/Number as the number, geometry labels by name.
 *
 * csv quotes as RFC 4180 (CRLF rows); tsv cannot quote, so tabs and line
 * breaks inside fields become spaces.
 *
 * A segment of a long recording (data.segment_start) has its span times
 * written on the source recording's timeline; its data columns
 * (segment_start, segment_end, source_media) say which recording. Both guard spreadsheet formula
 * injection by prefixing a field starting with = + - @ with a single quote,
 * except plain numbers, which a spreadsheet reads as numbers anyway.
 */
#include <stdlib.h>
#include <string.h>

#include "export/export_int.h"

typedef struct csv_w {
	int tsv;
	int header_done;
	char **keys; /* data columns, from the first task */
	size_t nkeys;
	size_t ncontrols;
	lf_export_buf *cells; /* one per control, reused for every task */
	lf_export_buf row;
} csv_w;

static int csv_add(lf_export_writer *w, const lf_export_task *t);
static int csv_finish(lf_export_writer *w, lf_export_report *rep);
static void csv_free(lf_export_writer *w);
static int write_header(lf_export_writer *w, const json_t *data);
static int add_field(csv_w *c, const char *s, size_t len, int first);
static int end_row(lf_export_writer *w);
static int is_number(const char *s, size_t len);
static int fmt_number(lf_export_buf *b, const json_t *v);
static int fmt_scalar(lf_export_buf *b, const json_t *v);
static int join_array(lf_export_buf *b, const json_t *arr, const char *sep);
static int fmt_time(lf_export_buf *b, const json_t *v, double offset);
static int region_text(lf_export_buf *b, const lf_labelcfg_control *ctl, const json_t *region,
		       double offset);
static int fill_cells(lf_export_writer *w, const lf_export_task *t, double offset);

static const lf_export_vt csv_vt = {csv_add, csv_finish, csv_free};

int lf_export_new_csv(lf_export_writer *w, const char *format)
{
	csv_w *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return LF_ERR_NOMEM;
	c->tsv = format != NULL && strcmp(format, "tsv") == 0;
	c->ncontrols = w->opts.cfg ? lf_labelcfg_control_count(w->opts.cfg) : 0;
	w->impl = c;
	w->vt = &csv_vt;
	if (c->ncontrols > 0 && (c->cells = calloc(c->ncontrols, sizeof(*c->cells))) == NULL)
		return LF_ERR_NOMEM;
	return LF_OK;
}

static int is_number(const char *s, size_t len)
{
	char *end;
	char tmp[64];
	if (len == 0 || len >= sizeof(tmp))
		return 0;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	strtod(tmp, &end);
	return *end == '\0' && strspn(tmp, "+-0123456789.eE") == len;
}

static int add_field(csv_w *c, const char *s, size_t len, int first)
{
	int ret = LF_OK;
	int quote = 0;
	if (!first && (ret = lf_export_buf_adds(&c->row, c->tsv ? "\t" : ",")) != LF_OK)
		return ret;
	if (!c->tsv)
		quote = memchr(s, ',', len) || memchr(s, '"', len) || memchr(s, '\r', len) ||
			memchr(s, '\n', len);
	if (quote && (ret = lf_export_buf_adds(&c->row, "\"")) != LF_OK)
		return ret;
	if (len > 0 && memchr("=+-@", s[0], 4) != NULL && !is_number(s, len) &&
	    (ret = lf_export_buf_adds(&c->row, "'")) != LF_OK)
		return ret;
	for (size_t i = 0; i < len && ret == LF_OK; i++) {
		char ch = s[i];
		if (c->tsv && (ch == '\t' || ch == '\n' || ch == '\r'))
			ch = ' ';
		if (quote && ch == '"')
			ret = lf_export_buf_add(&c->row, "\"", 1);
		if (ret == LF_OK)
			ret = lf_export_buf_add(&c->row, &ch, 1);
	}
	if (ret == LF_OK && quote)
		ret = lf_export_buf_adds(&c->row, "\"");
	return ret;
}

static int end_row(lf_export_writer *w)
{
	csv_w *c = w->impl;
	int ret = lf_export_buf_adds(&c->row, c->tsv ? "\n" : "\r\n");
	if (ret == LF_OK)
		ret = lf_export_put(w, c->row.p, c->row.len);
	c->row.len = 0;
	return ret;
}

/* The data columns are only known once a task arrives, so the header is
 * written with the first task (or alone at finish for an empty export). */
static int write_header(lf_export_writer *w, const json_t *data)
{
	csv_w *c = w->impl;
	const char *key;
	json_t *v;
	int ret = LF_OK;
	c->header_done = 1;
	if (json_is_object(data) && json_object_size(data) > 0) {
		c->keys = calloc(json_object_size(data), sizeof(*c->keys));
		if (c->keys == NULL)
			return LF_ERR_NOMEM;
		json_object_foreach((json_t *)data, key, v)
		{
			if ((c->keys[c->nkeys] = strdup(key)) == NULL)
				return LF_ERR_NOMEM;
			c->nkeys++;
		}
	}
	if ((ret = add_field(c, "id", 2, 1)) != LF_OK ||
	    (ret = add_field(c, "state", 5, 0)) != LF_OK)
		return ret;
	for (size_t i = 0; i < c->nkeys && ret == LF_OK; i++)
		ret = add_field(c, c->keys[i], strlen(c->keys[i]), 0);
	for (size_t i = 0; i < c->ncontrols && ret == LF_OK; i++) {
		const char *name = lf_labelcfg_control_at(w->opts.cfg, i)->name;
		ret = add_field(c, name, strlen(name), 0);
	}
	if (ret == LF_OK)
		ret = add_field(c, "annotator_id", 12, 0);
	return ret == LF_OK ? end_row(w) : ret;
}

/* Shortest decimal that reads back as the same double, so values survive
 * a round trip without a tail of noise digits. */
static int fmt_number(lf_export_buf *b, const json_t *v)
{
	char tmp[40];
	double d;
	if (json_is_integer(v))
		return lf_export_buf_printf(b, "%lld", (long long)json_integer_value(v));
	d = json_real_value(v);
	snprintf(tmp, sizeof(tmp), "%.15g", d);
	if (strtod(tmp, NULL) != d)
		snprintf(tmp, sizeof(tmp), "%.17g", d);
	return lf_export_buf_adds(b, tmp);
}

static int fmt_scalar(lf_export_buf *b, const json_t *v)
{
	char *dump;
	int ret;
	if (v == NULL || json_is_null(v))
		return LF_OK;
	if (json_is_string(v))
		return lf_export_buf_add(b, json_string_value(v), json_string_length(v));
	if (json_is_number(v))
		return fmt_number(b, v);
	if (json_is_boolean(v))
		return lf_export_buf_adds(b, json_is_true(v) ? "true" : "false");
	dump = json_dumps(v, JSON_COMPACT);
	if (dump == NULL)
		return LF_ERR_NOMEM;
	ret = lf_export_buf_adds(b, dump);
	free(dump);
	return ret;
}

/* A lone scalar is accepted where an array is expected: older Label Studio
 * versions wrote TextArea text as a string. */
static int join_array(lf_export_buf *b, const json_t *arr, const char *sep)
{
	size_t i;
	json_t *v;
	int ret = LF_OK;
	if (!json_is_array(arr))
		return fmt_scalar(b, arr);
	json_array_foreach((json_t *)arr, i, v)
	{
		if (i > 0 && (ret = lf_export_buf_adds(b, sep)) != LF_OK)
			break;
		if ((ret = fmt_scalar(b, v)) != LF_OK)
			break;
	}
	return ret;
}

/* A span bound, moved onto the source's timeline for a segment. */
static int fmt_time(lf_export_buf *b, const json_t *v, double offset)
{
	if (offset == 0 || !json_is_number(v))
		return fmt_scalar(b, v);
	json_t *moved = json_real(lf_export_source_time(json_number_value(v), offset));
	int ret = moved != NULL ? fmt_number(b, moved) : LF_ERR_NOMEM;
	json_decref(moved);
	return ret;
}

static int region_text(lf_export_buf *b, const lf_labelcfg_control *ctl, const json_t *region,
		       double offset)
{
	const json_t *val = json_object_get(region, "value");
	const json_t *labels = json_object_get(val, ctl->type);
	const json_t *start = json_object_get(val, "start");
	const json_t *end = json_object_get(val, "end");
	size_t i;
	json_t *v;
	int ret = LF_OK;
	switch (ctl->shape) {
	case LF_LABELCFG_SHAPE_TEXTAREA: return join_array(b, json_object_get(val, "text"), " ");
	case LF_LABELCFG_SHAPE_RATING: return fmt_scalar(b, json_object_get(val, "rating"));
	case LF_LABELCFG_SHAPE_NUMBER: return fmt_scalar(b, json_object_get(val, "number"));
	case LF_LABELCFG_SHAPE_DATETIME: return fmt_scalar(b, json_object_get(val, "datetime"));
	case LF_LABELCFG_SHAPE_CHOICES: return join_array(b, json_object_get(val, "choices"), ";");
	case LF_LABELCFG_SHAPE_TAXONOMY:
		json_array_foreach(json_object_get(val, "taxonomy"), i, v)
		{
			if (i > 0 && (ret = lf_export_buf_adds(b, ";")) != LF_OK)
				break;
			if ((ret = join_array(b, v, "/")) != LF_OK)
				break;
		}
		return ret;
	case LF_LABELCFG_SHAPE_SPAN:
		/* HyperText spans locate by xpath; the offsets are what a
		 * reader can use, so they stand in for start/end. */
		if (!json_is_number(start) && json_is_number(json_object_get(val, "startOffset"))) {
			start = json_object_get(val, "startOffset");
			end = json_object_get(val, "endOffset");
		}
		json_array_foreach(labels, i, v)
		{
			if (i > 0 && (ret = lf_export_buf_adds(b, ";")) != LF_OK)
				break;
			if ((ret = fmt_scalar(b, v)) != LF_OK ||
			    (ret = lf_export_buf_adds(b, ":")) != LF_OK ||
			    (ret = fmt_time(b, start, offset)) != LF_OK ||
			    (ret = lf_export_buf_adds(b, "-")) != LF_OK ||
			    (ret = fmt_time(b, end, offset)) != LF_OK)
				break;
		}
		return ret;
	default:
		if (json_is_array(labels))
			return join_array(b, labels, ";");
		return fmt_scalar(b, val);
	}
}

static int fill_cells(lf_export_writer *w, const lf_export_task *t, double offset)
{
	csv_w *c = w->impl;
	size_t i;
	json_t *r;
	int ret = LF_OK;
	for (size_t k = 0; k < c->ncontrols; k++)
		c->cells[k].len = 0;
	json_array_foreach((json_t *)t->result, i, r)
	{
		const char *from = json_string_value(json_object_get(r, "from_name"));
		const char *type = json_string_value(json_object_get(r, "type"));
		const lf_labelcfg_control *ctl = NULL;
		size_t k;
		if (type != NULL && strcmp(type, "relation") == 0) {
			lf_export_skip(w, t, r, "relation results in csv");
			continue;
		}
		for (k = 0; from != NULL && k < c->ncontrols; k++) {
			ctl = lf_labelcfg_control_at(w->opts.cfg, k);
			if (strcmp(ctl->name, from) == 0)
				break;
		}
		if (from == NULL || k == c->ncontrols) {
			lf_export_skip(w, t, r,
				       "results of controls not in the label config, in csv");
			continue;
		}
		if (c->cells[k].len > 0 &&
		    (ret = lf_export_buf_adds(
			 &c->cells[k], ctl->shape == LF_LABELCFG_SHAPE_TEXTAREA ? " " : ";")) !=
			LF_OK)
			break;
		if ((ret = region_text(&c->cells[k], ctl, r, offset)) != LF_OK)
			break;
		w->rep.regions++;
	}
	return ret;
}

static int csv_add(lf_export_writer *w, const lf_export_task *t)
{
	csv_w *c = w->impl;
	lf_export_buf num = {0};
	const char *state = t->state ? t->state : "";
	int ret = LF_OK;
	if (!c->header_done && (ret = write_header(w, t->data)) != LF_OK)
		goto cleanup;
	if ((ret = fill_cells(w, t, lf_export_segment_offset(t->data))) != LF_OK)
		goto cleanup;
	if ((ret = lf_export_buf_printf(&num, "%lld", (long long)t->id)) != LF_OK ||
	    (ret = add_field(c, num.p, num.len, 1)) != LF_OK ||
	    (ret = add_field(c, state, strlen(state), 0)) != LF_OK)
		goto cleanup;
	for (size_t i = 0; i < c->nkeys; i++) {
		num.len = 0;
		if ((ret = fmt_scalar(&num, json_object_get(t->data, c->keys[i]))) != LF_OK ||
		    (ret = add_field(c, num.p ? num.p : "", num.len, 0)) != LF_OK)
			goto cleanup;
	}
	for (size_t k = 0; k < c->ncontrols; k++)
		if ((ret = add_field(c, c->cells[k].p ? c->cells[k].p : "", c->cells[k].len, 0)) !=
		    LF_OK)
			goto cleanup;
	num.len = 0;
	if (t->annotator_id != 0 &&
	    (ret = lf_export_buf_printf(&num, "%lld", (long long)t->annotator_id)) != LF_OK)
		goto cleanup;
	if ((ret = add_field(c, num.p ? num.p : "", num.len, 0)) != LF_OK ||
	    (ret = end_row(w)) != LF_OK)
		goto cleanup;
	w->rep.tasks++;
cleanup:
	c->row.len = 0;
	lf_export_buf_free(&num);
	return ret;
}

static int csv_finish(lf_export_writer *w, lf_export_report *rep)
{
	csv_w *c = w->impl;
	return c->header_done ? LF_OK : write_header(w, NULL);
}

static void csv_free(lf_export_writer *w)
{
	csv_w *c = w->impl;
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nkeys; i++)
		free(c->keys[i]);
	free(c->keys);
	for (size_t k = 0; k < c->ncontrols && c->cells != NULL; k++)
		lf_export_buf_free(&c->cells[k]);
	free(c->cells);
	lf_export_buf_free(&c->row);
	free(c);
	w->impl = NULL;
}
