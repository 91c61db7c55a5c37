/*
 * proposal.c - what a reviewer of an overlap task starts from: the
 * consensus of the annotators' current results (quality/consensus.h),
 * built when the task is shown to a reviewer.
 *
 * Which annotations count is the rule the project's ratings follow
 * (lf_store_rating_scan): L1 annotations (kind "annotation", revisions
 * included) whose stint was not voided, the latest version of each author.
 * The label config comes from the configuration cache at the project's
 * current version, so showing a task parses nothing in the common case.
 */
#include "tasks/tasks.h"

#include <string.h>

#include "core/log.h"
#include "quality/consensus.h"
#include "tasks/config_cache.h"

static bool voided(const lf_work *w, int nw, int64_t work_id);

int lf_tasks_consensus(lf_tx *tx, const lf_task *t, const lf_annotation *an, int nan,
		       const lf_work *w, int nw, json_t **out)
{
	const lf_annotation **latest = NULL;
	const json_t **results = NULL;
	const lf_tasks_conf *conf;
	const lf_labelcfg *cfg;
	lf_consensus c = {0};
	lf_error err = {0};
	int64_t version;
	size_t n = 0;
	int ret;

	*out = NULL;
	if (nan < 2)
		return LF_OK;
	latest = calloc((size_t)nan, sizeof(*latest));
	results = calloc((size_t)nan, sizeof(*results));
	if (latest == NULL || results == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	/* Versions come oldest first: a later one of an author replaces. */
	for (int i = 0; i < nan; i++) {
		size_t k = 0;
		if (an[i].stage != 1 || strcmp(an[i].kind, "annotation") != 0 ||
		    voided(w, nw, an[i].work_id))
			continue;
		while (k < n && latest[k]->author_id != an[i].author_id)
			k++;
		latest[k] = &an[i];
		n += k == n;
	}
	ret = LF_OK;
	if (n < 2)
		goto cleanup;
	if ((ret = lf_store_project_version(tx, t->project_id, &version)) != LF_OK ||
	    (ret = lf_tasks_conf_get(tx, t->project_id, version, &conf)) != LF_OK)
		goto cleanup;
	if (conf->project.label_config == NULL || conf->project.label_config[0] == '\0')
		goto cleanup;
	/* A config that no longer parses has no proposal; the task shows. */
	if ((ret = lf_tasks_conf_labels(conf, &cfg, NULL, 0)) != LF_OK) {
		ret = ret == LF_ERR_NOMEM ? ret : LF_OK;
		goto cleanup;
	}
	for (size_t k = 0; k < n; k++) {
		if ((results[k] = json_loads(latest[k]->result, 0, NULL)) == NULL) {
			lf_log(LF_LOG_WARN,
			       "task %lld: annotation %lld cannot be read; no consensus",
			       (long long)t->id, (long long)latest[k]->id);
			goto cleanup;
		}
	}
	/* The task's policy: its type's, else the project's. */
	lf_policy pol;
	lf_consensus_opts opts;
	lf_consensus_opts_init(&opts);
	if (lf_tasks_conf_policy(conf, t->task_type, &pol) == LF_OK) {
		opts.quorum = (size_t)pol.consensus_quorum;
		opts.iou_threshold = pol.consensus_iou_bp / 10000.0;
	}
	ret = lf_consensus_merge(cfg, results, n, &opts, &c, &err);
	if (ret == LF_ERR_NOMEM)
		goto cleanup;
	if (ret != LF_OK) {
		/* Stored results passed the config they were submitted under; one
		 * changed since may refuse them. The reviewer still gets the task. */
		lf_log(LF_LOG_WARN, "task %lld: no consensus: %s", (long long)t->id, err.message);
		ret = LF_OK;
		goto cleanup;
	}
	*out = json_pack("{s:O,s:O,s:I,s:I}", "result", c.result, "controls", c.controls,
			 "annotators", (json_int_t)c.annotators, "quorum", (json_int_t)c.quorum);
	if (*out == NULL)
		ret = LF_ERR_NOMEM;

cleanup:
	lf_consensus_free(&c);
	for (size_t k = 0; results != NULL && k < n; k++)
		json_decref((json_t *)results[k]);
	free(results);
	free(latest);
	return ret;
}

/* Whether the stint work_id (0: none recorded) was voided. */
static bool voided(const lf_work *w, int nw, int64_t work_id)
{
	for (int i = 0; work_id != 0 && i < nw; i++) {
		if (w[i].id == work_id)
			return strcmp(w[i].status, "voided") == 0;
	}
	return false;
}
