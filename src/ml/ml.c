/*
 * ml.c - connecting, changing and disconnecting ML backends, asking for
 * predictions, training and interactive pre-annotation (see ml.h).
 *
 * Calls to a backend are made with no transaction open: a model server
 * answering in seconds must not hold the database's writer.
 */
#include "ml/ml_int.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "labelcfg/labelcfg.h"

/* One change in progress, for the write transactions below. */
struct ml_op {
	const lf_ml_actor *who;
	int64_t project_id, id;
	lf_ml_backend *b; /* connect: to insert; update: the new row */
	const int64_t *ids;
	int n;
	int jobs;
	int64_t first_job;
	const char *action;
	json_t *details; /* of the audit record; owned by the caller */
	lf_error *err;
};

static int check_input(const lf_ml_input *in, lf_error *err);
static void apply_input(lf_ml_backend *b, const lf_ml_input *in);
static int handshake(lf_arena *a, const lf_ml_env *env, const lf_project *p, lf_ml_backend *b,
		     lf_error *err);
static int read_project(lf_store *s, lf_arena *a, int64_t project_id, int64_t id, lf_project *p,
			lf_ml_backend *b, lf_error *err);
static int audit(const struct ml_op *op, lf_tx *tx, const char *action, json_t *details);
static int enqueue(lf_tx *tx, const lf_ml_backend *b, const int64_t *ids, int n, int *jobs,
		   int64_t *first_job);
static int connect_tx(lf_tx *tx, void *ud);
static int update_tx(lf_tx *tx, void *ud);
static int delete_tx(lf_tx *tx, void *ud);
static int predict_tx(lf_tx *tx, void *ud);
static int enqueue_new(lf_tx *tx, int64_t project_id, int64_t import_id, const int64_t *ids, int n);
static int train_tx(lf_tx *tx, void *ud);

/* A header line is built from the name and value: a colon or line break
 * in the name, or a line break anywhere, would forge headers. */
static int check_input(const lf_ml_input *in, lf_error *err)
{
	const char *k = in->auth_kind;
	if (in->url != NULL && (strlen(in->url) == 0 || strlen(in->url) > 2000))
		return lf_error_set(err, LF_ERR_INVALID, "invalid_ml_backend",
				    "url must be 1 to 2000 characters.");
	if (in->title != NULL && strlen(in->title) > 200)
		return lf_error_set(err, LF_ERR_INVALID, "invalid_ml_backend",
				    "title must be at most 200 characters.");
	if (k != NULL && strcmp(k, "none") != 0 && strcmp(k, "basic") != 0 &&
	    strcmp(k, "header") != 0)
		return lf_error_set(err, LF_ERR_INVALID, "invalid_ml_backend",
				    "auth must be none, basic or header.");
	if (k != NULL && strcmp(k, "none") != 0 &&
	    (in->auth_user == NULL || in->auth_user[0] == '\0' || in->auth_secret == NULL))
		return lf_error_set(err, LF_ERR_INVALID, "invalid_ml_backend",
				    "auth %s needs auth_user (%s) and auth_secret.", k,
				    strcmp(k, "basic") == 0 ? "the user name" : "the header name");
	if ((in->auth_user != NULL &&
	     (strpbrk(in->auth_user, "\r\n") != NULL ||
	      (k != NULL && strcmp(k, "header") == 0 && strpbrk(in->auth_user, ": \t") != NULL))) ||
	    (in->auth_secret != NULL && strpbrk(in->auth_secret, "\r\n") != NULL))
		return lf_error_set(err, LF_ERR_INVALID, "invalid_ml_backend",
				    "auth_user and auth_secret may not hold line breaks, nor a"
				    " header name a colon or a space.");
	if (in->batch_size == 0 || in->batch_size > LF_ML_BATCH_MAX)
		return lf_error_set(err, LF_ERR_INVALID, "invalid_ml_backend",
				    "batch_size must be 1 to %d.", LF_ML_BATCH_MAX);
	if (in->concurrency == 0 || in->concurrency > LF_ML_CONCURRENCY_MAX)
		return lf_error_set(err, LF_ERR_INVALID, "invalid_ml_backend",
				    "concurrency must be 1 to %d.", LF_ML_CONCURRENCY_MAX);
	if ((in->timeout_ms >= 0 && in->timeout_ms < 100) || in->timeout_ms > LF_ML_TIMEOUT_MAX_MS)
		return lf_error_set(err, LF_ERR_INVALID, "invalid_ml_backend",
				    "timeout_ms must be 100 to %d.", LF_ML_TIMEOUT_MAX_MS);
	return LF_OK;
}

static void apply_input(lf_ml_backend *b, const lf_ml_input *in)
{
	if (in->title != NULL)
		b->title = in->title;
	if (in->url != NULL)
		b->url = in->url;
	if (in->auth_kind != NULL) {
		b->auth_kind = in->auth_kind;
		b->auth_user = strcmp(in->auth_kind, "none") != 0 ? in->auth_user : NULL;
		b->auth_secret = strcmp(in->auth_kind, "none") != 0 ? in->auth_secret : NULL;
	}
	if (in->auto_predict >= 0)
		b->auto_predict = in->auto_predict;
	if (in->batch_size > 0)
		b->batch_size = in->batch_size;
	if (in->concurrency > 0)
		b->concurrency = in->concurrency;
	if (in->timeout_ms > 0)
		b->timeout_ms = in->timeout_ms;
}

/* /health must say UP and /setup give the model version (null is taken
 * as none: predictions then carry the version each names). */
static int handshake(lf_arena *a, const lf_ml_env *env, const lf_project *p, lf_ml_backend *b,
		     lf_error *err)
{
	json_t *answer = NULL, *body = NULL;
	char why[512];
	const char *status;
	int ret = lf_ml_check_url(env, b->url, why, sizeof(why));
	if (ret != LF_OK)
		return lf_error_set(err, LF_ERR_INVALID, "url_refused", "%s", why);
	if ((ret = lf_ml_call(b, env, "/health", NULL, &answer, why, sizeof(why))) != LF_OK) {
		ret = lf_error_set(err, LF_ERR_INVALID, "ml_backend_unreachable",
				   "The health check failed: %s", why);
		goto cleanup;
	}
	status = json_string_value(json_object_get(answer, "status"));
	if (status == NULL || strcmp(status, "UP") != 0) {
		ret = lf_error_set(err, LF_ERR_INVALID, "ml_backend_unreachable",
				   "The health check did not answer {\"status\": \"UP\"}.");
		goto cleanup;
	}
	json_decref(answer);
	answer = NULL;
	body = json_pack("{s:s,s:s,s:s,s:s,s:n,s:{}}", "project", lf_ml_project_key(a, p), "schema",
			 p->label_config ? p->label_config : "", "hostname",
			 env->public_url ? env->public_url : "", "access_token", "",
			 "model_version", "extra_params");
	if (body == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	if ((ret = lf_ml_call(b, env, "/setup", body, &answer, why, sizeof(why))) != LF_OK) {
		ret = lf_error_set(err, LF_ERR_INVALID, "ml_backend_unreachable",
				   "The setup failed: %s", why);
		goto cleanup;
	}
	json_t *mv = json_object_get(answer, "model_version");
	if (mv != NULL && !json_is_string(mv) && !json_is_null(mv)) {
		ret = lf_error_set(err, LF_ERR_INVALID, "ml_backend_unreachable",
				   "The setup answered a model_version that is not a string.");
		goto cleanup;
	}
	b->model_version = lf_arena_strdup(a, json_is_string(mv) ? json_string_value(mv) : "");
	if (b->model_version == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	b->state = "connected";
	b->last_error = NULL;
cleanup:
	json_decref(body);
	json_decref(answer);
	return ret;
}

/* The project and, when id is non-zero, its backend id. */
static int read_project(lf_store *s, lf_arena *a, int64_t project_id, int64_t id, lf_project *p,
			lf_ml_backend *b, lf_error *err)
{
	lf_tx *tx;
	int ret = lf_store_begin(s, LF_TX_READ, a, &tx);
	if (ret != LF_OK)
		return ret;
	ret = lf_store_project_get(tx, project_id, p);
	if (ret == LF_ERR_NOTFOUND)
		ret = lf_error_set(err, ret, "not_found", "No such project.");
	else if (ret == LF_OK && id != 0 &&
		 (ret = lf_store_ml_backend_get(tx, project_id, id, b)) == LF_ERR_NOTFOUND)
		ret = lf_error_set(err, ret, "not_found", "The project has no such ML backend.");
	lf_store_rollback(tx);
	return ret;
}

static int audit(const struct ml_op *op, lf_tx *tx, const char *action, json_t *details)
{
	char id[32];
	snprintf(id, sizeof(id), "%lld", (long long)op->id);
	lf_audit_event ev = {.actor_id = op->who ? op->who->id : 0,
			     .actor_role = op->who ? op->who->role : NULL,
			     .action = action,
			     .entity_type = "ml_backend",
			     .entity_id = id,
			     .project_id = op->project_id,
			     .details = details};
	return lf_audit_append(tx, &ev, NULL);
}

/* ceil(n / batch_size) jobs of b, progress counted as requested. */
static int enqueue(lf_tx *tx, const lf_ml_backend *b, const int64_t *ids, int n, int *jobs,
		   int64_t *first_job)
{
	int ret = LF_OK;
	*jobs = 0;
	for (int i = 0; ret == LF_OK && i < n; i += b->batch_size) {
		json_t *arr = json_array();
		for (int k = i; arr != NULL && k < n && k < i + b->batch_size; k++)
			json_array_append_new(arr, json_integer(ids[k]));
		json_t *payload =
		    arr ? json_pack("{s:I,s:o}", "backend_id", (json_int_t)b->id, "task_ids", arr)
			: NULL;
		int64_t job = 0;
		ret = payload ? lf_jobs_enqueue(tx, LF_ML_JOB, payload, 0, &job) : LF_ERR_NOMEM;
		json_decref(payload);
		if (ret == LF_OK && (*jobs)++ == 0 && first_job != NULL)
			*first_job = job;
	}
	if (ret == LF_OK && n > 0)
		ret = lf_store_ml_backend_progress(tx, b->id, n, 0);
	return ret;
}

static int connect_tx(lf_tx *tx, void *ud)
{
	struct ml_op *op = ud;
	int ret = lf_store_ml_backend_insert(tx, op->b, &op->b->id);
	op->id = op->b->id;
	return ret != LF_OK ? ret : audit(op, tx, "ml_backend.connect", op->details);
}

int lf_ml_connect(lf_store *s, lf_arena *a, const lf_ml_env *env, const lf_ml_actor *who,
		  int64_t project_id, const lf_ml_input *in, lf_ml_backend *out, lf_error *err)
{
	lf_project p;
	struct ml_op op = {.who = who, .project_id = project_id, .b = out, .err = err};
	int ret;
	if ((ret = check_input(in, err)) != LF_OK)
		return ret;
	if (in->url == NULL)
		return lf_error_set(err, LF_ERR_INVALID, "invalid_ml_backend", "url is required.");
	*out = (lf_ml_backend){.project_id = project_id,
			       .title = "ML backend",
			       .auth_kind = "none",
			       .batch_size = LF_ML_BATCH_DEFAULT,
			       .concurrency = LF_ML_CONCURRENCY_DEF,
			       .timeout_ms = LF_ML_TIMEOUT_DEF_MS,
			       .created_by = who->id,
			       .created_at = lf_now_ms()};
	apply_input(out, in);
	out->updated_at = out->created_at;
	if ((ret = read_project(s, a, project_id, 0, &p, NULL, err)) != LF_OK ||
	    (ret = handshake(a, env, &p, out, err)) != LF_OK)
		return ret;
	op.details =
	    json_pack("{s:s,s:s,s:s,s:b}", "url", out->url, "auth", out->auth_kind, "model_version",
		      out->model_version, "auto_predict", out->auto_predict);
	ret = op.details ? lf_store_write(s, a, connect_tx, &op) : LF_ERR_NOMEM;
	json_decref(op.details);
	return ret;
}

static int update_tx(lf_tx *tx, void *ud)
{
	struct ml_op *op = ud;
	int ret = lf_store_ml_backend_update(tx, op->b);
	if (ret == LF_ERR_NOTFOUND)
		return lf_error_set(op->err, ret, "not_found",
				    "The project has no such ML backend.");
	return ret != LF_OK ? ret : audit(op, tx, "ml_backend.update", op->details);
}

int lf_ml_update(lf_store *s, lf_arena *a, const lf_ml_env *env, const lf_ml_actor *who,
		 int64_t project_id, int64_t id, const lf_ml_input *in, lf_ml_backend *out,
		 lf_error *err)
{
	lf_project p;
	struct ml_op op = {.who = who, .project_id = project_id, .id = id, .b = out, .err = err};
	int ret;
	if ((ret = check_input(in, err)) != LF_OK ||
	    (ret = read_project(s, a, project_id, id, &p, out, err)) != LF_OK)
		return ret;
	apply_input(out, in);
	out->updated_at = lf_now_ms();
	if ((in->url != NULL || in->auth_kind != NULL) &&
	    (ret = handshake(a, env, &p, out, err)) != LF_OK)
		return ret;
	op.details = json_pack("{s:s,s:s,s:s,s:b,s:i,s:i,s:I}", "url", out->url, "auth",
			       out->auth_kind, "model_version", out->model_version, "auto_predict",
			       out->auto_predict, "batch_size", out->batch_size, "concurrency",
			       out->concurrency, "timeout_ms", (json_int_t)out->timeout_ms);
	ret = op.details ? lf_store_write(s, a, update_tx, &op) : LF_ERR_NOMEM;
	json_decref(op.details);
	return ret;
}

static int delete_tx(lf_tx *tx, void *ud)
{
	struct ml_op *op = ud;
	int ret = lf_store_ml_backend_delete(tx, op->project_id, op->id);
	if (ret == LF_ERR_NOTFOUND)
		return lf_error_set(op->err, ret, "not_found",
				    "The project has no such ML backend.");
	return ret != LF_OK ? ret : audit(op, tx, "ml_backend.delete", NULL);
}

int lf_ml_delete(lf_store *s, lf_arena *a, const lf_ml_actor *who, int64_t project_id, int64_t id,
		 lf_error *err)
{
	struct ml_op op = {.who = who, .project_id = project_id, .id = id, .err = err};
	return lf_store_write(s, a, delete_tx, &op);
}

static int predict_tx(lf_tx *tx, void *ud)
{
	struct ml_op *op = ud;
	lf_ml_backend b;
	int ret = lf_store_ml_backend_get(tx, op->project_id, op->id, &b);
	if (ret == LF_ERR_NOTFOUND)
		return lf_error_set(op->err, ret, "not_found",
				    "The project has no such ML backend.");
	if (ret != LF_OK ||
	    (ret = enqueue(tx, &b, op->ids, op->n, &op->jobs, &op->first_job)) != LF_OK)
		return ret;
	json_t *d = json_pack("{s:i,s:i}", "tasks", op->n, "jobs", op->jobs);
	ret = d ? audit(op, tx, "ml.predict", d) : LF_ERR_NOMEM;
	json_decref(d);
	return ret;
}

int lf_ml_predict(lf_store *s, lf_arena *a, const lf_ml_actor *who, int64_t project_id, int64_t id,
		  const int64_t *ids, int n, int *jobs, int64_t *first_job, lf_error *err)
{
	struct ml_op op = {
	    .who = who, .project_id = project_id, .id = id, .ids = ids, .n = n, .err = err};
	int ret = lf_store_write(s, a, predict_tx, &op);
	*jobs = op.jobs;
	*first_job = op.first_job;
	return ret;
}

/* Queues predictions of new tasks for every backend of the project with
 * auto_predict: ids, or when NULL the tasks of import_id (read only when
 * some backend wants them). */
static int enqueue_new(lf_tx *tx, int64_t project_id, int64_t import_id, const int64_t *ids, int n)
{
	lf_ml_backend *bs = NULL;
	int64_t *read = NULL;
	int nb = 0, jobs = 0;
	int ret = lf_store_ml_backend_list(tx, project_id, &bs, &nb);
	for (int i = 0; ret == LF_OK && i < nb; i++) {
		if (!bs[i].auto_predict)
			continue;
		if (ids == NULL) {
			if ((ret = lf_store_ml_import_tasks(tx, import_id, &read, &n)) != LF_OK)
				break;
			ids = read;
		}
		ret = enqueue(tx, &bs[i], ids, n, &jobs, NULL);
	}
	return ret;
}

int lf_ml_enqueue_import(lf_tx *tx, int64_t project_id, int64_t import_id)
{
	return enqueue_new(tx, project_id, import_id, NULL, 0);
}

int lf_ml_enqueue_tasks(lf_tx *tx, int64_t project_id, const int64_t *ids, int n)
{
	return enqueue_new(tx, project_id, 0, ids, n);
}

static int train_tx(lf_tx *tx, void *ud)
{
	struct ml_op *op = ud;
	return audit(op, tx, "ml_backend.train", op->details);
}

int lf_ml_train(lf_store *s, lf_arena *a, const lf_ml_env *env, const lf_ml_actor *who,
		int64_t project_id, int64_t id, json_t **answer, lf_error *err)
{
	lf_project p;
	lf_ml_backend b;
	struct ml_op op = {.who = who, .project_id = project_id, .id = id, .err = err};
	char why[512];
	json_t *body = NULL;
	int ret;
	*answer = NULL;
	if ((ret = read_project(s, a, project_id, id, &p, &b, err)) != LF_OK)
		return ret;
	body = json_pack("{s:s,s:{s:I,s:s,s:s}}", "action", "START_TRAINING", "project", "id",
			 (json_int_t)p.id, "title", p.name ? p.name : "", "label_config",
			 p.label_config ? p.label_config : "");
	if (body == NULL)
		return LF_ERR_NOMEM;
	ret = lf_ml_call(&b, env, "/webhook", body, answer, why, sizeof(why));
	json_decref(body);
	if (ret != LF_OK)
		return lf_error_set(err, LF_ERR_INVALID, "ml_backend_unreachable",
				    "The training request failed: %s", why);
	op.details = json_object();
	ret = op.details ? lf_store_write(s, a, train_tx, &op) : LF_ERR_NOMEM;
	json_decref(op.details);
	return ret;
}

int lf_ml_interactive(lf_store *s, lf_arena *a, const lf_ml_env *env, int64_t project_id,
		      int64_t id, int64_t task_id, const json_t *context, json_t **prediction,
		      lf_error *err)
{
	lf_project p;
	lf_ml_backend b;
	lf_task t;
	lf_tx *tx;
	lf_labelcfg *cfg = NULL;
	json_t *body = NULL, *answer = NULL, *results, *pred, *data = NULL, *sent;
	char why[512];
	int ret;
	*prediction = NULL;
	if ((ret = read_project(s, a, project_id, id, &p, &b, err)) != LF_OK)
		return ret;
	if ((ret = lf_store_begin(s, LF_TX_READ, a, &tx)) != LF_OK)
		return ret;
	ret = lf_store_task_get(tx, task_id, &t);
	lf_store_rollback(tx);
	if (ret == LF_ERR_NOTFOUND || (ret == LF_OK && t.project_id != project_id))
		return lf_error_set(err, LF_ERR_NOTFOUND, "not_found",
				    "The project has no such task.");
	if (ret != LF_OK)
		return ret;
	data = json_loads(t.data, 0, NULL);
	sent = lf_ml_task_data(env, &b, t.data);
	body =
	    json_pack("{s:[{s:I,s:o?,s:I}],s:s,s:s,s:s,s:{s:O?}}", "tasks", "id", (json_int_t)t.id,
		      "data", sent, "project", (json_int_t)p.id, "model_version", b.model_version,
		      "project", lf_ml_project_key(a, &p), "label_config",
		      p.label_config ? p.label_config : "", "params", "context", context);
	if (body == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	if ((ret = lf_ml_call(&b, env, "/predict", body, &answer, why, sizeof(why))) != LF_OK ||
	    (ret = lf_ml_answer_results(answer, 1, &results, why, sizeof(why))) != LF_OK) {
		ret = lf_error_set(err, LF_ERR_INVALID, "ml_backend_unreachable",
				   "The prediction failed: %s", why);
		goto cleanup;
	}
	pred = json_array_get(results, 0);
	if (!json_is_array(json_object_get(pred, "result")) || p.label_config == NULL ||
	    lf_labelcfg_parse(p.label_config, strlen(p.label_config), &cfg, why, sizeof(why)) !=
		LF_OK ||
	    lf_labelcfg_validate_result(cfg, json_object_get(pred, "result"), data, why,
					sizeof(why)) != LF_OK) {
		ret = lf_error_set(err, LF_ERR_INVALID, "invalid_prediction",
				   "The backend's prediction was refused: %s",
				   json_is_array(json_object_get(pred, "result"))
				       ? why
				       : "it has no result array");
		goto cleanup;
	}
	const char *ver = json_string_value(json_object_get(pred, "model_version"));
	*prediction =
	    json_pack("{s:O,s:s}", "result", json_object_get(pred, "result"), "model_version",
		      b.model_version[0] != '\0' || ver == NULL ? b.model_version : ver);
	if (*prediction != NULL && json_is_number(json_object_get(pred, "score")))
		json_object_set(*prediction, "score", json_object_get(pred, "score"));
	ret = *prediction ? LF_OK : LF_ERR_NOMEM;
cleanup:
	lf_labelcfg_free(cfg);
	json_decref(data);
	json_decref(body);
	json_decref(answer);
	return ret;
}
