/*
 * api_audit.c - browsing and verifying the audit trail, and inclusion
 * proofs of sealed records.
 */
#include "api/api.h"

#include "audit/audit.h"

static json_t *record_json(const lf_audit_row *a);

/* Newest first by append order, sealed or not: a record is listed as soon
 * as its transaction commits, and gets its seq and hash when sealed. */
int lf_api_audit_list(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *p;
	lf_audit_filter f = {.limit = 50};
	int64_t limit = 50;
	lf_audit_row *rows;
	int n;
	lf_tx *tx;
	if ((ret = lf_api_guard(req, LF_PERM_AUDIT_READ, 0, &p)) != LF_OK)
		return ret;
	if ((ret = lf_api_qint(req, "project", 1, INT64_MAX, &f.project_id)) != LF_OK ||
	    (ret = lf_api_qint(req, "task", 1, INT64_MAX, &f.task_id)) != LF_OK ||
	    (ret = lf_api_qint(req, "actor", 1, INT64_MAX, &f.actor_id)) != LF_OK ||
	    (ret = lf_api_qint(req, "cursor", 1, INT64_MAX, &f.before_id)) != LF_OK ||
	    (ret = lf_api_qint(req, "limit", 1, 500, &limit)) != LF_OK ||
	    (ret = lf_api_qtime(req, "since", &f.since)) != LF_OK ||
	    (ret = lf_api_qtime(req, "until", &f.until)) != LF_OK)
		return ret;
	f.action = lf_http_query(req, "action");
	if (f.action != NULL && f.action[0] == '\0')
		f.action = NULL;
	f.limit = (int)limit + 1;
	ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx);
	if (ret != LF_OK)
		return ret;
	ret = lf_store_audit_list(tx, &f, &rows, &n);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return ret;
	json_t *items = json_array();
	for (int i = 0; i < n && i < limit; i++) {
		const lf_audit_row *a = &rows[i];
		json_t *details = json_loads(a->details, 0, NULL);
		json_array_append_new(
		    items,
		    json_pack("{s:I,s:o,s:s,s:o?,s:s?,s:s,s:s,s:s?,s:o?,s:o?,s:s?,s:s?,s:o?,s:s?,"
			      "s:s?}",
			      "id", (json_int_t)a->id, "seq",
			      a->seq ? json_integer(a->seq) : json_null(), "time",
			      lf_api_time(req, a->ts), "actor_id",
			      a->actor_id ? json_integer(a->actor_id) : NULL, "actor_role",
			      a->actor_role, "action", a->action, "entity_type", a->entity_type,
			      "entity_id", a->entity_id, "project_id",
			      a->project_id ? json_integer(a->project_id) : NULL, "task_id",
			      a->task_id ? json_integer(a->task_id) : NULL, "from_state",
			      a->from_state, "to_state", a->to_state, "details", details,
			      "prev_hash", a->prev_hash, "hash", a->hash));
	}
	const char *next = lf_api_next_cursor(req, n, limit, n > limit ? rows[limit - 1].id : 0);
	return lf_api_list(req, items, next);
}

int lf_api_audit_verify(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *p;
	lf_audit_verdict v;
	if ((ret = lf_api_guard(req, LF_PERM_AUDIT_READ, 0, &p)) != LF_OK)
		return ret;
	ret = lf_audit_verify(app->store, app->audit_key, app->audit_anchor, app->audit_max_lag_ms,
			      &v);
	if (ret != LF_OK)
		return ret;
	json_t *body = json_pack("{s:b,s:I,s:s,s:I,s:I,s:I,s:I,s:s}", "ok", v.ok, "count",
				 (json_int_t)v.count, "head", v.head, "checkpoints",
				 (json_int_t)v.checkpoints, "unsealed", (json_int_t)v.unsealed,
				 "oldest_unsealed_ms", (json_int_t)v.oldest_unsealed_ms,
				 "max_lag_ms", (json_int_t)v.max_lag_ms, "key_id", v.key_id);
	if (!v.ok) {
		if (v.broken_seq > 0)
			json_object_set_new(body, "broken_seq", json_integer(v.broken_seq));
		if (v.broken_batch > 0)
			json_object_set_new(body, "broken_batch", json_integer(v.broken_batch));
		json_object_set_new(body, "reason", json_string(v.reason));
	}
	if (v.anchored) {
		json_t *anchor =
		    json_pack("{s:b,s:I,s:I}", "ok", v.anchor_ok, "batch",
			      (json_int_t)v.anchor_batch, "lag_batches", (json_int_t)v.anchor_lag);
		if (!v.anchor_ok) {
			if (v.anchor_broken_batch > 0)
				json_object_set_new(anchor, "broken_batch",
						    json_integer(v.anchor_broken_batch));
			json_object_set_new(anchor, "reason", json_string(v.anchor_reason));
		}
		json_object_set_new(body, "anchor", anchor);
	}
	return lf_http_json(req, 200, body);
}

/* The fields exactly as lf_audit_hash reads them (0 for an absent id,
 * details as the stored text), so that a checker recomputes the hash
 * from this object alone. */
static json_t *record_json(const lf_audit_row *a)
{
	return json_pack("{s:I,s:I,s:I,s:s?,s:s,s:s,s:s?,s:I,s:I,s:s?,s:s?,s:s,s:s,s:s}", "seq",
			 (json_int_t)a->seq, "ts", (json_int_t)a->ts, "actor_id",
			 (json_int_t)a->actor_id, "actor_role", a->actor_role, "action", a->action,
			 "entity_type", a->entity_type, "entity_id", a->entity_id, "project_id",
			 (json_int_t)a->project_id, "task_id", (json_int_t)a->task_id, "from_state",
			 a->from_state, "to_state", a->to_state, "details", a->details, "prev_hash",
			 a->prev_hash, "hash", a->hash);
}

int lf_api_audit_proof(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *p;
	lf_audit_proof *pr;
	if ((ret = lf_api_guard(req, LF_PERM_AUDIT_READ, 0, &p)) != LF_OK)
		return ret;
	int64_t seq = lf_http_capture_id(req, 0);
	if (seq == 0)
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such audit record.");
	if ((pr = lf_arena_alloc(req->arena, sizeof(*pr))) == NULL)
		return LF_ERR_NOMEM;
	ret = lf_audit_proof_get(app->store, req->arena, seq, pr);
	if (ret == LF_ERR_NOTFOUND)
		return lf_http_fail(req, ret, "not_found", "No such audit record.");
	if (ret == LF_ERR_CONFLICT)
		return lf_http_fail(req, ret, "not_sealed",
				    "The record is not sealed yet; its proof exists once the "
				    "sealer has signed its batch (within a second).");
	if (ret != LF_OK)
		return ret;
	json_t *path = json_array();
	for (size_t i = 0; i < pr->path_len; i++)
		json_array_append_new(path, json_string(pr->path[i]));
	return lf_http_json(req, 200,
			    json_pack("{s:o,s:I,s:I,s:o,s:o}", "record", record_json(&pr->record),
				      "leaf_index", (json_int_t)pr->leaf_index, "tree_size",
				      (json_int_t)pr->tree_size, "path", path, "checkpoint",
				      lf_checkpoint_to_json(&pr->checkpoint)));
}
