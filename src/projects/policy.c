/*
 * policy.c - policy defaults and validation.
 */
#include "projects/policy.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static void add_problem(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int *slot(lf_policy *p, const lf_policy_field *f);
static int get(const lf_policy *p, const lf_policy_field *f);
static json_t *value_json(const lf_policy_field *f, int v);

/* Upper bound of a rate: a trillion minor units keeps every sum of rates
 * far from int64 overflow. */
#define RATE_MAX 1000000000000LL

#define F(field) offsetof(lf_policy, field)

static const lf_policy_field fields[] = {
    {"lease_seconds", LF_POLICY_INT, F(lease_seconds), 1, 7 * 86400, 600, "seconds",
     "How long a claimed task stays with its annotator without a heartbeat."},
    {"max_attempts", LF_POLICY_INT, F(max_attempts), 0, 100, 3, "expiries",
     "Lease expiries before the task escalates to L3."},
    {"max_reworks", LF_POLICY_INT, F(max_reworks), 0, 100, 2, "rejections",
     "L2 rejections before the task escalates to L3."},
    {"items_per_task", LF_POLICY_INT, F(items_per_task), 1, 10000, 1, "items",
     "Imported rows grouped into one task."},
    {"overlap", LF_POLICY_INT, F(overlap), 1, 20, 1, "annotations",
     "Independent L1 annotations each task needs."},
    {"overlap_max", LF_POLICY_INT, F(overlap_max), 0, 20, 0, "annotations",
     "While a task's annotators agree less than overlap_agreement, one more annotator is added,"
     " up to this many; 0 never adds one."},
    {"consensus_quorum", LF_POLICY_INT, F(consensus_quorum), 0, 20, 0, "votes",
     "Votes a value needs to enter the consensus shown to reviewers; 0: more than half the"
     " annotators."},
    {"consensus_iou", LF_POLICY_FRACTION, F(consensus_iou_bp), 0, 10000, 5000, "fraction",
     "Least IoU of two annotators' regions counted as the same region in the consensus."},
    {"overlap_agreement", LF_POLICY_FRACTION, F(overlap_agreement_bp), 0, 10000, 8000, "fraction",
     "Mean pair score (0..1) of a task's annotations under which overlap_max adds an annotator."},
    {"rework_grace_seconds", LF_POLICY_INT, F(rework_grace_seconds), 0, 30 * 86400, 300, "seconds",
     "How long a rejected task waits for its own annotator."},
    {"segment_seconds", LF_POLICY_INT, F(segment_seconds), 0, 86400, 0, "seconds",
     "Audio and video longer than this are cut into segment tasks; 0 keeps one task per file."},
    {"segment_overlap_seconds", LF_POLICY_INT, F(segment_overlap_seconds), 0, 86400, 0, "seconds",
     "How much consecutive segments overlap; less than the segment length."},
    {"release_grace_seconds", LF_POLICY_INT, F(release_grace_seconds), 0, 300, 5, "seconds",
     "After a labeling page closes, how long its task waits for a reload before it is released."},
    {"l3_sample_rate", LF_POLICY_FRACTION, F(l3_sample_bp), 0, 10000, 10000, "fraction",
     "Share of L2-approved tasks that L3 checks."},
    {"pay_overturned_l2", LF_POLICY_BOOL, F(pay_overturned_l2), 0, 1, 0, "",
     "Pay an L2 decision even when L3 overturns it."},
    {"gold_rate", LF_POLICY_FRACTION, F(gold_rate_bp), 0, 10000, 0, "fraction",
     "Share of L1 claims that serve a gold task (a known answer), while the annotator has one"
     " left to see."},
    {"gold_pass", LF_POLICY_FRACTION, F(gold_pass_bp), 0, 10000, 8000, "fraction",
     "Score (0..1) at or above which an answer to a gold task passes."},
    {"gold_feedback", LF_POLICY_BOOL, F(gold_feedback), 0, 1, 0, "",
     "Show annotators their score and the known answer right after a gold task."},
    {"pay_failed_gold", LF_POLICY_BOOL, F(pay_failed_gold), 0, 1, 0, "",
     "Pay an answer to a gold task that failed."},
    {"suspend_below", LF_POLICY_FRACTION, F(suspend_below_bp), 0, 10000, 0, "fraction",
     "Suspend an annotator whose mean gold score falls under this; 0 never does."},
    {"suspend_min_gold", LF_POLICY_INT, F(suspend_min_gold), 1, 10000, 10, "answers",
     "Gold answers since the last reinstatement before suspend_below applies."},
    {"gold_bonus", LF_POLICY_FRACTION, F(gold_bonus_bp), 0, 10000, 0, "fraction",
     "Share of the L1 rate added to the pay of annotators whose mean gold score is at least"
     " gold_bonus_above."},
    {"gold_bonus_above", LF_POLICY_FRACTION, F(gold_bonus_above_bp), 0, 10000, 9500, "fraction",
     "Mean gold score from which gold_bonus is paid."},
    {"gold_penalty", LF_POLICY_FRACTION, F(gold_penalty_bp), 0, 10000, 0, "fraction",
     "Share of the L1 rate taken off the pay of annotators whose mean gold score is under"
     " gold_penalty_below."},
    {"gold_penalty_below", LF_POLICY_FRACTION, F(gold_penalty_below_bp), 0, 10000, 6000, "fraction",
     "Mean gold score under which gold_penalty applies."},
    {"pay_band_min_gold", LF_POLICY_INT, F(pay_band_min_gold), 1, 10000, 10, "answers",
     "Gold answers an annotator needs before gold_bonus or gold_penalty applies."},
    {"ml_uncertainty_order", LF_POLICY_BOOL, F(ml_uncertainty_order), 0, 1, 0, "",
     "L1 claims take the task whose ML backend prediction has the lowest score first."},
};

#undef F

static int *slot(lf_policy *p, const lf_policy_field *f)
{
	return (int *)((char *)p + f->offset);
}

static int get(const lf_policy *p, const lf_policy_field *f)
{
	return *(const int *)((const char *)p + f->offset);
}

const lf_policy_field *lf_policy_field_at(size_t i)
{
	return i < LF_ARRAY_LEN(fields) ? &fields[i] : NULL;
}

void lf_policy_defaults(lf_policy *p)
{
	for (size_t i = 0; i < LF_ARRAY_LEN(fields); i++)
		*slot(p, &fields[i]) = fields[i].def;
}

/* A fraction's basis points as the API shows them: 0 to 1. */
static json_t *value_json(const lf_policy_field *f, int v)
{
	if (f->kind == LF_POLICY_FRACTION)
		return json_real(v / 10000.0);
	if (f->kind == LF_POLICY_BOOL)
		return json_boolean(v);
	return json_integer(v);
}

json_t *lf_policy_fields_json(void)
{
	static const char *const kinds[] = {"integer", "fraction", "boolean"};
	json_t *arr = json_array();
	for (size_t i = 0; arr != NULL && i < LF_ARRAY_LEN(fields); i++) {
		const lf_policy_field *f = &fields[i];
		json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "name", f->name, "type", kinds[f->kind],
				      "unit", f->unit, "description", f->description);
		if (o == NULL)
			continue;
		json_object_set_new(o, "default", value_json(f, f->def));
		if (f->kind != LF_POLICY_BOOL) {
			json_object_set_new(o, "min", value_json(f, f->min));
			json_object_set_new(o, "max", value_json(f, f->max));
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

/* Appends one line to err, so a form with three wrong keys hears about all
 * three at once instead of one per attempt. */
static void add_problem(char *err, size_t errlen, const char *fmt, ...)
{
	size_t len = strlen(err);
	va_list ap;
	if (len > 0 && len + 1 < errlen)
		err[len++] = '\n';
	if (len + 1 >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + len, errlen - len, fmt, ap);
	va_end(ap);
}

int lf_policy_apply(lf_policy *p, const json_t *obj, char *err, size_t errlen)
{
	lf_policy n = *p;
	const char *key;
	json_t *v;
	err[0] = '\0';
	if (obj == NULL || json_is_null(obj))
		return LF_OK;
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "policies must be an object");
		return LF_ERR_INVALID;
	}
	json_object_foreach((json_t *)obj, key, v)
	{
		const lf_policy_field *f = NULL;
		for (size_t i = 0; i < LF_ARRAY_LEN(fields) && f == NULL; i++)
			if (strcmp(key, fields[i].name) == 0)
				f = &fields[i];
		if (f == NULL) {
			add_problem(err, errlen, "unknown policy \"%.64s\"", key);
		} else if (f->kind == LF_POLICY_INT) {
			if (!json_is_integer(v) || json_integer_value(v) < f->min ||
			    json_integer_value(v) > f->max) {
				add_problem(err, errlen,
					    "policy %s must be an integer from %d to %d", f->name,
					    f->min, f->max);
				continue;
			}
			*slot(&n, f) = (int)json_integer_value(v);
		} else if (f->kind == LF_POLICY_FRACTION) {
			double r = json_is_number(v) ? json_number_value(v) : -1;
			if (!(r >= 0 && r <= 1)) {
				add_problem(err, errlen, "policy %s must be a number from 0 to 1",
					    f->name);
				continue;
			}
			*slot(&n, f) = (int)lround(r * 10000);
		} else {
			if (!json_is_boolean(v)) {
				add_problem(err, errlen, "policy %s must be true or false",
					    f->name);
				continue;
			}
			*slot(&n, f) = json_is_true(v);
		}
	}
	/* Checked on the combination, not per key: either may come from an
	 * earlier layer (the project's, under a task type's override). */
	if (err[0] == '\0' && n.gold_bonus_bp > 0 && n.gold_penalty_bp > 0 &&
	    n.gold_penalty_below_bp > n.gold_bonus_above_bp)
		add_problem(err, errlen,
			    "policy gold_penalty_below must not be above gold_bonus_above");
	if (err[0] == '\0' && n.overlap_max != 0 && n.overlap_max < n.overlap)
		add_problem(err, errlen, "policy overlap_max must be 0 or at least overlap (%d)",
			    n.overlap);
	if (err[0] == '\0' && n.segment_seconds > 0 &&
	    n.segment_overlap_seconds >= n.segment_seconds)
		add_problem(err, errlen,
			    "policy segment_overlap_seconds must be less than segment_seconds");
	if (err[0] != '\0')
		return LF_ERR_INVALID;
	*p = n;
	return LF_OK;
}

json_t *lf_policy_json(const lf_policy *p)
{
	json_t *o = json_object();
	for (size_t i = 0; o != NULL && i < LF_ARRAY_LEN(fields); i++)
		json_object_set_new(o, fields[i].name, value_json(&fields[i], get(p, &fields[i])));
	return o;
}

int lf_policy_effective(const char *project_policies, const char *task_types, const char *task_type,
			lf_policy *out)
{
	char err[160];
	int ret = LF_OK;
	json_t *pol = project_policies ? json_loads(project_policies, 0, NULL) : NULL;
	json_t *types = task_type && task_types ? json_loads(task_types, 0, NULL) : NULL;
	lf_policy_defaults(out);
	if ((ret = lf_policy_apply(out, pol, err, sizeof(err))) != LF_OK)
		goto cleanup;
	if (types != NULL)
		ret = lf_policy_apply(out, json_object_get(types, task_type), err, sizeof(err));
cleanup:
	json_decref(pol);
	json_decref(types);
	return ret;
}

int lf_policy_check_task_types(const json_t *obj, char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "task_types must be an object of policy overrides");
		return LF_ERR_INVALID;
	}
	json_object_foreach((json_t *)obj, key, v)
	{
		lf_policy p;
		char why[512];
		lf_policy_defaults(&p);
		if (strlen(key) == 0 || strlen(key) > 64) {
			snprintf(err, errlen, "task type names must be 1 to 64 characters");
			return LF_ERR_INVALID;
		}
		if (lf_policy_apply(&p, v, why, sizeof(why)) != LF_OK) {
			/* One line per problem, each naming its task type. */
			char *save = NULL;
			err[0] = '\0';
			for (char *line = strtok_r(why, "\n", &save); line != NULL;
			     line = strtok_r(NULL, "\n", &save))
				add_problem(err, errlen, "task type \"%.64s\": %s", key, line);
			return LF_ERR_INVALID;
		}
		/* Segmenting is the project's: a type's length could otherwise
		 * meet the project's overlap in a combination never checked. */
		if (json_object_get(v, "segment_seconds") != NULL ||
		    json_object_get(v, "segment_overlap_seconds") != NULL) {
			snprintf(err, errlen,
				 "task type \"%s\": segment_seconds and segment_overlap_seconds"
				 " are set for the whole project",
				 key);
			return LF_ERR_INVALID;
		}
	}
	return LF_OK;
}

int lf_rates_parse(const json_t *obj, lf_rates *out, char *err, size_t errlen)
{
	static const char *const names[] = {"l1", "l2", "l3"};
	lf_rates r = *out;
	int64_t *slots[] = {&r.l1, &r.l2, &r.l3};
	const char *key;
	json_t *v;
	if (obj == NULL || json_is_null(obj))
		return LF_OK;
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "rates must be an object {l1, l2, l3}");
		return LF_ERR_INVALID;
	}
	json_object_foreach((json_t *)obj, key, v)
	{
		size_t i;
		for (i = 0; i < 3 && strcmp(key, names[i]) != 0; i++)
			;
		if (i == 3) {
			snprintf(err, errlen, "unknown rate \"%.64s\" (use l1, l2, l3)", key);
			return LF_ERR_INVALID;
		}
		/* Money is integer minor units: 1.5 is refused, not rounded. */
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > RATE_MAX) {
			snprintf(err, errlen,
				 "rate %s must be a whole number of minor units from 0 to %lld",
				 key, RATE_MAX);
			return LF_ERR_INVALID;
		}
		*slots[i] = json_integer_value(v);
	}
	*out = r;
	return LF_OK;
}

int lf_rates_from_text(const char *text, lf_rates *out)
{
	char err[160];
	json_t *o = text ? json_loads(text, 0, NULL) : NULL;
	memset(out, 0, sizeof(*out));
	int ret = lf_rates_parse(o, out, err, sizeof(err));
	json_decref(o);
	return ret;
}

json_t *lf_rates_json(const lf_rates *r)
{
	return json_pack("{s:I,s:I,s:I}", "l1", (json_int_t)r->l1, "l2", (json_int_t)r->l2, "l3",
			 (json_int_t)r->l3);
}

int64_t lf_rates_stage(const lf_rates *r, int stage)
{
	return stage == 1 ? r->l1 : stage == 2 ? r->l2 : stage == 3 ? r->l3 : 0;
}
