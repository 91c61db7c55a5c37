/*
 * add.c - tasks given directly rather than in a file: for scripts and
 * small batches. All or none: the predictions are checked against the
 * project's label config, then every task and one audit record are
 * written in one transaction. Tasks are inserted one by one, not with
 * the store's bulk insert the import job uses, because the answer and the
 * audit record name the ids created, which only a single insert returns.
 */
#include "imports/imports.h"
#include "ml/ml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "labelcfg/labelcfg.h"

/* One call in progress. */
struct add {
	const lf_imports_tasks *rq;
	lf_imports_added *out;
	lf_error *err;
};

static int check_shape(const json_t *tasks, lf_error *err);
static int check_predictions(const lf_project *p, const json_t *tasks, lf_error *err);
static int insert_tasks(lf_tx *tx, const json_t *tasks, int64_t project_id, lf_imports_added *out,
			int64_t *ids);
static int audit_added(lf_tx *tx, const lf_imports_tasks *rq, const lf_imports_added *added);
static int add_tx(lf_tx *tx, void *ud);

static int check_shape(const json_t *tasks, lf_error *err)
{
	size_t i;
	json_t *v;
	if (!json_is_array(tasks) || json_array_size(tasks) == 0 ||
	    json_array_size(tasks) > LF_IMPORTS_ADD_MAX)
		return lf_error_set(err, LF_ERR_INVALID, "invalid_tasks",
				    "tasks must be an array of 1 to %d task objects.",
				    LF_IMPORTS_ADD_MAX);
	json_array_foreach(tasks, i, v)
	{
		json_t *pr = json_object_get(v, "priority"), *tt = json_object_get(v, "task_type"),
		       *pred = json_object_get(v, "predictions");
		if (!json_is_object(json_object_get(v, "data")) || (pr && !json_is_integer(pr)) ||
		    (tt && !json_is_string(tt)) || (pred && !json_is_array(pred)))
			return lf_error_set(
			    err, LF_ERR_INVALID, "invalid_tasks",
			    "tasks[%zu] needs a data object; priority is an integer,"
			    " task_type a string, predictions an array.",
			    i);
	}
	return LF_OK;
}

/* Predictions are results a model made: like a submitted result, each
 * must fit the project's label config and its task's data. The first
 * that does not is named. */
static int check_predictions(const lf_project *p, const json_t *tasks, lf_error *err)
{
	int ret = LF_OK;
	lf_labelcfg *cfg = NULL;
	char why[256];
	size_t i, k;
	json_t *v, *pred;
	if (p->label_config == NULL || p->label_config[0] == '\0')
		goto cleanup;
	if ((ret = lf_labelcfg_parse(p->label_config, strlen(p->label_config), &cfg, why,
				     sizeof(why))) != LF_OK) {
		ret = lf_error_set(err, LF_ERR_CONFLICT, "bad_label_config",
				   "The project's label config no longer parses: %s", why);
		goto cleanup;
	}
	json_array_foreach(tasks, i, v)
	{
		json_array_foreach(json_object_get(v, "predictions"), k, pred)
		{
			json_t *result = json_object_get(pred, "result");
			if (!json_is_array(result)) {
				ret = lf_error_set(
				    err, LF_ERR_INVALID, "invalid_result",
				    "tasks[%zu].predictions[%zu] has no \"result\" array.", i, k);
				goto cleanup;
			}
			ret = lf_labelcfg_validate_result(cfg, result, json_object_get(v, "data"),
							  why, sizeof(why));
			if (ret == LF_ERR_INVALID)
				lf_error_set(err, ret, "invalid_result",
					     "tasks[%zu].predictions[%zu]: %s", i, k, why);
			if (ret != LF_OK)
				goto cleanup;
		}
	}
cleanup:
	lf_labelcfg_free(cfg);
	return ret;
}

/* ids (one per task) gets the ids made: first_id..last_id may hold other
 * tasks on PostgreSQL, whose sequence concurrent inserts share. */
static int insert_tasks(lf_tx *tx, const json_t *tasks, int64_t project_id, lf_imports_added *out,
			int64_t *ids)
{
	int64_t now = lf_now_ms(), id = 0;
	size_t i;
	json_t *v;
	json_array_foreach(tasks, i, v)
	{
		char *data = json_dumps(json_object_get(v, "data"), JSON_COMPACT);
		json_t *pred = json_object_get(v, "predictions");
		char *ptext = pred ? json_dumps(pred, JSON_COMPACT) : NULL;
		lf_task t = {.project_id = project_id,
			     .task_type = json_string_value(json_object_get(v, "task_type")),
			     .state = "queued_l1",
			     .priority = json_integer_value(json_object_get(v, "priority")),
			     .data = data,
			     .predictions = ptext,
			     .created_at = now};
		int ret = data ? lf_store_task_insert(tx, &t, &id) : LF_ERR_NOMEM;
		free(data);
		free(ptext);
		if (ret != LF_OK)
			return ret;
		ids[i] = id;
		if (out->first_id == 0)
			out->first_id = id;
	}
	out->last_id = id;
	out->created = (int64_t)json_array_size(tasks);
	return LF_OK;
}

static int audit_added(lf_tx *tx, const lf_imports_tasks *rq, const lf_imports_added *added)
{
	char pid[32];
	snprintf(pid, sizeof(pid), "%lld", (long long)rq->project_id);
	json_t *d = json_pack("{s:I,s:I,s:I}", "count", (json_int_t)added->created, "first_id",
			      (json_int_t)added->first_id, "last_id", (json_int_t)added->last_id);
	lf_audit_event ev = {.actor_id = rq->actor_id,
			     .actor_role = rq->actor_role,
			     .action = "tasks.create",
			     .entity_type = "project",
			     .entity_id = pid,
			     .project_id = rq->project_id,
			     .to_state = "queued_l1",
			     .details = d};
	int ret = lf_audit_append(tx, &ev, NULL);
	json_decref(d);
	return ret;
}

/* Runs again from the start after a serialization failure (PostgreSQL),
 * so it first forgets whatever an earlier run answered. The predictions
 * are checked against the config read in this transaction, the one the
 * tasks are created under. */
static int add_tx(lf_tx *tx, void *ud)
{
	struct add *ad = ud;
	lf_project p;
	int ret;
	memset(ad->out, 0, sizeof(*ad->out));
	if (ad->err != NULL)
		memset(ad->err, 0, sizeof(*ad->err));
	if ((ret = lf_store_project_get(tx, ad->rq->project_id, &p)) != LF_OK)
		return lf_error_default(ad->err, ret, "project");
	size_t n = json_array_size(ad->rq->tasks);
	int64_t *ids = lf_arena_alloc(lf_store_arena(tx), n * sizeof(*ids));
	if (ids == NULL)
		return LF_ERR_NOMEM;
	if ((ret = check_predictions(&p, ad->rq->tasks, ad->err)) != LF_OK ||
	    (ret = insert_tasks(tx, ad->rq->tasks, p.id, ad->out, ids)) != LF_OK ||
	    (ret = lf_ml_enqueue_tasks(tx, p.id, ids, (int)n)) != LF_OK)
		return ret;
	return audit_added(tx, ad->rq, ad->out);
}

int lf_imports_add_tasks(lf_store *s, lf_arena *a, const lf_imports_tasks *rq,
			 lf_imports_added *out, lf_error *err)
{
	struct add ad = {.rq = rq, .out = out, .err = err};
	int ret = check_shape(rq->tasks, err);
	if (ret != LF_OK)
		return ret;
	return lf_store_write(s, a, add_tx, &ad);
}
