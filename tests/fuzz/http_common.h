/*
 * http_common.h - an in-process lf_http server for the HTTP fuzz targets
 * (fuzz_http_json.c, fuzz_multipart.c): the request parsing under test
 * needs a live libmicrohttpd connection, so each input is sent as one real
 * request over loopback (Connection: close) and the answer read back.
 * The server's threads run the instrumented code, so their coverage and
 * their sanitizer reports count as the target's.
 */
#ifndef LF_FUZZ_HTTP_COMMON_H
#define LF_FUZZ_HTTP_COMMON_H

#include "fuzz.h"
#include "http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static lf_http_server *http_server;

struct http_answer {
	int status; /* 0: the connection closed without an answer */
	json_t *json;
};

static void http_start(const lf_http_route *routes, size_t n)
{
	char err[256];
	lf_http_config cfg = {
	    .listen = "127.0.0.1:0",
	    .threads = 1,
	    .max_body = 1 << 20,
	    .routes = routes,
	    .nroutes = n,
	};
	if (lf_http_start(&cfg, &http_server, err, sizeof(err)) != LF_OK) {
		fprintf(stderr, "cannot start the server: %s\n", err);
		abort();
	}
}

static void http_send(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t k = send(fd, p, len, MSG_NOSIGNAL);
		if (k <= 0)
			return; /* the server may answer and close before the body */
		p += k;
		len -= (size_t)k;
	}
}

/* One attempt of http_exchange. */
static void http_try(const char *head, const void *body, size_t len, struct http_answer *a)
{
	struct sockaddr_in sa = {0};
	struct timeval tv = {20, 0};
	char cl[96];
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	const char *b;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	FUZZ_CHECK(fd >= 0 && buf != NULL);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)lf_http_port(http_server));
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* A loaded machine may run short of loopback ports for a moment. */
	for (int i = 0; connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0; i++) {
		if (i == 200 || (errno != EADDRNOTAVAIL && errno != EAGAIN)) {
			perror("connect to the fuzzed server");
			abort();
		}
		usleep(10000);
	}
	snprintf(cl, sizeof(cl), "\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", len);
	http_send(fd, head, strlen(head));
	http_send(fd, cl, strlen(cl));
	http_send(fd, body, len);
	for (;;) {
		ssize_t k;
		if (n + 1 >= cap) {
			buf = realloc(buf, cap *= 2);
			FUZZ_CHECK(buf != NULL);
		}
		k = recv(fd, buf + n, cap - n - 1, 0);
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			fprintf(stderr, "the server did not answer within 20 s\n");
			abort();
		}
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	/* Closed by a reset once the server has closed its side: neither side
	 * then keeps the connection in TIME_WAIT, which would use up the
	 * loopback ports at thousands of requests a second. */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &(struct linger){.l_onoff = 1, .l_linger = 0},
		   sizeof(struct linger));
	close(fd);
	buf[n] = '\0';
	a->status = 0;
	a->json = NULL;
	if (sscanf(buf, "HTTP/1.1 %d", &a->status) != 1)
		a->status = 0;
	if ((b = strstr(buf, "\r\n\r\n")) != NULL)
		a->json = json_loads(b + 4, JSON_ALLOW_NUL, NULL);
	free(buf);
}

/*
 * Sends head (a request line and headers, without the blank line) with a
 * Content-Length and Connection: close, then body, and reads the answer
 * until the server closes. A server that does not answer within 20 s
 * hangs: that is a finding. So is one that closes without an answer, but
 * only when it does so three times: on a loaded machine tens of thousands
 * of loopback connections a minute now and then meet a reset.
 */
static void http_exchange(const char *head, const void *body, size_t len, struct http_answer *a)
{
	for (int i = 0; i < 3; i++) {
		http_try(head, body, len, a);
		if (a->status != 0)
			return;
		json_decref(a->json);
	}
	a->json = NULL;
}

#endif
