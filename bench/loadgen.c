/*
 * loadgen.c - closed-loop claim/submit load against one project: one
 * client thread per access token, each on its own keep-alive HTTP/1.1
 * connection, looping claim -> submit until the queue is empty (204), a
 * cycle budget is spent or time is up. Prints throughput and latency
 * percentiles (per cycle and per request type).
 *
 * --url may be given several times (servers sharing one database): client
 * i talks to server i mod n for its whole run.
 *
 * Plain POSIX sockets and pthreads; bench/claim.sh builds it with
 *
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -o build/bench/loadgen \
 *      bench/loadgen.c -lpthread
 *
 * Usage: loadgen --url http://127.0.0.1:PORT [--url ...] --project ID
 *                --tokens FILE [--stage l1] [--result JSON] [--max-cycles N]
 *                [--seconds S]
 *
 * Responses must carry Content-Length (libmicrohttpd's buffer responses do);
 * chunked bodies are not parsed. The last line of output is a
 * machine-readable summary ("loadgen: k=v ...").
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_ERR_BODIES 5
#define ERR_BODY_LEN   300
/* A client whose requests fail this many times in a row gives up, so a
 * misconfigured run (bad token, wrong project) ends instead of spinning. */
#define MAX_CONSECUTIVE_ERRORS 50
#define MAX_TARGETS	       16
#define DEFAULT_RESULT                                                                             \
	"[{\"id\":\"r1\",\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","        \
	"\"value\":{\"start\":0,\"end\":5,\"labels\":[\"PER\"]}}]"

struct samples {
	int64_t *v; /* microseconds */
	size_t n, cap;
};

/* One server to send requests to. */
struct target {
	char host[256];
	char port[16];
	struct addrinfo *addr;
};

struct conf {
	struct target targets[MAX_TARGETS];
	int ntargets;
	long long project;
	const char *stage;
	const char *result;
	long long max_cycles; /* 0: no limit */
	double seconds;	      /* 0: no limit */
};

struct client {
	pthread_t thread;
	const struct conf *conf;
	const struct target *target;
	char *token;
	int fd;
	char *buf; /* response bytes read so far */
	size_t len, cap;
	struct samples cycle, claim, submit;
	long long requests, errors, transport_errors;
};

struct response {
	int status;
	const char *body;
	size_t body_len;
};

static atomic_llong cycles_reserved;
static atomic_llong cycles_done;
static atomic_int drained;
static int64_t deadline_ns;
static pthread_mutex_t err_lock = PTHREAD_MUTEX_INITIALIZER;
static char err_bodies[MAX_ERR_BODIES][ERR_BODY_LEN + 64];
static int nerr_bodies;

static int64_t now_ns(void);
static int samples_add(struct samples *s, int64_t us);
static int cmp_i64(const void *a, const void *b);
static double pct_ms(const struct samples *s, double p);
static int merge(struct samples *dst, const struct samples *src);
static void usage(void);
static int parse_url(const char *url, struct target *c);
static int read_tokens(const char *path, char ***tokens, int *n);
static int conn_open(struct client *cl);
static void conn_close(struct client *cl);
static int send_all(int fd, const char *p, size_t n);
static int read_response(struct client *cl, struct response *r);
static int request(struct client *cl, const char *path, const char *body, struct response *r);
static void note_error(const char *what, const struct response *r);
static long long scan_id(const char *body, size_t len);
static void *client_main(void *arg);
static void print_summary(const struct conf *c, struct client *cls, int n, double wall);

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int samples_add(struct samples *s, int64_t us)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		int64_t *v = realloc(s->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = us;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted samples, in milliseconds. */
static double pct_ms(const struct samples *s, double p)
{
	if (s->n == 0)
		return 0;
	size_t i = (size_t)(p / 100.0 * (double)s->n);
	if (i >= s->n)
		i = s->n - 1;
	return (double)s->v[i] / 1000.0;
}

static int merge(struct samples *dst, const struct samples *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (samples_add(dst, src->v[i]) != 0)
			return -1;
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: loadgen --url http://HOST:PORT [--url ...] --project ID --tokens FILE\n"
		"               [--stage l1] [--result JSON] [--max-cycles N] [--seconds S]\n");
}

static int parse_url(const char *url, struct target *c)
{
	const char *p = url, *colon, *end;
	if (strncmp(p, "http://", 7) != 0)
		return -1;
	p += 7;
	end = p + strcspn(p, "/");
	colon = memchr(p, ':', (size_t)(end - p));
	if (colon == NULL) {
		colon = end;
		snprintf(c->port, sizeof(c->port), "80");
	} else if ((size_t)(end - colon - 1) >= sizeof(c->port) || end == colon + 1) {
		return -1;
	} else {
		snprintf(c->port, sizeof(c->port), "%.*s", (int)(end - colon - 1), colon + 1);
	}
	if (colon == p || (size_t)(colon - p) >= sizeof(c->host))
		return -1;
	snprintf(c->host, sizeof(c->host), "%.*s", (int)(colon - p), p);
	return 0;
}

static int read_tokens(const char *path, char ***tokens, int *n)
{
	int ret = -1, count = 0, cap = 0;
	char **list = NULL, *line = NULL;
	size_t linecap = 0;
	ssize_t got;
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		perror(path);
		goto cleanup;
	}
	while ((got = getline(&line, &linecap, f)) >= 0) {
		while (got > 0 &&
		       (line[got - 1] == '\n' || line[got - 1] == '\r' || line[got - 1] == ' '))
			line[--got] = '\0';
		if (got == 0)
			continue;
		if (count == cap) {
			int ncap = cap ? cap * 2 : 64;
			char **nl = realloc(list, (size_t)ncap * sizeof(*nl));
			if (nl == NULL)
				goto cleanup;
			list = nl;
			cap = ncap;
		}
		if ((list[count] = strdup(line)) == NULL)
			goto cleanup;
		count++;
	}
	*tokens = list;
	*n = count;
	list = NULL;
	ret = 0;
cleanup:
	if (list != NULL) {
		for (int i = 0; i < count; i++)
			free(list[i]);
		free(list);
	}
	free(line);
	if (f != NULL)
		fclose(f);
	return ret;
}

static int conn_open(struct client *cl)
{
	int one = 1;
	const struct addrinfo *addr = cl->target->addr;
	int fd = socket(addr->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* Requests are written in one send; without this the claim-then-submit
	 * ping-pong would wait on delayed ACKs. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, addr->ai_addr, addr->ai_addrlen) != 0) {
		close(fd);
		return -1;
	}
	cl->fd = fd;
	cl->len = 0;
	return 0;
}

static void conn_close(struct client *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	cl->fd = -1;
	cl->len = 0;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Reads one response on the connection into cl->buf. Returns 0, -1 on a
 * transport error, or -2 when the peer closed before sending a byte (an
 * idle keep-alive connection the server dropped: safe to resend).
 */
static int read_response(struct client *cl, struct response *r)
{
	size_t head_len = 0, content_len = 0, want;
	int keep_alive = 1;
	char *hdr_end = NULL;
	cl->len = 0;
	for (;;) {
		if (cl->cap - cl->len < 4096) {
			size_t cap = cl->cap * 2;
			char *b = realloc(cl->buf, cap);
			if (b == NULL)
				return -1;
			cl->buf = b;
			cl->cap = cap;
		}
		ssize_t got = recv(cl->fd, cl->buf + cl->len, cl->cap - cl->len - 1, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return cl->len == 0 && got == 0 ? -2 : -1;
		cl->len += (size_t)got;
		cl->buf[cl->len] = '\0';
		if (hdr_end == NULL) {
			hdr_end = strstr(cl->buf, "\r\n\r\n");
			if (hdr_end == NULL)
				continue;
			head_len = (size_t)(hdr_end - cl->buf) + 4;
			if (sscanf(cl->buf, "HTTP/1.%*d %d", &r->status) != 1)
				return -1;
			for (char *line = strstr(cl->buf, "\r\n"); line && line < hdr_end;
			     line = strstr(line + 2, "\r\n")) {
				const char *h = line + 2;
				if (strncasecmp(h, "Content-Length:", 15) == 0)
					content_len = strtoull(h + 15, NULL, 10);
				else if (strncasecmp(h, "Connection:", 11) == 0 &&
					 strncasecmp(h + 11 + strspn(h + 11, " "), "close", 5) == 0)
					keep_alive = 0;
			}
		}
		want = head_len + content_len;
		if (cl->len >= want)
			break;
		if (want + 1 > cl->cap) {
			char *b = realloc(cl->buf, want + 1);
			if (b == NULL)
				return -1;
			cl->buf = b;
			cl->cap = want + 1;
		}
	}
	r->body = cl->buf + head_len;
	r->body_len = content_len;
	if (!keep_alive)
		conn_close(cl);
	return 0;
}

/* One POST with a JSON body; reconnects as needed. 0 or -1 (transport). */
static int request(struct client *cl, const char *path, const char *body, struct response *r)
{
	char head[4096];
	size_t blen = strlen(body);
	int n = snprintf(head, sizeof(head),
			 "POST %s HTTP/1.1\r\nHost: %s:%s\r\nAuthorization: Bearer %s\r\n"
			 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
			 path, cl->target->host, cl->target->port, cl->token, blen);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (cl->fd < 0 && conn_open(cl) != 0)
			return -1;
		int rc = -1;
		if (send_all(cl->fd, head, (size_t)n) == 0 && send_all(cl->fd, body, blen) == 0)
			rc = read_response(cl, r);
		if (rc == 0) {
			cl->requests++;
			return 0;
		}
		conn_close(cl);
		if (rc != -2)
			return -1;
	}
	return -1;
}

static void note_error(const char *what, const struct response *r)
{
	pthread_mutex_lock(&err_lock);
	if (nerr_bodies < MAX_ERR_BODIES) {
		if (r == NULL)
			snprintf(err_bodies[nerr_bodies], sizeof(err_bodies[0]),
				 "%s: transport error", what);
		else
			snprintf(err_bodies[nerr_bodies], sizeof(err_bodies[0]), "%s: %d %.*s",
				 what, r->status,
				 (int)(r->body_len < ERR_BODY_LEN ? r->body_len : ERR_BODY_LEN),
				 r->body);
		nerr_bodies++;
	}
	pthread_mutex_unlock(&err_lock);
}

/* The task's id is the first "id" key of the object the server renders. */
static long long scan_id(const char *body, size_t len)
{
	const char *end = body + len;
	for (const char *p = body; p + 5 <= end; p++) {
		if (memcmp(p, "\"id\"", 4) != 0)
			continue;
		p += 4;
		while (p < end && (*p == ' ' || *p == ':'))
			p++;
		return p < end ? strtoll(p, NULL, 10) : 0;
	}
	return 0;
}

static void *client_main(void *arg)
{
	struct client *cl = arg;
	const struct conf *c = cl->conf;
	char claim_path[128], submit_path[128], claim_body[64];
	char *submit_body = NULL;
	int consecutive = 0;
	struct response r;
	size_t sblen = strlen(c->result) + 16;
	if ((submit_body = malloc(sblen)) == NULL)
		goto cleanup;
	snprintf(submit_body, sblen, "{\"result\":%s}", c->result);
	snprintf(claim_path, sizeof(claim_path), "/api/v1/projects/%lld/claim", c->project);
	snprintf(claim_body, sizeof(claim_body), "{\"stage\":\"%s\"}", c->stage);
	while (!atomic_load(&drained) && consecutive < MAX_CONSECUTIVE_ERRORS) {
		if (c->max_cycles > 0 && atomic_fetch_add(&cycles_reserved, 1) >= c->max_cycles)
			break;
		if (deadline_ns > 0 && now_ns() >= deadline_ns)
			break;
		int64_t t0 = now_ns();
		if (request(cl, claim_path, claim_body, &r) != 0) {
			cl->transport_errors++;
			consecutive++;
			note_error("claim", NULL);
			continue;
		}
		int64_t t1 = now_ns();
		if (r.status == 204) {
			atomic_store(&drained, 1);
			break;
		}
		if (r.status < 200 || r.status > 299) {
			cl->errors++;
			consecutive++;
			note_error("claim", &r);
			continue;
		}
		long long id = scan_id(r.body, r.body_len);
		if (id <= 0) {
			cl->errors++;
			consecutive++;
			note_error("claim (no id)", &r);
			continue;
		}
		if (samples_add(&cl->claim, (t1 - t0) / 1000) != 0)
			goto cleanup;
		snprintf(submit_path, sizeof(submit_path), "/api/v1/tasks/%lld/submit", id);
		if (request(cl, submit_path, submit_body, &r) != 0) {
			cl->transport_errors++;
			consecutive++;
			note_error("submit", NULL);
			continue;
		}
		int64_t t2 = now_ns();
		if (r.status < 200 || r.status > 299) {
			cl->errors++;
			consecutive++;
			note_error("submit", &r);
			continue;
		}
		consecutive = 0;
		if (samples_add(&cl->submit, (t2 - t1) / 1000) != 0 ||
		    samples_add(&cl->cycle, (t2 - t0) / 1000) != 0)
			goto cleanup;
		atomic_fetch_add(&cycles_done, 1);
	}
cleanup:
	free(submit_body);
	conn_close(cl);
	return NULL;
}

static void print_summary(const struct conf *c, struct client *cls, int n, double wall)
{
	struct samples cyc = {0}, clm = {0}, sub = {0};
	long long requests = 0, errors = 0, transport = 0;
	for (int i = 0; i < n; i++) {
		requests += cls[i].requests;
		errors += cls[i].errors;
		transport += cls[i].transport_errors;
		if (merge(&cyc, &cls[i].cycle) != 0 || merge(&clm, &cls[i].claim) != 0 ||
		    merge(&sub, &cls[i].submit) != 0) {
			fprintf(stderr, "loadgen: out of memory\n");
			goto cleanup;
		}
	}
	if (cyc.n > 1)
		qsort(cyc.v, cyc.n, sizeof(*cyc.v), cmp_i64);
	if (clm.n > 1)
		qsort(clm.v, clm.n, sizeof(*clm.v), cmp_i64);
	if (sub.n > 1)
		qsort(sub.v, sub.n, sizeof(*sub.v), cmp_i64);
	double cps = wall > 0 ? (double)cyc.n / wall : 0,
	       rps = wall > 0 ? (double)requests / wall : 0;
	double maxms = cyc.n ? (double)cyc.v[cyc.n - 1] / 1000.0 : 0;
	printf("clients:          %d\n", n);
	printf("cycles:           %zu%s\n", cyc.n, atomic_load(&drained) ? " (queue drained)" : "");
	printf("errors:           %lld non-2xx, %lld transport\n", errors, transport);
	for (int i = 0; i < nerr_bodies; i++)
		printf("  %s\n", err_bodies[i]);
	printf("wall:             %.3f s\n", wall);
	printf("cycles/s:         %.1f\n", cps);
	printf("requests/s:       %.1f\n", rps);
	printf("cycle ms:         p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", pct_ms(&cyc, 50),
	       pct_ms(&cyc, 90), pct_ms(&cyc, 99), maxms);
	printf("claim ms:         p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", pct_ms(&clm, 50),
	       pct_ms(&clm, 90), pct_ms(&clm, 99), clm.n ? (double)clm.v[clm.n - 1] / 1000.0 : 0);
	printf("submit ms:        p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", pct_ms(&sub, 50),
	       pct_ms(&sub, 90), pct_ms(&sub, 99), sub.n ? (double)sub.v[sub.n - 1] / 1000.0 : 0);
	/* Uneven shares would show one server starving the other. */
	if (c->ntargets > 1)
		for (int t = 0; t < c->ntargets; t++) {
			size_t done = 0;
			for (int i = t; i < n; i += c->ntargets)
				done += cls[i].cycle.n;
			printf("server %d:         %s:%s  %zu cycles\n", t + 1, c->targets[t].host,
			       c->targets[t].port, done);
		}
	printf("loadgen: clients=%d cycles=%zu errors=%lld wall=%.3f cps=%.1f rps=%.1f "
	       "p50=%.2f p90=%.2f p99=%.2f max=%.2f claim_p50=%.2f claim_p99=%.2f "
	       "submit_p50=%.2f submit_p99=%.2f claim_p90=%.2f submit_p90=%.2f servers=%d\n",
	       n, cyc.n, errors + transport, wall, cps, rps, pct_ms(&cyc, 50), pct_ms(&cyc, 90),
	       pct_ms(&cyc, 99), maxms, pct_ms(&clm, 50), pct_ms(&clm, 99), pct_ms(&sub, 50),
	       pct_ms(&sub, 99), pct_ms(&clm, 90), pct_ms(&sub, 90), c->ntargets);
cleanup:
	free(cyc.v);
	free(clm.v);
	free(sub.v);
}

int main(int argc, char **argv)
{
	struct conf c = {.stage = "l1", .result = DEFAULT_RESULT};
	const char *tokens_path = NULL;
	int bad_url = 0;
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct client *cls = NULL;
	char **tokens = NULL;
	int ntokens = 0, started = 0, ret = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL) {
			usage();
			goto cleanup;
		}
		if (strcmp(a, "--url") == 0) {
			if (c.ntargets == MAX_TARGETS || parse_url(v, &c.targets[c.ntargets]) != 0)
				bad_url = 1;
			else
				c.ntargets++;
		} else if (strcmp(a, "--project") == 0)
			c.project = atoll(v);
		else if (strcmp(a, "--tokens") == 0)
			tokens_path = v;
		else if (strcmp(a, "--stage") == 0)
			c.stage = v;
		else if (strcmp(a, "--result") == 0)
			c.result = v;
		else if (strcmp(a, "--max-cycles") == 0)
			c.max_cycles = atoll(v);
		else if (strcmp(a, "--seconds") == 0)
			c.seconds = atof(v);
		else {
			usage();
			goto cleanup;
		}
		i++;
	}
	if (c.ntargets == 0 || bad_url || tokens_path == NULL || c.project <= 0 ||
	    strlen(c.stage) > 8) {
		usage();
		goto cleanup;
	}
	for (int i = 0; i < c.ntargets; i++) {
		struct target *t = &c.targets[i];
		int gai = getaddrinfo(t->host, t->port, &hints, &t->addr);
		if (gai != 0) {
			fprintf(stderr, "loadgen: %s: %s\n", t->host, gai_strerror(gai));
			goto cleanup;
		}
	}
	if (read_tokens(tokens_path, &tokens, &ntokens) != 0 || ntokens == 0) {
		fprintf(stderr, "loadgen: no tokens in %s\n", tokens_path);
		goto cleanup;
	}
	if ((cls = calloc((size_t)ntokens, sizeof(*cls))) == NULL)
		goto cleanup;
	int64_t t0 = now_ns();
	if (c.seconds > 0)
		deadline_ns = t0 + (int64_t)(c.seconds * 1e9);
	for (; started < ntokens; started++) {
		struct client *cl = &cls[started];
		cl->conf = &c;
		cl->target = &c.targets[started % c.ntargets];
		cl->token = tokens[started];
		cl->fd = -1;
		cl->cap = 16384;
		if ((cl->buf = malloc(cl->cap)) == NULL)
			break;
		/* Small stacks: the client loop uses a few KiB, and hundreds of
		 * threads with the default 8 MiB would only waste address space. */
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		int rc = pthread_create(&cl->thread, &attr, client_main, cl);
		pthread_attr_destroy(&attr);
		if (rc != 0) {
			fprintf(stderr, "loadgen: pthread_create: %s\n", strerror(rc));
			free(cl->buf);
			cl->buf = NULL;
			break;
		}
	}
	for (int i = 0; i < started; i++)
		pthread_join(cls[i].thread, NULL);
	double wall = (double)(now_ns() - t0) / 1e9;
	if (started == ntokens) {
		print_summary(&c, cls, started, wall);
		ret = 0;
	}
cleanup:
	if (cls != NULL) {
		for (int i = 0; i < started; i++) {
			free(cls[i].buf);
			free(cls[i].cycle.v);
			free(cls[i].claim.v);
			free(cls[i].submit.v);
		}
		free(cls);
	}
	for (int i = 0; i < ntokens; i++)
		free(tokens[i]);
	free(tokens);
	for (int i = 0; i < c.ntargets; i++)
		if (c.targets[i].addr != NULL)
			freeaddrinfo(c.targets[i].addr);
	return ret;
}
