/*
 * store_webhooks.c - event webhooks, deliveries and the dispatch cursor.
 */
#include "store/db.h"

#include <string.h>

#define WEBHOOK_COLS                                                                               \
	"id, project_id, url, events, active, secret, headers, created_by, created_at, "           \
	"updated_at,"                                                                              \
	" escrow_low_below, escrow_low"
#define DELIVERY_COLS                                                                              \
	"id, webhook_id, audit_seq, event, event_id, payload, status, attempts, response_code,"    \
	" last_error, response_excerpt, duration_ms, created_at, last_attempt_at,"                 \
	" next_attempt_at, delivered_at, round_first"

static void webhook_fill(lf_tx *tx, lf_rows *r, void *out);
static void delivery_fill(lf_tx *tx, lf_rows *r, void *out);

static void webhook_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_webhook *w = out;
	memset(w, 0, sizeof(*w));
	w->id = lf_rows_int(r, 0);
	w->project_id = lf_rows_int(r, 1);
	w->url = lf_rows_dup(tx, r, 2);
	w->events = lf_rows_dup(tx, r, 3);
	w->active = (int)lf_rows_int(r, 4);
	w->secret = lf_rows_dup(tx, r, 5);
	w->headers = lf_rows_dup(tx, r, 6);
	w->created_by = lf_rows_int(r, 7);
	w->created_at = lf_rows_int(r, 8);
	w->updated_at = lf_rows_int(r, 9);
	w->escrow_low_below = lf_rows_int(r, 10);
	w->escrow_low = (int)lf_rows_int(r, 11);
}

static void delivery_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_webhook_delivery *d = out;
	memset(d, 0, sizeof(*d));
	d->id = lf_rows_int(r, 0);
	d->webhook_id = lf_rows_int(r, 1);
	d->audit_seq = lf_rows_int(r, 2);
	d->event = lf_rows_dup(tx, r, 3);
	d->event_id = lf_rows_dup(tx, r, 4);
	d->payload = lf_rows_dup(tx, r, 5);
	d->status = lf_rows_dup(tx, r, 6);
	d->attempts = (int)lf_rows_int(r, 7);
	d->response_code = (int)lf_rows_int(r, 8);
	d->last_error = lf_rows_dup(tx, r, 9);
	d->response_excerpt = lf_rows_dup(tx, r, 10);
	d->duration_ms = lf_rows_int(r, 11);
	d->created_at = lf_rows_int(r, 12);
	d->last_attempt_at = lf_rows_int(r, 13);
	d->next_attempt_at = lf_rows_int(r, 14);
	d->delivered_at = lf_rows_int(r, 15);
	d->round_first = (int)lf_rows_int(r, 16);
}

int lf_store_webhook_insert(lf_tx *tx, const lf_webhook *w, int64_t *id)
{
	lf_val v[] = {LF_VID(w->project_id),	  LF_VTEXT(w->url),	  LF_VTEXT(w->events),
		      LF_VINT(w->active),	  LF_VTEXT(w->secret),	  LF_VTEXT(w->headers),
		      LF_VINT(w->created_by),	  LF_VINT(w->created_at), LF_VINT(w->updated_at),
		      LF_VID(w->escrow_low_below)};
	return lf_db_query_int(tx,
			       "INSERT INTO webhooks (project_id, url, events, active, secret,"
			       " headers, created_by, created_at, updated_at, escrow_low_below)"
			       " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
			       v, 10, id);
}

/* project_id 0 stands for NULL: the global webhooks. */
int lf_store_webhook_get(lf_tx *tx, int64_t project_id, int64_t id, lf_webhook *out)
{
	lf_val v[] = {LF_VINT(project_id), LF_VINT(id)};
	return lf_db_query_one(tx,
			       "SELECT " WEBHOOK_COLS " FROM webhooks"
			       " WHERE COALESCE(project_id, 0) = $1 AND id = $2",
			       v, 2, webhook_fill, out);
}

int lf_store_webhook_list(lf_tx *tx, int64_t project_id, int64_t before, int limit,
			  lf_webhook **items, int *n)
{
	lf_val v[] = {LF_VINT(project_id), LF_VINT(before), LF_VINT(limit)};
	return lf_db_query_list(tx,
				"SELECT " WEBHOOK_COLS " FROM webhooks"
				" WHERE COALESCE(project_id, 0) = $1 AND ($2 = 0 OR id < $2)"
				" ORDER BY id DESC LIMIT $3",
				v, 3, webhook_fill, sizeof(lf_webhook), 0, (void **)items, n);
}

int lf_store_webhook_active(lf_tx *tx, lf_webhook **items, int *n)
{
	return lf_db_query_list(tx,
				"SELECT " WEBHOOK_COLS " FROM webhooks WHERE active = 1"
				" ORDER BY id",
				NULL, 0, webhook_fill, sizeof(lf_webhook), 0, (void **)items, n);
}

int lf_store_webhook_update(lf_tx *tx, const lf_webhook *w)
{
	lf_val v[] = {LF_VINT(w->project_id), LF_VINT(w->id),
		      LF_VTEXT(w->url),	      LF_VTEXT(w->events),
		      LF_VINT(w->active),     LF_VTEXT(w->headers),
		      LF_VINT(w->updated_at), LF_VID(w->escrow_low_below)};
	int64_t changes = 0;
	int ret = lf_db_exec(tx,
			     "UPDATE webhooks SET url = $3, events = $4, active = $5, headers = $6,"
			     " updated_at = $7, escrow_low_below = $8"
			     " WHERE COALESCE(project_id, 0) = $1 AND id = $2",
			     v, 8, &changes);
	return ret == LF_OK && changes == 0 ? LF_ERR_NOTFOUND : ret;
}

int lf_store_webhook_set_low(lf_tx *tx, int64_t id, int low)
{
	lf_val v[] = {LF_VINT(id), LF_VINT(low)};
	return lf_db_exec(tx, "UPDATE webhooks SET escrow_low = $2 WHERE id = $1", v, 2, NULL);
}

int lf_store_delivery_prune(lf_tx *tx, int64_t before_ms, int limit, int64_t *n)
{
	lf_val v[] = {LF_VINT(before_ms), LF_VINT(limit)};
	return lf_db_exec(tx,
			  "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM"
			  " webhook_deliveries WHERE status IN ('delivered', 'failed') AND"
			  " created_at < $1 ORDER BY id LIMIT $2)",
			  v, 2, n);
}

int lf_store_webhook_delete(lf_tx *tx, int64_t project_id, int64_t id)
{
	lf_val v[] = {LF_VINT(project_id), LF_VINT(id)};
	int64_t changes = 0;
	int ret = lf_db_exec(tx,
			     "DELETE FROM webhook_deliveries WHERE webhook_id = (SELECT id FROM"
			     " webhooks WHERE COALESCE(project_id, 0) = $1 AND id = $2)",
			     v, 2, NULL);
	if (ret == LF_OK)
		ret = lf_db_exec(
		    tx, "DELETE FROM webhooks WHERE COALESCE(project_id, 0) = $1 AND id = $2", v, 2,
		    &changes);
	return ret == LF_OK && changes == 0 ? LF_ERR_NOTFOUND : ret;
}

/* ON CONFLICT: a unique violation would abort a PostgreSQL transaction,
 * and a duplicate is an answer here, not a failure. */
int lf_store_delivery_insert(lf_tx *tx, const lf_webhook_delivery *d, int64_t *id)
{
	lf_val v[] = {LF_VINT(d->webhook_id), LF_VID(d->audit_seq),	 LF_VTEXT(d->event),
		      LF_VTEXT(d->event_id),  LF_VTEXT(d->payload),	 LF_VTEXT(d->status),
		      LF_VINT(d->created_at), LF_VID(d->next_attempt_at)};
	int ret = lf_db_query_int(tx,
				  "INSERT INTO webhook_deliveries (webhook_id, audit_seq, event,"
				  " event_id, payload, status, attempts, created_at,"
				  " next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)"
				  " ON CONFLICT (webhook_id, audit_seq, event) DO NOTHING"
				  " RETURNING id",
				  v, 8, id);
	if (ret == LF_ERR_NOTFOUND) {
		*id = 0;
		ret = LF_OK;
	}
	return ret;
}

int lf_store_delivery_get(lf_tx *tx, int64_t webhook_id, int64_t id, lf_webhook_delivery *out)
{
	lf_val v[] = {LF_VINT(webhook_id), LF_VINT(id)};
	return lf_db_query_one(tx,
			       "SELECT " DELIVERY_COLS " FROM webhook_deliveries"
			       " WHERE webhook_id = $1 AND id = $2",
			       v, 2, delivery_fill, out);
}

int lf_store_delivery_list(lf_tx *tx, int64_t webhook_id, const char *status, int64_t before,
			   int limit, lf_webhook_delivery **items, int *n)
{
	lf_val v[] = {LF_VINT(webhook_id), LF_VTEXT(status), LF_VINT(before), LF_VINT(limit)};
	return lf_db_query_list(tx,
				"SELECT " DELIVERY_COLS " FROM webhook_deliveries"
				" WHERE webhook_id = $1 AND ($2 IS NULL OR status = $2)"
				" AND ($3 = 0 OR id < $3) ORDER BY id DESC LIMIT $4",
				v, 4, delivery_fill, sizeof(lf_webhook_delivery), 0, (void **)items,
				n);
}

int lf_store_delivery_attempted(lf_tx *tx, const lf_webhook_delivery *d)
{
	lf_val v[] = {
	    LF_VINT(d->id),	      LF_VTEXT(d->status),	   LF_VINT(d->attempts),
	    LF_VID(d->response_code), LF_VTEXT(d->last_error),	   LF_VTEXT(d->response_excerpt),
	    LF_VINT(d->duration_ms),  LF_VINT(d->last_attempt_at), LF_VID(d->next_attempt_at),
	    LF_VID(d->delivered_at)};
	int64_t changes = 0;
	int ret = lf_db_exec(tx,
			     "UPDATE webhook_deliveries SET status = $2, attempts = $3,"
			     " response_code = $4, last_error = $5, response_excerpt = $6,"
			     " duration_ms = $7, last_attempt_at = $8, next_attempt_at = $9,"
			     " delivered_at = COALESCE($10, delivered_at)"
			     " WHERE id = $1 AND attempts = $3 - 1",
			     v, 10, &changes);
	return ret == LF_OK && changes == 0 ? LF_ERR_CONFLICT : ret;
}

int lf_store_delivery_reset(lf_tx *tx, int64_t id, int64_t now)
{
	lf_val v[] = {LF_VINT(id), LF_VINT(now)};
	int64_t changes = 0;
	int ret =
	    lf_db_exec(tx,
		       "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $2,"
		       " round_first = attempts + 1 WHERE id = $1",
		       v, 2, &changes);
	return ret == LF_OK && changes == 0 ? LF_ERR_NOTFOUND : ret;
}

/* Served by webhook_deliveries_due (partial index on pending). */
int lf_store_delivery_due(lf_tx *tx, int64_t webhook_id, int64_t now, int limit,
			  lf_webhook_delivery **items, int *n)
{
	lf_val v[] = {LF_VINT(webhook_id), LF_VINT(now), LF_VINT(limit)};
	return lf_db_query_list(tx,
				"SELECT " DELIVERY_COLS " FROM webhook_deliveries"
				" WHERE webhook_id = $1 AND status = 'pending'"
				" AND next_attempt_at <= $2 ORDER BY next_attempt_at, id LIMIT $3",
				v, 3, delivery_fill, sizeof(lf_webhook_delivery), 0, (void **)items,
				n);
}

/* The condition is checked again after a PostgreSQL row lock wait, so of
 * two drainers taking the same row only the first gets it. */
int lf_store_delivery_lease(lf_tx *tx, int64_t id, int64_t now, int64_t until)
{
	lf_val v[] = {LF_VINT(id), LF_VINT(now), LF_VINT(until)};
	int64_t changes = 0;
	int ret = lf_db_exec(tx,
			     "UPDATE webhook_deliveries SET next_attempt_at = $3"
			     " WHERE id = $1 AND status = 'pending' AND next_attempt_at <= $2",
			     v, 3, &changes);
	return ret == LF_OK && changes == 0 ? LF_ERR_CONFLICT : ret;
}

int lf_store_delivery_release(lf_tx *tx, int64_t id, int attempts, int64_t now)
{
	lf_val v[] = {LF_VINT(id), LF_VINT(attempts), LF_VINT(now)};
	return lf_db_exec(tx,
			  "UPDATE webhook_deliveries SET next_attempt_at = $3"
			  " WHERE id = $1 AND status = 'pending' AND attempts = $2",
			  v, 3, NULL);
}

int lf_store_delivery_next_due(lf_tx *tx, int64_t webhook_id, int64_t *at)
{
	lf_val v[] = {LF_VINT(webhook_id)};
	return lf_db_query_int(tx,
			       "SELECT COALESCE(MIN(next_attempt_at), 0) FROM webhook_deliveries"
			       " WHERE webhook_id = $1 AND status = 'pending'",
			       v, 1, at);
}

/* Re-evaluated after a row lock wait on PostgreSQL as well: a drainer
 * that cleared the mark meanwhile lets this caller queue a new job. */
int lf_store_webhook_drain_mark(lf_tx *tx, int64_t id, int64_t at, int *marked)
{
	lf_val v[] = {LF_VINT(id), LF_VINT(at)};
	int64_t changes = 0;
	int ret = lf_db_exec(tx,
			     "UPDATE webhooks SET drain_at = $2"
			     " WHERE id = $1 AND (drain_at IS NULL OR drain_at > $2)",
			     v, 2, &changes);
	*marked = changes > 0;
	return ret;
}

int lf_store_webhook_drain_clear(lf_tx *tx, int64_t id, int64_t now)
{
	lf_val v[] = {LF_VINT(id), LF_VINT(now)};
	return lf_db_exec(
	    tx, "UPDATE webhooks SET drain_at = NULL WHERE id = $1 AND drain_at <= $2", v, 2, NULL);
}

/* An UPDATE takes the row lock on PostgreSQL (and the writer is the lock
 * on SQLite), so a second dispatcher waits and then reads the cursor the
 * first one committed. */
int lf_store_webhook_cursor_lock(lf_tx *tx, int64_t *seq)
{
	return lf_db_query_int(tx, "UPDATE webhook_cursor SET seq = seq WHERE id = 1 RETURNING seq",
			       NULL, 0, seq);
}

int lf_store_webhook_cursor_set(lf_tx *tx, int64_t seq)
{
	lf_val v[] = {LF_VINT(seq)};
	return lf_db_exec(tx, "UPDATE webhook_cursor SET seq = $1 WHERE id = 1", v, 1, NULL);
}
