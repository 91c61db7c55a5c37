/*
 * test_agreement.c - proves the agreement statistics (quality/agreement.h)
 * three ways: against published worked examples (Krippendorff's own
 * reliability data, Fleiss' 1971 table as Wikipedia gives it, Wikipedia's
 * Cohen's kappa example); against tests/quality/agreement_ref.py, which
 * computes every statistic from the whole data set with the textbook
 * formulas in exact rational arithmetic; and against itself, an
 * accumulator after random adds, removes and changes giving exactly the
 * statistics of one built from scratch from the units left.
 *
 * Runs from the repository's root (as scripts/run-tests runs unit tests)
 * and needs python3 (standard library only).
 */
#include "quality/agreement.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define REF_SCRIPT "tests/quality/agreement_ref.py"
#define REF_SETS   40
#define EPS	   1e-9

/* A unit as the tests hold it. */
typedef struct unit {
	lf_agree_rating r[16];
	size_t n;
} unit;

static void expect_near(double got, double want, double eps, const char *what);
static void expect_stat(const lf_agree_value *v, lf_agree_status st, double want, int64_t units,
			const char *what);
static void expect_same(const lf_agree_value *x, const lf_agree_value *y, const char *what);
static void add_matrix_row(lf_agree *a, const int *row, int coders);
static unit matrix_unit(const int *row, int coders);
static uint64_t rnd(uint64_t *s);
static unit random_unit(uint64_t *s, int coders, int categories);
static void shuffle(unit *u, uint64_t *s);
static void expect_same_stats(const lf_agree *x, const lf_agree *y, int coders);
static lf_agree *from_scratch(const unit *units, size_t n);
static lf_agree_status parse_status(const char *s);
static double parse_double(const char *s);
static long parse_long(const char *s);
static void expect_ref(const lf_agree_value *v, lf_agree_status st, long units, double want,
		       const char *what, long seed);
static void churn(lf_agree *a, unit *units, size_t n, uint64_t *s);

static void expect_near(double got, double want, double eps, const char *what)
{
	if (isnan(want) ? !isnan(got) : !(fabs(got - want) <= eps))
		fail_msg("%s: got %.17g, want %.17g (within %g)", what, got, want, eps);
}

static void expect_stat(const lf_agree_value *v, lf_agree_status st, double want, int64_t units,
			const char *what)
{
	if (v->status != st)
		fail_msg("%s: status %d, want %d", what, (int)v->status, (int)st);
	if (v->units != units)
		fail_msg("%s: %lld units, want %lld", what, (long long)v->units, (long long)units);
	expect_near(v->value, st == LF_AGREE_OK ? want : NAN, 1e-12, what);
}

/* Bit for bit: the same counts must give the same arithmetic. */
static void expect_same(const lf_agree_value *x, const lf_agree_value *y, const char *what)
{
	if (x->status != y->status || x->units != y->units || x->skipped != y->skipped ||
	    x->raters != y->raters || (isnan(x->value) != isnan(y->value)) ||
	    (!isnan(x->value) && x->value != y->value))
		fail_msg("%s: incremental (%d, %lld units, %lld skipped, %d raters, %.17g) != "
			 "from scratch (%d, %lld, %lld, %d, %.17g)",
			 what, (int)x->status, (long long)x->units, (long long)x->skipped,
			 x->raters, x->value, (int)y->status, (long long)y->units,
			 (long long)y->skipped, y->raters, y->value);
}

/* A row of a units x coders reliability data matrix, 0 = missing. */
static unit matrix_unit(const int *row, int coders)
{
	unit u = {.n = 0};
	int c;

	for (c = 0; c < coders; c++)
		if (row[c]) {
			u.r[u.n].coder = c;
			u.r[u.n].category = row[c];
			u.n++;
		}
	return u;
}

static void add_matrix_row(lf_agree *a, const int *row, int coders)
{
	unit u = matrix_unit(row, coders);

	assert_int_equal(lf_agree_add(a, u.r, u.n), LF_OK);
}

/* ---- published worked examples ------------------------------------------ */

/*
 * Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011),
 * section C: observers A-D, 12 units, values 1-5, "." missing (0 here).
 * Nominal alpha = 0.743: n = 40 pairable values, 8 off-diagonal
 * coincidences, n_c = 9, 13, 10, 5, 3, so alpha = 1 - 39 * 8 / (1600 -
 * 384) = 113/152. Unit 12 has a single value and is not pairable.
 */
static const int kripp[12][4] = {
    {1, 1, 0, 1}, {2, 2, 3, 2}, {3, 3, 3, 3}, {3, 3, 3, 3}, {2, 2, 2, 2}, {1, 2, 3, 4},
    {4, 4, 4, 4}, {1, 1, 2, 1}, {2, 2, 2, 2}, {0, 5, 5, 5}, {0, 0, 1, 1}, {0, 3, 0, 0},
};

static void test_krippendorff_example(void **state)
{
	lf_agree *a = NULL;
	lf_agree_value v, pct, kappa;
	unit u12 = matrix_unit(kripp[11], 4);
	double alpha;
	int k;

	assert_int_equal(lf_agree_new(&a), LF_OK);
	for (k = 0; k < 12; k++)
		add_matrix_row(a, kripp[k], 4);
	assert_int_equal(lf_agree_alpha(a, &v), LF_OK);
	expect_stat(&v, LF_AGREE_OK, 113.0 / 152, 11, "alpha");
	expect_near(round(v.value * 1000) / 1000, 0.743, 0, "alpha to three places");
	alpha = v.value;

	/* Per unit 1, 0.5, 1, 1, 1, 0, 1, 0.5, 1, 1, 1 over the 11 pairable. */
	assert_int_equal(lf_agree_percent(a, &v), LF_OK);
	expect_stat(&v, LF_AGREE_OK, 9.0 / 11, 11, "percent");

	/* Fleiss on the 8 units all four observers rated (the most common
	 * count); units 1, 10, 11 and 12 are left out. P = 72 / 96,
	 * p_c = 4, 13, 10, 5 / 32: kappa = (768 - 310) / (1024 - 310). */
	assert_int_equal(lf_agree_fleiss(a, 0, &v), LF_OK);
	expect_stat(&v, LF_AGREE_OK, 458.0 / 714, 8, "fleiss");
	assert_int_equal(v.raters, 4);
	assert_int_equal(v.skipped, 4);
	/* The two units with three values, asked for. */
	assert_int_equal(lf_agree_fleiss(a, 3, &v), LF_OK);
	assert_int_equal(v.units, 2);
	assert_int_equal(v.skipped, 10);

	/* Observers A and B share units 1-9 and differ on unit 6 only:
	 * chance = 3*2 + 3*4 + 2*2 + 1*1 = 23, kappa = (8*9 - 23) / (81 - 23). */
	assert_int_equal(lf_agree_pair(a, 0, 1, &pct, &kappa), LF_OK);
	expect_stat(&pct, LF_AGREE_OK, 8.0 / 9, 9, "A-B percent");
	expect_stat(&kappa, LF_AGREE_OK, 49.0 / 58, 9, "A-B kappa");

	/* A unit with one value changes no statistic but Fleiss' skipped. */
	assert_int_equal(lf_agree_remove(a, u12.r, u12.n), LF_OK);
	assert_int_equal(lf_agree_alpha(a, &v), LF_OK);
	assert_true(v.value == alpha);
	assert_int_equal(v.units, 11);
	assert_int_equal(lf_agree_fleiss(a, 0, &v), LF_OK);
	assert_int_equal(v.skipped, 3);
	lf_agree_free(a);
}

/*
 * Fleiss (1971) as Wikipedia's "Fleiss' kappa" article gives it: 10
 * subjects, 14 raters each, 5 categories, counts per subject. P = 688 /
 * 1820, P_e = 4170 / 19600, kappa = 42110 / 200590 = 0.210.
 */
static void test_fleiss_example(void **state)
{
	static const int counts[10][5] = {
	    {0, 0, 0, 0, 14}, {0, 2, 6, 4, 2}, {0, 0, 3, 5, 6}, {0, 3, 9, 2, 0}, {2, 2, 8, 1, 1},
	    {7, 7, 0, 0, 0},  {3, 2, 6, 3, 0}, {2, 5, 3, 2, 2}, {6, 5, 2, 1, 0}, {0, 2, 2, 3, 7},
	};
	lf_agree *a = NULL;
	lf_agree_value v;
	int s, c, k;

	assert_int_equal(lf_agree_new(&a), LF_OK);
	for (s = 0; s < 10; s++) {
		unit u = {.n = 0};

		/* Who the 14 raters are does not matter to Fleiss. */
		for (c = 0; c < 5; c++)
			for (k = 0; k < counts[s][c]; k++) {
				u.r[u.n].coder = (int)u.n;
				u.r[u.n].category = c;
				u.n++;
			}
		assert_int_equal(u.n, 14);
		assert_int_equal(lf_agree_add(a, u.r, u.n), LF_OK);
	}
	assert_int_equal(lf_agree_fleiss(a, 0, &v), LF_OK);
	expect_stat(&v, LF_AGREE_OK, 42110.0 / 200590, 10, "fleiss");
	expect_near(round(v.value * 1000) / 1000, 0.210, 0, "fleiss to three places");
	assert_int_equal(v.raters, 14);
	assert_int_equal(v.skipped, 0);
	assert_int_equal(lf_agree_fleiss(a, 14, &v), LF_OK);
	expect_stat(&v, LF_AGREE_OK, 42110.0 / 200590, 10, "fleiss, 14 asked");
	/* P is the mean per-subject agreement. */
	assert_int_equal(lf_agree_percent(a, &v), LF_OK);
	expect_stat(&v, LF_AGREE_OK, 688.0 / 1820, 10, "percent");
	lf_agree_free(a);
}

/* Wikipedia's "Cohen's kappa": 20 yes/yes, 5 yes/no, 10 no/yes, 15
 * no/no; p_o = 0.7, p_e = 0.5, kappa = 0.4. */
static void test_cohen_example(void **state)
{
	static const struct {
		int a, b, times;
	} cells[] = {{1, 1, 20}, {1, 0, 5}, {0, 1, 10}, {0, 0, 15}};
	lf_agree *a = NULL;
	lf_agree_value pct, kappa, back;
	size_t c;
	int k, i, j;

	assert_int_equal(lf_agree_new(&a), LF_OK);
	for (c = 0; c < LF_ARRAY_LEN(cells); c++)
		for (k = 0; k < cells[c].times; k++) {
			lf_agree_rating r[2] = {{0, cells[c].a}, {1, cells[c].b}};

			assert_int_equal(lf_agree_add(a, r, 2), LF_OK);
		}
	assert_int_equal(lf_agree_pair(a, 0, 1, &pct, &kappa), LF_OK);
	expect_stat(&pct, LF_AGREE_OK, 0.7, 50, "percent");
	expect_stat(&kappa, LF_AGREE_OK, 0.4, 50, "kappa");
	/* Either order, and through the matrix's list of pairs. */
	assert_int_equal(lf_agree_pair(a, 1, 0, NULL, &back), LF_OK);
	expect_same(&back, &kappa, "kappa, coders swapped");
	assert_int_equal(lf_agree_pair_count(a), 1);
	assert_int_equal(lf_agree_pair_at(a, 0, &i, &j, &back, NULL), LF_OK);
	assert_int_equal(i, 0);
	assert_int_equal(j, 1);
	expect_same(&back, &pct, "percent through pair_at");
	lf_agree_free(a);
}

/* ---- edge cases ---------------------------------------------------------- */

static void test_no_data(void **state)
{
	lf_agree *a = NULL;
	lf_agree_value v, k;
	lf_agree_rating one = {3, 1};

	assert_int_equal(lf_agree_new(&a), LF_OK);
	assert_int_equal(lf_agree_percent(a, &v), LF_OK);
	expect_stat(&v, LF_AGREE_NO_DATA, 0, 0, "percent, empty");
	assert_int_equal(lf_agree_alpha(a, &v), LF_OK);
	expect_stat(&v, LF_AGREE_NO_DATA, 0, 0, "alpha, empty");
	assert_int_equal(lf_agree_fleiss(a, 0, &v), LF_OK);
	expect_stat(&v, LF_AGREE_NO_DATA, 0, 0, "fleiss, empty");
	assert_int_equal(v.skipped, 0);
	assert_int_equal(lf_agree_pair(a, 0, 1, &v, &k), LF_OK);
	expect_stat(&v, LF_AGREE_NO_DATA, 0, 0, "pair percent, empty");
	expect_stat(&k, LF_AGREE_NO_DATA, 0, 0, "pair kappa, empty");
	assert_int_equal(lf_agree_pair_count(a), 0);

	/* An empty unit is nothing; a unit with one value is not pairable. */
	assert_int_equal(lf_agree_add(a, NULL, 0), LF_OK);
	assert_int_equal(lf_agree_add(a, &one, 1), LF_OK);
	assert_int_equal(lf_agree_alpha(a, &v), LF_OK);
	expect_stat(&v, LF_AGREE_NO_DATA, 0, 0, "alpha, one value");
	assert_int_equal(lf_agree_percent(a, &v), LF_OK);
	expect_stat(&v, LF_AGREE_NO_DATA, 0, 0, "percent, one value");
	assert_int_equal(lf_agree_fleiss(a, 0, &v), LF_OK);
	expect_stat(&v, LF_AGREE_NO_DATA, 0, 0, "fleiss, one value");
	assert_int_equal(v.skipped, 1);
	assert_int_equal(lf_agree_unit_percent(&one, 1, &v), LF_OK);
	expect_stat(&v, LF_AGREE_NO_DATA, 0, 0, "unit percent, one value");
	lf_agree_free(a);
}

/* Every value in one category: perfect percent agreement, but chance
 * agreement is 1 too, and kappa and alpha are 0/0. */
static void test_one_category(void **state)
{
	lf_agree_rating u1[] = {{0, 3}, {1, 3}};
	lf_agree_rating u2[] = {{2, 3}, {0, 3}, {1, 3}};
	lf_agree_rating u3[] = {{0, 3}, {1, 2}};
	lf_agree *a = NULL;
	lf_agree_value v, k;

	assert_int_equal(lf_agree_new(&a), LF_OK);
	assert_int_equal(lf_agree_add(a, u1, 2), LF_OK);
	assert_int_equal(lf_agree_add(a, u2, 3), LF_OK);
	assert_int_equal(lf_agree_percent(a, &v), LF_OK);
	expect_stat(&v, LF_AGREE_OK, 1, 2, "percent");
	assert_int_equal(lf_agree_alpha(a, &v), LF_OK);
	expect_stat(&v, LF_AGREE_NO_VARIATION, 0, 2, "alpha");
	assert_int_equal(lf_agree_fleiss(a, 2, &v), LF_OK);
	expect_stat(&v, LF_AGREE_NO_VARIATION, 0, 1, "fleiss");
	assert_int_equal(lf_agree_pair(a, 0, 1, &v, &k), LF_OK);
	expect_stat(&v, LF_AGREE_OK, 1, 2, "pair percent");
	expect_stat(&k, LF_AGREE_NO_VARIATION, 0, 2, "pair kappa");

	/* One disagreement brings the variation back: n = 7, n_c = 1, 6,
	 * one disagreeing pair in a unit of two, alpha = 1 - 6 * 2 / 12. */
	assert_int_equal(lf_agree_add(a, u3, 2), LF_OK);
	assert_int_equal(lf_agree_alpha(a, &v), LF_OK);
	expect_stat(&v, LF_AGREE_OK, 0, 3, "alpha with one disagreement");
	/* Pair 0-1: 0 said 3 thrice, 1 said 3, 3, 2: p_o = 2/3, p_e = 2/3. */
	assert_int_equal(lf_agree_pair(a, 0, 1, NULL, &k), LF_OK);
	expect_stat(&k, LF_AGREE_OK, 0, 3, "pair kappa with one disagreement");
	lf_agree_free(a);
}

/* Fleiss' kappa on its own picks the number of ratings most units have,
 * the larger of two as common, and counts the units left out. */
static void test_fleiss_raters(void **state)
{
	lf_agree_rating two[] = {{0, 1}, {1, 2}};
	lf_agree_rating two_more[] = {{2, 1}, {3, 1}};
	lf_agree_rating three[] = {{0, 1}, {1, 1}, {2, 2}};
	lf_agree *a = NULL;
	lf_agree_value v;

	assert_int_equal(lf_agree_new(&a), LF_OK);
	assert_int_equal(lf_agree_add(a, two, 2), LF_OK);
	assert_int_equal(lf_agree_add(a, three, 3), LF_OK);
	assert_int_equal(lf_agree_fleiss(a, 0, &v), LF_OK);
	assert_int_equal(v.raters, 3);
	assert_int_equal(v.units, 1);
	assert_int_equal(v.skipped, 1);
	assert_int_equal(lf_agree_add(a, two_more, 2), LF_OK);
	assert_int_equal(lf_agree_fleiss(a, 0, &v), LF_OK);
	assert_int_equal(v.raters, 2);
	assert_int_equal(v.units, 2);
	assert_int_equal(v.skipped, 1);
	/* Two units of two: P = 1/2, p = 3/4, 1/4, P_e = 5/8. */
	expect_stat(&v, LF_AGREE_OK, (0.5 - 0.625) / (1 - 0.625), 2, "fleiss");
	assert_int_equal(lf_agree_fleiss(a, 5, &v), LF_OK);
	expect_stat(&v, LF_AGREE_NO_DATA, 0, 0, "fleiss, five raters");
	assert_int_equal(v.raters, 5);
	assert_int_equal(v.skipped, 3);
	lf_agree_free(a);
}

/* Two coders who never agree, each always in their own category: no
 * agreement beyond chance (p_o = p_e = 0). */
static void test_constant_disagreement(void **state)
{
	lf_agree_rating r[] = {{4, 0}, {7, 1}};
	lf_agree *a = NULL;
	lf_agree_value v, k;
	int n;

	assert_int_equal(lf_agree_new(&a), LF_OK);
	for (n = 0; n < 5; n++)
		assert_int_equal(lf_agree_add(a, r, 2), LF_OK);
	assert_int_equal(lf_agree_pair(a, 7, 4, &v, &k), LF_OK);
	expect_stat(&v, LF_AGREE_OK, 0, 5, "percent");
	expect_stat(&k, LF_AGREE_OK, 0, 5, "kappa");
	/* alpha = 1 - 9 * 10 / (100 - 50): worse than chance. */
	assert_int_equal(lf_agree_alpha(a, &v), LF_OK);
	expect_stat(&v, LF_AGREE_OK, 1 - 90.0 / 50, 5, "alpha");
	lf_agree_free(a);
}

static void test_invalid_input(void **state)
{
	lf_agree *a = NULL;
	lf_agree_value v, before, after;
	lf_agree_rating ok[] = {{0, 1}, {1, 1}, {2, 0}};
	lf_agree_rating dup[] = {{0, 1}, {0, 2}};
	lf_agree_rating neg_coder[] = {{-1, 1}, {1, 1}};
	lf_agree_rating neg_cat[] = {{0, -1}, {1, 1}};
	lf_agree_rating big_cat[] = {{0, LF_AGREE_MAX_CATEGORIES}, {1, 1}};
	lf_agree_rating big_coder[] = {{LF_AGREE_MAX_CODERS, 1}, {1, 1}};
	lf_agree_rating never[] = {{0, 1}, {1, 0}};
	lf_agree_rating *many = calloc(LF_AGREE_MAX_RATINGS + 1, sizeof(*many));
	int i, j;

	assert_non_null(many);
	for (i = 0; i <= LF_AGREE_MAX_RATINGS; i++)
		many[i].coder = i;
	assert_int_equal(lf_agree_new(NULL), LF_ERR_INVALID);
	assert_int_equal(lf_agree_new(&a), LF_OK);
	assert_int_equal(lf_agree_add(NULL, ok, 3), LF_ERR_INVALID);
	assert_int_equal(lf_agree_add(a, NULL, 3), LF_ERR_INVALID);
	assert_int_equal(lf_agree_add(a, dup, 2), LF_ERR_INVALID);
	assert_int_equal(lf_agree_add(a, neg_coder, 2), LF_ERR_INVALID);
	assert_int_equal(lf_agree_add(a, neg_cat, 2), LF_ERR_INVALID);
	assert_int_equal(lf_agree_add(a, big_cat, 2), LF_ERR_INVALID);
	assert_int_equal(lf_agree_add(a, big_coder, 2), LF_ERR_INVALID);
	assert_int_equal(lf_agree_add(a, many, LF_AGREE_MAX_RATINGS + 1), LF_ERR_LIMIT);
	assert_int_equal(lf_agree_remove(a, many, LF_AGREE_MAX_RATINGS + 1), LF_ERR_LIMIT);
	assert_int_equal(lf_agree_unit_percent(many, LF_AGREE_MAX_RATINGS + 1, &v), LF_ERR_LIMIT);
	assert_int_equal(lf_agree_unit_percent(many, LF_AGREE_MAX_RATINGS, &v), LF_OK);
	expect_stat(&v, LF_AGREE_OK, 1, 1, "unit percent, most ratings");
	assert_int_equal(lf_agree_unit_percent(dup, 2, &v), LF_ERR_INVALID);
	assert_int_equal(lf_agree_unit_percent(ok, 3, NULL), LF_ERR_INVALID);
	assert_int_equal(lf_agree_percent(NULL, &v), LF_ERR_INVALID);
	assert_int_equal(lf_agree_alpha(a, NULL), LF_ERR_INVALID);
	assert_int_equal(lf_agree_fleiss(a, 1, &v), LF_ERR_INVALID);
	assert_int_equal(lf_agree_fleiss(a, -2, &v), LF_ERR_INVALID);
	assert_int_equal(lf_agree_pair(a, 2, 2, &v, NULL), LF_ERR_INVALID);
	assert_int_equal(lf_agree_pair(a, -1, 2, &v, NULL), LF_ERR_INVALID);
	assert_int_equal(lf_agree_pair_at(a, lf_agree_pair_count(a), &i, &j, NULL, NULL),
			 LF_ERR_INVALID);

	/* Removing what was never added is refused and changes nothing. */
	assert_int_equal(lf_agree_remove(a, ok, 3), LF_ERR_CONFLICT);
	assert_int_equal(lf_agree_add(a, ok, 3), LF_OK);
	assert_int_equal(lf_agree_alpha(a, &before), LF_OK);
	assert_int_equal(lf_agree_remove(a, never, 2), LF_ERR_CONFLICT);
	assert_int_equal(lf_agree_remove(a, dup, 2), LF_ERR_INVALID);
	assert_int_equal(lf_agree_alpha(a, &after), LF_OK);
	expect_same(&after, &before, "alpha after refused removals");
	assert_int_equal(lf_agree_remove(a, ok, 3), LF_OK);
	assert_int_equal(lf_agree_remove(a, ok, 3), LF_ERR_CONFLICT);
	free(many);
	lf_agree_free(a);
	lf_agree_free(NULL);
}

/* ---- incremental = from scratch ------------------------------------------ */

/* xorshift64*: a fixed seed gives the same sequence everywhere. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

/* 0..8 distinct coders of 0..coders - 1, mostly agreeing on a category. */
static unit random_unit(uint64_t *s, int coders, int categories)
{
	unit u = {.n = 0};
	int truth = (int)(rnd(s) % (uint64_t)categories);
	size_t want = rnd(s) % 9, x;

	while (u.n < want) {
		int c = (int)(rnd(s) % (uint64_t)coders), seen = 0;

		for (x = 0; x < u.n; x++)
			seen |= u.r[x].coder == c;
		if (seen)
			continue;
		u.r[u.n].coder = c;
		u.r[u.n].category = rnd(s) % 3 ? truth : (int)(rnd(s) % (uint64_t)categories);
		u.n++;
	}
	return u;
}

/* The same ratings in another order. */
static void shuffle(unit *u, uint64_t *s)
{
	size_t x;

	for (x = u->n; x > 1; x--) {
		size_t y = rnd(s) % x;
		lf_agree_rating t = u->r[x - 1];

		u->r[x - 1] = u->r[y];
		u->r[y] = t;
	}
}

static lf_agree *from_scratch(const unit *units, size_t n)
{
	lf_agree *a = NULL;
	size_t k;

	assert_int_equal(lf_agree_new(&a), LF_OK);
	for (k = 0; k < n; k++)
		assert_int_equal(lf_agree_add(a, units[k].r, units[k].n), LF_OK);
	return a;
}

static void expect_same_stats(const lf_agree *x, const lf_agree *y, int coders)
{
	lf_agree_value vx, vy, kx, ky;
	char what[64];
	int i, j, m;

	assert_int_equal(lf_agree_percent(x, &vx), LF_OK);
	assert_int_equal(lf_agree_percent(y, &vy), LF_OK);
	expect_same(&vx, &vy, "percent");
	assert_int_equal(lf_agree_alpha(x, &vx), LF_OK);
	assert_int_equal(lf_agree_alpha(y, &vy), LF_OK);
	expect_same(&vx, &vy, "alpha");
	for (m = 0; m <= 9; m += m ? 1 : 2) {
		assert_int_equal(lf_agree_fleiss(x, m, &vx), LF_OK);
		assert_int_equal(lf_agree_fleiss(y, m, &vy), LF_OK);
		snprintf(what, sizeof(what), "fleiss, %d raters", m);
		expect_same(&vx, &vy, what);
	}
	for (i = 0; i < coders; i++)
		for (j = i + 1; j < coders; j++) {
			assert_int_equal(lf_agree_pair(x, i, j, &vx, &kx), LF_OK);
			assert_int_equal(lf_agree_pair(y, i, j, &vy, &ky), LF_OK);
			snprintf(what, sizeof(what), "pair %d-%d percent", i, j);
			expect_same(&vx, &vy, what);
			snprintf(what, sizeof(what), "pair %d-%d kappa", i, j);
			expect_same(&kx, &ky, what);
		}
}

/*
 * 6,000 random steps over up to 300 held units of 40 coders: add a unit,
 * remove one, or change one (remove the old ratings, add the new), with
 * new categories appearing as it goes and ratings given back in another
 * order. Every 500 steps, and at the end, the statistics equal exactly
 * those of an accumulator given only the units held. Then everything is
 * removed and nothing is left to compare.
 */
static void test_incremental_matches_scratch(void **state)
{
	enum { CODERS = 40, CAP = 300, STEPS = 6000 };
	static unit held[CAP];
	size_t n = 0, k;
	uint64_t s = UINT64_C(0x9e3779b97f4a7c15);
	lf_agree *a = NULL, *b;
	lf_agree_value v;
	int step;

	assert_int_equal(lf_agree_new(&a), LF_OK);
	for (step = 1; step <= STEPS; step++) {
		int categories = 2 + step / 1000;
		uint64_t op = rnd(&s) % 4;

		if (n < CAP && (op < 2 || n == 0)) {
			held[n] = random_unit(&s, CODERS, categories);
			assert_int_equal(lf_agree_add(a, held[n].r, held[n].n), LF_OK);
			n++;
		} else {
			k = rnd(&s) % n;
			shuffle(&held[k], &s);
			assert_int_equal(lf_agree_remove(a, held[k].r, held[k].n), LF_OK);
			if (op == 2) {
				held[k] = held[--n];
			} else {
				held[k] = random_unit(&s, CODERS, categories);
				assert_int_equal(lf_agree_add(a, held[k].r, held[k].n), LF_OK);
			}
		}
		if (step % 500 == 0) {
			b = from_scratch(held, n);
			expect_same_stats(a, b, CODERS);
			lf_agree_free(b);
		}
	}
	assert_true(lf_agree_pair_count(a) > 100);
	while (n > 0) {
		n--;
		assert_int_equal(lf_agree_remove(a, held[n].r, held[n].n), LF_OK);
	}
	b = from_scratch(held, 0);
	expect_same_stats(a, b, CODERS);
	lf_agree_free(b);
	assert_int_equal(lf_agree_alpha(a, &v), LF_OK);
	assert_int_equal(v.status, LF_AGREE_NO_DATA);
	lf_agree_free(a);
}

/* ---- the independent computation ----------------------------------------- */

static lf_agree_status parse_status(const char *s)
{
	if (s && strcmp(s, "ok") == 0)
		return LF_AGREE_OK;
	if (s && strcmp(s, "no_data") == 0)
		return LF_AGREE_NO_DATA;
	if (s && strcmp(s, "no_variation") == 0)
		return LF_AGREE_NO_VARIATION;
	fail_msg("reference: unknown status %s", s ? s : "(none)");
	return LF_AGREE_NO_DATA;
}

static double parse_double(const char *s)
{
	char *end;
	double d;

	assert_non_null(s);
	d = strtod(s, &end);
	if (*end)
		fail_msg("reference: not a number: %s", s);
	return d;
}

static long parse_long(const char *s)
{
	assert_non_null(s);
	return strtol(s, NULL, 10);
}

static void expect_ref(const lf_agree_value *v, lf_agree_status st, long units, double want,
		       const char *what, long seed)
{
	char buf[96];

	snprintf(buf, sizeof(buf), "seed %ld: %s", seed, what);
	if (v->status != st)
		fail_msg("%s: status %d, reference %d", buf, (int)v->status, (int)st);
	if (v->units != units)
		fail_msg("%s: %lld units, reference %ld", buf, (long long)v->units, units);
	expect_near(v->value, want, EPS, buf);
}

/* Removes the first half of the units and adds them again, each with its
 * ratings in another order: the counts compared to the reference's have
 * been through removals too. */
static void churn(lf_agree *a, unit *units, size_t n, uint64_t *s)
{
	size_t k;

	for (k = 0; k < n / 2; k++) {
		assert_int_equal(lf_agree_remove(a, units[k].r, units[k].n), LF_OK);
		shuffle(&units[k], s);
	}
	for (k = n / 2; k-- > 0;)
		assert_int_equal(lf_agree_add(a, units[k].r, units[k].n), LF_OK);
}

/* The reference's data sets, statistic by statistic (its docstring has
 * the format); the first statistic of a set churns the units first. */
static void test_matches_reference(void **state)
{
	FILE *p = popen("python3 " REF_SCRIPT, "r");
	char *line = NULL, *save, *tok;
	size_t cap = 0, n = 0;
	unit *units = NULL;
	lf_agree *a = NULL;
	lf_agree_value v, pct, kappa;
	long seed = 0, sets = 0, checked = 0;
	uint64_t s = 7;
	int churned = 0;

	assert_non_null(p);
	while (getline(&line, &cap, p) > 0) {
		tok = strtok_r(line, " \n", &save);
		if (!tok)
			continue;
		if (strcmp(tok, "set") == 0) {
			seed = parse_long(strtok_r(NULL, " \n", &save));
			assert_null(a);
			assert_int_equal(lf_agree_new(&a), LF_OK);
			n = 0;
			churned = 0;
		} else if (strcmp(tok, "unit") == 0) {
			double want = parse_double(strtok_r(NULL, " \n", &save));
			unit u = {.n = 0};

			while ((tok = strtok_r(NULL, " \n", &save)) != NULL) {
				assert_true(u.n < LF_ARRAY_LEN(u.r));
				assert_int_equal(
				    sscanf(tok, "%d:%d", &u.r[u.n].coder, &u.r[u.n].category), 2);
				u.n++;
			}
			assert_int_equal(lf_agree_unit_percent(u.r, u.n, &v), LF_OK);
			expect_near(v.value, want, EPS, "unit percent");
			assert_int_equal(lf_agree_add(a, u.r, u.n), LF_OK);
			units = realloc(units, (n + 1) * sizeof(*units));
			assert_non_null(units);
			units[n++] = u;
			checked++;
		} else if (strcmp(tok, "percent") == 0 || strcmp(tok, "alpha") == 0) {
			int is_alpha = tok[0] == 'a';
			lf_agree_status st = parse_status(strtok_r(NULL, " \n", &save));
			long nu = parse_long(strtok_r(NULL, " \n", &save));
			double want = parse_double(strtok_r(NULL, " \n", &save));

			if (!churned)
				churn(a, units, n, &s);
			churned = 1;
			assert_int_equal(is_alpha ? lf_agree_alpha(a, &v) : lf_agree_percent(a, &v),
					 LF_OK);
			expect_ref(&v, st, nu, want, is_alpha ? "alpha" : "percent", seed);
			checked++;
		} else if (strcmp(tok, "fleiss") == 0) {
			int asked = (int)parse_long(strtok_r(NULL, " \n", &save));
			int raters = (int)parse_long(strtok_r(NULL, " \n", &save));
			lf_agree_status st = parse_status(strtok_r(NULL, " \n", &save));
			long nu = parse_long(strtok_r(NULL, " \n", &save));
			long skipped = parse_long(strtok_r(NULL, " \n", &save));
			double want = parse_double(strtok_r(NULL, " \n", &save));

			assert_int_equal(lf_agree_fleiss(a, asked, &v), LF_OK);
			expect_ref(&v, st, nu, want, "fleiss", seed);
			assert_int_equal(v.raters, raters);
			assert_int_equal(v.skipped, skipped);
			checked++;
		} else if (strcmp(tok, "pair") == 0) {
			int i = (int)parse_long(strtok_r(NULL, " \n", &save));
			int j = (int)parse_long(strtok_r(NULL, " \n", &save));
			long shared = parse_long(strtok_r(NULL, " \n", &save));
			lf_agree_status pst = parse_status(strtok_r(NULL, " \n", &save));
			double pwant = parse_double(strtok_r(NULL, " \n", &save));
			lf_agree_status kst = parse_status(strtok_r(NULL, " \n", &save));
			double kwant = parse_double(strtok_r(NULL, " \n", &save));

			assert_int_equal(lf_agree_pair(a, i, j, &pct, &kappa), LF_OK);
			expect_ref(&pct, pst, shared, pwant, "pair percent", seed);
			expect_ref(&kappa, kst, shared, kwant, "pair kappa", seed);
			checked++;
		} else if (strcmp(tok, "end") == 0) {
			lf_agree_free(a);
			a = NULL;
			sets++;
		} else if (strcmp(tok, "done") == 0) {
			assert_int_equal(parse_long(strtok_r(NULL, " \n", &save)), sets);
		} else {
			fail_msg("reference: unexpected line %s", tok);
		}
	}
	assert_int_equal(pclose(p), 0);
	assert_int_equal(sets, REF_SETS);
	assert_true(checked > 1000);
	assert_null(a);
	free(units);
	free(line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_krippendorff_example),
	    cmocka_unit_test(test_fleiss_example),
	    cmocka_unit_test(test_cohen_example),
	    cmocka_unit_test(test_no_data),
	    cmocka_unit_test(test_one_category),
	    cmocka_unit_test(test_fleiss_raters),
	    cmocka_unit_test(test_constant_disagreement),
	    cmocka_unit_test(test_invalid_input),
	    cmocka_unit_test(test_incremental_matches_scratch),
	    cmocka_unit_test(test_matches_reference),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
