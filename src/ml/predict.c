/*
 * predict.c - fetching predictions: the "ml.predict" job (one /predict
 * call for a batch of tasks), the reading of a backend's answer, its check
 * against the label config and the merge into tasks.predictions.
 */
#include "ml/ml_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labelcfg/labelcfg.h"
#include "projects/policy.h"

/* Scores are kept in millionths; beyond this they are clamped. */
#define SCORE_PPM_MAX 1000000000000LL
/* Under ml_uncertainty_order a task's priority is this minus its score:
 * lower scores first, and every predicted task (priority above 0) before
 * the tasks no prediction ranks. */
#define PRIORITY_BASE (SCORE_PPM_MAX + 1)

/* A batch in progress: what was read, what the backend answered, and
 * what the write stores (it reads this and changes nothing, as a store
 * may run it twice). */
struct batch {
	lf_ml_backend b;
	lf_project p;
	lf_task *tasks; /* to predict, nt of them */
	int nt;
	json_t **entries;    /* per task: the prediction to store, or NULL */
	const char **errors; /* per task: why it was refused, or NULL */
	int64_t *score_ppm;
	int *has_score;
	int total;	    /* the job's tasks */
	const char *failed; /* why the call failed for good, or NULL */
};

static int read_batch(lf_store *s, lf_arena *a, const json_t *ids, struct batch *bt);
static json_t *predict_body(const lf_ml_env *env, const struct batch *bt, lf_arena *a);
static void check_results(struct batch *bt, lf_arena *a, const lf_labelcfg *cfg,
			  const json_t *results);
static int write_tx(lf_tx *tx, void *ud);
static void fail_all(struct batch *bt, const char *why);
static json_t *entry_of(const json_t *pred, int64_t backend_id, const char *version, int64_t now);

int lf_ml_answer_results(const json_t *answer, size_t ntasks, json_t **out, char *err,
			 size_t errlen)
{
	json_t *arr = NULL;
	*out = NULL;
	if (json_is_array(answer))
		arr = (json_t *)answer;
	else if (json_is_object(answer) && json_is_array(json_object_get(answer, "results")))
		arr = json_object_get(answer, "results");
	else if (json_is_object(answer) && json_is_array(json_object_get(answer, "predictions")))
		arr = json_object_get(answer, "predictions");
	if (arr == NULL) {
		snprintf(err, errlen,
			 "the /predict answer has neither a results nor a predictions array");
		return LF_ERR_INVALID;
	}
	if (json_array_size(arr) != ntasks) {
		snprintf(err, errlen, "the /predict answer has %zu results for %zu tasks",
			 json_array_size(arr), ntasks);
		return LF_ERR_INVALID;
	}
	*out = arr;
	return LF_OK;
}

char *lf_ml_merge(const char *old, const json_t *entry)
{
	json_t *arr = old != NULL ? json_loads(old, 0, NULL) : NULL;
	json_t *bid = json_object_get(entry, "ml_backend_id");
	const char *ver = json_string_value(json_object_get(entry, "model_version"));
	char *text = NULL;
	size_t i;
	json_t *v;
	if (!json_is_array(arr)) {
		json_decref(arr);
		arr = json_array();
	}
	if (arr == NULL)
		return NULL;
	json_array_foreach(arr, i, v)
	{
		json_t *vb = json_object_get(v, "ml_backend_id");
		const char *vv = json_string_value(json_object_get(v, "model_version"));
		if (json_is_integer(vb) && json_equal(vb, bid) && vv != NULL && ver != NULL &&
		    strcmp(vv, ver) == 0)
			break;
	}
	if ((i < json_array_size(arr) ? json_array_set(arr, i, (json_t *)entry)
				      : json_array_append(arr, (json_t *)entry)) == 0)
		text = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return text;
}

/* What is stored of a backend's prediction: its result and score, the
 * version (the backend's, else the one the prediction names), the backend
 * and when. */
static json_t *entry_of(const json_t *pred, int64_t backend_id, const char *version, int64_t now)
{
	json_t *score = json_object_get(pred, "score");
	json_t *e = json_pack("{s:O,s:s,s:I,s:I}", "result", json_object_get(pred, "result"),
			      "model_version", version, "ml_backend_id", (json_int_t)backend_id,
			      "created_at", (json_int_t)now);
	if (e != NULL && json_is_number(score))
		json_object_set(e, "score", score);
	return e;
}

/* Reads the backend, its project and the job's tasks still to predict. */
static int read_batch(lf_store *s, lf_arena *a, const json_t *ids, struct batch *bt)
{
	lf_tx *tx = NULL;
	size_t i, n = json_array_size(ids);
	json_t *v;
	int ret;
	bt->total = (int)n;
	bt->tasks = lf_arena_calloc(a, (n + 1) * sizeof(*bt->tasks));
	if (bt->tasks == NULL)
		return LF_ERR_NOMEM;
	if ((ret = lf_store_begin(s, LF_TX_READ, a, &tx)) != LF_OK)
		return ret;
	if ((ret = lf_store_ml_backend_get(tx, 0, bt->b.id, &bt->b)) != LF_OK ||
	    (ret = lf_store_project_get(tx, bt->b.project_id, &bt->p)) != LF_OK)
		goto cleanup;
	json_array_foreach(ids, i, v)
	{
		lf_task *t = &bt->tasks[bt->nt];
		const char *have = "";
		ret = lf_store_task_get(tx, json_integer_value(v), t);
		if (ret == LF_OK && t->project_id == bt->b.project_id && t->gold_id == 0)
			ret = lf_store_ml_prediction_version(tx, bt->b.id, t->id, &have);
		else if (ret == LF_OK || ret == LF_ERR_NOTFOUND)
			have = NULL;
		if (ret != LF_OK && ret != LF_ERR_NOTFOUND)
			goto cleanup;
		ret = LF_OK;
		/* Sent unless gone, a gold copy, or holding this version's
		 * prediction already (any, for a backend that names none). */
		if (have != NULL && (have[0] == '\0' || (bt->b.model_version[0] != '\0' &&
							 strcmp(have, bt->b.model_version) != 0)))
			bt->nt++;
	}
cleanup:
	lf_store_rollback(tx);
	return ret;
}

/* The body Label Studio sends: the tasks, the version, the project's key
 * and label config, and params (no context: that is interactive's). */
static json_t *predict_body(const lf_ml_env *env, const struct batch *bt, lf_arena *a)
{
	json_t *tasks = json_array();
	for (int i = 0; tasks != NULL && i < bt->nt; i++) {
		json_t *data = lf_ml_task_data(env, &bt->b, bt->tasks[i].data);
		json_array_append_new(
		    tasks, json_pack("{s:I,s:o,s:I,s:[],s:[]}", "id", (json_int_t)bt->tasks[i].id,
				     "data", data ? data : json_object(), "project",
				     (json_int_t)bt->p.id, "annotations", "predictions"));
	}
	return json_pack("{s:o,s:s,s:s,s:s,s:{s:n}}", "tasks", tasks, "model_version",
			 bt->b.model_version, "project", lf_ml_project_key(a, &bt->p),
			 "label_config", bt->p.label_config ? bt->p.label_config : "", "params",
			 "context");
}

/* Sorts the answer's results into entries to store and errors. */
static void check_results(struct batch *bt, lf_arena *a, const lf_labelcfg *cfg,
			  const json_t *results)
{
	int64_t now = lf_now_ms();
	char why[300];
	for (int i = 0; i < bt->nt; i++) {
		json_t *pred = json_array_get(results, (size_t)i);
		json_t *result = json_object_get(pred, "result"), *score;
		json_t *data = json_loads(bt->tasks[i].data, 0, NULL);
		const char *ver = bt->b.model_version;
		if (ver[0] == '\0' && json_is_string(json_object_get(pred, "model_version")))
			ver = json_string_value(json_object_get(pred, "model_version"));
		why[0] = '\0';
		if (!json_is_array(result))
			snprintf(why, sizeof(why), "result %d is not an object with a result array",
				 i);
		else if (cfg == NULL)
			snprintf(why, sizeof(why), "the project has no label config to check it");
		else if (lf_labelcfg_validate_result(cfg, result, data, why, sizeof(why)) !=
			     LF_OK &&
			 why[0] == '\0')
			snprintf(why, sizeof(why), "the label config refuses it");
		json_decref(data);
		if (why[0] != '\0') {
			bt->errors[i] = lf_arena_strdup(a, why);
			continue;
		}
		bt->entries[i] = entry_of(pred, bt->b.id, ver, now);
		score = json_object_get(pred, "score");
		if (json_is_number(score) && isfinite(json_number_value(score))) {
			double ppm = json_number_value(score) * 1e6;
			bt->has_score[i] = 1;
			bt->score_ppm[i] = ppm > (double)SCORE_PPM_MAX	  ? SCORE_PPM_MAX
					   : ppm < -(double)SCORE_PPM_MAX ? -SCORE_PPM_MAX
									  : (int64_t)llround(ppm);
		}
	}
}

static int write_tx(lf_tx *tx, void *ud)
{
	const struct batch *bt = ud;
	int64_t now = lf_now_ms();
	int ret = LF_OK;
	for (int i = 0; ret == LF_OK && i < bt->nt; i++) {
		const lf_task *t = &bt->tasks[i];
		if (bt->errors[i] != NULL) {
			lf_ml_error e = {.backend_id = bt->b.id,
					 .task_id = t->id,
					 .model_version = bt->b.model_version,
					 .error = bt->errors[i],
					 .created_at = now};
			ret = lf_store_ml_error_insert(tx, &e);
			continue;
		}
		if (bt->entries[i] == NULL)
			continue;
		lf_task cur;
		lf_policy pol;
		if ((ret = lf_store_task_lock(tx, t->id, &cur)) != LF_OK)
			break;
		lf_policy_effective(bt->p.policies, bt->p.task_types, cur.task_type, &pol);
		char *merged = lf_ml_merge(cur.predictions, bt->entries[i]);
		const char *ver =
		    json_string_value(json_object_get(bt->entries[i], "model_version"));
		if (merged == NULL)
			return LF_ERR_NOMEM;
		ret = lf_store_ml_task_predictions(tx, t->id, merged,
						   pol.ml_uncertainty_order && bt->has_score[i],
						   PRIORITY_BASE - bt->score_ppm[i], now);
		free(merged);
		if (ret == LF_OK)
			ret = lf_store_ml_prediction_put(
			    tx, bt->b.id, t->id, bt->b.model_version[0] ? bt->b.model_version : ver,
			    bt->has_score[i], bt->score_ppm[i], now);
	}
	if (ret == LF_OK)
		ret = lf_store_ml_backend_progress(tx, bt->b.id, 0, bt->total);
	/* A call that failed for good shows on the backend until one works. */
	if (ret == LF_OK && bt->failed != NULL)
		ret = lf_store_ml_backend_state(tx, bt->b.id, "error", bt->failed, now);
	else if (ret == LF_OK && bt->nt > 0 && strcmp(bt->b.state, "connected") != 0)
		ret = lf_store_ml_backend_state(tx, bt->b.id, "connected", NULL, now);
	return ret;
}

/* The last attempt failed: every task of the batch is an error. */
static void fail_all(struct batch *bt, const char *why)
{
	for (int i = 0; i < bt->nt; i++)
		bt->errors[i] = why;
	bt->failed = why;
}

int lf_ml_job(lf_store *s, const lf_ml_env *env, lf_job *job, char *err, size_t errlen)
{
	json_t *ids = json_object_get(job->payload, "task_ids");
	json_t *body = NULL, *answer = NULL, *results = NULL;
	lf_labelcfg *cfg = NULL;
	struct batch bt = {0};
	lf_arena *a = lf_arena_create();
	int ret;
	char why[512] = "";
	bt.b.id = json_integer_value(json_object_get(job->payload, "backend_id"));
	if (a == NULL)
		return LF_ERR_NOMEM;
	if (bt.b.id <= 0 || !json_is_array(ids)) {
		snprintf(err, errlen, "ml.predict job without backend_id and task_ids");
		ret = LF_ERR_INVALID;
		goto cleanup;
	}
	ret = read_batch(s, a, ids, &bt);
	if (ret == LF_ERR_NOTFOUND) {
		snprintf(err, errlen, "the ML backend was disconnected");
		ret = LF_OK;
		goto cleanup;
	}
	if (ret != LF_OK)
		goto cleanup;
	bt.entries = lf_arena_calloc(a, ((size_t)bt.nt + 1) * sizeof(*bt.entries));
	bt.errors = lf_arena_calloc(a, ((size_t)bt.nt + 1) * sizeof(*bt.errors));
	bt.score_ppm = lf_arena_calloc(a, ((size_t)bt.nt + 1) * sizeof(*bt.score_ppm));
	bt.has_score = lf_arena_calloc(a, ((size_t)bt.nt + 1) * sizeof(*bt.has_score));
	if (bt.entries == NULL || bt.errors == NULL || bt.score_ppm == NULL ||
	    bt.has_score == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	if (bt.nt > 0) {
		lf_ml_slot slot;
		if ((ret = lf_ml_gate_enter(s, a, &bt.b, job, &slot)) != LF_OK) {
			snprintf(err, errlen, "%s",
				 ret == LF_ERR_IO ? "stopping" : lf_err_str(ret));
			goto cleanup;
		}
		/* Built once the slot is held: the wait for it must not use up
		 * the media links' validity. */
		body = predict_body(env, &bt, a);
		ret = body != NULL
			  ? lf_ml_call(&bt.b, env, "/predict", body, &answer, why, sizeof(why))
			  : LF_ERR_NOMEM;
		lf_ml_gate_leave(s, a, &slot);
		if (body == NULL)
			goto cleanup;
		if (ret == LF_OK && lf_ml_answer_results(answer, (size_t)bt.nt, &results, why,
							 sizeof(why)) != LF_OK)
			ret = LF_ERR_IO;
		if (ret != LF_OK && job->attempt < job->max_attempts && ret != LF_ERR_INVALID) {
			snprintf(err, errlen, "%s", why);
			goto cleanup;
		}
		if (ret != LF_OK) {
			fail_all(&bt, lf_arena_printf(a, "no prediction after %d attempt(s): %s",
						      job->attempt, why));
		} else {
			char cerr[200];
			if (bt.p.label_config != NULL && bt.p.label_config[0] != '\0' &&
			    lf_labelcfg_parse(bt.p.label_config, strlen(bt.p.label_config), &cfg,
					      cerr, sizeof(cerr)) != LF_OK)
				cfg = NULL;
			check_results(&bt, a, cfg, results);
		}
	}
	ret = lf_store_write(s, a, write_tx, &bt);
	if (ret != LF_OK)
		snprintf(err, errlen, "storing the predictions failed (%s)", lf_err_str(ret));
cleanup:
	for (int i = 0; bt.entries != NULL && i < bt.nt; i++)
		json_decref(bt.entries[i]);
	lf_labelcfg_free(cfg);
	json_decref(answer);
	json_decref(body);
	lf_arena_destroy(a);
	return ret;
}
