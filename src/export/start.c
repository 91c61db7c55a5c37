/*
 * start.c - starting an export: what the admin asked for is checked, then
 * the export row, the job that will write its file and the audit record
 * are one write transaction, so an export is either queued with its job
 * and its record or not there at all.
 */
#include "export/job.h"

#include <stdio.h>
#include <stdlib.h>

#include "audit/audit.h"
#include "jobs/jobs.h"

/* One start in progress. */
struct start {
	const lf_export_request *rq;
	lf_export_row row; /* as inserted; id set by the transaction */
	lf_export_row *out;
};

static int check(lf_arena *a, const lf_export_request *rq, const char **filter_text, lf_error *err);
static int start_tx(lf_tx *tx, void *ud);

/* The request as the row will store it: a known format, and the filter
 * validated and rendered compact ("{}" when there is none). */
static int check(lf_arena *a, const lf_export_request *rq, const char **filter_text, lf_error *err)
{
	char why[200];
	if (rq->format == NULL || !lf_export_format_valid(rq->format))
		return lf_error_set(
		    err, LF_ERR_INVALID, "invalid_format",
		    "format must be one of label_studio_json, jsonl, csv, tsv, coco,"
		    " yolo, voc, conll2003, webvtt, srt.");
	if (lf_export_filter_parse(rq->filter, why, sizeof(why)) != LF_OK)
		return lf_error_set(err, LF_ERR_INVALID, "invalid_filter", "%s.", why);
	if (rq->target != NULL) {
		lf_blob_store *bs;
		char msg[512] = "";
		if (lf_blob_pool_url_check(rq->target, msg, sizeof(msg)) != LF_OK)
			return lf_error_set(err, LF_ERR_INVALID, "invalid_target", "target: %s.",
					    msg);
		if (rq->targets == NULL ||
		    lf_blob_pool_get(rq->targets, rq->target, &bs, msg, sizeof(msg)) != LF_OK)
			return lf_error_set(err, LF_ERR_INVALID, "target_unreachable",
					    "The target bucket cannot be written with the server's"
					    " storage settings (%s).",
					    msg);
	}
	*filter_text = "{}";
	if (rq->filter == NULL || json_is_null(rq->filter))
		return LF_OK;
	char *text = json_dumps(rq->filter, JSON_COMPACT);
	*filter_text = text != NULL ? lf_arena_strdup(a, text) : NULL;
	free(text);
	return *filter_text != NULL ? LF_OK : LF_ERR_NOMEM;
}

/* May run again after a serialization failure (PostgreSQL): it writes
 * *out only once everything succeeded. */
static int start_tx(lf_tx *tx, void *ud)
{
	struct start *st = ud;
	const lf_export_request *rq = st->rq;
	lf_export_row row = st->row;
	json_t *payload = NULL, *details = NULL;
	char eid[32];
	int ret = lf_store_export_insert(tx, &row, &row.id);
	if (ret != LF_OK)
		goto cleanup;
	payload = json_pack("{s:I}", "export_id", (json_int_t)row.id);
	if ((ret = lf_jobs_enqueue(tx, LF_EXPORTS_JOB, payload, 0, NULL)) != LF_OK)
		goto cleanup;
	snprintf(eid, sizeof(eid), "%lld", (long long)row.id);
	details = json_pack("{s:s,s:s,s:s?}", "format", row.format, "filter", row.filter, "target",
			    row.target);
	lf_audit_event ev = {.actor_id = rq->actor_id,
			     .actor_role = rq->actor_role,
			     .action = "export.create",
			     .entity_type = "export",
			     .entity_id = eid,
			     .project_id = row.project_id,
			     .to_state = "queued",
			     .details = details};
	if ((ret = lf_audit_append(tx, &ev, NULL)) != LF_OK)
		goto cleanup;
	*st->out = row;
cleanup:
	json_decref(payload);
	json_decref(details);
	return ret;
}

int lf_export_start(lf_store *s, lf_arena *a, const lf_export_request *rq, lf_export_row *out,
		    lf_error *err)
{
	const char *filter_text = NULL;
	int ret = check(a, rq, &filter_text, err);
	if (ret != LF_OK)
		return ret;
	int64_t now = lf_now_ms();
	struct start st = {.rq = rq,
			   .row = {.project_id = rq->project_id,
				   .created_by = rq->actor_id,
				   .format = rq->format,
				   .filter = filter_text,
				   .status = "queued",
				   .target = rq->target,
				   .created_at = now,
				   .updated_at = now},
			   .out = out};
	return lf_store_write(s, a, start_tx, &st);
}
