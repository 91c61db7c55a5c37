/*
 * http_int.h - what server.c and upload.c share; private to src/http/.
 *
 * server.c owns the request life cycle and body limits; upload.c turns an
 * LF_BODY_STREAM body (raw or multipart) into calls of the route's
 * lf_http_stream consumer.
 */
#ifndef LF_HTTP_INT_H
#define LF_HTTP_INT_H

#include "http/http.h"

#include <microhttpd.h>

typedef struct lf_http_upload lf_http_upload;

/* What the server keeps of a request besides what handlers see: the body
 * being read, the response being built, the connection. In the request's
 * arena; the malloc'd parts are released by the completion callback. */
struct lf_http_internal {
	struct MHD_Connection *conn;
	int64_t start_us;
	const char *body; /* LF_BODY_JSON: the raw body, NUL-terminated */
	size_t body_len;
	size_t body_cap;
	uint64_t body_seen; /* body bytes accepted so far, against the limit */
	int too_large;
	int early;
	lf_http_upload *upload; /* LF_BODY_STREAM state (upload.c) */
	char *forwarded;	/* X-Forwarded-For values joined (arena), or NULL */

	char *resp_body;
	size_t resp_len;
	const char *resp_type;
	/* a streamed response body (lf_http_stream_body), else NULL */
	ssize_t (*resp_read)(void *ud, uint64_t pos, char *buf, size_t max);
	void (*resp_free)(void *ud);
	void *resp_ud;
	uint64_t resp_size; /* UINT64_MAX when unknown */
	/* lf_http_add_header: names and values live as long as the request */
	const char *resp_hname[LF_HTTP_MAX_RESP_HEADERS];
	const char *resp_hvalue[LF_HTTP_MAX_RESP_HEADERS];
	int resp_nheaders;
};

/*
 * Describes the failure in req->error and answers with it at once, for
 * refusals made before or while the body is read (after that, handlers
 * just return the code). Returns 1, "a response is set".
 */
int lf_http_refuse(lf_http_req *req, int code, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Prepares req for a streamed body and calls the consumer's begin().
 * Returns 1 when a response is set (refused: send it without reading the
 * body), 0 to go on.
 */
int lf_http_upload_begin(lf_http_req *req);
/* Feeds len body bytes. On failure a response is set, and the caller
 * discards the rest of the body. */
void lf_http_upload_data(lf_http_req *req, const char *data, size_t len);
/*
 * The body is complete. Returns 1 when a response is set (malformed or
 * failed upload), 0 when the route's handler must run now; it is then
 * counted as run, so abort() will not be called.
 */
int lf_http_upload_finish(lf_http_req *req);
/* The request is over: calls abort() if begin() ran but the handler did
 * not, and releases the upload state. */
void lf_http_upload_done(lf_http_req *req);

#endif
