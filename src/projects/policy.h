/*
 * policy.h - project policies and pay rates: defaults, validation, JSON.
 *
 * A project stores its policies as a JSON object holding only the values
 * it overrides; the defaults below fill the rest, and a task type may
 * override the project again ("task_types": {"hard": {"lease_seconds":
 * 1800}}). Pure: no I/O.
 */
#ifndef LF_POLICY_H
#define LF_POLICY_H

#include <jansson.h>

#include "core/lf.h"

typedef struct lf_policy {
	int lease_seconds;  /* a claim's lease; default 600 */
	int max_attempts;   /* lease expiries before escalation to L3; 3 */
	int max_reworks;    /* L2 rejections before escalation to L3; 2 */
	int items_per_task; /* imported rows grouped into one task; 1 */
	int overlap;	    /* independent L1 annotations a task needs; 1 */
	/* While the annotations of a task that has its overlap agree less
	 * than overlap_agreement_bp (mean pair score, basis points; 8000),
	 * one more annotator is asked, up to overlap_max (0: never). */
	int overlap_max;
	int overlap_agreement_bp;
	/* Consensus proposals (quality/consensus.h): votes a value needs
	 * (0: more than half the annotators) and the least IoU of two
	 * regions clustered together, basis points (5000). */
	int consensus_quorum;
	int consensus_iou_bp;
	int l3_sample_bp;	  /* share of L2-approved tasks L3 checks, basis points; 10000 */
	int rework_grace_seconds; /* rework waits this long for its annotator; 300 */
	int pay_overturned_l2;	  /* pay an L2 decision that L3 overturned; 0 */
	/* Audio and video longer than segment_seconds are cut into segment
	 * tasks that overlap by segment_overlap_seconds (see media.h,
	 * lf_media_segments); 0 = one task per file. The overlap is less than
	 * the length whenever segmenting is on. */
	int segment_seconds;	     /* 0 */
	int segment_overlap_seconds; /* 0 */
	/* A closed page's release waits this long for a reload to resume the
	 * task (beacon.c); 5. */
	int release_grace_seconds;
	/* Gold tasks (quality/gold.h): the share of L1 claims that serve
	 * one, basis points (0: none); the score an answer needs to pass,
	 * basis points (8000); whether the annotator sees their score after
	 * a gold task (0); whether a failed gold answer is paid (0). */
	int gold_rate_bp;
	int gold_pass_bp;
	int gold_feedback;
	int pay_failed_gold;
	/* An annotator whose mean gold score, over at least suspend_min_gold
	 * answers since their last reinstatement, is under suspend_below_bp
	 * is suspended from L1 work (0: never). */
	int suspend_below_bp;
	int suspend_min_gold;
	/* Pay by gold band: an annotator with at least pay_band_min_gold
	 * answers whose mean gold score is at least gold_bonus_above_bp is
	 * paid the L1 rate plus gold_bonus_bp of it; under
	 * gold_penalty_below_bp, the rate minus gold_penalty_bp of it (basis
	 * points; 0: no band). Fixed at the claim, as the hold reserved. */
	int gold_bonus_bp;
	int gold_bonus_above_bp;
	int gold_penalty_bp;
	int gold_penalty_below_bp;
	int pay_band_min_gold;
	/* ML backends (ml/ml.h): a stored prediction sets its task's priority
	 * so that L1 claims take the lowest score first (uncertainty
	 * sampling); 0. */
	int ml_uncertainty_order;
} lf_policy;

typedef enum lf_policy_kind {
	LF_POLICY_INT,	    /* a JSON integer from min to max */
	LF_POLICY_FRACTION, /* a JSON number from 0 to 1, kept as basis points */
	LF_POLICY_BOOL,	    /* true or false, kept as 0 or 1 */
} lf_policy_kind;

/* One policy field: its API name, bounds and default (basis points for a
 * fraction), unit and a one-line description. The one table behind the
 * defaults, the validation and GET /meta's policy_fields, so a client's
 * bounds cannot drift from the server's. */
typedef struct lf_policy_field {
	const char *name;
	lf_policy_kind kind;
	size_t offset; /* of its int in lf_policy */
	int min, max, def;
	const char *unit;
	const char *description;
} lf_policy_field;

/* The i-th policy field, NULL past the last. */
const lf_policy_field *lf_policy_field_at(size_t i);
/* The policy fields as GET /meta lists them (fractions as 0..1). New
 * reference. */
json_t *lf_policy_fields_json(void);

typedef struct lf_rates {
	int64_t l1, l2, l3; /* minor units of the project currency per task and stage */
} lf_rates;

void lf_policy_defaults(lf_policy *p);
/*
 * Overrides the fields of p present in obj (a JSON object; NULL or {} does
 * nothing). Unknown keys and out-of-range values are refused with
 * LF_ERR_INVALID, leaving p unchanged, and err holds every one of them,
 * a sentence per line (newline-separated, no trailing newline); so is a
 * result whose segment_overlap_seconds is not below a non-zero
 * segment_seconds.
 */
int lf_policy_apply(lf_policy *p, const json_t *obj, char *err, size_t errlen);
/* The policy as the API shows it. New reference. */
json_t *lf_policy_json(const lf_policy *p);
/*
 * The policy in force for a task: defaults, then the project's policies
 * text, then the task type's overrides from the task_types text.
 */
int lf_policy_effective(const char *project_policies, const char *task_types, const char *task_type,
			lf_policy *out);
/* Validates a task_types object: each value a valid policy override. err
 * as for lf_policy_apply, each line naming its task type. */
int lf_policy_check_task_types(const json_t *obj, char *err, size_t errlen);

int lf_rates_parse(const json_t *obj, lf_rates *out, char *err, size_t errlen);
int lf_rates_from_text(const char *text, lf_rates *out);
json_t *lf_rates_json(const lf_rates *r);
/* The rate of stage 1..3. */
int64_t lf_rates_stage(const lf_rates *r, int stage);

#endif
