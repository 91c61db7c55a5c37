/*
 * store_exports.h - rows of exports and the paged task reads exporters
 * stream from (see export/export.h). Included by store.h.
 */
#ifndef LF_STORE_EXPORTS_H
#define LF_STORE_EXPORTS_H

/* An export source embeds its task row. */
#include "store/store_tasks.h"

typedef struct lf_export_row {
	int64_t id, project_id, created_by;
	const char *format, *filter, *status, *blob_key, *report, *error;
	/* The bucket the file is written to (blob/pool.h), blob_key then
	 * being its key there; NULL: the server's store. */
	const char *target;
	int64_t tasks_total, tasks_done, bytes, created_at, updated_at;
} lf_export_row;

int lf_store_export_insert(lf_tx *tx, const lf_export_row *e, int64_t *id);
int lf_store_export_get(lf_tx *tx, int64_t id, lf_export_row *out);
/* Writes status, counters, blob_key, report and error of e->id. */
int lf_store_export_update(lf_tx *tx, const lf_export_row *e);
/* Up to limit exports of a project with id < before_id (0: from the newest), newest first. */
int lf_store_export_list(lf_tx *tx, int64_t project_id, int64_t before_id, int limit,
			 lf_export_row **items, int *n);

/* Which tasks an export takes. */
typedef struct lf_export_filter {
	int64_t project_id;
	const char *states[8]; /* NULL-terminated; states[0] NULL = accepted only */
	int64_t since, until;  /* updated_at range in ms, 0 = open */
	int64_t annotator;     /* author of the final version, 0 = any */
	const char *task_ids;  /* JSON array text of task ids (a selection), NULL = any */
} lf_export_filter;

/* A task with its final annotation version, for exporters. */
typedef struct lf_export_source {
	lf_task task;
	const char *result; /* JSON text of the latest version, or NULL */
	int64_t author_id;
	int64_t result_at;
} lf_export_source;

int lf_store_export_count(lf_tx *tx, const lf_export_filter *f, int64_t *n);
/* Up to limit tasks in one state with id > after_id matching f, by id. */
int lf_store_export_page(lf_tx *tx, const lf_export_filter *f, const char *state, int64_t after_id,
			 int limit, lf_export_source **items, int *n);

#endif
