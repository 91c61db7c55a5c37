/*
 * pool.h - object stores named by users (a project's bucket source, an
 * export's target bucket) rather than by the server's configuration,
 * opened on first use with the server's own settings and credentials and
 * kept open for the life of the process.
 *
 * Only object-store URLs are accepted: a "file:" URL or a bare path would
 * let whoever may name a source read or write the server's own disk. The
 * credentials are the server's (config.h), never the caller's, and never
 * appear in a message.
 */
#ifndef LF_BLOB_POOL_H
#define LF_BLOB_POOL_H

#include "blob/blob.h"

typedef struct lf_blob_pool lf_blob_pool;

/*
 * Returns LF_OK when url has an object store's scheme ("s3://B[/P]",
 * "gs://B[/P]", "azure://A/C[/P]"); else LF_ERR_INVALID with a sentence in
 * err. Pure: the rest of the URL is checked when the store opens
 * (lf_blob_pool_get), which also says whether the store answers.
 */
int lf_blob_pool_url_check(const char *url, char *err, size_t errlen);

/* A pool opening stores with opts (copied; its strings must outlive the
 * pool), never creating buckets. Owner: caller, lf_blob_pool_free. */
int lf_blob_pool_new(const lf_blob_opts *opts, lf_blob_pool **out);
/*
 * The store of url (checked as above), opened on its first use; later
 * calls with the same url return the same store. A store that does not
 * open (unknown bucket, refused credentials: lf_blob_open_opts's codes and
 * message in err) is not kept, so the next call tries again. The store
 * belongs to the pool: do not close it. Safe from many threads.
 */
int lf_blob_pool_get(lf_blob_pool *p, const char *url, lf_blob_store **out, char *err,
		     size_t errlen);
/* Closes every store of the pool and frees it. NULL ok. */
void lf_blob_pool_free(lf_blob_pool *p);

#endif
