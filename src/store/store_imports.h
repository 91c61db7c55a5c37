/*
 * store_imports.h - rows of dataset imports (see imports/imports.h).
 * Included by store.h.
 */
#ifndef LF_STORE_IMPORTS_H
#define LF_STORE_IMPORTS_H

typedef struct lf_import {
	int64_t id, project_id, created_by;
	const char *status; /* queued running done failed */
	const char *format, *filename, *blob_key;
	int64_t bytes_total, bytes_done, items_total, items_done, tasks_created, skipped;
	int skip_bad;
	const char *errors; /* JSON array of {line, message} or NULL */
	const char *error;  /* why it failed, or NULL */
	const char *task_type;
	int64_t priority, created_at, updated_at;
	/* Annotations in Label Studio tasks: "refuse" (the row is bad),
	 * "prior" (kept with the task's predictions, marked as annotations)
	 * or "gold" (each row is a gold task, its latest annotation the
	 * known answer); NULL on insert means "refuse" */
	const char *annotations;
} lf_import;

int lf_store_import_insert(lf_tx *tx, const lf_import *im, int64_t *id);
int lf_store_import_get(lf_tx *tx, int64_t id, lf_import *out);
/* Writes status, progress counters, errors and error of im->id. */
int lf_store_import_update(lf_tx *tx, const lf_import *im);
int lf_store_import_list(lf_tx *tx, int64_t project_id, int64_t before_id, int limit,
			 lf_import **items, int *n);
/* Highest import_seq already stored for an import (-1 when none): where a
 * retried import job resumes. */
int lf_store_import_last_seq(lf_tx *tx, int64_t import_id, int64_t *seq);

#endif
