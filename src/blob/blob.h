/*
 * blob.h - blob storage behind one adapter interface: uploads, media and
 * exports are stored under keys such as "imports/12/upload.csv".
 *
 * A store is opened from a URL: local disk ("file:DIR" or a bare path),
 * S3 or an S3-compatible server ("s3://BUCKET/PREFIX"), Google Cloud
 * Storage ("gs://BUCKET/PREFIX") or Azure Blob
 * ("azure://ACCOUNT/CONTAINER/PREFIX"); callers never touch paths or
 * URLs of objects, only keys.
 *
 * Writes are atomic: a writer fills a temporary object that becomes
 * visible under its key only on lf_blob_commit, so readers never see a
 * partial upload and an aborted one leaves nothing behind (object stores:
 * nothing visible; an uploaded part or block that the store keeps is
 * discarded by it). Writes and reads stream: an object store's writer
 * holds at most one part in memory, a reader a small buffer. All
 * functions are safe to call from many threads at once on the same store;
 * a single writer or reader must be used by one thread at a time.
 */
#ifndef LF_BLOB_H
#define LF_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/lf.h"

/* Longest valid key, in bytes. */
#define LF_BLOB_KEY_MAX 512

typedef struct lf_blob_store lf_blob_store;
typedef struct lf_blob_writer lf_blob_writer;
typedef struct lf_blob_reader lf_blob_reader;

/* Default size of one part (S3) or block (Azure) of an upload: a writer
 * buffers this much, and an object up to it is sent in one request. */
#define LF_BLOB_PART_SIZE (8u << 20)

/*
 * Settings and credentials of the object stores, from the command line's
 * configuration (config.h): NULL or 0 fields take the defaults. Strings
 * are copied by lf_blob_open_opts. Credentials are never logged nor put
 * in an error message.
 */
typedef struct lf_blob_opts {
	const char *s3_endpoint;    /* NULL: https://s3.REGION.amazonaws.com */
	const char *s3_region;	    /* NULL: us-east-1 */
	bool s3_path_style;	    /* endpoint/bucket/key rather than bucket.endpoint/key */
	const char *gcs_endpoint;   /* NULL: https://storage.googleapis.com */
	const char *azure_endpoint; /* NULL: https://ACCOUNT.blob.core.windows.net */
	size_t part_size;	    /* 0: LF_BLOB_PART_SIZE */
	const char *aws_access_key_id;
	const char *aws_secret_access_key;
	const char *aws_session_token;
	const char *gcs_hmac_access_id; /* NULL: the AWS pair */
	const char *gcs_hmac_secret;
	const char *azure_account;	     /* must match the URL's when set */
	const char *azure_key;		     /* base64, as the portal shows it */
	const char *azure_connection_string; /* AccountKey, BlobEndpoint... */
	bool create_bucket;		     /* create the bucket or container when missing */
	bool no_check;			     /* do not ask the store at open: only sign URLs */
} lf_blob_opts;

/*
 * Opens the store named by url: "file:DIR", "file://DIR" or a bare path
 * DIR (created with mode 0700, parents included, if missing); "s3://B/P",
 * "gs://B/P", "azure://A/C/P", where the optional prefix P (key
 * characters, see lf_blob_key_valid) is put before every key. An object
 * store is asked once for its bucket or container, so a wrong endpoint,
 * refused credentials (LF_ERR_AUTH) or a missing bucket (LF_ERR_NOTFOUND)
 * show at start. opts may be NULL (defaults, no credentials). On failure
 * a message goes to err. Owner: caller, released with lf_blob_close.
 */
int lf_blob_open_opts(const char *url, const lf_blob_opts *opts, lf_blob_store **out, char *err,
		      size_t errlen);
/* lf_blob_open_opts with opts NULL: for local disk. */
int lf_blob_open(const char *url, lf_blob_store **out, char *err, size_t errlen);
/* Releases the store. Writers and readers must be finished first. NULL ok. */
void lf_blob_close(lf_blob_store *bs);

/*
 * Returns 1 when key is acceptable, 0 otherwise: 1..LF_BLOB_KEY_MAX bytes
 * of segments of [A-Za-z0-9._-] separated by single '/', no leading or
 * trailing '/', no "." or ".." segment. Such a key cannot leave the store,
 * whatever the adapter. Every function below refuses other keys with
 * LF_ERR_INVALID.
 */
int lf_blob_key_valid(const char *key);

/*
 * Starts writing the blob `key` (replacing any existing one on commit).
 * Parent folders are created as needed. Owner: caller; the writer is freed
 * by exactly one of lf_blob_commit or lf_blob_abort.
 * LF_ERR_CONFLICT (local disk only: object stores have no folders) when a
 * prefix of the key is an existing blob.
 */
int lf_blob_create(lf_blob_store *bs, const char *key, lf_blob_writer **out);
/* Appends len bytes. LF_ERR_IO on failure (disk full, a part refused...),
 * LF_ERR_AUTH when an object store refuses the credentials: then abort. */
int lf_blob_write(lf_blob_writer *w, const void *data, size_t len);
/*
 * Makes the written bytes durable and visible under the key, atomically.
 * Frees w whatever the result; on failure nothing is left behind.
 * LF_ERR_CONFLICT when the key names a folder of other blobs.
 */
int lf_blob_commit(lf_blob_writer *w);
/* Discards everything written and frees w. NULL ok. */
void lf_blob_abort(lf_blob_writer *w);

/* Opens a blob for reading. LF_ERR_NOTFOUND when there is none. Owner:
 * caller, released with lf_blob_close_read. */
int lf_blob_open_read(lf_blob_store *bs, const char *key, lf_blob_reader **out);
/* Reads up to cap bytes into buf; *n is the count, 0 only at the end. */
int lf_blob_read(lf_blob_reader *r, void *buf, size_t cap, size_t *n);
/* Moves the read position to offset (past the end: reads return 0). */
int lf_blob_seek(lf_blob_reader *r, uint64_t offset);
/* Size in bytes of the open blob (fixed when it was opened). */
int lf_blob_reader_size(lf_blob_reader *r, uint64_t *size);
/*
 * The file descriptor behind the reader for zero-copy serving (sendfile,
 * MHD_create_response_from_fd), or -1 when the adapter has none. Still
 * owned by the reader: do not close it.
 */
int lf_blob_reader_fd(lf_blob_reader *r);
/* Releases the reader. NULL ok. */
void lf_blob_close_read(lf_blob_reader *r);

/*
 * Reads up to cap bytes of the blob `key` from its start into buf; *n is
 * the count (less than cap only at the blob's end). On S3 and GCS one
 * ranged GET, where opening a reader takes a HEAD first: for looking at
 * the first bytes of many objects. LF_ERR_NOTFOUND when there is none.
 */
int lf_blob_read_head(lf_blob_store *bs, const char *key, void *buf, size_t cap, size_t *n);
/* Size in bytes of the blob `key`. LF_ERR_NOTFOUND when there is none. */
int lf_blob_size(lf_blob_store *bs, const char *key, uint64_t *size);
/* Deletes the blob `key`. LF_ERR_NOTFOUND when there is none. */
int lf_blob_delete(lf_blob_store *bs, const char *key);

/* Called by lf_blob_list for each blob; a non-zero return stops the
 * listing and is returned by it. etag is the object store's entity tag
 * as it listed it (quotes included; it changes when the content does),
 * NULL on local disk. key and etag live until the call returns. */
typedef int (*lf_blob_list_fn)(void *ctx, const char *key, uint64_t size, const char *etag);

/*
 * Lists up to limit (1..1000) blobs whose keys start with prefix ("" for
 * all; a prefix is any beginning of a valid key, such as "imports/1" or
 * "imports/12/"), in key order, calling fn for each. cursor is NULL for
 * the first page, else a *next_cursor of the previous call. *next_cursor
 * is NULL when the listing is complete, else an opaque string (owned by
 * the caller, released with free) that continues it. A page may hold
 * fewer than limit blobs and still have a next one.
 */
int lf_blob_list(lf_blob_store *bs, const char *prefix, const char *cursor, int limit,
		 lf_blob_list_fn fn, void *ctx, char **next_cursor);

/*
 * A URL anyone can GET the blob `key` from for ttl_s seconds (1..604800):
 * an S3 or GCS presigned URL, an Azure SAS URL. It names the object, not
 * its content: a blob replaced meanwhile is served new. content_type
 * (NULL: the store's own, which for our blobs is a generic binary type,
 * as puts send none) is signed into the URL as the response's
 * Content-Type, so a browser opening the link shows the image rather
 * than downloading it. Owner: caller, released with free. LF_ERR_INVALID
 * for a store that cannot sign (local disk: the server signs its own URLs
 * for that). Does not check that the blob exists.
 */
int lf_blob_presign(lf_blob_store *bs, const char *key, int ttl_s, const char *content_type,
		    char **url);

#endif
