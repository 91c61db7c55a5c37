/*
 * project.h - a project's inter-annotator agreement on its classification
 * controls (Choices, Taxonomy, Rating, Number) and its region controls,
 * overall and per day, kept up to date per process.
 *
 * The units are the project's tasks, the coders its annotators and a
 * rating the category an annotator's L1 annotation in force gives a
 * control: the latest version each author submitted, unless the stint it
 * came from was voided (a rejection sends the task back, and the work
 * done before no longer counts). A task with overlap K has up to K
 * ratings per control; an annotator who left a control empty is missing.
 * For Choices the category is the set of choices taken, for Taxonomy the
 * set of paths, for Rating and Number the value (exactly: a Number is
 * nominal here, 2 and 3 disagree as much as 2 and 30). A control with more
 * than one region in an annotation (per-region classification) counts as
 * missing there.
 *
 * Region controls (spans, boxes, polygons, ellipses, keypoints, timeline
 * ranges) and TextArea have no categories: each pair of a task's
 * annotations is scored with quality/score.h (matched IoU, interval IoU,
 * keypoint hits or span F1, the methods that score both sides alike; for
 * TextArea 1 - CER, which is not symmetric, taken both ways and averaged),
 * and a control reports the mean over all such pairs and per annotator
 * pair.
 *
 * The trend: a task's day is the UTC day of its newest L1 annotation in
 * force (when its ratings last changed). Per day, a classification
 * control's percent agreement over that day's tasks (the mean of their
 * P_u, agreement.h) and a region control's mean pair score over their
 * pairs.
 *
 * Incremental: each process keeps, per project, the statistics' counts
 * (quality/agreement.h) and each task's ratings as last read. A call reads
 * only the tasks changed since the previous one (by updated_at, which
 * every transition moves), takes back the old ratings of each and adds
 * the new ones, from the counts and from the sums of the task's old and
 * new day. It re-reads the last LF_QUALITY_WINDOW_MS before the
 * newest change it saw, because a transaction that set updated_at a
 * moment earlier may commit after that read, and servers' clocks differ
 * a little; a task whose updated_at is unchanged costs its row only. A
 * change of the project (its updated_at: label config included) starts
 * the project over. The first call reads every task of the project.
 *
 * Memory: a project's entry, once asked for, lives as long as the
 * process: a few dozen bytes per task with ratings or pair scores, plus
 * the categories and annotators met, and two integers per day and control.
 */
#ifndef LF_QUALITY_PROJECT_H
#define LF_QUALITY_PROJECT_H

#include "core/arena.h"
#include "quality/agreement.h"
#include "store/store.h"

#define LF_QUALITY_WINDOW_MS 30000
/* Pairs of annotators listed per control at most (the matrix's cells). */
#define LF_QUALITY_MAX_PAIRS 10000
/* Days of the trend at most: the newest ones with data. */
#define LF_QUALITY_TREND_DAYS 90

typedef struct lf_quality_pair {
	int64_t user_a, user_b; /* user_a < user_b */
	lf_agree_value percent, kappa;
} lf_quality_pair;

typedef struct lf_quality_control {
	const char *name, *type;
	lf_agree_value percent, alpha, fleiss;
	lf_quality_pair *pairs; /* by user_a, user_b */
	size_t npairs;
	int pairs_truncated; /* more than LF_QUALITY_MAX_PAIRS pairs */
} lf_quality_control;

/* A region control: the mean pair score, and per annotator pair (units:
 * the pairs of annotations compared). */
typedef struct lf_quality_region_pair {
	int64_t user_a, user_b; /* user_a < user_b */
	lf_agree_value mean;
} lf_quality_region_pair;

typedef struct lf_quality_region {
	const char *name, *type;
	const char *method; /* lf_score_method_name; NULL before any comparison */
	lf_agree_value mean;
	lf_quality_region_pair *pairs;
	size_t npairs;
	int pairs_truncated;
} lf_quality_region;

/* One UTC day of the trend, over the tasks whose day it is. controls[k]
 * is the percent agreement of the report's controls[k] (units: the
 * pairable tasks), regions[r] the mean pair score of its regions[r]
 * (units: the pairs compared); LF_AGREE_NO_DATA when that day has none. */
typedef struct lf_quality_day {
	int64_t day; /* days since 1970-01-01 */
	lf_agree_value *controls, *regions;
} lf_quality_day;

typedef struct lf_quality_report {
	int64_t tasks; /* tasks with at least one rating */
	lf_quality_control *controls;
	size_t ncontrols;
	lf_quality_region *regions;
	size_t nregions;
	lf_quality_day *trend; /* oldest first, at most LF_QUALITY_TREND_DAYS */
	size_t ntrend;
	const char **other_controls; /* controls not measured (names) */
	size_t nother;
} lf_quality_report;

/*
 * The agreement of project_id's annotators, brought up to date from s.
 * Everything in *out is allocated in a (owner: the caller's arena).
 * Returns LF_OK; LF_ERR_NOTFOUND without such a project; a store error;
 * LF_ERR_NOMEM. A project without a label config has no controls.
 */
int lf_quality_agreement(lf_store *s, lf_arena *a, int64_t project_id, lf_quality_report *out);

#endif
