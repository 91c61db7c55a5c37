/*
 * store_media.c - media items.
 */
#include "store/db.h"

#define MEDIA_COLS                                                                                 \
	"m.id, m.project_id, m.import_id, m.blob_key, m.filename, m.mime, m.kind, m.bytes,"        \
	" m.sha256, m.width, m.height, m.duration_ms, m.probe, m.created_at, m.source_id,"         \
	" m.segment_start_ms, m.segment_end_ms, m.storage_source_id, m.source_etag, s.url"         \
	" FROM media m LEFT JOIN storage_sources s ON s.id = m.storage_source_id"

static void media_fill(lf_tx *tx, lf_rows *r, void *p);

static void media_fill(lf_tx *tx, lf_rows *r, void *p)
{
	lf_media_row *out = p;
	out->id = lf_rows_int(r, 0);
	out->project_id = lf_rows_int(r, 1);
	out->import_id = lf_rows_int(r, 2);
	out->blob_key = lf_rows_dup(tx, r, 3);
	out->filename = lf_rows_dup(tx, r, 4);
	out->mime = lf_rows_dup(tx, r, 5);
	out->kind = lf_rows_dup(tx, r, 6);
	out->bytes = lf_rows_int(r, 7);
	out->sha256 = lf_rows_dup(tx, r, 8);
	out->width = lf_rows_int(r, 9);
	out->height = lf_rows_int(r, 10);
	out->duration_ms = lf_rows_int(r, 11);
	out->probe = lf_rows_dup(tx, r, 12);
	out->created_at = lf_rows_int(r, 13);
	out->source_id = lf_rows_int(r, 14);
	out->segment_start_ms = lf_rows_int(r, 15);
	out->segment_end_ms = lf_rows_int(r, 16);
	out->storage_source_id = lf_rows_int(r, 17);
	out->source_etag = lf_rows_dup(tx, r, 18);
	out->source_url = lf_rows_dup(tx, r, 19);
}

int lf_store_media_insert(lf_tx *tx, const lf_media_row *m, int64_t *id)
{
	int seg = m->source_id != 0;
	lf_val v[] = {LF_VINT(m->project_id),
		      LF_VID(m->import_id),
		      LF_VTEXT(m->blob_key),
		      LF_VTEXT(m->filename),
		      LF_VTEXT(m->mime),
		      LF_VTEXT(m->kind),
		      LF_VINT(m->bytes),
		      LF_VTEXT(m->sha256),
		      LF_VID(m->width),
		      LF_VID(m->height),
		      LF_VID(m->duration_ms),
		      LF_VTEXT(m->probe),
		      LF_VINT(m->created_at),
		      LF_VID(m->source_id),
		      LF_VINTNULL(m->segment_start_ms, !seg),
		      LF_VINTNULL(m->segment_end_ms, !seg),
		      LF_VID(m->storage_source_id),
		      LF_VTEXT(m->source_etag)};
	return lf_db_query_int(
	    tx,
	    "INSERT INTO media (project_id, import_id, blob_key, filename, mime,"
	    " kind, bytes, sha256, width, height, duration_ms, probe, created_at,"
	    " source_id, segment_start_ms, segment_end_ms, storage_source_id, source_etag)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,"
	    " $17, $18) RETURNING id",
	    v, 18, id);
}

int lf_store_media_get(lf_tx *tx, int64_t id, lf_media_row *out)
{
	lf_val v[] = {LF_VINT(id)};
	return lf_db_query_one(tx, "SELECT " MEDIA_COLS " WHERE m.id = $1", v, 1, media_fill, out);
}

int lf_store_media_list(lf_tx *tx, int64_t project_id, int64_t after_id, int limit,
			lf_media_row **items, int *n)
{
	lf_val v[] = {LF_VINT(project_id), LF_VINT(after_id), LF_VINT(limit)};
	return lf_db_query_list(tx,
				"SELECT " MEDIA_COLS " WHERE m.project_id = $1 AND m.id > $2"
				" ORDER BY m.id LIMIT $3",
				v, 3, media_fill, sizeof(lf_media_row), limit, (void **)items, n);
}
