/*
 * api_media.c - media uploads and serving.
 *
 * POST /projects/{id}/media streams each file of the upload (a raw body,
 * or any number of multipart file parts, or archives of them) into its own
 * blob through an lf_media_batch, which refuses a file by content as soon
 * as it ends; the handler then imports the batch in one domain command
 * (lf_media_import). Media has its own endpoint rather than a format of
 * /imports: an import there is one row-oriented file parsed by a job,
 * while here every file is an item checked before anything is answered.
 * With the project's segment_seconds policy set, long audio and video are
 * cut into segments as they arrive, one task each (media.h).
 *
 * GET /media/{id} streams the item by range to a member of its project,
 * authenticated by a bearer token or by the signed query that
 * GET /media/{id}/info hands out for <img>, <audio> and <video> tags. An
 * item of a bucket source (sources/sources.h) is streamed from that
 * bucket, in place; its ETag is the bucket's. With LABELFLOW_MEDIA_REDIRECT
 * on an object store, a signed query that passes our checks is answered
 * 302 to the bucket's own presigned or SAS URL instead, so the bytes never
 * pass through this server.
 */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/media.h"
#include "ml/ml.h"
#include "projects/policy.h"
#include "sources/sources.h"

static void batch_release(void *p);
static int media_begin(lf_http_req *req);
static int media_file(lf_http_req *req);
static int media_chunk(lf_http_req *req, const char *data, size_t len);
static int refused(lf_http_req *req, int ret);
static int get_media(lf_tx *tx, int64_t id, void *out);
static int load_media(lf_http_req *req, lf_media_row *m, int64_t *exp);
static int redirect_to_store(lf_http_req *req, lf_blob_store *bs, const char *key,
			     const lf_media_row *m, int64_t exp);
static json_t *media_json(lf_http_req *req, const lf_media_row *m);
static json_t *item_json(const lf_media_item *it, int64_t media_id, const lf_media_imported *out,
			 int i);
static json_t *next_item(void *ud, int64_t i);

/* The upload's answer, its items listed one at a time from the batch as
 * the response is sent (an upload may hold 10,000 files). */
struct answer {
	lf_media_batch *b;
	lf_media_imported out;
};

/* No abort hook: the batch is tied to the request's arena (batch_release
 * deletes its blobs unless the import kept them). */
const lf_http_stream lf_api_media_stream = {
    .begin = media_begin,
    .chunk = media_chunk,
    .file = media_file,
};

static void batch_release(void *p)
{
	lf_media_batch_free(p);
}

static int media_begin(lf_http_req *req)
{
	int ret;
	lf_app *app = req->app;
	lf_principal *who;
	lf_project p;
	lf_media_targets targets;
	lf_media_batch *b;
	lf_policy pol;
	char why[200] = "";
	int64_t project_id = lf_http_capture_id(req, 0);
	if ((ret = lf_api_upload_project(req, project_id, &who, &p)) != LF_OK)
		return ret;
	if (lf_media_targets_of(p.label_config, &targets, why, sizeof(why)) != LF_OK)
		return lf_http_fail(req, LF_ERR_CONFLICT, "bad_label_config",
				    "The project's label config no longer parses (%s).", why);
	if (lf_policy_effective(p.policies, p.task_types, lf_http_query(req, "task_type"), &pol) !=
	    LF_OK)
		return lf_http_fail(req, LF_ERR_INTERNAL, "bad_policy",
				    "The project's stored policies are invalid.");
	if ((ret = lf_media_batch_new(app->blobs, project_id, &targets, app->tmpdir, &b)) != LF_OK)
		return ret;
	/* On failure lf_arena_defer has released b already. */
	if (lf_arena_defer(req->arena, batch_release, b) != LF_OK)
		return LF_ERR_NOMEM;
	lf_media_batch_segment(b, pol.segment_seconds, pol.segment_overlap_seconds);
	req->stream_ctx = b;
	return LF_OK;
}

/* A refused upload takes back what it stored before the refusal is sent:
 * the arena would release the batch only after the response. */
static int refused(lf_http_req *req, int ret)
{
	if (ret != LF_OK)
		lf_media_batch_discard(req->stream_ctx);
	return ret;
}

static int media_file(lf_http_req *req)
{
	return refused(req, lf_media_batch_file(req->stream_ctx, req->upload_name, &req->error));
}

static int media_chunk(lf_http_req *req, const char *data, size_t len)
{
	return refused(req, lf_media_batch_write(req->stream_ctx, data, len, &req->error));
}

/* A cut item lists its segments: each a media item and a task. */
static json_t *item_json(const lf_media_item *it, int64_t media_id, const lf_media_imported *out,
			 int i)
{
	int64_t first = out->first_task[i];
	json_t *probe = json_loads(it->probe, 0, NULL);
	json_t *o = json_pack(
	    "{s:I,s:I,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:o}", "id", (json_int_t)media_id, "task_id",
	    (json_int_t)out->all_task_ids[first], "filename", it->filename, "mime", it->mime,
	    "kind", lf_media_kind_name(it->kind), "bytes", (json_int_t)it->bytes, "width",
	    (json_int_t)it->width, "height", (json_int_t)it->height, "duration_ms",
	    (json_int_t)it->duration_ms, "probe", probe != NULL ? probe : json_object());
	if (o == NULL || it->nsegments == 0)
		return o;
	json_t *segs = json_array();
	for (int k = 0; k < it->nsegments; k++) {
		const lf_media_item *s = &it->segments[k];
		json_array_append_new(
		    segs, json_pack("{s:I,s:I,s:f,s:f,s:I,s:I}", "media_id",
				    (json_int_t)out->task_media_ids[first + k], "task_id",
				    (json_int_t)out->all_task_ids[first + k], "segment_start",
				    s->segment_start_ms / 1000.0, "segment_end",
				    s->segment_end_ms / 1000.0, "duration_ms",
				    (json_int_t)s->duration_ms, "bytes", (json_int_t)s->bytes));
	}
	json_object_set_new(o, "segments", segs);
	return o;
}

/* Items are read in order, i being the one lf_media_batch_next gives. */
static json_t *next_item(void *ud, int64_t i)
{
	struct answer *an = ud;
	const lf_media_item *it;
	if (lf_media_batch_next(an->b, &it) != LF_OK)
		return NULL;
	return item_json(it, an->out.media_ids[i], &an->out, (int)i);
}

int lf_api_media_upload(lf_http_req *req)
{
	lf_app *app = req->app;
	lf_media_batch *b = req->stream_ctx;
	struct answer *an = lf_arena_calloc(req->arena, sizeof(*an));
	int ret;
	if (an == NULL)
		return refused(req, LF_ERR_NOMEM);
	if ((ret = lf_media_batch_end(b, &req->error)) != LF_OK)
		return refused(req, ret);
	if (lf_media_batch_count(b) == 0)
		return lf_http_fail(req, LF_ERR_INVALID, "empty_file", "'%s' is empty (0 bytes).",
				    req->upload_name != NULL ? req->upload_name : "The upload");
	const lf_principal *who = req->user;
	lf_media_import_rq rq = {.project_id = lf_http_capture_id(req, 0),
				 .batch = b,
				 .filename = req->upload_name,
				 .task_type = lf_http_query(req, "task_type"),
				 .actor_id = who->user.id,
				 .actor_role = who->user.role,
				 .on_tasks = lf_ml_enqueue_tasks};
	if ((ret = lf_media_import(app->store, req->arena, &rq, &an->out, &req->error)) != LF_OK)
		return refused(req, ret);
	lf_media_batch_keep(b);
	an->b = b;
	if ((ret = lf_media_batch_rewind(b)) != LF_OK)
		return ret;
	return lf_http_json_stream(
	    req, 201,
	    json_pack("{s:I,s:I,s:I}", "import_id", (json_int_t)an->out.import_id, "count",
		      (json_int_t)an->out.count, "tasks", (json_int_t)an->out.ntasks),
	    "items", an->out.count, next_item, an);
}

static int get_media(lf_tx *tx, int64_t id, void *out)
{
	return lf_store_media_get(tx, id, out);
}

/* Loads the item and checks the caller may see it: a bearer token, or a
 * signed URL whose user is (still) a member of the item's project; *exp
 * is the signed URL's expiry (seconds), 0 for a bearer token. */
static int load_media(lf_http_req *req, lf_media_row *m, int64_t *exp)
{
	lf_app *app = req->app;
	lf_principal *who;
	lf_tx *tx;
	unsigned char key[32];
	int64_t uid = 0;
	const char *sig = lf_http_query(req, "sig");
	int64_t id = lf_http_capture_id(req, 0);
	*exp = 0;
	if (sig == NULL)
		return lf_api_load(req, get_media, m, &m->project_id, LF_PERM_PROJECT_READ,
				   "media item");
	lf_media_url_key(app->jwt_key, key);
	if (id == 0 ||
	    lf_media_sign_check(key, id, lf_http_query(req, "exp"), lf_http_query(req, "uid"), sig,
				lf_now_ms() / 1000, &uid) != LF_OK)
		return lf_http_fail(req, LF_ERR_FORBIDDEN, "invalid_signature",
				    "The media link is expired or was not issued by this server.");
	int ret = lf_store_begin(app->store, LF_TX_READ, req->arena, &tx);
	if (ret != LF_OK)
		return lf_error_default(&req->error, ret, NULL);
	ret = lf_store_media_get(tx, id, m);
	lf_store_rollback(tx);
	if (ret != LF_OK)
		return lf_error_default(&req->error, ret, "media item");
	if ((ret = lf_api_guard_user(req, LF_PERM_PROJECT_READ, m->project_id, uid, &who)) != LF_OK)
		return ret;
	/* Checked by lf_media_sign_check: a positive decimal. */
	*exp = strtoll(lf_http_query(req, "exp"), NULL, 10);
	return LF_OK;
}

/*
 * Sends the browser to the store's own URL of the item (LF_OK); the
 * browser repeats its Range there. The URL carries the store's signature:
 * it goes in the Location header only, never in a log (the access log
 * prints the path without its query) nor in a cache (the server's default
 * Cache-Control: no-store). Whether the blob still exists is the store's
 * to say (its 404): asking it first would cost the round trip the
 * redirect saves. LF_ERR_INVALID when the store cannot presign (local
 * disk): the caller streams instead.
 */
static int redirect_to_store(lf_http_req *req, lf_blob_store *bs, const char *key,
			     const lf_media_row *m, int64_t exp)
{
	const char *url;
	int ret = lf_media_store_url(bs, req->arena, key, m->mime, exp, lf_now_ms() / 1000, &url);
	if (ret != LF_OK)
		return ret;
	if (lf_http_add_header(req, "Location", url) != LF_OK)
		return LF_ERR_NOMEM;
	return lf_http_empty(req, 302);
}

static json_t *media_json(lf_http_req *req, const lf_media_row *m)
{
	lf_app *app = req->app;
	const lf_principal *who = req->user;
	unsigned char key[32];
	char url[200];
	int64_t exp = lf_now_ms() / 1000 + LF_MEDIA_URL_TTL_S;
	lf_media_url_key(app->jwt_key, key);
	if (lf_media_sign_url(key, NULL, m->id, exp, who->user.id, url, sizeof(url)) != LF_OK)
		return NULL;
	json_t *probe = json_loads(m->probe, 0, NULL);
	json_t *o = json_pack(
	    "{s:I,s:I,s:I,s:s,s:s,s:s,s:I,s:s,s:I,s:I,s:I,s:o,s:s,s:s?,s:s}", "id",
	    (json_int_t)m->id, "project_id", (json_int_t)m->project_id, "import_id",
	    (json_int_t)m->import_id, "filename", m->filename, "mime", m->mime, "kind", m->kind,
	    "bytes", (json_int_t)m->bytes, "sha256", m->sha256, "width", (json_int_t)m->width,
	    "height", (json_int_t)m->height, "duration_ms", (json_int_t)m->duration_ms, "probe",
	    probe != NULL ? probe : json_object(), "created_at", lf_api_time(req, m->created_at),
	    "url", url, "url_expires_at", lf_api_time(req, exp * 1000));
	if (o != NULL && m->storage_source_id != 0)
		json_object_set_new(o, "storage_source_id", json_integer(m->storage_source_id));
	if (o != NULL && m->source_id != 0) {
		json_object_set_new(o, "source_id", json_integer(m->source_id));
		json_object_set_new(o, "segment_start", json_real(m->segment_start_ms / 1000.0));
		json_object_set_new(o, "segment_end", json_real(m->segment_end_ms / 1000.0));
	}
	return o;
}

int lf_api_media_info(lf_http_req *req)
{
	int ret;
	lf_media_row m = {.id = 0};
	if ((ret = lf_api_load(req, get_media, &m, &m.project_id, LF_PERM_PROJECT_READ,
			       "media item")) != LF_OK)
		return ret;
	return lf_http_json(req, 200, media_json(req, &m));
}

int lf_api_media_get(lf_http_req *req)
{
	int ret, partial;
	lf_app *app = req->app;
	lf_media_row m = {.id = 0};
	lf_media_part *part;
	lf_blob_store *bs = app->blobs;
	const char *key, *etag;
	char why[512];
	uint64_t size = 0, start, len;
	int64_t exp;
	if ((ret = load_media(req, &m, &exp)) != LF_OK)
		return ret;
	key = m.blob_key;
	if ((etag = lf_arena_printf(req->arena, "\"%s\"", m.sha256)) == NULL)
		return LF_ERR_NOMEM;
	if (m.storage_source_id != 0) {
		/* The bucket's own ETag as it sent it (quoted), if it sent one. */
		key = lf_sources_media_key(&m);
		etag = m.source_etag;
		if (m.source_url == NULL ||
		    lf_blob_pool_get(app->buckets, m.source_url, &bs, why, sizeof(why)) != LF_OK)
			return lf_http_fail(req, LF_ERR_GONE, "gone",
					    "The media file's bucket cannot be read now.");
	}
	if (exp != 0 && app->media_redirect &&
	    (ret = redirect_to_store(req, bs, key, &m, exp)) != LF_ERR_INVALID)
		return ret;
	if ((etag != NULL && lf_http_add_header(req, "ETag", etag) != LF_OK) ||
	    lf_http_add_header(req, "Accept-Ranges", "bytes") != LF_OK ||
	    lf_http_add_header(req, "Cache-Control", "private, max-age=300") != LF_OK)
		return LF_ERR_NOMEM;
	const char *inm = lf_http_header(req, "If-None-Match");
	if (inm != NULL && etag != NULL && strcmp(inm, etag) == 0)
		return lf_http_empty(req, 304);
	if (lf_blob_size(bs, key, &size) != LF_OK)
		return lf_http_fail(req, LF_ERR_GONE, "gone",
				    "The media file is no longer stored.");
	ret = lf_media_range_parse(lf_http_header(req, "Range"), size, &start, &len, &partial);
	if (ret != LF_OK) {
		const char *cr =
		    lf_arena_printf(req->arena, "bytes */%llu", (unsigned long long)size);
		if (cr == NULL || lf_http_add_header(req, "Content-Range", cr) != LF_OK)
			return LF_ERR_NOMEM;
		return lf_http_fail(req, LF_ERR_RANGE, "range_not_satisfiable",
				    "The range '%s' lies outside the file's %llu bytes.",
				    lf_http_header(req, "Range"), (unsigned long long)size);
	}
	if (partial) {
		const char *cr = lf_arena_printf(
		    req->arena, "bytes %llu-%llu/%llu", (unsigned long long)start,
		    (unsigned long long)(start + len - 1), (unsigned long long)size);
		if (cr == NULL || lf_http_add_header(req, "Content-Range", cr) != LF_OK)
			return LF_ERR_NOMEM;
	}
	if (lf_media_part_open(bs, key, start, len, &part) != LF_OK)
		return lf_http_fail(req, LF_ERR_GONE, "gone",
				    "The media file is no longer stored.");
	return lf_http_stream_body(req, partial ? 206 : 200, lf_arena_strdup(req->arena, m.mime),
				   len, lf_media_part_read, lf_media_part_free, part);
}
