/*
 * consensus.c - the merge of several annotators' results (consensus.h).
 *
 * Every region of every result is tied to the control it names and sorted
 * by control, then by annotator; each control is merged by the family of
 * its regions: votes, clusters or character votes. The rules are in
 * consensus.h; the choices a reader of the code needs:
 *
 * - Geometry is compared as scoring compares it (score.c): areas as
 *   polygons in percent through lf_score_area_points, intervals through
 *   lf_score_interval_iou, TimelineLabels ranges as [start, end + 1) of
 *   inclusive frames, one item per range. An area pair whose bounding
 *   boxes do not meet is not handed to the exact polygon IoU: it is 0.
 * - Clustering is complete linkage over the pairs that are similar enough,
 *   taken by decreasing similarity (ties by the order of the regions, so
 *   the outcome does not depend on qsort): a chain of boxes each
 *   overlapping the next does not become one cluster whose mean lies
 *   between boxes that do not overlap.
 * - A vote is the value object reduced to the field voted on, with choice
 *   sets and taxonomy paths sorted and numbers as reals, serialized with
 *   sorted keys: two answers are the same vote exactly when those texts
 *   are equal (3 and 3.0 are one answer, ["A","B"] and ["B","A"] too).
 * - Text spans: each annotator's spans of one (object, label) are first
 *   merged into disjoint runs, so overlapping spans of one annotator vote
 *   once for their characters; the boundaries of all runs cut the text
 *   into segments whose votes are counted once each.
 */
#include "quality/consensus.h"

#include "core/arena.h"
#include "quality/score.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A pair exactly at the threshold must not fall under it by rounding. */
#define THRESHOLD_SLACK 1e-9
/* The similarity of a pair that may not share a cluster. */
#define UNLINKED -1.0

enum family { F_VOTE, F_CLUSTER, F_SPAN, F_NONE };
enum ckind { C_AREA, C_POINT, C_INTERVAL };

/* A region of one result and the control (index in cfg) it names. */
struct ref {
	size_t control, annotator, index;
	const json_t *r;
};

/* A region (a range of one, for TimelineLabels) to be clustered. */
struct citem {
	size_t annotator, seq;
	const json_t *r;
	enum ckind kind;
	lf_labelcfg_shape shape;
	const char *obj, *type;
	const json_t *labels; /* the region's label array, NULL when none */
	const char *lkey;     /* the label set as one string, "" when none */
	lf_score_point *pts;
	size_t np;
	double bb[4]; /* areas: min x, min y, max x, max y */
	double x, y, start, end;
	size_t root, next; /* the cluster: its first member, the next member */
};

/* One label of one text span. */
struct sitem {
	size_t annotator;
	const char *obj, *label, *type;
	double start, end;
	const char *text;
	uint32_t *cp; /* text decoded, when its length is end - start */
};

/* Two items of one group that may share a cluster, and how alike. */
struct pair {
	double sim;
	size_t a, b;
};

/* One distinct answer (vote) or label set (cluster) and how many gave it. */
struct tally {
	const char *key;
	json_t *value;	      /* a vote's normalized answer */
	const json_t *labels; /* a cluster member's label array, NULL when none */
	const json_t *region;
	size_t count, first;
};

/* One call's state: temporaries come from arena, the output is built in
 * result and controls. */
struct ctx {
	const lf_labelcfg *cfg;
	const lf_consensus_opts *o;
	const json_t *const *results;
	size_t n, quorum, next_id;
	lf_arena *arena;
	lf_error *err;
	json_t *result, *controls;
};

/* Units of one control and those that reached the quorum. */
struct units {
	double all, agreed;
};

static int bad(struct ctx *x, const struct ref *f, const char *what);
static int fail(struct ctx *x, int code);
static int put(struct ctx *x, json_t *array, json_t *v);
static int collect(struct ctx *x, const json_t *result, size_t annotator, struct ref *refs,
		   size_t *n);
static int cmp_ref(const void *a, const void *b);
static int region_family(struct ctx *x, const struct ref *f, const lf_labelcfg_control *c,
			 enum family *fam, enum ckind *kind, lf_labelcfg_shape *shape);
static int merge_control(struct ctx *x, const lf_labelcfg_control *c, const struct ref *refs,
			 size_t n);
static const char *add_region(struct ctx *x, json_t *region);
static int vote_control(struct ctx *x, const lf_labelcfg_control *c, const struct ref *refs,
			size_t n, json_t *dis, struct units *u, bool *per_region);
static int vote_object(struct ctx *x, const lf_labelcfg_control *c, const char *obj,
		       const struct ref *refs, size_t n, json_t *dis, struct units *u);
static json_t *vote_value(const lf_labelcfg_control *c, const json_t *region);
static json_t *sorted_copy(const json_t *arr);
static int cmp_json_text(const void *a, const void *b);
static int cmp_tally(const void *a, const void *b);
static int cluster_control(struct ctx *x, const lf_labelcfg_control *c, const struct ref *refs,
			   size_t n, json_t *dis, struct units *u);
static int cluster_items(struct ctx *x, const struct ref *f, enum ckind kind,
			 lf_labelcfg_shape shape, struct citem **v, size_t *n, size_t *cap);
static int cmp_citem(const void *a, const void *b);
static int cmp_pair(const void *a, const void *b);
static int cluster_group(struct ctx *x, struct citem *v, size_t m, json_t *dis, struct units *u);
static double similarity(struct ctx *x, const struct citem *a, const struct citem *b, int *ret);
static int emit_cluster(struct ctx *x, struct citem *v, size_t m, const double *sim, size_t root,
			json_t *dis, struct units *u);
static int merge_geometry(const struct citem *v, const size_t *members, size_t k,
			  const struct citem *medoid, json_t *value);
static int set_mean(const struct citem *v, const size_t *members, size_t k, json_t *value,
		    const char *key);
static json_t *label_counts(const struct tally *t, size_t nt);
static int span_control(struct ctx *x, const lf_labelcfg_control *c, const struct ref *refs,
			size_t n, json_t *dis, struct units *u);
static int cmp_sitem(const void *a, const void *b);
static int span_group(struct ctx *x, const lf_labelcfg_control *c, struct sitem *v, size_t m,
		      json_t *dis, struct units *u);
static int emit_span(struct ctx *x, const lf_labelcfg_control *c, struct sitem *v, size_t m,
		     double s, double e);
static int cmp_double(const void *a, const void *b);
static const char *label_field(const json_t *value, const char *type);
static bool num(const json_t *obj, const char *key, double *out);
static uint32_t *decode(lf_arena *a, const char *s, size_t *n);
static char *encode(lf_arena *a, const uint32_t *cp, size_t n);

void lf_consensus_opts_init(lf_consensus_opts *o)
{
	o->quorum = 0;
	o->iou_threshold = 0.5;
	o->keypoint_radius = 2;
}

void lf_consensus_free(lf_consensus *c)
{
	if (c == NULL)
		return;
	json_decref(c->result);
	json_decref(c->controls);
	memset(c, 0, sizeof(*c));
}

static int bad(struct ctx *x, const struct ref *f, const char *what)
{
	return lf_error_set(x->err, LF_ERR_INVALID, "invalid_result", "results[%zu][%zu]: %s",
			    f->annotator, f->index, what);
}

/* Describes the failures that carry no words of their own. */
static int fail(struct ctx *x, int code)
{
	if (code == LF_ERR_NOMEM)
		return lf_error_set(x->err, code, "out_of_memory",
				    "Out of memory while merging results.");
	if (code == LF_ERR_LIMIT)
		return lf_error_set(x->err, code, "consensus_too_large",
				    "The results are too large to merge (more than %d results, "
				    "%d regions of one control and object, or %d points in a "
				    "polygon).",
				    LF_CONSENSUS_MAX_RESULTS, LF_CONSENSUS_MAX_REGIONS,
				    LF_SCORE_MAX_POINTS);
	return code;
}

/* Appends v (a new reference, may be NULL when out of memory) to array. */
static int put(struct ctx *x, json_t *array, json_t *v)
{
	if (v == NULL || json_array_append_new(array, v) != 0)
		return fail(x, LF_ERR_NOMEM);
	return LF_OK;
}

int lf_consensus_merge(const lf_labelcfg *cfg, const json_t *const *results, size_t n,
		       const lf_consensus_opts *opts, lf_consensus *out, lf_error *err)
{
	int ret = LF_ERR_NOMEM;
	lf_consensus_opts defaults;
	struct ctx x = {cfg, opts, results, n, 0, 0, NULL, err, NULL, NULL};
	struct ref *refs = NULL;
	size_t total = 1, nrefs = 0;

	memset(out, 0, sizeof(*out));
	if (opts == NULL) {
		lf_consensus_opts_init(&defaults);
		x.o = &defaults;
	}
	if (n < 2)
		return lf_error_set(err, LF_ERR_INVALID, "invalid_consensus",
				    "A consensus needs the results of at least 2 annotators.");
	if (n > LF_CONSENSUS_MAX_RESULTS)
		return fail(&x, LF_ERR_LIMIT);
	x.quorum = x.o->quorum > 0 ? x.o->quorum : n / 2 + 1;
	if (x.quorum > n)
		return lf_error_set(err, LF_ERR_INVALID, "invalid_consensus",
				    "A quorum of %zu cannot be reached by %zu annotators.",
				    x.quorum, n);
	for (size_t i = 0; i < n; i++) {
		if (!json_is_array(results[i]))
			return lf_error_set(err, LF_ERR_INVALID, "invalid_result",
					    "results[%zu] must be a JSON array of regions", i);
		total += json_array_size(results[i]);
	}
	if ((x.arena = lf_arena_create()) == NULL)
		return fail(&x, LF_ERR_NOMEM);
	refs = lf_arena_alloc(x.arena, total * sizeof(*refs));
	x.result = json_array();
	x.controls = json_array();
	if (refs == NULL || x.result == NULL || x.controls == NULL) {
		ret = fail(&x, LF_ERR_NOMEM);
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		if ((ret = collect(&x, results[i], i, refs, &nrefs)) != LF_OK)
			goto cleanup;
	}
	if (nrefs > 1)
		qsort(refs, nrefs, sizeof(*refs), cmp_ref);
	for (size_t i = 0, j; i < nrefs; i = j) {
		for (j = i + 1; j < nrefs && refs[j].control == refs[i].control; j++)
			;
		ret = merge_control(&x, lf_labelcfg_control_at(cfg, refs[i].control), refs + i,
				    j - i);
		if (ret != LF_OK)
			goto cleanup;
	}
	out->result = x.result;
	out->controls = x.controls;
	out->annotators = n;
	out->quorum = x.quorum;
	x.result = x.controls = NULL;
	ret = LF_OK;

cleanup:
	json_decref(x.result);
	json_decref(x.controls);
	lf_arena_destroy(x.arena);
	return ret;
}

/* Appends the regions of result to refs (relations left out). */
static int collect(struct ctx *x, const json_t *result, size_t annotator, struct ref *refs,
		   size_t *n)
{
	for (size_t i = 0; i < json_array_size(result); i++) {
		struct ref *f = &refs[*n];
		const char *why;
		f->annotator = annotator;
		f->index = i;
		f->r = json_array_get(result, i);
		why = lf_score_region_control(x->cfg, f->r, &f->control);
		if (why == LF_SCORE_RELATION)
			continue;
		if (why != NULL)
			return bad(x, f, why);
		if (!json_is_object(json_object_get(f->r, "value")))
			return bad(x, f, "value is missing or not an object");
		(*n)++;
	}
	return LF_OK;
}

static int cmp_ref(const void *a, const void *b)
{
	const struct ref *p = a, *q = b;

	if (p->control != q->control)
		return p->control < q->control ? -1 : 1;
	if (p->annotator != q->annotator)
		return p->annotator < q->annotator ? -1 : 1;
	return (p->index > q->index) - (p->index < q->index);
}

/* The family of a region, from its shape (lf_score_region_shape); *kind
 * and *shape for clustered regions. */
static int region_family(struct ctx *x, const struct ref *f, const lf_labelcfg_control *c,
			 enum family *fam, enum ckind *kind, lf_labelcfg_shape *shape)
{
	lf_labelcfg_media media;
	const char *why = lf_score_region_shape(x->cfg, c, f->r, shape, &media);

	if (why != NULL)
		return bad(x, f, why);
	*fam = F_CLUSTER;
	*kind = C_AREA;
	switch (*shape) {
	case LF_LABELCFG_SHAPE_SPAN:
		*kind = C_INTERVAL;
		if (media == LF_LABELCFG_MEDIA_TEXT)
			*fam = F_SPAN;
		else if (media != LF_LABELCFG_MEDIA_AUDIO && media != LF_LABELCFG_MEDIA_VIDEO &&
			 media != LF_LABELCFG_MEDIA_TIMESERIES)
			*fam = F_NONE;
		return LF_OK;
	case LF_LABELCFG_SHAPE_RECT:
	case LF_LABELCFG_SHAPE_POLYGON:
	case LF_LABELCFG_SHAPE_ELLIPSE: return LF_OK;
	case LF_LABELCFG_SHAPE_KEYPOINT: *kind = C_POINT; return LF_OK;
	case LF_LABELCFG_SHAPE_TIMELINE: *kind = C_INTERVAL; return LF_OK;
	case LF_LABELCFG_SHAPE_CHOICES:
	case LF_LABELCFG_SHAPE_TAXONOMY:
	case LF_LABELCFG_SHAPE_TEXTAREA:
	case LF_LABELCFG_SHAPE_RATING:
	case LF_LABELCFG_SHAPE_NUMBER:
	case LF_LABELCFG_SHAPE_DATETIME: *fam = F_VOTE; return LF_OK;
	case LF_LABELCFG_SHAPE_BRUSH:
	case LF_LABELCFG_SHAPE_VIDEORECT: *fam = F_NONE; return LF_OK;
	}
	lf_fatal("consensus: shape %d", (int)*shape);
}

/* Merges one control's regions (sorted by annotator) and reports it. A
 * control whose regions are of several families is unsupported. */
static int merge_control(struct ctx *x, const lf_labelcfg_control *c, const struct ref *refs,
			 size_t n)
{
	static const char *const methods[] = {[F_VOTE] = "vote",
					      [F_CLUSTER] = "cluster",
					      [F_SPAN] = "span_vote",
					      [F_NONE] = "unsupported"};
	enum family fam = F_NONE;
	struct units u = {0, 0};
	json_t *dis = json_array(), *report;
	bool per_region = false;
	int ret = LF_OK;

	if (dis == NULL)
		return fail(x, LF_ERR_NOMEM);
	for (size_t i = 0; i < n; i++) {
		enum family f;
		enum ckind kind;
		lf_labelcfg_shape shape;
		if ((ret = region_family(x, &refs[i], c, &f, &kind, &shape)) != LF_OK)
			goto cleanup;
		fam = i == 0 || f == fam ? f : F_NONE;
	}
	switch (fam) {
	case F_VOTE: ret = vote_control(x, c, refs, n, dis, &u, &per_region); break;
	case F_CLUSTER: ret = cluster_control(x, c, refs, n, dis, &u); break;
	case F_SPAN: ret = span_control(x, c, refs, n, dis, &u); break;
	case F_NONE: break;
	}
	if (ret != LF_OK)
		goto cleanup;
	if (per_region)
		fam = F_NONE;
	report =
	    json_pack("{s:s,s:s,s:o,s:O}", "name", c->name, "method", methods[fam], "agreement",
		      fam == F_NONE || u.all == 0 ? json_null() : json_real(u.agreed / u.all),
		      "disagreements", dis);
	ret = put(x, x->controls, report);

cleanup:
	json_decref(dis);
	return ret;
}

/* Gives region (a new reference) a fresh id and appends it to the merged
 * result; returns the id, or NULL (described) when out of memory. */
static const char *add_region(struct ctx *x, json_t *region)
{
	const char *id = lf_arena_printf(x->arena, "consensus_%zu", ++x->next_id);

	if (region == NULL || id == NULL ||
	    json_object_set_new(region, "id", json_string(id)) != 0) {
		json_decref(region);
		fail(x, LF_ERR_NOMEM);
		return NULL;
	}
	/* A sub-region's parent is not in the merge under its old id. */
	json_object_del(region, "parentID");
	return put(x, x->result, region) == LF_OK ? id : NULL;
}

/*
 * Votes, object by object in config order. A control holds per-region
 * classifications when one annotator has several of its regions on one
 * object, or one of them shares its id with another region of the same
 * result (Label Studio gives a per-region answer the id of its region):
 * it is left out whole (*per_region), before anything is merged.
 */
static int vote_control(struct ctx *x, const lf_labelcfg_control *c, const struct ref *refs,
			size_t n, json_t *dis, struct units *u, bool *per_region)
{
	int ret;

	for (size_t i = 0; i < n; i++) {
		const char *to = json_string_value(json_object_get(refs[i].r, "to_name"));
		const char *id = json_string_value(json_object_get(refs[i].r, "id"));
		const json_t *all = x->results[refs[i].annotator];
		for (size_t k = 0; id != NULL && k < json_array_size(all); k++) {
			const char *other =
			    json_string_value(json_object_get(json_array_get(all, k), "id"));
			if (k != refs[i].index && other != NULL && strcmp(id, other) == 0) {
				*per_region = true;
				return LF_OK;
			}
		}
		for (size_t j = i + 1; j < n && refs[j].annotator == refs[i].annotator; j++) {
			if (strcmp(to, json_string_value(json_object_get(refs[j].r, "to_name"))) ==
			    0) {
				*per_region = true;
				return LF_OK;
			}
		}
	}
	for (size_t k = 0; k < c->to_name_count; k++) {
		if ((ret = vote_object(x, c, c->to_names[k], refs, n, dis, u)) != LF_OK)
			return ret;
	}
	return LF_OK;
}

/* The votes of the annotators on obj (at most one region each). */
static int vote_object(struct ctx *x, const lf_labelcfg_control *c, const char *obj,
		       const struct ref *refs, size_t n, json_t *dis, struct units *u)
{
	struct tally *t = lf_arena_calloc(x->arena, (n + 1) * sizeof(*t));
	size_t nt = 0;
	json_t *votes = NULL;
	int ret = LF_OK;

	if (t == NULL)
		return fail(x, LF_ERR_NOMEM);
	for (size_t i = 0; i < n; i++) {
		json_t *value;
		char *key;
		size_t k = 0;
		if (strcmp(obj, json_string_value(json_object_get(refs[i].r, "to_name"))) != 0)
			continue;
		if ((value = vote_value(c, refs[i].r)) == NULL) {
			ret = bad(x, &refs[i], "the answer voted on is missing or malformed");
			goto cleanup;
		}
		key = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		if (key == NULL) {
			json_decref(value);
			ret = fail(x, LF_ERR_NOMEM);
			goto cleanup;
		}
		while (k < nt && strcmp(t[k].key, key) != 0)
			k++;
		if (k == nt)
			t[nt++] = (struct tally){lf_arena_strdup(x->arena, key),
						 json_incref(value),
						 NULL,
						 refs[i].r,
						 0,
						 k};
		free(key);
		json_decref(value);
		if (t[k].key == NULL) {
			ret = fail(x, LF_ERR_NOMEM);
			goto cleanup;
		}
		t[k].count++;
	}
	if (nt == 0)
		goto cleanup;
	qsort(t, nt, sizeof(*t), cmp_tally);
	u->all++;
	if (t[0].count >= x->quorum && (nt == 1 || t[1].count < t[0].count)) {
		u->agreed++;
		if (add_region(x, json_deep_copy(t[0].region)) == NULL)
			ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	if ((votes = json_array()) == NULL) {
		ret = fail(x, LF_ERR_NOMEM);
		goto cleanup;
	}
	for (size_t k = 0; k < nt && ret == LF_OK; k++)
		ret = put(
		    x, votes,
		    json_pack("{s:O,s:I}", "value", t[k].value, "count", (json_int_t)t[k].count));
	if (ret == LF_OK)
		ret = put(x, dis,
			  json_pack("{s:s,s:s,s:O}", "reason", "no_quorum", "to_name", obj, "votes",
				    votes));

cleanup:
	json_decref(votes);
	for (size_t k = 0; k < nt; k++)
		json_decref(t[k].value);
	return ret;
}

/* The region's value reduced to the field voted on, normalized (see the
 * top of this file); a new reference, NULL when missing or out of memory. */
static json_t *vote_value(const lf_labelcfg_control *c, const json_t *region)
{
	const json_t *value = json_object_get(region, "value");
	const char *field = NULL;
	const json_t *v;
	json_t *norm;

	switch (c->shape) {
	case LF_LABELCFG_SHAPE_CHOICES: field = "choices"; break;
	case LF_LABELCFG_SHAPE_TAXONOMY: field = "taxonomy"; break;
	case LF_LABELCFG_SHAPE_TEXTAREA: field = "text"; break;
	case LF_LABELCFG_SHAPE_RATING: field = "rating"; break;
	case LF_LABELCFG_SHAPE_NUMBER: field = "number"; break;
	case LF_LABELCFG_SHAPE_DATETIME: field = "datetime"; break;
	default: return NULL;
	}
	if ((v = json_object_get(value, field)) == NULL)
		return NULL;
	if (c->shape == LF_LABELCFG_SHAPE_CHOICES || c->shape == LF_LABELCFG_SHAPE_TAXONOMY)
		norm = json_is_array(v) ? sorted_copy(v) : NULL;
	else if (json_is_number(v))
		norm = json_real(json_number_value(v));
	else
		norm = json_deep_copy(v);
	return norm == NULL ? NULL : json_pack("{s:o}", field, norm);
}

/* A copy of arr with its elements sorted by their JSON text. */
static json_t *sorted_copy(const json_t *arr)
{
	size_t n = json_array_size(arr);
	char **texts = calloc(n + 1, sizeof(*texts));
	json_t *out = json_array();
	bool ok = texts != NULL && out != NULL;

	for (size_t i = 0; ok && i < n; i++)
		ok = (texts[i] = json_dumps(json_array_get(arr, i),
					    JSON_COMPACT | JSON_ENCODE_ANY)) != NULL;
	if (ok)
		qsort(texts, n, sizeof(*texts), cmp_json_text);
	for (size_t i = 0; ok && i < n; i++)
		ok = json_array_append_new(out, json_loads(texts[i], JSON_DECODE_ANY, NULL)) == 0;
	for (size_t i = 0; texts != NULL && i < n; i++)
		free(texts[i]);
	free(texts);
	if (!ok) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static int cmp_json_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Most counted first, then in order of first appearance. */
static int cmp_tally(const void *a, const void *b)
{
	const struct tally *p = a, *q = b;

	if (p->count != q->count)
		return p->count > q->count ? -1 : 1;
	return (p->first > q->first) - (p->first < q->first);
}

/* Clusters, (to_name, type) group by group. */
static int cluster_control(struct ctx *x, const lf_labelcfg_control *c, const struct ref *refs,
			   size_t n, json_t *dis, struct units *u)
{
	struct citem *v = NULL;
	size_t m = 0, cap = 0;
	int ret;

	for (size_t i = 0; i < n; i++) {
		enum family fam;
		enum ckind kind;
		lf_labelcfg_shape shape;
		if ((ret = region_family(x, &refs[i], c, &fam, &kind, &shape)) != LF_OK ||
		    (ret = cluster_items(x, &refs[i], kind, shape, &v, &m, &cap)) != LF_OK)
			return ret;
	}
	if (m > 1)
		qsort(v, m, sizeof(*v), cmp_citem);
	for (size_t i = 0, j; i < m; i = j) {
		for (j = i + 1;
		     j < m && strcmp(v[j].obj, v[i].obj) == 0 && strcmp(v[j].type, v[i].type) == 0;
		     j++)
			;
		if ((ret = cluster_group(x, v + i, j - i, dis, u)) != LF_OK)
			return ret;
	}
	return LF_OK;
}

/* Appends the items of region f to *v: one, or one per TimelineLabels
 * range. */
static int cluster_items(struct ctx *x, const struct ref *f, enum ckind kind,
			 lf_labelcfg_shape shape, struct citem **v, size_t *n, size_t *cap)
{
	const json_t *value = json_object_get(f->r, "value");
	const json_t *ranges = json_object_get(value, "ranges");
	size_t count = shape == LF_LABELCFG_SHAPE_TIMELINE ? json_array_size(ranges) : 1;
	const char *why = NULL;
	char *lkey;
	int ret;

	if (shape == LF_LABELCFG_SHAPE_TIMELINE && !json_is_array(ranges))
		return bad(x, f, "value.ranges must be an array");
	for (size_t k = 0; k < count; k++) {
		struct citem *it;
		if (*n == *cap) {
			size_t nc = *cap == 0 ? 16 : *cap * 2;
			struct citem *nv = lf_arena_alloc(x->arena, nc * sizeof(*nv));
			if (nv == NULL)
				return fail(x, LF_ERR_NOMEM);
			if (*n > 0)
				memcpy(nv, *v, *n * sizeof(*nv));
			*v = nv;
			*cap = nc;
		}
		it = &(*v)[*n];
		memset(it, 0, sizeof(*it));
		it->annotator = f->annotator;
		it->seq = *n;
		it->r = f->r;
		it->kind = kind;
		it->shape = shape;
		it->obj = json_string_value(json_object_get(f->r, "to_name"));
		it->type = json_string_value(json_object_get(f->r, "type"));
		it->labels = json_object_get(value, label_field(value, it->type));
		if (!json_is_array(it->labels))
			it->labels = NULL;
		lkey = it->labels == NULL ? NULL
					  : json_dumps(it->labels, JSON_COMPACT | JSON_ENCODE_ANY);
		it->lkey = lf_arena_strdup(x->arena, lkey != NULL ? lkey : "");
		free(lkey);
		if (it->lkey == NULL)
			return fail(x, LF_ERR_NOMEM);
		if (kind == C_AREA) {
			ret = lf_score_area_points(x->arena, f->r, shape, &it->pts, &it->np, &why);
			if (ret == LF_ERR_INVALID)
				return bad(x, f, why);
			if (ret != LF_OK)
				return fail(x, ret);
			if (it->np > LF_SCORE_MAX_POINTS)
				return fail(x, LF_ERR_LIMIT);
			it->bb[0] = it->bb[2] = it->pts[0].x;
			it->bb[1] = it->bb[3] = it->pts[0].y;
			for (size_t p = 1; p < it->np; p++) {
				it->bb[0] = fmin(it->bb[0], it->pts[p].x);
				it->bb[1] = fmin(it->bb[1], it->pts[p].y);
				it->bb[2] = fmax(it->bb[2], it->pts[p].x);
				it->bb[3] = fmax(it->bb[3], it->pts[p].y);
			}
		} else if (kind == C_POINT) {
			if (!num(value, "x", &it->x) || !num(value, "y", &it->y))
				return bad(x, f, "a keypoint needs numbers x and y");
		} else if (shape == LF_LABELCFG_SHAPE_TIMELINE) {
			const json_t *rg = json_array_get(ranges, k);
			if (!num(rg, "start", &it->start) || !num(rg, "end", &it->end))
				return bad(x, f, "a frame range needs numbers start and end");
		} else if (!num(value, "start", &it->start) || !num(value, "end", &it->end)) {
			return bad(x, f, "a time span needs numbers start and end");
		}
		(*n)++;
	}
	return LF_OK;
}

/* Groups of one object and type, in the order the regions came. */
static int cmp_citem(const void *a, const void *b)
{
	const struct citem *p = a, *q = b;
	int c;

	if ((c = strcmp(p->obj, q->obj)) != 0)
		return c;
	if ((c = strcmp(p->type, q->type)) != 0)
		return c;
	return (p->seq > q->seq) - (p->seq < q->seq);
}

/* Greatest similarity first, then in region order. */
static int cmp_pair(const void *a, const void *b)
{
	const struct pair *p = a, *q = b;

	if (p->sim != q->sim)
		return p->sim > q->sim ? -1 : 1;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return (p->b > q->b) - (p->b < q->b);
}

/* Clusters the m items of one group (see the top of this file), then
 * merges or reports each cluster in the order of its first member. */
static int cluster_group(struct ctx *x, struct citem *v, size_t m, json_t *dis, struct units *u)
{
	double *sim;
	struct pair *pairs;
	size_t np = 0;
	int ret = LF_OK;

	if (m > LF_CONSENSUS_MAX_REGIONS)
		return fail(x, LF_ERR_LIMIT);
	sim = lf_arena_alloc(x->arena, m * m * sizeof(*sim));
	pairs = lf_arena_alloc(x->arena, (m * (m - 1) / 2 + 1) * sizeof(*pairs));
	if (sim == NULL || pairs == NULL)
		return fail(x, LF_ERR_NOMEM);
	for (size_t i = 0; i < m; i++) {
		v[i].root = i;
		v[i].next = SIZE_MAX;
		sim[i * m + i] = UNLINKED;
		for (size_t j = i + 1; j < m; j++) {
			double s = UNLINKED;
			if (v[i].annotator != v[j].annotator &&
			    (s = similarity(x, &v[i], &v[j], &ret)) != UNLINKED)
				pairs[np++] = (struct pair){s, i, j};
			if (ret != LF_OK)
				return ret;
			sim[i * m + j] = sim[j * m + i] = s;
		}
	}
	if (np > 1)
		qsort(pairs, np, sizeof(*pairs), cmp_pair);
	for (size_t p = 0; p < np; p++) {
		size_t ra = v[pairs[p].a].root, rb = v[pairs[p].b].root, tail = ra;
		bool ok = ra != rb;
		for (size_t a = ra; ok && a != SIZE_MAX; a = v[a].next) {
			for (size_t b = rb; ok && b != SIZE_MAX; b = v[b].next)
				ok = v[a].annotator != v[b].annotator && sim[a * m + b] != UNLINKED;
		}
		if (!ok)
			continue;
		/* The cluster keeps the smaller root, its first member. */
		if (rb < ra) {
			size_t t = ra;
			ra = rb;
			rb = t;
		}
		for (size_t b = rb; b != SIZE_MAX; b = v[b].next)
			v[b].root = ra;
		for (tail = ra; v[tail].next != SIZE_MAX; tail = v[tail].next)
			;
		v[tail].next = rb;
	}
	for (size_t i = 0; i < m && ret == LF_OK; i++) {
		if (v[i].root == i)
			ret = emit_cluster(x, v, m, sim, i, dis, u);
	}
	return ret;
}

/* How alike two items are: UNLINKED when they may not share a cluster. */
static double similarity(struct ctx *x, const struct citem *a, const struct citem *b, int *ret)
{
	double iou = 0, d, thr = x->o->iou_threshold - THRESHOLD_SLACK;

	switch (a->kind) {
	case C_POINT:
		d = hypot(a->x - b->x, a->y - b->y);
		if (d > x->o->keypoint_radius)
			return UNLINKED;
		return x->o->keypoint_radius > 0 ? 1 - d / x->o->keypoint_radius : 1;
	case C_INTERVAL:
		/* TimelineLabels ranges are inclusive frames. */
		iou = a->shape == LF_LABELCFG_SHAPE_TIMELINE
			  ? lf_score_interval_iou(a->start, a->end + 1, b->start, b->end + 1)
			  : lf_score_interval_iou(a->start, a->end, b->start, b->end);
		break;
	case C_AREA:
		if (a->bb[0] >= b->bb[2] || b->bb[0] >= a->bb[2] || a->bb[1] >= b->bb[3] ||
		    b->bb[1] >= a->bb[3])
			break;
		if ((*ret = lf_score_polygon_iou(a->pts, a->np, b->pts, b->np, &iou)) != LF_OK) {
			*ret = fail(x, *ret);
			return UNLINKED;
		}
		break;
	}
	return iou >= thr && iou > 0 ? iou : UNLINKED;
}

/* Merges the cluster whose first member is root, or reports it. */
static int emit_cluster(struct ctx *x, struct citem *v, size_t m, const double *sim, size_t root,
			json_t *dis, struct units *u)
{
	size_t *members = lf_arena_alloc(x->arena, x->n * sizeof(*members));
	struct tally *t = lf_arena_calloc(x->arena, (x->n + 1) * sizeof(*t));
	size_t k = 0, nt = 0, medoid = root;
	double best = -1;
	json_t *region, *labels = NULL;
	const char *id;
	int ret = LF_OK;

	if (members == NULL || t == NULL)
		return fail(x, LF_ERR_NOMEM);
	for (size_t i = root; i != SIZE_MAX; i = v[i].next)
		members[k++] = i;
	for (size_t a = 0; a < k; a++) {
		double sum = 0;
		for (size_t b = 0; b < k; b++)
			sum += a == b ? 0 : sim[members[a] * m + members[b]];
		if (sum > best) {
			best = sum;
			medoid = members[a];
		}
	}
	/* Label sets counted with the medoid's first, so it wins a tie. */
	for (size_t a = 0; a <= k; a++) {
		const struct citem *it = &v[a == 0 ? medoid : members[a - 1]];
		size_t j = 0;
		if (a > 0 && members[a - 1] == medoid)
			continue;
		while (j < nt && strcmp(t[j].key, it->lkey) != 0)
			j++;
		if (j == nt)
			t[nt++] = (struct tally){it->lkey, NULL, it->labels, it->r, 0, j};
		t[j].count++;
	}
	qsort(t, nt, sizeof(*t), cmp_tally);
	u->all++;
	if (k < x->quorum) {
		json_t *value = json_deep_copy(json_object_get(v[medoid].r, "value"));
		return put(x, dis,
			   json_pack("{s:s,s:s,s:s,s:I,s:o,s:o}", "reason", "no_quorum", "to_name",
				     v[medoid].obj, "type", v[medoid].type, "annotators",
				     (json_int_t)k, "labels", label_counts(t, nt), "value", value));
	}
	u->agreed++;
	region = json_deep_copy(v[medoid].r);
	if (region == NULL)
		return fail(x, LF_ERR_NOMEM);
	if (t[0].labels != NULL && (labels = json_deep_copy(t[0].labels)) != NULL &&
	    json_object_set_new(json_object_get(region, "value"),
				label_field(json_object_get(region, "value"), v[medoid].type),
				labels) != 0)
		ret = LF_ERR_NOMEM;
	if (ret == LF_OK && t[0].labels != NULL && labels == NULL)
		ret = LF_ERR_NOMEM;
	if (ret == LF_OK)
		ret = merge_geometry(v, members, k, &v[medoid], json_object_get(region, "value"));
	if (ret != LF_OK) {
		json_decref(region);
		return fail(x, ret);
	}
	if ((id = add_region(x, region)) == NULL)
		return LF_ERR_NOMEM;
	if (nt == 1)
		return LF_OK;
	return put(x, dis,
		   json_pack("{s:s,s:s,s:s,s:s,s:I,s:o}", "reason", "label_split", "to_name",
			     v[medoid].obj, "type", v[medoid].type, "id", id, "annotators",
			     (json_int_t)k, "labels", label_counts(t, nt)));
}

/* The merged geometry in value (the medoid's copy): means of the members'
 * numbers, polygons left as the medoid's. */
static int merge_geometry(const struct citem *v, const size_t *members, size_t k,
			  const struct citem *medoid, json_t *value)
{
	static const char *const rect[] = {"x", "y", "width", "height", "rotation"};
	static const char *const ellipse[] = {"x", "y", "radiusX", "radiusY", "rotation"};
	static const char *const point[] = {"x", "y"};
	static const char *const span[] = {"start", "end"};
	const char *const *keys = NULL;
	size_t nkeys = 0;
	double s = 0, e = 0;
	json_t *range;

	if (medoid->shape == LF_LABELCFG_SHAPE_TIMELINE) {
		for (size_t i = 0; i < k; i++) {
			s += v[members[i]].start;
			e += v[members[i]].end;
		}
		range = json_pack("[{s:I,s:I}]", "start", (json_int_t)llround(s / (double)k), "end",
				  (json_int_t)llround(e / (double)k));
		return range == NULL || json_object_set_new(value, "ranges", range) != 0
			   ? LF_ERR_NOMEM
			   : LF_OK;
	}
	switch (medoid->shape) {
	case LF_LABELCFG_SHAPE_RECT:
		keys = rect;
		nkeys = LF_ARRAY_LEN(rect);
		break;
	case LF_LABELCFG_SHAPE_ELLIPSE:
		keys = ellipse;
		nkeys = LF_ARRAY_LEN(ellipse);
		break;
	case LF_LABELCFG_SHAPE_KEYPOINT:
		keys = point;
		nkeys = LF_ARRAY_LEN(point);
		break;
	case LF_LABELCFG_SHAPE_SPAN:
		keys = span;
		nkeys = LF_ARRAY_LEN(span);
		break;
	default: return LF_OK;
	}
	for (size_t i = 0; i < nkeys; i++) {
		int ret = set_mean(v, members, k, value, keys[i]);
		if (ret != LF_OK)
			return ret;
	}
	return LF_OK;
}

/* value[key] = the mean of the members' value[key] (a missing one counts
 * as 0, as a missing rotation means none), when the medoid's value has it
 * or the mean is not 0. */
static int set_mean(const struct citem *v, const size_t *members, size_t k, json_t *value,
		    const char *key)
{
	double sum = 0, mean;

	for (size_t i = 0; i < k; i++) {
		double d = 0;
		num(json_object_get(v[members[i]].r, "value"), key, &d);
		sum += d;
	}
	mean = sum / (double)k;
	if (json_object_get(value, key) == NULL && mean == 0)
		return LF_OK;
	return json_object_set_new(value, key, json_real(mean)) == 0 ? LF_OK : LF_ERR_NOMEM;
}

/* [{"value": labels, "count": n}] of the tallied label sets. */
static json_t *label_counts(const struct tally *t, size_t nt)
{
	json_t *out = json_array();

	for (size_t i = 0; out != NULL && i < nt; i++) {
		if (json_array_append_new(out, json_pack("{s:o?,s:I}", "value",
							 json_deep_copy(t[i].labels), "count",
							 (json_int_t)t[i].count)) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/* Character votes, (to_name, label) group by group. */
static int span_control(struct ctx *x, const lf_labelcfg_control *c, const struct ref *refs,
			size_t n, json_t *dis, struct units *u)
{
	size_t m = 0, cap = 0;
	struct sitem *v = NULL;
	int ret;

	for (size_t i = 0; i < n; i++) {
		const json_t *value = json_object_get(refs[i].r, "value");
		const char *type = json_string_value(json_object_get(refs[i].r, "type"));
		const json_t *labels = json_object_get(value, label_field(value, type));
		double s, e;
		if (!num(value, "start", &s) || !num(value, "end", &e) || s > e ||
		    !json_is_array(labels))
			return bad(x, &refs[i], "a span needs labels and numbers start <= end");
		for (size_t k = 0; k < json_array_size(labels); k++) {
			struct sitem *it;
			if (m == cap) {
				size_t nc = cap == 0 ? 16 : cap * 2;
				struct sitem *nv = lf_arena_alloc(x->arena, nc * sizeof(*nv));
				if (nv == NULL)
					return fail(x, LF_ERR_NOMEM);
				if (m > 0)
					memcpy(nv, v, m * sizeof(*nv));
				v = nv;
				cap = nc;
			}
			it = &v[m++];
			memset(it, 0, sizeof(*it));
			it->annotator = refs[i].annotator;
			it->obj = json_string_value(json_object_get(refs[i].r, "to_name"));
			it->type = type;
			it->label = json_string_value(json_array_get(labels, k));
			it->start = s;
			it->end = e;
			it->text = json_string_value(json_object_get(value, "text"));
			if (it->label == NULL)
				return bad(x, &refs[i], "a span's labels must be strings");
		}
	}
	if (m > 1)
		qsort(v, m, sizeof(*v), cmp_sitem);
	for (size_t i = 0, j; i < m; i = j) {
		for (j = i + 1; j < m && strcmp(v[j].obj, v[i].obj) == 0 &&
				strcmp(v[j].label, v[i].label) == 0;
		     j++)
			;
		if (j - i > LF_CONSENSUS_MAX_REGIONS)
			return fail(x, LF_ERR_LIMIT);
		if ((ret = span_group(x, c, v + i, j - i, dis, u)) != LF_OK)
			return ret;
	}
	return LF_OK;
}

static int cmp_sitem(const void *a, const void *b)
{
	const struct sitem *p = a, *q = b;
	int c;

	if ((c = strcmp(p->obj, q->obj)) != 0)
		return c;
	if ((c = strcmp(p->label, q->label)) != 0)
		return c;
	if (p->annotator != q->annotator)
		return p->annotator < q->annotator ? -1 : 1;
	if (p->start != q->start)
		return p->start < q->start ? -1 : 1;
	return (p->end > q->end) - (p->end < q->end);
}

static int cmp_double(const void *a, const void *b)
{
	double p = *(const double *)a, q = *(const double *)b;

	return (p > q) - (p < q);
}

/*
 * The m spans of one (object, label), sorted by annotator and start. Each
 * annotator's spans become disjoint runs; the runs' boundaries cut the text
 * into segments, each counted once; consecutive segments with the quorum
 * make a merged span, those with fewer (but some) votes a disagreement.
 */
static int span_group(struct ctx *x, const lf_labelcfg_control *c, struct sitem *v, size_t m,
		      json_t *dis, struct units *u)
{
	struct sitem *runs = lf_arena_alloc(x->arena, m * sizeof(*runs));
	double *cuts = lf_arena_alloc(x->arena, 2 * m * sizeof(*cuts));
	size_t nr = 0, nc = 0, nu = 0;
	double open = 0, most = 0;
	int state = 0; /* of the run being built: 0 none, 1 merged, 2 disagreement */
	int ret = LF_OK;

	if (runs == NULL || cuts == NULL)
		return fail(x, LF_ERR_NOMEM);
	for (size_t i = 0; i < m; i++) {
		if (v[i].end <= v[i].start)
			continue;
		if (nr > 0 && runs[nr - 1].annotator == v[i].annotator &&
		    v[i].start <= runs[nr - 1].end) {
			runs[nr - 1].end = fmax(runs[nr - 1].end, v[i].end);
			continue;
		}
		runs[nr++] = v[i];
	}
	for (size_t i = 0; i < nr; i++) {
		cuts[nc++] = runs[i].start;
		cuts[nc++] = runs[i].end;
	}
	if (nc > 1)
		qsort(cuts, nc, sizeof(*cuts), cmp_double);
	for (size_t i = 0; i < nc; i++) {
		if (nu == 0 || cuts[i] != cuts[nu - 1])
			cuts[nu++] = cuts[i];
	}
	/* One step past the last segment closes the run being built. */
	for (size_t k = 0; k < nu && ret == LF_OK; k++) {
		double votes = 0, len = k + 1 < nu ? cuts[k + 1] - cuts[k] : 0;
		int now;
		for (size_t i = 0; k + 1 < nu && i < nr; i++)
			votes += runs[i].start <= cuts[k] && cuts[k + 1] <= runs[i].end;
		now = votes == 0 ? 0 : votes >= (double)x->quorum ? 1 : 2;
		if (votes > 0)
			u->all += len;
		if (now == 1)
			u->agreed += len;
		if (now == state) {
			most = fmax(most, votes);
			continue;
		}
		if (state == 1)
			ret = emit_span(x, c, v, m, open, cuts[k]);
		else if (state == 2)
			ret = put(x, dis,
				  json_pack("{s:s,s:s,s:s,s:I,s:I,s:I}", "reason", "no_quorum",
					    "to_name", v[0].obj, "label", v[0].label, "start",
					    (json_int_t)open, "end", (json_int_t)cuts[k],
					    "annotators", (json_int_t)most));
		state = now;
		open = cuts[k];
		most = votes;
	}
	return ret;
}

/* Appends the merged span [s, e) of the group v (m spans), with its text
 * when the members' texts cover every character of it. */
static int emit_span(struct ctx *x, const lf_labelcfg_control *c, struct sitem *v, size_t m,
		     double s, double e)
{
	size_t len = (size_t)(e - s);
	uint32_t *cp = lf_arena_alloc(x->arena, (len + 1) * sizeof(*cp));
	bool whole = cp != NULL;
	json_t *region;
	char *text = NULL;

	for (size_t p = 0; whole && p < len; p++) {
		double at = s + (double)p;
		size_t i = 0;
		for (; i < m; i++) {
			struct sitem *it = &v[i];
			size_t n = 0;
			if (it->text == NULL || at < it->start || at >= it->end)
				continue;
			if (it->cp == NULL && (it->cp = decode(x->arena, it->text, &n)) != NULL &&
			    n != (size_t)(it->end - it->start))
				it->text = NULL;
			if (it->text != NULL && it->cp != NULL)
				break;
		}
		if (i == m)
			whole = false;
		else
			cp[p] = v[i].cp[(size_t)(at - v[i].start)];
	}
	if (whole && (text = encode(x->arena, cp, len)) == NULL)
		return fail(x, LF_ERR_NOMEM);
	region = json_pack("{s:s,s:s,s:s,s:{s:I,s:I,s:[s],s:s*}}", "from_name", c->name, "to_name",
			   v[0].obj, "type", v[0].type, "value", "start", (json_int_t)s, "end",
			   (json_int_t)e, "labels", v[0].label, "text", text);
	return add_region(x, region) == NULL ? LF_ERR_NOMEM : LF_OK;
}

/* The field of value holding a region's labels: its type
 * ("rectanglelabels") when that holds an array, else "labels" (tools
 * without labels of their own take those of a <Labels>). */
static const char *label_field(const json_t *value, const char *type)
{
	return type != NULL && json_is_array(json_object_get(value, type)) ? type : "labels";
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

/* The code points of UTF-8 text, in a; NULL when out of memory. jansson
 * only holds valid UTF-8. */
static uint32_t *decode(lf_arena *a, const char *s, size_t *n)
{
	size_t len = strlen(s);
	uint32_t *out = lf_arena_alloc(a, (len + 1) * sizeof(*out));

	if (out != NULL)
		*n = lf_utf8_decode(s, len, out);
	return out;
}

/* n code points as NUL-terminated UTF-8, in a; NULL when out of memory. */
static char *encode(lf_arena *a, const uint32_t *cp, size_t n)
{
	char *out = lf_arena_alloc(a, 4 * n + 1), *p = out;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = cp[i];
		if (c < 0x80) {
			*p++ = (char)c;
		} else if (c < 0x800) {
			*p++ = (char)(0xC0 | (c >> 6));
			*p++ = (char)(0x80 | (c & 0x3F));
		} else if (c < 0x10000) {
			*p++ = (char)(0xE0 | (c >> 12));
			*p++ = (char)(0x80 | ((c >> 6) & 0x3F));
			*p++ = (char)(0x80 | (c & 0x3F));
		} else {
			*p++ = (char)(0xF0 | (c >> 18));
			*p++ = (char)(0x80 | ((c >> 12) & 0x3F));
			*p++ = (char)(0x80 | ((c >> 6) & 0x3F));
			*p++ = (char)(0x80 | (c & 0x3F));
		}
	}
	*p = '\0';
	return out;
}
