/*
 * http.h - the HTTP server: libmicrohttpd underneath, a route table, JSON
 * in and out, per-request arenas, body limits and an access log.
 *
 * A request's life: the server matches the route on the first callback,
 * refuses early what it can (404/405, 413 from Content-Length, 415 from
 * Content-Type), accumulates the body up to the route's limit, parses JSON
 * bodies, then calls the handler once with the whole request. The handler
 * sets exactly one response with lf_http_json/lf_http_error/... All memory
 * of a request comes from req->arena and is freed when the response has
 * been sent.
 */
#ifndef LF_HTTP_H
#define LF_HTTP_H

#include <jansson.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/lf.h"

#define LF_HTTP_MAX_CAPTURES 4

typedef struct lf_http_req lf_http_req;
typedef struct lf_http_server lf_http_server;

/* A handler returns LF_OK after setting a response; any error return
 * without a response becomes a 500 with a generic message. */
typedef int (*lf_http_handler)(lf_http_req *req);

enum lf_http_body {
	LF_BODY_NONE = 0, /* the route takes no body (it is ignored) */
	LF_BODY_JSON,     /* application/json, parsed into req->json */
};

typedef struct lf_http_route {
	const char *method;  /* "GET", "POST", ... */
	const char *pattern; /* "/api/v1/users/{id}": {x} captures a segment */
	lf_http_handler handler;
	int body;            /* enum lf_http_body */
	size_t max_body;     /* 0 = the server default */
} lf_http_route;

struct lf_http_req {
	lf_arena *arena;
	const char *method;
	const char *path;
	const lf_http_route *route;
	const char *captures[LF_HTTP_MAX_CAPTURES];
	int ncaptures;
	json_t *json; /* parsed body (LF_BODY_JSON), owned by the server */
	const char *body;
	size_t body_len;
	char client_ip[64];
	void *app;  /* the application context given to the server */
	void *user; /* set by the application's authentication */

	/* response, set through the functions below */
	int status;
	char *resp_body;
	size_t resp_len;
	const char *resp_type;
	const char *retry_after;

	/* internal */
	struct MHD_Connection *conn;
	int64_t start_us;
	size_t body_cap;
	int too_large;
	int early;
};

typedef struct lf_http_config {
	const char *listen; /* "HOST:PORT"; port 0 picks a free port */
	int threads;
	size_t max_body; /* default body limit */
	const lf_http_route *routes;
	size_t nroutes;
	void *app;
	int access_log; /* 1 = one line per request on stderr */
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
int lf_http_error(lf_http_req *req, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int lf_http_empty(lf_http_req *req, int status);
/* A JSON error for an lf_err with a generic message for that code. */
int lf_http_error_from(lf_http_req *req, int err, const char *what);

/*
 * Matches method+path against routes. Returns the route index, -1 when no
 * pattern matches the path (404), -2 when the path matches but not the
 * method (405). Captures point into `scratch`, a copy of path the caller
 * provides (at least strlen(path)+1 bytes). Pure.
 */
int lf_http_route_match(const lf_http_route *routes, size_t n, const char *method,
			const char *path, char *scratch, const char **captures, int *ncaptures);

/* Counters for /metrics. */
typedef struct lf_http_stats {
	uint64_t requests, status_2xx, status_3xx, status_4xx, status_5xx;
	uint64_t latency_us_total;
	uint64_t latency_bucket[8]; /* <=1ms, 5, 10, 50, 100, 500, 1000, +Inf */
	int64_t inflight;
} lf_http_stats;
void lf_http_get_stats(lf_http_server *s, lf_http_stats *out);
extern const double lf_http_latency_bounds_ms[8];

#endif
