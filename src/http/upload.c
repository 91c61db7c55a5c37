/*
 * upload.c - streamed request bodies (LF_BODY_STREAM): the file content of
 * an upload goes to the route's consumer piece by piece as it arrives, so
 * memory stays flat whatever the size of the body.
 *
 * A raw body is the file itself. A multipart/form-data body is parsed by
 * libmicrohttpd's post processor, which calls part_data() for each piece
 * of each part with the part's name, filename and offset; it signals no
 * part boundaries, so a new part is recognised by its offset starting
 * again at 0 (or by its name changing while still at 0, for empty parts).
 * Text fields are small and collected whole into req->form; the file part
 * (or each, for a consumer with a file hook) is passed through.
 */
#include "http/http_int.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The post processor's parse buffer: also the largest piece of a
 * multipart file that chunk() is given. */
#define PP_BUFFER (64 * 1024)

enum part_kind {
	PART_NONE = 0, /* before the first part */
	PART_FILE,     /* the upload's file */
	PART_FIELD,    /* a text field, collected into req->form */
	PART_SKIP,     /* a nameless part or an empty file input: ignored */
};

struct lf_http_upload {
	struct MHD_PostProcessor *pp;
	int begun;
	int handled;
	int seen_file;
	int nparts;
	enum part_kind kind;
	const char *part_name;	   /* request memory */
	const char *part_filename; /* request memory, NULL for fields */
	uint64_t part_end;	   /* offset after the last piece of this part */
	char *field;		   /* value of the current field so far */
	size_t field_len;
	size_t field_cap;
};

static int is_multipart(const char *ct);
static int same_str(const char *a, const char *b);
static int deliver(lf_http_req *req, const char *data, size_t len);
static int start_part(lf_http_req *req, const char *name, const char *filename, const char *type);
static int append_field(lf_http_req *req, const char *data, size_t len);
static int end_part(lf_http_req *req);
static enum MHD_Result part_data(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *filename, const char *content_type,
				 const char *transfer_encoding, const char *data, uint64_t off,
				 size_t size);

static int is_multipart(const char *ct)
{
	if (ct == NULL)
		return 0;
	while (*ct == ' ')
		ct++;
	return strncasecmp(ct, "multipart/form-data", 19) == 0 &&
	       (ct[19] == '\0' || ct[19] == ';' || ct[19] == ' ');
}

static int same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Hands file bytes to the consumer; returns 0 once the upload must stop
 * (a response is then set). */
static int deliver(lf_http_req *req, const char *data, size_t len)
{
	const lf_http_stream *st = req->route->stream;
	req->upload_bytes += len;
	if (st == NULL || st->chunk == NULL || len == 0)
		return 1;
	int ret = st->chunk(req, data, len);
	if (req->status == 0 && ret != LF_OK)
		lf_http_respond_error(req, ret);
	return req->status == 0;
}

static int start_part(lf_http_req *req, const char *name, const char *filename, const char *type)
{
	lf_http_upload *up = req->in->upload;
	/* The part's names are stored and echoed like query parameters, so
	 * they are held to the same rule (see refuse_bad_text in server.c). */
	if ((name != NULL && !lf_utf8_valid(name, strlen(name))) ||
	    (filename != NULL && !lf_utf8_valid(filename, strlen(filename))) ||
	    (type != NULL && !lf_utf8_valid(type, strlen(type))))
		return lf_http_refuse(req, LF_ERR_MALFORMED, "invalid_utf8",
				      "A multipart part's name, file name or type is not UTF-8."),
		       0;
	up->part_end = 0;
	up->part_name = name != NULL ? lf_arena_strdup(req->arena, name) : NULL;
	up->part_filename = filename != NULL ? lf_arena_strdup(req->arena, filename) : NULL;
	if ((name != NULL && up->part_name == NULL) ||
	    (filename != NULL && up->part_filename == NULL))
		return lf_http_refuse(req, LF_ERR_NOMEM, "internal", "Out of memory."), 0;
	if (filename != NULL && filename[0] != '\0') {
		const lf_http_stream *st = req->route->stream;
		int many = st != NULL && st->file != NULL;
		if (up->seen_file && !many)
			return lf_http_refuse(req, LF_ERR_MALFORMED, "bad_request",
					      "One file per upload."),
			       0;
		up->seen_file = 1;
		up->kind = PART_FILE;
		req->upload_name = up->part_filename;
		req->upload_type =
		    lf_arena_strdup(req->arena, type != NULL ? type : "application/octet-stream");
		if (req->upload_type == NULL)
			return lf_http_refuse(req, LF_ERR_NOMEM, "internal", "Out of memory."), 0;
		if (many) {
			int ret = st->file(req);
			if (req->status == 0 && ret != LF_OK)
				lf_http_respond_error(req, ret);
			return req->status == 0;
		}
		return 1;
	}
	/* Every non-file part counts, ignored ones too, so a flood of tiny
	 * parts cannot grow the request's memory without bound. */
	if (++up->nparts > LF_HTTP_FORM_FIELDS_MAX)
		return lf_http_refuse(req, LF_ERR_MALFORMED, "bad_request",
				      "Too many form fields (at most %d).",
				      LF_HTTP_FORM_FIELDS_MAX),
		       0;
	up->kind = (name == NULL || filename != NULL) ? PART_SKIP : PART_FIELD;
	up->field_len = 0;
	return 1;
}

static int append_field(lf_http_req *req, const char *data, size_t len)
{
	lf_http_upload *up = req->in->upload;
	/* An empty field's piece: field may still be NULL, and NULL + 0 is
	 * undefined behaviour (UBSan stops the server on it). */
	if (len == 0)
		return 1;
	if (up->field_len + len > LF_HTTP_FORM_VALUE_MAX)
		return lf_http_refuse(req, LF_ERR_TOO_LARGE, "payload_too_large",
				      "Form field '%s' is longer than %d bytes.", up->part_name,
				      LF_HTTP_FORM_VALUE_MAX),
		       0;
	if (up->field_len + len > up->field_cap) {
		size_t cap = up->field_cap ? up->field_cap : 256;
		while (cap < up->field_len + len)
			cap *= 2;
		char *nf = realloc(up->field, cap);
		if (nf == NULL)
			return lf_http_refuse(req, LF_ERR_NOMEM, "internal", "Out of memory."), 0;
		up->field = nf;
		up->field_cap = cap;
	}
	memcpy(up->field + up->field_len, data, len);
	up->field_len += len;
	return 1;
}

/* Closes the current part: a text field becomes a string of req->form
 * (the last of repeated names wins). */
static int end_part(lf_http_req *req)
{
	lf_http_upload *up = req->in->upload;
	enum part_kind k = up->kind;
	up->kind = PART_NONE;
	if (k != PART_FIELD)
		return 1;
	const char *text = up->field_len ? up->field : "";
	/* The rule of every other text of a request (refuse_bad_text in
	 * server.c): jansson would take a NUL, which handlers reading the
	 * value as a C string would silently cut at. */
	json_t *v = lf_utf8_valid(text, up->field_len) ? json_stringn(text, up->field_len) : NULL;
	if (v == NULL || json_object_set_new(req->form, up->part_name, v) != 0)
		return lf_http_refuse(req, LF_ERR_MALFORMED, "bad_request",
				      "Form fields must be UTF-8 text."),
		       0;
	return 1;
}

static enum MHD_Result part_data(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *filename, const char *content_type,
				 const char *transfer_encoding, const char *data, uint64_t off,
				 size_t size)
{
	lf_http_req *req = cls;
	lf_http_upload *up = req->in->upload;
	int fresh = up->kind == PART_NONE ||
		    (off == 0 && (up->part_end > 0 || !same_str(key, up->part_name) ||
				  !same_str(filename, up->part_filename)));
	if (fresh && (!end_part(req) || !start_part(req, key, filename, content_type)))
		return MHD_NO;
	up->part_end = off + size;
	switch (up->kind) {
	case PART_FILE: return deliver(req, data, size) ? MHD_YES : MHD_NO;
	case PART_FIELD: return append_field(req, data, size) ? MHD_YES : MHD_NO;
	default: return MHD_YES;
	}
}

int lf_http_upload_begin(lf_http_req *req)
{
	const lf_http_stream *st = req->route->stream;
	lf_http_upload *up = lf_arena_calloc(req->arena, sizeof(*up));
	req->form = json_object();
	if (up == NULL || req->form == NULL)
		return lf_http_refuse(req, LF_ERR_NOMEM, "internal", "Out of memory."), 1;
	req->in->upload = up;
	const char *ct = lf_http_header(req, "Content-Type");
	if (is_multipart(ct)) {
		up->pp = MHD_create_post_processor(req->in->conn, PP_BUFFER, part_data, req);
		if (up->pp == NULL)
			return lf_http_refuse(req, LF_ERR_MALFORMED, "bad_request",
					      "The multipart body has no boundary."),
			       1;
	} else {
		const char *name = lf_http_query(req, "filename");
		req->upload_type =
		    lf_arena_strdup(req->arena, ct != NULL ? ct : "application/octet-stream");
		req->upload_name = name != NULL ? lf_arena_strdup(req->arena, name) : NULL;
		if (req->upload_type == NULL || (name != NULL && req->upload_name == NULL))
			return lf_http_refuse(req, LF_ERR_NOMEM, "internal", "Out of memory."), 1;
	}
	if (st == NULL)
		return 0;
	up->begun = 1;
	if (st->begin == NULL)
		return 0;
	int ret = st->begin(req);
	if (req->status == 0 && ret != LF_OK)
		lf_http_respond_error(req, ret);
	return req->status != 0;
}

void lf_http_upload_data(lf_http_req *req, const char *data, size_t len)
{
	lf_http_upload *up = req->in->upload;
	if (up->pp == NULL) {
		deliver(req, data, len);
		return;
	}
	if (MHD_post_process(up->pp, data, len) != MHD_YES && req->status == 0)
		lf_http_refuse(req, LF_ERR_MALFORMED, "bad_request",
			       "The multipart body is malformed.");
}

int lf_http_upload_finish(lf_http_req *req)
{
	lf_http_upload *up = req->in->upload;
	if (up->pp != NULL && req->status == 0) {
		/* The last part has no successor to close it. */
		end_part(req);
		enum MHD_Result complete = MHD_destroy_post_processor(up->pp);
		up->pp = NULL;
		if (complete != MHD_YES && req->status == 0)
			lf_http_refuse(req, LF_ERR_MALFORMED, "bad_request",
				       "The multipart body is truncated or malformed.");
	}
	if (req->status != 0)
		return 1;
	up->handled = 1;
	return 0;
}

void lf_http_upload_done(lf_http_req *req)
{
	lf_http_upload *up = req->in->upload;
	const lf_http_stream *st = req->route->stream;
	if (up->pp != NULL)
		MHD_destroy_post_processor(up->pp);
	up->pp = NULL;
	free(up->field);
	up->field = NULL;
	if (up->begun && !up->handled && st != NULL && st->abort != NULL)
		st->abort(req);
}
