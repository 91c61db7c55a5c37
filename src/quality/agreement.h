/*
 * agreement.h - inter-annotator agreement on nominal labels, kept up to
 * date one unit at a time.
 *
 * The data are reliability data: units (tasks) rated by coders
 * (annotators), each rating one category, any coder free to leave any unit
 * out. The caller maps coders and categories to small non-negative ints
 * (a project member's index, a choice's index in the label config) and
 * hands each unit over as its list of (coder, category) ratings; a coder
 * absent from the list is a missing value. New coders and categories may
 * appear at any time.
 *
 * Why incremental: a project's agreement is read far more often than the
 * whole data change, and recomputing it from 100,000 tasks on each read
 * costs O(units). So lf_agree keeps integer counts from which every
 * statistic follows, lf_agree_add and lf_agree_remove change them by one
 * unit (a unit whose ratings change is removed with its old ratings and
 * added with the new ones), and reading a statistic costs O(categories +
 * the most ratings a unit has), a coder pair's O(categories), whatever
 * the number of units. Adding or removing a unit of m ratings costs
 * O(m^2) (its coder pairs) plus growing a count for a new category. All
 * counts are integers, so any sequence of adds and removes leaves exactly
 * the counts, and gives bit for bit the statistics, of adding the
 * remaining units to a fresh lf_agree.
 *
 * Notation: unit u has m_u ratings, n_uc of them in category c. A unit is
 * pairable when m_u >= 2; a unit with one rating cannot agree or disagree
 * with anything and counts for nothing below except Fleiss' "skipped".
 * A_u = sum_c n_uc (n_uc - 1) is the number of ordered pairs of u's
 * ratings that agree, out of m_u (m_u - 1).
 *
 * What is counted, per number of ratings m (1..LF_AGREE_MAX_RATINGS):
 *   units_m = units with m ratings, agree_m = sum of A_u over them,
 *   col_m[c] = sum of n_uc over them;
 * per coder pair (i < j) over the units both rated:
 *   shared = units, same = units where i and j chose the same category,
 *   row[c] / col[c] = how often i / j chose c
 * (the diagonal sum and the marginals of the pair's confusion matrix,
 * which is all Cohen's kappa reads).
 *
 * The statistics:
 *   Percent agreement of a unit: P_u = A_u / (m_u (m_u - 1)), the share of
 *   its pairs of ratings that agree. Overall: the mean of P_u over the
 *   pairable units (each unit weighs the same). Of a coder pair: same /
 *   shared.
 *
 *   Cohen's kappa of a coder pair: p_o = same / shared,
 *   p_e = sum_c row[c] col[c] / shared^2, kappa = (p_o - p_e) / (1 - p_e).
 *
 *   Fleiss' kappa over the units with exactly n ratings (N of them):
 *   P = sum_u A_u / (N n (n - 1)) (the mean of the P_u),
 *   p_c = col_n[c] / (N n), P_e = sum_c p_c^2, kappa = (P - P_e) / (1 - P_e).
 *   Fleiss' formula needs the same number of ratings on every unit: units
 *   with another number are left out and reported as skipped.
 *
 *   Krippendorff's alpha, nominal, with missing values: the coincidence
 *   matrix o_ck = sum over pairable u of n_uc (n_uk - [c = k]) / (m_u - 1)
 *   has marginals n_c = sum over pairable u of n_uc and total
 *   n = sum_c n_c; D_o = (n - sum_c o_cc) / n and
 *   D_e = (n^2 - sum_c n_c^2) / (n (n - 1)), alpha = 1 - D_o / D_e, i.e.
 *   alpha = 1 - (n - 1) (n - sum_c o_cc) / (n^2 - sum_c n_c^2).
 *   For nominal data only the diagonal and the marginals matter, and
 *   sum_c o_cc = sum_m agree_m / (m - 1), n_c = sum_{m >= 2} col_m[c]: no
 *   C x C matrix is kept.
 *
 * Undefined values: with nothing to compare (no pairable unit, no shared
 * unit for a pair, no unit with n ratings for Fleiss) every statistic is
 * LF_AGREE_NO_DATA. When every compared rating is in one category the
 * chance agreement is 1 and the chance-corrected statistics (both kappas,
 * alpha) are 0 / 0: LF_AGREE_NO_VARIATION. Percent agreement is then 1 and
 * defined. An undefined value is NaN, so it cannot pass for a number.
 *
 * An lf_agree is not thread-safe: its owner serializes calls. Nothing here
 * does I/O or keeps global state; the statistics functions never allocate.
 */
#ifndef LF_QUALITY_AGREEMENT_H
#define LF_QUALITY_AGREEMENT_H

#include "core/lf.h"

#include <stddef.h>
#include <stdint.h>

/* Bounds that keep the counts' products inside int64_t and one add's
 * cost (O(ratings^2) for the coder pairs) small; a unit's ratings are
 * bounded far above a project's overlap (at most 20). */
#define LF_AGREE_MAX_CATEGORIES 65536		   /* categories are 0..65535 */
#define LF_AGREE_MAX_CODERS	(1 << 30)	   /* coders are 0..2^30 - 1 */
#define LF_AGREE_MAX_RATINGS	256		   /* ratings of one unit */
#define LF_AGREE_MAX_VALUES	((int64_t)1 << 30) /* ratings held at once */

/* One rating of a unit: coder chose category. */
typedef struct lf_agree_rating {
	int coder;
	int category;
} lf_agree_rating;

typedef enum lf_agree_status {
	LF_AGREE_OK = 0,      /* value is the statistic */
	LF_AGREE_NO_DATA,     /* nothing to compare; value is NaN */
	LF_AGREE_NO_VARIATION /* every compared rating in one category, chance
			       * agreement 1: the chance-corrected statistic is
			       * 0 / 0; value is NaN */
} lf_agree_status;

/* One statistic with what it was computed from. */
typedef struct lf_agree_value {
	double value; /* NaN unless status is LF_AGREE_OK */
	lf_agree_status status;
	int64_t units;	 /* units compared: pairable units; for a pair the
			  * units both coders rated; for Fleiss the units
			  * with `raters` ratings */
	int64_t skipped; /* Fleiss: units with at least one rating but
			  * another number than `raters`; else 0 */
	int raters;	 /* Fleiss: ratings per unit used; else 0 */
} lf_agree_value;

typedef struct lf_agree lf_agree;

/* Creates an empty accumulator in *out. Returns LF_OK, LF_ERR_INVALID (out
 * NULL) or LF_ERR_NOMEM. Owner: the caller, released with lf_agree_free. */
int lf_agree_new(lf_agree **out);
/* Frees a and everything it holds. NULL is allowed. */
void lf_agree_free(lf_agree *a);

/*
 * Adds one unit given as its n ratings r[0..n) (borrowed for the call; n
 * may be 0, which changes nothing). Returns LF_OK; LF_ERR_INVALID for a
 * NULL a (or r with n > 0), a coder or category out of range or a coder
 * listed twice; LF_ERR_LIMIT for more than LF_AGREE_MAX_RATINGS ratings or
 * LF_AGREE_MAX_VALUES held; LF_ERR_NOMEM. On any failure the statistics
 * are unchanged.
 */
int lf_agree_add(lf_agree *a, const lf_agree_rating *r, size_t n);
/*
 * Takes back a unit added earlier: r[0..n) must be the ratings it was added
 * with, in any order. Returns LF_OK; LF_ERR_INVALID or LF_ERR_LIMIT as
 * lf_agree_add; LF_ERR_CONFLICT, changing nothing, when removing it would
 * make a count negative, which proves no unit with these ratings is held.
 * The counts cannot prove the opposite (other units may supply them): the
 * caller keeps each unit's ratings as added, e.g. the stored annotations.
 */
int lf_agree_remove(lf_agree *a, const lf_agree_rating *r, size_t n);

/* Pairwise percent agreement over the pairable units (the mean of the
 * units' P_u) into *out. Returns LF_OK or LF_ERR_INVALID (NULL). */
int lf_agree_percent(const lf_agree *a, lf_agree_value *out);
/* Krippendorff's alpha for nominal data into *out. Returns LF_OK or
 * LF_ERR_INVALID (NULL). */
int lf_agree_alpha(const lf_agree *a, lf_agree_value *out);
/*
 * Fleiss' kappa over the units with exactly raters ratings into *out;
 * raters 0 picks the number of ratings most units have (of two as common,
 * the larger), which is the project's overlap K once most of its overlap
 * tasks are done. Returns LF_OK or LF_ERR_INVALID (NULL, raters 1 or
 * negative).
 */
int lf_agree_fleiss(const lf_agree *a, int raters, lf_agree_value *out);

/*
 * Percent agreement and Cohen's kappa of coders i and j (in either order,
 * i != j) over the units both rated, into *percent and *kappa (either may
 * be NULL). A pair that never shared a unit is LF_AGREE_NO_DATA. Returns
 * LF_OK or LF_ERR_INVALID (NULL a, coder out of range, i == j).
 */
int lf_agree_pair(const lf_agree *a, int i, int j, lf_agree_value *percent, lf_agree_value *kappa);
/*
 * The agreement matrix's cells that can hold data: the coder pairs that
 * ever shared a unit, numbered 0..lf_agree_pair_count() - 1 (a pair whose
 * shared units were all removed stays, with LF_AGREE_NO_DATA).
 * lf_agree_pair_at sets *i < *j to the k-th pair and fills *percent and
 * *kappa (either may be NULL) as lf_agree_pair; it returns LF_OK or
 * LF_ERR_INVALID (NULL, k out of range). A pair keeps its number; pairs
 * met for the first time are numbered after the others.
 */
size_t lf_agree_pair_count(const lf_agree *a);
int lf_agree_pair_at(const lf_agree *a, size_t k, int *i, int *j, lf_agree_value *percent,
		     lf_agree_value *kappa);

/* Percent agreement P_u of one unit's n ratings (not held anywhere) into
 * *out; LF_AGREE_NO_DATA for fewer than two. Returns LF_OK or
 * LF_ERR_INVALID (as lf_agree_add); LF_ERR_LIMIT past
 * LF_AGREE_MAX_RATINGS. */
int lf_agree_unit_percent(const lf_agree_rating *r, size_t n, lf_agree_value *out);

#endif
