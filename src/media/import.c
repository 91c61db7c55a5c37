/*
 * import.c - a checked media batch becomes an import, media rows and one
 * task per item (or per segment of a cut item), in one write transaction
 * (lf_media_import).
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
		       int64_t import_id, int i, lf_media_imported *out);
static int insert_media(lf_tx *tx, const lf_project *p, int64_t import_id, const lf_media_item *it,
			int64_t source_id, int64_t *media_id);
static int insert_task(lf_tx *tx, const lf_media_import_rq *rq, const lf_project *p,
		       int64_t import_id, const lf_media_item *it, int64_t media_id,
		       int64_t source_id, lf_media_imported *out);
static int audit_import(lf_tx *tx, const lf_media_import_rq *rq, const lf_media_imported *out);

static int insert_media(lf_tx *tx, const lf_project *p, int64_t import_id, const lf_media_item *it,
			int64_t source_id, int64_t *media_id)
{
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
			  .created_at = lf_now_ms(),
			  .source_id = source_id,
			  .segment_start_ms = it->segment_start_ms,
			  .segment_end_ms = it->segment_end_ms};
	return lf_store_media_insert(tx, &m, media_id);
}

/* The task of media_id. A segment's data also says where it lies on its
 * source's timeline, which is what exports add to its region times. */
static int insert_task(lf_tx *tx, const lf_media_import_rq *rq, const lf_project *p,
		       int64_t import_id, const lf_media_item *it, int64_t media_id,
		       int64_t source_id, lf_media_imported *out)
{
	int64_t task_id = 0;
	char url[64], source[64];
	snprintf(url, sizeof(url), LF_MEDIA_PATH "%lld", (long long)media_id);
	snprintf(source, sizeof(source), LF_MEDIA_PATH "%lld", (long long)source_id);
	json_t *data = json_pack("{s:s}", it->target, url);
	if (data != NULL && source_id != 0 &&
	    (json_object_set_new(data, "segment_start", json_real(it->segment_start_ms / 1000.0)) !=
		 0 ||
	     json_object_set_new(data, "segment_end", json_real(it->segment_end_ms / 1000.0)) !=
		 0 ||
	     json_object_set_new(data, "source_media", json_string(source)) != 0)) {
		json_decref(data);
		data = NULL;
	}
	char *text = data != NULL ? json_dumps(data, JSON_COMPACT) : NULL;
	json_decref(data);
	lf_task t = {.project_id = p->id,
		     .import_id = import_id,
		     .import_seq = (int)out->ntasks,
		     .task_type = rq->task_type,
		     .state = "queued_l1",
		     .data = text,
		     .created_at = lf_now_ms()};
	int ret = text != NULL ? lf_store_task_insert(tx, &t, &task_id) : LF_ERR_NOMEM;
	free(text);
	if (ret != LF_OK)
		return ret;
	out->all_task_ids[out->ntasks] = task_id;
	out->task_media_ids[out->ntasks] = media_id;
	out->ntasks++;
	return LF_OK;
}

/* An item is one task, or (cut) a source row with no task of its own and
 * a row and a task per segment. */
static int insert_item(lf_tx *tx, const lf_media_import_rq *rq, const lf_project *p,
		       int64_t import_id, int i, lf_media_imported *out)
{
	const lf_media_item *it;
	int64_t media_id = 0, seg_id = 0;
	int ret = lf_media_batch_next(rq->batch, &it);
	if (ret != LF_OK || (ret = insert_media(tx, p, import_id, it, 0, &media_id)) != LF_OK)
		return ret;
	out->first_task[i] = out->ntasks;
	if (it->nsegments == 0)
		ret = insert_task(tx, rq, p, import_id, it, media_id, 0, out);
	for (int k = 0; k < it->nsegments && ret == LF_OK; k++) {
		const lf_media_item *seg = &it->segments[k];
		if ((ret = insert_media(tx, p, import_id, seg, media_id, &seg_id)) == LF_OK)
			ret = insert_task(tx, rq, p, import_id, seg, seg_id, media_id, out);
	}
	if (ret != LF_OK)
		return ret;
	out->media_ids[i] = media_id;
	out->task_ids[i] = out->all_task_ids[out->first_task[i]];
	out->count++;
	return LF_OK;
}

static int audit_import(lf_tx *tx, const lf_media_import_rq *rq, const lf_media_imported *out)
{
	char eid[32];
	snprintf(eid, sizeof(eid), "%lld", (long long)out->import_id);
	int64_t last = out->count - 1;
	json_t *d = json_pack(
	    "{s:s,s:s?,s:I,s:I,s:I,s:I,s:I,s:I}", "format", "media", "filename", rq->filename,
	    "count", (json_int_t)out->count, "tasks", (json_int_t)out->ntasks, "first_media_id",
	    (json_int_t)out->media_ids[0], "last_media_id", (json_int_t)out->media_ids[last],
	    "first_task_id", (json_int_t)out->all_task_ids[0], "last_task_id",
	    (json_int_t)out->all_task_ids[out->ntasks - 1]);
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
 * forgetting what an earlier run counted and reading the items afresh. */
static int import_tx(lf_tx *tx, void *ud)
{
	struct import *im = ud;
	const lf_media_import_rq *rq = im->rq;
	lf_project p;
	int64_t now = lf_now_ms();
	int n = lf_media_batch_count(rq->batch);
	int ret;
	im->out->count = 0;
	im->out->ntasks = 0;
	if ((ret = lf_media_batch_rewind(rq->batch)) != LF_OK)
		return ret;
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
	row.tasks_created = im->out->ntasks;
	if ((ret = lf_store_import_update(tx, &row)) != LF_OK)
		return ret;
	if (rq->on_tasks != NULL && im->out->ntasks > 0 &&
	    (ret = rq->on_tasks(tx, p.id, im->out->all_task_ids, (int)im->out->ntasks)) != LF_OK)
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
	size_t tasks = (size_t)lf_media_batch_tasks(rq->batch);
	out->media_ids = lf_arena_calloc(a, n * sizeof(int64_t));
	out->task_ids = lf_arena_calloc(a, n * sizeof(int64_t));
	out->first_task = lf_arena_calloc(a, n * sizeof(int64_t));
	out->all_task_ids = lf_arena_calloc(a, tasks * sizeof(int64_t));
	out->task_media_ids = lf_arena_calloc(a, tasks * sizeof(int64_t));
	if (out->media_ids == NULL || out->task_ids == NULL || out->first_task == NULL ||
	    out->all_task_ids == NULL || out->task_media_ids == NULL)
		return LF_ERR_NOMEM;
	return lf_store_write(s, a, import_tx, &im);
}
