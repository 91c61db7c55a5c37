/*
 * api_sources.c - bucket prefixes connected to a project as datasets, and
 * their syncs (sources/sources.h).
 *
 * POST /projects/{id}/sources {url} connects a bucket; the URL names the
 * bucket only, as credentials and endpoints are the server's. POST
 * /sources/{id}/sync queues a sync (202) whose progress and counts
 * GET /sources/{id} shows. Everything here is for the project's admins, as
 * media uploads are.
 */
#include "api/api.h"

#include <string.h>

#include "sources/sources.h"

/* Syncs GET /sources/{id} lists, newest first. */
#define SYNCS_SHOWN 10

static int get_source(lf_tx *tx, int64_t id, void *out);
static int load_source(lf_http_req *req, lf_source_row *src);
static json_t *sync_json(lf_http_req *req, const lf_source_sync_row *s);
static json_t *source_json(lf_http_req *req, const lf_source_row *src,
			   const lf_source_sync_row *syncs, int n);
static int read_syncs(lf_http_req *req, int64_t source_id, int limit, lf_source_sync_row **syncs,
		      int *n);

static int get_source(lf_tx *tx, int64_t id, void *out)
{
	lf_source_row *src = out;
	int ret = lf_store_source_get(tx, id, src);
	return ret == LF_OK && src->deleted_at != 0 ? LF_ERR_NOTFOUND : ret;
}

/* Loads a connected source and checks the caller manages its project. */
static int load_source(lf_http_req *req, lf_source_row *src)
{
	return lf_api_load(req, get_source, src, &src->project_id, LF_PERM_PROJECT_MANAGE,
			   "source");
}

static json_t *sync_json(lf_http_req *req, const lf_source_sync_row *s)
{
	json_t *report = json_loads(s->report, 0, NULL);
	json_t *o = json_pack(
	    "{s:I,s:I,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:s?,s:s,s:s}", "id", (json_int_t)s->id,
	    "source_id", (json_int_t)s->source_id, "status", s->status, "listed",
	    (json_int_t)s->listed, "new", (json_int_t)s->fresh, "known", (json_int_t)s->known,
	    "changed", (json_int_t)s->changed, "refused", (json_int_t)s->refused, "objects_read",
	    (json_int_t)s->objects_read, "tasks_created", (json_int_t)s->tasks_created, "report",
	    report != NULL ? report : json_object(), "error", s->error, "created_at",
	    lf_api_time(req, s->created_at), "updated_at", lf_api_time(req, s->updated_at));
	return o;
}

/* A source with its latest syncs (the first is "last_sync"). */
static json_t *source_json(lf_http_req *req, const lf_source_row *src,
			   const lf_source_sync_row *syncs, int n)
{
	json_t *arr = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(arr, sync_json(req, &syncs[i]));
	return json_pack("{s:I,s:I,s:s,s:I,s:s,s:o,s:o}", "id", (json_int_t)src->id, "project_id",
			 (json_int_t)src->project_id, "url", src->url, "created_by",
			 (json_int_t)src->created_by, "created_at",
			 lf_api_time(req, src->created_at), "last_sync",
			 n > 0 ? sync_json(req, &syncs[0]) : json_null(), "syncs", arr);
}

static int read_syncs(lf_http_req *req, int64_t source_id, int limit, lf_source_sync_row **syncs,
		      int *n)
{
	lf_app *app = req->app;
	lf_tx *tx;
	int ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx);
	if (ret != LF_OK)
		return ret;
	ret = lf_store_source_sync_list(tx, source_id, limit, syncs, n);
	lf_store_rollback(tx);
	return ret;
}

int lf_api_sources_create(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_project p;
	lf_source_row row;
	const char *url;
	int64_t project_id = lf_http_capture_id(req, 0);
	if ((ret = lf_api_upload_project(req, project_id, &who, &p)) != LF_OK ||
	    (ret = lf_api_str(req, "url", 1, 1024, &url)) != LF_OK)
		return ret;
	lf_sources_actor actor = {.id = who->user.id, .role = who->user.role};
	if ((ret = lf_sources_create(app->store, app->buckets, req->arena, project_id, url, &actor,
				     &row, &req->error)) != LF_OK)
		return ret;
	return lf_http_json(req, 201, source_json(req, &row, NULL, 0));
}

int lf_api_sources_list(lf_http_req *req)
{
	int ret, n = 0;
	lf_app *app = req->app;
	lf_principal *who;
	lf_source_row *items;
	lf_tx *tx;
	int64_t cursor = 0, limit = 50;
	int64_t project_id = lf_http_capture_id(req, 0);
	if (project_id == 0)
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such project.");
	if ((ret = lf_api_guard(req, LF_PERM_PROJECT_MANAGE, project_id, &who)) != LF_OK)
		return ret;
	if ((ret = lf_api_qint(req, "cursor", 0, INT64_MAX, &cursor)) != LF_OK ||
	    (ret = lf_api_qint(req, "limit", 1, 200, &limit)) != LF_OK)
		return ret;
	if ((ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx)) != LF_OK)
		return ret;
	/* One extra row tells whether another page exists. */
	ret = lf_store_source_list(tx, project_id, cursor, (int)limit + 1, &items, &n);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return ret;
	json_t *arr = json_array();
	for (int i = 0; i < n && i < limit; i++) {
		lf_source_sync_row *syncs;
		int ns = 0;
		if ((ret = read_syncs(req, items[i].id, 1, &syncs, &ns)) != LF_OK) {
			json_decref(arr);
			return ret;
		}
		json_array_append_new(arr, source_json(req, &items[i], syncs, ns));
	}
	return lf_api_list(req, arr,
			   lf_api_next_cursor(req, n, limit, n > limit ? items[limit - 1].id : 0));
}

int lf_api_sources_get(lf_http_req *req)
{
	int ret, n = 0;
	lf_source_row src = {.id = 0};
	lf_source_sync_row *syncs = NULL;
	if ((ret = load_source(req, &src)) != LF_OK ||
	    (ret = read_syncs(req, src.id, SYNCS_SHOWN, &syncs, &n)) != LF_OK)
		return ret;
	return lf_http_json(req, 200, source_json(req, &src, syncs, n));
}

int lf_api_sources_delete(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_source_row src = {.id = 0};
	if ((ret = load_source(req, &src)) != LF_OK)
		return ret;
	const lf_principal *who = req->user;
	lf_sources_actor actor = {.id = who->user.id, .role = who->user.role};
	if ((ret = lf_sources_delete(app->store, req->arena, src.id, &actor, &req->error)) != LF_OK)
		return ret;
	return lf_http_empty(req, 204);
}

int lf_api_sources_sync(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_source_row src = {.id = 0};
	lf_source_sync_row sync;
	if ((ret = load_source(req, &src)) != LF_OK)
		return ret;
	const lf_principal *who = req->user;
	lf_sources_actor actor = {.id = who->user.id, .role = who->user.role};
	if ((ret = lf_sources_sync_start(app->store, req->arena, src.id, &actor, &sync,
					 &req->error)) != LF_OK)
		return ret;
	if (app->jobs != NULL)
		lf_jobs_kick(app->jobs);
	return lf_http_json(req, 202, sync_json(req, &sync));
}
