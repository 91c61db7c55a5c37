/*
 * job.h - running an export: reading the project's tasks page by page and
 * feeding an export writer (export.h), for the background job (output to
 * blob storage) and the command line (output to a file descriptor).
 */
#ifndef LF_EXPORT_JOB_H
#define LF_EXPORT_JOB_H

#include "blob/blob.h"
#include "export/export.h"
#include "store/store.h"

#define LF_EXPORTS_JOB "export"

/* Export options as stored with an export (the API's "filter" object):
 * {"state": "accepted" | [...], "since": ms, "until": ms, "annotator": id,
 *  "include_predictions": bool, "include_versions": bool}. Validates it. */
int lf_export_filter_parse(const json_t *filter, char *err, size_t errlen);

/*
 * Streams the tasks of project_id matching filter_json in format to out.
 * Formats that spool (COCO) put their temporary files in tmpdir (NULL:
 * /tmp). progress (may be NULL) is called after each page with tasks done so far.
 */
int lf_export_stream(lf_store *s, int64_t project_id, const char *format, const char *filter_json,
		     const char *tmpdir, lf_export_write_fn out, void *ud,
		     int (*progress)(void *pud, int64_t done, int64_t total), void *pud,
		     lf_export_report *rep, char *err, size_t errlen);

/* The export job: writes the file of export_id to blob storage and records
 * status, progress and report. tmpdir as for lf_export_stream. */
int lf_export_run(lf_store *s, lf_blob_store *blobs, const char *tmpdir, int64_t export_id,
		  char *err, size_t errlen);

#endif
