/*
 * project.c - a project's agreement, kept per process (see project.h): a
 * cache entry per project holds the counts, the categories and coders
 * met so far, and each task's ratings as last read.
 */
#include "quality/project.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labelcfg/labelcfg.h"
#include "quality/score.h"

#define PAGE_TASKS   1000
#define CATEGORY_MAX 1024 /* bytes of one category's key */
#define DAY_MS	     86400000LL

/* Open addressing from a positive int64 key (a task or user id; 0 marks
 * an empty slot) to a pointer. */
struct imap {
	int64_t *keys;
	void **vals;
	size_t cap, n;
};

struct rating {
	int ctl;
	lf_agree_rating r;
};

/* One pair of a task's annotations compared on a region control, in
 * millionths (integers, so taking a task back restores the sums exactly). */
struct pair_score {
	int reg;
	int a, b; /* coders, a < b */
	int64_t micro;
};

/* One UTC day's sums over the tasks whose day it is, per control
 * (classification controls first, then region controls): the tasks'
 * percent agreement or the pair scores, in millionths, and how many. */
struct day {
	int64_t day; /* days since 1970-01-01 */
	int64_t *sum, *n;
};

/* A task's ratings and pair scores as last read, and the day they were
 * added to (NULL: none). */
struct unit {
	int64_t updated_at;
	int n, np;
	struct rating *r;
	struct pair_score *ps;
	struct day *day;
};

/* A region control's sums: overall and per coder pair. */
struct region_pair {
	int a, b;
	int64_t sum, n;
};
struct region {
	const lf_labelcfg_control *c;
	lf_score_method method; /* as the last comparison scored it */
	int64_t sum, n;
	struct imap pairs; /* (a << 31 | b) + 1 -> index + 1 */
	struct region_pair *p;
	size_t np, capp;
};

struct control {
	const lf_labelcfg_control *c;
	lf_agree *agree;
	char **cats; /* category keys by number */
	int ncats, capcats;
};

/* What an entry knows of its project; all zero is nothing read. */
struct state {
	int64_t version; /* the project's updated_at this is for */
	lf_labelcfg *cfg;
	struct control *ctl;
	size_t nctl;
	struct region *reg;
	size_t nreg;
	struct imap coders; /* user id -> coder number + 1 */
	int64_t *coder_users;
	int ncoders, capcoders;
	struct imap units; /* task id -> struct unit */
	struct imap days;  /* day + 1 -> struct day */
	struct day **dayv; /* every day met, in no order */
	size_t ndays, capdays;
	int64_t seen;  /* newest updated_at read; 0: nothing read yet */
	int64_t rated; /* units with at least one rating */
};

struct entry {
	lf_store *store;
	int64_t project_id;
	pthread_mutex_t mu; /* held while the state is read or changed */
	struct state *st;
	struct entry *next;
};

/* One task's annotations as they stream in. */
struct scan {
	struct state *e;
	int64_t task, updated_at;
	int64_t newest; /* the task's newest annotation in force (created_at) */
	int skip;	/* the task is unchanged since it was last read */
	int tasks;
	struct rating *r; /* the task's new ratings */
	int n, cap;
	json_t **docs; /* the task's annotations in force, by coder (regions) */
	int *doc_coder;
	int ndocs, capdocs;
};

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct entry *cache;

static int imap_put(struct imap *m, int64_t key, void *val);
static void *imap_get(const struct imap *m, int64_t key);
static void entry_reset(struct state *e);
static int entry_open(struct state *e, const lf_project *p);
static int is_region(lf_labelcfg_shape shape);
static int keep_doc(struct scan *st, int who, json_t *doc);
static int compare(struct state *e, struct scan *st, struct pair_score **out, int *n);
static int region_add(struct region *r, const struct pair_score *ps, int sign);
static int day_get(struct state *e, int64_t day, struct day **out);
static void day_add(const struct state *e, struct day *d, const struct unit *u, int sign,
		    lf_agree_rating *tmp);
static int cmp_day(const void *a, const void *b);
static int trend(const struct state *e, lf_arena *a, lf_quality_report *out);
static struct entry *entry_find(lf_store *s, int64_t project_id);
static int category(struct control *c, const json_t *result, int *out);
static int coder(struct state *e, int64_t user_id, int *out);
static int rate(struct scan *st, int64_t author, const char *result);
static int apply(struct scan *st);
static int on_row(void *ud, const lf_rating_row *row);
static int refresh(struct state *e, int64_t project_id, lf_tx *tx);
static int cmp_str(const void *a, const void *b);
static size_t of_control(const struct rating *r, int n, int ctl, lf_agree_rating *tmp);
static void mean_of(int64_t sum, int64_t n, lf_agree_value *out);
static int report(const struct state *e, lf_arena *a, lf_quality_report *out);

static int imap_put(struct imap *m, int64_t key, void *val)
{
	if ((m->n + 1) * 2 > m->cap) {
		struct imap g = {.cap = m->cap ? m->cap * 2 : 64};
		if ((g.keys = calloc(g.cap, sizeof(*g.keys))) == NULL ||
		    (g.vals = calloc(g.cap, sizeof(*g.vals))) == NULL) {
			free(g.keys);
			return LF_ERR_NOMEM;
		}
		for (size_t i = 0; i < m->cap; i++)
			if (m->keys[i] != 0)
				imap_put(&g, m->keys[i], m->vals[i]);
		free(m->keys);
		free(m->vals);
		*m = g;
	}
	size_t i = (size_t)((uint64_t)key * 0x9E3779B97F4A7C15ull) & (m->cap - 1);
	while (m->keys[i] != 0 && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	if (m->keys[i] == 0) {
		m->keys[i] = key;
		m->n++;
	}
	m->vals[i] = val;
	return LF_OK;
}

static void *imap_get(const struct imap *m, int64_t key)
{
	if (m->cap == 0)
		return NULL;
	size_t i = (size_t)((uint64_t)key * 0x9E3779B97F4A7C15ull) & (m->cap - 1);
	while (m->keys[i] != 0) {
		if (m->keys[i] == key)
			return m->vals[i];
		i = (i + 1) & (m->cap - 1);
	}
	return NULL;
}

/* Back to nothing read. */
static void entry_reset(struct state *e)
{
	for (size_t i = 0; i < e->units.cap; i++)
		if (e->units.keys[i] != 0) {
			struct unit *u = e->units.vals[i];
			free(u->r);
			free(u->ps);
			free(u);
		}
	free(e->units.keys);
	free(e->units.vals);
	for (size_t i = 0; i < e->ndays; i++) {
		free(e->dayv[i]->sum);
		free(e->dayv[i]->n);
		free(e->dayv[i]);
	}
	free(e->dayv);
	free(e->days.keys);
	free(e->days.vals);
	for (size_t i = 0; i < e->nctl; i++) {
		lf_agree_free(e->ctl[i].agree);
		for (int k = 0; k < e->ctl[i].ncats; k++)
			free(e->ctl[i].cats[k]);
		free(e->ctl[i].cats);
	}
	free(e->ctl);
	for (size_t i = 0; i < e->nreg; i++) {
		free(e->reg[i].pairs.keys);
		free(e->reg[i].pairs.vals);
		free(e->reg[i].p);
	}
	free(e->reg);
	free(e->coders.keys);
	free(e->coders.vals);
	free(e->coder_users);
	lf_labelcfg_free(e->cfg);
	memset(e, 0, sizeof(*e));
}

/* The classification controls of p's label config, each with empty
 * counts. A config that does not parse measures nothing. */
static int entry_open(struct state *e, const lf_project *p)
{
	e->version = p->updated_at;
	if (p->label_config == NULL ||
	    lf_labelcfg_parse(p->label_config, strlen(p->label_config), &e->cfg, NULL, 0) != LF_OK)
		return LF_OK;
	size_t n = lf_labelcfg_control_count(e->cfg);
	if ((e->ctl = calloc(n > 0 ? n : 1, sizeof(*e->ctl))) == NULL ||
	    (e->reg = calloc(n > 0 ? n : 1, sizeof(*e->reg))) == NULL)
		return LF_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		const lf_labelcfg_control *c = lf_labelcfg_control_at(e->cfg, i);
		if (is_region(c->shape)) {
			e->reg[e->nreg++].c = c;
			continue;
		}
		if (c->shape != LF_LABELCFG_SHAPE_CHOICES &&
		    c->shape != LF_LABELCFG_SHAPE_TAXONOMY &&
		    c->shape != LF_LABELCFG_SHAPE_RATING && c->shape != LF_LABELCFG_SHAPE_NUMBER)
			continue;
		struct control *k = &e->ctl[e->nctl++];
		k->c = c;
		if (lf_agree_new(&k->agree) != LF_OK)
			return LF_ERR_NOMEM;
	}
	return LF_OK;
}

static struct entry *entry_find(lf_store *s, int64_t project_id)
{
	pthread_mutex_lock(&cache_mu);
	struct entry *e = cache;
	while (e != NULL && (e->store != s || e->project_id != project_id))
		e = e->next;
	if (e == NULL && (e = calloc(1, sizeof(*e))) != NULL) {
		e->store = s;
		e->project_id = project_id;
		pthread_mutex_init(&e->mu, NULL);
		e->next = cache;
		cache = e;
	}
	pthread_mutex_unlock(&cache_mu);
	return e;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The category an annotation's result gives control c, numbered in c's
 * own order of first sight; -1 (LF_OK) when the result leaves it empty
 * or has it more than once. Sets are sorted, so the order the annotator
 * clicked in does not make another category.
 */
static int category(struct control *c, const json_t *result, int *out)
{
	const json_t *value = NULL, *item;
	const char *parts[64];
	char key[CATEGORY_MAX];
	size_t i, n = 0, len = 0;
	*out = -1;
	json_array_foreach(result, i, item)
	{
		const char *from = json_string_value(json_object_get(item, "from_name"));
		if (from == NULL || strcmp(from, c->c->name) != 0)
			continue;
		if (value != NULL)
			return LF_OK;
		value = json_object_get(item, "value");
	}
	if (c->c->shape == LF_LABELCFG_SHAPE_RATING) {
		json_t *r = json_object_get(value, "rating");
		if (!json_is_integer(r))
			return LF_OK;
		len = (size_t)snprintf(key, sizeof(key), "%lld", (long long)json_integer_value(r));
	} else if (c->c->shape == LF_LABELCFG_SHAPE_NUMBER) {
		/* The value itself: 2 and 2.0 are one category (%.17g keeps
		 * every double apart). */
		json_t *v = json_object_get(value, "number");
		if (!json_is_number(v) || !isfinite(json_number_value(v)))
			return LF_OK;
		len = (size_t)snprintf(key, sizeof(key), "%.17g", json_number_value(v));
	} else {
		int taxonomy = c->c->shape == LF_LABELCFG_SHAPE_TAXONOMY;
		char paths[64][CATEGORY_MAX / 4];
		const json_t *arr = json_object_get(value, taxonomy ? "taxonomy" : "choices"), *v;
		json_array_foreach(arr, i, v)
		{
			if (n == 64)
				return LF_OK;
			if (!taxonomy) {
				if ((parts[n++] = json_string_value(v)) == NULL)
					return LF_OK;
				continue;
			}
			size_t j, pl = 0;
			const json_t *step;
			json_array_foreach(v, j, step)
			{
				const char *s = json_string_value(step);
				if (s == NULL)
					return LF_OK;
				pl += (size_t)snprintf(paths[n] + pl, sizeof(paths[n]) - pl, "%s%s",
						       j ? "\x1e" : "", s);
				if (pl >= sizeof(paths[n]))
					return LF_OK;
			}
			parts[n] = paths[n];
			n++;
		}
		if (n == 0)
			return LF_OK;
		qsort(parts, n, sizeof(*parts), cmp_str);
		for (i = 0; i < n; i++) {
			len += (size_t)snprintf(key + len, sizeof(key) - len, "%s%s",
						i ? "\x1f" : "", parts[i]);
			if (len >= sizeof(key))
				return LF_OK;
		}
	}
	for (int k = 0; k < c->ncats; k++)
		if (strcmp(c->cats[k], key) == 0) {
			*out = k;
			return LF_OK;
		}
	if (c->ncats >= LF_AGREE_MAX_CATEGORIES)
		return LF_OK;
	if (c->ncats == c->capcats) {
		int cap = c->capcats ? c->capcats * 2 : 16;
		char **g = realloc(c->cats, sizeof(*g) * (size_t)cap);
		if (g == NULL)
			return LF_ERR_NOMEM;
		c->cats = g;
		c->capcats = cap;
	}
	if ((c->cats[c->ncats] = strdup(key)) == NULL)
		return LF_ERR_NOMEM;
	*out = c->ncats++;
	return LF_OK;
}

static int coder(struct state *e, int64_t user_id, int *out)
{
	intptr_t k = (intptr_t)imap_get(&e->coders, user_id);
	if (k > 0) {
		*out = (int)k - 1;
		return LF_OK;
	}
	if (e->ncoders == e->capcoders) {
		int cap = e->capcoders ? e->capcoders * 2 : 64;
		int64_t *g = realloc(e->coder_users, sizeof(*g) * (size_t)cap);
		if (g == NULL)
			return LF_ERR_NOMEM;
		e->coder_users = g;
		e->capcoders = cap;
	}
	int ret = imap_put(&e->coders, user_id, (void *)(intptr_t)(e->ncoders + 1));
	if (ret != LF_OK)
		return ret;
	e->coder_users[e->ncoders] = user_id;
	*out = e->ncoders++;
	return LF_OK;
}

/* One annotation of the current task: its ratings replace any its
 * author gave in an earlier version. */
static int rate(struct scan *st, int64_t author, const char *result)
{
	struct state *e = st->e;
	int who = 0, ret = coder(e, author, &who);
	if (ret != LF_OK)
		return ret;
	json_t *j = json_loads(result, 0, NULL);
	for (int i = 0; i < st->n;)
		if (st->r[i].r.coder == who)
			st->r[i] = st->r[--st->n];
		else
			i++;
	for (size_t c = 0; ret == LF_OK && json_is_array(j) && c < e->nctl; c++) {
		int cat;
		if ((ret = category(&e->ctl[c], j, &cat)) != LF_OK || cat < 0)
			continue;
		if (st->n == st->cap) {
			int cap = st->cap ? st->cap * 2 : 16;
			struct rating *g = realloc(st->r, sizeof(*g) * (size_t)cap);
			if (g == NULL) {
				ret = LF_ERR_NOMEM;
				break;
			}
			st->r = g;
			st->cap = cap;
		}
		st->r[st->n++] =
		    (struct rating){.ctl = (int)c, .r = {.coder = who, .category = cat}};
	}
	if (ret == LF_OK && e->nreg > 0)
		return keep_doc(st, who, json_is_array(j) ? j : NULL);
	json_decref(j);
	return ret;
}

/* Controls measured by pair scores: the region shapes, and TextArea (free
 * text has no categories either). */
static int is_region(lf_labelcfg_shape shape)
{
	return shape == LF_LABELCFG_SHAPE_SPAN || shape == LF_LABELCFG_SHAPE_RECT ||
	       shape == LF_LABELCFG_SHAPE_POLYGON || shape == LF_LABELCFG_SHAPE_KEYPOINT ||
	       shape == LF_LABELCFG_SHAPE_ELLIPSE || shape == LF_LABELCFG_SHAPE_TIMELINE ||
	       shape == LF_LABELCFG_SHAPE_TEXTAREA;
}

/* The annotation in force of coder who becomes doc (taken over; NULL: none
 * readable, which drops an earlier version's). */
static int keep_doc(struct scan *st, int who, json_t *doc)
{
	for (int i = 0; i < st->ndocs; i++)
		if (st->doc_coder[i] == who) {
			json_decref(st->docs[i]);
			st->docs[i] = st->docs[--st->ndocs];
			st->doc_coder[i] = st->doc_coder[st->ndocs];
			break;
		}
	if (doc == NULL)
		return LF_OK;
	if (st->ndocs == st->capdocs) {
		int cap = st->capdocs ? st->capdocs * 2 : 8;
		json_t **d = realloc(st->docs, sizeof(*d) * (size_t)cap);
		if (d != NULL)
			st->docs = d;
		int *c = d != NULL ? realloc(st->doc_coder, sizeof(*c) * (size_t)cap) : NULL;
		if (c == NULL) {
			json_decref(doc);
			return LF_ERR_NOMEM;
		}
		st->doc_coder = c;
		st->capdocs = cap;
	}
	st->docs[st->ndocs] = doc;
	st->doc_coder[st->ndocs++] = who;
	return LF_OK;
}

/*
 * Every pair of the task's annotations compared on the region controls,
 * by the methods that give both sides the same score (matched IoU,
 * interval IoU, keypoint hits, span F1), so either may be the "gold" of
 * lf_score_result. 1 - CER is not one of them (edits over the gold's
 * length: "abc" against "abcdef" scores 0.5, the other way round 0), so
 * a TextArea pair is scored both ways and gets the mean, which no choice
 * of gold changes. A pair the scorer cannot read is left out.
 */
static int compare(struct state *e, struct scan *st, struct pair_score **out, int *n)
{
	struct pair_score *ps = NULL;
	int np = 0, cap = 0, ret = LF_OK;
	for (int i = 0; i < st->ndocs && ret == LF_OK; i++)
		for (int j = i + 1; j < st->ndocs && ret == LF_OK; j++) {
			lf_score sc = {0}, back = {0};
			int rc = lf_score_result(e->cfg, st->docs[j], st->docs[i], NULL, &sc, NULL);
			int rback = LF_OK, scored_back = 0;
			if (rc == LF_ERR_NOMEM)
				ret = rc;
			for (size_t k = 0; rc == LF_OK && ret == LF_OK && k < sc.control_count;
			     k++) {
				const lf_score_control *c = &sc.controls[k];
				double score = c->score;
				size_t r = 0;
				if (c->method != LF_SCORE_IOU &&
				    c->method != LF_SCORE_INTERVAL_IOU &&
				    c->method != LF_SCORE_KEYPOINT &&
				    c->method != LF_SCORE_SPAN_F1 && c->method != LF_SCORE_CER)
					continue;
				while (r < e->nreg && strcmp(e->reg[r].c->name, c->name) != 0)
					r++;
				if (r == e->nreg)
					continue;
				if (c->method == LF_SCORE_CER) {
					size_t b = 0;
					if (!scored_back) {
						scored_back = 1;
						rback =
						    lf_score_result(e->cfg, st->docs[i],
								    st->docs[j], NULL, &back, NULL);
					}
					if (rback == LF_ERR_NOMEM) {
						ret = rback;
						break;
					}
					while (b < back.control_count &&
					       strcmp(back.controls[b].name, c->name) != 0)
						b++;
					if (rback != LF_OK || b == back.control_count)
						continue;
					score = (score + back.controls[b].score) / 2;
				}
				if (np == cap) {
					cap = cap ? cap * 2 : 8;
					struct pair_score *g =
					    realloc(ps, sizeof(*g) * (size_t)cap);
					if (g == NULL) {
						ret = LF_ERR_NOMEM;
						break;
					}
					ps = g;
				}
				int a = st->doc_coder[i], b = st->doc_coder[j];
				ps[np++] = (struct pair_score){.reg = (int)r,
							       .a = a < b ? a : b,
							       .b = a < b ? b : a,
							       .micro = llround(score * 1e6)};
				e->reg[r].method = c->method;
			}
			lf_score_free(&sc);
			lf_score_free(&back);
		}
	if (ret != LF_OK) {
		free(ps);
		return ret;
	}
	*out = ps;
	*n = np;
	return LF_OK;
}

/* Adds (sign 1) or takes back (sign -1) one pair score. */
static int region_add(struct region *r, const struct pair_score *ps, int sign)
{
	int64_t key = ((int64_t)ps->a << 31 | ps->b) + 1;
	intptr_t k = (intptr_t)imap_get(&r->pairs, key);
	if (k == 0) {
		if (sign < 0)
			return LF_ERR_CONFLICT;
		if (r->np == r->capp) {
			size_t cap = r->capp ? r->capp * 2 : 16;
			struct region_pair *g = realloc(r->p, sizeof(*g) * cap);
			if (g == NULL)
				return LF_ERR_NOMEM;
			r->p = g;
			r->capp = cap;
		}
		r->p[r->np] = (struct region_pair){.a = ps->a, .b = ps->b};
		if (imap_put(&r->pairs, key, (void *)(intptr_t)(r->np + 1)) != LF_OK)
			return LF_ERR_NOMEM;
		k = (intptr_t)++r->np;
	}
	r->p[k - 1].sum += sign * ps->micro;
	r->p[k - 1].n += sign;
	r->sum += sign * ps->micro;
	r->n += sign;
	return LF_OK;
}

/* The sums of day (days since 1970-01-01), created empty when new. */
static int day_get(struct state *e, int64_t day, struct day **out)
{
	struct day *d = imap_get(&e->days, day + 1);
	size_t nc = e->nctl + e->nreg;
	if (d != NULL) {
		*out = d;
		return LF_OK;
	}
	if (e->ndays == e->capdays) {
		size_t cap = e->capdays ? e->capdays * 2 : 32;
		struct day **g = realloc(e->dayv, sizeof(*g) * cap);
		if (g == NULL)
			return LF_ERR_NOMEM;
		e->dayv = g;
		e->capdays = cap;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->sum = calloc(nc > 0 ? nc : 1, sizeof(*d->sum))) == NULL ||
	    (d->n = calloc(nc > 0 ? nc : 1, sizeof(*d->n))) == NULL ||
	    imap_put(&e->days, day + 1, d) != LF_OK) {
		if (d != NULL) {
			free(d->sum);
			free(d->n);
		}
		free(d);
		return LF_ERR_NOMEM;
	}
	d->day = day;
	e->dayv[e->ndays++] = d;
	*out = d;
	return LF_OK;
}

/*
 * Adds (sign 1) or takes back (sign -1) unit u's ratings and pair scores
 * to day d: per control the unit's P_u when it is pairable, per region
 * control each pair's score. P_u is summed in millionths like the pair
 * scores, so taking a unit back restores the sums exactly. tmp holds u's
 * ratings.
 */
static void day_add(const struct state *e, struct day *d, const struct unit *u, int sign,
		    lf_agree_rating *tmp)
{
	for (size_t c = 0; c < e->nctl; c++) {
		lf_agree_value v;
		size_t k = of_control(u->r, u->n, (int)c, tmp);
		if (lf_agree_unit_percent(tmp, k, &v) != LF_OK || v.status != LF_AGREE_OK)
			continue;
		d->sum[c] += sign * llround(v.value * 1e6);
		d->n[c] += sign;
	}
	for (int i = 0; i < u->np; i++) {
		d->sum[e->nctl + (size_t)u->ps[i].reg] += sign * u->ps[i].micro;
		d->n[e->nctl + (size_t)u->ps[i].reg] += sign;
	}
}

/* Ratings of one control out of a unit's list, into tmp. */
static size_t of_control(const struct rating *r, int n, int ctl, lf_agree_rating *tmp)
{
	size_t k = 0;
	for (int i = 0; i < n; i++)
		if (r[i].ctl == ctl)
			tmp[k++] = r[i].r;
	return k;
}

/* The current task's ratings take the place of those read before, in the
 * counts and in the sums of the days they were and are on. */
static int apply(struct scan *st)
{
	struct state *e = st->e;
	struct unit *u = imap_get(&e->units, st->task);
	lf_agree_rating *tmp = NULL;
	int ret = LF_OK;
	if (st->task == 0 || st->skip)
		goto cleanup;
	if (u == NULL) {
		if ((u = calloc(1, sizeof(*u))) == NULL ||
		    (ret = imap_put(&e->units, st->task, u)) != LF_OK) {
			free(u);
			ret = LF_ERR_NOMEM;
			goto cleanup;
		}
	}
	int most = u->n > st->n ? u->n : st->n;
	if ((tmp = malloc(sizeof(*tmp) * (size_t)(most > 0 ? most : 1))) == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	if (u->day != NULL)
		day_add(e, u->day, u, -1, tmp);
	u->day = NULL;
	for (size_t c = 0; c < e->nctl; c++) {
		size_t k = of_control(u->r, u->n, (int)c, tmp);
		if (k > 0 && (ret = lf_agree_remove(e->ctl[c].agree, tmp, k)) != LF_OK)
			goto cleanup;
		k = of_control(st->r, st->n, (int)c, tmp);
		/* A unit the counts refuse (more ratings than they hold) is left
		 * out of this control, and so out of its removal later. */
		if (k > 0 && lf_agree_add(e->ctl[c].agree, tmp, k) != LF_OK) {
			for (int i = 0; i < st->n;) {
				if (st->r[i].ctl == (int)c)
					st->r[i] = st->r[--st->n];
				else
					i++;
			}
		}
	}
	if (e->nreg > 0) {
		struct pair_score *ps = NULL;
		int np = 0;
		if ((ret = compare(e, st, &ps, &np)) != LF_OK)
			goto cleanup;
		for (int i = 0; i < u->np && ret == LF_OK; i++)
			ret = region_add(&e->reg[u->ps[i].reg], &u->ps[i], -1);
		for (int i = 0; i < np && ret == LF_OK; i++)
			ret = region_add(&e->reg[ps[i].reg], &ps[i], 1);
		free(u->ps);
		u->ps = ps;
		u->np = np;
		if (ret != LF_OK)
			goto cleanup;
	}
	e->rated += (st->n > 0) - (u->n > 0);
	free(u->r);
	u->r = st->r;
	u->n = st->n;
	u->updated_at = st->updated_at;
	st->r = NULL;
	st->n = st->cap = 0;
	if (u->n > 0 || u->np > 0) {
		if ((ret = day_get(e, st->newest / DAY_MS, &u->day)) != LF_OK)
			goto cleanup;
		day_add(e, u->day, u, 1, tmp);
	}
cleanup:
	free(tmp);
	st->n = 0;
	while (st->ndocs > 0)
		json_decref(st->docs[--st->ndocs]);
	return ret;
}

static int on_row(void *ud, const lf_rating_row *row)
{
	struct scan *st = ud;
	int ret = LF_OK;
	if (row->task_id != st->task) {
		if ((ret = apply(st)) != LF_OK)
			return ret;
		const struct unit *u = imap_get(&st->e->units, row->task_id);
		st->task = row->task_id;
		st->updated_at = row->updated_at;
		st->newest = 0;
		st->skip = u != NULL && u->updated_at == row->updated_at;
		st->tasks++;
		if (row->updated_at > st->e->seen)
			st->e->seen = row->updated_at;
	}
	if (!st->skip && row->author_id != 0 && row->result != NULL) {
		if (row->created_at > st->newest)
			st->newest = row->created_at;
		ret = rate(st, row->author_id, row->result);
	}
	return ret;
}

static int refresh(struct state *e, int64_t project_id, lf_tx *tx)
{
	struct scan st = {.e = e};
	int64_t since = e->seen > LF_QUALITY_WINDOW_MS ? e->seen - LF_QUALITY_WINDOW_MS : 0;
	int64_t after = 0, last = 0;
	int ret;
	do {
		st.tasks = 0;
		ret = lf_store_rating_scan(tx, project_id, since, after, PAGE_TASKS, on_row, &st,
					   &last);
		if (ret == LF_OK)
			ret = apply(&st);
		st.task = 0;
		after = last;
	} while (ret == LF_OK && st.tasks == PAGE_TASKS);
	while (st.ndocs > 0)
		json_decref(st.docs[--st.ndocs]);
	free(st.docs);
	free(st.doc_coder);
	free(st.r);
	return ret;
}

/* A mean of n scores summed in millionths. */
static void mean_of(int64_t sum, int64_t n, lf_agree_value *out)
{
	memset(out, 0, sizeof(*out));
	out->units = n;
	out->status = n > 0 ? LF_AGREE_OK : LF_AGREE_NO_DATA;
	out->value = n > 0 ? (double)sum / 1e6 / (double)n : NAN;
}

static int cmp_day(const void *a, const void *b)
{
	int64_t x = (*(const struct day *const *)a)->day, y = (*(const struct day *const *)b)->day;
	return (x > y) - (x < y);
}

/* The newest LF_QUALITY_TREND_DAYS days with data, oldest first. A day
 * whose tasks all moved to another day stays in the cache, empty, and is
 * left out here. */
static int trend(const struct state *e, lf_arena *a, lf_quality_report *out)
{
	size_t nc = e->nctl + e->nreg, from, n = 0;
	struct day **v = lf_arena_calloc(a, (e->ndays > 0 ? e->ndays : 1) * sizeof(*v));
	if (v == NULL)
		return LF_ERR_NOMEM;
	for (size_t i = 0; i < e->ndays; i++) {
		size_t c = 0;
		while (c < nc && e->dayv[i]->n[c] == 0)
			c++;
		if (c < nc)
			v[n++] = e->dayv[i];
	}
	qsort(v, n, sizeof(*v), cmp_day);
	from = n > LF_QUALITY_TREND_DAYS ? n - LF_QUALITY_TREND_DAYS : 0;
	if ((out->trend =
		 lf_arena_calloc(a, (n - from > 0 ? n - from : 1) * sizeof(*out->trend))) == NULL)
		return LF_ERR_NOMEM;
	for (size_t i = from; i < n; i++) {
		lf_quality_day *q = &out->trend[out->ntrend++];
		q->day = v[i]->day;
		q->controls = lf_arena_calloc(a, (nc > 0 ? nc : 1) * sizeof(*q->controls));
		if (q->controls == NULL)
			return LF_ERR_NOMEM;
		q->regions = q->controls + e->nctl;
		for (size_t c = 0; c < nc; c++)
			mean_of(v[i]->sum[c], v[i]->n[c], &q->controls[c]);
	}
	return LF_OK;
}

static int report(const struct state *e, lf_arena *a, lf_quality_report *out)
{
	size_t n = lf_labelcfg_control_count(e->cfg);
	memset(out, 0, sizeof(*out));
	out->tasks = e->rated;
	out->controls = lf_arena_calloc(a, (e->nctl > 0 ? e->nctl : 1) * sizeof(*out->controls));
	out->other_controls = lf_arena_calloc(a, (n > 0 ? n : 1) * sizeof(*out->other_controls));
	if (out->controls == NULL || out->other_controls == NULL)
		return LF_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		const lf_labelcfg_control *c = lf_labelcfg_control_at(e->cfg, i);
		size_t k = 0, r = 0;
		while (k < e->nctl && e->ctl[k].c != c)
			k++;
		while (r < e->nreg && e->reg[r].c != c)
			r++;
		if (k == e->nctl && r == e->nreg)
			out->other_controls[out->nother++] = lf_arena_strdup(a, c->name);
	}
	if ((out->regions =
		 lf_arena_calloc(a, (e->nreg > 0 ? e->nreg : 1) * sizeof(*out->regions))) == NULL)
		return LF_ERR_NOMEM;
	for (size_t r = 0; r < e->nreg; r++) {
		const struct region *g = &e->reg[r];
		lf_quality_region *q = &out->regions[out->nregions++];
		q->name = lf_arena_strdup(a, g->c->name);
		q->type = lf_arena_strdup(a, g->c->type);
		q->method = g->n > 0 ? lf_score_method_name(g->method) : NULL;
		mean_of(g->sum, g->n, &q->mean);
		q->pairs = lf_arena_calloc(a, (g->np > 0 ? g->np : 1) * sizeof(*q->pairs));
		if (q->name == NULL || q->type == NULL || q->pairs == NULL)
			return LF_ERR_NOMEM;
		for (size_t p = 0; p < g->np; p++) {
			if (g->p[p].n == 0)
				continue;
			if (q->npairs == LF_QUALITY_MAX_PAIRS) {
				q->pairs_truncated = 1;
				break;
			}
			lf_quality_region_pair *qp = &q->pairs[q->npairs++];
			int64_t ua = e->coder_users[g->p[p].a], ub = e->coder_users[g->p[p].b];
			qp->user_a = ua < ub ? ua : ub;
			qp->user_b = ua < ub ? ub : ua;
			mean_of(g->p[p].sum, g->p[p].n, &qp->mean);
		}
	}
	for (size_t k = 0; k < e->nctl; k++) {
		lf_quality_control *q = &out->controls[out->ncontrols++];
		const lf_agree *g = e->ctl[k].agree;
		size_t np = lf_agree_pair_count(g);
		q->name = lf_arena_strdup(a, e->ctl[k].c->name);
		q->type = lf_arena_strdup(a, e->ctl[k].c->type);
		lf_agree_percent(g, &q->percent);
		lf_agree_alpha(g, &q->alpha);
		lf_agree_fleiss(g, 0, &q->fleiss);
		q->pairs = lf_arena_calloc(a, (np > 0 ? np : 1) * sizeof(*q->pairs));
		if (q->name == NULL || q->type == NULL || q->pairs == NULL)
			return LF_ERR_NOMEM;
		for (size_t p = 0; p < np; p++) {
			lf_quality_pair *qp = &q->pairs[q->npairs];
			int i, j;
			if (lf_agree_pair_at(g, p, &i, &j, &qp->percent, &qp->kappa) != LF_OK ||
			    qp->percent.status == LF_AGREE_NO_DATA)
				continue;
			if (q->npairs == LF_QUALITY_MAX_PAIRS) {
				q->pairs_truncated = 1;
				break;
			}
			int64_t ui = e->coder_users[i], uj = e->coder_users[j];
			qp->user_a = ui < uj ? ui : uj;
			qp->user_b = ui < uj ? uj : ui;
			q->npairs++;
		}
	}
	return trend(e, a, out);
}

int lf_quality_agreement(lf_store *s, lf_arena *a, int64_t project_id, lf_quality_report *out)
{
	lf_project p;
	lf_tx *tx = NULL;
	struct entry *e = entry_find(s, project_id);
	int ret;
	if (e == NULL)
		return LF_ERR_NOMEM;
	pthread_mutex_lock(&e->mu);
	if (e->st == NULL && (e->st = calloc(1, sizeof(*e->st))) == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	if ((ret = lf_store_begin(s, LF_TX_READ, a, &tx)) != LF_OK ||
	    (ret = lf_store_project_get(tx, project_id, &p)) != LF_OK)
		goto cleanup;
	if (e->st->version != p.updated_at) {
		entry_reset(e->st);
		if ((ret = entry_open(e->st, &p)) != LF_OK)
			goto cleanup;
	}
	memset(out, 0, sizeof(*out));
	if (e->st->cfg != NULL && (ret = refresh(e->st, project_id, tx)) == LF_OK)
		ret = report(e->st, a, out);
cleanup:
	if (tx != NULL)
		lf_store_rollback(tx);
	/* Counts half brought up to date would be wrong from then on: the
	 * next call starts over. */
	if (ret != LF_OK && e->st != NULL)
		entry_reset(e->st);
	pthread_mutex_unlock(&e->mu);
	return ret;
}
