/*
 * assign.c - one-to-one matching of maximum total weight, for pairing an
 * answer's regions with gold's.
 *
 * Greedy matching (best pair first) can lose: an answer box that overlaps
 * two gold boxes may take the one a second answer box needed, leaving that
 * one unmatched. The Hungarian algorithm finds the best assignment in
 * O(n^2 m) for n <= m. This is the Kuhn-Munkres method in its
 * shortest-augmenting-path form with row and column potentials: each row in
 * turn is added, growing a tree of tight edges from it until a free column
 * is reached, then the path is flipped.
 */
#include "quality/score.h"

#include <math.h>
#include <stdlib.h>

static int solve(const double *cost, size_t n, size_t m, size_t *col_row);

/* Minimises the sum of cost (n x m, n <= m) over assignments of every row
 * to a distinct column. col_row (m + 1 entries, 1-based rows, 0 = free) is
 * the result: col_row[j] is the row given column j (1-based). */
static int solve(const double *cost, size_t n, size_t m, size_t *col_row)
{
	int ret = LF_ERR_NOMEM;
	double *u = calloc(n + 1, sizeof(*u)), *v = calloc(m + 1, sizeof(*v));
	double *minv = malloc((m + 1) * sizeof(*minv));
	size_t *way = calloc(m + 1, sizeof(*way));
	bool *used = malloc((m + 1) * sizeof(*used));

	if (u == NULL || v == NULL || minv == NULL || way == NULL || used == NULL)
		goto cleanup;
	for (size_t j = 0; j <= m; j++)
		col_row[j] = 0;
	for (size_t i = 1; i <= n; i++) {
		size_t j0 = 0, j1 = 0;
		col_row[0] = i;
		for (size_t j = 0; j <= m; j++) {
			minv[j] = INFINITY;
			used[j] = false;
		}
		do {
			size_t i0 = col_row[j0];
			double delta = INFINITY;
			used[j0] = true;
			for (size_t j = 1; j <= m; j++) {
				double cur;
				if (used[j])
					continue;
				cur = cost[(i0 - 1) * m + (j - 1)] - u[i0] - v[j];
				if (cur < minv[j]) {
					minv[j] = cur;
					way[j] = j0;
				}
				if (minv[j] < delta) {
					delta = minv[j];
					j1 = j;
				}
			}
			for (size_t j = 0; j <= m; j++) {
				if (used[j]) {
					u[col_row[j]] += delta;
					v[j] -= delta;
				} else {
					minv[j] -= delta;
				}
			}
			j0 = j1;
		} while (col_row[j0] != 0);
		do {
			j1 = way[j0];
			col_row[j0] = col_row[j1];
			j0 = j1;
		} while (j0 != 0);
	}
	ret = LF_OK;

cleanup:
	free(u);
	free(v);
	free(minv);
	free(way);
	free(used);
	return ret;
}

/* Works on the transpose when there are more rows than columns, so the
 * solver always assigns the smaller side completely. */
int lf_score_assign(const double *w, size_t rows, size_t cols, size_t *row_to_col)
{
	int ret = LF_ERR_NOMEM;
	bool transpose = rows > cols;
	size_t n = transpose ? cols : rows, m = transpose ? rows : cols;
	double *cost = NULL;
	size_t *col_row = NULL;

	if (rows > LF_SCORE_MAX_ASSIGN || cols > LF_SCORE_MAX_ASSIGN)
		return LF_ERR_LIMIT;
	for (size_t i = 0; i < rows; i++)
		row_to_col[i] = LF_SCORE_NONE;
	if (n == 0)
		return LF_OK;
	cost = malloc(n * m * sizeof(*cost));
	col_row = malloc((m + 1) * sizeof(*col_row));
	if (cost == NULL || col_row == NULL)
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < m; j++)
			cost[i * m + j] = -(transpose ? w[j * cols + i] : w[i * cols + j]);
	}
	if ((ret = solve(cost, n, m, col_row)) != LF_OK)
		goto cleanup;
	for (size_t j = 1; j <= m; j++) {
		if (col_row[j] == 0)
			continue;
		if (transpose)
			row_to_col[j - 1] = col_row[j] - 1;
		else
			row_to_col[col_row[j] - 1] = j - 1;
	}
	ret = LF_OK;

cleanup:
	free(cost);
	free(col_row);
	return ret;
}
