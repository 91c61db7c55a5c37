/*
 * score.c - an answer's result scored against gold's, control by control.
 *
 * Every region of both results is first tied to the control it names and
 * sorted by control; each control's regions are then turned into items, the
 * units its method compares (a polygon with its label set, a time interval,
 * a (object, choice) element, a text), and scored by the family of its
 * kind: matched (areas, keypoints, intervals), spans, sets, texts or
 * values. The methods and the reasons for them are listed in score.h;
 * the choices below are the ones a reader of the code needs:
 *
 * - Geometry is compared in percent of the image, where IoU is the same as
 *   in pixels (scaling an axis scales every area alike). Label Studio
 *   rotates rectangles (about their top-left corner) and ellipses (about
 *   their centre) clockwise in pixels, so those are rotated in pixels, from
 *   the region's original_width and original_height (a square image when
 *   absent), and turned back into percent: rotating in percent would shear
 *   them on non-square images (export/image.c does the same).
 * - An ellipse is compared as a polygon of ELLIPSE_POINTS points whose
 *   radii are scaled so that its area equals the ellipse's; the outline
 *   differs by under 0.1% of the radius, well inside any IoU threshold.
 * - A region's labels are a set: two regions match only when their label
 *   sets are equal and they lie on the same object. Matching is done within
 *   each (kind, object, label set) group, since a pair across groups is
 *   worth 0 and could only be matched to fill the assignment.
 * - The matching weight of a pair is its IoU when at or above the threshold
 *   and 0 below it: the assignment then maximises the score itself (with
 *   raw IoU, two pairs of 0.45 would beat one of 0.85 and score 0).
 * - Time intervals (audio, video, time series) are matched one-to-one like
 *   image regions rather than compared as per-label unions: each segment is
 *   an event (a speaker turn, a sound), so a missed, split or merged segment
 *   must cost what a missed or split box costs. TimelineLabels ranges are
 *   inclusive frame numbers, [start, end + 1) as intervals, one item each.
 * - Text spans are compared as per-label sets of code-point offsets (a span
 *   with several labels counts for each), so overlapping spans of one label
 *   count their characters once.
 * - TextArea texts of one object (every region's "text" lines, in result
 *   order) are joined with newlines; the CER of a control with several
 *   objects is total edits over total gold length.
 * - Rating, Number and DateTime values of one object are compared in result
 *   order; the control scores matches over max(answer, gold) values.
 * - Per-region classifications (perRegion="true") are scored by object, as
 *   if they were per-object: the region they belong to is not followed.
 */
#include "quality/score.h"

#include "core/arena.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char LF_SCORE_RELATION[] = "a relation";

#define ELLIPSE_POINTS 64
/* A pair exactly at the threshold must not fall under it by rounding (the
 * corners of a rotated box come from sin and cos). */
#define THRESHOLD_SLACK 1e-9
/* Joins the parts of a key (object, labels, taxonomy steps): label configs
 * are XML 1.0, which cannot contain this character, so keys of different
 * parts never collide. */
#define KEY_SEP "\x1f"

enum side { ANSWER, GOLD };

/* What an item is, which decides how it is compared. */
enum kind {
	K_AREA,	    /* rectangle, polygon, ellipse: pts */
	K_POINT,    /* keypoint: x, y */
	K_INTERVAL, /* audio/video/time-series span, timeline range: start, end */
	K_SPAN,	    /* text span of one label: start, end in code points */
	K_SET,	    /* an element of a choice set: key */
	K_TEXT,	    /* a TextArea region's text */
	K_VALUE,    /* a Rating, Number or DateTime value */
	K_NONE	    /* not scored */
};

/* A region of either result and the control (index in cfg) it names. */
struct ref {
	size_t control;
	enum side side;
	size_t index;
	const json_t *r;
};

struct item {
	enum kind kind;
	enum side side;
	size_t seq;	 /* order of extraction, to keep result order */
	const char *obj; /* to_name */
	const char *key; /* label set, one label (spans), or set element */
	lf_score_point *pts;
	size_t n;
	double x, y, start, end;
	const json_t *value;
	const char *text;
};

struct items {
	struct item *v;
	size_t n, cap;
};

/* One call's state: everything allocated comes from arena. */
struct ctx {
	const lf_labelcfg *cfg;
	const lf_score_opts *o;
	lf_arena *arena;
	lf_error *err;
};

static int bad(struct ctx *x, const struct ref *f, const char *what);
static int fail(struct ctx *x, int code);
static int collect(struct ctx *x, const json_t *result, enum side side, struct ref *refs,
		   size_t *n);
static int cmp_ref(const void *a, const void *b);
static int cmp_item(const void *a, const void *b);
static int cmp_str(const void *a, const void *b);
static int region_kind(struct ctx *x, const struct ref *f, const lf_labelcfg_control *c,
		       enum kind *kind, lf_labelcfg_shape *shape);
static lf_score_method method_of(const lf_score_opts *o, const bool *seen);
static int score_control(struct ctx *x, const lf_labelcfg_control *c, const struct ref *refs,
			 size_t n, lf_score_control *out);
static struct item *push(struct ctx *x, struct items *it, enum kind kind, const struct ref *f);
static int extract(struct ctx *x, const struct ref *f, const lf_labelcfg_control *c, enum kind kind,
		   lf_labelcfg_shape shape, struct items *it);
static int extract_area(struct ctx *x, const struct ref *f, lf_labelcfg_shape shape,
			struct item *item);
static int extract_intervals(struct ctx *x, const struct ref *f, lf_labelcfg_shape shape,
			     const char *labels, struct items *it);
static int extract_set(struct ctx *x, const struct ref *f, lf_labelcfg_shape shape,
		       struct items *it);
static const char *label_set(struct ctx *x, const json_t *value, const char *type);
static const json_t *label_array(const json_t *value, const char *type);
static char *join(struct ctx *x, const char *first, const json_t *strings, const char *sep,
		  bool sorted);
static bool num(const json_t *obj, const char *key, double *out);
static int score_matched(struct ctx *x, struct item *v, size_t n, double *score);
static int pair_weight(struct ctx *x, const struct item *a, const struct item *g, double *w);
static double score_spans(struct item *v, size_t n);
static double score_set(const lf_score_opts *o, struct item *v, size_t n);
static int score_texts(struct ctx *x, struct item *v, size_t n, double *score);
static double score_values(const lf_score_opts *o, const lf_labelcfg_control *c, struct item *v,
			   size_t n);
static bool value_equal(const lf_score_opts *o, const lf_labelcfg_control *c, const json_t *a,
			const json_t *g);
static uint32_t *decode(const char *s, size_t *n);
static int edit_distance(const uint32_t *a, size_t n, const uint32_t *b, size_t m, size_t *out);

static const char *const method_names[] = {
    [LF_SCORE_EXACT] = "exact",	      [LF_SCORE_JACCARD] = "jaccard",
    [LF_SCORE_IOU] = "iou",	      [LF_SCORE_INTERVAL_IOU] = "interval_iou",
    [LF_SCORE_KEYPOINT] = "keypoint", [LF_SCORE_SPAN_F1] = "span_f1",
    [LF_SCORE_CER] = "cer",	      [LF_SCORE_UNSUPPORTED] = "unsupported",
};

const char *lf_score_method_name(lf_score_method m)
{
	if ((size_t)m >= LF_ARRAY_LEN(method_names))
		lf_fatal("score: method %d", (int)m);
	return method_names[m];
}

void lf_score_opts_init(lf_score_opts *o)
{
	o->iou_threshold = 0.5;
	o->keypoint_radius = 2;
	o->number_tolerance = 0;
	o->partial_choices = false;
}

void lf_score_free(lf_score *s)
{
	if (s == NULL)
		return;
	free(s->controls);
	memset(s, 0, sizeof(*s));
}

static int bad(struct ctx *x, const struct ref *f, const char *what)
{
	return lf_error_set(x->err, LF_ERR_INVALID, "invalid_result", "%s[%zu]: %s",
			    f->side == ANSWER ? "answer" : "gold", f->index, what);
}

/* Describes the failures that carry no words of their own. */
static int fail(struct ctx *x, int code)
{
	if (code == LF_ERR_NOMEM)
		return lf_error_set(x->err, code, "out_of_memory", "Out of memory while scoring.");
	if (code == LF_ERR_LIMIT)
		return lf_error_set(x->err, code, "score_too_large",
				    "The results are too large to score (more than %d regions "
				    "of one label, %d points in a polygon or %d edit cells).",
				    LF_SCORE_MAX_ASSIGN, LF_SCORE_MAX_POINTS,
				    LF_SCORE_MAX_EDIT_CELLS);
	return code;
}

int lf_score_result(const lf_labelcfg *cfg, const json_t *answer, const json_t *gold,
		    const lf_score_opts *opts, lf_score *out, lf_error *err)
{
	int ret = LF_ERR_NOMEM;
	lf_score_opts defaults;
	struct ctx x = {cfg, opts, NULL, err};
	struct ref *refs = NULL;
	size_t n = 0, controls = lf_labelcfg_control_count(cfg);
	double sum = 0;

	memset(out, 0, sizeof(*out));
	if (opts == NULL) {
		lf_score_opts_init(&defaults);
		x.o = &defaults;
	}
	if (!json_is_array(answer) || !json_is_array(gold))
		return lf_error_set(err, LF_ERR_INVALID, "invalid_result",
				    "answer and gold must be JSON arrays of regions");
	if ((x.arena = lf_arena_create()) == NULL)
		return fail(&x, LF_ERR_NOMEM);
	refs = lf_arena_alloc(x.arena, (json_array_size(answer) + json_array_size(gold) + 1) *
					   sizeof(*refs));
	if (controls > 0)
		out->controls = calloc(controls, sizeof(*out->controls));
	if (refs == NULL || (controls > 0 && out->controls == NULL)) {
		ret = fail(&x, LF_ERR_NOMEM);
		goto cleanup;
	}
	if ((ret = collect(&x, answer, ANSWER, refs, &n)) != LF_OK ||
	    (ret = collect(&x, gold, GOLD, refs, &n)) != LF_OK)
		goto cleanup;
	if (n > 1)
		qsort(refs, n, sizeof(*refs), cmp_ref);
	for (size_t i = 0, j; i < n; i = j) {
		lf_score_control *sc = &out->controls[out->control_count];
		j = i + 1;
		while (j < n && refs[j].control == refs[i].control)
			j++;
		ret = score_control(&x, lf_labelcfg_control_at(cfg, refs[i].control), refs + i,
				    j - i, sc);
		if (ret != LF_OK)
			goto cleanup;
		out->control_count++;
		if (sc->method != LF_SCORE_UNSUPPORTED) {
			sum += sc->score;
			out->scored++;
		}
	}
	out->overall = out->scored > 0 ? sum / (double)out->scored : 1;
	ret = LF_OK;

cleanup:
	lf_arena_destroy(x.arena);
	if (ret != LF_OK)
		lf_score_free(out);
	return ret;
}

/* Appends the regions of result to refs (relations left out). */
static int collect(struct ctx *x, const json_t *result, enum side side, struct ref *refs, size_t *n)
{
	for (size_t i = 0; i < json_array_size(result); i++) {
		struct ref *f = &refs[*n];
		const char *why;
		f->side = side;
		f->index = i;
		f->r = json_array_get(result, i);
		why = lf_score_region_control(x->cfg, f->r, &f->control);
		if (why == LF_SCORE_RELATION)
			continue;
		if (why != NULL)
			return bad(x, f, why);
		(*n)++;
	}
	return LF_OK;
}

const char *lf_score_region_control(const lf_labelcfg *cfg, const json_t *region, size_t *control)
{
	size_t controls = lf_labelcfg_control_count(cfg);
	const char *type, *from;

	if (!json_is_object(region))
		return "a region must be an object";
	type = json_string_value(json_object_get(region, "type"));
	if (type != NULL && strcmp(type, "relation") == 0)
		return LF_SCORE_RELATION;
	if ((from = json_string_value(json_object_get(region, "from_name"))) == NULL)
		return "from_name is missing";
	for (*control = 0; *control < controls; (*control)++)
		if (strcmp(lf_labelcfg_control_at(cfg, *control)->name, from) == 0)
			return NULL;
	return "from_name is not a control of the label config";
}

static int cmp_ref(const void *a, const void *b)
{
	const struct ref *p = a, *q = b;

	if (p->control != q->control)
		return p->control < q->control ? -1 : 1;
	if (p->side != q->side)
		return p->side < q->side ? -1 : 1;
	return (p->index > q->index) - (p->index < q->index);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Orders items into groups of one kind, object and key, answer before
 * gold, then by start (spans) and result order. */
static int cmp_item(const void *a, const void *b)
{
	const struct item *p = a, *q = b;
	int c;

	if (p->kind != q->kind)
		return p->kind < q->kind ? -1 : 1;
	if ((c = strcmp(p->obj, q->obj)) != 0)
		return c;
	if ((c = strcmp(p->key, q->key)) != 0)
		return c;
	if (p->side != q->side)
		return p->side < q->side ? -1 : 1;
	if (p->start != q->start)
		return p->start < q->start ? -1 : 1;
	return (p->seq > q->seq) - (p->seq < q->seq);
}

const char *lf_score_region_shape(const lf_labelcfg *cfg, const lf_labelcfg_control *c,
				  const json_t *region, lf_labelcfg_shape *shape,
				  lf_labelcfg_media *media)
{
	static const struct {
		const char *type;
		lf_labelcfg_shape shape;
	} tools[] = {
	    {"rectanglelabels", LF_LABELCFG_SHAPE_RECT},
	    {"polygonlabels", LF_LABELCFG_SHAPE_POLYGON},
	    {"keypointlabels", LF_LABELCFG_SHAPE_KEYPOINT},
	    {"ellipselabels", LF_LABELCFG_SHAPE_ELLIPSE},
	    {"brushlabels", LF_LABELCFG_SHAPE_BRUSH},
	};
	const char *type = json_string_value(json_object_get(region, "type"));
	const char *to = json_string_value(json_object_get(region, "to_name"));
	const lf_labelcfg_object *obj = lf_labelcfg_find_object(cfg, to);
	size_t k = 0;

	if (type == NULL || obj == NULL)
		return "type or to_name is missing or unknown";
	*shape = c->shape;
	*media = obj->media;
	if (strcmp(type, c->type) == 0)
		return NULL;
	while (k < LF_ARRAY_LEN(tools) && strcmp(tools[k].type, type) != 0)
		k++;
	if (k == LF_ARRAY_LEN(tools) || c->shape != LF_LABELCFG_SHAPE_SPAN ||
	    obj->media != LF_LABELCFG_MEDIA_IMAGE)
		return "type does not match the control";
	*shape = tools[k].shape;
	return NULL;
}

/* The kind of a region, from its shape (lf_score_region_shape). */
static int region_kind(struct ctx *x, const struct ref *f, const lf_labelcfg_control *c,
		       enum kind *kind, lf_labelcfg_shape *shape)
{
	lf_labelcfg_media media;
	const char *why = lf_score_region_shape(x->cfg, c, f->r, shape, &media);

	if (why != NULL)
		return bad(x, f, why);
	switch (*shape) {
	case LF_LABELCFG_SHAPE_SPAN:
		if (media == LF_LABELCFG_MEDIA_TEXT)
			*kind = K_SPAN;
		else if (media == LF_LABELCFG_MEDIA_AUDIO || media == LF_LABELCFG_MEDIA_VIDEO ||
			 media == LF_LABELCFG_MEDIA_TIMESERIES)
			*kind = K_INTERVAL;
		else
			*kind = K_NONE;
		return LF_OK;
	case LF_LABELCFG_SHAPE_RECT:
	case LF_LABELCFG_SHAPE_POLYGON:
	case LF_LABELCFG_SHAPE_ELLIPSE: *kind = K_AREA; return LF_OK;
	case LF_LABELCFG_SHAPE_KEYPOINT: *kind = K_POINT; return LF_OK;
	case LF_LABELCFG_SHAPE_TIMELINE: *kind = K_INTERVAL; return LF_OK;
	case LF_LABELCFG_SHAPE_CHOICES:
	case LF_LABELCFG_SHAPE_TAXONOMY: *kind = K_SET; return LF_OK;
	case LF_LABELCFG_SHAPE_TEXTAREA: *kind = K_TEXT; return LF_OK;
	case LF_LABELCFG_SHAPE_RATING:
	case LF_LABELCFG_SHAPE_NUMBER:
	case LF_LABELCFG_SHAPE_DATETIME: *kind = K_VALUE; return LF_OK;
	case LF_LABELCFG_SHAPE_BRUSH:
	case LF_LABELCFG_SHAPE_VIDEORECT: *kind = K_NONE; return LF_OK;
	}
	lf_fatal("score: shape %d", (int)*shape);
}

/* The method for a control whose regions are of the kinds seen (indexed
 * by enum kind). Only a <Labels> on an image mixes kinds (its tools), all
 * of the matched family. */
static lf_score_method method_of(const lf_score_opts *o, const bool *seen)
{
	if (seen[K_NONE])
		return LF_SCORE_UNSUPPORTED;
	if (seen[K_AREA])
		return LF_SCORE_IOU;
	if (seen[K_INTERVAL])
		return LF_SCORE_INTERVAL_IOU;
	if (seen[K_POINT])
		return LF_SCORE_KEYPOINT;
	if (seen[K_SPAN])
		return LF_SCORE_SPAN_F1;
	if (seen[K_SET])
		return o->partial_choices ? LF_SCORE_JACCARD : LF_SCORE_EXACT;
	if (seen[K_TEXT])
		return LF_SCORE_CER;
	return LF_SCORE_EXACT;
}

static int score_control(struct ctx *x, const lf_labelcfg_control *c, const struct ref *refs,
			 size_t n, lf_score_control *out)
{
	bool seen[K_NONE + 1] = {false};
	struct items it = {NULL, 0, 0};
	int ret;

	out->name = c->name;
	for (size_t i = 0; i < n; i++) {
		enum kind kind = K_NONE;
		lf_labelcfg_shape shape = c->shape;
		if (refs[i].side == ANSWER)
			out->answer_regions++;
		else
			out->gold_regions++;
		if ((ret = region_kind(x, &refs[i], c, &kind, &shape)) != LF_OK)
			return ret;
		seen[kind] = true;
		if (kind != K_NONE && (ret = extract(x, &refs[i], c, kind, shape, &it)) != LF_OK)
			return ret;
	}
	out->method = method_of(x->o, seen);
	if ((seen[K_AREA] || seen[K_POINT] || seen[K_INTERVAL]) + seen[K_SPAN] + seen[K_SET] +
		seen[K_TEXT] + seen[K_VALUE] >
	    1)
		return bad(x, &refs[0], "the control's regions are of incompatible types");
	if (it.n > 1)
		qsort(it.v, it.n, sizeof(*it.v), cmp_item);
	switch (out->method) {
	case LF_SCORE_UNSUPPORTED: out->score = 0; return LF_OK;
	case LF_SCORE_IOU:
	case LF_SCORE_INTERVAL_IOU:
	case LF_SCORE_KEYPOINT: return score_matched(x, it.v, it.n, &out->score);
	case LF_SCORE_SPAN_F1: out->score = score_spans(it.v, it.n); return LF_OK;
	case LF_SCORE_EXACT:
		if (seen[K_VALUE]) {
			out->score = score_values(x->o, c, it.v, it.n);
			return LF_OK;
		}
		out->score = score_set(x->o, it.v, it.n);
		return LF_OK;
	case LF_SCORE_JACCARD: out->score = score_set(x->o, it.v, it.n); return LF_OK;
	case LF_SCORE_CER: return score_texts(x, it.v, it.n, &out->score);
	}
	lf_fatal("score: method %d", (int)out->method);
}

/* A new zeroed item for region f, or NULL (described) when out of memory. */
static struct item *push(struct ctx *x, struct items *it, enum kind kind, const struct ref *f)
{
	struct item *item;

	if (it->n == it->cap) {
		size_t cap = it->cap == 0 ? 16 : it->cap * 2;
		struct item *v = lf_arena_alloc(x->arena, cap * sizeof(*v));
		if (v == NULL) {
			fail(x, LF_ERR_NOMEM);
			return NULL;
		}
		if (it->n > 0)
			memcpy(v, it->v, it->n * sizeof(*v));
		it->v = v;
		it->cap = cap;
	}
	item = &it->v[it->n];
	memset(item, 0, sizeof(*item));
	item->kind = kind;
	item->side = f->side;
	item->seq = it->n++;
	item->obj = json_string_value(json_object_get(f->r, "to_name"));
	item->key = "";
	return item;
}

/* Turns region f into the items its kind compares. */
static int extract(struct ctx *x, const struct ref *f, const lf_labelcfg_control *c, enum kind kind,
		   lf_labelcfg_shape shape, struct items *it)
{
	const json_t *value = json_object_get(f->r, "value");
	const char *type = json_string_value(json_object_get(f->r, "type"));
	const json_t *arr, *field;
	const char *labels;
	struct item *item;

	if (!json_is_object(value))
		return bad(x, f, "value is missing or not an object");
	switch (kind) {
	case K_AREA:
	case K_POINT:
		if ((labels = label_set(x, value, type)) == NULL)
			return fail(x, LF_ERR_NOMEM);
		if ((item = push(x, it, kind, f)) == NULL)
			return LF_ERR_NOMEM;
		item->key = labels;
		if (kind == K_AREA)
			return extract_area(x, f, shape, item);
		if (!num(value, "x", &item->x) || !num(value, "y", &item->y))
			return bad(x, f, "a keypoint needs numbers x and y");
		return LF_OK;
	case K_INTERVAL:
		if ((labels = label_set(x, value, type)) == NULL)
			return fail(x, LF_ERR_NOMEM);
		return extract_intervals(x, f, shape, labels, it);
	case K_SPAN:
		arr = label_array(value, type);
		for (size_t k = 0; k < json_array_size(arr); k++) {
			if ((item = push(x, it, kind, f)) == NULL)
				return LF_ERR_NOMEM;
			item->key = json_string_value(json_array_get(arr, k));
			if (item->key == NULL || !num(value, "start", &item->start) ||
			    !num(value, "end", &item->end))
				return bad(x, f, "a span needs labels and numbers start and end");
		}
		return LF_OK;
	case K_SET: return extract_set(x, f, shape, it);
	case K_TEXT:
		field = json_object_get(value, "text");
		if ((item = push(x, it, kind, f)) == NULL)
			return LF_ERR_NOMEM;
		if (!json_is_array(field))
			return bad(x, f, "value.text must be an array of strings");
		if ((item->text = join(x, NULL, field, "\n", false)) == NULL)
			return fail(x, LF_ERR_NOMEM);
		return LF_OK;
	case K_VALUE:
		field = json_object_get(value, c->shape == LF_LABELCFG_SHAPE_RATING   ? "rating"
					       : c->shape == LF_LABELCFG_SHAPE_NUMBER ? "number"
										      : "datetime");
		if (field == NULL)
			return bad(x, f, "the value is missing");
		if ((item = push(x, it, kind, f)) == NULL)
			return LF_ERR_NOMEM;
		item->value = field;
		return LF_OK;
	case K_NONE: break;
	}
	lf_fatal("score: kind %d", (int)kind);
}

/* Rectangles, polygons and ellipses as polygons in percent (see the top of
 * this file for rotation and ellipses). */
static int extract_area(struct ctx *x, const struct ref *f, lf_labelcfg_shape shape,
			struct item *item)
{
	const char *why = NULL;
	int ret;

	ret = lf_score_area_points(x->arena, f->r, shape, &item->pts, &item->n, &why);
	if (ret == LF_ERR_INVALID)
		return bad(x, f, why);
	return ret == LF_OK ? LF_OK : fail(x, ret);
}

int lf_score_area_points(lf_arena *arena, const json_t *region, lf_labelcfg_shape shape,
			 lf_score_point **pts, size_t *n, const char **why)
{
	const json_t *value = json_object_get(region, "value");
	double width = 0, height = 0, px = 1, py = 1, rot = 0, a, c, s, k;
	double v[4];
	lf_score_point *p;

	/* Pixels per percent, x and y, when the region says the image size
	 * (only their ratio matters). */
	if (num(region, "original_width", &width) && num(region, "original_height", &height) &&
	    width > 0 && height > 0) {
		px = width / 100;
		py = height / 100;
	}
	if (shape == LF_LABELCFG_SHAPE_POLYGON) {
		const json_t *points = json_object_get(value, "points");
		*n = json_array_size(points);
		if (*n < 3) {
			*why = "a polygon needs at least 3 points";
			return LF_ERR_INVALID;
		}
		if ((p = lf_arena_alloc(arena, *n * sizeof(*p))) == NULL)
			return LF_ERR_NOMEM;
		for (size_t i = 0; i < *n; i++) {
			const json_t *q = json_array_get(points, i);
			if (!json_is_number(json_array_get(q, 0)) ||
			    !json_is_number(json_array_get(q, 1))) {
				*why = "a polygon point must be [x, y]";
				return LF_ERR_INVALID;
			}
			p[i].x = json_number_value(json_array_get(q, 0));
			p[i].y = json_number_value(json_array_get(q, 1));
		}
		*pts = p;
		return LF_OK;
	}
	if (!num(value, "x", &v[0]) || !num(value, "y", &v[1]) ||
	    !num(value, shape == LF_LABELCFG_SHAPE_RECT ? "width" : "radiusX", &v[2]) ||
	    !num(value, shape == LF_LABELCFG_SHAPE_RECT ? "height" : "radiusY", &v[3])) {
		*why = "a rectangle or ellipse needs its numbers";
		return LF_ERR_INVALID;
	}
	num(value, "rotation", &rot);
	a = rot * M_PI / 180;
	c = cos(a);
	s = sin(a);
	*n = shape == LF_LABELCFG_SHAPE_RECT ? 4 : ELLIPSE_POINTS;
	if ((p = lf_arena_alloc(arena, *n * sizeof(*p))) == NULL)
		return LF_ERR_NOMEM;
	*pts = p;
	if (shape == LF_LABELCFG_SHAPE_RECT) {
		double cx[4] = {0, v[2], v[2], 0}, cy[4] = {0, 0, v[3], v[3]};
		for (size_t i = 0; i < 4; i++) {
			if (rot == 0) {
				p[i] = (lf_score_point){v[0] + cx[i], v[1] + cy[i]};
				continue;
			}
			/* Rotated about (x, y) in pixels, back to percent. */
			p[i].x = v[0] + (cx[i] * px * c - cy[i] * py * s) / px;
			p[i].y = v[1] + (cx[i] * px * s + cy[i] * py * c) / py;
		}
		return LF_OK;
	}
	/* Radii scaled so the polygon has the ellipse's area. */
	k = sqrt(2 * M_PI / (ELLIPSE_POINTS * sin(2 * M_PI / ELLIPSE_POINTS)));
	for (size_t i = 0; i < ELLIPSE_POINTS; i++) {
		double phi = 2 * M_PI * (double)i / ELLIPSE_POINTS;
		double lx = k * v[2] * px * cos(phi), ly = k * v[3] * py * sin(phi);
		p[i].x = v[0] + (lx * c - ly * s) / px;
		p[i].y = v[1] + (lx * s + ly * c) / py;
	}
	return LF_OK;
}

static int extract_intervals(struct ctx *x, const struct ref *f, lf_labelcfg_shape shape,
			     const char *labels, struct items *it)
{
	const json_t *value = json_object_get(f->r, "value");
	const json_t *ranges = json_object_get(value, "ranges");
	struct item *item;

	if (shape != LF_LABELCFG_SHAPE_TIMELINE) {
		if ((item = push(x, it, K_INTERVAL, f)) == NULL)
			return LF_ERR_NOMEM;
		item->key = labels;
		if (!num(value, "start", &item->start) || !num(value, "end", &item->end))
			return bad(x, f, "a time span needs numbers start and end");
		return LF_OK;
	}
	if (!json_is_array(ranges))
		return bad(x, f, "value.ranges must be an array");
	for (size_t k = 0; k < json_array_size(ranges); k++) {
		const json_t *rg = json_array_get(ranges, k);
		if ((item = push(x, it, K_INTERVAL, f)) == NULL)
			return LF_ERR_NOMEM;
		item->key = labels;
		if (!num(rg, "start", &item->start) || !num(rg, "end", &item->end))
			return bad(x, f, "a frame range needs numbers start and end");
		item->end += 1;
	}
	return LF_OK;
}

/* One item per chosen (object, choice) or (object, taxonomy path). */
static int extract_set(struct ctx *x, const struct ref *f, lf_labelcfg_shape shape,
		       struct items *it)
{
	const json_t *value = json_object_get(f->r, "value");
	const json_t *arr =
	    json_object_get(value, shape == LF_LABELCFG_SHAPE_TAXONOMY ? "taxonomy" : "choices");
	const char *obj = json_string_value(json_object_get(f->r, "to_name"));

	if (!json_is_array(arr))
		return bad(x, f, "the chosen values must be an array");
	for (size_t k = 0; k < json_array_size(arr); k++) {
		const json_t *e = json_array_get(arr, k);
		struct item *item = push(x, it, K_SET, f);
		if (item == NULL)
			return LF_ERR_NOMEM;
		if (shape == LF_LABELCFG_SHAPE_TAXONOMY && !json_is_array(e))
			return bad(x, f, "a taxonomy choice must be a path (an array of strings)");
		if (shape != LF_LABELCFG_SHAPE_TAXONOMY && !json_is_string(e))
			return bad(x, f, "a choice must be a string");
		item->key =
		    shape == LF_LABELCFG_SHAPE_TAXONOMY
			? join(x, obj, e, KEY_SEP, false)
			: lf_arena_printf(x->arena, "%s" KEY_SEP "%s", obj, json_string_value(e));
		if (item->key == NULL)
			return fail(x, LF_ERR_NOMEM);
	}
	return LF_OK;
}

/* The labels of a region: under its type ("rectanglelabels"), else under
 * "labels" (tools without labels of their own take those of a <Labels>),
 * or NULL when it has none. */
static const json_t *label_array(const json_t *value, const char *type)
{
	const json_t *arr = json_object_get(value, type);

	return json_is_array(arr) ? arr : json_object_get(value, "labels");
}

/* The region's labels as one key, sorted ("" for none); NULL when out of
 * memory. */
static const char *label_set(struct ctx *x, const json_t *value, const char *type)
{
	const json_t *arr = label_array(value, type);

	return json_array_size(arr) == 0 ? "" : join(x, NULL, arr, KEY_SEP, true);
}

/* The strings of array strings (others are skipped), sorted when asked,
 * joined by sep after first (when not NULL). NULL when out of memory. */
static char *join(struct ctx *x, const char *first, const json_t *strings, const char *sep,
		  bool sorted)
{
	size_t n = json_array_size(strings), k = 0, len = 1, seplen = strlen(sep);
	const char **v = lf_arena_alloc(x->arena, (n + 1) * sizeof(*v));
	char *out, *p;

	if (v == NULL)
		return NULL;
	if (first != NULL)
		v[k++] = first;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(strings, i));
		if (s != NULL)
			v[k++] = s;
	}
	if (sorted)
		qsort(v + (first != NULL), k - (first != NULL), sizeof(*v), cmp_str);
	for (size_t i = 0; i < k; i++)
		len += strlen(v[i]) + seplen;
	if ((out = lf_arena_alloc(x->arena, len)) == NULL)
		return NULL;
	p = out;
	for (size_t i = 0; i < k; i++) {
		size_t l = strlen(v[i]);
		if (i > 0) {
			memcpy(p, sep, seplen);
			p += seplen;
		}
		memcpy(p, v[i], l);
		p += l;
	}
	*p = '\0';
	return out;
}

/* obj[key] in *out when it is a finite number (else *out is untouched). */
static bool num(const json_t *obj, const char *key, double *out)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_number(v) || !isfinite(json_number_value(v)))
		return false;
	*out = json_number_value(v);
	return true;
}

/*
 * Items sorted into (kind, object, key) groups, answer first: each group's
 * answer and gold items are assigned one-to-one for the largest total
 * weight; the score is that total over the larger side's item count.
 */
static int score_matched(struct ctx *x, struct item *v, size_t n, double *score)
{
	size_t answers = 0, golds = 0;
	double total = 0;
	int ret;

	for (size_t i = 0, j; i < n; i = j) {
		size_t na = 0, ng;
		double *w;
		size_t *match;
		for (j = i; j < n && v[j].kind == v[i].kind && strcmp(v[j].obj, v[i].obj) == 0 &&
			    strcmp(v[j].key, v[i].key) == 0;
		     j++)
			na += v[j].side == ANSWER;
		ng = j - i - na;
		answers += na;
		golds += ng;
		if (na == 0 || ng == 0)
			continue;
		if (na > LF_SCORE_MAX_ASSIGN || ng > LF_SCORE_MAX_ASSIGN)
			return fail(x, LF_ERR_LIMIT);
		w = lf_arena_alloc(x->arena, na * ng * sizeof(*w));
		match = lf_arena_alloc(x->arena, na * sizeof(*match));
		if (w == NULL || match == NULL)
			return fail(x, LF_ERR_NOMEM);
		for (size_t a = 0; a < na; a++) {
			for (size_t g = 0; g < ng; g++) {
				if ((ret = pair_weight(x, &v[i + a], &v[i + na + g],
						       &w[a * ng + g])) != LF_OK)
					return ret;
			}
		}
		if ((ret = lf_score_assign(w, na, ng, match)) != LF_OK)
			return fail(x, ret);
		for (size_t a = 0; a < na; a++) {
			if (match[a] != LF_SCORE_NONE)
				total += w[a * ng + match[a]];
		}
	}
	*score =
	    answers == 0 && golds == 0 ? 1 : total / (double)(answers > golds ? answers : golds);
	return LF_OK;
}

/* What a matched pair scores: IoU at or above the threshold (else 0) for
 * areas and intervals, 1 for keypoints within the radius. */
static int pair_weight(struct ctx *x, const struct item *a, const struct item *g, double *w)
{
	double iou = 0;
	int ret;

	switch (a->kind) {
	case K_AREA:
		if ((ret = lf_score_polygon_iou(a->pts, a->n, g->pts, g->n, &iou)) != LF_OK)
			return fail(x, ret);
		break;
	case K_INTERVAL: iou = lf_score_interval_iou(a->start, a->end, g->start, g->end); break;
	case K_POINT:
		*w = hypot(a->x - g->x, a->y - g->y) <= x->o->keypoint_radius ? 1 : 0;
		return LF_OK;
	default: lf_fatal("score: kind %d is not matched", (int)a->kind);
	}
	*w = iou >= x->o->iou_threshold - THRESHOLD_SLACK ? iou : 0;
	return LF_OK;
}

/* Two empty intervals at one instant are the same event. */
double lf_score_interval_iou(double s1, double e1, double s2, double e2)
{
	double inter = fmax(0, fmin(e1, e2) - fmax(s1, s2));
	double uni = (e1 - s1) + (e2 - s2) - inter;

	if (uni <= 0)
		return s1 == s2 && e1 == e2 ? 1 : 0;
	return inter / uni;
}

/*
 * Character F1 over (object, label) groups: each side's spans of a group
 * are merged into disjoint runs (they are sorted by start), and F1 =
 * 2 |A n G| / (|A| + |G|) summed over groups, which is 2PR / (P + R) with
 * P = |A n G| / |A| and R = |A n G| / |G|, and 1 when both are empty.
 */
static double score_spans(struct item *v, size_t n)
{
	double len[2] = {0, 0}, both = 0;
	size_t from[2], to[2];

	for (size_t i = 0, j; i < n; i = j) {
		size_t na = 0;
		for (j = i;
		     j < n && strcmp(v[j].obj, v[i].obj) == 0 && strcmp(v[j].key, v[i].key) == 0;
		     j++)
			na += v[j].side == ANSWER;
		from[ANSWER] = i;
		from[GOLD] = i + na;
		to[ANSWER] = i + na;
		to[GOLD] = j;
		/* Each side's spans are merged in place into disjoint runs. */
		for (int s = ANSWER; s <= GOLD; s++) {
			size_t out = from[s];
			for (size_t k = from[s]; k < to[s]; k++) {
				if (v[k].end <= v[k].start)
					continue;
				if (out > from[s] && v[k].start <= v[out - 1].end) {
					v[out - 1].end = fmax(v[out - 1].end, v[k].end);
					continue;
				}
				v[out++] = v[k];
			}
			to[s] = out;
			for (size_t k = from[s]; k < out; k++)
				len[s] += v[k].end - v[k].start;
		}
		for (size_t p = from[ANSWER], q = from[GOLD]; p < to[ANSWER] && q < to[GOLD];) {
			both += fmax(0, fmin(v[p].end, v[q].end) - fmax(v[p].start, v[q].start));
			if (v[p].end < v[q].end)
				p++;
			else
				q++;
		}
	}
	return len[ANSWER] + len[GOLD] == 0 ? 1 : 2 * both / (len[ANSWER] + len[GOLD]);
}

/* Items are (object, choice) elements sorted by key, answer first. */
static double score_set(const lf_score_opts *o, struct item *v, size_t n)
{
	size_t a = 0, g = 0, both = 0, uni;

	for (size_t i = 0, j; i < n; i = j) {
		bool in_a = false, in_g = false;
		for (j = i; j < n && strcmp(v[j].key, v[i].key) == 0; j++) {
			in_a |= v[j].side == ANSWER;
			in_g |= v[j].side == GOLD;
		}
		a += in_a;
		g += in_g;
		both += in_a && in_g;
	}
	uni = a + g - both;
	if (!o->partial_choices)
		return both == a && both == g ? 1 : 0;
	return uni == 0 ? 1 : (double)both / (double)uni;
}

/* 1 - CER over the control's objects: each object's texts on each side
 * joined with newlines, total edits over total gold code points. */
static int score_texts(struct ctx *x, struct item *v, size_t n, double *score)
{
	size_t edits = 0, gold_len = 0;
	int ret = LF_OK;

	for (size_t i = 0, j; i < n && ret == LF_OK; i = j) {
		const char *text[2] = {NULL, NULL};
		uint32_t *cp[2] = {NULL, NULL};
		size_t len[2] = {0, 0}, d = 0;
		for (j = i; j < n && strcmp(v[j].obj, v[i].obj) == 0; j++) {
			const char *t = text[v[j].side];
			text[v[j].side] = t == NULL
					      ? v[j].text
					      : lf_arena_printf(x->arena, "%s\n%s", t, v[j].text);
			if (text[v[j].side] == NULL)
				return fail(x, LF_ERR_NOMEM);
		}
		if ((cp[0] = decode(text[0] != NULL ? text[0] : "", &len[0])) == NULL ||
		    (cp[1] = decode(text[1] != NULL ? text[1] : "", &len[1])) == NULL)
			ret = fail(x, LF_ERR_NOMEM);
		else if ((ret = edit_distance(cp[0], len[0], cp[1], len[1], &d)) != LF_OK)
			ret = fail(x, ret);
		edits += d;
		gold_len += len[1];
		free(cp[0]);
		free(cp[1]);
	}
	if (ret != LF_OK)
		return ret;
	if (gold_len == 0)
		*score = edits == 0 ? 1 : 0;
	else
		*score = fmax(0, 1 - (double)edits / (double)gold_len);
	return LF_OK;
}

/* Values of one object are compared in result order; a value without a
 * counterpart is a miss. */
static double score_values(const lf_score_opts *o, const lf_labelcfg_control *c, struct item *v,
			   size_t n)
{
	size_t hits = 0, units = 0;

	for (size_t i = 0, j; i < n; i = j) {
		size_t na = 0, ng;
		for (j = i; j < n && strcmp(v[j].obj, v[i].obj) == 0; j++)
			na += v[j].side == ANSWER;
		ng = j - i - na;
		units += na > ng ? na : ng;
		for (size_t k = 0; k < na && k < ng; k++)
			hits += value_equal(o, c, v[i + k].value, v[i + na + k].value);
	}
	return units == 0 ? 1 : (double)hits / (double)units;
}

static bool value_equal(const lf_score_opts *o, const lf_labelcfg_control *c, const json_t *a,
			const json_t *g)
{
	if (json_is_number(a) && json_is_number(g)) {
		double tol = c->shape == LF_LABELCFG_SHAPE_NUMBER ? o->number_tolerance : 0;
		return fabs(json_number_value(a) - json_number_value(g)) <= tol;
	}
	return json_equal((json_t *)a, (json_t *)g);
}

/* The code points of UTF-8 text (malloc'ed, caller frees; NULL when out of
 * memory). jansson only holds valid UTF-8; a stray byte would count as one
 * code point. */
static uint32_t *decode(const char *s, size_t *n)
{
	size_t len = strlen(s);
	uint32_t *out = malloc((len + 1) * sizeof(*out));

	if (out != NULL)
		*n = lf_utf8_decode(s, len, out);
	return out;
}

/* Levenshtein distance (insert, delete, substitute: 1 each) in two rows. */
static int edit_distance(const uint32_t *a, size_t n, const uint32_t *b, size_t m, size_t *out)
{
	size_t *prev, *cur;

	if (n == 0 || m == 0) {
		*out = n + m;
		return LF_OK;
	}
	if ((double)n * (double)m > LF_SCORE_MAX_EDIT_CELLS)
		return LF_ERR_LIMIT;
	prev = malloc((m + 1) * sizeof(*prev));
	cur = malloc((m + 1) * sizeof(*cur));
	if (prev == NULL || cur == NULL) {
		free(prev);
		free(cur);
		return LF_ERR_NOMEM;
	}
	for (size_t j = 0; j <= m; j++)
		prev[j] = j;
	for (size_t i = 1; i <= n; i++) {
		size_t *t;
		cur[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		t = prev;
		prev = cur;
		cur = t;
	}
	*out = prev[m];
	free(prev);
	free(cur);
	return LF_OK;
}
