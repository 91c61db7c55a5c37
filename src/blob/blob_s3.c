/*
 * blob_s3.c - the S3 blob adapter: Amazon S3, S3-compatible servers
 * (MinIO, s3rver...) and Google Cloud Storage through its XML API, which
 * speaks S3's protocol to HMAC keys.
 *
 * Requests are signed by libcurl (CURLOPT_AWS_SIGV4). The curl of Debian
 * 12 (7.88) does not put the payload's hash in the request itself, and S3
 * refuses a request without one: every request carries
 * x-amz-content-sha256, which curl then signs. Bodies are at most one
 * part, in memory, so that hash is always the real one. Presigned URLs
 * are signed here (SigV4 query signing), since curl only signs requests
 * it sends.
 *
 * A writer buffers up to part_size bytes; an object that fits is one PUT
 * on commit, a larger one a multipart upload (created when the first part
 * is full, completed on commit, aborted on abort), so an object is
 * visible only once whole. A reader learns size and ETag with HEAD and
 * reads with ranged GETs that must match that ETag: a seek starts the
 * next GET at the new offset, and an object replaced meanwhile fails the
 * read (LF_ERR_CONFLICT) instead of mixing two versions.
 *
 * GCS is the same code with GCS's endpoint, region "auto" and path-style
 * URLs. It is exercised here against s3rver only (tests/unit/
 * test_blob_adapters.c): the real service, which cannot be reached from
 * the test machines, is untested.
 */
#include "blob/adapter.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blob/blob_http.h"

typedef struct s3_store {
	lf_blob_store base;
	lf_blob_http *http;
	const char *service; /* "S3" or "GCS", for messages */
	bool path_style;
	char *base_url;	 /* object URL = base_url "/" prefix key */
	char *base_path; /* the URL path before "/" prefix key */
	char *host;	 /* the Host the URL names, for presigning */
	char *bucket;
	char *prefix;
	char *region;
	char *sigv4;
	char *access;
	char *secret;
	char *token;
	char *userpwd;
	size_t part_size;
} s3_store;

typedef struct s3_writer {
	lf_blob_writer base;
	s3_store *s;
	char *path;
	char *buf;
	size_t len, cap;
	char *upload_id;
	char **etags;
	int nparts, partcap;
} s3_writer;

typedef struct s3_reader {
	lf_blob_reader base;
	s3_store *s;
	char *path;
	lf_blob_http_ranged rg;
} s3_reader;

struct list_ctx {
	s3_store *s;
	lf_blob_list_fn fn;
	void *ctx;
};

static int status_err(long status);
static char *s3_url(const s3_store *s, const char *path, const char *query);
static int s3_headers(const s3_store *s, const void *body, size_t len, struct curl_slist **out);
static int s3_call(s3_store *s, const char *method, const char *path, const char *query,
		   const char *extra, const void *body, size_t len, bool has_body,
		   lf_blob_http_resp *resp);
static int s3_check(s3_store *s, bool create, char *err, size_t errlen);
static int s3_head(s3_store *s, const char *path, uint64_t *size, char *etag, size_t etaglen);
static char *full_path(const s3_store *s, const char *key);
static int parse_endpoint(s3_store *s, const char *endpoint);
static void s3_close(lf_blob_store *bs);
static int s3_create(lf_blob_store *bs, const char *key, lf_blob_writer **out);
static int s3_write(lf_blob_writer *w, const void *data, size_t len);
static int flush_part(s3_writer *w);
static int complete_upload(s3_writer *w);
static int s3_commit(lf_blob_writer *w);
static void s3_abort(lf_blob_writer *w);
static void writer_free(s3_writer *w);
static int s3_open_read(lf_blob_store *bs, const char *key, lf_blob_reader **out);
static int s3_open_range(void *ud, const lf_blob_http_ranged *rg, lf_blob_http_stream **out);
static int s3_read(lf_blob_reader *r, void *buf, size_t cap, size_t *n);
static int s3_seek(lf_blob_reader *r, uint64_t offset);
static int s3_reader_size(lf_blob_reader *r, uint64_t *size);
static void s3_close_read(lf_blob_reader *r);
static int s3_read_head(lf_blob_store *bs, const char *key, void *buf, size_t cap, size_t *n);
static int s3_size(lf_blob_store *bs, const char *key, uint64_t *size);
static int s3_del(lf_blob_store *bs, const char *key);
static int list_item(void *ctx, void *node, lf_blob_xml_text text);
static int s3_list(lf_blob_store *bs, const char *prefix, const char *cursor, int limit,
		   lf_blob_list_fn fn, void *ctx, char **next_cursor);
static int s3_presign(lf_blob_store *bs, const char *key, int ttl_s, const char *content_type,
		      char **url);

static const lf_blob_ops s3_ops = {
    .close = s3_close,
    .create = s3_create,
    .write = s3_write,
    .commit = s3_commit,
    .abort = s3_abort,
    .open_read = s3_open_read,
    .read = s3_read,
    .seek = s3_seek,
    .reader_size = s3_reader_size,
    .close_read = s3_close_read,
    .read_head = s3_read_head,
    .size = s3_size,
    .del = s3_del,
    .list = s3_list,
    .presign = s3_presign,
};

static int status_err(long status)
{
	if (status >= 200 && status < 300)
		return LF_OK;
	switch (status) {
	case 404: return LF_ERR_NOTFOUND;
	case 401:
	case 403: return LF_ERR_AUTH;
	case 409:
	case 412: return LF_ERR_CONFLICT;
	default: return LF_ERR_IO;
	}
}

/* path NULL names the bucket itself. query is already encoded. */
static char *s3_url(const s3_store *s, const char *path, const char *query)
{
	char *url = NULL;
	if (lf_blob_appendf(&url, "%s", s->base_url) != LF_OK)
		return NULL;
	if (path != NULL || !s->path_style)
		if (lf_blob_appendf(&url, "/") != LF_OK)
			return NULL;
	if (path != NULL && lf_blob_append_enc(&url, path, true) != LF_OK)
		return NULL;
	if (query != NULL && lf_blob_appendf(&url, "?%s", query) != LF_OK)
		return NULL;
	return url;
}

static int s3_headers(const s3_store *s, const void *body, size_t len, struct curl_slist **out)
{
	char hash[65];
	lf_blob_sha256_hex(body != NULL ? body : "", body != NULL ? len : 0, hash);
	int ret = lf_blob_header(out, "x-amz-content-sha256: %s", hash);
	if (ret == LF_OK && s->token != NULL)
		ret = lf_blob_header(out, "x-amz-security-token: %s", s->token);
	return ret;
}

/* One signed request read whole. extra is one more header line or NULL. */
static int s3_call(s3_store *s, const char *method, const char *path, const char *query,
		   const char *extra, const void *body, size_t len, bool has_body,
		   lf_blob_http_resp *resp)
{
	int ret = LF_ERR_NOMEM;
	struct curl_slist *headers = NULL;
	char *url = s3_url(s, path, query);
	memset(resp, 0, sizeof(*resp));
	if (url == NULL || s3_headers(s, body, len, &headers) != LF_OK ||
	    (extra != NULL && lf_blob_header(&headers, "%s", extra) != LF_OK))
		goto cleanup;
	lf_blob_http_req req = {.method = method,
				.url = url,
				.headers = headers,
				.sigv4 = s->sigv4,
				.userpwd = s->userpwd,
				.has_body = has_body,
				.body = body,
				.body_len = len};
	ret = lf_blob_http_do(s->http, &req, resp);
cleanup:
	curl_slist_free_all(headers);
	free(url);
	return ret;
}

/* Lists one key of the bucket, which fails the way every later request
 * would: no such host, no such bucket, credentials refused. */
static int s3_check(s3_store *s, bool create, char *err, size_t errlen)
{
	lf_blob_http_resp r;
	char code[64], msg[160];
	int ret = s3_call(s, "GET", NULL, "list-type=2&max-keys=1", NULL, NULL, 0, false, &r);
	if (ret == LF_OK && r.status == 404 && create) {
		char *conf = NULL;
		lf_blob_http_resp_free(&r);
		/* Outside us-east-1 (and GCS's "auto"), S3 wants the region said. */
		if (strcmp(s->region, "us-east-1") != 0 && strcmp(s->region, "auto") != 0 &&
		    lf_blob_appendf(&conf,
				    "<CreateBucketConfiguration><LocationConstraint>%s"
				    "</LocationConstraint></CreateBucketConfiguration>",
				    s->region) != LF_OK)
			return LF_ERR_NOMEM;
		ret = s3_call(s, "PUT", NULL, NULL, NULL, conf, conf ? strlen(conf) : 0, true, &r);
		free(conf);
		if (ret == LF_OK && status_err(r.status) == LF_OK) {
			lf_blob_http_resp_free(&r);
			ret = s3_call(s, "GET", NULL, "list-type=2&max-keys=1", NULL, NULL, 0,
				      false, &r);
		}
	}
	if (ret != LF_OK) {
		snprintf(err, errlen, "%s bucket '%s' at %s: no answer (%s)", s->service, s->bucket,
			 s->base_url, lf_err_str(ret));
		goto cleanup;
	}
	ret = status_err(r.status);
	if (ret == LF_OK)
		goto cleanup;
	lf_blob_xml_find(r.body, r.len, "Code", code, sizeof(code));
	lf_blob_xml_find(r.body, r.len, "Message", msg, sizeof(msg));
	snprintf(err, errlen, "%s bucket '%s' at %s%s: HTTP %ld%s%s%s%s%s", s->service, s->bucket,
		 s->base_url, ret == LF_ERR_AUTH ? " refused the credentials" : "", r.status,
		 code[0] ? " " : "", code, msg[0] ? " (" : "", msg, msg[0] ? ")" : "");
cleanup:
	lf_blob_http_resp_free(&r);
	return ret;
}

static int s3_head(s3_store *s, const char *path, uint64_t *size, char *etag, size_t etaglen)
{
	lf_blob_http_resp r;
	int ret = s3_call(s, "HEAD", path, NULL, NULL, NULL, 0, false, &r);
	if (ret == LF_OK)
		ret = status_err(r.status);
	if (ret == LF_OK && !r.has_length)
		ret = LF_ERR_IO;
	if (ret == LF_OK) {
		*size = r.content_length;
		if (etag != NULL)
			snprintf(etag, etaglen, "%s", r.etag);
	}
	lf_blob_http_resp_free(&r);
	return ret;
}

static char *full_path(const s3_store *s, const char *key)
{
	char *p = NULL;
	lf_blob_appendf(&p, "%s%s", s->prefix, key);
	return p;
}

/* "scheme://host[:port]" with nothing after: the host is signed as is. */
static int parse_endpoint(s3_store *s, const char *endpoint)
{
	const char *host = strstr(endpoint, "://");
	if (host == NULL ||
	    (strncmp(endpoint, "http://", 7) != 0 && strncmp(endpoint, "https://", 8) != 0))
		return LF_ERR_INVALID;
	host += 3;
	size_t n = strcspn(host, "/?#");
	if (n == 0 || (host[n] != '\0' && strcmp(host + n, "/") != 0))
		return LF_ERR_INVALID;
	int scheme = (int)(host - endpoint);
	if (s->path_style) {
		if (lf_blob_appendf(&s->host, "%.*s", (int)n, host) != LF_OK ||
		    lf_blob_appendf(&s->base_url, "%.*s%.*s/%s", scheme, endpoint, (int)n, host,
				    s->bucket) != LF_OK ||
		    lf_blob_appendf(&s->base_path, "/%s", s->bucket) != LF_OK)
			return LF_ERR_NOMEM;
	} else {
		if (lf_blob_appendf(&s->host, "%s.%.*s", s->bucket, (int)n, host) != LF_OK ||
		    lf_blob_appendf(&s->base_url, "%.*s%s", scheme, endpoint, s->host) != LF_OK ||
		    lf_blob_appendf(&s->base_path, "%s", "") != LF_OK)
			return LF_ERR_NOMEM;
	}
	return LF_OK;
}

int lf_blob_s3_open(bool gcs, const char *bucket, const char *prefix, const lf_blob_opts *opts,
		    lf_blob_store **out, char *err, size_t errlen)
{
	int ret = LF_ERR_NOMEM;
	char *endpoint = NULL;
	s3_store *s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto cleanup;
	s->base.ops = &s3_ops;
	s->service = gcs ? "GCS" : "S3";
	s->path_style = gcs || opts->s3_path_style;
	s->part_size = opts->part_size ? opts->part_size : LF_BLOB_PART_SIZE;
	const char *region = gcs ? "auto" : opts->s3_region ? opts->s3_region : "us-east-1";
	const char *access = opts->aws_access_key_id, *secret = opts->aws_secret_access_key;
	if (gcs && opts->gcs_hmac_access_id != NULL) {
		access = opts->gcs_hmac_access_id;
		secret = opts->gcs_hmac_secret;
	}
	if (gcs)
		lf_blob_appendf(&endpoint, "%s",
				opts->gcs_endpoint ? opts->gcs_endpoint
						   : "https://storage.googleapis.com");
	else if (opts->s3_endpoint != NULL)
		lf_blob_appendf(&endpoint, "%s", opts->s3_endpoint);
	else
		lf_blob_appendf(&endpoint, "https://s3.%s.amazonaws.com", region);
	s->bucket = strdup(bucket);
	s->prefix = strdup(prefix);
	s->region = strdup(region);
	if (endpoint == NULL || s->bucket == NULL || s->prefix == NULL || s->region == NULL ||
	    lf_blob_appendf(&s->sigv4, "aws:amz:%s:s3", region) != LF_OK)
		goto cleanup;
	if ((ret = parse_endpoint(s, endpoint)) != LF_OK) {
		if (ret == LF_ERR_INVALID)
			snprintf(err, errlen, "%s endpoint '%s' must be http(s)://HOST[:PORT]",
				 s->service, endpoint);
		goto cleanup;
	}
	if (access == NULL || secret == NULL) {
		snprintf(err, errlen, "%s bucket '%s': no credentials (set %s)", s->service, bucket,
			 gcs ? "GCS_HMAC_ACCESS_ID and GCS_HMAC_SECRET, or AWS_ACCESS_KEY_ID and "
			       "AWS_SECRET_ACCESS_KEY"
			     : "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
		ret = LF_ERR_AUTH;
		goto cleanup;
	}
	ret = LF_ERR_NOMEM;
	s->access = strdup(access);
	s->secret = strdup(secret);
	if (s->access == NULL || s->secret == NULL ||
	    lf_blob_appendf(&s->userpwd, "%s:%s", access, secret) != LF_OK ||
	    (opts->aws_session_token != NULL && !gcs &&
	     (s->token = strdup(opts->aws_session_token)) == NULL))
		goto cleanup;
	if ((ret = lf_blob_http_new(&s->http)) != LF_OK)
		goto cleanup;
	if (!opts->no_check && (ret = s3_check(s, opts->create_bucket, err, errlen)) != LF_OK)
		goto cleanup;
	*out = &s->base;
	s = NULL;
	ret = LF_OK;
cleanup:
	if (ret == LF_ERR_NOMEM)
		snprintf(err, errlen, "out of memory");
	free(endpoint);
	if (s != NULL)
		s3_close(&s->base);
	return ret;
}

static void s3_close(lf_blob_store *bs)
{
	s3_store *s = (s3_store *)bs;
	lf_blob_http_free(s->http);
	free(s->base_url);
	free(s->base_path);
	free(s->host);
	free(s->bucket);
	free(s->prefix);
	free(s->region);
	free(s->sigv4);
	free(s->access);
	if (s->secret != NULL)
		sodium_memzero(s->secret, strlen(s->secret));
	if (s->userpwd != NULL)
		sodium_memzero(s->userpwd, strlen(s->userpwd));
	free(s->secret);
	free(s->userpwd);
	free(s->token);
	free(s);
}

static int s3_create(lf_blob_store *bs, const char *key, lf_blob_writer **out)
{
	s3_writer *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return LF_ERR_NOMEM;
	w->base.ops = &s3_ops;
	w->s = (s3_store *)bs;
	w->path = full_path(w->s, key);
	if (w->path == NULL) {
		free(w);
		return LF_ERR_NOMEM;
	}
	*out = &w->base;
	return LF_OK;
}

/* The buffer grows to a part as bytes come, so that a small object does
 * not cost a whole part of memory. */
static int s3_write(lf_blob_writer *bw, const void *data, size_t len)
{
	s3_writer *w = (s3_writer *)bw;
	const char *p = data;
	size_t part = w->s->part_size;
	while (len > 0) {
		if (w->len == part) {
			int ret = flush_part(w);
			if (ret != LF_OK)
				return ret;
		}
		size_t k = len < part - w->len ? len : part - w->len;
		if (w->len + k > w->cap) {
			size_t cap = w->cap ? w->cap : 64 * 1024;
			while (cap < w->len + k)
				cap *= 2;
			if (cap > part)
				cap = part;
			char *b = realloc(w->buf, cap);
			if (b == NULL)
				return LF_ERR_NOMEM;
			w->buf = b;
			w->cap = cap;
		}
		memcpy(w->buf + w->len, p, k);
		w->len += k;
		p += k;
		len -= k;
	}
	return LF_OK;
}

/* Sends the buffer as the next part, starting the multipart upload with
 * the first one. */
static int flush_part(s3_writer *w)
{
	lf_blob_http_resp r = {0};
	char *query = NULL;
	int ret;
	if (w->upload_id == NULL) {
		char id[1024];
		ret = s3_call(w->s, "POST", w->path, "uploads=", NULL, "", 0, true, &r);
		if (ret == LF_OK)
			ret = status_err(r.status);
		if (ret != LF_OK)
			goto cleanup;
		lf_blob_xml_find(r.body, r.len, "UploadId", id, sizeof(id));
		lf_blob_http_resp_free(&r);
		ret = LF_ERR_IO;
		if (id[0] == '\0')
			goto cleanup;
		ret = LF_ERR_NOMEM;
		if ((w->upload_id = strdup(id)) == NULL)
			goto cleanup;
	}
	ret = LF_ERR_NOMEM;
	if (w->nparts == w->partcap) {
		int cap = w->partcap ? w->partcap * 2 : 16;
		char **e = realloc(w->etags, (size_t)cap * sizeof(*e));
		if (e == NULL)
			goto cleanup;
		w->etags = e;
		w->partcap = cap;
	}
	if (lf_blob_appendf(&query, "partNumber=%d&uploadId=", w->nparts + 1) != LF_OK ||
	    lf_blob_append_enc(&query, w->upload_id, false) != LF_OK)
		goto cleanup;
	ret = s3_call(w->s, "PUT", w->path, query, NULL, w->buf, w->len, true, &r);
	if (ret == LF_OK)
		ret = status_err(r.status);
	/* The ETag goes back into an XML document: only the usual quoted hex. */
	if (ret == LF_OK && (r.etag[0] == '\0' || strpbrk(r.etag, "<>&") != NULL))
		ret = LF_ERR_IO;
	if (ret != LF_OK)
		goto cleanup;
	ret = LF_ERR_NOMEM;
	if ((w->etags[w->nparts] = strdup(r.etag)) == NULL)
		goto cleanup;
	w->nparts++;
	w->len = 0;
	ret = LF_OK;
cleanup:
	free(query);
	lf_blob_http_resp_free(&r);
	return ret;
}

static int complete_upload(s3_writer *w)
{
	lf_blob_http_resp r = {0};
	char *query = NULL, *doc = NULL;
	char code[64];
	int ret = LF_ERR_NOMEM;
	if (lf_blob_appendf(&doc, "<CompleteMultipartUpload>") != LF_OK)
		goto cleanup;
	for (int i = 0; i < w->nparts; i++)
		if (lf_blob_appendf(&doc, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>",
				    i + 1, w->etags[i]) != LF_OK)
			goto cleanup;
	if (lf_blob_appendf(&doc, "</CompleteMultipartUpload>") != LF_OK ||
	    lf_blob_appendf(&query, "uploadId=") != LF_OK ||
	    lf_blob_append_enc(&query, w->upload_id, false) != LF_OK)
		goto cleanup;
	ret = s3_call(w->s, "POST", w->path, query, NULL, doc, strlen(doc), true, &r);
	if (ret == LF_OK)
		ret = status_err(r.status);
	/* S3 can answer 200 and put the failure in the body. */
	lf_blob_xml_find(r.body, r.len, "Code", code, sizeof(code));
	if (ret == LF_OK && code[0] != '\0')
		ret = LF_ERR_IO;
cleanup:
	free(doc);
	free(query);
	lf_blob_http_resp_free(&r);
	return ret;
}

static int s3_commit(lf_blob_writer *bw)
{
	s3_writer *w = (s3_writer *)bw;
	lf_blob_http_resp r = {0};
	int ret;
	if (w->upload_id == NULL) {
		ret = s3_call(w->s, "PUT", w->path, NULL, NULL, w->buf ? w->buf : "", w->len, true,
			      &r);
		if (ret == LF_OK)
			ret = status_err(r.status);
		lf_blob_http_resp_free(&r);
		writer_free(w);
		return ret;
	}
	ret = w->len > 0 ? flush_part(w) : LF_OK;
	if (ret == LF_OK)
		ret = complete_upload(w);
	if (ret != LF_OK) {
		s3_abort(bw);
		return ret;
	}
	writer_free(w);
	return ret;
}

/* The parts uploaded so far are dropped by the store; should the request
 * fail, a bucket lifecycle rule for incomplete uploads reclaims them. */
static void s3_abort(lf_blob_writer *bw)
{
	s3_writer *w = (s3_writer *)bw;
	char *query = NULL;
	if (w->upload_id != NULL && lf_blob_appendf(&query, "uploadId=") == LF_OK &&
	    lf_blob_append_enc(&query, w->upload_id, false) == LF_OK) {
		lf_blob_http_resp r;
		s3_call(w->s, "DELETE", w->path, query, NULL, NULL, 0, false, &r);
		lf_blob_http_resp_free(&r);
	}
	free(query);
	writer_free(w);
}

static void writer_free(s3_writer *w)
{
	for (int i = 0; i < w->nparts; i++)
		free(w->etags[i]);
	free(w->etags);
	free(w->upload_id);
	free(w->buf);
	free(w->path);
	free(w);
}

static int s3_open_read(lf_blob_store *bs, const char *key, lf_blob_reader **out)
{
	int ret = LF_ERR_NOMEM;
	s3_reader *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return ret;
	r->base.ops = &s3_ops;
	r->s = (s3_store *)bs;
	r->path = full_path(r->s, key);
	if (r->path == NULL)
		goto cleanup;
	ret = s3_head(r->s, r->path, &r->rg.size, r->rg.etag, sizeof(r->rg.etag));
	if (ret != LF_OK)
		goto cleanup;
	*out = &r->base;
	r = NULL;
cleanup:
	if (r != NULL)
		s3_close_read(&r->base);
	return ret;
}

/* The ranged GET of a read (lf_blob_http_ranged_open). */
static int s3_open_range(void *ud, const lf_blob_http_ranged *rg, lf_blob_http_stream **out)
{
	s3_reader *r = ud;
	struct curl_slist *headers = NULL;
	int ret = LF_ERR_NOMEM;
	char *url = s3_url(r->s, r->path, NULL);
	if (url == NULL || s3_headers(r->s, NULL, 0, &headers) != LF_OK ||
	    lf_blob_header(&headers, "Range: bytes=%llu-", (unsigned long long)rg->pos) != LF_OK ||
	    (rg->etag[0] && lf_blob_header(&headers, "If-Match: %s", rg->etag) != LF_OK)) {
		curl_slist_free_all(headers);
		free(url);
		return ret;
	}
	lf_blob_http_req req = {.method = "GET",
				.url = url,
				.headers = headers,
				.sigv4 = r->s->sigv4,
				.userpwd = r->s->userpwd};
	ret = lf_blob_http_stream_open(r->s->http, &req, out);
	free(url);
	return ret;
}

static int s3_read(lf_blob_reader *br, void *buf, size_t cap, size_t *n)
{
	s3_reader *r = (s3_reader *)br;
	return lf_blob_http_ranged_read(&r->rg, s3_open_range, r, buf, cap, n);
}

static int s3_seek(lf_blob_reader *br, uint64_t offset)
{
	lf_blob_http_ranged_seek(&((s3_reader *)br)->rg, offset);
	return LF_OK;
}

static int s3_reader_size(lf_blob_reader *br, uint64_t *size)
{
	*size = ((s3_reader *)br)->rg.size;
	return LF_OK;
}

static void s3_close_read(lf_blob_reader *br)
{
	s3_reader *r = (s3_reader *)br;
	lf_blob_http_ranged_close(&r->rg);
	free(r->path);
	free(r);
}

/* One GET of the first cap bytes (at most the body limit of a call). A
 * server that ignores Range sends the whole object: only cap is kept. */
static int s3_read_head(lf_blob_store *bs, const char *key, void *buf, size_t cap, size_t *n)
{
	s3_store *s = (s3_store *)bs;
	lf_blob_http_resp r = {0};
	char range[64];
	char *path = full_path(s, key);
	if (path == NULL)
		return LF_ERR_NOMEM;
	if (cap > LF_BLOB_HTTP_BODY_MAX)
		cap = LF_BLOB_HTTP_BODY_MAX;
	*n = 0;
	snprintf(range, sizeof(range), "Range: bytes=0-%llu", (unsigned long long)cap - 1);
	int ret = cap > 0 ? s3_call(s, "GET", path, NULL, range, NULL, 0, false, &r) : LF_OK;
	/* An empty object has no byte 0: S3 answers 416. */
	if (ret == LF_OK && cap > 0 && r.status != 416 && (ret = status_err(r.status)) == LF_OK) {
		*n = r.len < cap ? r.len : cap;
		memcpy(buf, r.body, *n);
	}
	lf_blob_http_resp_free(&r);
	free(path);
	return ret;
}

static int s3_size(lf_blob_store *bs, const char *key, uint64_t *size)
{
	char *path = full_path((s3_store *)bs, key);
	if (path == NULL)
		return LF_ERR_NOMEM;
	int ret = s3_head((s3_store *)bs, path, size, NULL, 0);
	free(path);
	return ret;
}

/* S3 answers a DELETE of nothing with 204 too: HEAD tells NOTFOUND. */
static int s3_del(lf_blob_store *bs, const char *key)
{
	s3_store *s = (s3_store *)bs;
	lf_blob_http_resp r = {0};
	uint64_t size;
	char *path = full_path(s, key);
	if (path == NULL)
		return LF_ERR_NOMEM;
	int ret = s3_head(s, path, &size, NULL, 0);
	if (ret == LF_OK)
		ret = s3_call(s, "DELETE", path, NULL, NULL, NULL, 0, false, &r);
	if (ret == LF_OK)
		ret = status_err(r.status);
	lf_blob_http_resp_free(&r);
	free(path);
	return ret;
}

/* Objects written by others under names that are not keys are skipped:
 * no other function could name them. */
static int list_item(void *ctx, void *node, lf_blob_xml_text text)
{
	struct list_ctx *l = ctx;
	char key[LF_BLOB_KEY_MAX * 2], num[32], etag[160];
	text(node, "Key", key, sizeof(key));
	text(node, "Size", num, sizeof(num));
	text(node, "ETag", etag, sizeof(etag));
	size_t pl = strlen(l->s->prefix);
	if (strncmp(key, l->s->prefix, pl) != 0 || !lf_blob_key_valid(key + pl))
		return LF_OK;
	return l->fn(l->ctx, key + pl, strtoull(num, NULL, 10), etag[0] != '\0' ? etag : NULL);
}

static int s3_list(lf_blob_store *bs, const char *prefix, const char *cursor, int limit,
		   lf_blob_list_fn fn, void *ctx, char **next_cursor)
{
	s3_store *s = (s3_store *)bs;
	lf_blob_http_resp r = {0};
	struct list_ctx l = {s, fn, ctx};
	char *query = NULL, *full = NULL;
	int ret = LF_ERR_NOMEM;
	/* Parameters in byte order: curl 7.88 signs the query as written. */
	if (cursor != NULL && (lf_blob_appendf(&query, "continuation-token=") != LF_OK ||
			       lf_blob_append_enc(&query, cursor, false) != LF_OK ||
			       lf_blob_appendf(&query, "&") != LF_OK))
		goto cleanup;
	if (lf_blob_appendf(&query, "list-type=2&max-keys=%d&prefix=", limit) != LF_OK ||
	    lf_blob_appendf(&full, "%s%s", s->prefix, prefix) != LF_OK ||
	    lf_blob_append_enc(&query, full, false) != LF_OK)
		goto cleanup;
	ret = s3_call(s, "GET", NULL, query, NULL, NULL, 0, false, &r);
	if (ret == LF_OK)
		ret = status_err(r.status);
	if (ret == LF_OK)
		ret = lf_blob_xml_each(r.body, r.len, "Contents", list_item, &l,
				       "NextContinuationToken", next_cursor);
cleanup:
	free(query);
	free(full);
	lf_blob_http_resp_free(&r);
	return ret;
}

static int s3_presign(lf_blob_store *bs, const char *key, int ttl_s, const char *content_type,
		      char **url)
{
	return lf_blob_s3_presign_at(bs, key, ttl_s, content_type, (int64_t)time(NULL), url);
}

/*
 * SigV4 query signing (AWS's "Authenticating Requests: Using Query
 * Parameters"): the canonical request of a GET with only Host signed and
 * an unsigned payload, its hash signed with the key derived from the
 * secret, date, region and service. The canonical query is sorted by
 * byte: response-content-type comes after every X-Amz- parameter.
 */
int lf_blob_s3_presign_at(lf_blob_store *bs, const char *key, int ttl_s, const char *content_type,
			  int64_t now, char **url)
{
	s3_store *s = (s3_store *)bs;
	char day[16], stamp[32], hash[65], sig[65];
	unsigned char k[32];
	char *path = full_path(s, key), *query = NULL, *canon = NULL, *sts = NULL, *secret = NULL,
	     *cred = NULL;
	int ret = LF_ERR_NOMEM;
	time_t t = (time_t)now;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y%m%d", &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (path == NULL ||
	    lf_blob_appendf(&cred, "%s/%s/%s/s3/aws4_request", s->access, day, s->region) !=
		LF_OK ||
	    lf_blob_appendf(&query, "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=") !=
		LF_OK ||
	    lf_blob_append_enc(&query, cred, false) != LF_OK ||
	    lf_blob_appendf(&query, "&X-Amz-Date=%s&X-Amz-Expires=%d", stamp, ttl_s) != LF_OK)
		goto cleanup;
	if (s->token != NULL && (lf_blob_appendf(&query, "&X-Amz-Security-Token=") != LF_OK ||
				 lf_blob_append_enc(&query, s->token, false) != LF_OK))
		goto cleanup;
	if (lf_blob_appendf(&query, "&X-Amz-SignedHeaders=host") != LF_OK)
		goto cleanup;
	if (content_type != NULL && (lf_blob_appendf(&query, "&response-content-type=") != LF_OK ||
				     lf_blob_append_enc(&query, content_type, false) != LF_OK))
		goto cleanup;
	if (lf_blob_appendf(&canon, "GET\n%s/", s->base_path) != LF_OK ||
	    lf_blob_append_enc(&canon, path, true) != LF_OK ||
	    lf_blob_appendf(&canon, "\n%s\nhost:%s\n\nhost\nUNSIGNED-PAYLOAD", query, s->host) !=
		LF_OK)
		goto cleanup;
	lf_blob_sha256_hex(canon, strlen(canon), hash);
	if (lf_blob_appendf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/s3/aws4_request\n%s", stamp, day,
			    s->region, hash) != LF_OK ||
	    lf_blob_appendf(&secret, "AWS4%s", s->secret) != LF_OK)
		goto cleanup;
	lf_blob_hmac(secret, strlen(secret), day, strlen(day), k);
	lf_blob_hmac(k, sizeof(k), s->region, strlen(s->region), k);
	lf_blob_hmac(k, sizeof(k), "s3", 2, k);
	lf_blob_hmac(k, sizeof(k), "aws4_request", 12, k);
	lf_blob_hmac(k, sizeof(k), sts, strlen(sts), k);
	lf_blob_hex(k, sizeof(k), sig);
	if (lf_blob_appendf(&query, "&X-Amz-Signature=%s", sig) != LF_OK)
		goto cleanup;
	*url = s3_url(s, path, query);
	ret = *url != NULL ? LF_OK : LF_ERR_NOMEM;
cleanup:
	sodium_memzero(k, sizeof(k));
	if (secret != NULL)
		sodium_memzero(secret, strlen(secret));
	free(secret);
	free(path);
	free(query);
	free(canon);
	free(sts);
	free(cred);
	return ret;
}
