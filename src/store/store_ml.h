/*
 * store_ml.h - ML backends (model servers connected to a project), the
 * bookkeeping of the predictions they made and the answers refused.
 * Included by store.h; the rules are in src/ml/ml.h.
 */
#ifndef LF_STORE_ML_H
#define LF_STORE_ML_H

typedef struct lf_ml_backend {
	int64_t id, project_id;
	const char *title, *url;
	const char *auth_kind;		     /* none | basic | header */
	const char *auth_user;		     /* basic: the user; header: the header's name */
	const char *auth_secret;	     /* basic: the password; header: its value */
	const char *model_version;	     /* what /setup answered; "" before */
	const char *state;		     /* connected | error */
	const char *last_error;		     /* NULL when the last call went well */
	int auto_predict;		     /* predict the tasks of every import */
	int batch_size;			     /* tasks per /predict call */
	int concurrency;		     /* calls in flight at once, per process */
	int64_t timeout_ms;		     /* of one call */
	int64_t tasks_requested, tasks_done; /* progress of the predictions asked */
	int64_t created_by, created_at, updated_at;
	/* Filled by lf_store_ml_backend_get and _list only: tasks holding a
	 * prediction of the current model_version, and refused answers. */
	int64_t predicted, errors;
} lf_ml_backend;

/* Inserts b (id and counts ignored); *id gets its id. */
int lf_store_ml_backend_insert(lf_tx *tx, const lf_ml_backend *b, int64_t *id);
/* Backend id of project_id (0: of any project), with its counts.
 * LF_ERR_NOTFOUND when none. */
int lf_store_ml_backend_get(lf_tx *tx, int64_t project_id, int64_t id, lf_ml_backend *out);
/* The backends of a project by id, with their counts; *items in the
 * transaction's arena. */
int lf_store_ml_backend_list(lf_tx *tx, int64_t project_id, lf_ml_backend **items, int *n);
/* Writes the mutable fields of b (title to updated_at, not the counters). */
int lf_store_ml_backend_update(lf_tx *tx, const lf_ml_backend *b);
/* Sets backend id's state (connected | error) and last_error (NULL: none). */
int lf_store_ml_backend_state(lf_tx *tx, int64_t id, const char *state, const char *last_error,
			      int64_t now);
/* Adds to the progress counters of backend id. */
int lf_store_ml_backend_progress(lf_tx *tx, int64_t id, int64_t requested, int64_t done);
/* Deletes backend id of project_id with its bookkeeping (the predictions
 * stored in tasks stay). LF_ERR_NOTFOUND when none. */
int lf_store_ml_backend_delete(lf_tx *tx, int64_t project_id, int64_t id);

/*
 * Takes the first free call slot of backend_id among 0 .. cap - 1 (free:
 * never taken, given back, or its until before now) for holder until
 * until: *slot gets it. LF_ERR_CONFLICT when every one is held. Safe
 * against concurrent takers on both stores (an upsert on the slot's row).
 */
int lf_store_ml_slot_take(lf_tx *tx, int64_t backend_id, int cap, const char *holder, int64_t now,
			  int64_t until, int *slot);
/* Gives back holder's slot (nothing when it was taken over since). */
int lf_store_ml_slot_give(lf_tx *tx, int64_t backend_id, int slot, const char *holder);

/* The model version of backend_id's prediction for task_id; *version ""
 * (not NOT_FOUND) when it has none. In the transaction's arena. */
int lf_store_ml_prediction_version(lf_tx *tx, int64_t backend_id, int64_t task_id,
				   const char **version);
/* Records that task_id holds backend_id's prediction of model_version,
 * with its score in millionths (has_score 0: none). */
int lf_store_ml_prediction_put(lf_tx *tx, int64_t backend_id, int64_t task_id,
			       const char *model_version, int has_score, int64_t score_ppm,
			       int64_t now);
/*
 * Writes task_id's predictions (JSON array text), and when set_priority
 * its priority, if it is still queued for L1 (later stages keep theirs).
 */
int lf_store_ml_task_predictions(lf_tx *tx, int64_t task_id, const char *predictions,
				 int set_priority, int64_t priority, int64_t now);
/* The ids of import_id's tasks (not gold copies), by id; arena memory. */
int lf_store_ml_import_tasks(lf_tx *tx, int64_t import_id, int64_t **ids, int *n);

/* A backend's answer that was refused. */
typedef struct lf_ml_error {
	int64_t id, backend_id, task_id;
	const char *model_version;
	const char *error;
	int64_t created_at;
} lf_ml_error;
/* Records e (id ignored). */
int lf_store_ml_error_insert(lf_tx *tx, const lf_ml_error *e);
/* Up to limit errors of backend_id with id < before (0: from the newest),
 * newest first; *items in the transaction's arena. */
int lf_store_ml_error_list(lf_tx *tx, int64_t backend_id, int64_t before, int limit,
			   lf_ml_error **items, int *n);

#endif
