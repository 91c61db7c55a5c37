/*
 * adapter.h - the interface a storage adapter implements. Not for users of
 * blob storage (they include blob.h): for adapters, the local disk one
 * here and the object stores, and for tests that need a store which fails
 * or pauses at a chosen byte (tests/unit/test_imports.c).
 *
 * blob.c validates keys and dispatches through lf_blob_ops; each adapter
 * (blob_local.c, blob_s3.c for S3 and GCS, blob_azure.c) embeds the base structs below
 * as the first member of its own store, writer and reader, so a pointer to
 * one is a pointer to the other. Adapters receive only valid keys.
 */
#ifndef LF_BLOB_ADAPTER_H
#define LF_BLOB_ADAPTER_H

#include "blob/blob.h"

typedef struct lf_blob_ops {
	void (*close)(lf_blob_store *bs);
	int (*create)(lf_blob_store *bs, const char *key, lf_blob_writer **out);
	int (*write)(lf_blob_writer *w, const void *data, size_t len);
	int (*commit)(lf_blob_writer *w);
	void (*abort)(lf_blob_writer *w);
	int (*open_read)(lf_blob_store *bs, const char *key, lf_blob_reader **out);
	int (*read)(lf_blob_reader *r, void *buf, size_t cap, size_t *n);
	int (*seek)(lf_blob_reader *r, uint64_t offset);
	int (*reader_size)(lf_blob_reader *r, uint64_t *size);
	int (*reader_fd)(lf_blob_reader *r);
	void (*close_read)(lf_blob_reader *r);
	/* NULL: lf_blob_read_head opens a reader. */
	int (*read_head)(lf_blob_store *bs, const char *key, void *buf, size_t cap, size_t *n);
	int (*size)(lf_blob_store *bs, const char *key, uint64_t *size);
	int (*del)(lf_blob_store *bs, const char *key);
	/* prefix is checked, limit in 1..1000; see lf_blob_list. NULL (a test
	 * adapter) makes lf_blob_list give LF_ERR_INVALID. */
	int (*list)(lf_blob_store *bs, const char *prefix, const char *cursor, int limit,
		    lf_blob_list_fn fn, void *ctx, char **next_cursor);
	/* NULL for a store that cannot sign URLs. */
	int (*presign)(lf_blob_store *bs, const char *key, int ttl_s, const char *content_type,
		       char **url);
} lf_blob_ops;

struct lf_blob_store {
	const lf_blob_ops *ops;
};

struct lf_blob_writer {
	const lf_blob_ops *ops;
};

struct lf_blob_reader {
	const lf_blob_ops *ops;
};

/* Local disk adapter (blob_local.c): dir is created if missing. */
int lf_blob_local_open(const char *dir, lf_blob_store **out, char *err, size_t errlen);

/*
 * S3 adapter (blob_s3.c), for S3 and GCS's XML API alike: gcs selects
 * GCS's endpoint, region "auto" and HMAC keys. bucket and prefix come
 * from the URL (prefix "" or ending in '/'); opts is never NULL.
 */
int lf_blob_s3_open(bool gcs, const char *bucket, const char *prefix, const lf_blob_opts *opts,
		    lf_blob_store **out, char *err, size_t errlen);
/*
 * The SigV4 presigned GET URL of key in an S3 store as if signed at time
 * now (seconds since the epoch): lf_blob_presign's own, exposed so that a
 * test can check it against AWS's published example. Owner: caller, free.
 */
int lf_blob_s3_presign_at(lf_blob_store *bs, const char *key, int ttl_s, const char *content_type,
			  int64_t now, char **url);

/* Azure Blob adapter (blob_azure.c): account, container and prefix (""
 * or ending in '/') come from the URL; opts is never NULL. */
int lf_blob_azure_open(const char *account, const char *container, const char *prefix,
		       const lf_blob_opts *opts, lf_blob_store **out, char *err, size_t errlen);

#endif
