/*
 * api_webhooks.c - event webhooks (webhooks/webhooks.h).
 *
 * POST   /projects/{id}/webhooks                       create (secret shown once)
 * GET    /projects/{id}/webhooks                       list, newest first
 * GET    /projects/{id}/webhooks/{wid}                 one
 * PATCH  /projects/{id}/webhooks/{wid}                 change url, events, active, headers
 * DELETE /projects/{id}/webhooks/{wid}                 delete with its log
 * GET    /projects/{id}/webhooks/{wid}/deliveries      the delivery log, newest first
 * POST   /projects/{id}/webhooks/{wid}/deliveries/{did}/redeliver
 * POST   /projects/{id}/webhooks/{wid}/test            send a PING
 *
 * and the same under /webhooks for global ones (every project), which
 * only admins manage; a project's are its managers'. Neither the secret
 * (after create) nor header values are ever rendered: they are
 * credentials of the receiver's.
 */
#include "api/api.h"

#include <string.h>

#include "webhooks/webhooks.h"

static int scope(lf_http_req *req, int global, lf_webhooks_actor *act, int *cap);
static json_t *webhook_json(lf_http_req *req, const lf_webhook *w, int with_secret);
static json_t *opt_time(lf_http_req *req, int64_t ms);
static json_t *delivery_json(lf_http_req *req, const lf_webhook_delivery *d);
static int read_input(lf_http_req *req, lf_webhooks_input *in);
static int save(lf_http_req *req, int global, int creating);
static int list(lf_http_req *req, int global);
static int get(lf_http_req *req, int global);
static int del(lf_http_req *req, int global);
static int deliveries(lf_http_req *req, int global);
static int redeliver(lf_http_req *req, int global);
static int test(lf_http_req *req, int global);

/* The caller's scope: the path's project, managed by them, or the global
 * webhooks, an admin's. *cap gets the capture of the webhook id. */
static int scope(lf_http_req *req, int global, lf_webhooks_actor *act, int *cap)
{
	lf_app *app = req->app;
	lf_principal *who;
	int64_t pid = global ? 0 : lf_http_capture_id(req, 0);
	int ret;
	if (!global && pid == 0)
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such project.");
	ret = lf_api_guard(req, global ? LF_PERM_USERS_MANAGE : LF_PERM_PROJECT_MANAGE, pid, &who);
	if (ret != LF_OK)
		return ret;
	*act = (lf_webhooks_actor){.user_id = who->user.id,
				   .role = who->user.role,
				   .project_id = pid,
				   .allow = app->outbound_allow};
	*cap = global ? 0 : 1;
	return LF_OK;
}

static json_t *webhook_json(lf_http_req *req, const lf_webhook *w, int with_secret)
{
	json_t *names = json_array(), *hd = lf_api_json_text(w->headers);
	const char *k;
	json_t *v;
	json_object_foreach(hd, k, v) json_array_append_new(names, json_string(k));
	json_decref(hd);
	json_t *o = json_pack(
	    "{s:I,s:o,s:s,s:o,s:b,s:o,s:s,s:s}", "id", (json_int_t)w->id, "project_id",
	    w->project_id ? json_integer(w->project_id) : json_null(), "url", w->url, "events",
	    lf_api_json_text(w->events), "active", w->active, "headers", names, "created_at",
	    lf_api_time(req, w->created_at), "updated_at", lf_api_time(req, w->updated_at));
	if (o != NULL)
		json_object_set_new(o, "escrow_low_below",
				    w->escrow_low_below ? json_integer(w->escrow_low_below)
							: json_null());
	if (o != NULL && with_secret)
		json_object_set_new(o, "secret", json_string(w->secret));
	return o;
}

/* A time column that may be unset. */
static json_t *opt_time(lf_http_req *req, int64_t ms)
{
	return ms ? json_string(lf_api_time(req, ms)) : json_null();
}

static json_t *delivery_json(lf_http_req *req, const lf_webhook_delivery *d)
{
	json_t *o = json_pack(
	    "{s:I,s:I,s:s,s:s,s:s,s:i,s:o,s:s?,s:s?,s:o,s:s,s:o}", "id", (json_int_t)d->id,
	    "webhook_id", (json_int_t)d->webhook_id, "event", d->event, "event_id", d->event_id,
	    "status", d->status, "attempts", d->attempts, "response_code",
	    d->response_code ? json_integer(d->response_code) : json_null(), "last_error",
	    d->last_error, "response_excerpt", d->response_excerpt, "duration_ms",
	    d->last_attempt_at ? json_integer(d->duration_ms) : json_null(), "created_at",
	    lf_api_time(req, d->created_at), "payload", lf_api_json_text(d->payload));
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "last_attempt_at", opt_time(req, d->last_attempt_at));
	json_object_set_new(o, "next_attempt_at", opt_time(req, d->next_attempt_at));
	json_object_set_new(o, "delivered_at", opt_time(req, d->delivered_at));
	return o;
}

static int read_input(lf_http_req *req, lf_webhooks_input *in)
{
	int ret, active = -1;
	memset(in, 0, sizeof(*in));
	in->active = -1;
	in->escrow_low_below = -1;
	if ((ret = lf_api_str(req, "url", 0, LF_WEBHOOKS_URL_MAX, &in->url)) != LF_OK ||
	    (ret = lf_api_str(req, "secret", 0, 256, &in->secret)) != LF_OK)
		return ret;
	if (json_object_get(req->json, "active") != NULL) {
		if ((ret = lf_api_bool(req, "active", 1, &active)) != LF_OK)
			return ret;
		in->active = active;
	}
	if (json_object_get(req->json, "escrow_low_below") != NULL &&
	    (ret = lf_api_int(req, "escrow_low_below", 1, 0, INT64_C(1000000000000000),
			      &in->escrow_low_below)) != LF_OK)
		return ret;
	in->events = json_object_get(req->json, "events");
	in->headers = json_object_get(req->json, "headers");
	return LF_OK;
}

/* Creates a webhook (answered with its secret, this once) or changes the
 * path's one. */
static int save(lf_http_req *req, int global, int creating)
{
	lf_app *app = req->app;
	lf_webhooks_actor act;
	lf_webhooks_input in;
	lf_webhook w;
	int cap, ret;
	if ((ret = scope(req, global, &act, &cap)) != LF_OK ||
	    (ret = read_input(req, &in)) != LF_OK)
		return ret;
	if (creating && in.active < 0)
		in.active = 1;
	ret = creating ? lf_webhooks_create(app->store, req->arena, &act, &in, &w, &req->error)
		       : lf_webhooks_update(app->store, req->arena, &act,
					    lf_http_capture_id(req, cap), &in, &w, &req->error);
	if (ret != LF_OK)
		return ret;
	return lf_http_json(req, creating ? 201 : 200, webhook_json(req, &w, creating));
}

static int list(lf_http_req *req, int global)
{
	lf_app *app = req->app;
	lf_webhooks_actor act;
	lf_webhook *items = NULL;
	lf_tx *tx;
	int cap, n = 0, ret;
	int64_t cursor = 0, limit = 50;
	if ((ret = scope(req, global, &act, &cap)) != LF_OK ||
	    (ret = lf_api_qint(req, "cursor", 0, INT64_MAX, &cursor)) != LF_OK ||
	    (ret = lf_api_qint(req, "limit", 1, 200, &limit)) != LF_OK)
		return ret;
	if ((ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx)) != LF_OK)
		return ret;
	ret = lf_store_webhook_list(tx, act.project_id, cursor, (int)limit + 1, &items, &n);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return ret;
	json_t *arr = json_array();
	for (int i = 0; i < n && i < limit; i++)
		json_array_append_new(arr, webhook_json(req, &items[i], 0));
	return lf_api_list(req, arr,
			   lf_api_next_cursor(req, n, limit, n > limit ? items[limit - 1].id : 0));
}

static int get(lf_http_req *req, int global)
{
	lf_app *app = req->app;
	lf_webhooks_actor act;
	lf_webhook w;
	lf_tx *tx;
	int cap, ret;
	if ((ret = scope(req, global, &act, &cap)) != LF_OK)
		return ret;
	if ((ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx)) != LF_OK)
		return ret;
	ret = lf_store_webhook_get(tx, act.project_id, lf_http_capture_id(req, cap), &w);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return lf_error_default(&req->error, ret, "webhook");
	return lf_http_json(req, 200, webhook_json(req, &w, 0));
}

static int del(lf_http_req *req, int global)
{
	lf_app *app = req->app;
	lf_webhooks_actor act;
	int cap, ret;
	if ((ret = scope(req, global, &act, &cap)) != LF_OK)
		return ret;
	if ((ret = lf_webhooks_delete(app->store, req->arena, &act, lf_http_capture_id(req, cap),
				      &req->error)) != LF_OK)
		return ret;
	return lf_http_empty(req, 204);
}

/* ?status=pending|delivered|failed filters; paged by id like the rest. */
static int deliveries(lf_http_req *req, int global)
{
	lf_app *app = req->app;
	lf_webhooks_actor act;
	lf_webhook w;
	lf_webhook_delivery *items = NULL;
	lf_tx *tx;
	int cap, n = 0, ret;
	int64_t cursor = 0, limit = 50;
	const char *status = lf_http_query(req, "status");
	if ((ret = scope(req, global, &act, &cap)) != LF_OK ||
	    (ret = lf_api_qint(req, "cursor", 0, INT64_MAX, &cursor)) != LF_OK ||
	    (ret = lf_api_qint(req, "limit", 1, 200, &limit)) != LF_OK)
		return ret;
	if (status != NULL && status[0] == '\0')
		status = NULL;
	if (status != NULL && strcmp(status, "pending") != 0 && strcmp(status, "delivered") != 0 &&
	    strcmp(status, "failed") != 0)
		return lf_http_fail(req, LF_ERR_MALFORMED, "invalid_query",
				    "status must be pending, delivered or failed.");
	if ((ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx)) != LF_OK)
		return ret;
	ret = lf_store_webhook_get(tx, act.project_id, lf_http_capture_id(req, cap), &w);
	if (ret == LF_OK)
		ret = lf_store_delivery_list(tx, w.id, status, cursor, (int)limit + 1, &items, &n);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return lf_error_default(&req->error, ret, "webhook");
	json_t *arr = json_array();
	for (int i = 0; i < n && i < limit; i++)
		json_array_append_new(arr, delivery_json(req, &items[i]));
	return lf_api_list(req, arr,
			   lf_api_next_cursor(req, n, limit, n > limit ? items[limit - 1].id : 0));
}

static int redeliver(lf_http_req *req, int global)
{
	lf_app *app = req->app;
	lf_webhooks_actor act;
	lf_webhook_delivery d;
	int cap, ret;
	if ((ret = scope(req, global, &act, &cap)) != LF_OK)
		return ret;
	if ((ret = lf_webhooks_redeliver(app->store, req->arena, &act, lf_http_capture_id(req, cap),
					 lf_http_capture_id(req, cap + 1), &d, &req->error)) !=
	    LF_OK)
		return ret;
	if (app->jobs != NULL)
		lf_jobs_kick(app->jobs);
	return lf_http_json(req, 202, delivery_json(req, &d));
}

static int test(lf_http_req *req, int global)
{
	lf_app *app = req->app;
	lf_webhooks_actor act;
	lf_webhook_delivery d;
	int cap, ret;
	if ((ret = scope(req, global, &act, &cap)) != LF_OK)
		return ret;
	if ((ret = lf_webhooks_ping(app->store, req->arena, &act, lf_http_capture_id(req, cap), &d,
				    &req->error)) != LF_OK)
		return ret;
	if (app->jobs != NULL)
		lf_jobs_kick(app->jobs);
	return lf_http_json(req, 202, delivery_json(req, &d));
}

int lf_api_webhooks_create(lf_http_req *req)
{
	return save(req, 0, 1);
}
int lf_api_webhooks_list(lf_http_req *req)
{
	return list(req, 0);
}
int lf_api_webhooks_get(lf_http_req *req)
{
	return get(req, 0);
}
int lf_api_webhooks_patch(lf_http_req *req)
{
	return save(req, 0, 0);
}
int lf_api_webhooks_delete(lf_http_req *req)
{
	return del(req, 0);
}
int lf_api_webhooks_deliveries(lf_http_req *req)
{
	return deliveries(req, 0);
}
int lf_api_webhooks_redeliver(lf_http_req *req)
{
	return redeliver(req, 0);
}
int lf_api_webhooks_test(lf_http_req *req)
{
	return test(req, 0);
}
int lf_api_global_webhooks_create(lf_http_req *req)
{
	return save(req, 1, 1);
}
int lf_api_global_webhooks_list(lf_http_req *req)
{
	return list(req, 1);
}
int lf_api_global_webhooks_get(lf_http_req *req)
{
	return get(req, 1);
}
int lf_api_global_webhooks_patch(lf_http_req *req)
{
	return save(req, 1, 0);
}
int lf_api_global_webhooks_delete(lf_http_req *req)
{
	return del(req, 1);
}
int lf_api_global_webhooks_deliveries(lf_http_req *req)
{
	return deliveries(req, 1);
}
int lf_api_global_webhooks_redeliver(lf_http_req *req)
{
	return redeliver(req, 1);
}
int lf_api_global_webhooks_test(lf_http_req *req)
{
	return test(req, 1);
}
