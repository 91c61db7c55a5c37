/*
 * fuzz_multipart.c - multipart/form-data uploads (src/http/upload.c, over
 * libmicrohttpd's post processor) through the real server.
 *
 * The first byte picks the route: bit 0 a consumer with a file hook (any
 * number of files), bit 1 a 2,000-byte body limit. The rest is the body,
 * sent with boundary "lfB". Every upload is answered; the consumer's state
 * is released on every path (abort or handler: LeakSanitizer tells);
 * a 200 reports as many file bytes as the consumer was given, and its
 * form holds only strings.
 */
#include "http_common.h"

struct sink {
	uint64_t bytes;
	int files;
};

static int sink_begin(lf_http_req *req)
{
	req->stream_ctx = calloc(1, sizeof(struct sink));
	return req->stream_ctx != NULL ? LF_OK : LF_ERR_NOMEM;
}

static int sink_chunk(lf_http_req *req, const char *data, size_t len)
{
	struct sink *s = req->stream_ctx;
	FUZZ_CHECK(len > 0);
	s->bytes += len;
	FUZZ_CHECK(s->bytes == req->upload_bytes);
	return LF_OK;
}

static int sink_file(lf_http_req *req)
{
	struct sink *s = req->stream_ctx;
	FUZZ_CHECK(req->upload_name != NULL && req->upload_type != NULL);
	FUZZ_CHECK(lf_utf8_valid(req->upload_name, strlen(req->upload_name)));
	s->files++;
	return LF_OK;
}

static void sink_abort(lf_http_req *req)
{
	free(req->stream_ctx);
	req->stream_ctx = NULL;
}

static int sink_finish(lf_http_req *req)
{
	struct sink *s = req->stream_ctx;
	json_t *out =
	    json_pack("{s:I, s:I, s:i, s:O}", "bytes", (json_int_t)s->bytes, "upload_bytes",
		      (json_int_t)req->upload_bytes, "files", s->files, "form", req->form);
	free(s);
	req->stream_ctx = NULL;
	return lf_http_json(req, 200, out);
}

static const lf_http_stream one_file = {
    .begin = sink_begin, .chunk = sink_chunk, .abort = sink_abort};
static const lf_http_stream many_files = {
    .begin = sink_begin, .chunk = sink_chunk, .abort = sink_abort, .file = sink_file};

static const lf_http_route routes[] = {
    {"POST", "/one", sink_finish, LF_BODY_STREAM, 0, &one_file},
    {"POST", "/many", sink_finish, LF_BODY_STREAM, 0, &many_files},
    {"POST", "/one-small", sink_finish, LF_BODY_STREAM, 2000, &one_file},
    {"POST", "/many-small", sink_finish, LF_BODY_STREAM, 2000, &many_files},
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	http_start(routes, LF_ARRAY_LEN(routes));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = {"/one", "/many", "/one-small", "/many-small"};
	char head[256];
	struct http_answer a;
	const char *key;
	json_t *v, *form;

	if (size < 1)
		return 0;
	snprintf(head, sizeof(head),
		 "POST %s HTTP/1.1\r\nHost: fuzz\r\n"
		 "Content-Type: multipart/form-data; boundary=lfB",
		 paths[data[0] & 3]);
	http_exchange(head, data + 1, size - 1, &a);
	FUZZ_CHECK(a.status != 0);
	if (a.status == 200) {
		FUZZ_CHECK(json_integer_value(json_object_get(a.json, "bytes")) ==
			   json_integer_value(json_object_get(a.json, "upload_bytes")));
		form = json_object_get(a.json, "form");
		FUZZ_CHECK(json_is_object(form));
		json_object_foreach(form, key, v) FUZZ_CHECK(json_is_string(v));
	} else {
		FUZZ_CHECK(a.status == 400 || a.status == 413 || a.status == 500);
	}
	json_decref(a.json);
	return 0;
}
