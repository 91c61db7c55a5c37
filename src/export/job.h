/*
 * job.h - starting an export (start.c: the row, its job and its audit
 * record) and running it (job.c): reading the project's tasks page by page
 * and feeding an export writer (export.h), for the background job (output
 * to blob storage) and the command line (output to a file descriptor).
 */
#ifndef LF_EXPORT_JOB_H
#define LF_EXPORT_JOB_H

#include "blob/blob.h"
#include "blob/pool.h"
#include "export/export.h"
#include "store/store.h"

#define LF_EXPORTS_JOB "export"

/* Export options as stored with an export (the API's "filter" object):
 * {"state": "accepted" | [...], "since": ms, "until": ms, "annotator": id,
 *  "include_predictions": bool, "include_versions": bool, "task_ids": [id, ...]
 *  (a selection from the data manager, at most LF_EXPORT_SELECTION_MAX)}.
 * Validates it. */
#define LF_EXPORT_SELECTION_MAX 10000
int lf_export_filter_parse(const json_t *filter, char *err, size_t errlen);

/* An export as an admin asks for it. */
typedef struct lf_export_request {
	int64_t project_id;
	const char *format;   /* checked: one of export.h's formats */
	const json_t *filter; /* checked by lf_export_filter_parse; NULL or null: {} */
	/* A bucket to write the file to ("s3://B/P", blob/pool.h), opened
	 * from targets; NULL: the server's store. */
	const char *target;
	lf_blob_pool *targets;
	int64_t actor_id;
	const char *actor_role;
} lf_export_request;

/*
 * Starts an export: checks rq's format and filter, then in one write
 * transaction inserts the queued export, enqueues the job that writes its
 * file (LF_EXPORTS_JOB) and appends its audit record ("export.create").
 * The caller wakes the job workers (lf_jobs_kick) after it returns.
 * Refusals are described in *err (may be NULL): LF_ERR_INVALID
 * "invalid_format", "invalid_filter", "invalid_target" (not an object
 * store bucket) or "target_unreachable" (the bucket does not answer to the
 * server's settings, asked before anything is queued). *out gets the export as created;
 * its strings are rq's or arena a's.
 */
int lf_export_start(lf_store *s, lf_arena *a, const lf_export_request *rq, lf_export_row *out,
		    lf_error *err);

/*
 * Streams the tasks of project_id matching filter_json in format to out.
 * Formats that spool (COCO) put their temporary files in tmpdir (NULL:
 * /tmp). progress (may be NULL) is called after each page with tasks done so far.
 */
int lf_export_stream(lf_store *s, int64_t project_id, const char *format, const char *filter_json,
		     const char *tmpdir, lf_export_write_fn out, void *ud,
		     int (*progress)(void *pud, int64_t done, int64_t total), void *pud,
		     lf_export_report *rep, char *err, size_t errlen);

/* The export job: writes the file of export_id to blob storage (blobs,
 * or the export's target bucket opened from targets: a streamed, multipart
 * upload, key "export-<id>.<ext>" under the target's prefix) and records
 * status, progress and report. tmpdir as for lf_export_stream. */
int lf_export_run(lf_store *s, lf_blob_store *blobs, lf_blob_pool *targets, const char *tmpdir,
		  int64_t export_id, char *err, size_t errlen);

#endif
