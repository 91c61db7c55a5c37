/*
 * score.h - scoring one annotation result against a gold (known) result.
 *
 * Gold tasks (issue 18) have a known answer; every answer an annotator gives
 * to one is scored against it here, control by control (from_name), by the
 * kind of result the control produces. The module is pure: no database, no
 * I/O, no global state; every function is thread-safe. Three files:
 *
 *   score.c    results in, per-control and overall scores out;
 *   polygon.c  exact intersection-over-union of two simple polygons;
 *   assign.c   one-to-one matching of maximum total weight (Hungarian).
 *
 * Methods, by what a control produces (both sides empty always scores 1):
 *
 *   Choices, Taxonomy   exact: 1 when the sets of (object, choice) or
 *                       (object, taxonomy path) are equal, else 0; with
 *                       opts.partial_choices the Jaccard index of the sets.
 *   rectangles, polygons, ellipses (any Image tool drawing an area)
 *                       regions are matched one-to-one within each (object,
 *                       label set) to maximise the sum of their IoU, where a
 *                       pair under opts.iou_threshold counts 0; a matched
 *                       pair scores its IoU, an unmatched region 0; the
 *                       control scores sum / max(answer regions, gold
 *                       regions). Rotated rectangles and ellipses are
 *                       compared as polygons (see score.c).
 *   audio, video, time-series spans; TimelineLabels frame ranges
 *                       the same matching with the IoU of time intervals.
 *   keypoints           the same matching; a pair within
 *                       opts.keypoint_radius scores 1, as in PCK (percentage
 *                       of correct keypoints). The distance is taken in
 *                       percent coordinates, so on a non-square image the
 *                       radius is an ellipse in pixels.
 *   text spans (NER)    character F1: per (object, label), the characters
 *                       the answer's spans cover that gold's spans of that
 *                       label also cover, over the answer's (precision) and
 *                       gold's (recall) characters, summed over labels.
 *   TextArea            1 - character error rate (Levenshtein distance over
 *                       Unicode code points / gold length), at least 0.
 *   Rating, Number, DateTime
 *                       exact (Number within opts.number_tolerance).
 *   unsupported         BrushLabels (RLE masks would need the image size and
 *                       a decoder; scoring a mask by its bytes would be
 *                       wrong), VideoRectangle (tracks need interpolation
 *                       between keyframes), HyperText and Paragraphs spans
 *                       (offsets within DOM nodes or paragraphs whose lengths
 *                       are not in the result). Such a control is reported,
 *                       with score 0, and left out of the overall.
 *
 * The overall score is the mean of the scored controls that have a region
 * in the answer or in gold. Relations are not scored.
 */
#ifndef LF_QUALITY_SCORE_H
#define LF_QUALITY_SCORE_H

#include "core/arena.h"
#include "core/lf.h"
#include "labelcfg/labelcfg.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Most regions of one (object, label set) on one side that are matched, and
 * most points of one polygon: matching is O(n^3) and polygon IoU O(n * m),
 * so larger inputs are refused with LF_ERR_LIMIT rather than stalling. */
#define LF_SCORE_MAX_ASSIGN 1000
#define LF_SCORE_MAX_POINTS 5000
/* Most answer x gold code points of one TextArea comparison (Levenshtein
 * is O(n * m) time). */
#define LF_SCORE_MAX_EDIT_CELLS 100000000
/* Returned by lf_score_assign for a row left without a column. */
#define LF_SCORE_NONE ((size_t)-1)

typedef struct lf_score_opts {
	double iou_threshold;	 /* areas and intervals: a pair under it scores 0 (0.5) */
	double keypoint_radius;	 /* keypoints: farthest hit, percent of the image (2) */
	double number_tolerance; /* Number: |answer - gold| up to it is a match (0) */
	bool partial_choices;	 /* Choices, Taxonomy: Jaccard instead of exact (false) */
} lf_score_opts;

/* How a control was scored. Names (lf_score_method_name): "exact",
 * "jaccard", "iou", "interval_iou", "keypoint", "span_f1", "cer",
 * "unsupported". */
typedef enum lf_score_method {
	LF_SCORE_EXACT,
	LF_SCORE_JACCARD,
	LF_SCORE_IOU,
	LF_SCORE_INTERVAL_IOU,
	LF_SCORE_KEYPOINT,
	LF_SCORE_SPAN_F1,
	LF_SCORE_CER,
	LF_SCORE_UNSUPPORTED
} lf_score_method;

/* One control with a region in the answer or in gold. name is the
 * control's from_name, owned by the config passed to lf_score_result (it
 * lives as long as that config). answer_regions and gold_regions count the
 * result regions that name the control. */
typedef struct lf_score_control {
	const char *name;
	lf_score_method method;
	double score; /* 0..1; 0 when unsupported */
	size_t answer_regions, gold_regions;
} lf_score_control;

/* controls are in config order, only those present in either result.
 * overall is the mean of the scores of the scored controls (scored of
 * them); 1 when there are none, so a caller that must not pass an answer
 * on unsupported controls alone checks scored. */
typedef struct lf_score {
	double overall;
	size_t scored;
	lf_score_control *controls;
	size_t control_count;
} lf_score;

/* A point in percent of the image (x right, y down). */
typedef struct lf_score_point {
	double x, y;
} lf_score_point;

/* Fills o with the defaults noted in lf_score_opts. */
void lf_score_opts_init(lf_score_opts *o);

/* Scores answer against gold, two Label Studio result arrays that
 * lf_labelcfg_validate_result accepted for cfg (anything else is refused,
 * not trusted). opts may be NULL for the defaults. On LF_OK, *out holds the
 * scores (owner: caller, release with lf_score_free). Returns LF_ERR_INVALID
 * (a region this function cannot read: not an array, a from_name not in
 * cfg, a value without its numbers), LF_ERR_LIMIT (see the limits above) or
 * LF_ERR_NOMEM, each described in err (may be NULL); *out is then empty. */
int lf_score_result(const lf_labelcfg *cfg, const json_t *answer, const json_t *gold,
		    const lf_score_opts *opts, lf_score *out, lf_error *err);

/* What lf_score_region_control returns for a relation (not an error:
 * relations are not scored or merged). */
extern const char LF_SCORE_RELATION[];
/* The index in cfg of the control region names (from_name), in *control.
 * NULL when found; LF_SCORE_RELATION for a relation; else what is wrong (a
 * static sentence: not an object, no from_name, an unknown one). Pure;
 * shared with consensus.c. */
const char *lf_score_region_control(const lf_labelcfg *cfg, const json_t *region, size_t *control);

/* The shape region (a result region of control c) draws: the control's
 * own, or for a <Labels> on an image the drawing tool its type names
 * ("rectanglelabels"...); *media gets its object's media. NULL when the
 * region can be read so, else what is wrong (a static sentence). Pure;
 * shared with consensus.c, which must read regions exactly as scoring
 * does. */
const char *lf_score_region_shape(const lf_labelcfg *cfg, const lf_labelcfg_control *c,
				  const json_t *region, lf_labelcfg_shape *shape,
				  lf_labelcfg_media *media);

/* Releases what lf_score_result put in s and empties it. NULL is allowed. */
void lf_score_free(lf_score *s);

/* The stable name of a method ("span_f1"), for the API and audit trail. */
const char *lf_score_method_name(lf_score_method m);

/* Intersection over union of two simple polygons (convex or not, either
 * orientation, at least 3 points each, at most LF_SCORE_MAX_POINTS), in
 * *iou. A polygon without area has IoU 0 with anything. Returns LF_OK,
 * LF_ERR_INVALID (fewer than 3 points), LF_ERR_LIMIT or LF_ERR_NOMEM. A
 * self-intersecting polygon has no single inside; its result is not
 * meaningful (it stays within 0..1). */
int lf_score_polygon_iou(const lf_score_point *a, size_t na, const lf_score_point *b, size_t nb,
			 double *iou);

/* Maximum-weight one-to-one assignment of rows to columns (Hungarian
 * algorithm, O(min^2 * max)). w is rows x cols, row-major, finite.
 * row_to_col (rows entries, caller's) receives each row's column, or
 * LF_SCORE_NONE for the rows - cols rows left over when rows > cols; when
 * rows <= cols every row gets a column, possibly one of weight 0. Returns
 * LF_OK, LF_ERR_LIMIT (a side over LF_SCORE_MAX_ASSIGN) or LF_ERR_NOMEM. */
int lf_score_assign(const double *w, size_t rows, size_t cols, size_t *row_to_col);

/*
 * Shared with consensus.c, which clusters the regions of several
 * annotators with the same geometry as scoring matches them:
 */

/* The outline of an area region (a Label Studio result region whose
 * shape is LF_LABELCFG_SHAPE_RECT, _POLYGON or _ELLIPSE) as a polygon in
 * percent of the image, rotation and ellipses as described in score.c.
 * *pts (n points) is allocated in arena. Returns LF_OK, LF_ERR_INVALID with
 * *why (a static phrase: "a polygon needs at least 3 points") or
 * LF_ERR_NOMEM. */
int lf_score_area_points(lf_arena *arena, const json_t *region, lf_labelcfg_shape shape,
			 lf_score_point **pts, size_t *n, const char **why);

/* Intersection over union of the time intervals [s1, e1) and [s2, e2);
 * two empty intervals at one instant are the same event (1). */
double lf_score_interval_iou(double s1, double e1, double s2, double e2);

#endif
