/*
 * api_imports.c - dataset uploads and import progress.
 *
 * POST /projects/{id}/imports streams the upload (raw body or multipart)
 * to blob storage while validating it with the streaming parser, so a
 * malformed file is refused with its line number and nothing is stored.
 * A valid upload becomes an import row and a background job that creates
 * the tasks; GET /imports/{id} shows its progress. An image, recording or
 * video sent here by mistake is named and sent to the media endpoint.
 */
#include "api/api.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imports/imports.h"
#include "media/media.h"

struct upload {
	int64_t project_id;
	lf_principal *who;
	lf_blob_writer *w;
	lf_imports_check *check;
	const char *label_config; /* the project's, in the request's arena */
	char key[128];
	char format[24];
	int skip_bad;
	const char *annotations; /* "refuse", "prior" or "gold" */
};

static int up_begin(lf_http_req *req);
static int up_chunk(lf_http_req *req, const char *data, size_t len);
static void up_release(void *p);
static const char *param(lf_http_req *req, const char *name);
static int refuse_media(lf_http_req *req, const struct upload *u, const char *data, size_t len);
static json_t *import_json(lf_http_req *req, const lf_import *im);

/* No abort hook: the upload's state is released with the request's arena
 * (up_release), whether the upload finished, failed or was cut off. */
const lf_http_stream lf_api_import_stream = {
    .begin = up_begin,
    .chunk = up_chunk,
};

/* A query parameter, or else a multipart form field of that name. */
static const char *param(lf_http_req *req, const char *name)
{
	const char *v = lf_http_query(req, name);
	if (v == NULL && req->form != NULL)
		v = json_string_value(json_object_get(req->form, name));
	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* A blob still being written was not committed: the partial file goes.
 * A committed one (u->w cleared) belongs to its import. */
static void up_release(void *p)
{
	struct upload *u = p;
	lf_blob_abort(u->w);
	lf_imports_check_free(u->check);
}

static int up_begin(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_project p;
	unsigned char rnd[8];
	int64_t project_id = lf_http_capture_id(req, 0);
	if ((ret = lf_api_upload_project(req, project_id, &who, &p)) != LF_OK)
		return ret;
	struct upload *u = lf_arena_calloc(req->arena, sizeof(*u));
	if (u == NULL || lf_arena_defer(req->arena, up_release, u) != LF_OK)
		return LF_ERR_NOMEM;
	u->project_id = project_id;
	u->who = who;
	u->label_config = p.label_config;
	randombytes_buf(rnd, sizeof(rnd));
	snprintf(u->key, sizeof(u->key),
		 "imports/%lld/%lld-%02x%02x%02x%02x%02x%02x%02x%02x.upload", (long long)project_id,
		 (long long)lf_now_ms(), rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6],
		 rnd[7]);
	if ((ret = lf_blob_create(app->blobs, u->key, &u->w)) != LF_OK)
		return lf_http_fail(req, LF_ERR_DB, "storage_unavailable",
				    "The upload cannot be stored right now.");
	req->stream_ctx = u;
	return LF_OK;
}

/* A PNG or WAV parsed as rows fails as "line 1: invalid UTF-8", which
 * tells the user nothing. Its first bytes say what it is (libmagic, as the
 * media endpoint does), whatever the name or format parameter claim, so
 * the refusal can name it and point at POST /projects/{id}/media. */
static int refuse_media(lf_http_req *req, const struct upload *u, const char *data, size_t len)
{
	char mime[96];
	lf_media_kind kind;
	const char *name = req->upload_name != NULL ? req->upload_name : "The file";
	if (lf_media_sniff(data, len, mime, sizeof(mime)) != LF_OK)
		return LF_OK;
	kind = lf_media_kind_of_mime(mime);
	if (kind == LF_MEDIA_NONE)
		return LF_OK;
	return lf_http_fail(req, LF_ERR_MEDIA, "media_not_dataset",
			    "%.60s is %s file (%s), not a dataset: imports take csv, tsv, json,"
			    " jsonl, text or label_studio. Upload media to POST"
			    " /api/v1/projects/%lld/media.",
			    name,
			    kind == LF_MEDIA_IMAGE   ? "an image"
			    : kind == LF_MEDIA_AUDIO ? "an audio"
						     : "a video",
			    mime, (long long)u->project_id);
}

/* The first chunk fixes the format: an explicit format parameter, or the
 * file's type, name and first bytes. */
static int start_check(lf_http_req *req, struct upload *u, const char *data, size_t len)
{
	lf_ingest_format fmt;
	const char *f = param(req, "format");
	const char *skip = param(req, "skip_bad");
	int ret;
	u->skip_bad = skip != NULL && (strcmp(skip, "true") == 0 || strcmp(skip, "1") == 0);
	if ((ret = refuse_media(req, u, data, len)) != LF_OK)
		return ret;
	if (f != NULL) {
		if (lf_ingest_format_parse(f, &fmt) != LF_OK)
			return lf_http_fail(req, LF_ERR_INVALID, "invalid_format",
					    "format must be csv, tsv, json, jsonl, text or"
					    " label_studio.");
	} else if (lf_ingest_detect(req->upload_type, req->upload_name, data, len, &fmt) != LF_OK) {
		return lf_http_fail(req, LF_ERR_MEDIA, "unsupported_media_type",
				    "Cannot tell the file's format; send format=csv|tsv|json|"
				    "jsonl|text|label_studio.");
	}
	snprintf(u->format, sizeof(u->format), "%s", lf_ingest_format_name(fmt));
	/* Annotations are refused unless the import says what they become;
	 * only the Label Studio format keeps what comes beside a task's data. */
	u->annotations = param(req, "annotations") ? param(req, "annotations") : "refuse";
	int mode = lf_imports_annotations_parse(u->annotations);
	if (mode < 0)
		return lf_http_fail(req, LF_ERR_INVALID, "invalid_annotations",
				    "annotations must be refuse, prior or gold.");
	if (mode != LF_IMPORTS_REFUSE && fmt != LF_INGEST_LABEL_STUDIO)
		return lf_http_fail(req, LF_ERR_INVALID, "invalid_annotations",
				    "annotations=%s needs the label_studio format; this file"
				    " is read as %s.",
				    u->annotations, u->format);
	if (mode == LF_IMPORTS_GOLD && (u->label_config == NULL || u->label_config[0] == '\0'))
		return lf_http_fail(req, LF_ERR_INVALID, "no_label_config",
				    "annotations=gold needs a label config: known answers are"
				    " checked and scored against it.");
	char err[200] = "";
	ret = lf_imports_check_new(fmt, u->skip_bad, mode, u->label_config, &u->check, err,
				   sizeof(err));
	if (ret == LF_ERR_INVALID || ret == LF_ERR_LIMIT)
		return lf_http_fail(req, LF_ERR_CONFLICT, "bad_label_config",
				    "The project's label config no longer parses (%s); fix it"
				    " before importing tasks with predictions.",
				    err);
	return ret == LF_OK ? LF_OK : lf_error_default(&req->error, ret, NULL);
}

static int up_chunk(lf_http_req *req, const char *data, size_t len)
{
	struct upload *u = req->stream_ctx;
	if (u->check == NULL) {
		int ret = start_check(req, u, data, len);
		if (ret != LF_OK)
			return ret;
	}
	if (lf_blob_write(u->w, data, len) != LF_OK)
		return lf_http_fail(req, LF_ERR_FULL, "storage_full",
				    "The upload could not be written.");
	int ret = lf_imports_check_feed(u->check, data, len);
	if (ret == LF_ERR_INVALID || ret == LF_ERR_LIMIT)
		return lf_http_fail(req, LF_ERR_INVALID, "malformed_upload", "%s",
				    lf_imports_check_error(u->check));
	return ret;
}

static json_t *import_json(lf_http_req *req, const lf_import *im)
{
	double progress = im->status[0] == 'd'	? 1.0
			  : im->items_total > 0 ? (double)im->items_done / (double)im->items_total
						: 0.0;
	json_t *errors = im->errors ? json_loads(im->errors, 0, NULL) : NULL;
	return json_pack(
	    "{s:I,s:I,s:s,s:s,s:s,s:s?,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:o,s:s?,s:s,s:s}", "id",
	    (json_int_t)im->id, "project_id", (json_int_t)im->project_id, "status", im->status,
	    "format", im->format, "annotations", im->annotations, "filename", im->filename,
	    "bytes_total", (json_int_t)im->bytes_total, "bytes_done", (json_int_t)im->bytes_done,
	    "items_total", (json_int_t)im->items_total, "items_done", (json_int_t)im->items_done,
	    "tasks_created", (json_int_t)im->tasks_created, "skipped", (json_int_t)im->skipped,
	    "progress", progress, "errors", errors ? errors : json_array(), "error", im->error,
	    "created_at", lf_api_time(req, im->created_at), "updated_at",
	    lf_api_time(req, im->updated_at));
}

int lf_api_imports_finish(lf_http_req *req)
{
	lf_app *app = req->app;
	struct upload *u = req->stream_ctx;
	lf_import im;
	int ret;
	if (u == NULL || req->upload_bytes == 0)
		return lf_http_fail(req, LF_ERR_INVALID, "empty_upload", "The upload is empty.");
	if (lf_imports_check_finish(u->check) != LF_OK)
		return lf_http_fail(req, LF_ERR_INVALID, "malformed_upload", "%s",
				    lf_imports_check_error(u->check));
	if (lf_imports_check_items(u->check) == 0)
		return lf_http_fail(req, LF_ERR_INVALID, "no_items", "The file holds no items%s.",
				    lf_imports_check_skipped(u->check) ? " that could be read"
								       : "");
	ret = lf_blob_commit(u->w);
	u->w = NULL;
	if (ret != LF_OK)
		return lf_http_fail(req, LF_ERR_FULL, "storage_full",
				    "The upload could not be stored.");
	lf_imports_upload up = {.project_id = u->project_id,
				.format = u->format,
				.filename = req->upload_name,
				.blob_key = u->key,
				.bytes = (int64_t)req->upload_bytes,
				.skip_bad = u->skip_bad,
				.annotations = u->annotations,
				.task_type = param(req, "task_type"),
				.check = u->check,
				.actor_id = u->who->user.id,
				.actor_role = u->who->user.role};
	/* The blob is lf_imports_start's from here: deleted if it fails, the
	 * import's for good if it succeeds. */
	ret = lf_imports_start(app->store, app->blobs, req->arena, &up, &im);
	if (ret == LF_OK) {
		if (app->jobs != NULL)
			lf_jobs_kick(app->jobs);
		ret = lf_http_json(req, 202, import_json(req, &im));
	}
	return ret;
}

static int get_import(lf_tx *tx, int64_t id, void *out)
{
	return lf_store_import_get(tx, id, out);
}

/* Loads the import and checks the caller manages its project. */
static int load_import(lf_http_req *req, lf_import *im)
{
	return lf_api_load(req, get_import, im, &im->project_id, LF_PERM_PROJECT_MANAGE, "import");
}

int lf_api_imports_get(lf_http_req *req)
{
	int ret;
	lf_import im = {.id = 0};
	if ((ret = load_import(req, &im)) != LF_OK)
		return ret;
	return lf_http_json(req, 200, import_json(req, &im));
}

static int list_imports(lf_tx *tx, int64_t project_id, int64_t before_id, int limit, void **items,
			int *n)
{
	return lf_store_import_list(tx, project_id, before_id, limit, (lf_import **)items, n);
}

static json_t *render_import(lf_http_req *req, const void *row)
{
	return import_json(req, row);
}

/* The project's imports, newest first, keyset paged by id. */
int lf_api_imports_list(lf_http_req *req)
{
	return lf_api_project_page(req, list_imports, sizeof(lf_import), offsetof(lf_import, id),
				   render_import);
}
