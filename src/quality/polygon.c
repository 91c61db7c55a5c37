/*
 * polygon.c - the exact intersection over union of two simple polygons, for
 * scoring image regions.
 *
 * Method: Green's theorem. A region's area is half the integral of
 * x dy - y dx around its boundary, taken counter-clockwise, and the boundary
 * of A n B is made of the parts of A's boundary inside B and the parts of
 * B's boundary inside A. So each edge of A is cut where it meets B's
 * boundary, a piece is kept when its midpoint lies inside B, the same is done
 * for B against A, and the shoelace terms of the kept pieces add up to the
 * area of the intersection. Where the two boundaries run along each other
 * the piece is kept once, from A, when both go the same way (the regions lie
 * on the same side of it, so it bounds the intersection), and not at all when
 * they go opposite ways (the regions only touch there).
 *
 * Why this and not the alternatives: it is exact (up to floating point) for
 * convex and non-convex polygons alike; it needs no output polygon, so none
 * of the degenerate-intersection special cases of Weiler-Atherton or
 * Greiner-Hormann; and no triangulation, whose ear clipping is fragile on
 * the collinear points annotators produce. A shared edge or vertex only adds
 * cut points. Cost: O(na * nb) segment tests and a point-in-polygon test per
 * piece; edges outside the other polygon's bounding box are skipped.
 * tests/quality/polygon_ref.py checks it against triangulation with
 * Sutherland-Hodgman clipping in exact rational arithmetic.
 */
#include "quality/score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Cut points closer than this (as a fraction of their edge) make no piece. */
#define PIECE_EPS 1e-12
/* Slack on the edge parameters of a crossing, so a crossing at an end of an
 * edge is not lost to rounding; an extra cut point is harmless. */
#define T_EPS 1e-9
/* Distance, relative to the polygons' extent, within which a point counts
 * as on the other boundary. */
#define DIST_EPS 1e-9

enum side { OUTSIDE, INSIDE, ALONG_SAME, ALONG_OPPOSITE };

struct poly {
	lf_score_point *p;
	size_t n;
	double area;
	double minx, miny, maxx, maxy;
};

static int prepare(const lf_score_point *in, size_t n, struct poly *out);
static double cross(lf_score_point a, lf_score_point b);
static double seg_dist(lf_score_point m, lf_score_point a, lf_score_point b);
static int cmp_double(const void *a, const void *b);
static enum side locate(const struct poly *q, lf_score_point m, lf_score_point dir, double eps);
static double inside_boundary(const struct poly *p, const struct poly *q, bool keep_along,
			      double eps, double *ts);

static double cross(lf_score_point a, lf_score_point b)
{
	return a.x * b.y - a.y * b.x;
}

/* Copies the polygon without repeated consecutive points (nor a closing copy
 * of the first), counter-clockwise in the y-up sense (positive shoelace
 * area), with its bounding box. */
static int prepare(const lf_score_point *in, size_t n, struct poly *out)
{
	size_t k = 0;
	double twice = 0;

	memset(out, 0, sizeof(*out));
	out->p = malloc(n * sizeof(*out->p));
	if (out->p == NULL)
		return LF_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && in[i].x == out->p[k - 1].x && in[i].y == out->p[k - 1].y)
			continue;
		out->p[k++] = in[i];
	}
	while (k > 1 && out->p[k - 1].x == out->p[0].x && out->p[k - 1].y == out->p[0].y)
		k--;
	out->n = k;
	out->minx = out->miny = INFINITY;
	out->maxx = out->maxy = -INFINITY;
	for (size_t i = 0; i < k; i++) {
		twice += cross(out->p[i], out->p[(i + 1) % k]);
		out->minx = fmin(out->minx, out->p[i].x);
		out->maxx = fmax(out->maxx, out->p[i].x);
		out->miny = fmin(out->miny, out->p[i].y);
		out->maxy = fmax(out->maxy, out->p[i].y);
	}
	if (twice < 0) {
		for (size_t i = 0; i < k / 2; i++) {
			lf_score_point t = out->p[i];
			out->p[i] = out->p[k - 1 - i];
			out->p[k - 1 - i] = t;
		}
	}
	out->area = fabs(twice) / 2;
	return LF_OK;
}

static double seg_dist(lf_score_point m, lf_score_point a, lf_score_point b)
{
	double dx = b.x - a.x, dy = b.y - a.y, len2 = dx * dx + dy * dy, t = 0;

	if (len2 > 0)
		t = fmin(1, fmax(0, ((m.x - a.x) * dx + (m.y - a.y) * dy) / len2));
	return hypot(m.x - (a.x + t * dx), m.y - (a.y + t * dy));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Where m, the midpoint of a piece running in direction dir, lies relative
 * to q: on one of q's edges (and whether that edge runs the same way), else
 * inside or outside by the crossing rule. */
static enum side locate(const struct poly *q, lf_score_point m, lf_score_point dir, double eps)
{
	bool in = false;

	for (size_t i = 0; i < q->n; i++) {
		lf_score_point a = q->p[i], b = q->p[(i + 1) % q->n];
		if (seg_dist(m, a, b) <= eps)
			return dir.x * (b.x - a.x) + dir.y * (b.y - a.y) > 0 ? ALONG_SAME
									     : ALONG_OPPOSITE;
	}
	for (size_t i = 0; i < q->n; i++) {
		lf_score_point a = q->p[i], b = q->p[(i + 1) % q->n];
		if ((a.y > m.y) != (b.y > m.y) &&
		    m.x < a.x + (m.y - a.y) * (b.x - a.x) / (b.y - a.y))
			in = !in;
	}
	return in ? INSIDE : OUTSIDE;
}

/* Twice the signed area contributed by the pieces of p's boundary that lie
 * inside q (and, with keep_along, that run along q's boundary the same way).
 * ts has room for 2 * q->n + 2 cut points. */
static double inside_boundary(const struct poly *p, const struct poly *q, bool keep_along,
			      double eps, double *ts)
{
	double sum = 0;

	for (size_t i = 0; i < p->n; i++) {
		lf_score_point a = p->p[i], b = p->p[(i + 1) % p->n];
		lf_score_point r = {b.x - a.x, b.y - a.y};
		double len2 = r.x * r.x + r.y * r.y;
		size_t k = 0;

		/* Outside q's box, the whole edge is outside q. */
		if (fmax(a.x, b.x) < q->minx - eps || fmin(a.x, b.x) > q->maxx + eps ||
		    fmax(a.y, b.y) < q->miny - eps || fmin(a.y, b.y) > q->maxy + eps)
			continue;
		ts[k++] = 0;
		ts[k++] = 1;
		for (size_t j = 0; j < q->n; j++) {
			lf_score_point c = q->p[j], d = q->p[(j + 1) % q->n];
			lf_score_point s = {d.x - c.x, d.y - c.y}, ac = {c.x - a.x, c.y - a.y};
			double denom = cross(r, s);
			/* A crossing with the edge c-d. */
			if (fabs(denom) > 1e-12 * sqrt(len2 * (s.x * s.x + s.y * s.y))) {
				double t = cross(ac, s) / denom, u = cross(ac, r) / denom;
				if (t > -T_EPS && t < 1 + T_EPS && u > -T_EPS && u < 1 + T_EPS)
					ts[k++] = fmin(1, fmax(0, t));
			}
			/* q's vertex c on the edge. The crossing test above finds it
			 * through c's edges too, except where they run (nearly) along
			 * this edge: there the crossing is skipped or ill-conditioned,
			 * and the projection of c is the cut that matters. */
			if (seg_dist(c, a, b) <= eps)
				ts[k++] = fmin(1, fmax(0, (ac.x * r.x + ac.y * r.y) / len2));
		}
		qsort(ts, k, sizeof(*ts), cmp_double);
		for (size_t j = 0; j + 1 < k; j++) {
			lf_score_point from = {a.x + ts[j] * r.x, a.y + ts[j] * r.y};
			lf_score_point to = {a.x + ts[j + 1] * r.x, a.y + ts[j + 1] * r.y};
			lf_score_point mid = {(from.x + to.x) / 2, (from.y + to.y) / 2};
			enum side where;
			if (ts[j + 1] - ts[j] <= PIECE_EPS)
				continue;
			where = locate(q, mid, r, eps);
			if (where == INSIDE || (keep_along && where == ALONG_SAME))
				sum += cross(from, to);
		}
	}
	return sum;
}

int lf_score_polygon_iou(const lf_score_point *a, size_t na, const lf_score_point *b, size_t nb,
			 double *iou)
{
	int ret;
	struct poly pa = {0}, pb = {0};
	double *ts = NULL, eps, inter, uni;

	*iou = 0;
	if (na < 3 || nb < 3)
		return LF_ERR_INVALID;
	if (na > LF_SCORE_MAX_POINTS || nb > LF_SCORE_MAX_POINTS)
		return LF_ERR_LIMIT;
	if ((ret = prepare(a, na, &pa)) != LF_OK || (ret = prepare(b, nb, &pb)) != LF_OK)
		goto cleanup;
	ret = LF_OK;
	if (pa.n < 3 || pb.n < 3 || pa.area <= 0 || pb.area <= 0 || pa.maxx <= pb.minx ||
	    pb.maxx <= pa.minx || pa.maxy <= pb.miny || pb.maxy <= pa.miny)
		goto cleanup;
	eps = DIST_EPS * fmax(1, fmax(fmax(pa.maxx, pb.maxx) - fmin(pa.minx, pb.minx),
				      fmax(pa.maxy, pb.maxy) - fmin(pa.miny, pb.miny)));
	ts = malloc((2 * (pa.n > pb.n ? pa.n : pb.n) + 2) * sizeof(*ts));
	if (ts == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	inter =
	    (inside_boundary(&pa, &pb, true, eps, ts) + inside_boundary(&pb, &pa, false, eps, ts)) /
	    2;
	inter = fmin(fmax(inter, 0), fmin(pa.area, pb.area));
	uni = pa.area + pb.area - inter;
	*iou = uni > 0 ? fmin(1, inter / uni) : 0;

cleanup:
	free(pa.p);
	free(pb.p);
	free(ts);
	return ret;
}
