/*
 * server.c - libmicrohttpd glue: request contexts, body accumulation,
 * responses, access log, statistics and graceful shutdown.
 *
 * libmicrohttpd calls the access handler several times per request: once
 * with the headers, once per chunk of body, and once more with no data.
 * The request context created on the first call lives until the
 * completion callback, which frees its arena whatever happened (client
 * gone, timeout, early error response).
 *
 * Once a response is set (req->status != 0) before the body has been
 * read, the rest of the body is discarded: libmicrohttpd accepts a
 * response only before the body or after all of it. A response queued on
 * the first call (a refusal on the headers) is sent at once and the
 * connection closed, the body unread.
 *
 * libmicrohttpd's own timeout is an idle one, which a client sending a
 * byte now and then never reaches. Every connection is therefore tracked
 * from its opening (the connection notifications) with the phase of its
 * current request, and a sweeper thread shuts down the socket of one
 * whose header block or whole request is late: libmicrohttpd then sees
 * the end of the stream and closes the connection in its own thread.
 */
#include "http/http_int.h"

#include "core/log.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Latency histogram bounds, seconds: Prometheus's usual ones. */
#define NBOUNDS 13
static const double latency_bounds[NBOUNDS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
					       0.25,  0.5,    1,     2.5,  5,	  10};
/* The statuses the server answers with (lf_http_status, 499 for a client
 * gone, what handlers choose); anything else is counted as "other". */
static const int statuses[] = {200, 201, 202, 204, 206, 301, 302, 304, 400, 401, 402, 403, 404,
			       405, 409, 410, 413, 415, 416, 422, 429, 499, 500, 503, 507};
#define NSTATUS (LF_ARRAY_LEN(statuses) + 1)

/* One route's counters, updated with relaxed atomic adds: a request costs
 * three adds on its route's counters and takes no lock. */
struct route_stats {
	uint64_t status[NSTATUS];
	uint64_t bucket[NBOUNDS + 1];
	uint64_t sum_us;
};

/* Where a connection's current request is, for the deadlines. */
enum conn_phase {
	PHASE_HEADERS = 0, /* waiting for the complete header block */
	PHASE_BODY,	   /* headers in, body being received */
	PHASE_ANSWER,	   /* the handler runs or the response is being sent */
};

/* One open connection, from its start notification to its close one. The
 * owning MHD thread writes phase and since_us (atomics); the list links
 * are under conns_lock, which the close notification takes before
 * libmicrohttpd closes fd, so the sweeper never shuts down a reused fd. */
struct conn_track {
	struct conn_track *prev, *next;
	MHD_socket fd;
	int phase;	  /* enum conn_phase */
	int64_t since_us; /* opening, or the end of the previous request */
	int cut;	  /* shut down by the sweeper already */
};

struct lf_http_server {
	struct MHD_Daemon *d;
	lf_http_config cfg;
	lf_http_route fallback; /* the route of cfg.fallback */
	int port;
	int64_t inflight;
	/* cfg.nroutes routes, then the fallback, then requests refused
	 * before a route was found (404, 405, bad text) */
	struct route_stats *rstats;
	pthread_mutex_t conns_lock;
	struct conn_track conns; /* list head */
	pthread_t sweeper;
	pthread_cond_t sweeper_wake;
	int stopping; /* under conns_lock */
	uint64_t cut_headers, cut_requests;
	lf_http_cidr proxies[LF_HTTP_CIDR_MAX]; /* cfg.proxies, copied */
	size_t nproxies;
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls);
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe);
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe);
static void set_phase(struct MHD_Connection *conn, int phase);
static void *sweep(void *arg);
static int clamp_conns(int want);

static lf_http_req *req_new(lf_http_server *s, struct MHD_Connection *conn, const char *url,
			    const char *method);
static enum MHD_Result forwarded_part(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *value);
static void forwarded_client(lf_http_server *s, struct MHD_Connection *conn, lf_http_req *req);
static void req_free(lf_http_req *req);
static int begin_request(lf_http_server *s, lf_http_req *req);
static int refuse_bad_text(lf_http_req *req);
static enum MHD_Result find_bad_text(void *cls, enum MHD_ValueKind kind, const char *key,
				     size_t key_size, const char *value, size_t value_size);
static int append_body(lf_http_req *req, const char *data, size_t len);
static void run_handler(lf_http_req *req);
static enum MHD_Result send_response(lf_http_req *req);

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decodes the path and query arguments in place like
 * libmicrohttpd's default, except that %00 stays encoded: a decoded NUL
 * would silently cut the string short, so "/index.html%00.png" would be
 * handled as "/index.html".
 */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	char *w = s;
	const char *r = s;
	(void)cls;
	(void)conn;
	while (*r != '\0') {
		int hi = r[0] == '%' ? hex_value(r[1]) : -1;
		int lo = hi >= 0 ? hex_value(r[2]) : -1;
		if (lo >= 0 && (hi | lo) != 0) {
			*w++ = (char)(hi * 16 + lo);
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

static int parse_listen(const char *listen, struct sockaddr_in *sa, char *err, size_t errlen);
static void count_request(lf_http_server *s, const lf_http_req *req, int status, int64_t us);
static void access_log(const lf_http_req *req, int status, int64_t us);
static void route_labels(const lf_http_server *s, size_t i, const char **route,
			 const char **method);
static void write_counts(FILE *f, const lf_http_server *s, size_t i);
static void write_latency(FILE *f, const lf_http_server *s, size_t i);
static int is_json_type(const char *ct);
static int hex_value(char c);
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s);

static int is_json_type(const char *ct)
{
	if (ct == NULL)
		return 0;
	while (*ct == ' ')
		ct++;
	return strncasecmp(ct, "application/json", 16) == 0 &&
	       (ct[16] == '\0' || ct[16] == ';' || ct[16] == ' ');
}

static int parse_listen(const char *listen, struct sockaddr_in *sa, char *err, size_t errlen)
{
	char host[128];
	const char *colon = strrchr(listen, ':');
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (colon == NULL || (size_t)(colon - listen) >= sizeof(host)) {
		snprintf(err, errlen, "listen address must be HOST:PORT, got '%s'", listen);
		return LF_ERR_INVALID;
	}
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 0 || port > 65535 || colon[1] == '\0') {
		snprintf(err, errlen, "bad port in '%s'", listen);
		return LF_ERR_INVALID;
	}
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	if (host[0] == '\0')
		strcpy(host, "0.0.0.0");
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
		snprintf(err, errlen, "bad IPv4 address '%s'", host);
		return LF_ERR_INVALID;
	}
	sa->sin_port = htons((uint16_t)port);
	return LF_OK;
}

int lf_http_start(const lf_http_config *cfg, lf_http_server **out, char *err, size_t errlen)
{
	struct sockaddr_in sa;
	int ret = parse_listen(cfg->listen, &sa, err, errlen);
	if (ret != LF_OK)
		return ret;
	lf_http_server *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return LF_ERR_NOMEM;
	s->nproxies = cfg->nproxies < LF_HTTP_CIDR_MAX ? cfg->nproxies : LF_HTTP_CIDR_MAX;
	if (s->nproxies > 0)
		memcpy(s->proxies, cfg->proxies, s->nproxies * sizeof(*s->proxies));
	if ((s->rstats = calloc(cfg->nroutes + 2, sizeof(*s->rstats))) == NULL) {
		free(s);
		return LF_ERR_NOMEM;
	}
	s->cfg = *cfg;
	if (s->cfg.threads < 1)
		s->cfg.threads = 1;
	if (s->cfg.max_body == 0)
		s->cfg.max_body = 1 << 20;
	s->fallback = (lf_http_route){
	    .method = "GET", .pattern = "", .handler = cfg->fallback, .body = LF_BODY_NONE};
	if (s->cfg.max_conns <= 0)
		s->cfg.max_conns = 1000;
	if (s->cfg.header_timeout_ms <= 0)
		s->cfg.header_timeout_ms = 10000;
	s->cfg.max_conns = clamp_conns(s->cfg.max_conns);
	/* Each pool thread takes an equal share of the connection limit. */
	if (s->cfg.max_conns < s->cfg.threads)
		s->cfg.max_conns = s->cfg.threads;
	s->conns.next = s->conns.prev = &s->conns;
	pthread_mutex_init(&s->conns_lock, NULL);
	pthread_cond_init(&s->sweeper_wake, NULL);
	/* ITC is required to quiesce (stop accepting) while requests finish. */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
			 MHD_USE_ERROR_LOG | MHD_USE_TURBO;
	s->d = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_THREAD_POOL_SIZE,
	    (unsigned)s->cfg.threads, MHD_OPTION_CONNECTION_TIMEOUT, 60u,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)64 * 1024, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)s->cfg.max_conns, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)(s->cfg.max_conns_per_ip > 0 ? s->cfg.max_conns_per_ip : 0), MHD_OPTION_END);
	if (s->d == NULL) {
		snprintf(err, errlen, "cannot listen on %s (address in use or not permitted)",
			 cfg->listen);
		goto fail;
	}
	if (pthread_create(&s->sweeper, NULL, sweep, s) != 0) {
		snprintf(err, errlen, "cannot start the connection sweeper thread");
		MHD_stop_daemon(s->d);
		goto fail;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di != NULL ? di->port : ntohs(sa.sin_port);
	*out = s;
	return LF_OK;
fail:
	pthread_cond_destroy(&s->sweeper_wake);
	pthread_mutex_destroy(&s->conns_lock);
	free(s->rstats);
	free(s);
	return LF_ERR_IO;
}

/*
 * The connection limit that the open-file limit has room for: raises the
 * soft limit towards the hard one if needed, and keeps 64 descriptors for
 * the database, blobs and spool files, so that accepting never starves
 * the server of descriptors of its own.
 */
static int clamp_conns(int want)
{
	const rlim_t reserve = 64;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return want;
	if (rl.rlim_cur < (rlim_t)want + reserve && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > (rlim_t)want + reserve
				  ? (rlim_t)want + reserve
				  : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur >= (rlim_t)want + reserve)
		return want;
	int room = rl.rlim_cur > 2 * reserve ? (int)(rl.rlim_cur - reserve) : (int)rl.rlim_cur / 2;
	lf_log(LF_LOG_WARN,
	       "open-file limit %llu leaves room for %d connections, not %d (raise ulimit -n)",
	       (unsigned long long)rl.rlim_cur, room, want);
	return room;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	lf_http_server *s = cls;
	struct conn_track *t = *socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		/* Untracked (out of memory), a connection still has the idle
		 * timeout. */
		if (ci == NULL || (t = calloc(1, sizeof(*t))) == NULL)
			return;
		t->fd = ci->connect_fd;
		t->since_us = lf_mono_us();
		pthread_mutex_lock(&s->conns_lock);
		t->next = s->conns.next;
		t->prev = &s->conns;
		t->next->prev = t;
		s->conns.next = t;
		pthread_mutex_unlock(&s->conns_lock);
		*socket_context = t;
		return;
	}
	if (t == NULL)
		return;
	pthread_mutex_lock(&s->conns_lock);
	t->prev->next = t->next;
	t->next->prev = t->prev;
	pthread_mutex_unlock(&s->conns_lock);
	free(t);
	*socket_context = NULL;
}

/* Moves the connection's request to phase; PHASE_HEADERS (a request is
 * over) restarts the connection's clock for the next one. */
static void set_phase(struct MHD_Connection *conn, int phase)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn_track *t = ci != NULL ? ci->socket_context : NULL;
	if (t == NULL)
		return;
	if (phase == PHASE_HEADERS)
		__atomic_store_n(&t->since_us, lf_mono_us(), __ATOMIC_RELAXED);
	__atomic_store_n(&t->phase, phase, __ATOMIC_RELEASE);
}

/* Every 100 ms: shuts down the connections past a deadline. */
static void *sweep(void *arg)
{
	lf_http_server *s = arg;
	int64_t header_us = (int64_t)s->cfg.header_timeout_ms * 1000;
	int64_t request_us = (int64_t)s->cfg.request_timeout_ms * 1000;
	pthread_mutex_lock(&s->conns_lock);
	while (!s->stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000 * 1000 * 1000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000 * 1000 * 1000;
		}
		pthread_cond_timedwait(&s->sweeper_wake, &s->conns_lock, &ts);
		int64_t now = lf_mono_us();
		for (struct conn_track *t = s->conns.next; t != &s->conns; t = t->next) {
			int phase = __atomic_load_n(&t->phase, __ATOMIC_ACQUIRE);
			int64_t age = now - __atomic_load_n(&t->since_us, __ATOMIC_RELAXED);
			int late_headers = phase == PHASE_HEADERS && age > header_us;
			int late_request =
			    phase == PHASE_BODY && request_us > 0 && age > request_us;
			if (t->cut || !(late_headers || late_request))
				continue;
			t->cut = 1;
			shutdown(t->fd, SHUT_RDWR);
			__atomic_add_fetch(late_headers ? &s->cut_headers : &s->cut_requests, 1,
					   __ATOMIC_RELAXED);
		}
	}
	pthread_mutex_unlock(&s->conns_lock);
	return NULL;
}

int lf_http_port(const lf_http_server *s)
{
	return s->port;
}

void lf_http_stop(lf_http_server *s, int grace_ms)
{
	if (s == NULL)
		return;
	MHD_socket fd = MHD_quiesce_daemon(s->d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	int64_t deadline = lf_mono_us() + (int64_t)grace_ms * 1000;
	while (__atomic_load_n(&s->inflight, __ATOMIC_ACQUIRE) > 0 && lf_mono_us() < deadline) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	pthread_mutex_lock(&s->conns_lock);
	s->stopping = 1;
	pthread_cond_signal(&s->sweeper_wake);
	pthread_mutex_unlock(&s->conns_lock);
	pthread_join(s->sweeper, NULL);
	MHD_stop_daemon(s->d);
	pthread_cond_destroy(&s->sweeper_wake);
	pthread_mutex_destroy(&s->conns_lock);
	free(s->rstats);
	free(s);
}

static void count_request(lf_http_server *s, const lf_http_req *req, int status, int64_t us)
{
	size_t r = req->route == NULL		? s->cfg.nroutes + 1
		   : req->route == &s->fallback ? s->cfg.nroutes
						: (size_t)(req->route - s->cfg.routes);
	struct route_stats *rs = &s->rstats[r];
	size_t k = 0, b = 0;
	while (k < LF_ARRAY_LEN(statuses) && statuses[k] != status)
		k++;
	while (b < NBOUNDS && (double)us > latency_bounds[b] * 1e6)
		b++;
	__atomic_add_fetch(&rs->status[k], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&rs->bucket[b], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&rs->sum_us, (uint64_t)us, __ATOMIC_RELAXED);
}

/* Text: the line this server always wrote. JSON: one object, with the
 * route pattern (groupable) beside the path, the caller's X-Request-Id
 * when it sent one, and the authenticated user. */
static void access_log(const lf_http_req *req, int status, int64_t us)
{
	char line[4300];
	if (!lf_log_is_json()) {
		snprintf(line, sizeof(line), "%s %s %s %d %lldus", req->client_ip, req->method,
			 req->path, status, (long long)us);
		lf_log_line(line);
		return;
	}
	json_t *o =
	    json_pack("{s:s,s:s?,s:s?,s:i,s:f,s:s}", "method", req->method, "route",
		      req->route ? req->route->pattern : NULL, "path",
		      lf_utf8_valid(req->path, strlen(req->path)) ? req->path : NULL, "status",
		      status, "duration_ms", (double)us / 1000.0, "ip", req->client_ip);
	const char *rid =
	    MHD_lookup_connection_value(req->in->conn, MHD_HEADER_KIND, "X-Request-Id");
	if (o != NULL && rid != NULL && strlen(rid) <= 128 && lf_utf8_valid(rid, strlen(rid)))
		json_object_set_new(o, "request_id", json_string(rid));
	if (o != NULL && req->user_id != 0)
		json_object_set_new(o, "user_id", json_integer(req->user_id));
	lf_log_json(LF_LOG_INFO, o);
}

/* The labels of rstats[i]. */
static void route_labels(const lf_http_server *s, size_t i, const char **route, const char **method)
{
	*route = i < s->cfg.nroutes    ? s->cfg.routes[i].pattern
		 : i == s->cfg.nroutes ? "(static)"
				       : "(unmatched)";
	*method = i < s->cfg.nroutes	? s->cfg.routes[i].method
		  : i == s->cfg.nroutes ? "GET"
					: "(any)";
}

/* One route's request counters; a status never answered has none. */
static void write_counts(FILE *f, const lf_http_server *s, size_t i)
{
	const struct route_stats *rs = &s->rstats[i];
	const char *route, *method;
	uint64_t n;
	route_labels(s, i, &route, &method);
	for (size_t k = 0; k < NSTATUS; k++) {
		if ((n = __atomic_load_n(&rs->status[k], __ATOMIC_RELAXED)) == 0)
			continue;
		char code[8];
		snprintf(code, sizeof(code), "%d", statuses[k]);
		fprintf(f,
			"labelflow_http_requests_total{route=\"%s\",method=\"%s\",status=\"%s\"}"
			" %llu\n",
			route, method, k < LF_ARRAY_LEN(statuses) ? code : "other",
			(unsigned long long)n);
	}
}

/* One route's latency histogram; a route no request reached has none. */
static void write_latency(FILE *f, const lf_http_server *s, size_t i)
{
	const struct route_stats *rs = &s->rstats[i];
	const char *route, *method;
	uint64_t counts[NBOUNDS + 1], cum = 0;
	route_labels(s, i, &route, &method);
	for (size_t b = 0; b <= NBOUNDS; b++)
		cum += counts[b] = __atomic_load_n(&rs->bucket[b], __ATOMIC_RELAXED);
	if (cum == 0)
		return;
	cum = 0;
	for (size_t b = 0; b <= NBOUNDS; b++) {
		cum += counts[b];
		if (b < NBOUNDS)
			fprintf(f,
				"labelflow_http_request_duration_seconds_bucket{route=\"%s\","
				"method=\"%s\",le=\"%g\"} %llu\n",
				route, method, latency_bounds[b], (unsigned long long)cum);
		else
			fprintf(f,
				"labelflow_http_request_duration_seconds_bucket{route=\"%s\","
				"method=\"%s\",le=\"+Inf\"} %llu\n",
				route, method, (unsigned long long)cum);
	}
	fprintf(f,
		"labelflow_http_request_duration_seconds_sum{route=\"%s\",method=\"%s\"} %.6f\n"
		"labelflow_http_request_duration_seconds_count{route=\"%s\",method=\"%s\"} "
		"%llu\n",
		route, method, (double)__atomic_load_n(&rs->sum_us, __ATOMIC_RELAXED) / 1e6, route,
		method, (unsigned long long)cum);
}

void lf_http_metrics(lf_http_server *s, FILE *f)
{
	fputs("# HELP labelflow_http_requests_total HTTP requests by route pattern, method and "
	      "status.\n"
	      "# TYPE labelflow_http_requests_total counter\n",
	      f);
	for (size_t i = 0; i < s->cfg.nroutes + 2; i++)
		write_counts(f, s, i);
	fputs("# HELP labelflow_http_request_duration_seconds Request latency by route pattern.\n"
	      "# TYPE labelflow_http_request_duration_seconds histogram\n",
	      f);
	for (size_t i = 0; i < s->cfg.nroutes + 2; i++)
		write_latency(f, s, i);
	fprintf(f,
		"# HELP labelflow_http_inflight Requests being served.\n"
		"# TYPE labelflow_http_inflight gauge\n"
		"labelflow_http_inflight %lld\n",
		(long long)__atomic_load_n(&s->inflight, __ATOMIC_RELAXED));
	fprintf(f,
		"# HELP labelflow_http_connections_cut_total Connections closed for missing a "
		"deadline: the header block's or the whole request's.\n"
		"# TYPE labelflow_http_connections_cut_total counter\n"
		"labelflow_http_connections_cut_total{deadline=\"header\"} %llu\n"
		"labelflow_http_connections_cut_total{deadline=\"request\"} %llu\n",
		(unsigned long long)__atomic_load_n(&s->cut_headers, __ATOMIC_RELAXED),
		(unsigned long long)__atomic_load_n(&s->cut_requests, __ATOMIC_RELAXED));
}

static lf_http_req *req_new(lf_http_server *s, struct MHD_Connection *conn, const char *url,
			    const char *method)
{
	lf_arena *a = lf_arena_create();
	if (a == NULL)
		return NULL;
	lf_http_req *req = lf_arena_calloc(a, sizeof(*req));
	if (req == NULL || (req->in = lf_arena_calloc(a, sizeof(*req->in))) == NULL) {
		lf_arena_destroy(a);
		return NULL;
	}
	req->arena = a;
	req->in->conn = conn;
	req->app = s->cfg.app;
	req->in->start_us = lf_mono_us();
	req->method = lf_arena_strdup(a, method);
	req->path = lf_arena_strdup(a, url);
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL && ci->client_addr->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ci->client_addr;
		inet_ntop(AF_INET, &in->sin_addr, req->client_ip, sizeof(req->client_ip));
	} else if (ci != NULL && ci->client_addr != NULL &&
		   ci->client_addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ci->client_addr;
		inet_ntop(AF_INET6, &in6->sin6_addr, req->client_ip, sizeof(req->client_ip));
	}
	if (req->method == NULL || req->path == NULL) {
		lf_arena_destroy(a);
		return NULL;
	}
	if (s->nproxies > 0 && lf_http_addr_in(req->client_ip, s->proxies, s->nproxies))
		forwarded_client(s, conn, req);
	return req;
}

/* Joins the values of every X-Forwarded-For header, in order, in the
 * request's arena: a proxy may add a header of its own instead of
 * appending to the one it got. */
static enum MHD_Result forwarded_part(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *value)
{
	lf_http_req *req = cls;
	char **joined = &req->in->forwarded;
	(void)kind;
	if (strcasecmp(key, "X-Forwarded-For") != 0 || value == NULL)
		return MHD_YES;
	*joined = *joined != NULL ? lf_arena_printf(req->arena, "%s,%s", *joined, value)
				  : lf_arena_strdup(req->arena, value);
	return *joined != NULL ? MHD_YES : MHD_NO;
}

/*
 * The request came from a trusted proxy: its X-Forwarded-For ends with
 * the address that proxy saw, after those the hops before it added. Read
 * from the right, each trusted address passes on to the one before it;
 * the first that is not trusted is the client, since only what trusted
 * hops wrote can be believed (a client may send any header of its own).
 * Text that is no address ends the walk at the last hop believed, and a
 * chain of trusted hops only names its leftmost.
 */
static void forwarded_client(lf_http_server *s, struct MHD_Connection *conn, lf_http_req *req)
{
	unsigned char bin[16];
	MHD_get_connection_values(conn, MHD_HEADER_KIND, forwarded_part, req);
	const char *list = req->in->forwarded;
	size_t end = list != NULL ? strlen(list) : 0;
	while (end > 0) {
		size_t start = end;
		while (start > 0 && list[start - 1] != ',')
			start--;
		const char *p = list + start;
		size_t len = end - start;
		char hop[sizeof(req->client_ip)];
		while (len > 0 && (*p == ' ' || *p == '\t'))
			p++, len--;
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0 || len >= sizeof(hop))
			break;
		memcpy(hop, p, len);
		hop[len] = '\0';
		if (inet_pton(AF_INET, hop, bin) != 1 && inet_pton(AF_INET6, hop, bin) != 1)
			break;
		memcpy(req->client_ip, hop, len + 1);
		if (!lf_http_addr_in(hop, s->proxies, s->nproxies))
			break;
		end = start > 0 ? start - 1 : 0;
	}
}

static void req_free(lf_http_req *req)
{
	if (req == NULL)
		return;
	if (req->in->upload != NULL)
		lf_http_upload_done(req);
	json_decref(req->json);
	json_decref(req->form);
	free((char *)req->in->body);
	free(req->in->resp_body);
	if (req->in->resp_free != NULL)
		req->in->resp_free(req->in->resp_ud);
	lf_arena_destroy(req->arena);
}

/*
 * First callback: route the request and refuse early what can be refused
 * from the headers alone, so an oversize or mistyped upload is rejected
 * before its body is read. Returns 1 when a response is already set.
 */
static int begin_request(lf_http_server *s, lf_http_req *req)
{
	const char *m = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
	if (refuse_bad_text(req))
		return 1;
	char *scratch = lf_arena_alloc(req->arena, strlen(req->path) + 1);
	if (scratch == NULL)
		return lf_http_refuse(req, LF_ERR_NOMEM, "internal", "Out of memory.");
	int idx = lf_http_route_match(s->cfg.routes, s->cfg.nroutes, m, req->path, scratch,
				      req->captures, &req->ncaptures);
	if (idx == -1 && s->cfg.fallback != NULL && strcmp(m, "GET") == 0) {
		req->route = &s->fallback;
		return 0;
	}
	if (idx == -1)
		return lf_http_refuse(req, LF_ERR_NOTFOUND, "not_found", "No such endpoint: %s",
				      req->path);
	if (idx == -2)
		return lf_http_refuse(req, LF_ERR_METHOD, "method_not_allowed",
				      "Method %s is not allowed on %s.", req->method, req->path);
	req->route = &s->cfg.routes[idx];
	if (req->route->body == LF_BODY_NONE)
		return 0;
	if (s->cfg.authorize != NULL) {
		int ret = s->cfg.authorize(req);
		if (req->status == 0 && ret != LF_OK)
			lf_http_respond_error(req, ret);
		if (req->status != 0)
			return 1;
	}
	size_t limit = req->route->max_body ? req->route->max_body : s->cfg.max_body;
	const char *cl = lf_http_header(req, "Content-Length");
	if (cl != NULL && strtoull(cl, NULL, 10) > limit)
		return lf_http_refuse(req, LF_ERR_TOO_LARGE, "payload_too_large",
				      "The request body is larger than the limit of %zu bytes.",
				      limit);
	if (req->route->body == LF_BODY_STREAM)
		return lf_http_upload_begin(req);
	int has_body = (cl != NULL && strtoull(cl, NULL, 10) > 0) ||
		       lf_http_header(req, "Transfer-Encoding") != NULL;
	if (has_body && req->route->body == LF_BODY_JSON &&
	    !is_json_type(lf_http_header(req, "Content-Type")))
		return lf_http_refuse(req, LF_ERR_MEDIA, "unsupported_media_type",
				      "This endpoint takes Content-Type: application/json.");
	return 0;
}

/* The first text of a request that is not UTF-8, by where it was found. */
struct bad_text {
	enum MHD_ValueKind kind;
	const char *key;
};

static enum MHD_Result find_bad_text(void *cls, enum MHD_ValueKind kind, const char *key,
				     size_t key_size, const char *value, size_t value_size)
{
	struct bad_text *bad = cls;
	if (lf_utf8_valid(key, key_size) && (value == NULL || lf_utf8_valid(value, value_size)))
		return MHD_YES;
	bad->kind = kind;
	bad->key = key;
	return MHD_NO;
}

/*
 * Every text of a request that a handler may store or echo (path, query
 * parameters, headers) must be UTF-8, checked here once before anything
 * runs: a handler that stored such a text would commit and then fail to
 * render it as JSON, reporting a failure for a change that was made.
 * JSON bodies are checked by jansson, uploads by their parsers, form
 * fields by upload.c. Returns 1 when the request was refused.
 */
static int refuse_bad_text(lf_http_req *req)
{
	struct bad_text bad = {.key = NULL};
	if (!lf_utf8_valid(req->path, strlen(req->path)))
		return lf_http_refuse(req, LF_ERR_MALFORMED, "invalid_utf8",
				      "The request path is not UTF-8.");
	MHD_get_connection_values_n(req->in->conn, MHD_GET_ARGUMENT_KIND | MHD_HEADER_KIND,
				    find_bad_text, &bad);
	if (bad.key == NULL)
		return 0;
	if (!lf_utf8_valid(bad.key, strlen(bad.key)))
		return lf_http_refuse(req, LF_ERR_MALFORMED, "invalid_utf8",
				      "A %s name is not UTF-8.",
				      bad.kind == MHD_HEADER_KIND ? "header" : "query parameter");
	return lf_http_refuse(req, LF_ERR_MALFORMED, "invalid_utf8", "The %s %s is not UTF-8.",
			      bad.kind == MHD_HEADER_KIND ? "header" : "query parameter", bad.key);
}

static int append_body(lf_http_req *req, const char *data, size_t len)
{
	if (req->in->body_len + len + 1 > req->in->body_cap) {
		size_t cap = req->in->body_cap ? req->in->body_cap : 4096;
		while (cap < req->in->body_len + len + 1)
			cap *= 2;
		char *nb = realloc((char *)req->in->body, cap);
		if (nb == NULL)
			return LF_ERR_NOMEM;
		req->in->body = nb;
		req->in->body_cap = cap;
	}
	memcpy((char *)req->in->body + req->in->body_len, data, len);
	req->in->body_len += len;
	((char *)req->in->body)[req->in->body_len] = '\0';
	return LF_OK;
}

/* Parses a JSON body and runs the handler. A handler that returns an
 * error without a response is answered from req->error, described by
 * whoever failed (the code's generic words if nobody did). */
static void run_handler(lf_http_req *req)
{
	int ret = LF_OK;
	if (req->route->body == LF_BODY_JSON) {
		json_error_t jerr;
		if (req->in->body_len == 0) {
			req->json = json_object();
		} else {
			req->json = json_loadb(req->in->body, req->in->body_len,
					       JSON_REJECT_DUPLICATES, &jerr);
			if (req->json == NULL)
				ret = lf_http_fail(
				    req, LF_ERR_MALFORMED, "malformed_json",
				    "The body is not valid JSON: %s (line %d, column %d).",
				    jerr.text, jerr.line, jerr.column);
			else if (!json_is_object(req->json))
				ret = lf_http_fail(req, LF_ERR_MALFORMED, "malformed_json",
						   "The body must be a JSON object.");
		}
	}
	if (ret == LF_OK)
		ret = req->route->handler(req);
	if (req->status == 0)
		lf_http_respond_error(req, ret == LF_OK ? LF_ERR_INTERNAL : ret);
}

static enum MHD_Result send_response(lf_http_req *req)
{
	struct MHD_Response *r;
	if (req->in->resp_read != NULL) {
		r = MHD_create_response_from_callback(
		    req->in->resp_size == UINT64_MAX ? MHD_SIZE_UNKNOWN : req->in->resp_size,
		    64 * 1024, req->in->resp_read, req->in->resp_ud, req->in->resp_free);
		/* MHD owns ud now and frees it through resp_free. */
		req->in->resp_read = NULL;
		req->in->resp_free = NULL;
	} else {
		r = MHD_create_response_from_buffer(req->in->resp_len, req->in->resp_body,
						    req->in->resp_body ? MHD_RESPMEM_MUST_FREE
								       : MHD_RESPMEM_PERSISTENT);
		req->in->resp_body = NULL; /* MHD owns it now */
	}
	if (r == NULL)
		return MHD_NO;
	if (req->in->resp_type != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, req->in->resp_type);
	int cache_set = 0;
	for (int i = 0; i < req->in->resp_nheaders; i++) {
		MHD_add_response_header(r, req->in->resp_hname[i], req->in->resp_hvalue[i]);
		cache_set |= strcasecmp(req->in->resp_hname[i], MHD_HTTP_HEADER_CACHE_CONTROL) == 0;
	}
	/* API answers are per user and change with every write. */
	if (!cache_set)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	/* No page of ours is framed (clickjacking), and no URL of ours, which
	 * may carry a signed media link, leaks to another site as a Referer. */
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	enum MHD_Result rc = MHD_queue_response(req->in->conn, (unsigned)req->status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	lf_http_server *s = cls;
	lf_http_req *req = *con_cls;
	(void)version;
	if (req == NULL) {
		req = req_new(s, conn, url, method);
		if (req == NULL)
			return MHD_NO;
		*con_cls = req;
		__atomic_add_fetch(&s->inflight, 1, __ATOMIC_ACQ_REL);
		if (begin_request(s, req)) {
			req->in->early = 1;
			set_phase(conn, PHASE_ANSWER);
			return send_response(req);
		}
		set_phase(conn, PHASE_BODY);
		return MHD_YES;
	}
	if (req->in->early) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		size_t limit = req->route->max_body ? req->route->max_body : s->cfg.max_body;
		if (req->route->body == LF_BODY_NONE || req->in->too_large || req->status != 0) {
			*upload_size = 0;
			return MHD_YES;
		}
		if (req->in->body_seen + *upload_size > limit) {
			/* A chunked body with no Content-Length: discard the rest
			 * and answer 413 once it has been read. */
			req->in->too_large = 1;
			*upload_size = 0;
			return MHD_YES;
		}
		req->in->body_seen += *upload_size;
		if (req->route->body == LF_BODY_STREAM)
			lf_http_upload_data(req, upload, *upload_size);
		else if (append_body(req, upload, *upload_size) != LF_OK)
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	set_phase(conn, PHASE_ANSWER);
	if (req->in->too_large) {
		size_t limit = req->route->max_body ? req->route->max_body : s->cfg.max_body;
		lf_http_refuse(req, LF_ERR_TOO_LARGE, "payload_too_large",
			       "The request body is larger than the limit of %zu bytes.", limit);
	} else if (req->status == 0 && (req->in->upload == NULL || !lf_http_upload_finish(req))) {
		run_handler(req);
	}
	return send_response(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	lf_http_server *s = cls;
	lf_http_req *req = *con_cls;
	if (req == NULL)
		return;
	int64_t us = lf_mono_us() - req->in->start_us;
	int status = req->status ? req->status : 499;
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && req->status == 0)
		status = 499;
	count_request(s, req, status, us);
	if (s->cfg.access_log)
		access_log(req, status, us);
	__atomic_sub_fetch(&s->inflight, 1, __ATOMIC_ACQ_REL);
	req_free(req);
	*con_cls = NULL;
	set_phase(conn, PHASE_HEADERS);
}

const char *lf_http_header(lf_http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->in->conn, MHD_HEADER_KIND, name);
}

const char *lf_http_query(lf_http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->in->conn, MHD_GET_ARGUMENT_KIND, name);
}

int64_t lf_http_capture_id(lf_http_req *req, int i)
{
	if (i >= req->ncaptures)
		return 0;
	const char *c = req->captures[i];
	int64_t v = 0;
	if (*c == '\0' || *c == '0')
		return 0;
	for (; *c; c++) {
		if (*c < '0' || *c > '9' || v > (INT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (*c - '0');
	}
	return v;
}

int lf_http_json(lf_http_req *req, int status, json_t *json)
{
	char *text = json_dumps(json, JSON_COMPACT);
	json_decref(json);
	if (text == NULL)
		return LF_ERR_NOMEM;
	free(req->in->resp_body);
	req->in->resp_body = text;
	req->in->resp_len = strlen(text);
	req->in->resp_type = "application/json";
	req->status = status;
	return LF_OK;
}

int lf_http_stream_body(lf_http_req *req, int status, const char *type, uint64_t size,
			ssize_t (*read)(void *ud, uint64_t pos, char *buf, size_t max),
			void (*free_fn)(void *ud), void *ud)
{
	free(req->in->resp_body);
	req->in->resp_body = NULL;
	req->in->resp_len = 0;
	req->in->resp_type = type;
	req->in->resp_read = read;
	req->in->resp_free = free_fn;
	req->in->resp_ud = ud;
	req->in->resp_size = size;
	req->status = status;
	return LF_OK;
}

int lf_http_add_header(lf_http_req *req, const char *name, const char *value)
{
	if (req->in->resp_nheaders >= LF_HTTP_MAX_RESP_HEADERS)
		return LF_ERR_LIMIT;
	req->in->resp_hname[req->in->resp_nheaders] = name;
	req->in->resp_hvalue[req->in->resp_nheaders] = value;
	req->in->resp_nheaders++;
	return LF_OK;
}

int lf_http_empty(lf_http_req *req, int status)
{
	free(req->in->resp_body);
	req->in->resp_body = NULL;
	req->in->resp_len = 0;
	req->in->resp_type = NULL;
	req->status = status;
	return LF_OK;
}

int lf_http_body(lf_http_req *req, int status, const char *type, char *body, size_t len)
{
	free(req->in->resp_body);
	req->in->resp_body = body;
	req->in->resp_len = len;
	req->in->resp_type = type;
	req->status = status;
	return LF_OK;
}

int lf_http_status(int code)
{
	switch (code) {
	case LF_OK: return 200;
	case LF_ERR_MALFORMED: return 400;
	case LF_ERR_AUTH: return 401;
	case LF_ERR_FUNDS: return 402;
	case LF_ERR_FORBIDDEN: return 403;
	case LF_ERR_NOTFOUND: return 404;
	case LF_ERR_METHOD: return 405;
	case LF_ERR_CONFLICT: return 409;
	case LF_ERR_GONE: return 410;
	case LF_ERR_TOO_LARGE: return 413;
	case LF_ERR_MEDIA: return 415;
	case LF_ERR_RANGE: return 416;
	case LF_ERR_INVALID: return 422;
	case LF_ERR_LIMIT: return 429;
	case LF_ERR_DB: return 503;
	case LF_ERR_FULL: return 507;
	default: return 500;
	}
}

int lf_http_fail(lf_http_req *req, int code, const char *reason, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lf_error_vset(&req->error, code, reason, fmt, ap);
	va_end(ap);
	return code;
}

void lf_http_respond_error(lf_http_req *req, int code)
{
	lf_error *e = &req->error;
	lf_error_default(e, code, NULL);
	json_t *body =
	    json_pack("{s:{s:s,s:s}}", "error", "code", e->reason, "message", e->message);
	if (body == NULL) {
		/* The message was not valid UTF-8 (it echoed client input):
		 * answer with the code alone rather than fail. */
		body = json_pack("{s:{s:s,s:s}}", "error", "code", e->reason, "message",
				 "The request was refused.");
	} else if (e->details[0] != '\0') {
		json_t *list = json_array();
		for (const char *p = e->details; list != NULL && *p != '\0';) {
			size_t n = strcspn(p, "\n");
			json_array_append_new(list, json_stringn(p, n));
			p += n + (p[n] == '\n');
		}
		json_object_set_new(json_object_get(body, "error"), "details", list);
	}
	if (lf_http_json(req, lf_http_status(e->code), body) != LF_OK)
		req->status = lf_http_status(e->code);
}

int lf_http_refuse(lf_http_req *req, int code, const char *reason, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lf_error_vset(&req->error, code, reason, fmt, ap);
	va_end(ap);
	lf_http_respond_error(req, code);
	return 1;
}
