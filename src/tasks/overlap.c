/*
 * overlap.c - overlap that grows while a task's annotators disagree.
 *
 * A project with overlap K asks K annotators per task. With overlap_max M
 * above K, the submit that brings a task to K annotations (or past it)
 * also measures how far they agree: the mean, over every pair of the
 * task's annotations in force, of their score against each other
 * (quality/score.h, taken both ways since some methods are not
 * symmetric). Under overlap_agreement the task goes back to L1 for one
 * more annotator, until M. The workflow table needs nothing for it: the
 * submit is decided with this effective overlap, and G_OVERLAP_PENDING
 * does the rest.
 */
#include "tasks/tasks_int.h"

#include <string.h>

#include "quality/score.h"

static int in_force(struct op *op, json_t **results, int max, int *n);
static double pair_score(const lf_labelcfg *cfg, const json_t *a, const json_t *b, int *ok);

/*
 * The task's L1 annotations in force besides the actor's new one: each
 * other author's latest version from a stint not voided. results[] gets
 * new references (the caller releases them).
 */
static int in_force(struct op *op, json_t **results, int max, int *n)
{
	lf_annotation *an = NULL;
	lf_work *w = NULL;
	int nan = 0, nw = 0;
	int ret = lf_store_annotation_list(op->tx, op->task.id, &an, &nan);
	if (ret == LF_OK)
		ret = lf_store_work_list(op->tx, op->task.id, &w, &nw);
	if (ret != LF_OK)
		return lf_error_set(op->why, ret, "unavailable", "The database failed.");
	*n = 0;
	for (int i = nan - 1; i >= 0; i--) {
		int voided = 0, seen = 0;
		if (an[i].stage != 1 || an[i].author_id == op->who->user_id)
			continue;
		for (int k = 0; k < nw; k++)
			voided |= w[k].id == an[i].work_id && strcmp(w[k].status, "voided") == 0;
		/* Versions are listed oldest first: walking back, the first one
		 * of each author is their latest. */
		for (int k = i + 1; k < nan; k++)
			seen |= an[k].author_id == an[i].author_id && an[k].stage == 1;
		if (voided || seen || *n == max)
			continue;
		if ((results[*n] = json_loads(an[i].result, 0, NULL)) != NULL)
			(*n)++;
	}
	return LF_OK;
}

static double pair_score(const lf_labelcfg *cfg, const json_t *a, const json_t *b, int *ok)
{
	lf_score ab = {0}, ba = {0};
	double s = 0;
	*ok = lf_score_result(cfg, a, b, NULL, &ab, NULL) == LF_OK &&
	      lf_score_result(cfg, b, a, NULL, &ba, NULL) == LF_OK && ab.scored > 0;
	if (*ok)
		s = (ab.overall + ba.overall) / 2;
	lf_score_free(&ab);
	lf_score_free(&ba);
	return s;
}

int lf_tasks_overlap_for_submit(struct op *op, int *overlap)
{
	enum { MAX_RESULTS = 20 };
	json_t *results[MAX_RESULTS + 1];
	const lf_labelcfg *cfg;
	char err[256];
	int n = 0, pairs = 0, ret;
	double sum = 0;
	int done = op->task.annotations_done + 1;
	*overlap = op->policy.overlap;
	if (op->policy.overlap_max <= op->policy.overlap || done < op->policy.overlap ||
	    done >= op->policy.overlap_max)
		return LF_OK;
	/* Without a label config nothing can be scored: the plain overlap. */
	if (lf_tasks_conf_labels(op->conf, &cfg, err, sizeof(err)) != LF_OK)
		return LF_OK;
	if ((ret = in_force(op, results, MAX_RESULTS, &n)) != LF_OK)
		return ret;
	results[n++] = json_incref((json_t *)op->result);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++) {
			int ok;
			double s = pair_score(cfg, results[i], results[j], &ok);
			sum += ok ? s : 0;
			pairs += ok;
		}
	for (int i = 0; i < n; i++)
		json_decref(results[i]);
	if (pairs == 0)
		return LF_OK;
	op->agreement_ppm = (int64_t)(sum / pairs * 1e6 + 0.5);
	op->agreement_known = 1;
	if (op->agreement_ppm * 10000 < (int64_t)op->policy.overlap_agreement_bp * 1000000)
		*overlap = done + 1;
	return LF_OK;
}
