/*
 * api_audit.c - browsing and verifying the audit trail.
 */
#include "api/api.h"

#include "audit/audit.h"

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
	    (ret = lf_api_qint(req, "cursor", 1, INT64_MAX, &f.before_seq)) != LF_OK ||
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
		    json_pack("{s:I,s:s,s:o?,s:s?,s:s,s:s,s:s?,s:o?,s:o?,s:s?,s:s?,s:o?,s:s,s:s}",
			      "seq", (json_int_t)a->seq, "time", lf_api_time(req, a->ts),
			      "actor_id", a->actor_id ? json_integer(a->actor_id) : NULL,
			      "actor_role", a->actor_role, "action", a->action, "entity_type",
			      a->entity_type, "entity_id", a->entity_id, "project_id",
			      a->project_id ? json_integer(a->project_id) : NULL, "task_id",
			      a->task_id ? json_integer(a->task_id) : NULL, "from_state",
			      a->from_state, "to_state", a->to_state, "details", details,
			      "prev_hash", a->prev_hash, "hash", a->hash));
	}
	const char *next = lf_api_next_cursor(req, n, limit, n > limit ? rows[limit - 1].seq : 0);
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
	ret = lf_audit_verify(app->store, &v);
	if (ret != LF_OK)
		return ret;
	json_t *body =
	    json_pack("{s:b,s:I,s:s}", "ok", v.ok, "count", (json_int_t)v.count, "head", v.head);
	if (!v.ok) {
		json_object_set_new(body, "broken_seq", json_integer(v.broken_seq));
		json_object_set_new(body, "reason", json_string(v.reason));
	}
	return lf_http_json(req, 200, body);
}
