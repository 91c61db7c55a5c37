/*
 * validate.c - checking a Label Studio result array against a parsed config
 * and the task's data.
 *
 * Separate from parsing (parse.c) because it runs on every submit, review
 * correction and imported prediction, reads the model only, and never
 * touches XML.
 *
 * Validation is driven by the control a region names: the control's shape
 * decides which keys "value" must carry, and the object it targets decides
 * how a span is located (character offsets on Text, seconds on Audio, xpath
 * on HyperText, ...).
 */
#include "labelcfg/labelcfg_int.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Slack for percent coordinates: the frontend's float arithmetic produces
 * values like 100.00000000000001 that are meant as 100. */
#define PCT_EPS 1e-6

static int cmp_str(const void *a, const void *b);
static int collect_ids(const json_t *result, const char ***ids, size_t *n);
static bool has_id(const char *const *ids, size_t n, const char *id);
static int check_region(const lf_labelcfg *cfg, json_t *r, size_t i, const json_t *data, char *err,
			size_t errlen);
static int check_relation(const lf_labelcfg *cfg, json_t *r, size_t i, const char *const *ids,
			  size_t nids, char *err, size_t errlen);
static int check_common(json_t *r, size_t i, char *err, size_t errlen);
static bool to_name_ok(const lf_labelcfg_control *c, const char *to_name);
static int check_labels(const lf_labelcfg_control *c, json_t *value, const char *key, size_t i,
			char *err, size_t errlen);
static int check_object_labels(const lf_labelcfg *cfg, const lf_labelcfg_object *obj, json_t *value,
			       size_t i, char *err, size_t errlen);
static int check_taxonomy(const lf_labelcfg_control *c, json_t *value, size_t i, char *err,
			  size_t errlen);
static int check_span(const lf_labelcfg_object *obj, json_t *value, size_t i, const json_t *data,
		      char *err, size_t errlen);
static const char *object_text(const lf_labelcfg_object *obj, const json_t *data);
static size_t code_points(const char *s);
static int check_paragraph_span(json_t *value, size_t i, char *err, size_t errlen);
static int check_shape(const lf_labelcfg_control *c, lf_labelcfg_shape shape,
		       const lf_labelcfg_object *obj, json_t *value, size_t i, const json_t *data,
		       char *err, size_t errlen);
static int check_rect(json_t *obj, const char *where, size_t i, char *err, size_t errlen);
static int check_polygon(json_t *value, size_t i, char *err, size_t errlen);
static int check_videorect(json_t *value, size_t i, char *err, size_t errlen);
static int check_timeline(json_t *value, size_t i, char *err, size_t errlen);
static int video_bounds(json_t *value, size_t i, json_int_t *frames, double *duration, char *err,
			size_t errlen);
static int need_number(json_t *obj, const char *where, const char *key, double lo, double hi,
		       bool optional, size_t i, double *out, char *err, size_t errlen);
static int need_int(json_t *obj, const char *where, const char *key, json_int_t lo, size_t i,
		    json_int_t *out, char *err, size_t errlen);
static int need_string_array(json_t *value, const char *key, size_t i, char *err, size_t errlen);

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Region ids, sorted, so relations can be checked in O(n log n) whatever the
 * number of regions. *ids is malloc'ed (caller frees) and borrows the strings
 * from result. */
static int collect_ids(const json_t *result, const char ***ids, size_t *n)
{
	size_t size = json_array_size(result), k = 0;
	const char **v;

	*ids = NULL;
	*n = 0;
	if (size == 0)
		return LF_OK;
	v = malloc(size * sizeof(*v));
	if (v == NULL)
		return LF_ERR_NOMEM;
	for (size_t i = 0; i < size; i++) {
		json_t *id = json_object_get(json_array_get(result, i), "id");
		if (json_is_string(id))
			v[k++] = json_string_value(id);
	}
	qsort(v, k, sizeof(*v), cmp_str);
	*ids = v;
	*n = k;
	return LF_OK;
}

static bool has_id(const char *const *ids, size_t n, const char *id)
{
	return n > 0 && bsearch(&id, ids, n, sizeof(*ids), cmp_str) != NULL;
}

int lf_labelcfg_validate_result(const lf_labelcfg *cfg, const json_t *result, const json_t *data,
				char *err, size_t errlen)
{
	int ret = LF_ERR_INVALID;
	const char **ids = NULL;
	size_t nids = 0;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (!json_is_array(result)) {
		ret = lf_labelcfg_fail(err, errlen, "result must be a JSON array of regions");
		goto cleanup;
	}
	if ((ret = collect_ids(result, &ids, &nids)) != LF_OK)
		goto cleanup;
	for (size_t i = 0; i < json_array_size(result); i++) {
		/* Regions are only read: the result stays untouched. */
		json_t *r = json_array_get(result, i);
		const char *type = json_string_value(json_object_get(r, "type"));
		if (!json_is_object(r)) {
			ret = lf_labelcfg_fail(err, errlen, "result[%zu] must be an object", i);
			goto cleanup;
		}
		if (type == NULL) {
			ret = lf_labelcfg_fail(
			    err, errlen, "result[%zu]: \"type\" is missing or not a string", i);
			goto cleanup;
		}
		if (strcmp(type, "relation") == 0)
			ret = check_relation(cfg, r, i, ids, nids, err, errlen);
		else
			ret = check_region(cfg, r, i, data, err, errlen);
		if (ret != LF_OK)
			goto cleanup;
	}
	ret = LF_OK;

cleanup:
	free(ids);
	return ret;
}

static int check_relation(const lf_labelcfg *cfg, json_t *r, size_t i, const char *const *ids,
			  size_t nids, char *err, size_t errlen)
{
	static const char *const ends[] = {"from_id", "to_id"};
	json_t *dir = json_object_get(r, "direction"), *labels = json_object_get(r, "labels");

	if (!cfg->has_relations)
		return lf_labelcfg_fail(
		    err, errlen,
		    "result[%zu]: relations are not enabled in the label config (no "
		    "<Relations>)",
		    i);
	for (size_t k = 0; k < LF_ARRAY_LEN(ends); k++) {
		const char *id = json_string_value(json_object_get(r, ends[k]));
		if (id == NULL)
			return lf_labelcfg_fail(err, errlen,
						"result[%zu]: \"%s\" is missing or not a string", i,
						ends[k]);
		if (!has_id(ids, nids, id))
			return lf_labelcfg_fail(
			    err, errlen,
			    "result[%zu]: %s \"%s\" does not match the id of any region", i,
			    ends[k], id);
	}
	if (dir != NULL && (!json_is_string(dir) || (strcmp(json_string_value(dir), "left") != 0 &&
						     strcmp(json_string_value(dir), "right") != 0 &&
						     strcmp(json_string_value(dir), "bi") != 0)))
		return lf_labelcfg_fail(
		    err, errlen, "result[%zu]: direction must be \"left\", \"right\" or \"bi\"", i);
	if (labels == NULL)
		return LF_OK;
	if (!json_is_array(labels))
		return lf_labelcfg_fail(err, errlen,
					"result[%zu]: labels must be an array of strings", i);
	for (size_t k = 0; k < json_array_size(labels); k++) {
		const char *v = json_string_value(json_array_get(labels, k));
		size_t j = 0;
		if (v == NULL)
			return lf_labelcfg_fail(
			    err, errlen, "result[%zu]: labels must be an array of strings", i);
		while (j < cfg->relation_count && strcmp(cfg->relations[j].value, v) != 0)
			j++;
		if (j == cfg->relation_count)
			return lf_labelcfg_fail(
			    err, errlen,
			    "result[%zu]: relation label \"%s\" is not defined in <Relations>", i,
			    v);
	}
	return LF_OK;
}

static int check_common(json_t *r, size_t i, char *err, size_t errlen)
{
	static const char *const positive[] = {"original_width", "original_height"};
	static const char *const numbers[] = {"image_rotation", "score"};
	json_t *v;

	v = json_object_get(r, "id");
	if (v != NULL && !json_is_string(v))
		return lf_labelcfg_fail(err, errlen, "result[%zu]: id must be a string", i);
	v = json_object_get(r, "origin");
	if (v != NULL && !json_is_string(v))
		return lf_labelcfg_fail(err, errlen, "result[%zu]: origin must be a string", i);
	for (size_t k = 0; k < LF_ARRAY_LEN(positive); k++) {
		v = json_object_get(r, positive[k]);
		if (v != NULL && (!json_is_number(v) || json_number_value(v) <= 0))
			return lf_labelcfg_fail(err, errlen,
						"result[%zu]: %s must be a positive number", i,
						positive[k]);
	}
	for (size_t k = 0; k < LF_ARRAY_LEN(numbers); k++) {
		v = json_object_get(r, numbers[k]);
		if (v != NULL && !json_is_number(v))
			return lf_labelcfg_fail(err, errlen, "result[%zu]: %s must be a number", i,
						numbers[k]);
	}
	return LF_OK;
}

static bool to_name_ok(const lf_labelcfg_control *c, const char *to_name)
{
	for (size_t k = 0; k < c->to_name_count; k++) {
		if (strcmp(c->to_names[k], to_name) == 0)
			return true;
	}
	return false;
}

static int check_region(const lf_labelcfg *cfg, json_t *r, size_t i, const json_t *data, char *err,
			size_t errlen)
{
	const char *from = json_string_value(json_object_get(r, "from_name"));
	const char *to = json_string_value(json_object_get(r, "to_name"));
	const char *type = json_string_value(json_object_get(r, "type"));
	json_t *value = json_object_get(r, "value");
	const lf_labelcfg_control *c;
	const lf_labelcfg_object *obj;
	lf_labelcfg_shape shape;
	bool tool;
	int ret;

	if (from == NULL)
		return lf_labelcfg_fail(err, errlen,
					"result[%zu]: \"from_name\" is missing or not a string", i);
	if (to == NULL)
		return lf_labelcfg_fail(err, errlen,
					"result[%zu]: \"to_name\" is missing or not a string", i);
	c = lf_labelcfg_find_control(cfg, from);
	if (c == NULL)
		return lf_labelcfg_fail(
		    err, errlen,
		    "result[%zu]: from_name \"%s\" is not a control in the label config", i, from);
	if (!to_name_ok(c, to))
		return lf_labelcfg_fail(
		    err, errlen, "result[%zu]: to_name \"%s\" is not an object of control \"%s\"",
		    i, to, from);
	obj = lf_labelcfg_find_object(cfg, to);
	if (obj == NULL)
		lf_fatal("labelcfg: control %s targets missing object %s", from, to);

	shape = c->shape;
	tool = false;
	if (strcmp(type, c->type) != 0) {
		tool = strcmp(c->type, "labels") == 0 && obj->media == LF_LABELCFG_MEDIA_IMAGE &&
		       lf_labelcfg_image_tool(type, &shape);
		if (!tool)
			return lf_labelcfg_fail(
			    err, errlen,
			    "result[%zu]: type \"%s\" does not match control \"%s\" "
			    "(expected \"%s\")",
			    i, type, from, c->type);
	}
	if ((ret = check_common(r, i, err, errlen)) != LF_OK)
		return ret;
	if (!json_is_object(value))
		return lf_labelcfg_fail(err, errlen,
					"result[%zu]: \"value\" is missing or not an object", i);
	if ((ret = check_shape(c, shape, obj, value, i, data, err, errlen)) != LF_OK)
		return ret;

	if (tool)
		return check_labels(c, value, type, i, err, errlen);
	if (shape == LF_LABELCFG_SHAPE_CHOICES)
		return check_labels(c, value, "choices", i, err, errlen);
	if (c->label_count > 0 && shape != LF_LABELCFG_SHAPE_TAXONOMY) {
		/* The Label Studio frontend writes HyperTextLabels' labels under
		 * "htmllabels"; its docs say "hypertextlabels". Take either. */
		const char *key = c->type;
		if (strcmp(key, "hypertextlabels") == 0 && json_object_get(value, key) == NULL)
			key = "htmllabels";
		return check_labels(c, value, key, i, err, errlen);
	}
	if (json_object_get(value, "labels") != NULL)
		return check_object_labels(cfg, obj, value, i, err, errlen);
	return LF_OK;
}

static int check_labels(const lf_labelcfg_control *c, json_t *value, const char *key, size_t i,
			char *err, size_t errlen)
{
	json_t *arr = json_object_get(value, key);
	const char *noun = c->shape == LF_LABELCFG_SHAPE_CHOICES ? "choice" : "label";
	size_t n = json_array_size(arr);

	if (!json_is_array(arr))
		return lf_labelcfg_fail(err, errlen,
					"result[%zu]: value.%s is missing or not an array", i, key);
	if (n == 0)
		return lf_labelcfg_fail(err, errlen, "result[%zu]: value.%s is empty", i, key);
	if (n > 1 && !c->multiple)
		return lf_labelcfg_fail(err, errlen,
					"result[%zu]: control \"%s\" allows one %s per region (set "
					"choice=\"multiple\" for more)",
					i, c->name, noun);
	for (size_t k = 0; k < n; k++) {
		const char *v = json_string_value(json_array_get(arr, k));
		size_t j = 0;
		if (v == NULL)
			return lf_labelcfg_fail(
			    err, errlen, "result[%zu]: value.%s[%zu] is not a string", i, key, k);
		while (j < c->label_count && strcmp(c->labels[j].value, v) != 0)
			j++;
		if (j == c->label_count)
			return lf_labelcfg_fail(
			    err, errlen, "result[%zu]: %s \"%s\" is not defined in control \"%s\"",
			    i, noun, v, c->name);
	}
	return LF_OK;
}

/* Tools without labels of their own (VideoRectangle, Rectangle, ...) carry
 * the labels picked in a <Labels> on the same object. */
static int check_object_labels(const lf_labelcfg *cfg, const lf_labelcfg_object *obj, json_t *value,
			       size_t i, char *err, size_t errlen)
{
	json_t *arr = json_object_get(value, "labels");

	if (!json_is_array(arr))
		return lf_labelcfg_fail(err, errlen, "result[%zu]: value.labels must be an array",
					i);
	for (size_t k = 0; k < json_array_size(arr); k++) {
		const char *v = json_string_value(json_array_get(arr, k));
		bool found = false;
		if (v == NULL)
			return lf_labelcfg_fail(
			    err, errlen, "result[%zu]: value.labels[%zu] is not a string", i, k);
		for (size_t ci = 0; ci < cfg->control_count && !found; ci++) {
			const lf_labelcfg_control *c = &cfg->controls[ci];
			if (c->shape == LF_LABELCFG_SHAPE_CHOICES ||
			    c->shape == LF_LABELCFG_SHAPE_TAXONOMY || !to_name_ok(c, obj->name))
				continue;
			for (size_t j = 0; j < c->label_count && !found; j++)
				found = strcmp(c->labels[j].value, v) == 0;
		}
		if (!found)
			return lf_labelcfg_fail(
			    err, errlen,
			    "result[%zu]: label \"%s\" is not defined for object \"%s\"", i, v,
			    obj->name);
	}
	return LF_OK;
}

/* Each entry of value.taxonomy is a path from a top-level <Choice> down the
 * tree; every step must be a child of the previous one. */
static int check_taxonomy(const lf_labelcfg_control *c, json_t *value, size_t i, char *err,
			  size_t errlen)
{
	json_t *paths = json_object_get(value, "taxonomy");
	size_t n = json_array_size(paths);

	if (!json_is_array(paths) || n == 0)
		return lf_labelcfg_fail(err, errlen,
					"result[%zu]: value.taxonomy must be a non-empty array", i);
	if (n > 1 && !c->multiple)
		return lf_labelcfg_fail(
		    err, errlen, "result[%zu]: control \"%s\" allows one choice", i, c->name);
	for (size_t k = 0; k < n; k++) {
		json_t *path = json_array_get(paths, k);
		int parent = -1;
		if (!json_is_array(path) || json_array_size(path) == 0)
			return lf_labelcfg_fail(
			    err, errlen,
			    "result[%zu]: value.taxonomy[%zu] must be a non-empty array of "
			    "strings",
			    i, k);
		for (size_t s = 0; s < json_array_size(path); s++) {
			const char *v = json_string_value(json_array_get(path, s));
			size_t j = 0;
			if (v == NULL)
				return lf_labelcfg_fail(
				    err, errlen,
				    "result[%zu]: value.taxonomy[%zu][%zu] is not a string", i, k,
				    s);
			while (j < c->label_count && (c->labels[j].parent != parent ||
						      strcmp(c->labels[j].value, v) != 0))
				j++;
			if (j == c->label_count)
				return lf_labelcfg_fail(
				    err, errlen,
				    "result[%zu]: choice \"%s\" is not defined %s%s%s in "
				    "control \"%s\"",
				    i, v, parent < 0 ? "at the top level" : "under \"",
				    parent < 0 ? "" : c->labels[parent].value,
				    parent < 0 ? "" : "\"", c->name);
			parent = (int)j;
		}
	}
	return LF_OK;
}

/*
 * Text spans are [start, end) offsets counted in Unicode code points, as
 * Label Studio stores them: its frontend (1.4, the one web/ embeds) turns
 * the browser's UTF-16 offsets into code points (charsToCodePoints), and
 * conll.c reads them the same way. They are checked against the length of
 * the object's text when the task data holds it. value.text is not compared
 * with the text: the frontend takes it from the rendered selection, which
 * collapses whitespace, so it legitimately differs (Label Studio issue
 * #3078); the offsets are what exporters use.
 */
static int check_span(const lf_labelcfg_object *obj, json_t *value, size_t i, const json_t *data,
		      char *err, size_t errlen)
{
	json_int_t si, ei;
	double sd, ed;
	json_t *text = json_object_get(value, "text");
	const char *content;
	size_t len;
	int ret;

	if (text != NULL && !json_is_string(text))
		return lf_labelcfg_fail(err, errlen, "result[%zu]: value.text must be a string", i);
	switch (obj->media) {
	case LF_LABELCFG_MEDIA_TEXT:
		if ((ret = need_int(value, "value", "start", 0, i, &si, err, errlen)) != LF_OK ||
		    (ret = need_int(value, "value", "end", 0, i, &ei, err, errlen)) != LF_OK)
			return ret;
		if (si > ei)
			return lf_labelcfg_fail(err, errlen,
						"result[%zu]: value.start is after value.end", i);
		content = object_text(obj, data);
		if (content == NULL)
			return LF_OK;
		len = code_points(content);
		if ((json_int_t)len < ei)
			return lf_labelcfg_fail(
			    err, errlen,
			    "result[%zu]: value.end %" JSON_INTEGER_FORMAT
			    " is past the end of the text of \"%s\" (%zu characters)",
			    i, ei, obj->name, len);
		return LF_OK;
	case LF_LABELCFG_MEDIA_HYPERTEXT:
		if (!json_is_string(json_object_get(value, "start")) ||
		    !json_is_string(json_object_get(value, "end")))
			return lf_labelcfg_fail(
			    err, errlen,
			    "result[%zu]: value.start and value.end must be xpath strings", i);
		if ((ret = need_int(value, "value", "startOffset", 0, i, &si, err, errlen)) !=
			LF_OK ||
		    (ret = need_int(value, "value", "endOffset", 0, i, &ei, err, errlen)) != LF_OK)
			return ret;
		return LF_OK;
	case LF_LABELCFG_MEDIA_PARAGRAPHS: return check_paragraph_span(value, i, err, errlen);
	case LF_LABELCFG_MEDIA_AUDIO:
	case LF_LABELCFG_MEDIA_VIDEO:
	case LF_LABELCFG_MEDIA_TIMESERIES:
		/* Audio and video spans are seconds from the start; time series
		 * spans are positions on the series' own axis, negative allowed. */
		sd = obj->media == LF_LABELCFG_MEDIA_TIMESERIES ? -HUGE_VAL : 0;
		if ((ret = need_number(value, "value", "start", sd, HUGE_VAL, false, i, &sd, err,
				       errlen)) != LF_OK)
			return ret;
		ed = obj->media == LF_LABELCFG_MEDIA_TIMESERIES ? -HUGE_VAL : 0;
		if ((ret = need_number(value, "value", "end", ed, HUGE_VAL, false, i, &ed, err,
				       errlen)) != LF_OK)
			return ret;
		if (sd > ed)
			return lf_labelcfg_fail(err, errlen,
						"result[%zu]: value.start is after value.end", i);
		return LF_OK;
	case LF_LABELCFG_MEDIA_IMAGE: break;
	}
	return lf_labelcfg_fail(err, errlen,
				"result[%zu]: spans cannot be placed on <%s name=\"%s\">", i,
				obj->tag, obj->name);
}

/* The text a Text object shows for this task: its "$variable" looked up at
 * the top of the task data, or its literal value. NULL when that is not
 * known here: no data, a variable the data lacks (tasks of several items),
 * or text the frontend fetches or decodes (valueType="url", encoding). */
static const char *object_text(const lf_labelcfg_object *obj, const json_t *data)
{
	if (!obj->text_in_value)
		return NULL;
	if (obj->value[0] != '$')
		return obj->value;
	return json_string_value(json_object_get(data, obj->value + 1));
}

/* The number of code points of a valid UTF-8 string: its bytes that do not
 * continue a sequence. */
static size_t code_points(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* Paragraph spans name paragraphs by index, which the frontend writes as a
 * string ("0") and older versions as a number. */
static int check_paragraph_span(json_t *value, size_t i, char *err, size_t errlen)
{
	static const char *const keys[] = {"start", "end"};
	long long idx[2];
	json_int_t so, eo;
	int ret;

	for (size_t k = 0; k < 2; k++) {
		json_t *v = json_object_get(value, keys[k]);
		char *end;
		if (json_is_integer(v)) {
			idx[k] = json_integer_value(v);
		} else if (json_is_string(v) && json_string_value(v)[0] != '\0') {
			idx[k] = strtoll(json_string_value(v), &end, 10);
			if (*end != '\0')
				idx[k] = -1;
		} else {
			idx[k] = -1;
		}
		if (idx[k] < 0)
			return lf_labelcfg_fail(
			    err, errlen, "result[%zu]: value.%s must be a paragraph index >= 0", i,
			    keys[k]);
	}
	if ((ret = need_int(value, "value", "startOffset", 0, i, &so, err, errlen)) != LF_OK ||
	    (ret = need_int(value, "value", "endOffset", 0, i, &eo, err, errlen)) != LF_OK)
		return ret;
	if (idx[0] > idx[1] || (idx[0] == idx[1] && so > eo))
		return lf_labelcfg_fail(err, errlen, "result[%zu]: value.start is after value.end",
					i);
	return LF_OK;
}

static int check_shape(const lf_labelcfg_control *c, lf_labelcfg_shape shape,
		       const lf_labelcfg_object *obj, json_t *value, size_t i, const json_t *data,
		       char *err, size_t errlen)
{
	json_t *v;
	json_int_t rating;
	double d;
	int ret;

	switch (shape) {
	case LF_LABELCFG_SHAPE_SPAN: return check_span(obj, value, i, data, err, errlen);
	case LF_LABELCFG_SHAPE_RECT: return check_rect(value, "value", i, err, errlen);
	case LF_LABELCFG_SHAPE_POLYGON: return check_polygon(value, i, err, errlen);
	case LF_LABELCFG_SHAPE_KEYPOINT:
		if ((ret = need_number(value, "value", "x", 0, 100, false, i, &d, err, errlen)) !=
			LF_OK ||
		    (ret = need_number(value, "value", "y", 0, 100, false, i, &d, err, errlen)) !=
			LF_OK)
			return ret;
		return need_number(value, "value", "width", 0, 100, true, i, &d, err, errlen);
	case LF_LABELCFG_SHAPE_ELLIPSE:
		if ((ret = need_number(value, "value", "x", 0, 100, false, i, &d, err, errlen)) !=
			LF_OK ||
		    (ret = need_number(value, "value", "y", 0, 100, false, i, &d, err, errlen)) !=
			LF_OK ||
		    (ret = need_number(value, "value", "radiusX", 0, HUGE_VAL, false, i, &d, err,
				       errlen)) != LF_OK ||
		    (ret = need_number(value, "value", "radiusY", 0, HUGE_VAL, false, i, &d, err,
				       errlen)) != LF_OK)
			return ret;
		return need_number(value, "value", "rotation", -HUGE_VAL, HUGE_VAL, true, i, &d,
				   err, errlen);
	case LF_LABELCFG_SHAPE_BRUSH:
		v = json_object_get(value, "format");
		if (!json_is_string(v))
			return lf_labelcfg_fail(err, errlen,
						"result[%zu]: value.format must be a string", i);
		v = json_object_get(value, "rle");
		if (strcmp(json_string_value(json_object_get(value, "format")), "rle") == 0 &&
		    (!json_is_array(v) || json_array_size(v) == 0))
			return lf_labelcfg_fail(
			    err, errlen,
			    "result[%zu]: value.rle must be a non-empty array of integers", i);
		for (size_t k = 0; k < json_array_size(v); k++) {
			if (!json_is_integer(json_array_get(v, k)))
				return lf_labelcfg_fail(
				    err, errlen, "result[%zu]: value.rle[%zu] is not an integer", i,
				    k);
		}
		return LF_OK;
	case LF_LABELCFG_SHAPE_VIDEORECT: return check_videorect(value, i, err, errlen);
	case LF_LABELCFG_SHAPE_TIMELINE: return check_timeline(value, i, err, errlen);
	case LF_LABELCFG_SHAPE_CHOICES:
		return LF_OK; /* the caller checks value.choices against the control */
	case LF_LABELCFG_SHAPE_TAXONOMY: return check_taxonomy(c, value, i, err, errlen);
	case LF_LABELCFG_SHAPE_TEXTAREA: return need_string_array(value, "text", i, err, errlen);
	case LF_LABELCFG_SHAPE_RATING:
		if ((ret = need_int(value, "value", "rating", 1, i, &rating, err, errlen)) != LF_OK)
			return ret;
		if (rating > c->max_rating)
			return lf_labelcfg_fail(
			    err, errlen, "result[%zu]: value.rating must be between 1 and %d", i,
			    c->max_rating);
		return LF_OK;
	case LF_LABELCFG_SHAPE_NUMBER:
		return need_number(value, "value", "number", c->has_min ? c->min : -HUGE_VAL,
				   c->has_max ? c->max : HUGE_VAL, false, i, &d, err, errlen);
	case LF_LABELCFG_SHAPE_DATETIME:
		v = json_object_get(value, "datetime");
		if (!json_is_string(v) || json_string_length(v) == 0)
			return lf_labelcfg_fail(
			    err, errlen, "result[%zu]: value.datetime must be a non-empty string",
			    i);
		return LF_OK;
	}
	lf_fatal("labelcfg: shape %d", (int)shape);
}

/* x, y, width and height in percent of the image (or video frame), the
 * box inside it. A rotated box turns about its (x, y) corner, so its
 * unrotated extent may pass the edge while the drawn box does not; the
 * frontend keeps rotated boxes inside the image itself, so only unrotated
 * ones are held to x + width <= 100 and y + height <= 100. */
static int check_rect(json_t *obj, const char *where, size_t i, char *err, size_t errlen)
{
	static const char *const keys[] = {"x", "y", "width", "height"};
	double d[4];
	double rotation = 0;
	int ret;

	for (size_t k = 0; k < LF_ARRAY_LEN(keys); k++) {
		if ((ret = need_number(obj, where, keys[k], 0, 100, false, i, &d[k], err,
				       errlen)) != LF_OK)
			return ret;
	}
	if ((ret = need_number(obj, where, "rotation", -HUGE_VAL, HUGE_VAL, true, i, &rotation, err,
			       errlen)) != LF_OK)
		return ret;
	if (rotation != 0)
		return LF_OK;
	if (d[0] + d[2] > 100 + PCT_EPS)
		return lf_labelcfg_fail(
		    err, errlen, "result[%zu]: %s.x + %s.width is %g, past the right edge (100)", i,
		    where, where, d[0] + d[2]);
	if (d[1] + d[3] > 100 + PCT_EPS)
		return lf_labelcfg_fail(
		    err, errlen, "result[%zu]: %s.y + %s.height is %g, past the bottom edge (100)",
		    i, where, where, d[1] + d[3]);
	return LF_OK;
}

static int check_polygon(json_t *value, size_t i, char *err, size_t errlen)
{
	json_t *points = json_object_get(value, "points"), *closed;
	size_t n = json_array_size(points);

	if (!json_is_array(points) || n < 3)
		return lf_labelcfg_fail(
		    err, errlen,
		    "result[%zu]: value.points must be an array of at least 3 [x, y] points", i);
	for (size_t k = 0; k < n; k++) {
		json_t *p = json_array_get(points, k);
		json_t *x = json_array_get(p, 0), *y = json_array_get(p, 1);
		if (!json_is_array(p) || json_array_size(p) != 2 || !json_is_number(x) ||
		    !json_is_number(y) || json_number_value(x) < -PCT_EPS ||
		    json_number_value(x) > 100 + PCT_EPS || json_number_value(y) < -PCT_EPS ||
		    json_number_value(y) > 100 + PCT_EPS)
			return lf_labelcfg_fail(
			    err, errlen,
			    "result[%zu]: value.points[%zu] must be [x, y] with both between "
			    "0 and 100",
			    i, k);
	}
	closed = json_object_get(value, "closed");
	if (closed != NULL && !json_is_boolean(closed))
		return lf_labelcfg_fail(err, errlen, "result[%zu]: value.closed must be a boolean",
					i);
	return LF_OK;
}

/* The frontend records the video's length in its regions (framesCount,
 * duration in seconds); when a region carries them, its frames and times
 * must lie within. *frames and *duration are left alone when absent. */
static int video_bounds(json_t *value, size_t i, json_int_t *frames, double *duration, char *err,
			size_t errlen)
{
	int ret = LF_OK;

	if (json_object_get(value, "framesCount") != NULL)
		ret = need_int(value, "value", "framesCount", 0, i, frames, err, errlen);
	if (ret == LF_OK)
		ret = need_number(value, "value", "duration", 0, HUGE_VAL, true, i, duration, err,
				  errlen);
	return ret;
}

/* Object tracking: keyframes with a frame number and a box each. */
static int check_videorect(json_t *value, size_t i, char *err, size_t errlen)
{
	json_t *seq = json_object_get(value, "sequence");
	size_t n = json_array_size(seq);
	json_int_t frame, frames = LLONG_MAX;
	double time = 0, duration = HUGE_VAL;
	char where[48];
	int ret;

	if ((ret = video_bounds(value, i, &frames, &duration, err, errlen)) != LF_OK)
		return ret;
	if (!json_is_array(seq) || n == 0)
		return lf_labelcfg_fail(err, errlen,
					"result[%zu]: value.sequence must be a non-empty array", i);
	for (size_t k = 0; k < n; k++) {
		json_t *kf = json_array_get(seq, k), *enabled;
		snprintf(where, sizeof(where), "value.sequence[%zu]", k);
		if (!json_is_object(kf))
			return lf_labelcfg_fail(err, errlen, "result[%zu]: %s must be an object", i,
						where);
		if ((ret = need_int(kf, where, "frame", 0, i, &frame, err, errlen)) != LF_OK ||
		    (ret = check_rect(kf, where, i, err, errlen)) != LF_OK ||
		    (ret = need_number(kf, where, "time", 0, HUGE_VAL, true, i, &time, err,
				       errlen)) != LF_OK)
			return ret;
		if (frame > frames)
			return lf_labelcfg_fail(
			    err, errlen,
			    "result[%zu]: %s.frame %" JSON_INTEGER_FORMAT
			    " is past the last frame (framesCount %" JSON_INTEGER_FORMAT ")",
			    i, where, frame, frames);
		if (time > duration)
			return lf_labelcfg_fail(
			    err, errlen,
			    "result[%zu]: %s.time %g is past the end of the video "
			    "(duration %g)",
			    i, where, time, duration);
		enabled = json_object_get(kf, "enabled");
		if (enabled != NULL && !json_is_boolean(enabled))
			return lf_labelcfg_fail(
			    err, errlen, "result[%zu]: %s.enabled must be a boolean", i, where);
	}
	return LF_OK;
}

/* Video segments: frame ranges, inclusive. */
static int check_timeline(json_t *value, size_t i, char *err, size_t errlen)
{
	json_t *ranges = json_object_get(value, "ranges");
	size_t n = json_array_size(ranges);
	json_int_t s, e, frames = LLONG_MAX;
	double duration = HUGE_VAL;
	char where[48];
	int ret;

	if ((ret = video_bounds(value, i, &frames, &duration, err, errlen)) != LF_OK)
		return ret;
	if (!json_is_array(ranges) || n == 0)
		return lf_labelcfg_fail(err, errlen,
					"result[%zu]: value.ranges must be a non-empty array", i);
	for (size_t k = 0; k < n; k++) {
		json_t *rg = json_array_get(ranges, k);
		snprintf(where, sizeof(where), "value.ranges[%zu]", k);
		if (!json_is_object(rg))
			return lf_labelcfg_fail(err, errlen, "result[%zu]: %s must be an object", i,
						where);
		if ((ret = need_int(rg, where, "start", 0, i, &s, err, errlen)) != LF_OK ||
		    (ret = need_int(rg, where, "end", 0, i, &e, err, errlen)) != LF_OK)
			return ret;
		if (s > e)
			return lf_labelcfg_fail(
			    err, errlen, "result[%zu]: %s.start is after %s.end", i, where, where);
		if (e > frames)
			return lf_labelcfg_fail(
			    err, errlen,
			    "result[%zu]: %s.end %" JSON_INTEGER_FORMAT
			    " is past the last frame (framesCount %" JSON_INTEGER_FORMAT ")",
			    i, where, e, frames);
	}
	return LF_OK;
}

/* Reads obj[key] as a number within [lo, hi] (percent bounds get PCT_EPS of
 * slack). A missing key is an error unless optional, in which case *out is
 * left alone. where names obj in the message ("value",
 * "value.sequence[3]"). */
static int need_number(json_t *obj, const char *where, const char *key, double lo, double hi,
		       bool optional, size_t i, double *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);
	double d, eps = hi == 100 ? PCT_EPS : 0;

	if (v == NULL && optional)
		return LF_OK;
	if (v == NULL)
		return lf_labelcfg_fail(err, errlen, "result[%zu]: %s.%s is missing", i, where,
					key);
	d = json_number_value(v);
	if (!json_is_number(v) || d < lo - eps || d > hi + eps) {
		if (lo == -HUGE_VAL && hi == HUGE_VAL)
			return lf_labelcfg_fail(err, errlen, "result[%zu]: %s.%s must be a number",
						i, where, key);
		if (hi == HUGE_VAL)
			return lf_labelcfg_fail(err, errlen,
						"result[%zu]: %s.%s must be a number >= %g", i,
						where, key, lo);
		if (lo == -HUGE_VAL)
			return lf_labelcfg_fail(err, errlen,
						"result[%zu]: %s.%s must be a number <= %g", i,
						where, key, hi);
		return lf_labelcfg_fail(err, errlen,
					"result[%zu]: %s.%s must be a number between %g and %g", i,
					where, key, lo, hi);
	}
	*out = d;
	return LF_OK;
}

static int need_int(json_t *obj, const char *where, const char *key, json_int_t lo, size_t i,
		    json_int_t *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return lf_labelcfg_fail(err, errlen, "result[%zu]: %s.%s is missing", i, where,
					key);
	if (!json_is_integer(v) || json_integer_value(v) < lo)
		return lf_labelcfg_fail(
		    err, errlen, "result[%zu]: %s.%s must be an integer >= %" JSON_INTEGER_FORMAT,
		    i, where, key, lo);
	*out = json_integer_value(v);
	return LF_OK;
}

static int need_string_array(json_t *value, const char *key, size_t i, char *err, size_t errlen)
{
	json_t *arr = json_object_get(value, key);

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return lf_labelcfg_fail(
		    err, errlen, "result[%zu]: value.%s must be a non-empty array of strings", i,
		    key);
	for (size_t k = 0; k < json_array_size(arr); k++) {
		if (!json_is_string(json_array_get(arr, k)))
			return lf_labelcfg_fail(
			    err, errlen, "result[%zu]: value.%s[%zu] is not a string", i, key, k);
	}
	return LF_OK;
}
