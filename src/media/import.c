/*
 * import.c - a checked media batch becomes an import, media rows and one
 * task per item, in one write transaction (lf_media_import).
 *
 * Everything slow (streaming, sniffing, probing, unpacking) happened
 * before, with no transaction open; the writer is held only for the
 * inserts. The import row is written as done: there is no job, as the
 * tasks exist when the request is answered.
 */
#include "media/media.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"

struct import {
	const lf_media_import_rq *rq;
	lf_media_imported *out;
	lf_error *err;
};

static int import_tx(lf_tx *tx, void *ud);
static int insert_item(lf_tx *tx, const lf_media_import_rq *rq, const lf_project *p,
		       int64_t import_id, int seq, lf_media_imported *out);
static int audit_import(lf_tx *tx, const lf_media_import_rq *rq, const lf_media_imported *out);

static int insert_item(lf_tx *tx, const lf_media_import_rq *rq, const lf_project *p,
		       int64_t import_id, int seq, lf_media_imported *out)
{
	const lf_media_item *it = lf_media_batch_item(rq->batch, seq);
	int64_t media_id = 0, task_id = 0, now = lf_now_ms();
	char url[64];
	lf_media_row m = {.project_id = p->id,
			  .import_id = import_id,
			  .blob_key = it->key,
			  .filename = it->filename,
			  .mime = it->mime,
			  .kind = lf_media_kind_name(it->kind),
			  .bytes = it->bytes,
			  .sha256 = it->sha256,
			  .width = it->width,
			  .height = it->height,
			  .duration_ms = it->duration_ms,
			  .probe = it->probe,
			  .created_at = now};
	int ret = lf_store_media_insert(tx, &m, &media_id);
	if (ret != LF_OK)
		return ret;
	snprintf(url, sizeof(url), "/api/v1/media/%lld", (long long)media_id);
	json_t *data = json_pack("{s:s}", it->target, url);
	char *text = data != NULL ? json_dumps(data, JSON_COMPACT) : NULL;
	json_decref(data);
	lf_task t = {.project_id = p->id,
		     .import_id = import_id,
		     .import_seq = seq,
		     .task_type = rq->task_type,
		     .state = "queued_l1",
		     .data = text,
		     .created_at = now};
	ret = text != NULL ? lf_store_task_insert(tx, &t, &task_id) : LF_ERR_NOMEM;
	free(text);
	if (ret != LF_OK)
		return ret;
	out->media_ids[seq] = media_id;
	out->task_ids[seq] = task_id;
	out->count++;
	return LF_OK;
}

static int audit_import(lf_tx *tx, const lf_media_import_rq *rq, const lf_media_imported *out)
{
	char eid[32];
	snprintf(eid, sizeof(eid), "%lld", (long long)out->import_id);
	int64_t last = out->count - 1;
	json_t *d = json_pack(
	    "{s:s,s:s?,s:I,s:I,s:I,s:I,s:I}", "format", "media", "filename", rq->filename, "count",
	    (json_int_t)out->count, "first_media_id", (json_int_t)out->media_ids[0],
	    "last_media_id", (json_int_t)out->media_ids[last], "first_task_id",
	    (json_int_t)out->task_ids[0], "last_task_id", (json_int_t)out->task_ids[last]);
	lf_audit_event ev = {.actor_id = rq->actor_id,
			     .actor_role = rq->actor_role,
			     .action = "media.import",
			     .entity_type = "import",
			     .entity_id = eid,
			     .project_id = rq->project_id,
			     .to_state = "done",
			     .details = d};
	int ret = d != NULL ? lf_audit_append(tx, &ev, NULL) : LF_ERR_NOMEM;
	json_decref(d);
	return ret;
}

/* May run again after a serialization failure (PostgreSQL): it starts by
 * forgetting what an earlier run counted. */
static int import_tx(lf_tx *tx, void *ud)
{
	struct import *im = ud;
	const lf_media_import_rq *rq = im->rq;
	lf_project p;
	int64_t now = lf_now_ms();
	int n = lf_media_batch_count(rq->batch);
	int ret;
	im->out->count = 0;
	if ((ret = lf_store_project_get(tx, rq->project_id, &p)) != LF_OK)
		return lf_error_default(im->err, ret, "project");
	if (strcmp(p.status, "active") != 0)
		return lf_error_set(im->err, LF_ERR_CONFLICT, "project_closed",
				    "The project is closed.");
	lf_import row = {.project_id = p.id,
			 .created_by = rq->actor_id,
			 .status = "done",
			 .format = "media",
			 .filename = rq->filename,
			 .blob_key = lf_media_batch_prefix(rq->batch),
			 .bytes_total = lf_media_batch_bytes(rq->batch),
			 .items_total = n,
			 .task_type = rq->task_type,
			 .created_at = now,
			 .updated_at = now};
	if ((ret = lf_store_import_insert(tx, &row, &row.id)) != LF_OK)
		return ret;
	im->out->import_id = row.id;
	for (int i = 0; i < n; i++)
		if ((ret = insert_item(tx, rq, &p, row.id, i, im->out)) != LF_OK)
			return ret;
	row.bytes_done = row.bytes_total;
	row.items_done = n;
	row.tasks_created = n;
	if ((ret = lf_store_import_update(tx, &row)) != LF_OK)
		return ret;
	return audit_import(tx, rq, im->out);
}

int lf_media_import(lf_store *s, lf_arena *a, const lf_media_import_rq *rq, lf_media_imported *out,
		    lf_error *err)
{
	struct import im = {.rq = rq, .out = out, .err = err};
	size_t n = (size_t)lf_media_batch_count(rq->batch);
	memset(out, 0, sizeof(*out));
	if (n == 0)
		return lf_error_set(err, LF_ERR_INVALID, "empty_upload",
				    "The upload holds no files.");
	out->media_ids = lf_arena_calloc(a, n * sizeof(int64_t));
	out->task_ids = lf_arena_calloc(a, n * sizeof(int64_t));
	if (out->media_ids == NULL || out->task_ids == NULL)
		return LF_ERR_NOMEM;
	return lf_store_write(s, a, import_tx, &im);
}
