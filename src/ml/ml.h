/*
 * ml.h - ML backends: model servers an admin connects to a project, spoken
 * to in the protocol of Label Studio's ML backends (label-studio-ml-backend)
 * so that existing ones work unchanged:
 *
 *   GET  /health   -> {"status": "UP"}
 *   POST /setup    {project: "<id>.<created unix>", schema: <label config>,
 *                   hostname, access_token, model_version, extra_params}
 *                  -> {model_version}
 *   POST /predict  {tasks: [{id, data}], model_version, project,
 *                   label_config, params: {context}}
 *                  -> {"results": [{result, score, model_version}]}, one per
 *                     task in order (the older {"predictions": [...]} and a
 *                     bare array are accepted too)
 *   POST /webhook  {action: "START_TRAINING", project: {id}}
 *
 * Every call goes through net/outbound.h (the URL is checked when it is
 * given, and again at each call, pinned, no redirects, a deadline, an
 * answer of at most LABELFLOW_ML_ANSWER_MAX bytes). Credentials (basic
 * auth, or one header of the admin's choosing) are stored and sent, never
 * returned by the API.
 *
 * Predictions are fetched by "ml.predict" jobs, one per batch of
 * batch_size tasks (one /predict call): the job queue retries a failed
 * call (transport error, timeout, 408/429/5xx, an unreadable answer) with
 * its backoff, and after its last attempt records the batch's tasks as
 * errors. At most concurrency calls of one backend run at once in a
 * process (a gate in the job: the queue itself knows no keys). A task that
 * holds a prediction of the backend's current model version already is
 * skipped, so a retried or repeated job costs nothing; gold copies are
 * never sent (their answers are known).
 *
 * A backend's answer is checked like any result: the number of results
 * must be the number of tasks, and each result must pass the project's
 * label config for its task's data; a refused one is recorded in
 * ml_prediction_errors and the rest of the batch stored. A stored
 * prediction is an entry of tasks.predictions, {result, score,
 * model_version, ml_backend_id, created_at}, replacing that backend's entry
 * of the same version and keeping the others (imported ones first, so what
 * an import brought stays what the labeling page shows first).
 *
 * Queue order by score: under the policy ml_uncertainty_order a stored
 * prediction sets its task's priority to 10^12 + 1 minus its score in
 * millionths, while the task is queued for L1: lowest score first, and
 * predicted tasks before those no prediction ranks. The claim already orders by priority
 * (its index serves it), so the hottest query is unchanged; the price is
 * that the admin's own priorities of predicted tasks are overwritten
 * under that policy, which is what the policy asks for.
 */
#ifndef LF_ML_H
#define LF_ML_H

#include <jansson.h>
#include <stddef.h>

#include "core/lf.h"
#include "jobs/jobs.h"
#include "store/store.h"

#define LF_ML_JOB "ml.predict"
/* Bounds of a backend's settings, and their defaults. */
#define LF_ML_BATCH_MAX	      100
#define LF_ML_BATCH_DEFAULT   10
#define LF_ML_CONCURRENCY_MAX 16
#define LF_ML_CONCURRENCY_DEF 2
#define LF_ML_TIMEOUT_MAX_MS  600000
#define LF_ML_TIMEOUT_DEF_MS  30000
/* Tasks one on-demand request may ask predictions for. */
#define LF_ML_PREDICT_MAX 100000

/* What every call needs from the server's configuration. */
typedef struct lf_ml_env {
	const char *allow;	      /* LABELFLOW_OUTBOUND_ALLOW, NULL: none */
	size_t answer_max;	      /* LABELFLOW_ML_ANSWER_MAX */
	const char *public_url;	      /* LABELFLOW_PUBLIC_URL, NULL: unknown */
	const unsigned char *jwt_key; /* 32 bytes: signs the tasks' media links */
} lf_ml_env;

/* A backend's settings as the API gives them; a NULL string or a negative
 * number is left as it was (PATCH) or takes its default (connect). */
typedef struct lf_ml_input {
	const char *title, *url;
	const char *auth_kind; /* none | basic | header */
	const char *auth_user, *auth_secret;
	int auto_predict;
	int batch_size, concurrency;
	int64_t timeout_ms;
} lf_ml_input;

/* Who acts. */
typedef struct lf_ml_actor {
	int64_t id;
	const char *role;
} lf_ml_actor;

/*
 * Connects a backend to project_id: its URL is checked (net/outbound.h),
 * /health must answer UP and /setup a model version; then it is stored,
 * audited as ml_backend.connect, into *out (strings in arena a). Refusals
 * (LF_ERR_INVALID, 422) name what failed: invalid_ml_backend for a bad
 * setting, url_refused for the URL, ml_backend_unreachable for a call.
 */
int lf_ml_connect(lf_store *s, lf_arena *a, const lf_ml_env *env, const lf_ml_actor *who,
		  int64_t project_id, const lf_ml_input *in, lf_ml_backend *out, lf_error *err);
/* Changes a backend's settings; a new URL or credentials connect it again
 * (health and setup), refused as lf_ml_connect. Audited ml_backend.update. */
int lf_ml_update(lf_store *s, lf_arena *a, const lf_ml_env *env, const lf_ml_actor *who,
		 int64_t project_id, int64_t id, const lf_ml_input *in, lf_ml_backend *out,
		 lf_error *err);
/* Disconnects it (its predictions stay in the tasks). Audited
 * ml_backend.delete. */
int lf_ml_delete(lf_store *s, lf_arena *a, const lf_ml_actor *who, int64_t project_id, int64_t id,
		 lf_error *err);
/*
 * Queues predictions of backend id for the n tasks of ids (of its project;
 * others are ignored by the job), as ceil(n / batch_size) jobs; *jobs gets
 * their count and *first_job the first's id. Audited as ml.predict.
 */
int lf_ml_predict(lf_store *s, lf_arena *a, const lf_ml_actor *who, int64_t project_id, int64_t id,
		  const int64_t *ids, int n, int *jobs, int64_t *first_job, lf_error *err);
/* Inside an import's last write tx: queues predictions of its tasks for
 * every backend of the project with auto_predict. */
int lf_ml_enqueue_import(lf_tx *tx, int64_t project_id, int64_t import_id);
/* Inside the write tx that created them (POST /projects/{id}/tasks): the
 * same for the n tasks of ids. */
int lf_ml_enqueue_tasks(lf_tx *tx, int64_t project_id, const int64_t *ids, int n);
/* Sends START_TRAINING to the backend's /webhook; *answer (new reference,
 * may be NULL) gets what it said. Audited as ml_backend.train. */
int lf_ml_train(lf_store *s, lf_arena *a, const lf_ml_env *env, const lf_ml_actor *who,
		int64_t project_id, int64_t id, json_t **answer, lf_error *err);
/*
 * Interactive pre-annotation: /predict for task_id alone with
 * params.context (the annotator's current regions), checked against the
 * label config and returned in *prediction ({result, score,
 * model_version}, new reference), not stored.
 */
int lf_ml_interactive(lf_store *s, lf_arena *a, const lf_ml_env *env, int64_t project_id,
		      int64_t id, int64_t task_id, const json_t *context, json_t **prediction,
		      lf_error *err);

/* The job handler of LF_ML_JOB (payload {backend_id, task_ids}). */
int lf_ml_job(lf_store *s, const lf_ml_env *env, lf_job *job, char *err, size_t errlen);

/*
 * The predictions of a /predict answer for ntasks tasks: *out (borrowed
 * from answer) is the array of {result, score, model_version}; accepted
 * shapes are {"results": [...]}, {"predictions": [...]} and a bare array.
 * LF_ERR_INVALID with a sentence in err for another shape or a count
 * other than ntasks.
 */
int lf_ml_answer_results(const json_t *answer, size_t ntasks, json_t **out, char *err,
			 size_t errlen);
/*
 * The predictions array text old (NULL: none) with entry put in place of
 * the entry of the same ml_backend_id and model_version, or appended.
 * Owner: caller, free(); NULL when out of memory. Unreadable old text is
 * replaced.
 */
char *lf_ml_merge(const char *old, const json_t *entry);

#endif
