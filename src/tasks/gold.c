/*
 * gold.c - gold tasks inside transitions: serving them on claims, scoring
 * the answers, suspending annotators whose answers keep failing, and the
 * pay band their gold accuracy earns them on L1 claims.
 *
 * A gold task is a task with a known answer (store_gold.h), kept apart
 * from the project's tasks. When a claim is due one, the annotator gets a
 * task of their own copied from it (tasks.gold_id): same data, and the
 * priority of the task the claim would have given, so that neither the
 * API nor the UI tells it apart. The copy is claimed, leased, paid and
 * audited as any L1 task; the workflow's gold rows end it at submit,
 * where its answer is scored here against the known one
 * (quality/score.h), instead of going to review.
 *
 * Mixing is per claim: each L1 claim serves gold with probability
 * gold_rate while the annotator has a gold task left that they were never
 * given, so over many claims the share of gold is the rate, and nobody
 * sees one gold task twice (gold_answers' unique key, also under
 * concurrent claims). A claim serves gold only when there is real work to
 * give: gold is a sample of the work, not a way to keep annotators busy.
 */
#include "tasks/tasks_int.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "quality/score.h"

static int suspend_rule(struct op *op);
static int band_of(const lf_policy *pol, const lf_gold_person *p);
static json_t *feedback_json(const struct op *op, const lf_score *sc, const json_t *gold,
			     double score, int passed);

int lf_tasks_gold_pick(struct op *op, int64_t *copy_id)
{
	lf_gold g;
	*copy_id = 0;
	if (op->policy.gold_rate_bp <= 0 ||
	    (int)randombytes_uniform(10000) >= op->policy.gold_rate_bp)
		return LF_OK;
	int ret = lf_store_gold_next(op->tx, op->task.project_id, op->who->user_id, &g);
	if (ret == LF_ERR_NOTFOUND)
		return LF_OK;
	lf_task c = {.project_id = g.project_id,
		     .task_type = g.task_type,
		     .state = "queued_l1",
		     .priority = op->task.priority,
		     .data = g.data,
		     .predictions = g.predictions,
		     .created_at = op->now,
		     .gold_id = g.id};
	if (ret == LF_OK)
		ret = lf_store_task_insert(op->tx, &c, copy_id);
	if (ret == LF_OK)
		ret = lf_store_gold_serve(op->tx, g.id, *copy_id, g.project_id, op->who->user_id,
					  op->now);
	/* The same person's other claim, at the same moment, got it. */
	if (ret == LF_ERR_CONFLICT)
		return lf_error_set(
		    op->why, ret, "conflict",
		    "Another claim of yours was taken at the same time; try again.");
	if (ret != LF_OK)
		return lf_error_set(op->why, ret, "unavailable", "The database failed.");
	return LF_OK;
}

/*
 * The answer's score against the known one, by lf_score_result. A known
 * answer that no longer fits the label config (the config changed since)
 * cannot be scored: the submit is refused rather than the annotator
 * marked down for the project's change.
 */
int lf_tasks_gold_score(struct op *op)
{
	const lf_labelcfg *cfg;
	const char *answer = NULL;
	char err[256];
	lf_error why = {0};
	lf_score sc = {0};
	json_t *gold = NULL;
	int ret = lf_store_gold_answer_of(op->tx, op->task.id, &answer);
	if (ret != LF_OK)
		return lf_error_set(op->why, ret, "unavailable", "The database failed.");
	if (lf_tasks_conf_labels(op->conf, &cfg, err, sizeof(err)) != LF_OK)
		return lf_error_set(op->why, LF_ERR_INTERNAL, "bad_label_config",
				    "The project's label config no longer parses: %s", err);
	if ((gold = json_loads(answer, 0, NULL)) == NULL) {
		ret = lf_error_set(op->why, LF_ERR_INTERNAL, "internal",
				   "The known answer cannot be read.");
		goto cleanup;
	}
	if ((ret = lf_score_result(cfg, op->result, gold, NULL, &sc, &why)) != LF_OK) {
		ret = lf_error_set(op->why, LF_ERR_INTERNAL, "gold_unscorable",
				   "The answer cannot be scored against the known one: %s",
				   why.message);
		goto cleanup;
	}
	op->gold_score_ppm = (int64_t)(sc.overall * 1e6 + 0.5);
	op->gold_passed = op->gold_score_ppm * 10000 >= (int64_t)op->policy.gold_pass_bp * 1000000;
	if (op->policy.gold_feedback) {
		json_t *fb = feedback_json(op, &sc, gold, sc.overall, op->gold_passed);
		char *text = fb ? json_dumps(fb, JSON_COMPACT) : NULL;
		json_decref(fb);
		op->gold_feedback = text ? lf_arena_strdup(lf_store_arena(op->tx), text) : NULL;
		free(text);
		if (op->gold_feedback == NULL)
			ret = lf_error_set(op->why, LF_ERR_NOMEM, "internal", "Out of memory.");
	}
cleanup:
	lf_score_free(&sc);
	json_decref(gold);
	return ret;
}

/* What the annotator is shown after a gold task, when the project says so:
 * the score, whether it passed, and the known answer. */
static json_t *feedback_json(const struct op *op, const lf_score *sc, const json_t *gold,
			     double score, int passed)
{
	json_t *controls = json_array();
	for (size_t i = 0; controls && i < sc->control_count; i++)
		json_array_append_new(
		    controls, json_pack("{s:s,s:s,s:f}", "name", sc->controls[i].name, "method",
					lf_score_method_name(sc->controls[i].method), "score",
					sc->controls[i].score));
	return json_pack("{s:f,s:b,s:f,s:O,s:o}", "score", score, "passed", passed, "pass_score",
			 op->policy.gold_pass_bp / 10000.0, "expected", gold, "controls",
			 controls ? controls : json_array());
}

/* Records the scored answer, then applies the project's suspension rule. */
int lf_tasks_gold_record(struct op *op)
{
	int ret =
	    lf_store_gold_answer(op->tx, op->task.id, op->gold_score_ppm, op->gold_passed, op->now);
	if (ret != LF_OK)
		return lf_error_set(op->why, ret, "conflict",
				    "The gold answer changed concurrently; try again.");
	return op->policy.suspend_below_bp > 0 ? suspend_rule(op) : LF_OK;
}

/*
 * Counts only the answers since the annotator's last reinstatement: an
 * admin who lets someone back in gives them a fresh start, instead of a
 * suspension again at their next gold answer on the old mean.
 */
static int suspend_rule(struct op *op)
{
	lf_suspension s;
	lf_gold_person p;
	char reason[256];
	int64_t uid = op->who->user_id, pid = op->task.project_id;
	int ret = lf_store_member_suspension(op->tx, pid, uid, &s);
	if (ret == LF_ERR_NOTFOUND || (ret == LF_OK && s.reason != NULL))
		return LF_OK;
	if (ret == LF_OK)
		ret = lf_store_gold_person(op->tx, pid, uid, s.reinstated_at, &p);
	if (ret != LF_OK)
		return lf_error_set(op->why, ret, "unavailable", "The database failed.");
	if (p.answered < op->policy.suspend_min_gold ||
	    p.score_ppm_sum * 10000 >= (int64_t)op->policy.suspend_below_bp * 1000000 * p.answered)
		return LF_OK;
	snprintf(reason, sizeof(reason),
		 "your mean score on %lld gold tasks is %.1f%%, under the project's %.1f%%.",
		 (long long)p.answered, (double)p.score_ppm_sum / (double)p.answered / 1e4,
		 op->policy.suspend_below_bp / 100.0);
	if ((ret = lf_store_member_suspend(op->tx, pid, uid, reason, 0, op->now)) != LF_OK)
		return lf_error_set(op->why, ret, "unavailable", "The database failed.");
	json_t *d = json_pack("{s:I,s:s,s:I,s:I}", "user_id", (json_int_t)uid, "reason", reason,
			      "gold_answered", (json_int_t)p.answered, "score_ppm_sum",
			      (json_int_t)p.score_ppm_sum);
	char id[32];
	snprintf(id, sizeof(id), "%lld", (long long)uid);
	lf_audit_event ev = {.actor_id = 0,
			     .actor_role = "system",
			     .action = "member.suspend",
			     .entity_type = "member",
			     .entity_id = id,
			     .project_id = pid,
			     .details = d};
	ret = d ? lf_audit_append(op->tx, &ev, NULL) : LF_ERR_NOMEM;
	json_decref(d);
	return ret == LF_OK ? LF_OK
			    : lf_error_set(op->why, ret, "unavailable", "The audit write failed.");
}

/* +1 bonus, -1 penalty, 0 the plain rate. */
static int band_of(const lf_policy *pol, const lf_gold_person *p)
{
	if (p->answered < pol->pay_band_min_gold)
		return 0;
	/* mean >= x  <=>  sum_ppm * 10000 >= x_bp * 1e6 * n: exact, no floats. */
	int64_t sum = p->score_ppm_sum * 10000, per = 1000000 * p->answered;
	if (pol->gold_bonus_bp > 0 && sum >= (int64_t)pol->gold_bonus_above_bp * per)
		return 1;
	if (pol->gold_penalty_bp > 0 && sum < (int64_t)pol->gold_penalty_below_bp * per)
		return -1;
	return 0;
}

/*
 * The band is read at the claim from every gold answer the annotator gave
 * in the project, and fixed in the hold: what they are paid for a task is
 * what was reserved when they took it, whatever they answer meanwhile.
 * Rounded down to the minor unit either way.
 */
int lf_tasks_gold_pay(struct op *op, int64_t *rate)
{
	lf_gold_person p;
	const lf_policy *pol = &op->policy;
	if ((pol->gold_bonus_bp == 0 && pol->gold_penalty_bp == 0) || *rate == 0)
		return LF_OK;
	int ret = lf_store_gold_person(op->tx, op->task.project_id, op->who->user_id, 0, &p);
	if (ret != LF_OK)
		return lf_error_set(op->why, ret, "unavailable", "The database failed.");
	op->pay_band = band_of(pol, &p);
	if (op->pay_band > 0)
		*rate += *rate * pol->gold_bonus_bp / 10000;
	else if (op->pay_band < 0)
		*rate -= *rate * pol->gold_penalty_bp / 10000;
	return LF_OK;
}
