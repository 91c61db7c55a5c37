/*
 * consensus.h - one merged proposal from the results of several annotators.
 *
 * A task of an overlap project (policy overlap K, issue 18) is annotated
 * by K annotators before a reviewer sees it. The reviewer starts from a
 * proposal instead of K results side by side: what a quorum of the
 * annotators agree on, merged into one Label Studio result, and a report,
 * control by control (from_name), of where they did not agree. The module
 * is pure: no database, no I/O, no global state; every function is
 * thread-safe.
 *
 * The quorum is the number of annotators a value needs: by default more
 * than half of them (2 of 3, 3 of 4), or opts.quorum. An annotator who left
 * a control out counts against it, like one who answered otherwise.
 *
 * Methods, by what a control produces (names as in the report):
 *
 *   "vote"      Choices, Taxonomy, Rating, Number, DateTime, TextArea:
 *               per (from_name, to_name) each annotator's answer is one
 *               vote (the set of choices or taxonomy paths, the number,
 *               the lines of text, compared exactly); the answer with the
 *               most votes wins when it has the quorum and no other has as
 *               many. The merged region is a copy of one winning region.
 *               Otherwise the control is left out of the merged result for
 *               that object and reported "no_quorum" with the vote counts.
 *               A unit is one (from_name, to_name).
 *   "cluster"   areas (rectangles, polygons, ellipses), keypoints, audio,
 *               video and time-series spans, TimelineLabels ranges: the
 *               regions of one (to_name, type) are clustered across
 *               annotators, whatever their labels. Pairs of regions of
 *               different annotators are taken greedily by decreasing
 *               similarity; a pair joins their clusters when the two have
 *               no annotator in common and every pair across them is
 *               similar enough (complete linkage, so every member of a
 *               cluster overlaps every other). Similarity: IoU of areas
 *               and of time intervals, at least opts.iou_threshold;
 *               keypoints within opts.keypoint_radius (percent of the
 *               image), nearer being more similar. A cluster with the
 *               quorum of members becomes one merged region: its labels
 *               are the label set most members gave (a tie goes to the
 *               medoid's; members that differ are reported "label_split"),
 *               its geometry the mean of the members' (rectangles and
 *               ellipses: x, y, size and rotation; keypoints: x, y;
 *               intervals: start, end, frames rounded) or, for polygons,
 *               the medoid's: the member with the highest mean similarity
 *               to the others, whose other fields (original_width, ...)
 *               the merged region keeps in every case. A cluster under the
 *               quorum is reported "no_quorum" with how many annotators
 *               drew it. A unit is one cluster.
 *   "span_vote" text spans (Labels on Text): per (to_name, label), a
 *               character carries the label in the merge when the quorum
 *               of annotators gave it that label; the merged spans are the
 *               maximal runs of such characters. Their "text" is taken
 *               from the members' "text" where every character of the run
 *               is under a member span that has one (of its length), and
 *               left out otherwise. Runs labeled by some annotators but
 *               fewer than the quorum are reported "no_quorum" with the
 *               most annotators that gave any of their characters the
 *               label. A unit is one labeled character (agreement is
 *               characters with the quorum over characters with a vote).
 *   "unsupported"
 *               BrushLabels, VideoRectangle, HyperText and Paragraphs spans
 *               (see score.h for why), and per-region classifications (a
 *               vote control with several regions of one annotator on one
 *               object, or one whose id another region of the same result
 *               has: the regions they belong to are merged anew, so they
 *               could not be tied back). Left out of the merge, reported
 *               with agreement null.
 *
 * Relations are left out of the merge: the regions they tie are merged
 * into regions of other ids. Each merged region gets a fresh id,
 * "consensus_1", "consensus_2", ... in result order.
 *
 * The report is JSON, as the API hands it on: an array with, for every
 * control that some result names, in config order,
 *   {"name": from_name, "method": above,
 *    "agreement": units that reached the quorum / units (null when none),
 *    "disagreements": [...]}
 * where a disagreement is one of
 *   {"reason":"no_quorum","to_name":...,"votes":[{"value":{...},"count":n}]}
 *       (vote; value is the answer's "value" object reduced to the field
 *       voted on, most votes first)
 *   {"reason":"no_quorum","to_name":...,"type":...,"annotators":n,
 *    "labels":[{"value":[...],"count":n}],"value":{...}}
 *       (cluster; value is the medoid's)
 *   {"reason":"label_split","to_name":...,"type":...,"id":merged id,
 *    "annotators":n,"labels":[{"value":[...],"count":n}]}
 *   {"reason":"no_quorum","to_name":...,"label":...,"start":s,"end":e,
 *    "annotators":n}
 *       (span_vote).
 */
#ifndef LF_QUALITY_CONSENSUS_H
#define LF_QUALITY_CONSENSUS_H

#include "core/lf.h"
#include "labelcfg/labelcfg.h"

#include <jansson.h>
#include <stddef.h>

/* Most results merged at once, and most regions of one (control, to_name,
 * type) in all results together: clustering compares every pair. Over
 * them the merge is refused with LF_ERR_LIMIT. */
#define LF_CONSENSUS_MAX_RESULTS 100
#define LF_CONSENSUS_MAX_REGIONS 1000

typedef struct lf_consensus_opts {
	size_t quorum;		/* votes a value needs; 0: more than half the results (0) */
	double iou_threshold;	/* areas, intervals: least IoU of two clustered (0.5) */
	double keypoint_radius; /* keypoints: farthest apart, percent of the image (2) */
} lf_consensus_opts;

/* The proposal. result is a Label Studio result array for the same config
 * (it passes lf_labelcfg_validate_result where the inputs did); controls
 * the report described above; quorum the one applied. */
typedef struct lf_consensus {
	json_t *result;
	json_t *controls;
	size_t annotators;
	size_t quorum;
} lf_consensus;

/* Fills o with the defaults noted in lf_consensus_opts. */
void lf_consensus_opts_init(lf_consensus_opts *o);

/* Merges results[0..n-1], one Label Studio result array per annotator,
 * each accepted by lf_labelcfg_validate_result for cfg (anything else is
 * refused, not trusted). opts may be NULL for the defaults. On LF_OK,
 * *out holds new references (owner: caller, release with
 * lf_consensus_free). Returns LF_ERR_INVALID (fewer than 2 results, a
 * quorum over n or under 1, a region this function cannot read: not an
 * array, a from_name not in cfg, a value without its numbers), LF_ERR_LIMIT
 * (see the limits above) or LF_ERR_NOMEM, each described in err (may be
 * NULL); *out is then empty. */
int lf_consensus_merge(const lf_labelcfg *cfg, const json_t *const *results, size_t n,
		       const lf_consensus_opts *opts, lf_consensus *out, lf_error *err);

/* Releases what lf_consensus_merge put in c and empties it. NULL is
 * allowed. */
void lf_consensus_free(lf_consensus *c);

#endif
