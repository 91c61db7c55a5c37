/*
 * sources.h - a bucket prefix as a project's dataset (what Label Studio
 * calls source storage): an admin connects s3://, gs:// or azure:// URLs
 * to a project, and each sync, a background job, makes one media item and
 * one task per new object under the prefix.
 *
 * Objects are referenced in place, never copied: the media row names the
 * source and the key, and GET /api/v1/media/{id} streams from the bucket.
 * The bucket is opened with the server's own credentials and endpoints
 * (blob/pool.h); a URL in a request only says which bucket.
 *
 * Syncs are incremental. Every object a sync has looked at is remembered
 * by (source, key) with its size and ETag, imported or refused, and the
 * next sync lists the prefix (one ListObjectsV2 page of 1,000 keys at a
 * time) and compares each page with the remembered keys of the same key
 * range in one query: a known key is never read again, so a sync with
 * nothing new costs the listing and one indexed range read per page. Only
 * a new key is read: its first bytes (one ranged GET) tell its type by
 * content (libmagic), and libavformat probes it from those bytes, going
 * on through a reader only when the object is longer. An object that changed since it
 * was imported (another size or listed ETag) is counted, not imported
 * again: the tasks made from it may hold labels already.
 *
 * Segmenting (the project's segment_seconds) is not applied: a cut is a
 * new file, and a source is read in place; a long recording of a bucket is
 * one task.
 */
#ifndef LF_SOURCES_H
#define LF_SOURCES_H

#include "blob/pool.h"
#include "jobs/jobs.h"
#include "store/store.h"

/* The job kind of syncs. */
#define LF_SOURCES_JOB "source_sync"
/* Keys listed, and then compared and stored, at a time. */
#define LF_SOURCES_PAGE 1000
/* The bytes of a new object read to sniff it (and reused by the probe). */
#define LF_SOURCES_HEAD_BYTES (64 * 1024)
/* Refusals a sync's report names (its counts are exact). */
#define LF_SOURCES_REPORT_MAX 100
/* Threads reading a page's new objects at once: the reads wait on the
 * store, not on the CPU. */
#define LF_SOURCES_READERS 4

/* Who asks, for the audit trail. */
typedef struct lf_sources_actor {
	int64_t id;
	const char *role;
} lf_sources_actor;

/*
 * Connects url to project_id: refuses a URL that is not an object store
 * bucket (LF_ERR_INVALID "invalid_source_url": a local path would let an
 * admin read the server's disk), one whose store does not answer or
 * refuses the server's credentials (LF_ERR_INVALID "source_unreachable",
 * with the store's words, never a credential), an unknown project
 * (LF_ERR_NOTFOUND) or a closed one (LF_ERR_CONFLICT "project_closed");
 * else inserts the source with its audit record ("source.create") in one
 * write. *out is the row as inserted (strings: url's or arena a's).
 */
int lf_sources_create(lf_store *s, lf_blob_pool *pool, lf_arena *a, int64_t project_id,
		      const char *url, const lf_sources_actor *who, lf_source_row *out,
		      lf_error *err);
/* Disconnects a source ("source.delete"): no more syncs; the media and
 * tasks it made stay, and are still served from the bucket.
 * LF_ERR_NOTFOUND when it is unknown or gone already. */
int lf_sources_delete(lf_store *s, lf_arena *a, int64_t source_id, const lf_sources_actor *who,
		      lf_error *err);
/*
 * Queues a sync of source_id: the sync row, its job (LF_SOURCES_JOB) and
 * its audit record ("source.sync") in one write. LF_ERR_NOTFOUND for an
 * unknown or deleted source; LF_ERR_CONFLICT "sync_in_progress" while
 * another sync of it is queued or running. The caller kicks the job
 * workers after it returns. *out as inserted (arena a).
 */
int lf_sources_sync_start(lf_store *s, lf_arena *a, int64_t source_id, const lf_sources_actor *who,
			  lf_source_sync_row *out, lf_error *err);
/*
 * The sync job: lists the source, reads and imports new objects page by
 * page (each page's media, tasks, remembered objects and the sync's
 * counts in one write), then marks the sync done with its audit record
 * ("source.sync.done"). A job that dies resumes where the last committed
 * page left off. Refusals of single objects are the report's, not
 * failures. LF_ERR_INVALID (no retry) when the sync or its source is
 * gone; other errors (the store does not answer) are retried. job may be
 * NULL (tests); else it is polled between pages.
 */
int lf_sources_sync_run(lf_store *s, lf_blob_pool *pool, int64_t sync_id, const lf_job *job,
			char *err, size_t errlen);

/* The key in its source of a bucket media item (storage_source_id set):
 * its blob_key without the "sources/<id>/" that keeps it unique. */
const char *lf_sources_media_key(const lf_media_row *m);

#endif
