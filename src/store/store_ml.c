/*
 * store_ml.c - ML backends, their predictions' bookkeeping and refused
 * answers.
 */
#include "store/db.h"

#include <string.h>

#define BACKEND_COLS                                                                               \
	"b.id, b.project_id, b.title, b.url, b.auth_kind, b.auth_user, b.auth_secret,"             \
	" b.model_version, b.state, b.last_error, b.auto_predict, b.batch_size, b.concurrency,"    \
	" b.timeout_ms, b.tasks_requested, b.tasks_done, b.created_by, b.created_at,"              \
	" b.updated_at,"                                                                           \
	" (SELECT COUNT(*) FROM ml_predictions p WHERE p.backend_id = b.id"                        \
	" AND p.model_version = b.model_version),"                                                 \
	" (SELECT COUNT(*) FROM ml_prediction_errors e WHERE e.backend_id = b.id)"

static void backend_fill(lf_tx *tx, lf_rows *r, void *out);
static void error_fill(lf_tx *tx, lf_rows *r, void *out);
static void text_fill(lf_tx *tx, lf_rows *r, void *out);
static void id_fill(lf_tx *tx, lf_rows *r, void *out);

static void backend_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_ml_backend *b = out;
	memset(b, 0, sizeof(*b));
	b->id = lf_rows_int(r, 0);
	b->project_id = lf_rows_int(r, 1);
	b->title = lf_rows_dup(tx, r, 2);
	b->url = lf_rows_dup(tx, r, 3);
	b->auth_kind = lf_rows_dup(tx, r, 4);
	b->auth_user = lf_rows_dup(tx, r, 5);
	b->auth_secret = lf_rows_dup(tx, r, 6);
	b->model_version = lf_rows_dup(tx, r, 7);
	b->state = lf_rows_dup(tx, r, 8);
	b->last_error = lf_rows_dup(tx, r, 9);
	b->auto_predict = (int)lf_rows_int(r, 10);
	b->batch_size = (int)lf_rows_int(r, 11);
	b->concurrency = (int)lf_rows_int(r, 12);
	b->timeout_ms = lf_rows_int(r, 13);
	b->tasks_requested = lf_rows_int(r, 14);
	b->tasks_done = lf_rows_int(r, 15);
	b->created_by = lf_rows_int(r, 16);
	b->created_at = lf_rows_int(r, 17);
	b->updated_at = lf_rows_int(r, 18);
	b->predicted = lf_rows_int(r, 19);
	b->errors = lf_rows_int(r, 20);
}

int lf_store_ml_backend_insert(lf_tx *tx, const lf_ml_backend *b, int64_t *id)
{
	lf_val v[] = {LF_VINT(b->project_id),	  LF_VTEXT(b->title),	  LF_VTEXT(b->url),
		      LF_VTEXT(b->auth_kind),	  LF_VTEXT(b->auth_user), LF_VTEXT(b->auth_secret),
		      LF_VTEXT(b->model_version), LF_VTEXT(b->state),	  LF_VTEXT(b->last_error),
		      LF_VINT(b->auto_predict),	  LF_VINT(b->batch_size), LF_VINT(b->concurrency),
		      LF_VINT(b->timeout_ms),	  LF_VINT(b->created_by), LF_VINT(b->created_at)};
	return lf_db_query_int(tx,
			       "INSERT INTO ml_backends (project_id, title, url, auth_kind,"
			       " auth_user, auth_secret, model_version, state, last_error,"
			       " auto_predict, batch_size, concurrency, timeout_ms, created_by,"
			       " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
			       " $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id",
			       v, 15, id);
}

int lf_store_ml_backend_get(lf_tx *tx, int64_t project_id, int64_t id, lf_ml_backend *out)
{
	lf_val v[] = {LF_VINT(project_id), LF_VINT(id)};
	return lf_db_query_one(tx,
			       "SELECT " BACKEND_COLS " FROM ml_backends b"
			       " WHERE ($1 = 0 OR b.project_id = $1) AND b.id = $2",
			       v, 2, backend_fill, out);
}

int lf_store_ml_backend_list(lf_tx *tx, int64_t project_id, lf_ml_backend **items, int *n)
{
	lf_val v[] = {LF_VINT(project_id)};
	return lf_db_query_list(
	    tx, "SELECT " BACKEND_COLS " FROM ml_backends b WHERE b.project_id = $1 ORDER BY b.id",
	    v, 1, backend_fill, sizeof(lf_ml_backend), 0, (void **)items, n);
}

int lf_store_ml_backend_update(lf_tx *tx, const lf_ml_backend *b)
{
	lf_val v[] = {LF_VINT(b->id),
		      LF_VTEXT(b->title),
		      LF_VTEXT(b->url),
		      LF_VTEXT(b->auth_kind),
		      LF_VTEXT(b->auth_user),
		      LF_VTEXT(b->auth_secret),
		      LF_VTEXT(b->model_version),
		      LF_VTEXT(b->state),
		      LF_VTEXT(b->last_error),
		      LF_VINT(b->auto_predict),
		      LF_VINT(b->batch_size),
		      LF_VINT(b->concurrency),
		      LF_VINT(b->timeout_ms),
		      LF_VINT(b->updated_at)};
	int64_t changes = 0;
	int ret = lf_db_exec(tx,
			     "UPDATE ml_backends SET title = $2, url = $3, auth_kind = $4,"
			     " auth_user = $5, auth_secret = $6, model_version = $7, state = $8,"
			     " last_error = $9, auto_predict = $10, batch_size = $11,"
			     " concurrency = $12, timeout_ms = $13, updated_at = $14 WHERE id = $1",
			     v, 14, &changes);
	return ret == LF_OK && changes == 0 ? LF_ERR_NOTFOUND : ret;
}

int lf_store_ml_backend_state(lf_tx *tx, int64_t id, const char *state, const char *last_error,
			      int64_t now)
{
	lf_val v[] = {LF_VINT(id), LF_VTEXT(state), LF_VTEXT(last_error), LF_VINT(now)};
	return lf_db_exec(tx,
			  "UPDATE ml_backends SET state = $2, last_error = $3, updated_at = $4"
			  " WHERE id = $1",
			  v, 4, NULL);
}

int lf_store_ml_backend_progress(lf_tx *tx, int64_t id, int64_t requested, int64_t done)
{
	lf_val v[] = {LF_VINT(id), LF_VINT(requested), LF_VINT(done)};
	return lf_db_exec(tx,
			  "UPDATE ml_backends SET tasks_requested = tasks_requested + $2,"
			  " tasks_done = tasks_done + $3 WHERE id = $1",
			  v, 3, NULL);
}

int lf_store_ml_backend_delete(lf_tx *tx, int64_t project_id, int64_t id)
{
	lf_val v[] = {LF_VINT(project_id), LF_VINT(id)};
	lf_val one[] = {LF_VINT(id)};
	int64_t changes = 0;
	int ret;
	if ((ret = lf_db_exec(tx, "DELETE FROM ml_predictions WHERE backend_id = $1", one, 1,
			      NULL)) != LF_OK ||
	    (ret = lf_db_exec(tx, "DELETE FROM ml_prediction_errors WHERE backend_id = $1", one, 1,
			      NULL)) != LF_OK ||
	    (ret = lf_db_exec(tx, "DELETE FROM ml_call_slots WHERE backend_id = $1", one, 1,
			      NULL)) != LF_OK)
		return ret;
	ret = lf_db_exec(tx, "DELETE FROM ml_backends WHERE project_id = $1 AND id = $2", v, 2,
			 &changes);
	return ret == LF_OK && changes == 0 ? LF_ERR_NOTFOUND : ret;
}

int lf_store_ml_slot_take(lf_tx *tx, int64_t backend_id, int cap, const char *holder, int64_t now,
			  int64_t until, int *slot)
{
	for (int i = 0; i < cap; i++) {
		lf_val v[] = {LF_VINT(backend_id), LF_VINT(i), LF_VTEXT(holder), LF_VINT(until),
			      LF_VINT(now)};
		int64_t got = -1;
		int ret = lf_db_query_int(
		    tx,
		    "INSERT INTO ml_call_slots (backend_id, slot, holder, until)"
		    " VALUES ($1, $2, $3, $4) ON CONFLICT (backend_id, slot) DO UPDATE"
		    " SET holder = excluded.holder, until = excluded.until"
		    " WHERE ml_call_slots.until < $5 RETURNING slot",
		    v, 5, &got);
		if (ret == LF_OK) {
			*slot = (int)got;
			return LF_OK;
		}
		if (ret != LF_ERR_NOTFOUND)
			return ret;
	}
	return LF_ERR_CONFLICT;
}

int lf_store_ml_slot_give(lf_tx *tx, int64_t backend_id, int slot, const char *holder)
{
	lf_val v[] = {LF_VINT(backend_id), LF_VINT(slot), LF_VTEXT(holder)};
	return lf_db_exec(tx,
			  "UPDATE ml_call_slots SET until = 0"
			  " WHERE backend_id = $1 AND slot = $2 AND holder = $3",
			  v, 3, NULL);
}

static void text_fill(lf_tx *tx, lf_rows *r, void *out)
{
	*(const char **)out = lf_rows_dup(tx, r, 0);
}

int lf_store_ml_prediction_version(lf_tx *tx, int64_t backend_id, int64_t task_id,
				   const char **version)
{
	lf_val v[] = {LF_VINT(backend_id), LF_VINT(task_id)};
	int ret = lf_db_query_one(tx,
				  "SELECT model_version FROM ml_predictions"
				  " WHERE backend_id = $1 AND task_id = $2",
				  v, 2, text_fill, version);
	if (ret == LF_ERR_NOTFOUND) {
		*version = "";
		ret = LF_OK;
	}
	return ret;
}

int lf_store_ml_prediction_put(lf_tx *tx, int64_t backend_id, int64_t task_id,
			       const char *model_version, int has_score, int64_t score_ppm,
			       int64_t now)
{
	lf_val v[] = {LF_VINT(backend_id), LF_VINT(task_id), LF_VTEXT(model_version),
		      LF_VINTNULL(score_ppm, !has_score), LF_VINT(now)};
	return lf_db_exec(tx,
			  "INSERT INTO ml_predictions (backend_id, task_id, model_version,"
			  " score_ppm, created_at) VALUES ($1, $2, $3, $4, $5)"
			  " ON CONFLICT (backend_id, task_id) DO UPDATE SET"
			  " model_version = excluded.model_version, score_ppm = excluded.score_ppm,"
			  " created_at = excluded.created_at",
			  v, 5, NULL);
}

int lf_store_ml_task_predictions(lf_tx *tx, int64_t task_id, const char *predictions,
				 int set_priority, int64_t priority, int64_t now)
{
	lf_val v[] = {LF_VINT(task_id), LF_VTEXT(predictions), LF_VINT(set_priority),
		      LF_VINT(priority), LF_VINT(now)};
	return lf_db_exec(tx,
			  "UPDATE tasks SET predictions = $2, updated_at = $5,"
			  " priority = CASE WHEN $3 = 1 AND state = 'queued_l1' THEN $4"
			  " ELSE priority END WHERE id = $1",
			  v, 5, NULL);
}

static void id_fill(lf_tx *tx, lf_rows *r, void *out)
{
	(void)tx;
	*(int64_t *)out = lf_rows_int(r, 0);
}

int lf_store_ml_import_tasks(lf_tx *tx, int64_t import_id, int64_t **ids, int *n)
{
	lf_val v[] = {LF_VINT(import_id)};
	return lf_db_query_list(tx,
				"SELECT id FROM tasks WHERE import_id = $1 AND gold_id IS NULL"
				" ORDER BY id",
				v, 1, id_fill, sizeof(int64_t), 0, (void **)ids, n);
}

static void error_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_ml_error *e = out;
	e->id = lf_rows_int(r, 0);
	e->backend_id = lf_rows_int(r, 1);
	e->task_id = lf_rows_int(r, 2);
	e->model_version = lf_rows_dup(tx, r, 3);
	e->error = lf_rows_dup(tx, r, 4);
	e->created_at = lf_rows_int(r, 5);
}

int lf_store_ml_error_insert(lf_tx *tx, const lf_ml_error *e)
{
	lf_val v[] = {LF_VINT(e->backend_id), LF_VINT(e->task_id), LF_VTEXT(e->model_version),
		      LF_VTEXT(e->error), LF_VINT(e->created_at)};
	return lf_db_exec(tx,
			  "INSERT INTO ml_prediction_errors (backend_id, task_id, model_version,"
			  " error, created_at) VALUES ($1, $2, $3, $4, $5)",
			  v, 5, NULL);
}

int lf_store_ml_error_list(lf_tx *tx, int64_t backend_id, int64_t before, int limit,
			   lf_ml_error **items, int *n)
{
	lf_val v[] = {LF_VINT(backend_id), LF_VINT(before), LF_VINT(limit)};
	return lf_db_query_list(tx,
				"SELECT id, backend_id, task_id, model_version, error, created_at"
				" FROM ml_prediction_errors WHERE backend_id = $1"
				" AND ($2 = 0 OR id < $2) ORDER BY id DESC LIMIT $3",
				v, 3, error_fill, sizeof(lf_ml_error), 0, (void **)items, n);
}
