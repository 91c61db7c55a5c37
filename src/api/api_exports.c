/*
 * api_exports.c - export jobs and their streamed download.
 *
 * An export with a "target" bucket (s3://, gs://, azure://) is written
 * there instead of the server's store, with the server's credentials: the
 * export says where ("location"), and its download streams from there.
 */
#include "api/api.h"

#include <stddef.h>
#include <string.h>

#include "export/job.h"

static json_t *export_json(lf_http_req *req, const lf_export_row *e);

static json_t *export_json(lf_http_req *req, const lf_export_row *e)
{
	json_t *report = e->report ? json_loads(e->report, 0, NULL) : NULL;
	json_t *filter = e->filter ? json_loads(e->filter, 0, NULL) : NULL;
	double progress = strcmp(e->status, "done") == 0 ? 1.0
			  : e->tasks_total > 0 ? (double)e->tasks_done / (double)e->tasks_total
					       : 0.0;
	json_t *o = json_pack(
	    "{s:I,s:I,s:s,s:s,s:o,s:f,s:I,s:I,s:I,s:o,s:s?,s:s,s:s}", "id", (json_int_t)e->id,
	    "project_id", (json_int_t)e->project_id, "format", e->format, "status", e->status,
	    "filter", filter ? filter : json_object(), "progress", progress, "tasks_total",
	    (json_int_t)e->tasks_total, "tasks_done", (json_int_t)e->tasks_done, "bytes",
	    (json_int_t)e->bytes, "report", report ? report : json_null(), "error", e->error,
	    "created_at", lf_api_time(req, e->created_at), "updated_at",
	    lf_api_time(req, e->updated_at));
	if (o != NULL && e->target != NULL) {
		json_object_set_new(o, "target", json_string(e->target));
		if (strcmp(e->status, "done") == 0 && e->blob_key != NULL)
			json_object_set_new(
			    o, "location",
			    json_string(lf_arena_printf(
				req->arena, "%s%s%s", e->target,
				e->target[strlen(e->target) - 1] == '/' ? "" : "/", e->blob_key)));
	}
	if (o != NULL && strcmp(e->status, "done") == 0)
		json_object_set_new(
		    o, "file_url",
		    json_string(lf_arena_printf(req->arena, "/api/v1/exports/%lld/file",
						(long long)e->id)));
	return o;
}

int lf_api_exports_create(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_export_row row;
	const char *format, *target = NULL;
	int64_t project_id = lf_http_capture_id(req, 0);
	if (project_id == 0)
		return lf_http_fail(req, LF_ERR_NOTFOUND, "not_found", "No such project.");
	if ((ret = lf_api_guard(req, LF_PERM_PROJECT_MANAGE, project_id, &who)) != LF_OK)
		return ret;
	if ((ret = lf_api_str(req, "format", 1, 32, &format)) != LF_OK ||
	    (ret = lf_api_str(req, "target", 0, 1024, &target)) != LF_OK)
		return ret;
	lf_export_request rq = {.project_id = project_id,
				.format = format,
				.filter = json_object_get(req->json, "filter"),
				.target = target,
				.targets = app->buckets,
				.actor_id = who->user.id,
				.actor_role = who->user.role};
	if ((ret = lf_export_start(app->store, req->arena, &rq, &row, &req->error)) != LF_OK)
		return ret;
	if (app->jobs != NULL)
		lf_jobs_kick(app->jobs);
	return lf_http_json(req, 202, export_json(req, &row));
}

static int list_exports(lf_tx *tx, int64_t project_id, int64_t before_id, int limit, void **items,
			int *n)
{
	return lf_store_export_list(tx, project_id, before_id, limit, (lf_export_row **)items, n);
}

static json_t *render_export(lf_http_req *req, const void *row)
{
	return export_json(req, row);
}

/* The project's exports, newest first, keyset paged by id. */
int lf_api_exports_list(lf_http_req *req)
{
	return lf_api_project_page(req, list_exports, sizeof(lf_export_row),
				   offsetof(lf_export_row, id), render_export);
}

static int get_export(lf_tx *tx, int64_t id, void *out)
{
	return lf_store_export_get(tx, id, out);
}

/* Loads the export and checks the caller manages its project. */
static int load_export(lf_http_req *req, lf_export_row *e)
{
	return lf_api_load(req, get_export, e, &e->project_id, LF_PERM_PROJECT_MANAGE, "export");
}

int lf_api_exports_get(lf_http_req *req)
{
	int ret;
	lf_export_row e = {.id = 0};
	if ((ret = load_export(req, &e)) != LF_OK)
		return ret;
	return lf_http_json(req, 200, export_json(req, &e));
}

/* Streams the file from blob storage in 64 KiB blocks. */
int lf_api_exports_file(lf_http_req *req)
{
	int ret;
	lf_export_row e = {.id = 0};
	lf_app *app = req->app;
	lf_blob_store *bs = NULL;
	char why[512];
	if ((ret = load_export(req, &e)) != LF_OK)
		return ret;
	if (strcmp(e.status, "done") != 0 || e.blob_key == NULL)
		return lf_http_fail(req, LF_ERR_CONFLICT, "not_ready",
				    "The export is %s; the file is not ready.", e.status);
	if (e.target != NULL &&
	    lf_blob_pool_get(app->buckets, e.target, &bs, why, sizeof(why)) != LF_OK)
		return lf_http_fail(req, LF_ERR_GONE, "gone",
				    "The export file is no longer stored.");
	const char *name =
	    lf_arena_printf(req->arena, "project-%lld-export-%lld.%s", (long long)e.project_id,
			    (long long)e.id, lf_export_extension(e.format));
	if (name == NULL)
		return LF_ERR_NOMEM;
	return lf_api_send_blob(req, bs, e.blob_key, lf_export_content_type(e.format), name,
				"The export file");
}
