/*
 * test_http_stream.c - streamed uploads (LF_BODY_STREAM) through a real
 * lf_http server over real sockets: chunked raw bodies hashed on arrival
 * without buffering, multipart files and fields, one file per upload,
 * 413 (declared and counted), refusal in begin() before the body is read,
 * and abort() when the client goes away mid-upload.
 */
#include "http/http.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define BOUNDARY    "----lfTestBoundary7MA4YWxkTrZu0gW"
#define SMALL_LIMIT 1000

/* One upload's state, kept in req->stream_ctx by the test consumer. */
struct sink {
	uint64_t hash;
	uint64_t bytes;
	size_t max_chunk;
	size_t chunks;
};

struct response {
	int status;
	char *body;
	json_t *json;
};

static int begins, chunks, aborts, handlers;
static lf_http_server *server;

static uint64_t fnv(uint64_t h, const void *data, size_t len);
static int sink_begin(lf_http_req *req);
static int sink_chunk(lf_http_req *req, const char *data, size_t len);
static void sink_abort(lf_http_req *req);
static int sink_finish(lf_http_req *req);
static int counter(int *c);
static int wait_counter(int *c, int at_least);
static int connect_server(void);
static void send_all(int fd, const void *data, size_t len);
static void send_str(int fd, const char *s);
static void read_response(int fd, struct response *r);
static void response_free(struct response *r);
static void send_chunk(int fd, const void *data, size_t len);
static unsigned char pattern(uint64_t i);
static int setup(void **state);
static int teardown(void **state);

static const lf_http_stream sink_stream = {
    .begin = sink_begin, .chunk = sink_chunk, .abort = sink_abort};

static const lf_http_route routes[] = {
    {"POST", "/upload", sink_finish, LF_BODY_STREAM, 64 * 1024 * 1024, &sink_stream, 0},
    {"POST", "/small", sink_finish, LF_BODY_STREAM, SMALL_LIMIT, &sink_stream, 0},
};

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static unsigned char pattern(uint64_t i)
{
	/* Binary content sprinkled with CR LF "--" so that a parser that
	 * looked for boundaries carelessly would cut the file. */
	if (i % 997 < 4)
		return (unsigned char)"\r\n--"[i % 997];
	return (unsigned char)((i * 2654435761u) >> 11);
}

static int counter(int *c)
{
	return __atomic_load_n(c, __ATOMIC_ACQUIRE);
}

/* The completion callback runs on the server's thread after the client
 * may already have its answer, so counts it updates are polled: for up to
 * 30 s, since a loaded machine's server may take seconds to notice a
 * closed connection (the wait ends as soon as it does). */
static int wait_counter(int *c, int at_least)
{
	for (int i = 0; i < 3000 && counter(c) < at_least; i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return counter(c);
}

static int sink_begin(lf_http_req *req)
{
	__atomic_add_fetch(&begins, 1, __ATOMIC_ACQ_REL);
	const char *auth = lf_http_header(req, "X-Test-Auth");
	if (auth == NULL || strcmp(auth, "yes") != 0)
		return lf_http_fail(req, LF_ERR_AUTH, "unauthorized",
				    "Authentication is required.");
	struct sink *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return LF_ERR_NOMEM;
	s->hash = 1469598103934665603ull;
	req->stream_ctx = s;
	return LF_OK;
}

static int sink_chunk(lf_http_req *req, const char *data, size_t len)
{
	struct sink *s = req->stream_ctx;
	__atomic_add_fetch(&chunks, 1, __ATOMIC_ACQ_REL);
	s->hash = fnv(s->hash, data, len);
	s->bytes += len;
	s->chunks++;
	if (len > s->max_chunk)
		s->max_chunk = len;
	return LF_OK;
}

static void sink_abort(lf_http_req *req)
{
	free(req->stream_ctx);
	req->stream_ctx = NULL;
	__atomic_add_fetch(&aborts, 1, __ATOMIC_ACQ_REL);
}

static int sink_finish(lf_http_req *req)
{
	struct sink *s = req->stream_ctx;
	char hex[17];
	__atomic_add_fetch(&handlers, 1, __ATOMIC_ACQ_REL);
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)s->hash);
	json_t *out =
	    json_pack("{s:I,s:I,s:s,s:I,s:I,s:s?,s:s?,s:O}", "bytes", (json_int_t)s->bytes,
		      "upload_bytes", (json_int_t)req->upload_bytes, "hash", hex, "max_chunk",
		      (json_int_t)s->max_chunk, "chunks", (json_int_t)s->chunks, "name",
		      req->upload_name, "type", req->upload_type, "form", req->form);
	free(s);
	req->stream_ctx = NULL;
	return lf_http_json(req, 200, out);
}

static int connect_server(void)
{
	struct sockaddr_in sa = {0};
	struct timeval tv = {15, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)lf_http_port(server));
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void send_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t k = send(fd, p, len, MSG_NOSIGNAL);
		assert_true(k > 0);
		p += k;
		len -= (size_t)k;
	}
}

static void send_str(int fd, const char *s)
{
	send_all(fd, s, strlen(s));
}

static void send_chunk(int fd, const void *data, size_t len)
{
	char head[32];
	snprintf(head, sizeof(head), "%zx\r\n", len);
	send_str(fd, head);
	send_all(fd, data, len);
	send_str(fd, "\r\n");
}

/* Reads until the server closes (requests say Connection: close). */
static void read_response(int fd, struct response *r)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (n + 1 >= cap)
			buf = realloc(buf, cap *= 2);
		ssize_t k = recv(fd, buf + n, cap - n - 1, 0);
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	buf[n] = '\0';
	memset(r, 0, sizeof(*r));
	r->body = buf;
	if (sscanf(buf, "HTTP/1.1 %d", &r->status) != 1)
		r->status = -1;
	char *b = strstr(buf, "\r\n\r\n");
	if (b != NULL)
		r->json = json_loads(b + 4, 0, NULL);
}

static void response_free(struct response *r)
{
	json_decref(r->json);
	free(r->body);
}

static int setup(void **state)
{
	char err[256];
	lf_http_config cfg = {
	    .listen = "127.0.0.1:0",
	    .threads = 2,
	    .max_body = 1 << 20,
	    .routes = routes,
	    .nroutes = LF_ARRAY_LEN(routes),
	};
	return lf_http_start(&cfg, &server, err, sizeof(err)) == LF_OK ? 0 : -1;
}

static int teardown(void **state)
{
	lf_http_stop(server, 1000);
	return 0;
}

static void test_raw_chunked_streamed(void **state)
{
	const size_t total = 8 * 1024 * 1024 + 13;
	const size_t piece = 200 * 1024;
	unsigned char *buf = malloc(piece);
	uint64_t want = 1469598103934665603ull;
	struct response r;
	char hex[17];
	int fd = connect_server();
	int handled = counter(&handlers);
	send_str(fd, "POST /upload?filename=data.csv HTTP/1.1\r\nHost: t\r\n"
		     "X-Test-Auth: yes\r\nContent-Type: text/csv\r\n"
		     "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
	for (size_t off = 0; off < total; off += piece) {
		size_t len = total - off < piece ? total - off : piece;
		for (size_t i = 0; i < len; i++)
			buf[i] = pattern(off + i);
		want = fnv(want, buf, len);
		send_chunk(fd, buf, len);
	}
	send_str(fd, "0\r\n\r\n");
	read_response(fd, &r);
	close(fd);
	free(buf);

	assert_int_equal(r.status, 200);
	assert_non_null(r.json);
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)want);
	assert_string_equal(json_string_value(json_object_get(r.json, "hash")), hex);
	assert_int_equal(json_integer_value(json_object_get(r.json, "bytes")), total);
	assert_int_equal(json_integer_value(json_object_get(r.json, "upload_bytes")), total);
	assert_string_equal(json_string_value(json_object_get(r.json, "name")), "data.csv");
	assert_string_equal(json_string_value(json_object_get(r.json, "type")), "text/csv");
	assert_int_equal(json_object_size(json_object_get(r.json, "form")), 0);
	/* Streamed, not buffered: many small pieces, none near the body size. */
	json_int_t max_chunk = json_integer_value(json_object_get(r.json, "max_chunk"));
	assert_true(max_chunk > 0 && max_chunk <= 256 * 1024);
	assert_true(json_integer_value(json_object_get(r.json, "chunks")) >= 32);
	assert_int_equal(counter(&handlers), handled + 1);
	response_free(&r);
}

static void test_raw_content_length(void **state)
{
	struct response r;
	int fd = connect_server();
	send_str(fd, "POST /upload HTTP/1.1\r\nHost: t\r\nX-Test-Auth: yes\r\n"
		     "Content-Length: 11\r\nConnection: close\r\n\r\nhello world");
	read_response(fd, &r);
	close(fd);
	assert_int_equal(r.status, 200);
	char hex[17];
	snprintf(hex, sizeof(hex), "%016llx",
		 (unsigned long long)fnv(1469598103934665603ull, "hello world", 11));
	assert_string_equal(json_string_value(json_object_get(r.json, "hash")), hex);
	assert_true(json_is_null(json_object_get(r.json, "name")) ||
		    json_object_get(r.json, "name") == NULL);
	assert_string_equal(json_string_value(json_object_get(r.json, "type")),
			    "application/octet-stream");
	response_free(&r);
}

static void test_multipart_file_and_fields(void **state)
{
	const size_t flen = 300 * 1024 + 5;
	unsigned char *file = malloc(flen);
	for (size_t i = 0; i < flen; i++)
		file[i] = pattern(i);
	static const char head[] =
	    "--" BOUNDARY "\r\n"
	    "Content-Disposition: form-data; name=\"format\"\r\n\r\n"
	    "csv\r\n"
	    "--" BOUNDARY "\r\n"
	    "Content-Disposition: form-data; name=\"file\"; filename=\"rows.csv\"\r\n"
	    "Content-Type: text/csv\r\n\r\n";
	static const char tail[] = "\r\n--" BOUNDARY "\r\n"
				   "Content-Disposition: form-data; name=\"skip_bad\"\r\n\r\n"
				   "true\r\n"
				   "--" BOUNDARY "--\r\n";
	char req[512];
	struct response r;
	snprintf(req, sizeof(req),
		 "POST /upload HTTP/1.1\r\nHost: t\r\nX-Test-Auth: yes\r\n"
		 "Content-Type: multipart/form-data; boundary=" BOUNDARY "\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		 strlen(head) + flen + strlen(tail));
	int fd = connect_server();
	send_str(fd, req);
	send_str(fd, head);
	send_all(fd, file, flen);
	send_str(fd, tail);
	read_response(fd, &r);
	close(fd);

	assert_int_equal(r.status, 200);
	char hex[17];
	snprintf(hex, sizeof(hex), "%016llx",
		 (unsigned long long)fnv(1469598103934665603ull, file, flen));
	assert_string_equal(json_string_value(json_object_get(r.json, "hash")), hex);
	assert_int_equal(json_integer_value(json_object_get(r.json, "bytes")), flen);
	assert_int_equal(json_integer_value(json_object_get(r.json, "upload_bytes")), flen);
	assert_string_equal(json_string_value(json_object_get(r.json, "name")), "rows.csv");
	assert_string_equal(json_string_value(json_object_get(r.json, "type")), "text/csv");
	json_t *form = json_object_get(r.json, "form");
	assert_int_equal(json_object_size(form), 2);
	assert_string_equal(json_string_value(json_object_get(form, "format")), "csv");
	assert_string_equal(json_string_value(json_object_get(form, "skip_bad")), "true");
	assert_true(json_integer_value(json_object_get(r.json, "max_chunk")) <= 64 * 1024);
	response_free(&r);
	free(file);
}

/* The empty first field is the one fuzz_multipart found: appending its
 * nothing to a value not yet allocated was undefined (UBSan, test-asan). */
static void test_multipart_without_file(void **state)
{
	static const char body[] = "--" BOUNDARY "\r\n"
				   "Content-Disposition: form-data; name=\"note\"\r\n\r\n"
				   "\r\n"
				   "--" BOUNDARY "\r\n"
				   "Content-Disposition: form-data; name=\"format\"\r\n\r\n"
				   "jsonl\r\n"
				   "--" BOUNDARY "--\r\n";
	char req[512];
	struct response r;
	snprintf(req, sizeof(req),
		 "POST /upload HTTP/1.1\r\nHost: t\r\nX-Test-Auth: yes\r\n"
		 "Content-Type: multipart/form-data; boundary=" BOUNDARY "\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		 strlen(body), body);
	int fd = connect_server();
	send_str(fd, req);
	read_response(fd, &r);
	close(fd);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_integer_value(json_object_get(r.json, "upload_bytes")), 0);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(r.json, "form"), "format")), "jsonl");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(r.json, "form"), "note")), "");
	response_free(&r);
}

static void test_multipart_second_file_refused(void **state)
{
	static const char body[] =
	    "--" BOUNDARY "\r\n"
	    "Content-Disposition: form-data; name=\"a\"; filename=\"a.txt\"\r\n\r\n"
	    "first file\r\n"
	    "--" BOUNDARY "\r\n"
	    "Content-Disposition: form-data; name=\"b\"; filename=\"b.txt\"\r\n\r\n"
	    "second file\r\n"
	    "--" BOUNDARY "--\r\n";
	char req[1024];
	struct response r;
	int aborted = counter(&aborts), handled = counter(&handlers);
	snprintf(req, sizeof(req),
		 "POST /upload HTTP/1.1\r\nHost: t\r\nX-Test-Auth: yes\r\n"
		 "Content-Type: multipart/form-data; boundary=" BOUNDARY "\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		 strlen(body), body);
	int fd = connect_server();
	send_str(fd, req);
	read_response(fd, &r);
	close(fd);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "One file per upload"));
	assert_int_equal(wait_counter(&aborts, aborted + 1), aborted + 1);
	assert_int_equal(counter(&handlers), handled);
	response_free(&r);
}

/* A NUL in a field value is refused like one in a query parameter, not
 * kept for handlers that read values as C strings (found by
 * fuzz_multipart). */
static void test_multipart_field_with_nul(void **state)
{
	static const char head[] = "--" BOUNDARY "\r\n"
				   "Content-Disposition: form-data; name=\"format\"\r\n\r\n"
				   "csv";
	static const char tail[] = "junk\r\n--" BOUNDARY "--\r\n";
	char req[512];
	struct response r;
	snprintf(req, sizeof(req),
		 "POST /upload HTTP/1.1\r\nHost: t\r\nX-Test-Auth: yes\r\n"
		 "Content-Type: multipart/form-data; boundary=" BOUNDARY "\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		 strlen(head) + 1 + strlen(tail));
	int fd = connect_server();
	send_str(fd, req);
	send_str(fd, head);
	send_all(fd, "", 1);
	send_str(fd, tail);
	read_response(fd, &r);
	close(fd);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "UTF-8"));
	response_free(&r);
}

static void test_multipart_field_too_long(void **state)
{
	size_t vlen = LF_HTTP_FORM_VALUE_MAX + 10;
	char *value = malloc(vlen);
	memset(value, 'v', vlen);
	static const char head[] = "--" BOUNDARY "\r\n"
				   "Content-Disposition: form-data; name=\"format\"\r\n\r\n";
	static const char tail[] = "\r\n--" BOUNDARY "--\r\n";
	char req[512];
	struct response r;
	snprintf(req, sizeof(req),
		 "POST /upload HTTP/1.1\r\nHost: t\r\nX-Test-Auth: yes\r\n"
		 "Content-Type: multipart/form-data; boundary=" BOUNDARY "\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		 strlen(head) + vlen + strlen(tail));
	int fd = connect_server();
	send_str(fd, req);
	send_str(fd, head);
	send_all(fd, value, vlen);
	send_str(fd, tail);
	read_response(fd, &r);
	close(fd);
	assert_int_equal(r.status, 413);
	response_free(&r);
	free(value);
}

static void test_too_large_declared(void **state)
{
	struct response r;
	int begun = counter(&begins);
	int fd = connect_server();
	send_str(fd, "POST /small HTTP/1.1\r\nHost: t\r\nX-Test-Auth: yes\r\n"
		     "Content-Length: 5000\r\nConnection: close\r\n\r\n");
	read_response(fd, &r);
	close(fd);
	assert_int_equal(r.status, 413);
	assert_int_equal(counter(&begins), begun);
	response_free(&r);
}

static void test_too_large_chunked(void **state)
{
	char buf[600];
	struct response r;
	int aborted = counter(&aborts), handled = counter(&handlers);
	memset(buf, 'x', sizeof(buf));
	int fd = connect_server();
	send_str(fd, "POST /small HTTP/1.1\r\nHost: t\r\nX-Test-Auth: yes\r\n"
		     "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
	for (int i = 0; i < 4; i++)
		send_chunk(fd, buf, sizeof(buf));
	send_str(fd, "0\r\n\r\n");
	read_response(fd, &r);
	close(fd);
	assert_int_equal(r.status, 413);
	assert_int_equal(wait_counter(&aborts, aborted + 1), aborted + 1);
	assert_int_equal(counter(&handlers), handled);
	response_free(&r);
}

static void test_begin_refuses_before_body(void **state)
{
	struct response r;
	int chunked = counter(&chunks), aborted = counter(&aborts);
	int fd = connect_server();
	/* Announces 60 MB (under the limit) and sends none of it: the answer
	 * must not wait for the body. */
	send_str(fd, "POST /upload HTTP/1.1\r\nHost: t\r\n"
		     "Content-Length: 60000000\r\nConnection: close\r\n\r\n");
	read_response(fd, &r);
	close(fd);
	assert_int_equal(r.status, 401);
	assert_non_null(strstr(r.body, "unauthorized"));
	assert_int_equal(counter(&chunks), chunked);
	assert_int_equal(wait_counter(&aborts, aborted + 1), aborted + 1);
	response_free(&r);
}

static void test_disconnect_calls_abort(void **state)
{
	char buf[100 * 1024];
	int aborted = counter(&aborts), handled = counter(&handlers);
	int chunked = counter(&chunks);
	memset(buf, 'd', sizeof(buf));
	int fd = connect_server();
	send_str(fd, "POST /upload HTTP/1.1\r\nHost: t\r\nX-Test-Auth: yes\r\n"
		     "Content-Length: 1000000\r\n\r\n");
	send_all(fd, buf, sizeof(buf));
	/* Make sure some of it reached the consumer before leaving. */
	wait_counter(&chunks, chunked + 1);
	assert_true(counter(&chunks) > chunked);
	close(fd);
	assert_int_equal(wait_counter(&aborts, aborted + 1), aborted + 1);
	assert_int_equal(counter(&handlers), handled);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_raw_chunked_streamed),
	    cmocka_unit_test(test_raw_content_length),
	    cmocka_unit_test(test_multipart_file_and_fields),
	    cmocka_unit_test(test_multipart_without_file),
	    cmocka_unit_test(test_multipart_second_file_refused),
	    cmocka_unit_test(test_multipart_field_with_nul),
	    cmocka_unit_test(test_multipart_field_too_long),
	    cmocka_unit_test(test_too_large_declared),
	    cmocka_unit_test(test_too_large_chunked),
	    cmocka_unit_test(test_begin_refuses_before_body),
	    cmocka_unit_test(test_disconnect_calls_abort),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
