/*
 * export.h - streaming writers of accepted labels in the formats ML teams
 * load. A writer receives tasks one at a time and writes its output
 * through a callback as it goes, so an export of any size runs in
 * constant memory (formats whose layout needs two passes, like COCO's
 * separate image and annotation arrays, spool to temporary files).
 *
 * Formats (names are the API's): label_studio_json, jsonl, csv, tsv,
 * coco, yolo (zip), voc (zip), conll2003, webvtt, srt.
 */
#ifndef LF_EXPORT_H
#define LF_EXPORT_H

#include <jansson.h>
#include <stdint.h>

#include "core/lf.h"
#include "labelcfg/labelcfg.h"

/* One task as the exporters see it. Everything is borrowed for the call. */
typedef struct lf_export_task {
	int64_t id;
	const char *state;
	const json_t *data;   /* the task's data object */
	const json_t *result; /* final Label Studio result array (latest version), may be NULL */
	const json_t *annotations; /* all versions [{id, version, kind, author_id, stage, result,
				    * created_at}] when include_versions, else NULL */
	const json_t *predictions; /* array or NULL */
	const json_t *history;	   /* review history [{user_id, stage, status, decision,
				    * comment}] when include_versions, else NULL */
	int64_t annotator_id;	   /* author of the final version, 0 if none */
	/* The same values as stored: compact JSON text (or NULL). Writers that
	 * only splice JSON (lf_export_writer_raw) use these, and then the
	 * json_t fields above may be NULL. */
	const char *data_text, *result_text, *predictions_text;
	int64_t created_at, updated_at; /* ms since epoch */
} lf_export_task;

/* Where output goes: return LF_OK, or an error to abort the export. */
typedef int (*lf_export_write_fn)(void *ud, const void *buf, size_t len);

typedef struct lf_export_opts {
	const lf_labelcfg *cfg;	 /* the project's label config (categories, tags) */
	int include_versions;	 /* label_studio_json / jsonl: every version + history */
	int include_predictions; /* keep predictions in the output */
	const char *tmpdir;	 /* where spool files go (deleted when done) */
} lf_export_opts;

/* How many skipped regions a report names one by one: enough to find and
 * fix the pattern, bounded so a report stays small when a format drops a
 * whole region type from a million tasks (skipped still counts them all). */
#define LF_EXPORT_SKIP_NAMED 100

/* One region an export left out, named so a reader can find it. */
typedef struct lf_export_skip_item {
	int64_t task_id;
	char region[48]; /* the result's "id", "" when it has none */
	char label[64];	 /* its first label, "" when it has none */
	char why[120];	 /* e.g. "labels spans nested in another span in conll2003" */
} lf_export_skip_item;

/* What a finished export did, for the job's report. */
typedef struct lf_export_report {
	int64_t tasks;	       /* tasks written */
	int64_t regions;       /* result regions written */
	int64_t skipped;       /* regions the format cannot express */
	char skipped_why[200]; /* the first reason, e.g. "polygon results in yolo" */
	/* The first LF_EXPORT_SKIP_NAMED of the skipped regions. */
	lf_export_skip_item skipped_regions[LF_EXPORT_SKIP_NAMED];
	size_t nskipped_regions;
} lf_export_report;

typedef struct lf_export_writer lf_export_writer;

/* 1 for a known format name, else 0. */
int lf_export_format_valid(const char *format);
/* The name of the i-th format of the table, NULL past its end. */
const char *lf_export_format_at(size_t i);
/* Content-Type and file extension of a format's output ("application/zip", "zip"). */
const char *lf_export_content_type(const char *format);
const char *lf_export_extension(const char *format);

/* Creates a writer. LF_ERR_INVALID for an unknown format. Owner: caller. */
int lf_export_writer_new(const char *format, const lf_export_opts *o, lf_export_write_fn out,
			 void *ud, lf_export_writer **w);
/* 1 when the writer needs only the *_text fields of a task (the caller may
 * then skip parsing them), else 0. */
int lf_export_writer_raw(const lf_export_writer *w);
/* Writes one task. */
int lf_export_writer_add(lf_export_writer *w, const lf_export_task *t);
/* Writes whatever closes the output (array end, zip directory) and fills
 * the report. An export with no task is a valid, empty file. */
int lf_export_writer_finish(lf_export_writer *w, lf_export_report *rep);
/* Frees the writer (after finish, or to abandon it). NULL is allowed. */
void lf_export_writer_free(lf_export_writer *w);

#endif
