/*
 * store_sources.c - bucket sources, their syncs and the objects seen.
 */
#include "store/db.h"

#define SOURCE_COLS "id, project_id, url, created_by, created_at, deleted_at"
#define SYNC_COLS                                                                                  \
	"id, source_id, created_by, status, listed, fresh, known, changed, refused,"               \
	" objects_read, tasks_created, report, error, created_at, updated_at"

static void source_fill(lf_tx *tx, lf_rows *r, void *p);
static void sync_fill(lf_tx *tx, lf_rows *r, void *p);
static void object_fill(lf_tx *tx, lf_rows *r, void *p);

static void source_fill(lf_tx *tx, lf_rows *r, void *p)
{
	lf_source_row *out = p;
	out->id = lf_rows_int(r, 0);
	out->project_id = lf_rows_int(r, 1);
	out->url = lf_rows_dup(tx, r, 2);
	out->created_by = lf_rows_int(r, 3);
	out->created_at = lf_rows_int(r, 4);
	out->deleted_at = lf_rows_int(r, 5);
}

int lf_store_source_insert(lf_tx *tx, const lf_source_row *s, int64_t *id)
{
	lf_val v[] = {LF_VINT(s->project_id), LF_VTEXT(s->url), LF_VINT(s->created_by),
		      LF_VINT(s->created_at)};
	return lf_db_query_int(
	    tx,
	    "INSERT INTO storage_sources (project_id, url, created_by, created_at)"
	    " VALUES ($1, $2, $3, $4) RETURNING id",
	    v, 4, id);
}

int lf_store_source_get(lf_tx *tx, int64_t id, lf_source_row *out)
{
	lf_val v[] = {LF_VINT(id)};
	return lf_db_query_one(tx, "SELECT " SOURCE_COLS " FROM storage_sources WHERE id = $1", v,
			       1, source_fill, out);
}

int lf_store_source_list(lf_tx *tx, int64_t project_id, int64_t after_id, int limit,
			 lf_source_row **items, int *n)
{
	lf_val v[] = {LF_VINT(project_id), LF_VINT(after_id), LF_VINT(limit)};
	return lf_db_query_list(tx,
				"SELECT " SOURCE_COLS " FROM storage_sources"
				" WHERE project_id = $1 AND deleted_at IS NULL AND id > $2"
				" ORDER BY id LIMIT $3",
				v, 3, source_fill, sizeof(lf_source_row), limit, (void **)items, n);
}

int lf_store_source_delete(lf_tx *tx, int64_t id, int64_t at)
{
	int64_t changes = 0;
	lf_val v[] = {LF_VINT(id), LF_VINT(at)};
	int ret = lf_db_exec(tx,
			     "UPDATE storage_sources SET deleted_at = $2"
			     " WHERE id = $1 AND deleted_at IS NULL",
			     v, 2, &changes);
	return ret == LF_OK && changes == 0 ? LF_ERR_NOTFOUND : ret;
}

static void sync_fill(lf_tx *tx, lf_rows *r, void *p)
{
	lf_source_sync_row *out = p;
	out->id = lf_rows_int(r, 0);
	out->source_id = lf_rows_int(r, 1);
	out->created_by = lf_rows_int(r, 2);
	out->status = lf_rows_dup(tx, r, 3);
	out->listed = lf_rows_int(r, 4);
	out->fresh = lf_rows_int(r, 5);
	out->known = lf_rows_int(r, 6);
	out->changed = lf_rows_int(r, 7);
	out->refused = lf_rows_int(r, 8);
	out->objects_read = lf_rows_int(r, 9);
	out->tasks_created = lf_rows_int(r, 10);
	out->report = lf_rows_dup(tx, r, 11);
	out->error = lf_rows_dup(tx, r, 12);
	out->created_at = lf_rows_int(r, 13);
	out->updated_at = lf_rows_int(r, 14);
}

int lf_store_source_sync_insert(lf_tx *tx, const lf_source_sync_row *s, int64_t *id)
{
	lf_val v[] = {LF_VINT(s->source_id), LF_VINT(s->created_by), LF_VTEXT(s->status),
		      LF_VINT(s->created_at)};
	return lf_db_query_int(
	    tx,
	    "INSERT INTO source_syncs (source_id, created_by, status, created_at,"
	    " updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
	    v, 4, id);
}

int lf_store_source_sync_get(lf_tx *tx, int64_t id, lf_source_sync_row *out)
{
	lf_val v[] = {LF_VINT(id)};
	return lf_db_query_one(tx, "SELECT " SYNC_COLS " FROM source_syncs WHERE id = $1", v, 1,
			       sync_fill, out);
}

int lf_store_source_sync_update(lf_tx *tx, const lf_source_sync_row *s)
{
	lf_val v[] = {LF_VINT(s->id),	   LF_VTEXT(s->status),	     LF_VINT(s->listed),
		      LF_VINT(s->fresh),   LF_VINT(s->known),	     LF_VINT(s->changed),
		      LF_VINT(s->refused), LF_VINT(s->objects_read), LF_VINT(s->tasks_created),
		      LF_VTEXT(s->report), LF_VTEXT(s->error),	     LF_VINT(s->updated_at)};
	return lf_db_exec(
	    tx,
	    "UPDATE source_syncs SET status = $2, listed = $3, fresh = $4, known = $5,"
	    " changed = $6, refused = $7, objects_read = $8, tasks_created = $9,"
	    " report = $10, error = $11, updated_at = $12 WHERE id = $1",
	    v, 12, NULL);
}

int lf_store_source_sync_list(lf_tx *tx, int64_t source_id, int limit, lf_source_sync_row **items,
			      int *n)
{
	lf_val v[] = {LF_VINT(source_id), LF_VINT(limit)};
	return lf_db_query_list(tx,
				"SELECT " SYNC_COLS " FROM source_syncs WHERE source_id = $1"
				" ORDER BY id DESC LIMIT $2",
				v, 2, sync_fill, sizeof(lf_source_sync_row), limit, (void **)items,
				n);
}

int lf_store_source_object_insert(lf_tx *tx, int64_t source_id, const lf_source_object *o)
{
	lf_val v[] = {LF_VINT(source_id), LF_VTEXT(o->key),    LF_VINT(o->size),
		      LF_VTEXT(o->etag),  LF_VID(o->media_id), LF_VTEXT(o->refused),
		      LF_VINT(o->sync_id)};
	return lf_db_exec(
	    tx,
	    "INSERT INTO source_objects (source_id, key, size, etag, media_id, refused,"
	    " sync_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
	    v, 7, NULL);
}

static void object_fill(lf_tx *tx, lf_rows *r, void *p)
{
	lf_source_object *out = p;
	out->key = lf_rows_dup(tx, r, 0);
	out->size = lf_rows_int(r, 1);
	out->etag = lf_rows_dup(tx, r, 2);
}

int lf_store_source_object_range(lf_tx *tx, int64_t source_id, const char *first, const char *last,
				 lf_source_object **items, int *n)
{
	lf_val v[] = {LF_VINT(source_id), LF_VTEXT(first), LF_VTEXT(last)};
	return lf_db_query_list(tx,
				"SELECT key, size, etag FROM source_objects"
				" WHERE source_id = $1 AND key >= $2 AND key <= $3 ORDER BY key",
				v, 3, object_fill, sizeof(lf_source_object), 0, (void **)items, n);
}
