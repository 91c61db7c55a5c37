/*
 * test_score.c - scoring an answer against gold (src/quality/): every
 * method on hand-computed cases, the matching, polygon IoU against an
 * independent exact computation (tests/quality/polygon_ref.py), limits and
 * refusals.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "labelcfg/labelcfg.h"
#include "quality/score.h"

#include "fixture.h"
#include "labelcfg_samples.h"

#define EPS 1e-9

/* cmocka's assert_float_equal compares floats: too coarse here. */
#define assert_near(got, want, eps)                                                                \
	do {                                                                                       \
		double got_ = (got), want_ = (want);                                               \
		if (!(fabs(got_ - want_) <= (eps)))                                                \
			fail_msg("%s is %.17g, expected %.17g", #got, got_, want_);                \
	} while (0)

#define ELLIPSE                                                                                    \
	"<View><Image name=\"image\" value=\"$image\"/>"                                           \
	"<EllipseLabels name=\"cell\" toName=\"image\"><Label value=\"Cell\"/></EllipseLabels>"    \
	"</View>"

#define BRUSH_AND_CHOICES                                                                          \
	"<View><Image name=\"image\" value=\"$image\"/>"                                           \
	"<BrushLabels name=\"mask\" toName=\"image\"><Label value=\"Sky\"/></BrushLabels>"         \
	"<Choices name=\"weather\" toName=\"image\"><Choice value=\"Sunny\"/>"                     \
	"<Choice value=\"Rainy\"/></Choices></View>"

#define IMAGE_TOOLS                                                                                \
	"<View><Image name=\"image\" value=\"$image\"/>"                                           \
	"<Labels name=\"tag\" toName=\"image\"><Label value=\"Car\"/></Labels>"                    \
	"<Rectangle name=\"box\" toName=\"image\"/><Polygon name=\"outline\" toName=\"image\"/>"   \
	"</View>"

#define TRANSCRIBE                                                                                 \
	"<View><Audio name=\"audio\" value=\"$audio\"/>"                                           \
	"<TextArea name=\"text\" toName=\"audio\"/></View>"

#define RATE_AND_COUNT                                                                             \
	"<View><Image name=\"image\" value=\"$image\"/>"                                           \
	"<Rating name=\"stars\" toName=\"image\"/><Number name=\"count\" toName=\"image\"/>"       \
	"</View>"

static json_t *must_load(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);
	if (j == NULL)
		print_error("bad test JSON: %s in %s\n", jerr.text, text);
	assert_non_null(j);
	return j;
}

/* Scores the JSON texts answer against gold, after checking that both are
 * results the server would have accepted for the config, which goes in *cfg
 * (the names in *out are its own: free it after them). */
static int score_cfg(const char *xml, const char *answer, const char *gold,
		     const lf_score_opts *opts, lf_score *out, lf_labelcfg **cfg)
{
	json_t *a = must_load(answer), *g = must_load(gold);
	char err[256] = "";
	lf_error e = {0};
	int rc;

	*cfg = lf_fx_labelcfg(xml);
	if (lf_labelcfg_validate_result(*cfg, a, NULL, err, sizeof(err)) != LF_OK ||
	    lf_labelcfg_validate_result(*cfg, g, NULL, err, sizeof(err)) != LF_OK)
		print_error("test result refused by the validator: %s\n", err);
	assert_string_equal(err, "");
	rc = lf_score_result(*cfg, a, g, opts, out, &e);
	json_decref(a);
	json_decref(g);
	return rc;
}

/* The overall score of answer against gold (one control expected, whose
 * score it is), with opts (NULL: defaults). */
static double overall(const char *xml, const char *answer, const char *gold,
		      const lf_score_opts *opts)
{
	lf_labelcfg *cfg;
	lf_score s;
	double v;

	assert_int_equal(score_cfg(xml, answer, gold, opts, &s, &cfg), LF_OK);
	assert_int_equal(s.control_count, 1);
	assert_int_equal(s.scored, 1);
	assert_true(fabs(s.overall - s.controls[0].score) < EPS);
	v = s.overall;
	lf_score_free(&s);
	lf_labelcfg_free(cfg);
	return v;
}

static lf_score_opts threshold(double t)
{
	lf_score_opts o;
	lf_score_opts_init(&o);
	o.iou_threshold = t;
	return o;
}

#define RECT(x, y, w, h, label)                                                                    \
	"{\"from_name\":\"label\",\"to_name\":\"image\",\"type\":\"rectanglelabels\","             \
	"\"value\":{\"x\":" #x ",\"y\":" #y ",\"width\":" #w ",\"height\":" #h                     \
	",\"rectanglelabels\":[\"" label "\"]}}"

static void test_rectangle_iou(void **state)
{
	lf_score_opts low = threshold(0.3);

	/* 10x10 against a 10x8 inside it: 80 / 100. */
	assert_near(overall(BBOX, "[" RECT(0, 0, 10, 8, "Car") "]",
			    "[" RECT(0, 0, 10, 10, "Car") "]", NULL),
		    0.8, EPS);
	/* Shifted by half: 50 / 150, under the default threshold... */
	assert_near(overall(BBOX, "[" RECT(5, 0, 10, 10, "Car") "]",
			    "[" RECT(0, 0, 10, 10, "Car") "]", NULL),
		    0, EPS);
	/* ...and scored at its IoU above a lower one. */
	assert_near(overall(BBOX, "[" RECT(5, 0, 10, 10, "Car") "]",
			    "[" RECT(0, 0, 10, 10, "Car") "]", &low),
		    1.0 / 3, EPS);
	/* Disjoint. */
	assert_near(overall(BBOX, "[" RECT(50, 50, 10, 10, "Car") "]",
			    "[" RECT(0, 0, 10, 10, "Car") "]", &low),
		    0, EPS);
	(void)state;
}

static void test_label_mismatch_scores_zero(void **state)
{
	assert_near(overall(BBOX, "[" RECT(0, 0, 10, 10, "Person") "]",
			    "[" RECT(0, 0, 10, 10, "Car") "]", NULL),
		    0, EPS);
	(void)state;
}

static void test_extra_and_missing_regions(void **state)
{
	/* One perfect match, one extra box: 1 / max(2, 1). */
	assert_near(overall(BBOX, "[" RECT(0, 0, 10, 10, "Car") "," RECT(50, 50, 10, 10, "Car") "]",
			    "[" RECT(0, 0, 10, 10, "Car") "]", NULL),
		    0.5, EPS);
	/* One perfect match, one gold box missed: 1 / max(1, 2). */
	assert_near(overall(BBOX, "[" RECT(0, 0, 10, 10, "Car") "]",
			    "[" RECT(0, 0, 10, 10, "Car") "," RECT(50, 50, 10, 10, "Person") "]",
			    NULL),
		    0.5, EPS);
	/* Nothing drawn where gold has a box. */
	assert_near(overall(BBOX, "[]", "[" RECT(0, 0, 10, 10, "Car") "]", NULL), 0, EPS);
	(void)state;
}

static void test_empty_against_empty(void **state)
{
	lf_labelcfg *cfg;
	lf_score s;

	assert_int_equal(score_cfg(BBOX, "[]", "[]", NULL, &s, &cfg), LF_OK);
	assert_int_equal(s.control_count, 0);
	assert_int_equal(s.scored, 0);
	assert_near(s.overall, 1, EPS);
	lf_score_free(&s);
	lf_labelcfg_free(cfg);
	assert_null(s.controls);
	(void)state;
}

/*
 * All boxes span y 10..20, so IoU is the IoU of their x intervals. Gold G1
 * [10, 20], G2 [12, 22]; answer A1 [10.5, 20.5], A2 [8, 18]:
 *   A1-G1 19/21 (0.905)  A1-G2 17/23 (0.739)
 *   A2-G1 2/3   (0.667)  A2-G2 3/7   (0.429, under 0.5)
 * Greedy takes A1-G1 first and is left with A2-G2, worth 0: (19/21) / 2 =
 * 0.452. The best assignment is A1-G2 + A2-G1: (17/23 + 2/3) / 2 = 97/138.
 */
static void test_matching_beats_greedy(void **state)
{
	const char *gold = "[" RECT(10, 10, 10, 10, "Car") "," RECT(12, 10, 10, 10, "Car") "]";
	const char *answer = "[" RECT(10.5, 10, 10, 10, "Car") "," RECT(8, 10, 10, 10, "Car") "]";

	assert_near(overall(BBOX, answer, gold, NULL), 97.0 / 138, EPS);
	(void)state;
}

static void test_assign(void **state)
{
	/* The greedy trap as a matrix. */
	const double w[] = {0.9, 0.8, 0.8, 0};
	/* 3 rows, 2 columns: row 1 is left over. */
	const double tall[] = {0.5, 0.1, 0.2, 0.3, 0.6, 0.4};
	/* 2 rows, 3 columns: column 0 unused. */
	const double wide[] = {0.9, 1.0, 0.0, 0.9, 0.0, 1.0};
	size_t m[3];

	assert_int_equal(lf_score_assign(w, 2, 2, m), LF_OK);
	assert_int_equal(m[0], 1);
	assert_int_equal(m[1], 0);
	assert_int_equal(lf_score_assign(tall, 3, 2, m), LF_OK);
	assert_int_equal(m[0], 0);
	assert_int_equal(m[1], LF_SCORE_NONE);
	assert_int_equal(m[2], 1);
	assert_int_equal(lf_score_assign(wide, 2, 3, m), LF_OK);
	assert_int_equal(m[0], 1);
	assert_int_equal(m[1], 2);
	assert_int_equal(lf_score_assign(w, 0, 2, m), LF_OK);
	assert_int_equal(lf_score_assign(w, LF_SCORE_MAX_ASSIGN + 1, 1, m), LF_ERR_LIMIT);
	(void)state;
}

/* Brute force over all permutations agrees with the Hungarian algorithm on
 * random matrices. */
static void test_assign_against_brute_force(void **state)
{
	enum { N = 6 };
	double w[N * N];
	size_t m[N], perm[N];
	unsigned seed = 18;

	for (int round = 0; round < 200; round++) {
		size_t rows = 1 + (size_t)(rand_r(&seed) % N),
		       cols = 1 + (size_t)(rand_r(&seed) % N);
		size_t k = rows < cols ? rows : cols;
		double best = -1, got = 0;
		for (size_t i = 0; i < rows * cols; i++)
			w[i] = (double)(rand_r(&seed) % 1000) / 1000;
		assert_int_equal(lf_score_assign(w, rows, cols, m), LF_OK);
		for (size_t i = 0; i < rows; i++) {
			if (m[i] != LF_SCORE_NONE)
				got += w[i * cols + m[i]];
		}
		/* Every injection of the smaller side, by counting in base N. */
		for (size_t code = 0; code < (size_t)pow(N, (double)k); code++) {
			size_t c = code, used = 0;
			double sum = 0;
			bool ok = true;
			for (size_t i = 0; i < k; i++, c /= N) {
				perm[i] = c % N;
				if (perm[i] >= (rows < cols ? cols : rows) ||
				    (used & (1u << perm[i])))
					ok = false;
				used |= 1u << perm[i];
			}
			for (size_t i = 0; ok && i < k; i++)
				sum += rows <= cols ? w[i * cols + perm[i]] : w[perm[i] * cols + i];
			if (ok && sum > best)
				best = sum;
		}
		assert_near(got, best, 1e-9);
	}
	(void)state;
}

#define ROT(x, y, w, h, rot, size)                                                                 \
	"{\"from_name\":\"label\",\"to_name\":\"image\",\"type\":\"rectanglelabels\"," size        \
	"\"value\":{\"x\":" #x ",\"y\":" #y ",\"width\":" #w ",\"height\":" #h                     \
	",\"rotation\":" #rot ",\"rectanglelabels\":[\"Car\"]}}"

static void test_rotated_rectangles(void **state)
{
	/* A square turned 45 degrees about its top-left corner (5, 0), side
	 * 5 sqrt 2: the diamond through the midpoints of the sides of the square
	 * 0..10, half its area. 0.5 is exactly the threshold, and counts. */
	assert_near(overall(BBOX, "[" ROT(5, 0, 7.0710678118654755, 7.0710678118654755, 45, "") "]",
			    "[" RECT(0, 0, 10, 10, "Car") "]", NULL),
		    0.5, 1e-9);
	/* On a 200 x 100 image, 10% x 20% (20 x 20 pixels) turned 90 degrees
	 * about (50%, 10%) covers x 40..50%, y 10..30%, exactly the gold box. */
	assert_near(overall(BBOX,
			    "[" ROT(50, 10, 10, 20, 90,
				    "\"original_width\":200,\"original_height\":100,") "]",
			    "[" RECT(40, 10, 10, 20, "Car") "]", NULL),
		    1, 1e-9);
	/* Rotated in percent instead (no image size: taken as square), the same
	 * numbers cover x 30..50%, y 10..20%: IoU 1/3. */
	lf_score_opts low = threshold(0.2);
	assert_near(overall(BBOX, "[" ROT(50, 10, 10, 20, 90, "") "]",
			    "[" RECT(40, 10, 10, 20, "Car") "]", &low),
		    1.0 / 3, 1e-9);
	(void)state;
}

static double poly_iou(const lf_score_point *a, size_t na, const lf_score_point *b, size_t nb)
{
	double iou = -1;
	assert_int_equal(lf_score_polygon_iou(a, na, b, nb, &iou), LF_OK);
	return iou;
}

static void test_polygon_iou_by_hand(void **state)
{
	/* L: the square 0..20 without its top-right quarter; area 300. */
	const lf_score_point l[] = {{0, 0}, {20, 0}, {20, 10}, {10, 10}, {10, 20}, {0, 20}};
	/* The mirrored L: the bottom half plus the top-right quarter. */
	const lf_score_point mirror[] = {{0, 0}, {20, 0}, {20, 20}, {10, 20}, {10, 10}, {0, 10}};
	/* The square 5..15, whose top-right quarter falls in L's notch. */
	const lf_score_point sq[] = {{5, 5}, {15, 5}, {15, 15}, {5, 15}};
	const lf_score_point sq_cw[] = {{5, 5}, {5, 15}, {15, 15}, {15, 5}};
	/* The square 20..30 x 0..10: shares L's edge x = 20, outside. */
	const lf_score_point beside[] = {{20, 0}, {30, 0}, {30, 10}, {20, 10}};
	/* Inside the L, touching its outline along y = 0. */
	const lf_score_point inner[] = {{0, 0}, {10, 0}, {10, 5}, {0, 5}};
	const lf_score_point flat[] = {{0, 0}, {10, 0}, {20, 0}};

	/* 300 + 100 - 75 = 325 union: 75 / 325. */
	assert_near(poly_iou(l, 6, sq, 4), 75.0 / 325, EPS);
	assert_near(poly_iou(sq, 4, l, 6), 75.0 / 325, EPS);
	assert_near(poly_iou(l, 6, sq_cw, 4), 75.0 / 325, EPS);
	/* Two L's sharing the bottom half (200): 200 / 400. */
	assert_near(poly_iou(l, 6, mirror, 6), 0.5, EPS);
	assert_near(poly_iou(l, 6, l, 6), 1, EPS);
	assert_near(poly_iou(l, 6, beside, 4), 0, EPS);
	assert_near(poly_iou(l, 6, inner, 4), 50.0 / 300, EPS);
	assert_near(poly_iou(l, 6, flat, 3), 0, EPS);
	assert_int_equal(lf_score_polygon_iou(l, 2, sq, 4, &(double){0}), LF_ERR_INVALID);
	(void)state;
}

#define POLYGON(points, label)                                                                     \
	"{\"from_name\":\"poly\",\"to_name\":\"image\",\"type\":\"polygonlabels\","                \
	"\"value\":{\"points\":" points ",\"polygonlabels\":[\"" label "\"]}}"

static void test_polygon_results(void **state)
{
	const char *l = POLYGON("[[0,0],[20,0],[20,10],[10,10],[10,20],[0,20]]", "Road");
	const char *mirror = POLYGON("[[0,0],[20,0],[20,20],[10,20],[10,10],[0,10]]", "Road");
	const char *sq = POLYGON("[[5,5],[15,5],[15,15],[5,15]]", "Road");
	char answer[512], gold[512];
	lf_score_opts any = threshold(0);

	snprintf(answer, sizeof(answer), "[%s]", mirror);
	snprintf(gold, sizeof(gold), "[%s]", l);
	assert_near(overall(POLY, answer, gold, NULL), 0.5, EPS);
	snprintf(answer, sizeof(answer), "[%s]", sq);
	assert_near(overall(POLY, answer, gold, &any), 75.0 / 325, EPS);
	assert_near(overall(POLY, answer, gold, NULL), 0, EPS);
	(void)state;
}

/* Reads the whole output of the reference script. */
static json_t *run_reference(void)
{
	FILE *p = popen("python3 tests/quality/polygon_ref.py", "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, got;
	json_error_t jerr;
	json_t *j;

	if (p == NULL)
		fail_msg("cannot run tests/quality/polygon_ref.py (run from the repository root)");
	do {
		if (cap - len < 65536) {
			cap = cap * 2 + 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		got = fread(buf + len, 1, cap - len, p);
		len += got;
	} while (got > 0);
	assert_int_equal(pclose(p), 0);
	j = json_loadb(buf, len, 0, &jerr);
	free(buf);
	if (j == NULL)
		fail_msg("polygon_ref.py printed no JSON: %s", jerr.text);
	return j;
}

static lf_score_point *points(const json_t *arr, size_t *n, bool reverse)
{
	lf_score_point *p;

	*n = json_array_size(arr);
	p = calloc(*n, sizeof(*p));
	assert_non_null(p);
	for (size_t i = 0; i < *n; i++) {
		const json_t *xy = json_array_get(arr, reverse ? *n - 1 - i : i);
		p[i].x = json_number_value(json_array_get(xy, 0));
		p[i].y = json_number_value(json_array_get(xy, 1));
	}
	return p;
}

/* The boundary method against triangulation + clipping in exact arithmetic,
 * each pair both ways round and with one polygon reversed. */
static void test_polygon_iou_against_reference(void **state)
{
	json_t *ref = run_reference();
	const json_t *cases = json_object_get(ref, "cases");
	size_t partial = 0, identical = 0;

	assert_true(json_array_size(cases) >= 300);
	for (size_t i = 0; i < json_array_size(cases); i++) {
		const json_t *c = json_array_get(cases, i);
		double want = json_number_value(json_object_get(c, "iou"));
		size_t na, nb, nr;
		lf_score_point *a = points(json_object_get(c, "a"), &na, false);
		lf_score_point *b = points(json_object_get(c, "b"), &nb, false);
		lf_score_point *r = points(json_object_get(c, "a"), &nr, true);
		double got[3] = {poly_iou(a, na, b, nb), poly_iou(b, nb, a, na),
				 poly_iou(r, nr, b, nb)};
		for (int k = 0; k < 3; k++) {
			if (fabs(got[k] - want) > 1e-9)
				fail_msg("case %zu (variant %d): IoU %.15g, reference %.15g", i, k,
					 got[k], want);
		}
		partial += want > 0 && want < 1;
		identical += want == 1;
		free(a);
		free(b);
		free(r);
	}
	/* The families the script draws are all there. */
	assert_true(partial >= 100);
	assert_true(identical >= 10);
	json_decref(ref);
	(void)state;
}

#define ELL(x, y, rx, ry, rot)                                                                     \
	"{\"from_name\":\"cell\",\"to_name\":\"image\",\"type\":\"ellipselabels\","                \
	"\"value\":{\"x\":" #x ",\"y\":" #y ",\"radiusX\":" #rx ",\"radiusY\":" #ry                \
	",\"rotation\":" #rot ",\"ellipselabels\":[\"Cell\"]}}"

static void test_ellipses(void **state)
{
	/* A circle of radius 10 and a concentric one of radius 5: 25 pi / 100 pi,
	 * to within the polygon approximation. */
	lf_score_opts any = threshold(0);
	assert_near(
	    overall(ELLIPSE, "[" ELL(50, 50, 5, 5, 0) "]", "[" ELL(50, 50, 10, 10, 0) "]", &any),
	    0.25, 1e-3);
	/* An ellipse turned a quarter is the ellipse with its radii swapped. */
	assert_near(
	    overall(ELLIPSE, "[" ELL(50, 50, 20, 10, 90) "]", "[" ELL(50, 50, 10, 20, 0) "]", NULL),
	    1, 1e-9);
	(void)state;
}

static void test_image_tools_under_labels(void **state)
{
	/* A <Labels> on an image lends its labels to the Rectangle tool; the
	 * control scored is the one the regions name. */
	const char *box =
	    "[{\"from_name\":\"box\",\"to_name\":\"image\",\"type\":\"rectangle\","
	    "\"value\":{\"x\":0,\"y\":0,\"width\":10,\"height\":10,\"labels\":[\"Car\"]}}]";
	const char *unlabelled =
	    "[{\"from_name\":\"box\",\"to_name\":\"image\",\"type\":\"rectangle\","
	    "\"value\":{\"x\":0,\"y\":0,\"width\":10,\"height\":10}}]";

	assert_near(overall(IMAGE_TOOLS, box, box, NULL), 1, EPS);
	assert_near(overall(IMAGE_TOOLS, unlabelled, box, NULL), 0, EPS);
	(void)state;
}

#define SPAN(start, end, label)                                                                    \
	"{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","                       \
	"\"value\":{\"start\":" #start ",\"end\":" #end ",\"labels\":[\"" label "\"]}}"

/*
 * Gold: PER [0, 5), ORG [10, 20). Answer: PER [0, 3), ORG [12, 22),
 * PER [30, 35). Answer characters 3 + 10 + 5 = 18, gold 5 + 10 = 15, shared
 * 3 (PER) + 8 (ORG) = 11: P = 11/18, R = 11/15, F1 = 2PR / (P + R) = 2/3.
 */
static void test_ner_span_f1(void **state)
{
	const char *gold = "[" SPAN(0, 5, "PER") "," SPAN(10, 20, "ORG") "]";
	double p = 11.0 / 18, r = 11.0 / 15;

	assert_near(
	    overall(NER, "[" SPAN(0, 3, "PER") "," SPAN(12, 22, "ORG") "," SPAN(30, 35, "PER") "]",
		    gold, NULL),
	    2 * p * r / (p + r), EPS);
	assert_near(2 * p * r / (p + r), 2.0 / 3, EPS);
	/* Right characters, wrong label. */
	assert_near(overall(NER, "[" SPAN(0, 5, "ORG") "]", "[" SPAN(0, 5, "PER") "]", NULL), 0,
		    EPS);
	/* Overlapping answer spans of one label count their characters once:
	 * [0, 4) u [2, 5) = [0, 5). */
	assert_near(overall(NER, "[" SPAN(0, 4, "PER") "," SPAN(2, 5, "PER") "]",
			    "[" SPAN(0, 5, "PER") "]", NULL),
		    1, EPS);
	/* Spans split where gold has one: still every character. */
	assert_near(overall(NER, "[" SPAN(0, 2, "PER") "," SPAN(2, 5, "PER") "]",
			    "[" SPAN(0, 5, "PER") "]", NULL),
		    1, EPS);
	(void)state;
}

#define SEG(start, end, label)                                                                     \
	"{\"from_name\":\"speaker\",\"to_name\":\"audio\",\"type\":\"labels\","                    \
	"\"value\":{\"start\":" #start ",\"end\":" #end ",\"labels\":[\"" label "\"]}}"

static void test_audio_intervals(void **state)
{
	const char *gold = "[" SEG(0, 10, "Alice") "," SEG(20, 30, "Alice") "]";

	/* One exact, one 9 of 10 seconds: (1 + 0.9) / 2. */
	assert_near(
	    overall(AUDIO, "[" SEG(0, 10, "Alice") "," SEG(21, 30, "Alice") "]", gold, NULL), 0.95,
	    EPS);
	/* Both turns merged into one: IoU 1/3 with either, under 0.5. */
	assert_near(overall(AUDIO, "[" SEG(0, 30, "Alice") "]", gold, NULL), 0, EPS);
	/* The wrong speaker. */
	assert_near(overall(AUDIO, "[" SEG(0, 10, "Bob") "," SEG(20, 30, "Bob") "]", gold, NULL), 0,
		    EPS);
	(void)state;
}

#define RANGES(ranges, label)                                                                      \
	"{\"from_name\":\"tl\",\"to_name\":\"video\",\"type\":\"timelinelabels\","                 \
	"\"value\":{\"ranges\":" ranges ",\"timelinelabels\":[\"" label "\"]}}"

static void test_timeline_ranges(void **state)
{
	/* Frames 0..9 (10 frames) against 0..4 (5): 0.5; frames 20..29 exact. */
	assert_near(
	    overall(
		VIDEO, "[" RANGES("[{\"start\":0,\"end\":4},{\"start\":20,\"end\":29}]", "Run") "]",
		"[" RANGES("[{\"start\":0,\"end\":9},{\"start\":20,\"end\":29}]", "Run") "]", NULL),
	    0.75, EPS);
	(void)state;
}

#define KP(x, y, label)                                                                            \
	"{\"from_name\":\"kp\",\"to_name\":\"img\",\"type\":\"keypointlabels\","                   \
	"\"value\":{\"x\":" #x ",\"y\":" #y ",\"keypointlabels\":[\"" label "\"]}}"

static void test_keypoints(void **state)
{
	const char *gold = "[" KP(10, 10, "Nose") "," KP(50, 50, "Eye") "]";
	lf_score_opts wide;

	/* The nose 1.4 away (a hit within 2), the eye 5 away (a miss). */
	assert_near(overall(KEYPOINT, "[" KP(11, 11, "Nose") "," KP(55, 50, "Eye") "]", gold, NULL),
		    0.5, EPS);
	lf_score_opts_init(&wide);
	wide.keypoint_radius = 6;
	assert_near(
	    overall(KEYPOINT, "[" KP(11, 11, "Nose") "," KP(55, 50, "Eye") "]", gold, &wide), 1,
	    EPS);
	/* Right place, wrong label. */
	assert_near(overall(KEYPOINT, "[" KP(10, 10, "Eye") "]", "[" KP(10, 10, "Nose") "]", NULL),
		    0, EPS);
	(void)state;
}

#define CHOICES(list)                                                                              \
	"{\"from_name\":\"class\",\"to_name\":\"image\",\"type\":\"choices\","                     \
	"\"value\":{\"choices\":" list "}}"

static void test_choices(void **state)
{
	lf_score_opts partial;
	lf_labelcfg *cfg;
	lf_score s;

	lf_score_opts_init(&partial);
	partial.partial_choices = true;
	assert_near(overall(IMG_CLS, "[" CHOICES("[\"Dog\",\"Cat\"]") "]",
			    "[" CHOICES("[\"Cat\",\"Dog\"]") "]", NULL),
		    1, EPS);
	assert_near(overall(IMG_CLS, "[" CHOICES("[\"Cat\"]") "]",
			    "[" CHOICES("[\"Cat\",\"Dog\"]") "]", NULL),
		    0, EPS);
	/* Jaccard: {Cat} against {Cat, Dog}. */
	assert_near(overall(IMG_CLS, "[" CHOICES("[\"Cat\"]") "]",
			    "[" CHOICES("[\"Cat\",\"Dog\"]") "]", &partial),
		    0.5, EPS);
	assert_near(
	    overall(IMG_CLS, "[" CHOICES("[\"Dog\"]") "]", "[" CHOICES("[\"Cat\"]") "]", &partial),
	    0, EPS);
	assert_int_equal(score_cfg(IMG_CLS, "[" CHOICES("[\"Cat\"]") "]",
				   "[" CHOICES("[\"Cat\",\"Dog\"]") "]", &partial, &s, &cfg),
			 LF_OK);
	assert_string_equal(lf_score_method_name(s.controls[0].method), "jaccard");
	lf_score_free(&s);
	lf_labelcfg_free(cfg);
	(void)state;
}

#define TAX(paths)                                                                                 \
	"{\"from_name\":\"tax\",\"to_name\":\"html\",\"type\":\"taxonomy\","                       \
	"\"value\":{\"taxonomy\":" paths "}}"

static void test_taxonomy(void **state)
{
	/* "Cat" under "Animal" is not "Cat" under "Plant". */
	assert_near(overall(MISC, "[" TAX("[[\"Animal\",\"Cat\"]]") "]",
			    "[" TAX("[[\"Animal\",\"Cat\"]]") "]", NULL),
		    1, EPS);
	assert_near(overall(MISC, "[" TAX("[[\"Plant\",\"Cat\"]]") "]",
			    "[" TAX("[[\"Animal\",\"Cat\"]]") "]", NULL),
		    0, EPS);
	(void)state;
}

#define TEXT(s)                                                                                    \
	"{\"from_name\":\"text\",\"to_name\":\"audio\",\"type\":\"textarea\","                     \
	"\"value\":{\"text\":[\"" s "\"]}}"

static void test_transcription_cer(void **state)
{
	/* One substituted code point in five: counted in bytes ("ï" is two)
	 * it would be 2 edits in 6. */
	assert_near(overall(TRANSCRIBE, "[" TEXT("naive") "]", "[" TEXT("na\u00efve") "]", NULL),
		    0.8, EPS);
	assert_near(overall(TRANSCRIBE, "[" TEXT("na\u00efve") "]", "[" TEXT("naive") "]", NULL),
		    0.8, EPS);
	/* Emoji (4 bytes) against a letter: one edit in "a\U0001F600b". */
	assert_near(overall(TRANSCRIBE, "[" TEXT("axb") "]", "[" TEXT("a\U0001F600b") "]", NULL),
		    2.0 / 3, EPS);
	/* More edits than gold has characters: 0, not negative. */
	assert_near(overall(TRANSCRIBE, "[" TEXT("wxyz") "]", "[" TEXT("ab") "]", NULL), 0, EPS);
	assert_near(overall(TRANSCRIBE, "[]", "[" TEXT("ab") "]", NULL), 0, EPS);
	assert_near(overall(TRANSCRIBE, "[" TEXT("same") "]", "[" TEXT("same") "]", NULL), 1, EPS);
	(void)state;
}

static void test_rating_and_number(void **state)
{
	const char *gold = "[{\"from_name\":\"stars\",\"to_name\":\"image\",\"type\":\"rating\","
			   "\"value\":{\"rating\":4}},"
			   "{\"from_name\":\"count\",\"to_name\":\"image\",\"type\":\"number\","
			   "\"value\":{\"number\":10}}]";
	const char *answer = "[{\"from_name\":\"stars\",\"to_name\":\"image\",\"type\":\"rating\","
			     "\"value\":{\"rating\":3}},"
			     "{\"from_name\":\"count\",\"to_name\":\"image\",\"type\":\"number\","
			     "\"value\":{\"number\":10.5}}]";
	lf_score_opts tol;
	lf_labelcfg *cfg;
	lf_score s;

	lf_score_opts_init(&tol);
	tol.number_tolerance = 0.5;
	assert_int_equal(score_cfg(RATE_AND_COUNT, answer, gold, NULL, &s, &cfg), LF_OK);
	assert_int_equal(s.control_count, 2);
	assert_string_equal(s.controls[0].name, "stars");
	assert_near(s.controls[0].score, 0, EPS);
	assert_string_equal(s.controls[1].name, "count");
	assert_near(s.controls[1].score, 0, EPS);
	lf_score_free(&s);
	lf_labelcfg_free(cfg);
	assert_int_equal(score_cfg(RATE_AND_COUNT, answer, gold, &tol, &s, &cfg), LF_OK);
	assert_near(s.controls[1].score, 1, EPS);
	/* The rating is still exact: the tolerance is the Number's. */
	assert_near(s.controls[0].score, 0, EPS);
	assert_near(s.overall, 0.5, EPS);
	lf_score_free(&s);
	lf_labelcfg_free(cfg);
	(void)state;
}

/* A brush mask is reported but left out of the overall, which is then the
 * choices alone. */
static void test_brush_is_unsupported(void **state)
{
	const char *mask =
	    "{\"from_name\":\"mask\",\"to_name\":\"image\",\"type\":\"brushlabels\","
	    "\"value\":{\"format\":\"rle\",\"rle\":[1,2,3],\"brushlabels\":[\"Sky\"]}}";
	const char *sunny = "{\"from_name\":\"weather\",\"to_name\":\"image\",\"type\":\"choices\","
			    "\"value\":{\"choices\":[\"Sunny\"]}}";
	char answer[512], gold[512];
	lf_labelcfg *cfg;
	lf_score s;

	snprintf(answer, sizeof(answer), "[%s,%s]", sunny, mask);
	snprintf(gold, sizeof(gold), "[%s]", sunny);
	assert_int_equal(score_cfg(BRUSH_AND_CHOICES, answer, gold, NULL, &s, &cfg), LF_OK);
	assert_int_equal(s.control_count, 2);
	assert_int_equal(s.scored, 1);
	assert_string_equal(s.controls[0].name, "mask");
	assert_int_equal(s.controls[0].method, LF_SCORE_UNSUPPORTED);
	assert_int_equal(s.controls[0].answer_regions, 1);
	assert_int_equal(s.controls[0].gold_regions, 0);
	assert_string_equal(s.controls[1].name, "weather");
	assert_int_equal(s.controls[1].method, LF_SCORE_EXACT);
	assert_near(s.overall, 1, EPS);
	lf_score_free(&s);
	lf_labelcfg_free(cfg);
	(void)state;
}

/* The overall is the mean over controls present on either side. */
static void test_overall_is_mean_of_controls(void **state)
{
	const char *rainy = "{\"from_name\":\"weather\",\"to_name\":\"image\",\"type\":\"choices\","
			    "\"value\":{\"choices\":[\"Rainy\"]}}";
	const char *sunny = "{\"from_name\":\"weather\",\"to_name\":\"image\",\"type\":\"choices\","
			    "\"value\":{\"choices\":[\"Sunny\"]}}";
	const char *xml = "<View><Image name=\"image\" value=\"$image\"/>"
			  "<RectangleLabels name=\"label\" toName=\"image\"><Label "
			  "value=\"Car\"/></RectangleLabels>"
			  "<Choices name=\"weather\" toName=\"image\"><Choice value=\"Sunny\"/>"
			  "<Choice value=\"Rainy\"/></Choices></View>";
	char answer[512], gold[512];
	lf_labelcfg *cfg;
	lf_score s;

	snprintf(answer, sizeof(answer), "[%s,%s]", RECT(0, 0, 10, 8, "Car"), rainy);
	snprintf(gold, sizeof(gold), "[%s,%s]", RECT(0, 0, 10, 10, "Car"), sunny);
	assert_int_equal(score_cfg(xml, answer, gold, NULL, &s, &cfg), LF_OK);
	assert_int_equal(s.control_count, 2);
	assert_int_equal(s.scored, 2);
	assert_near(s.controls[0].score, 0.8, EPS);
	assert_near(s.controls[1].score, 0, EPS);
	assert_near(s.overall, 0.4, EPS);
	lf_score_free(&s);
	lf_labelcfg_free(cfg);
	(void)state;
}

static void test_refusals(void **state)
{
	lf_labelcfg *cfg = lf_fx_labelcfg(BBOX);
	json_t *ok = must_load("[" RECT(0, 0, 10, 10, "Car") "]");
	json_t *stranger = must_load("[{\"from_name\":\"nope\",\"to_name\":\"image\","
				     "\"type\":\"rectanglelabels\",\"value\":{}}]");
	json_t *no_numbers = must_load("[{\"from_name\":\"label\",\"to_name\":\"image\","
				       "\"type\":\"rectanglelabels\",\"value\":{\"x\":1,"
				       "\"rectanglelabels\":[\"Car\"]}}]");
	json_t *relation =
	    must_load("[" RECT(0, 0, 10, 10, "Car") ",{\"type\":\"relation\","
						    "\"from_id\":\"a\",\"to_id\":\"b\"}]");
	json_t *obj = json_object();
	lf_error e = {0};
	lf_score s;

	assert_int_equal(lf_score_result(cfg, obj, ok, NULL, &s, &e), LF_ERR_INVALID);
	assert_int_equal(s.control_count, 0);
	assert_null(s.controls);
	assert_int_equal(lf_score_result(cfg, stranger, ok, NULL, &s, &e), LF_ERR_INVALID);
	assert_non_null(strstr(e.message, "answer[0]"));
	assert_int_equal(lf_score_result(cfg, ok, no_numbers, NULL, &s, &e), LF_ERR_INVALID);
	assert_non_null(strstr(e.message, "gold[0]"));
	assert_null(s.controls);
	/* Relations are not scored: they neither count nor fail. */
	assert_int_equal(lf_score_result(cfg, relation, ok, NULL, &s, &e), LF_OK);
	assert_near(s.overall, 1, EPS);
	assert_int_equal(s.controls[0].answer_regions, 1);
	lf_score_free(&s);
	lf_score_free(NULL);
	json_decref(ok);
	json_decref(stranger);
	json_decref(no_numbers);
	json_decref(relation);
	json_decref(obj);
	lf_labelcfg_free(cfg);
	(void)state;
}

static void test_method_names(void **state)
{
	assert_string_equal(lf_score_method_name(LF_SCORE_EXACT), "exact");
	assert_string_equal(lf_score_method_name(LF_SCORE_IOU), "iou");
	assert_string_equal(lf_score_method_name(LF_SCORE_INTERVAL_IOU), "interval_iou");
	assert_string_equal(lf_score_method_name(LF_SCORE_KEYPOINT), "keypoint");
	assert_string_equal(lf_score_method_name(LF_SCORE_SPAN_F1), "span_f1");
	assert_string_equal(lf_score_method_name(LF_SCORE_CER), "cer");
	assert_string_equal(lf_score_method_name(LF_SCORE_UNSUPPORTED), "unsupported");
	(void)state;
}

/* The decoding CER and span voting count characters with: code points of
 * 1 to 4 bytes, and a sequence cut short counts byte by byte. */
static void test_utf8_decode(void **state)
{
	const char *s = "Zo\xC3\xAB \xF0\x9F\x98\x80";
	uint32_t out[16];
	const uint32_t want[] = {0x5A, 0x6F, 0xEB, 0x20, 0x1F600};
	(void)state;
	assert_int_equal(lf_utf8_decode(s, strlen(s), out), 5);
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(lf_utf8_decode("a\xE2\x82", 3, out), 3);
	assert_int_equal(out[1], 0xE2);
	assert_int_equal(out[2], 0x82);
	assert_int_equal(lf_utf8_decode("", 0, out), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_utf8_decode),
	    cmocka_unit_test(test_rectangle_iou),
	    cmocka_unit_test(test_label_mismatch_scores_zero),
	    cmocka_unit_test(test_extra_and_missing_regions),
	    cmocka_unit_test(test_empty_against_empty),
	    cmocka_unit_test(test_matching_beats_greedy),
	    cmocka_unit_test(test_assign),
	    cmocka_unit_test(test_assign_against_brute_force),
	    cmocka_unit_test(test_rotated_rectangles),
	    cmocka_unit_test(test_polygon_iou_by_hand),
	    cmocka_unit_test(test_polygon_results),
	    cmocka_unit_test(test_polygon_iou_against_reference),
	    cmocka_unit_test(test_ellipses),
	    cmocka_unit_test(test_image_tools_under_labels),
	    cmocka_unit_test(test_ner_span_f1),
	    cmocka_unit_test(test_audio_intervals),
	    cmocka_unit_test(test_timeline_ranges),
	    cmocka_unit_test(test_keypoints),
	    cmocka_unit_test(test_choices),
	    cmocka_unit_test(test_taxonomy),
	    cmocka_unit_test(test_transcription_cer),
	    cmocka_unit_test(test_rating_and_number),
	    cmocka_unit_test(test_brush_is_unsupported),
	    cmocka_unit_test(test_overall_is_mean_of_controls),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_method_names),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
