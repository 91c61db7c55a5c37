/*
 * blob_http.h - what the object-store adapters (blob_s3.c, blob_azure.c)
 * share: HTTP requests through libcurl, responses read whole (small XML
 * documents) or streamed (object bodies), and the hashing and encoding
 * their signatures are made of. Not for users of blob storage.
 *
 * An lf_blob_http is a pool of idle curl handles, so a store reuses its
 * connections; requests borrow one for their duration, so a pool is safe
 * to use from many threads at once.
 */
#ifndef LF_BLOB_HTTP_H
#define LF_BLOB_HTTP_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest response body read whole: a listing page, an error. */
#define LF_BLOB_HTTP_BODY_MAX (8u << 20)

typedef struct lf_blob_http lf_blob_http;
typedef struct lf_blob_http_stream lf_blob_http_stream;

/* One request. headers (the caller's) are sent as they are, after curl's
 * own; sigv4 non-NULL ("aws:amz:REGION:s3") has curl sign the request
 * with userpwd "ACCESS:SECRET". A body is sent when has_body, even empty. */
typedef struct lf_blob_http_req {
	const char *method;
	const char *url;
	struct curl_slist *headers;
	const char *sigv4;
	const char *userpwd;
	bool has_body;
	const void *body;
	size_t body_len;
} lf_blob_http_req;

/* A response read whole: body is NUL-terminated, owned by the response
 * and released by lf_blob_http_resp_free. etag keeps its quotes. */
typedef struct lf_blob_http_resp {
	long status;
	char *body;
	size_t len;
	char etag[160];
	char error_code[64]; /* x-ms-error-code, for bodiless Azure errors */
	uint64_t content_length;
	bool has_length;
} lf_blob_http_resp;

/* A pool of curl handles. Owner: caller, released with
 * lf_blob_http_free. LF_ERR_NOMEM, or LF_ERR_INTERNAL when libcurl cannot
 * start. */
int lf_blob_http_new(lf_blob_http **out);
/* Releases the pool; no request may be under way. NULL ok. */
void lf_blob_http_free(lf_blob_http *h);

/*
 * Performs req and reads the whole response into resp (zeroed first),
 * whatever its status: the caller judges resp->status. LF_ERR_IO when no
 * response came (connection refused, timeout), LF_ERR_TOO_LARGE for a
 * body over LF_BLOB_HTTP_BODY_MAX. resp is to be freed in every case.
 */
int lf_blob_http_do(lf_blob_http *h, const lf_blob_http_req *req, lf_blob_http_resp *resp);
/* Releases what resp holds (not resp itself). */
void lf_blob_http_resp_free(lf_blob_http_resp *resp);

/*
 * Starts req as a stream read piece by piece, for object bodies: at most
 * a small buffer of it is in memory at a time, the transfer pausing while
 * the reader does not read. The stream takes ownership of req->headers
 * (freed with it, on failure too). Owner: caller, released with
 * lf_blob_http_stream_close.
 */
int lf_blob_http_stream_open(lf_blob_http *h, lf_blob_http_req *req, lf_blob_http_stream **out);
/*
 * Reads up to cap bytes; *n is 0 only at the end of the body. An HTTP
 * status of 300 or more gives LF_ERR_NOTFOUND (404), LF_ERR_AUTH (403),
 * LF_ERR_CONFLICT (412: the object changed) or LF_ERR_IO.
 */
int lf_blob_http_stream_read(lf_blob_http_stream *s, void *buf, size_t cap, size_t *n);
/* Stops the transfer and releases the stream. NULL ok. */
void lf_blob_http_stream_close(lf_blob_http_stream *s);

/*
 * The read side the object stores share: a blob read as one streamed
 * ranged GET from the current position, tied to the ETag the adapter's
 * HEAD gave (If-Match), so a blob replaced mid-read fails instead of
 * mixing two versions. The GET is started by the adapter's open callback
 * (it signs its own request) on the first read after an open or a seek;
 * a seek drops the running GET. An adapter's reader embeds one.
 */
typedef struct lf_blob_http_ranged {
	uint64_t size, pos;
	char etag[160];
	lf_blob_http_stream *stream;
} lf_blob_http_ranged;

/* Starts the GET of bytes r->pos..end for the reader ud. */
typedef int (*lf_blob_http_ranged_open)(void *ud, const lf_blob_http_ranged *r,
					lf_blob_http_stream **out);
/* Reads up to cap bytes; *n 0 only at the end. A body shorter than the
 * size the HEAD gave is LF_ERR_IO. */
int lf_blob_http_ranged_read(lf_blob_http_ranged *r, lf_blob_http_ranged_open open, void *ud,
			     void *buf, size_t cap, size_t *n);
void lf_blob_http_ranged_seek(lf_blob_http_ranged *r, uint64_t offset);
/* Ends a running GET; r itself belongs to the caller. */
void lf_blob_http_ranged_close(lf_blob_http_ranged *r);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void lf_blob_hex(const unsigned char *in, size_t n, char *out);
/* Lower-case hex SHA-256 of n bytes into out[65]. */
void lf_blob_sha256_hex(const void *in, size_t n, char out[65]);
/* HMAC-SHA256 with a key of any length. */
void lf_blob_hmac(const void *key, size_t keylen, const void *msg, size_t n, unsigned char mac[32]);
/*
 * Appends s percent-encoded to the malloc'ed string *dst (NULL: a new
 * one): every byte but A-Z a-z 0-9 - . _ ~ is encoded as %XX, and '/' too
 * unless keep_slash; the encoding S3's SigV4 and Azure both expect.
 * LF_ERR_NOMEM on failure (*dst is then freed and NULL).
 */
int lf_blob_append_enc(char **dst, const char *s, bool keep_slash);
/* Appends printf output to the malloc'ed string *dst (NULL: a new one).
 * LF_ERR_NOMEM on failure (*dst is then freed and NULL). */
int lf_blob_appendf(char **dst, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends "Name: value" to *list. LF_ERR_NOMEM on failure (the list is
 * kept, the caller frees it). */
int lf_blob_header(struct curl_slist **list, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Calls fn for each element named `item` under the root of the XML
 * document body (a path such as "Contents" or "Blobs/Blob"), with a
 * function to read child text by path. Also copies the text at path
 * `next` under the root (may be NULL) into *next_out (malloc'ed; NULL
 * when absent or empty). LF_ERR_IO for a document that does not parse;
 * fn's own error stops the walk and is returned.
 */
typedef const char *(*lf_blob_xml_text)(void *node, const char *path, char *buf, size_t cap);
int lf_blob_xml_each(const char *body, size_t len, const char *item,
		     int (*fn)(void *ctx, void *node, lf_blob_xml_text text), void *ctx,
		     const char *next, char **next_out);
/* The text at path under the root of an XML document into buf ("" when
 * absent or unparsable): an error's Code or Message, an UploadId. */
void lf_blob_xml_find(const char *body, size_t len, const char *path, char *buf, size_t cap);

#endif
