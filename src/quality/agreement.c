/*
 * agreement.c - the counts behind the agreement statistics (agreement.h
 * has the formulas) and the statistics read from them.
 *
 * Adding or removing a unit runs in two passes: the first checks the
 * ratings and makes room (it may allocate, and may fail), the second
 * changes the counts (it cannot fail). So a failed call leaves every
 * count as it was. Coder pairs live in an array, found through an
 * open-addressing hash table of their indexes: a project with thousands of
 * annotators and K = 3 overlap meets only a few of the possible pairs.
 */
#include "quality/agreement.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Counts by category; categories at or past len count 0. */
struct counts {
	int64_t *v;
	int len;
};

/* The units with one number m of ratings. */
struct by_m {
	int64_t units;
	int64_t agree; /* sum of A_u: ordered pairs of ratings that agree */
	struct counts col;
};

/* Coders i < j over the units both rated. */
struct pair {
	int i, j;
	int64_t shared;
	int64_t same;
	struct counts row; /* i's categories */
	struct counts col; /* j's categories */
};

struct lf_agree {
	struct by_m *by_m; /* [m] for m in 1..nm - 1; [0] unused */
	int nm;
	int64_t units;		/* units with at least one rating */
	int64_t values;		/* ratings held */
	struct counts pairable; /* n_c: ratings of pairable units by category */
	struct pair *pairs;	/* in order of first meeting */
	size_t npairs, cap_pairs;
	size_t *slots; /* hash table: index into pairs + 1, 0 = empty */
	size_t mask;   /* number of slots - 1 (a power of two) */
};

static int check_unit(const lf_agree_rating *r, size_t n);
static int64_t unit_agree(const lf_agree_rating *r, size_t n);
static int64_t occurrences(const lf_agree_rating *r, size_t n, int category);
static int max_category(const lf_agree_rating *r, size_t n);
static void by_coder(const lf_agree_rating *x, const lf_agree_rating *y, const lf_agree_rating **lo,
		     const lf_agree_rating **hi);
static int counts_reserve(struct counts *c, int len);
static int64_t counts_get(const struct counts *c, int category);
static int by_m_reserve(lf_agree *a, int m);
static size_t pair_slot(const lf_agree *a, int i, int j);
static struct pair *pair_find(const lf_agree *a, int i, int j);
static int pair_make(lf_agree *a, int i, int j, int ci, int cj);
static int slots_grow(lf_agree *a);
static void pair_stats(const struct pair *p, lf_agree_value *percent, lf_agree_value *kappa);
static void set_value(lf_agree_value *out, lf_agree_status st, double value, int64_t units);
static void apply(lf_agree *a, const lf_agree_rating *r, size_t n, int sign);

/* A unit is at most LF_AGREE_MAX_RATINGS ratings of distinct coders, each
 * with a category and coder in range. The duplicate check is quadratic,
 * as is the pair update that follows it. */
static int check_unit(const lf_agree_rating *r, size_t n)
{
	size_t x, y;

	if (n > LF_AGREE_MAX_RATINGS)
		return LF_ERR_LIMIT;
	if (n > 0 && !r)
		return LF_ERR_INVALID;
	for (x = 0; x < n; x++) {
		if (r[x].coder < 0 || r[x].coder >= LF_AGREE_MAX_CODERS || r[x].category < 0 ||
		    r[x].category >= LF_AGREE_MAX_CATEGORIES)
			return LF_ERR_INVALID;
		for (y = 0; y < x; y++)
			if (r[y].coder == r[x].coder)
				return LF_ERR_INVALID;
	}
	return LF_OK;
}

/* A_u: ordered pairs of distinct ratings in the same category. */
static int64_t unit_agree(const lf_agree_rating *r, size_t n)
{
	int64_t same = 0;
	size_t x, y;

	for (x = 0; x < n; x++)
		for (y = x + 1; y < n; y++)
			if (r[x].category == r[y].category)
				same++;
	return 2 * same;
}

static int64_t occurrences(const lf_agree_rating *r, size_t n, int category)
{
	int64_t k = 0;
	size_t x;

	for (x = 0; x < n; x++)
		if (r[x].category == category)
			k++;
	return k;
}

static int max_category(const lf_agree_rating *r, size_t n)
{
	int top = -1;
	size_t x;

	for (x = 0; x < n; x++)
		if (r[x].category > top)
			top = r[x].category;
	return top;
}

/* A pair is kept once, under its lower coder first. */
static void by_coder(const lf_agree_rating *x, const lf_agree_rating *y, const lf_agree_rating **lo,
		     const lf_agree_rating **hi)
{
	*lo = x->coder < y->coder ? x : y;
	*hi = *lo == x ? y : x;
}

/* Makes room for categories 0..len - 1, doubling so that categories
 * appearing one by one cost amortized O(1) each. */
static int counts_reserve(struct counts *c, int len)
{
	int64_t *v;
	int cap = c->len ? c->len : 4;

	if (len <= c->len)
		return LF_OK;
	while (cap < len)
		cap *= 2;
	if (cap > LF_AGREE_MAX_CATEGORIES)
		cap = LF_AGREE_MAX_CATEGORIES;
	v = realloc(c->v, (size_t)cap * sizeof(*v));
	if (!v)
		return LF_ERR_NOMEM;
	memset(v + c->len, 0, (size_t)(cap - c->len) * sizeof(*v));
	c->v = v;
	c->len = cap;
	return LF_OK;
}

static int64_t counts_get(const struct counts *c, int category)
{
	return category < c->len ? c->v[category] : 0;
}

static int by_m_reserve(lf_agree *a, int m)
{
	struct by_m *b;
	int cap = a->nm ? a->nm : 4;

	if (m < a->nm)
		return LF_OK;
	while (cap <= m)
		cap *= 2;
	b = realloc(a->by_m, (size_t)cap * sizeof(*b));
	if (!b)
		return LF_ERR_NOMEM;
	memset(b + a->nm, 0, (size_t)(cap - a->nm) * sizeof(*b));
	a->by_m = b;
	a->nm = cap;
	return LF_OK;
}

/* The slot holding pair (i, j), i < j, or the empty slot where it would
 * go. The table is never full (at most half its slots are used). */
static size_t pair_slot(const lf_agree *a, int i, int j)
{
	uint64_t h = ((uint64_t)(uint32_t)i << 32) | (uint32_t)j;
	size_t s;

	/* splitmix64's finalizer: neighbouring coder indexes spread out. */
	h ^= h >> 30;
	h *= UINT64_C(0xbf58476d1ce4e5b9);
	h ^= h >> 27;
	h *= UINT64_C(0x94d049bb133111eb);
	h ^= h >> 31;
	for (s = (size_t)h & a->mask;; s = (s + 1) & a->mask) {
		const struct pair *p;

		if (!a->slots[s])
			return s;
		p = &a->pairs[a->slots[s] - 1];
		if (p->i == i && p->j == j)
			return s;
	}
}

static struct pair *pair_find(const lf_agree *a, int i, int j)
{
	size_t s;

	if (!a->slots)
		return NULL;
	s = pair_slot(a, i, j);
	return a->slots[s] ? &a->pairs[a->slots[s] - 1] : NULL;
}

/* Doubles the hash table (from 16 slots) and places every pair again. */
static int slots_grow(lf_agree *a)
{
	size_t n = a->slots ? 2 * (a->mask + 1) : 16;
	size_t k, *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return LF_ERR_NOMEM;
	free(a->slots);
	a->slots = slots;
	a->mask = n - 1;
	for (k = 0; k < a->npairs; k++)
		a->slots[pair_slot(a, a->pairs[k].i, a->pairs[k].j)] = k + 1;
	return LF_OK;
}

/* Finds or creates pair (i, j), i < j, with room for i's category ci and
 * j's category cj. */
static int pair_make(lf_agree *a, int i, int j, int ci, int cj)
{
	struct pair *p = pair_find(a, i, j);
	int ret;

	if (!p) {
		if (2 * (a->npairs + 1) > (a->slots ? a->mask + 1 : 0) &&
		    (ret = slots_grow(a)) != LF_OK)
			return ret;
		if (a->npairs == a->cap_pairs) {
			size_t cap = a->cap_pairs ? 2 * a->cap_pairs : 16;
			struct pair *grown = realloc(a->pairs, cap * sizeof(*grown));

			if (!grown)
				return LF_ERR_NOMEM;
			a->pairs = grown;
			a->cap_pairs = cap;
		}
		p = &a->pairs[a->npairs];
		memset(p, 0, sizeof(*p));
		p->i = i;
		p->j = j;
		a->slots[pair_slot(a, i, j)] = ++a->npairs;
	}
	if ((ret = counts_reserve(&p->row, ci + 1)) != LF_OK)
		return ret;
	return counts_reserve(&p->col, cj + 1);
}

/* Adds (sign 1) or subtracts (sign -1) unit r's counts; every count it
 * touches has its room already, and on subtraction is known to be large
 * enough. */
static void apply(lf_agree *a, const lf_agree_rating *r, size_t n, int sign)
{
	struct by_m *b = &a->by_m[n];
	size_t x, y;

	a->units += sign;
	a->values += sign * (int64_t)n;
	b->units += sign;
	b->agree += sign * unit_agree(r, n);
	for (x = 0; x < n; x++) {
		b->col.v[r[x].category] += sign;
		if (n >= 2)
			a->pairable.v[r[x].category] += sign;
	}
	for (x = 0; x < n; x++)
		for (y = x + 1; y < n; y++) {
			const lf_agree_rating *lo, *hi;
			struct pair *p;

			by_coder(&r[x], &r[y], &lo, &hi);
			p = pair_find(a, lo->coder, hi->coder);
			p->shared += sign;
			p->same += sign * (lo->category == hi->category);
			p->row.v[lo->category] += sign;
			p->col.v[hi->category] += sign;
		}
}

static void set_value(lf_agree_value *out, lf_agree_status st, double value, int64_t units)
{
	memset(out, 0, sizeof(*out));
	out->status = st;
	out->value = st == LF_AGREE_OK ? value : NAN;
	out->units = units;
}

int lf_agree_new(lf_agree **out)
{
	if (!out)
		return LF_ERR_INVALID;
	*out = calloc(1, sizeof(**out));
	return *out ? LF_OK : LF_ERR_NOMEM;
}

void lf_agree_free(lf_agree *a)
{
	size_t k;
	int m;

	if (!a)
		return;
	for (m = 0; m < a->nm; m++)
		free(a->by_m[m].col.v);
	for (k = 0; k < a->npairs; k++) {
		free(a->pairs[k].row.v);
		free(a->pairs[k].col.v);
	}
	free(a->by_m);
	free(a->pairable.v);
	free(a->pairs);
	free(a->slots);
	free(a);
}

int lf_agree_add(lf_agree *a, const lf_agree_rating *r, size_t n)
{
	int ret = LF_ERR_INVALID;
	int top;
	size_t x, y;

	if (!a)
		goto cleanup;
	/* An empty unit leaves ret LF_OK: nothing to add. */
	if ((ret = check_unit(r, n)) != LF_OK || n == 0)
		goto cleanup;
	ret = LF_ERR_LIMIT;
	if (a->values + (int64_t)n > LF_AGREE_MAX_VALUES)
		goto cleanup;
	top = max_category(r, n);
	if ((ret = by_m_reserve(a, (int)n)) != LF_OK ||
	    (ret = counts_reserve(&a->by_m[n].col, top + 1)) != LF_OK ||
	    (ret = counts_reserve(&a->pairable, top + 1)) != LF_OK)
		goto cleanup;
	for (x = 0; x < n; x++)
		for (y = x + 1; y < n; y++) {
			const lf_agree_rating *lo, *hi;

			by_coder(&r[x], &r[y], &lo, &hi);
			if ((ret = pair_make(a, lo->coder, hi->coder, lo->category,
					     hi->category)) != LF_OK)
				goto cleanup;
		}
	apply(a, r, n, 1);
	ret = LF_OK;
cleanup:
	return ret;
}

/*
 * Before subtracting, every count the unit would lower must hold at least
 * the unit's share of it. That cannot prove the unit was added (another
 * unit may have supplied the counts), but it keeps every count
 * non-negative, and catches a removal of ratings never added.
 */
int lf_agree_remove(lf_agree *a, const lf_agree_rating *r, size_t n)
{
	const struct by_m *b;
	int ret = LF_ERR_INVALID;
	size_t x, y;

	if (!a)
		goto cleanup;
	/* An empty unit leaves ret LF_OK: nothing to take back. */
	if ((ret = check_unit(r, n)) != LF_OK || n == 0)
		goto cleanup;
	ret = LF_ERR_CONFLICT;
	if ((int)n >= a->nm)
		goto cleanup;
	b = &a->by_m[n];
	if (b->units < 1 || b->agree < unit_agree(r, n))
		goto cleanup;
	for (x = 0; x < n; x++) {
		int64_t k = occurrences(r, n, r[x].category);

		if (counts_get(&b->col, r[x].category) < k ||
		    (n >= 2 && counts_get(&a->pairable, r[x].category) < k))
			goto cleanup;
	}
	for (x = 0; x < n; x++)
		for (y = x + 1; y < n; y++) {
			const lf_agree_rating *lo, *hi;
			const struct pair *p;

			by_coder(&r[x], &r[y], &lo, &hi);
			p = pair_find(a, lo->coder, hi->coder);
			if (!p || p->shared < 1 || counts_get(&p->row, lo->category) < 1 ||
			    counts_get(&p->col, hi->category) < 1 ||
			    (lo->category == hi->category && p->same < 1))
				goto cleanup;
		}
	apply(a, r, n, -1);
	ret = LF_OK;
cleanup:
	return ret;
}

/* The mean of P_u = A_u / (m (m - 1)) over pairable units, by m. */
int lf_agree_percent(const lf_agree *a, lf_agree_value *out)
{
	double sum = 0;
	int64_t units = 0;
	int m;

	if (!a || !out)
		return LF_ERR_INVALID;
	for (m = 2; m < a->nm; m++) {
		units += a->by_m[m].units;
		sum += (double)a->by_m[m].agree / ((double)m * (m - 1));
	}
	set_value(out, units ? LF_AGREE_OK : LF_AGREE_NO_DATA, units ? sum / (double)units : 0,
		  units);
	return LF_OK;
}

/*
 * alpha = 1 - (n - 1) (n - sum_c o_cc) / (n^2 - sum_c n_c^2), where
 * n - sum_c o_cc = sum_m (m (m - 1) units_m - agree_m) / (m - 1) sums the
 * disagreeing pairs directly: no cancellation when agreement is near
 * perfect.
 */
int lf_agree_alpha(const lf_agree *a, lf_agree_value *out)
{
	double disagree = 0;
	int64_t n = 0, units = 0, sq = 0;
	int m, c;

	if (!a || !out)
		return LF_ERR_INVALID;
	for (m = 2; m < a->nm; m++) {
		const struct by_m *b = &a->by_m[m];

		units += b->units;
		n += (int64_t)m * b->units;
		disagree += (double)((int64_t)m * (m - 1) * b->units - b->agree) / (m - 1);
	}
	if (!units) {
		set_value(out, LF_AGREE_NO_DATA, 0, 0);
		return LF_OK;
	}
	for (c = 0; c < a->pairable.len; c++)
		sq += a->pairable.v[c] * a->pairable.v[c];
	/* n^2 - sum_c n_c^2 is 0 exactly when one n_c is n. */
	if (n * n == sq)
		set_value(out, LF_AGREE_NO_VARIATION, 0, units);
	else
		set_value(out, LF_AGREE_OK, 1.0 - (double)(n - 1) * disagree / (double)(n * n - sq),
			  units);
	return LF_OK;
}

/* kappa = (P - P_e) / (1 - P_e) over the units with `raters` ratings; total
 * is the number of their ratings. */
int lf_agree_fleiss(const lf_agree *a, int raters, lf_agree_value *out)
{
	const struct by_m *b;
	int64_t total, sq = 0;
	int m, c;

	if (!a || !out || raters < 0 || raters == 1)
		return LF_ERR_INVALID;
	if (raters == 0)
		for (m = 2; m < a->nm; m++)
			if (a->by_m[m].units &&
			    (!raters || a->by_m[m].units >= a->by_m[raters].units))
				raters = m;
	b = raters >= 2 && raters < a->nm ? &a->by_m[raters] : NULL;
	if (!b || !b->units) {
		set_value(out, LF_AGREE_NO_DATA, 0, 0);
	} else {
		/* Multiplied by total^2, P = agree total / (raters - 1) and
		 * P_e = sum_c col[c]^2; 1 - P_e = total^2 - sum_c col[c]^2 is 0
		 * exactly when every rating is in one category. */
		total = b->units * raters;
		for (c = 0; c < b->col.len; c++)
			sq += b->col.v[c] * b->col.v[c];
		if (total * total == sq)
			set_value(out, LF_AGREE_NO_VARIATION, 0, b->units);
		else
			set_value(out, LF_AGREE_OK,
				  ((double)b->agree * (double)total / (raters - 1) - (double)sq) /
				      (double)(total * total - sq),
				  b->units);
	}
	out->skipped = a->units - out->units;
	out->raters = raters;
	return LF_OK;
}

/*
 * Cohen's kappa = (p_o - p_e) / (1 - p_e), multiplied out by shared^2 so
 * that numerator and denominator are exact integers (each below 2^61 under
 * LF_AGREE_MAX_VALUES) and only the last division rounds. The denominator
 * shared^2 - sum_c row[c] col[c] is 0 exactly when both coders used one
 * and the same category throughout.
 */
static void pair_stats(const struct pair *p, lf_agree_value *percent, lf_agree_value *kappa)
{
	int64_t chance = 0, s = p ? p->shared : 0;
	int c, len;

	if (!s) {
		if (percent)
			set_value(percent, LF_AGREE_NO_DATA, 0, 0);
		if (kappa)
			set_value(kappa, LF_AGREE_NO_DATA, 0, 0);
		return;
	}
	if (percent)
		set_value(percent, LF_AGREE_OK, (double)p->same / (double)s, s);
	if (!kappa)
		return;
	len = p->row.len < p->col.len ? p->row.len : p->col.len;
	for (c = 0; c < len; c++)
		chance += p->row.v[c] * p->col.v[c];
	if (s * s == chance)
		set_value(kappa, LF_AGREE_NO_VARIATION, 0, s);
	else
		set_value(kappa, LF_AGREE_OK,
			  (double)(p->same * s - chance) / (double)(s * s - chance), s);
}

int lf_agree_pair(const lf_agree *a, int i, int j, lf_agree_value *percent, lf_agree_value *kappa)
{
	if (!a || i == j || i < 0 || j < 0 || i >= LF_AGREE_MAX_CODERS || j >= LF_AGREE_MAX_CODERS)
		return LF_ERR_INVALID;
	pair_stats(i < j ? pair_find(a, i, j) : pair_find(a, j, i), percent, kappa);
	return LF_OK;
}

size_t lf_agree_pair_count(const lf_agree *a)
{
	return a ? a->npairs : 0;
}

int lf_agree_pair_at(const lf_agree *a, size_t k, int *i, int *j, lf_agree_value *percent,
		     lf_agree_value *kappa)
{
	if (!a || !i || !j || k >= a->npairs)
		return LF_ERR_INVALID;
	*i = a->pairs[k].i;
	*j = a->pairs[k].j;
	pair_stats(&a->pairs[k], percent, kappa);
	return LF_OK;
}

int lf_agree_unit_percent(const lf_agree_rating *r, size_t n, lf_agree_value *out)
{
	int ret;

	if (!out)
		return LF_ERR_INVALID;
	if ((ret = check_unit(r, n)) != LF_OK)
		return ret;
	if (n < 2)
		set_value(out, LF_AGREE_NO_DATA, 0, 0);
	else
		set_value(out, LF_AGREE_OK, (double)unit_agree(r, n) / ((double)n * (n - 1)), 1);
	return LF_OK;
}
