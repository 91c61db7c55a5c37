/*
 * imports.h - turning an uploaded dataset into tasks.
 *
 * An upload is checked while it arrives (lf_imports_check: every row is
 * validated and counted without being built, so a malformed file is
 * refused with its line number before anything is stored) and parsed once,
 * by the background job that creates the tasks (lf_imports_run), reading
 * the stored blob. The job parses a batch of tasks with no transaction
 * open and then stores it in one write with the import's progress, so the
 * database's writer (SQLite has one) is held only for the inserts, and a
 * job that dies resumes after the last stored batch and never creates a
 * task twice.
 */
#ifndef LF_IMPORTS_H
#define LF_IMPORTS_H

#include "blob/blob.h"
#include "ingest/ingest.h"
#include "store/store.h"

/* The job kind of import jobs. */
#define LF_IMPORTS_JOB "import"

/* Streaming validation of an upload as it arrives. */
typedef struct lf_imports_check lf_imports_check;

/* What a Label Studio task's annotations become (the import's
 * "annotations", the names of lf_imports_annotations_name). */
enum lf_imports_annotations {
	LF_IMPORTS_REFUSE, /* "refuse": a task with any is a bad row */
	LF_IMPORTS_PRIOR,  /* "prior": pre-annotations, after its predictions */
	LF_IMPORTS_GOLD	   /* "gold": the task is a gold task (quality/gold.h), its
			    * latest annotation the known answer; one without
			    * is a bad row */
};
/* The mode named name; -1 for another name. */
int lf_imports_annotations_parse(const char *name);

/* Starts checking an upload of fmt. In the Label Studio format, the
 * predictions and annotations of each task are validated against
 * label_config (the project's XML; NULL or empty: not checked) and the
 * task's data, and a task with a bad one is a bad row; annotations (enum
 * lf_imports_annotations) says what else makes a bad row. A gold import
 * needs a label config: its answers must be scorable (LF_ERR_INVALID with
 * the reason otherwise). Returns LF_OK and *out (owner: caller,
 * lf_imports_check_free); LF_ERR_INVALID with the reason in err when
 * label_config does not parse; LF_ERR_LIMIT, LF_ERR_NOMEM. */
int lf_imports_check_new(lf_ingest_format fmt, int skip_bad, int annotations,
			 const char *label_config, lf_imports_check **out, char *err,
			 size_t errlen);
int lf_imports_check_feed(lf_imports_check *c, const char *data, size_t len);
/* Ends the parse. On a bad file returns LF_ERR_INVALID with the reason
 * ("line N: ...") from lf_imports_check_error. */
int lf_imports_check_finish(lf_imports_check *c);
const char *lf_imports_check_error(const lf_imports_check *c);
int64_t lf_imports_check_items(const lf_imports_check *c);
int64_t lf_imports_check_skipped(const lf_imports_check *c);
/* The skipped rows as a JSON array of {line, message}, new reference. */
json_t *lf_imports_check_errors(const lf_imports_check *c);
void lf_imports_check_free(lf_imports_check *c);

/* A checked upload, committed to blob storage, that becomes an import. */
typedef struct lf_imports_upload {
	int64_t project_id;
	const char *format;	       /* lf_ingest_format_name */
	const char *filename;	       /* may be NULL */
	const char *blob_key;	       /* the committed blob holding the upload */
	int64_t bytes;		       /* the upload's size */
	int skip_bad;		       /* bad rows were skipped, not refused */
	const char *annotations;       /* "refuse", "prior" or "gold", as checked */
	const char *task_type;	       /* given to every task; may be NULL */
	const lf_imports_check *check; /* the upload's finished check */
	int64_t actor_id;
	const char *actor_role;
} lf_imports_upload;

/*
 * Turns a checked, stored upload into a queued import: the import row
 * (items and skipped rows as the check counted them), the job that will
 * create its tasks (LF_IMPORTS_JOB) and the audit record
 * ("import.create"), in one write transaction. Takes over up->blob_key:
 * on any failure the blob is deleted (nothing refers to it); once this
 * returns LF_OK the import is committed and its job reads the blob, so
 * nobody may delete it, whatever the caller's response. The caller wakes
 * the job workers (lf_jobs_kick). *out gets the import as created; its
 * strings are up's or arena a's. It refuses nothing (the check did):
 * errors are the database's or LF_ERR_NOMEM.
 */
int lf_imports_start(lf_store *s, lf_blob_store *blobs, lf_arena *a, const lf_imports_upload *up,
		     lf_import *out);

/* Tasks given directly (POST /projects/{id}/tasks) rather than in a file. */
typedef struct lf_imports_tasks {
	int64_t project_id;
	/* [{"data": {...}, "priority"?: int, "task_type"?: str, "predictions"?: [...]}],
	 * borrowed for the call */
	const json_t *tasks;
	int64_t actor_id;
	const char *actor_role;
} lf_imports_tasks;

/* What lf_imports_add_tasks created: ids first_id..last_id, in order. */
typedef struct lf_imports_added {
	int64_t created, first_id, last_id;
} lf_imports_added;

/* Most tasks one lf_imports_add_tasks call takes; files go through imports. */
#define LF_IMPORTS_ADD_MAX 10000

/*
 * Creates rq->tasks in queued_l1, all or none, in one write transaction
 * with one audit record ("tasks.create"). Every prediction's result must
 * fit the project's label config and its task's data, as a submitted
 * result must. Refusals are described in *err (may be NULL):
 * LF_ERR_INVALID "invalid_tasks" (not 1..LF_IMPORTS_ADD_MAX task objects
 * of the shape above) or "invalid_result" (naming tasks[i].predictions[k]);
 * LF_ERR_CONFLICT "bad_label_config" when the project's config no longer
 * parses; LF_ERR_NOTFOUND for an unknown project.
 */
int lf_imports_add_tasks(lf_store *s, lf_arena *a, const lf_imports_tasks *rq,
			 lf_imports_added *out, lf_error *err);

/*
 * The import job: reads the blob of import_id, creates its tasks grouped
 * by the project's items_per_task, records progress, and marks the import
 * done (or failed, with the reason, for a permanent error). Run again
 * after a failure it creates only the tasks not yet stored; run on a done
 * import it does nothing. heartbeat (may be NULL) is called after each
 * stored batch. Memory is bounded by one batch, whatever the file's size.
 */
int lf_imports_run(lf_store *s, lf_blob_store *blobs, int64_t import_id, int (*heartbeat)(void *ud),
		   void *ud, char *err, size_t errlen);

#endif
