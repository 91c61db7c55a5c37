/*
 * blob.h - blob storage behind one adapter interface: uploads, media and
 * exports are stored under keys such as "imports/12/upload.csv".
 *
 * A store is opened from a URL. Today only local disk exists ("file:DIR"
 * or a bare path); object stores (S3, GCS, Azure) come later as further
 * adapters behind the same functions, so callers never touch paths.
 *
 * Writes are atomic: a writer fills a temporary object that becomes
 * visible under its key only on lf_blob_commit, so readers never see a
 * partial upload and an aborted one leaves nothing behind. All functions
 * are safe to call from many threads at once on the same store; a single
 * writer or reader must be used by one thread at a time.
 */
#ifndef LF_BLOB_H
#define LF_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "core/lf.h"

/* Longest valid key, in bytes. */
#define LF_BLOB_KEY_MAX 512

typedef struct lf_blob_store lf_blob_store;
typedef struct lf_blob_writer lf_blob_writer;
typedef struct lf_blob_reader lf_blob_reader;

/*
 * Opens the store named by url: "file:DIR", "file://DIR" or a bare path
 * DIR (created with mode 0700, parents included, if missing). s3://, gs://,
 * azure://, http(s):// give LF_ERR_INVALID "not supported yet". On failure
 * a message goes to err. Owner: caller, released with lf_blob_close.
 */
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
 * LF_ERR_CONFLICT when a prefix of the key is an existing blob.
 */
int lf_blob_create(lf_blob_store *bs, const char *key, lf_blob_writer **out);
/* Appends len bytes. LF_ERR_IO on failure (disk full...): then abort. */
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

/* Size in bytes of the blob `key`. LF_ERR_NOTFOUND when there is none. */
int lf_blob_size(lf_blob_store *bs, const char *key, uint64_t *size);
/* Deletes the blob `key`. LF_ERR_NOTFOUND when there is none. */
int lf_blob_delete(lf_blob_store *bs, const char *key);

#endif
