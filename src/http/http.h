/*
 * http.h - the HTTP server: libmicrohttpd underneath, a route table, JSON
 * in and out, per-request arenas, body limits and an access log.
 *
 * A request's life: the server matches the route on the first callback,
 * refuses early what it can (404/405, the application's authorization
 * check, 413 from Content-Length, 415 from Content-Type), accumulates the body up to the route's
 * limit, parses JSON bodies, then calls the handler once with the whole request. The handler sets
 * exactly one response with lf_http_json/lf_http_empty/... or fails with lf_http_fail. All memory
 * of a request comes from req->arena and is freed when the response has
 * been sent.
 *
 * Uploads (LF_BODY_STREAM) are never buffered: the route's lf_http_stream
 * consumer sees the file bytes piece by piece as they arrive, and the
 * handler runs once at the end to commit and answer (see upload.c).
 */
#ifndef LF_HTTP_H
#define LF_HTTP_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "core/arena.h"
#include "core/lf.h"

#define LF_HTTP_MAX_CAPTURES 4
/* Response headers a handler may add beyond the ones the server sets. */
#define LF_HTTP_MAX_RESP_HEADERS 6

typedef struct lf_http_req lf_http_req;
typedef struct lf_http_server lf_http_server;

/* A handler returns LF_OK after setting a response, or an lf_err without
 * one: the server then answers with req->error (see lf_http_fail), in the
 * status lf_http_status gives the code. */
typedef int (*lf_http_handler)(lf_http_req *req);

enum lf_http_body {
	LF_BODY_NONE = 0, /* the route takes no body (it is ignored) */
	LF_BODY_JSON,	  /* application/json, parsed into req->json */
	LF_BODY_STREAM,	  /* an upload, streamed to route->stream (below) */
};

/* Form fields of a multipart upload: at most this many, each value at
 * most LF_HTTP_FORM_VALUE_MAX bytes (400 / 413 beyond). */
#define LF_HTTP_FORM_FIELDS_MAX 64
#define LF_HTTP_FORM_VALUE_MAX	(64 * 1024)

/*
 * The consumer of an LF_BODY_STREAM route's body. The body is either raw
 * (any Content-Type: every body byte is file content; upload_type is the
 * Content-Type header, upload_name the `filename` query parameter) or
 * multipart/form-data (the first part with a filename is the file, with
 * its own name and type; the other parts are small text fields collected
 * into req->form; a second file part is refused with 400, unless the
 * consumer has a `file` hook, which takes any number of files). The
 * route's max_body bounds the whole body (413).
 *
 * Order of calls, all on the request's thread, never concurrently:
 *   begin   once, after routing and the Content-Length check, before any
 *           body byte is read. It may authenticate and authorize: setting
 *           a response (or returning an error) refuses the upload at once,
 *           without reading the body. It usually opens the destination and
 *           keeps its state in req->stream_ctx.
 *   file    (optional) at the start of each file of a multipart body,
 *           with upload_name and upload_type set to that file's: the
 *           pieces that follow belong to it. Failing stops the upload as
 *           chunk does. Only form fields sent before a file are in
 *           req->form by then.
 *   chunk   for each piece of file content, in order (pieces are small:
 *           tens of KiB). Setting a response or returning an error stops
 *           the upload: the rest of the body is read and discarded, then
 *           that response (or one for the error) is sent.
 *   handler (route->handler) once, after the whole body, only when nothing
 *           failed: it commits, renders the response and releases
 *           stream_ctx (abort will not be called). req->upload_bytes == 0
 *           means no file came (e.g. a form without a file part).
 *   abort   once, from the completion callback, when begin was called but
 *           the handler was not: refusal, failed chunk, 413, malformed
 *           multipart, client gone mid-upload. It must release what begin
 *           and chunk left in stream_ctx (delete the partial file). It must
 *           not set a response.
 * begin, chunk and abort may be NULL: a consumer that ties its state to
 * req->arena with lf_arena_defer has it released with the request in
 * every case and needs no abort.
 */
typedef struct lf_http_stream {
	int (*begin)(lf_http_req *req);
	int (*chunk)(lf_http_req *req, const char *data, size_t len);
	void (*abort)(lf_http_req *req);
	int (*file)(lf_http_req *req);
} lf_http_stream;

typedef struct lf_http_route {
	const char *method;  /* "GET", "POST", ... */
	const char *pattern; /* "/api/v1/users/{id}": {x} captures a segment */
	lf_http_handler handler;
	int body;		      /* enum lf_http_body */
	size_t max_body;	      /* 0 = the server default */
	const lf_http_stream *stream; /* LF_BODY_STREAM only, else NULL */
	/* What lf_http_config.authorize checks on the headers of a request
	 * with a body; the application's own values, 0 its default. */
	int access;
} lf_http_route;

typedef struct lf_http_internal lf_http_internal;

struct lf_http_req {
	lf_arena *arena;
	const char *method;
	const char *path;
	const lf_http_route *route;
	const char *captures[LF_HTTP_MAX_CAPTURES];
	int ncaptures;
	json_t *json; /* parsed body (LF_BODY_JSON), owned by the server */
	char client_ip[64];
	void *app;	 /* the application context given to the server */
	void *user;	 /* set by the application's authentication */
	int64_t user_id; /* the authenticated user for the access log, 0: none */
	lf_error error;	 /* why the request fails, when it does (lf_http_fail) */

	/* LF_BODY_STREAM: what the consumer and the finishing handler see */
	void *stream_ctx;	 /* the consumer's state, untouched by the server */
	const char *upload_name; /* client's file name or NULL (request memory) */
	const char *upload_type; /* file's media type, application/octet-stream
				    when not given (request memory) */
	uint64_t upload_bytes;	 /* file bytes delivered to chunk() so far */
	json_t *form;		 /* multipart text fields as {name: string};
				    an empty object for raw bodies; owned by
				    the server */

	/* the response's status once one is set (0: none yet); read-only */
	int status;

	lf_http_internal *in; /* the server's own state: private to src/http/ */
};

typedef struct lf_http_config {
	const char *listen; /* "HOST:PORT"; port 0 picks a free port */
	int threads;
	size_t max_body; /* default body limit */
	const lf_http_route *routes;
	size_t nroutes;
	void *app;
	int access_log; /* 1 = one line per request on stderr */
	/* Runs GET and HEAD requests that no route's path matches (static
	 * files of the web UI), with req->route a GET route of this handler
	 * and no body; NULL answers them with the JSON 404. */
	lf_http_handler fallback;
	/*
	 * Runs on the headers of every request to a route that takes a body
	 * (LF_BODY_JSON or LF_BODY_STREAM), after routing and before any
	 * other check or body byte is read, with req->captures set: it
	 * authenticates and authorizes what it can from the headers and the
	 * path (route->access says what). An error refuses the request with
	 * its response and the body is never read, so that an anonymous
	 * client cannot make the server hold megabytes. NULL: no check.
	 */
	lf_http_handler authorize;
	/*
	 * Limits against clients that hold connections open: at most
	 * max_conns connections (clamped to what the open-file limit leaves
	 * room for), max_conns_per_ip from one address (0: no limit; behind
	 * a proxy every client has the proxy's address), the complete header
	 * block of a request within header_timeout_ms of the connection's
	 * opening or of its previous response, and the whole request, body
	 * included, within request_timeout_ms (0: no deadline). A connection
	 * past a deadline is closed. 0 for max_conns or header_timeout_ms
	 * takes the defaults (1000, 10 s).
	 */
	int max_conns;
	int max_conns_per_ip;
	int header_timeout_ms;
	int request_timeout_ms;
	/*
	 * The reverse proxies (nproxies blocks, at most LF_HTTP_CIDR_MAX;
	 * copied) whose X-Forwarded-For names the client: for a request from
	 * one of them, req->client_ip is the address the header's chain
	 * gives before the trusted hops (see forwarded_client in server.c).
	 * From any other address the header is ignored, as anyone can send
	 * it. max_conns_per_ip still counts the connection's own address.
	 */
	const struct lf_http_cidr *proxies;
	size_t nproxies;
} lf_http_config;

/* Starts listening. Owner: caller, stop with lf_http_stop. */
int lf_http_start(const lf_http_config *cfg, lf_http_server **out, char *err, size_t errlen);
/* The port actually bound (useful with port 0). */
int lf_http_port(const lf_http_server *s);
/*
 * Stops accepting, waits up to grace_ms for in-flight requests to finish,
 * then closes everything and frees s.
 */
void lf_http_stop(lf_http_server *s, int grace_ms);

/* Request accessors. Returned strings belong to the request. */
const char *lf_http_header(lf_http_req *req, const char *name);
const char *lf_http_query(lf_http_req *req, const char *name);
/* Capture i of the route pattern parsed as a positive id; 0 if not one. */
int64_t lf_http_capture_id(lf_http_req *req, int i);

/* Responses. `json` is stolen (its reference is released). */
int lf_http_json(lf_http_req *req, int status, json_t *json);
int lf_http_empty(lf_http_req *req, int status);
/* A response body made elsewhere (a text page, metrics): body is malloc'd
 * and stolen, released with the request. */
int lf_http_body(lf_http_req *req, int status, const char *type, char *body, size_t len);
/*
 * Describes why the request fails in req->error and returns code, so a
 * handler fails in one statement: `return lf_http_fail(req, LF_ERR_INVALID,
 * "missing_field", "The field \"%s\" is required.", f);`. Domain functions
 * fill &req->error the same way through lf_error_set.
 */
int lf_http_fail(lf_http_req *req, int code, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The one table from an lf_err to the HTTP status a client is told. */
int lf_http_status(int code);
/* Answers with req->error now (described with code's generic words if
 * nobody described it). For code that must answer before the handler
 * runs; handlers just return the code. */
void lf_http_respond_error(lf_http_req *req, int code);
/*
 * A response whose body is produced by read() as it is sent, in constant
 * memory (downloads of exports, media). read returns bytes written to buf,
 * -1 at the end or on error; free (may be NULL) releases ud when the
 * response is done, whether it was sent or not. size may be UINT64_MAX.
 */
int lf_http_stream_body(lf_http_req *req, int status, const char *type, uint64_t size,
			ssize_t (*read)(void *ud, uint64_t pos, char *buf, size_t max),
			void (*free_fn)(void *ud), void *ud);
/*
 * A JSON response {<head's members>, "<key>": [n elements]} whose array
 * may be too long to hold in memory: item(ud, i) makes element i, for i
 * from 0 to n - 1 in order, as the response is sent, and each is released
 * once serialized. head (an object) is stolen; key and ud must outlive
 * the response (static or request arena). Sent chunked: an element that
 * cannot be made (item returns NULL) cuts the response short, which the
 * client sees as an error, since the status is gone already.
 */
int lf_http_json_stream(lf_http_req *req, int status, json_t *head, const char *key, int64_t n,
			json_t *(*item)(void *ud, int64_t i), void *ud);
/*
 * Adds a response header. name and value must outlive the request (static
 * or request arena). A Cache-Control given here replaces the server's
 * default "no-store". LF_ERR_LIMIT beyond LF_HTTP_MAX_RESP_HEADERS.
 */
int lf_http_add_header(lf_http_req *req, const char *name, const char *value);

/* An address block of a CIDR list (lf_http_cidr_parse). */
typedef struct lf_http_cidr {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int bits;
} lf_http_cidr;

/* The most blocks a list may have. */
#define LF_HTTP_CIDR_MAX 32

/*
 * Parses a comma-separated list of address blocks, "10.0.0.0/8, ::1/128,
 * 192.0.2.7" (a bare address is a block of one), into out (at most
 * LF_HTTP_CIDR_MAX, *n of them). LF_ERR_INVALID with a sentence in err
 * naming the entry that is not one.
 */
int lf_http_cidr_parse(const char *list, lf_http_cidr *out, size_t *n, char *err, size_t errlen);
/* 1 when the request's client address is in one of the n blocks. */
int lf_http_client_in(const lf_http_req *req, const lf_http_cidr *list, size_t n);
/* 1 when ip (text) is an address in one of the n blocks; 0 otherwise,
 * and for text that is not an address. */
int lf_http_addr_in(const char *ip, const lf_http_cidr *list, size_t n);

/*
 * Matches method+path against routes. Returns the route index, -1 when no
 * pattern matches the path (404), -2 when the path matches but not the
 * method (405). Captures point into `scratch`, a copy of path the caller
 * provides (at least strlen(path)+1 bytes). Pure.
 */
int lf_http_route_match(const lf_http_route *routes, size_t n, const char *method, const char *path,
			char *scratch, const char **captures, int *ncaptures);

/*
 * Writes the server's counters to f in the Prometheus text format:
 * requests by route pattern (never the raw path, so the label set is
 * bounded by the route table), method and status, a latency histogram per
 * route, and the requests in flight.
 */
void lf_http_metrics(lf_http_server *s, FILE *f);

#endif
