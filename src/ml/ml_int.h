/*
 * ml_int.h - what the files of src/ml/ share: the protocol client
 * (client.c) and the concurrency gate (gate.c).
 */
#ifndef LF_ML_INT_H
#define LF_ML_INT_H

#include "auth/auth.h"
#include "ml/ml.h"

/* What outbound messages call a backend. */
#define LF_ML_WHAT "the ML backend"

/*
 * One call to backend b: GET path when body is NULL, else POST body as
 * JSON, with b's credentials. *answer (owner: caller) gets the answer's
 * JSON. LF_OK for a 2xx answer in JSON; LF_ERR_IO for what a retry may
 * cure (transport, timeout, 408, 429, 5xx, an unreadable answer);
 * LF_ERR_INVALID for a refused URL or an answer that will not change
 * (3xx, other 4xx). err says which, naming the path.
 */
int lf_ml_call(const lf_ml_backend *b, const lf_ml_env *env, const char *path, const json_t *body,
	       json_t **answer, char *err, size_t errlen);
/* Checks a URL before it is stored (no call). */
int lf_ml_check_url(const lf_ml_env *env, const char *url, char *err, size_t errlen);
/*
 * A task's data as a backend is sent it: each top-level value that is one
 * of our media paths ("/api/v1/media/<id>") becomes a link signed for the
 * backend's creator, valid LF_MEDIA_URL_TTL_S, absolute under
 * env->public_url when it is known. Backends download such a link as
 * they would any URL, with no token: access follows the creator's, so a
 * creator who leaves the project takes the backend's access with them.
 * NULL for data that is no JSON object's text (then sent as {}). Owner:
 * caller.
 */
json_t *lf_ml_task_data(const lf_ml_env *env, const lf_ml_backend *b, const char *data);
/* The project as backends name it, "<id>.<created unix>" (arena a). */
const char *lf_ml_project_key(lf_arena *a, const lf_project *p);

/* A call slot of a backend, held while a /predict call is in flight
 * (gate.c). */
typedef struct lf_ml_slot {
	int64_t backend_id;
	int slot;
	char holder[LF_TOKEN_ID_SIZE]; /* a random id: whose the slot is */
} lf_ml_slot;

/* Waits (checking lf_jobs_stopping) until fewer than b->concurrency calls
 * of backend b are in flight in any process on the store, then holds a
 * slot in *out. LF_ERR_IO when the job must stop instead, or a store
 * error. job may be NULL (no stop check). */
int lf_ml_gate_enter(lf_store *s, lf_arena *a, const lf_ml_backend *b, const lf_job *job,
		     lf_ml_slot *out);
/* Gives the slot back. */
void lf_ml_gate_leave(lf_store *s, lf_arena *a, const lf_ml_slot *slot);

#endif
