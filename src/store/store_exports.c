/*
 * store_exports.c - export jobs and the task pages they read.
 */
#include "store/db.h"

#include <stdio.h>
#include <string.h>

#define EXPORT_COLS                                                                                \
	"id, project_id, created_by, format, filter, status, blob_key, report, error,"             \
	" tasks_total, tasks_done, bytes, created_at, updated_at, target"

int lf_store_export_insert(lf_tx *tx, const lf_export_row *e, int64_t *id)
{
	lf_val v[] = {LF_VINT(e->project_id), LF_VINT(e->created_by), LF_VTEXT(e->format),
		      LF_VTEXT(e->filter),    LF_VTEXT(e->status),    LF_VINT(e->created_at),
		      LF_VTEXT(e->target)};
	return lf_db_query_int(
	    tx,
	    "INSERT INTO exports (project_id, created_by, format, filter, status,"
	    " created_at, updated_at, target) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)"
	    " RETURNING id",
	    v, 7, id);
}

static void export_fill(lf_tx *tx, lf_rows *r, void *p)
{
	lf_export_row *out = p;
	out->id = lf_rows_int(r, 0);
	out->project_id = lf_rows_int(r, 1);
	out->created_by = lf_rows_int(r, 2);
	out->format = lf_rows_dup(tx, r, 3);
	out->filter = lf_rows_dup(tx, r, 4);
	out->status = lf_rows_dup(tx, r, 5);
	out->blob_key = lf_rows_dup(tx, r, 6);
	out->report = lf_rows_dup(tx, r, 7);
	out->error = lf_rows_dup(tx, r, 8);
	out->tasks_total = lf_rows_int(r, 9);
	out->tasks_done = lf_rows_int(r, 10);
	out->bytes = lf_rows_int(r, 11);
	out->created_at = lf_rows_int(r, 12);
	out->updated_at = lf_rows_int(r, 13);
	out->target = lf_rows_dup(tx, r, 14);
}

int lf_store_export_get(lf_tx *tx, int64_t id, lf_export_row *out)
{
	lf_val v[] = {LF_VINT(id)};
	return lf_db_query_one(tx, "SELECT " EXPORT_COLS " FROM exports WHERE id = $1", v, 1,
			       export_fill, out);
}

int lf_store_export_list(lf_tx *tx, int64_t project_id, int64_t before_id, int limit,
			 lf_export_row **items, int *n)
{
	lf_val v[] = {LF_VINT(project_id), LF_VID(before_id), LF_VINT(limit)};
	return lf_db_query_list(tx,
				"SELECT " EXPORT_COLS " FROM exports WHERE project_id = $1"
				" AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
				v, 3, export_fill, sizeof(lf_export_row), limit, (void **)items, n);
}

int lf_store_export_update(lf_tx *tx, const lf_export_row *e)
{
	lf_val v[] = {LF_VINT(e->id),	      LF_VTEXT(e->status), LF_VINT(e->tasks_total),
		      LF_VINT(e->tasks_done), LF_VINT(e->bytes),   LF_VTEXT(e->blob_key),
		      LF_VTEXT(e->report),    LF_VTEXT(e->error),  LF_VINT(e->updated_at)};
	return lf_db_exec(tx,
			  "UPDATE exports SET status = $2, tasks_total = $3, tasks_done = $4,"
			  " bytes = $5, blob_key = $6, report = $7, error = $8, updated_at = $9"
			  " WHERE id = $1",
			  v, 9, NULL);
}

/*
 * The filter's states become up to 8 parameters ($2..$9); unused ones are
 * NULL, which IN ignores. One statement serves every filter.
 */
#define EXPORT_WHERE                                                                               \
	" WHERE t.project_id = $1 AND t.state IN ($2, $3, $4, $5, $6, $7, $8, $9)"                 \
	" AND t.gold_id IS NULL"                                                                   \
	" AND ($10 IS NULL OR t.updated_at >= $10) AND ($11 IS NULL OR t.updated_at < $11)"

static void bind_filter(const lf_export_filter *f, lf_val *v)
{
	v[0] = LF_VINT(f->project_id);
	for (int i = 0; i < 8; i++)
		v[1 + i] = f->states[0] == NULL ? LF_VTEXT(i == 0 ? "accepted" : NULL)
						: LF_VTEXT(f->states[i]);
	v[9] = LF_VID(f->since);
	v[10] = LF_VID(f->until);
	v[11] = LF_VID(f->annotator);
	v[12] = LF_VTEXT(f->task_ids);
}

/* A selection of ids travels as one JSON array parameter, so a statement
 * serves selections of any size. */
#define IN_SELECTION(p) " AND (" p " IS NULL OR t.id IN (SELECT value FROM json_each(" p ")))"
#define IN_SELECTION_PG(p)                                                                         \
	" AND (" p "::text IS NULL OR t.id IN (SELECT value::bigint FROM"                          \
	" json_array_elements_text(" p "::json)))"

int lf_store_export_count(lf_tx *tx, const lf_export_filter *f, int64_t *n)
{
	lf_val v[13];
	bind_filter(f, v);
#define EXPORT_COUNT(sel)                                                                          \
	"SELECT COUNT(*) FROM tasks t" EXPORT_WHERE                                                \
	" AND ($12 IS NULL OR (SELECT a.author_id FROM annotations a"                              \
	" WHERE a.task_id = t.id ORDER BY a.version DESC LIMIT 1) = $12)" sel
	const char *sql =
	    LF_DB_SQL(tx, EXPORT_COUNT(IN_SELECTION("$13")), EXPORT_COUNT(IN_SELECTION_PG("$13")));
#undef EXPORT_COUNT
	return lf_db_query_int(tx, sql, v, 13, n);
}

static void source_fill(lf_tx *tx, lf_rows *r, void *out)
{
	lf_export_source *s = out;
	memset(s, 0, sizeof(*s));
	s->task.id = lf_rows_int(r, 0);
	s->task.project_id = lf_rows_int(r, 1);
	s->task.state = lf_rows_dup(tx, r, 2);
	s->task.data = lf_rows_dup(tx, r, 3);
	s->task.predictions = lf_rows_dup(tx, r, 4);
	s->task.created_at = lf_rows_int(r, 5);
	s->task.updated_at = lf_rows_int(r, 6);
	s->result = lf_rows_dup(tx, r, 7);
	s->author_id = lf_rows_int(r, 8);
	s->result_at = lf_rows_int(r, 9);
}

int lf_store_export_page(lf_tx *tx, const lf_export_filter *f, const char *state, int64_t after_id,
			 int limit, lf_export_source **items, int *n)
{
	lf_val v[] = {LF_VINT(f->project_id), LF_VTEXT(state),	    LF_VID(f->since),
		      LF_VID(f->until),	      LF_VID(f->annotator), LF_VINT(after_id),
		      LF_VINT(limit),	      LF_VTEXT(f->task_ids)};
	/* One state per query: (project_id, state, id) of tasks_list then
	 * yields the page in id order without sorting the whole state. */
#define EXPORT_PAGE(sel)                                                                           \
	"SELECT t.id, t.project_id, t.state, t.data, t.predictions, t.created_at,"                 \
	" t.updated_at, a.result, a.author_id, a.created_at FROM tasks t"                          \
	" LEFT JOIN annotations a ON a.id = (SELECT a2.id FROM annotations a2"                     \
	" WHERE a2.task_id = t.id ORDER BY a2.version DESC LIMIT 1)"                               \
	" WHERE t.project_id = $1 AND t.state = $2 AND t.id > $6 AND t.gold_id IS NULL"            \
	" AND ($3 IS NULL OR t.updated_at >= $3) AND ($4 IS NULL OR t.updated_at < $4)"            \
	" AND ($5 IS NULL OR a.author_id = $5)" sel " ORDER BY t.id LIMIT $7"
	const char *sql =
	    LF_DB_SQL(tx, EXPORT_PAGE(IN_SELECTION("$8")), EXPORT_PAGE(IN_SELECTION_PG("$8")));
#undef EXPORT_PAGE
	return lf_db_query_list(tx, sql, v, 8, source_fill, sizeof(lf_export_source), limit,
				(void **)items, n);
}
