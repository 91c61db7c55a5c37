/*
 * store_sources.h - buckets connected to projects as datasets, their
 * syncs, and the objects each has seen (see sources/sources.h). Included
 * by store.h.
 */
#ifndef LF_STORE_SOURCES_H
#define LF_STORE_SOURCES_H

typedef struct lf_source_row {
	int64_t id, project_id, created_by, created_at;
	const char *url;    /* s3://, gs:// or azure:// (blob/pool.h) */
	int64_t deleted_at; /* 0: connected */
} lf_source_row;

/* Inserts s (id ignored) and returns its id. */
int lf_store_source_insert(lf_tx *tx, const lf_source_row *s, int64_t *id);
/* The source id, deleted or not; LF_ERR_NOTFOUND when none (arena). */
int lf_store_source_get(lf_tx *tx, int64_t id, lf_source_row *out);
/* The connected sources of a project, by id: at most limit after after_id
 * (arena). */
int lf_store_source_list(lf_tx *tx, int64_t project_id, int64_t after_id, int limit,
			 lf_source_row **items, int *n);
/* Marks the source deleted at `at`; LF_ERR_NOTFOUND when it is unknown or
 * deleted already. */
int lf_store_source_delete(lf_tx *tx, int64_t id, int64_t at);

/* One sync of a source: its counts as of updated_at. */
typedef struct lf_source_sync_row {
	int64_t id, source_id, created_by;
	const char *status; /* queued, running, done, failed */
	int64_t listed;	    /* objects listed under the prefix */
	int64_t fresh;	    /* of them, keys no earlier sync had seen */
	int64_t known;	    /* keys seen before: not read again */
	int64_t changed;    /* known keys of another size or ETag now (not re-imported) */
	int64_t refused;    /* fresh objects refused (reasons in report) */
	int64_t objects_read, tasks_created;
	const char *report; /* JSON {"refused": [{key, code, message}...]} */
	const char *error;
	int64_t created_at, updated_at;
} lf_source_sync_row;

int lf_store_source_sync_insert(lf_tx *tx, const lf_source_sync_row *s, int64_t *id);
int lf_store_source_sync_get(lf_tx *tx, int64_t id, lf_source_sync_row *out);
/* Writes status, counts, report and error of s->id. */
int lf_store_source_sync_update(lf_tx *tx, const lf_source_sync_row *s);
/* The latest syncs of a source, newest first, at most limit (arena). */
int lf_store_source_sync_list(lf_tx *tx, int64_t source_id, int limit, lf_source_sync_row **items,
			      int *n);

/* An object a sync has seen. */
typedef struct lf_source_object {
	const char *key;
	int64_t size;
	const char *etag;    /* NULL when the store gave none */
	int64_t media_id;    /* 0 when refused */
	const char *refused; /* the refusal's code, or NULL */
	int64_t sync_id;
} lf_source_object;

/* Records an object; LF_ERR_CONFLICT when (source_id, key) is known. */
int lf_store_source_object_insert(lf_tx *tx, int64_t source_id, const lf_source_object *o);
/* The objects of source_id whose keys lie in [first, last] (bytewise),
 * by key: only key, size and etag are filled (arena). */
int lf_store_source_object_range(lf_tx *tx, int64_t source_id, const char *first, const char *last,
				 lf_source_object **items, int *n);

#endif
