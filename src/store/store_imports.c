/*
 * store_imports.c - rows of dataset imports.
 */
#include "store/db.h"

#include <string.h>

#define IMPORT_COLS                                                                                \
	"id, project_id, created_by, status, format, filename, blob_key, bytes_total, bytes_done," \
	" items_total, items_done, tasks_created, skipped, skip_bad, errors, error, task_type,"    \
	" priority, created_at, updated_at,"                                                       \
	" CASE WHEN gold = 1 THEN 'gold' ELSE annotations END"

static void import_fill(lf_tx *tx, lf_rows *r, void *out);

static void import_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_import *im = out;
	im->id = lf_rows_int(r, 0);
	im->project_id = lf_rows_int(r, 1);
	im->created_by = lf_rows_int(r, 2);
	im->status = lf_rows_dup(tx, r, 3);
	im->format = lf_rows_dup(tx, r, 4);
	im->filename = lf_rows_dup(tx, r, 5);
	im->blob_key = lf_rows_dup(tx, r, 6);
	im->bytes_total = lf_rows_int(r, 7);
	im->bytes_done = lf_rows_int(r, 8);
	im->items_total = lf_rows_int(r, 9);
	im->items_done = lf_rows_int(r, 10);
	im->tasks_created = lf_rows_int(r, 11);
	im->skipped = lf_rows_int(r, 12);
	im->skip_bad = (int)lf_rows_int(r, 13);
	im->errors = lf_rows_dup(tx, r, 14);
	im->error = lf_rows_dup(tx, r, 15);
	im->task_type = lf_rows_dup(tx, r, 16);
	im->priority = lf_rows_int(r, 17);
	im->created_at = lf_rows_int(r, 18);
	im->updated_at = lf_rows_int(r, 19);
	im->annotations = lf_rows_dup(tx, r, 20);
}

/* Version 10's CHECK allows annotations refuse or prior only, and SQLite
 * cannot widen a CHECK without rebuilding a table other tables reference;
 * so a gold import is stored as what it is: its annotations kept (prior),
 * its rows made gold tasks (gold = 1), and read back as "gold". */
int lf_store_import_insert(lf_tx *tx, const lf_import *im, int64_t *id)
{
	int gold = im->annotations != NULL && strcmp(im->annotations, "gold") == 0;
	lf_val v[] = {LF_VINT(im->project_id),
		      LF_VINT(im->created_by),
		      LF_VTEXT(im->status),
		      LF_VTEXT(im->format),
		      LF_VTEXT(im->filename),
		      LF_VTEXT(im->blob_key),
		      LF_VINT(im->bytes_total),
		      LF_VINT(im->items_total),
		      LF_VINT(im->skip_bad),
		      LF_VTEXT(im->task_type),
		      LF_VINT(im->priority),
		      LF_VINT(im->created_at),
		      LF_VTEXT(im->errors),
		      LF_VINT(im->skipped),
		      LF_VTEXT(gold ? "prior" : im->annotations),
		      LF_VINT(gold)};
	return lf_db_query_int(
	    tx,
	    "INSERT INTO imports (project_id, created_by, status, format, filename,"
	    " blob_key, bytes_total, items_total, skip_bad, task_type, priority,"
	    " created_at, updated_at, errors, skipped, annotations, gold)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14,"
	    " COALESCE($15, 'refuse'), $16)"
	    " RETURNING id",
	    v, 16, id);
}

int lf_store_import_get(lf_tx *tx, int64_t id, lf_import *out)
{
	lf_val v[] = {LF_VINT(id)};
	return lf_db_query_one(tx, "SELECT " IMPORT_COLS " FROM imports WHERE id = $1", v, 1,
			       import_fill, out);
}

int lf_store_import_update(lf_tx *tx, const lf_import *im)
{
	lf_val v[] = {LF_VINT(im->id),	       LF_VTEXT(im->status),	   LF_VINT(im->bytes_done),
		      LF_VINT(im->items_done), LF_VINT(im->tasks_created), LF_VINT(im->skipped),
		      LF_VTEXT(im->errors),    LF_VTEXT(im->error),	   LF_VINT(im->updated_at)};
	int64_t changes = 0;
	int ret = lf_db_exec(tx,
			     "UPDATE imports SET status = $2, bytes_done = $3, items_done = $4,"
			     " tasks_created = $5, skipped = $6, errors = $7, error = $8,"
			     " updated_at = $9 WHERE id = $1",
			     v, 9, &changes);
	return ret == LF_OK && changes == 0 ? LF_ERR_NOTFOUND : ret;
}

int lf_store_import_list(lf_tx *tx, int64_t project_id, int64_t before_id, int limit,
			 lf_import **items, int *n)
{
	lf_val v[] = {LF_VINT(project_id), LF_VID(before_id), LF_VINT(limit)};
	return lf_db_query_list(tx,
				"SELECT " IMPORT_COLS " FROM imports WHERE project_id = $1"
				" AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
				v, 3, import_fill, sizeof(lf_import), limit, (void **)items, n);
}

int lf_store_import_last_seq(lf_tx *tx, int64_t import_id, int64_t *seq)
{
	lf_val v[] = {LF_VINT(import_id)};
	/* A gold import (annotations=gold) stores its rows as gold tasks. */
	return lf_db_query_int(
	    tx,
	    "SELECT COALESCE(MAX(s), -1) FROM (SELECT MAX(import_seq) AS s FROM tasks"
	    " WHERE import_id = $1 UNION ALL SELECT MAX(import_seq) FROM gold_tasks"
	    " WHERE import_id = $1) m",
	    v, 1, seq);
}
