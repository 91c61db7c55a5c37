/*
 * api_ml.c - ML backends of a project (ml/ml.h).
 *
 * POST   /projects/{id}/ml-backends                   connect one (health + setup)
 * GET    /projects/{id}/ml-backends                   list them, with their progress
 * GET    /projects/{id}/ml-backends/{bid}             one
 * PATCH  /projects/{id}/ml-backends/{bid}             change it (a new URL or auth connects again)
 * DELETE /projects/{id}/ml-backends/{bid}             disconnect it
 * POST   /projects/{id}/ml-backends/{bid}/predict     queue predictions {task_ids} or {filter}
 * GET    /projects/{id}/ml-backends/{bid}/errors      refused answers, newest first, paged
 * POST   /projects/{id}/ml-backends/{bid}/train       START_TRAINING to its /webhook
 * POST   /projects/{id}/ml-backends/{bid}/interactive one task's prediction with a context
 *
 * Managers only, except interactive, which the holder of the task may ask
 * too (the labeling page's "Ask the model"). Credentials are written,
 * never read back: a backend shows only its auth kind.
 */
#include "api/api.h"

#include <string.h>

#include "ml/ml.h"
#include "workflow/workflow.h"

static lf_ml_env env_of(const lf_app *app);
static json_t *backend_json(lf_http_req *req, const lf_ml_backend *b);
static int read_input(lf_http_req *req, lf_ml_input *in);
static int load_backend(lf_http_req *req, lf_ml_backend *b);
static int save(lf_http_req *req, int64_t bid);
static int filter_ids(lf_http_req *req, int64_t project_id, const json_t *filter, int64_t **ids,
		      int *n);

static lf_ml_env env_of(const lf_app *app)
{
	return (lf_ml_env){.allow = app->outbound_allow,
			   .answer_max = (size_t)app->ml_answer_max,
			   .public_url = app->public_url,
			   .jwt_key = app->jwt_key};
}

static json_t *backend_json(lf_http_req *req, const lf_ml_backend *b)
{
	int64_t pending = b->tasks_requested - b->tasks_done;
	json_t *o = json_pack(
	    "{s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:b,s:i,s:i,s:I,s:{s:I,s:I,s:I,s:I,s:I},s:s,s:s}", "id",
	    (json_int_t)b->id, "project_id", (json_int_t)b->project_id, "title", b->title, "url",
	    b->url, "auth", b->auth_kind, "model_version", b->model_version, "state", b->state,
	    "auto_predict", b->auto_predict, "batch_size", b->batch_size, "concurrency",
	    b->concurrency, "timeout_ms", (json_int_t)b->timeout_ms, "progress", "requested",
	    (json_int_t)b->tasks_requested, "done", (json_int_t)b->tasks_done, "pending",
	    (json_int_t)(pending > 0 ? pending : 0), "predicted", (json_int_t)b->predicted,
	    "errors", (json_int_t)b->errors, "created_at", lf_api_time(req, b->created_at),
	    "updated_at", lf_api_time(req, b->updated_at));
	if (o != NULL) {
		json_object_set_new(o, "last_error",
				    b->last_error ? json_string(b->last_error) : json_null());
		/* Said per backend, though it is the server's, because it is what
		 * the backend was told: without it, its media links are relative
		 * and a backend cannot download them (the ML tab warns). */
		const lf_app *app = req->app;
		const char *host = app->public_url;
		json_object_set_new(o, "hostname", json_string(host ? host : ""));
	}
	return o;
}

static int read_input(lf_http_req *req, lf_ml_input *in)
{
	int64_t batch = -1, conc = -1, timeout = -1;
	int ret;
	*in = (lf_ml_input){.auto_predict = -1};
	if ((ret = lf_api_str(req, "title", 0, 200, &in->title)) != LF_OK ||
	    (ret = lf_api_str(req, "url", 0, 2000, &in->url)) != LF_OK ||
	    (ret = lf_api_str(req, "auth", 0, 16, &in->auth_kind)) != LF_OK ||
	    (ret = lf_api_str(req, "auth_user", 0, 256, &in->auth_user)) != LF_OK ||
	    (ret = lf_api_str(req, "auth_secret", 0, 4096, &in->auth_secret)) != LF_OK ||
	    (ret = lf_api_bool(req, "auto_predict", 0, &in->auto_predict)) != LF_OK ||
	    (ret = lf_api_int(req, "batch_size", 0, 1, LF_ML_BATCH_MAX, &batch)) != LF_OK ||
	    (ret = lf_api_int(req, "concurrency", 0, 1, LF_ML_CONCURRENCY_MAX, &conc)) != LF_OK ||
	    (ret = lf_api_int(req, "timeout_ms", 0, 100, LF_ML_TIMEOUT_MAX_MS, &timeout)) != LF_OK)
		return ret;
	in->batch_size = (int)batch;
	in->concurrency = (int)conc;
	in->timeout_ms = timeout;
	return LF_OK;
}

/* The path's backend, for a manager of the path's project. */
static int load_backend(lf_http_req *req, lf_ml_backend *b)
{
	lf_app *app = req->app;
	lf_principal *who;
	lf_tx *tx;
	int64_t id = lf_http_capture_id(req, 0);
	int ret;
	if ((ret = lf_api_guard(req, LF_PERM_PROJECT_MANAGE, id, &who)) != LF_OK)
		return ret;
	if ((ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx)) != LF_OK)
		return ret;
	ret = lf_store_ml_backend_get(tx, id, lf_http_capture_id(req, 1), b);
	lf_store_rollback(tx);
	if (ret == LF_ERR_NOTFOUND)
		return lf_http_fail(req, ret, "not_found", "The project has no such ML backend.");
	return ret;
}

/* Connects a backend (bid 0) or changes backend bid; answers it as
 * stored, with its progress. */
static int save(lf_http_req *req, int64_t bid)
{
	lf_app *app = req->app;
	lf_principal *who;
	lf_ml_input in;
	lf_ml_backend b;
	lf_ml_env env = env_of(app);
	int64_t id = lf_http_capture_id(req, 0);
	int ret;
	if ((ret = lf_api_guard(req, LF_PERM_PROJECT_MANAGE, id, &who)) != LF_OK ||
	    (ret = read_input(req, &in)) != LF_OK)
		return ret;
	lf_ml_actor actor = {.id = who->user.id, .role = who->user.role};
	ret =
	    bid == 0
		? lf_ml_connect(app->store, req->arena, &env, &actor, id, &in, &b, &req->error)
		: lf_ml_update(app->store, req->arena, &env, &actor, id, bid, &in, &b, &req->error);
	if (ret != LF_OK)
		return ret;
	if (bid != 0 && load_backend(req, &b) != LF_OK)
		return LF_ERR_INTERNAL;
	return lf_http_json(req, bid == 0 ? 201 : 200, backend_json(req, &b));
}

int lf_api_ml_create(lf_http_req *req)
{
	return save(req, 0);
}

int lf_api_ml_list(lf_http_req *req)
{
	lf_app *app = req->app;
	lf_principal *who;
	lf_ml_backend *bs = NULL;
	lf_tx *tx;
	int n = 0, ret;
	int64_t id = lf_http_capture_id(req, 0);
	if ((ret = lf_api_guard(req, LF_PERM_PROJECT_MANAGE, id, &who)) != LF_OK)
		return ret;
	if ((ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx)) != LF_OK)
		return ret;
	ret = lf_store_ml_backend_list(tx, id, &bs, &n);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return ret;
	json_t *items = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(items, backend_json(req, &bs[i]));
	return lf_api_list(req, items, NULL);
}

int lf_api_ml_get(lf_http_req *req)
{
	lf_ml_backend b;
	int ret = load_backend(req, &b);
	return ret != LF_OK ? ret : lf_http_json(req, 200, backend_json(req, &b));
}

int lf_api_ml_patch(lf_http_req *req)
{
	return save(req, lf_http_capture_id(req, 1));
}

int lf_api_ml_delete(lf_http_req *req)
{
	lf_app *app = req->app;
	lf_principal *who;
	int64_t id = lf_http_capture_id(req, 0);
	int ret;
	if ((ret = lf_api_guard(req, LF_PERM_PROJECT_MANAGE, id, &who)) != LF_OK)
		return ret;
	lf_ml_actor actor = {.id = who->user.id, .role = who->user.role};
	if ((ret = lf_ml_delete(app->store, req->arena, &actor, id, lf_http_capture_id(req, 1),
				&req->error)) != LF_OK)
		return ret;
	return lf_http_empty(req, 204);
}

/* The tasks a filter of the data manager's ({state, q}) selects, by id,
 * at most LF_ML_PREDICT_MAX. */
static int filter_ids(lf_http_req *req, int64_t project_id, const json_t *filter, int64_t **ids,
		      int *n)
{
	lf_app *app = req->app;
	lf_task_filter f = {.project_id = project_id, .sort = LF_TASK_SORT_ID, .limit = 1000};
	lf_task_state st;
	lf_tx *tx;
	int cap = 0, got, ret;
	lf_task_item *items;
	json_t *state = json_object_get(filter, "state"), *q = json_object_get(filter, "q");
	if (!json_is_object(filter) || (state != NULL && !json_is_string(state)) ||
	    (q != NULL && !json_is_string(q)) ||
	    (state != NULL && lf_wf_state_parse(json_string_value(state), &st) != LF_OK))
		return lf_http_fail(req, LF_ERR_INVALID, "invalid_filter",
				    "filter must be an object of state (a task state) and q (text"
				    " the task's data holds), both optional.");
	f.state = json_string_value(state);
	f.text = q != NULL && json_string_length(q) > 0 ? json_string_value(q) : NULL;
	*ids = NULL;
	*n = 0;
	if ((ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx)) != LF_OK)
		return ret;
	do {
		if ((ret = lf_store_task_list(tx, &f, &items, &got)) != LF_OK)
			break;
		for (int i = 0; i < got && *n < LF_ML_PREDICT_MAX; i++) {
			if (*n == cap) {
				int64_t *more = lf_arena_alloc(
				    req->arena, (size_t)(cap ? cap * 2 : 1024) * sizeof(*more));
				if (more == NULL) {
					ret = LF_ERR_NOMEM;
					goto cleanup;
				}
				if (*n > 0)
					memcpy(more, *ids, (size_t)*n * sizeof(*more));
				*ids = more;
				cap = cap ? cap * 2 : 1024;
			}
			(*ids)[(*n)++] = items[i].task.id;
		}
		f.has_cursor = 1;
		f.after_id = got > 0 ? items[got - 1].task.id : 0;
	} while (got == f.limit && *n < LF_ML_PREDICT_MAX);
cleanup:
	lf_store_rollback(tx);
	return ret;
}

int lf_api_ml_predict(lf_http_req *req)
{
	lf_app *app = req->app;
	lf_principal *who;
	int64_t id = lf_http_capture_id(req, 0), first_job = 0, *ids = NULL;
	json_t *task_ids = json_object_get(req->json, "task_ids");
	json_t *filter = json_object_get(req->json, "filter"), *v;
	int n = 0, jobs = 0, ret;
	size_t i;
	if ((ret = lf_api_guard(req, LF_PERM_PROJECT_MANAGE, id, &who)) != LF_OK)
		return ret;
	if ((task_ids == NULL) == (filter == NULL))
		return lf_http_fail(req, LF_ERR_INVALID, "invalid_field",
				    "Give task_ids (an array of task ids) or filter, not both.");
	if (task_ids != NULL) {
		if (!json_is_array(task_ids) || json_array_size(task_ids) == 0 ||
		    json_array_size(task_ids) > LF_ML_PREDICT_MAX)
			return lf_http_fail(req, LF_ERR_INVALID, "invalid_field",
					    "task_ids must be an array of 1 to %d task ids.",
					    LF_ML_PREDICT_MAX);
		ids = lf_arena_alloc(req->arena, json_array_size(task_ids) * sizeof(*ids));
		if (ids == NULL)
			return LF_ERR_NOMEM;
		json_array_foreach(task_ids, i, v)
		{
			if (!json_is_integer(v) || json_integer_value(v) < 1)
				return lf_http_fail(req, LF_ERR_INVALID, "invalid_field",
						    "task_ids[%zu] is not a task id.", i);
			ids[n++] = json_integer_value(v);
		}
	} else if ((ret = filter_ids(req, id, filter, &ids, &n)) != LF_OK) {
		return ret;
	}
	lf_ml_actor actor = {.id = who->user.id, .role = who->user.role};
	if ((ret = lf_ml_predict(app->store, req->arena, &actor, id, lf_http_capture_id(req, 1),
				 ids, n, &jobs, &first_job, &req->error)) != LF_OK)
		return ret;
	if (app->jobs != NULL)
		lf_jobs_kick(app->jobs);
	json_t *o = json_pack("{s:i,s:i}", "tasks", n, "jobs", jobs);
	if (o != NULL)
		json_object_set_new(o, "job_id", jobs > 0 ? json_integer(first_job) : json_null());
	return lf_http_json(req, 202, o);
}

int lf_api_ml_errors(lf_http_req *req)
{
	lf_app *app = req->app;
	lf_ml_backend b;
	lf_ml_error *es = NULL;
	lf_tx *tx;
	int64_t cursor = 0, limit = 50;
	int n = 0, ret;
	if ((ret = load_backend(req, &b)) != LF_OK ||
	    (ret = lf_api_qint(req, "cursor", 0, INT64_MAX, &cursor)) != LF_OK ||
	    (ret = lf_api_qint(req, "limit", 1, 500, &limit)) != LF_OK)
		return ret;
	if ((ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx)) != LF_OK)
		return ret;
	ret = lf_store_ml_error_list(tx, b.id, cursor, (int)limit + 1, &es, &n);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return ret;
	json_t *items = json_array();
	for (int i = 0; i < n && i < limit; i++)
		json_array_append_new(
		    items, json_pack("{s:I,s:I,s:s,s:s,s:s}", "id", (json_int_t)es[i].id, "task_id",
				     (json_int_t)es[i].task_id, "model_version",
				     es[i].model_version, "error", es[i].error, "created_at",
				     lf_api_time(req, es[i].created_at)));
	return lf_api_list(req, items,
			   lf_api_next_cursor(req, n, limit, n > limit ? es[limit - 1].id : 0));
}

int lf_api_ml_train(lf_http_req *req)
{
	lf_app *app = req->app;
	lf_principal *who;
	lf_ml_env env = env_of(app);
	json_t *answer = NULL;
	int64_t id = lf_http_capture_id(req, 0);
	int ret;
	if ((ret = lf_api_guard(req, LF_PERM_PROJECT_MANAGE, id, &who)) != LF_OK)
		return ret;
	lf_ml_actor actor = {.id = who->user.id, .role = who->user.role};
	if ((ret = lf_ml_train(app->store, req->arena, &env, &actor, id, lf_http_capture_id(req, 1),
			       &answer, &req->error)) != LF_OK)
		return ret;
	return lf_http_json(
	    req, 200,
	    json_pack("{s:b,s:o}", "started", 1, "answer", answer != NULL ? answer : json_null()));
}

/* The holder of the task may ask as well as a manager: the page it is
 * labeled on calls this with the annotator's current regions. */
int lf_api_ml_interactive(lf_http_req *req)
{
	lf_app *app = req->app;
	lf_principal *who;
	lf_ml_env env = env_of(app);
	json_t *prediction = NULL;
	int64_t id = lf_http_capture_id(req, 0), task_id = 0;
	lf_task t;
	lf_tx *tx;
	int ret;
	if ((ret = lf_api_guard(req, LF_PERM_PROJECT_READ, id, &who)) != LF_OK ||
	    (ret = lf_api_int(req, "task_id", 1, 1, INT64_MAX, &task_id)) != LF_OK)
		return ret;
	lf_authz_subject subj = {.is_admin = who->is_admin, .proj_roles = who->roles};
	if (lf_authz_check(&subj, LF_PERM_PROJECT_MANAGE) != LF_OK) {
		if ((ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx)) != LF_OK)
			return ret;
		ret = lf_store_task_get(tx, task_id, &t);
		lf_store_rollback(tx);
		if (ret == LF_ERR_NOTFOUND ||
		    (ret == LF_OK && (t.project_id != id || t.lease_owner != who->user.id)))
			return lf_http_fail(
			    req, LF_ERR_FORBIDDEN, "forbidden",
			    "Only a manager or the task's holder may ask the model.");
		if (ret != LF_OK)
			return ret;
	}
	if ((ret = lf_ml_interactive(app->store, req->arena, &env, id, lf_http_capture_id(req, 1),
				     task_id, json_object_get(req->json, "context"), &prediction,
				     &req->error)) != LF_OK)
		return ret;
	return lf_http_json(req, 200, prediction);
}
