/*
 * store_media.h - rows of uploaded media items (see media/media.h).
 * Included by store.h.
 */
#ifndef LF_STORE_MEDIA_H
#define LF_STORE_MEDIA_H

typedef struct lf_media_row {
	int64_t id, project_id, import_id; /* import_id 0: none */
	const char *blob_key, *filename, *mime;
	const char *kind; /* image, audio or video */
	int64_t bytes;
	const char *sha256;		    /* hex SHA-256 of the content: also its ETag */
	int64_t width, height, duration_ms; /* 0 when unknown or not applicable */
	const char *probe;		    /* JSON object text: format and streams */
	int64_t created_at;
	/* A segment: the item it was cut from (0: not a segment) and where
	 * it lies on that item's timeline, ms. */
	int64_t source_id, segment_start_ms, segment_end_ms;
	/* An object of a bucket source, read in place (0: a blob of the
	 * server's store): the source, the object's entity tag as listed when
	 * it was imported, and (read only) the source's URL. sha256 is then "": the
	 * object was never read whole. */
	int64_t storage_source_id;
	const char *source_etag, *source_url;
} lf_media_row;

/* Inserts m (id and source_url ignored) and returns its id. */
int lf_store_media_insert(lf_tx *tx, const lf_media_row *m, int64_t *id);
/* The item id; LF_ERR_NOTFOUND when none. Strings are tx arena memory. */
int lf_store_media_get(lf_tx *tx, int64_t id, lf_media_row *out);
/* Up to limit items of a project with id > after_id, by id (arena). */
int lf_store_media_list(lf_tx *tx, int64_t project_id, int64_t after_id, int limit,
			lf_media_row **items, int *n);

#endif
