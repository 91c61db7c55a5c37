/*
 * start.c - an upload becomes an import. The upload was checked while it
 * arrived and its blob is committed; what is left is one write
 * transaction (the import row, its job, its audit record) and the blob's
 * ownership: deleted when that transaction fails, the import's for good
 * once it commits.
 */
#include "imports/imports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "jobs/jobs.h"

/* One start in progress. */
struct start {
	const lf_imports_upload *up;
	lf_import row; /* as inserted; id set by the transaction */
	lf_import *out;
};

static int import_row(lf_arena *a, const lf_imports_upload *up, lf_import *im);
static int start_tx(lf_tx *tx, void *ud);

/* The row as queued: counts and skipped rows from the check; the skipped
 * rows' text lives in arena a, as long as the row that shows it. */
static int import_row(lf_arena *a, const lf_imports_upload *up, lf_import *im)
{
	json_t *errors = lf_imports_check_errors(up->check);
	char *text = errors != NULL ? json_dumps(errors, JSON_COMPACT) : NULL;
	int64_t now = lf_now_ms();
	*im = (lf_import){.project_id = up->project_id,
			  .created_by = up->actor_id,
			  .status = "queued",
			  .format = up->format,
			  .filename = up->filename,
			  .blob_key = up->blob_key,
			  .bytes_total = up->bytes,
			  .items_total = lf_imports_check_items(up->check) +
					 lf_imports_check_skipped(up->check),
			  .skipped = lf_imports_check_skipped(up->check),
			  .skip_bad = up->skip_bad,
			  .annotations = up->annotations,
			  .errors = text != NULL ? lf_arena_strdup(a, text) : NULL,
			  .task_type = up->task_type,
			  .created_at = now,
			  .updated_at = now};
	int ret = text != NULL && im->errors == NULL ? LF_ERR_NOMEM : LF_OK;
	free(text);
	json_decref(errors);
	return ret;
}

/* May run again after a serialization failure (PostgreSQL): it writes
 * *out only once everything succeeded. */
static int start_tx(lf_tx *tx, void *ud)
{
	struct start *st = ud;
	lf_import im = st->row;
	json_t *payload = NULL, *details = NULL;
	int64_t job = 0;
	char eid[32];
	int ret = lf_store_import_insert(tx, &im, &im.id);
	if (ret != LF_OK)
		goto cleanup;
	payload = json_pack("{s:I}", "import_id", (json_int_t)im.id);
	if ((ret = lf_jobs_enqueue(tx, LF_IMPORTS_JOB, payload, 0, &job)) != LF_OK)
		goto cleanup;
	snprintf(eid, sizeof(eid), "%lld", (long long)im.id);
	details = json_pack("{s:s,s:s?,s:I,s:I,s:I}", "format", im.format, "filename", im.filename,
			    "bytes", (json_int_t)im.bytes_total, "items",
			    (json_int_t)im.items_total, "job_id", (json_int_t)job);
	lf_audit_event ev = {.actor_id = st->up->actor_id,
			     .actor_role = st->up->actor_role,
			     .action = "import.create",
			     .entity_type = "import",
			     .entity_id = eid,
			     .project_id = im.project_id,
			     .to_state = "queued",
			     .details = details};
	if ((ret = lf_audit_append(tx, &ev, NULL)) != LF_OK)
		goto cleanup;
	*st->out = im;
cleanup:
	json_decref(payload);
	json_decref(details);
	return ret;
}

int lf_imports_start(lf_store *s, lf_blob_store *blobs, lf_arena *a, const lf_imports_upload *up,
		     lf_import *out)
{
	struct start st = {.up = up, .out = out};
	int ret = import_row(a, up, &st.row);
	if (ret == LF_OK)
		ret = lf_store_write(s, a, start_tx, &st);
	/* Not committed: no import refers to the blob, and none ever will. */
	if (ret != LF_OK)
		lf_blob_delete(blobs, up->blob_key);
	return ret;
}
