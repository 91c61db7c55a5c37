/*
 * blob_azure.c - the Azure Blob Storage adapter: block blobs in one
 * container, keys under an optional prefix.
 *
 * Every request is signed here with SharedKey (HMAC-SHA256, keyed with
 * the account key, over the canonical string Azure defines: verb, the
 * standard headers that are part of it, the x-ms-* headers sorted, then
 * the account and path with the query's parameters sorted); callers list
 * x-ms-* headers and query parameters already in that order, so nothing
 * is sorted at run time. Browsers get service SAS URLs, signed the same
 * way over the SAS fields.
 *
 * A writer buffers up to part_size bytes: an object that fits is one Put
 * Blob on commit, a larger one a series of Put Block calls made visible
 * at once by Put Block List. Block ids carry a random tag per writer, so
 * two writers of one key never mix their blocks. Uncommitted blocks are
 * invisible and Azure discards them itself (after a week), which is what
 * abort relies on: there is no call to drop them sooner. Reads are like
 * S3's: properties first, then ranged GETs that must match the ETag.
 */
#include "blob/adapter.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blob/blob_http.h"

#define AZ_VERSION    "2021-08-06"
#define SAS_VERSION   "2018-11-09"
#define KEY_MAX	      128
#define BLOCK_TAG_LEN 16

typedef struct az_store {
	lf_blob_store base;
	lf_blob_http *http;
	char *account;
	unsigned char key[KEY_MAX];
	size_t keylen;
	char *base_url;	 /* endpoint "/" container */
	char *base_path; /* the URL path of base_url */
	char *container;
	char *prefix;
	size_t part_size;
} az_store;

typedef struct az_writer {
	lf_blob_writer base;
	az_store *s;
	char *path;
	char *buf;
	size_t len, cap;
	char tag[BLOCK_TAG_LEN + 1];
	int nblocks;
} az_writer;

typedef struct az_reader {
	lf_blob_reader base;
	az_store *s;
	char *path;
	lf_blob_http_ranged rg;
} az_reader;

/* One request: path NULL names the container; q holds name, value pairs
 * in byte order of the names, NULL-terminated. */
struct az_req {
	const char *method;
	const char *path;
	const char *const *q;
	const char *blob_type;
	const char *if_match;
	uint64_t range_from;
	bool has_range;
	bool has_body;
	const void *body;
	size_t len;
};

struct list_ctx {
	az_store *s;
	lf_blob_list_fn fn;
	void *ctx;
};

static int status_err(long status);
static int conn_field(const char *conn, const char *name, char *out, size_t cap);
static int parse_credentials(az_store *s, const lf_blob_opts *opts, char *endpoint, size_t cap,
			     char *err, size_t errlen);
static int set_endpoint(az_store *s, const char *endpoint);
static int az_prepare(az_store *s, const struct az_req *rq, char **url,
		      struct curl_slist **headers);
static int az_call(az_store *s, const struct az_req *rq, lf_blob_http_resp *resp);
static int az_check(az_store *s, bool create, char *err, size_t errlen);
static int az_head(az_store *s, const char *path, uint64_t *size, char *etag, size_t etaglen);
static char *full_path(const az_store *s, const char *key);
static void block_id(const az_writer *w, int n, char *out, size_t cap);
static void az_close(lf_blob_store *bs);
static int az_create(lf_blob_store *bs, const char *key, lf_blob_writer **out);
static int az_write(lf_blob_writer *w, const void *data, size_t len);
static int put_block(az_writer *w);
static int az_commit(lf_blob_writer *w);
static void az_abort(lf_blob_writer *w);
static int az_open_read(lf_blob_store *bs, const char *key, lf_blob_reader **out);
static int az_open_range(void *ud, const lf_blob_http_ranged *rg, lf_blob_http_stream **out);
static int az_read(lf_blob_reader *r, void *buf, size_t cap, size_t *n);
static int az_seek(lf_blob_reader *r, uint64_t offset);
static int az_reader_size(lf_blob_reader *r, uint64_t *size);
static void az_close_read(lf_blob_reader *r);
static int az_size(lf_blob_store *bs, const char *key, uint64_t *size);
static int az_del(lf_blob_store *bs, const char *key);
static int list_item(void *ctx, void *node, lf_blob_xml_text text);
static int az_list(lf_blob_store *bs, const char *prefix, const char *cursor, int limit,
		   lf_blob_list_fn fn, void *ctx, char **next_cursor);
static int az_presign(lf_blob_store *bs, const char *key, int ttl_s, const char *content_type,
		      char **url);

static const lf_blob_ops az_ops = {
    .close = az_close,
    .create = az_create,
    .write = az_write,
    .commit = az_commit,
    .abort = az_abort,
    .open_read = az_open_read,
    .read = az_read,
    .seek = az_seek,
    .reader_size = az_reader_size,
    .close_read = az_close_read,
    .size = az_size,
    .del = az_del,
    .list = az_list,
    .presign = az_presign,
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

/* A field of a connection string "Name=value;Name=value" (a value may
 * hold '=', as base64 does). LF_ERR_NOTFOUND when absent. */
static int conn_field(const char *conn, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	for (const char *p = conn; p != NULL && *p; p = strchr(p, ';'), p = p ? p + 1 : NULL) {
		size_t fl = strcspn(p, ";");
		if (fl > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
			if (fl - nl - 1 >= cap)
				return LF_ERR_INVALID;
			snprintf(out, cap, "%.*s", (int)(fl - nl - 1), p + nl + 1);
			return LF_OK;
		}
	}
	return LF_ERR_NOTFOUND;
}

/* The key from AZURE_STORAGE_KEY or the connection string, and the
 * endpoint from the configuration, the connection string or Azure's
 * public cloud, in that order. */
static int parse_credentials(az_store *s, const lf_blob_opts *opts, char *endpoint, size_t cap,
			     char *err, size_t errlen)
{
	const char *conn = opts->azure_connection_string;
	char key64[KEY_MAX * 2], name[64], suffix[128];
	key64[0] = '\0';
	if (opts->azure_key != NULL)
		snprintf(key64, sizeof(key64), "%s", opts->azure_key);
	else if (conn != NULL)
		conn_field(conn, "AccountKey", key64, sizeof(key64));
	if (conn != NULL && conn_field(conn, "AccountName", name, sizeof(name)) == LF_OK &&
	    strcmp(name, s->account) != 0) {
		snprintf(err, errlen,
			 "Azure account '%s' of the storage URL is not the connection string's",
			 s->account);
		return LF_ERR_INVALID;
	}
	if (opts->azure_account != NULL && strcmp(opts->azure_account, s->account) != 0) {
		snprintf(err, errlen,
			 "Azure account '%s' of the storage URL is not AZURE_STORAGE_ACCOUNT's",
			 s->account);
		return LF_ERR_INVALID;
	}
	if (opts->azure_endpoint != NULL)
		snprintf(endpoint, cap, "%s", opts->azure_endpoint);
	else if (conn == NULL || conn_field(conn, "BlobEndpoint", endpoint, cap) != LF_OK) {
		if (conn == NULL ||
		    conn_field(conn, "EndpointSuffix", suffix, sizeof(suffix)) != LF_OK)
			snprintf(suffix, sizeof(suffix), "core.windows.net");
		snprintf(endpoint, cap, "https://%s.blob.%s", s->account, suffix);
	}
	if (key64[0] == '\0') {
		snprintf(err, errlen,
			 "Azure account '%s': no credentials (set AZURE_STORAGE_KEY or "
			 "AZURE_STORAGE_CONNECTION_STRING)",
			 s->account);
		return LF_ERR_AUTH;
	}
	int rc = sodium_base642bin(s->key, sizeof(s->key), key64, strlen(key64), NULL, &s->keylen,
				   NULL, sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(key64, sizeof(key64));
	if (rc != 0 || s->keylen == 0) {
		snprintf(err, errlen, "Azure account '%s': the account key is not base64",
			 s->account);
		return LF_ERR_AUTH;
	}
	return LF_OK;
}

/* "scheme://host[:port][/path]": the emulator puts the account in the
 * path (http://127.0.0.1:10000/devstoreaccount1). */
static int set_endpoint(az_store *s, const char *endpoint)
{
	const char *host = strstr(endpoint, "://");
	if (host == NULL ||
	    (strncmp(endpoint, "http://", 7) != 0 && strncmp(endpoint, "https://", 8) != 0) ||
	    strpbrk(endpoint, "?#") != NULL)
		return LF_ERR_INVALID;
	host += 3;
	size_t n = strlen(endpoint);
	while (n > 0 && endpoint[n - 1] == '/')
		n--;
	const char *path = strchr(host, '/');
	int plen = path != NULL && path < endpoint + n ? (int)(endpoint + n - path) : 0;
	if (path == host)
		return LF_ERR_INVALID;
	if (lf_blob_appendf(&s->base_url, "%.*s/%s", (int)n, endpoint, s->container) != LF_OK ||
	    lf_blob_appendf(&s->base_path, "%.*s/%s", plen, plen ? path : "", s->container) !=
		LF_OK)
		return LF_ERR_NOMEM;
	return LF_OK;
}

/* The URL and headers of a request, Authorization included. */
static int az_prepare(az_store *s, const struct az_req *rq, char **url, struct curl_slist **headers)
{
	char date[64], range[48] = "", len[32] = "";
	char *canon = NULL, *query = NULL;
	unsigned char mac[32];
	char sig[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
	int ret = LF_ERR_NOMEM;
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (rq->has_range)
		snprintf(range, sizeof(range), "bytes=%llu-", (unsigned long long)rq->range_from);
	/* Since 2015-02-21 a zero Content-Length is signed as "". */
	if (rq->has_body && rq->len > 0)
		snprintf(len, sizeof(len), "%zu", rq->len);
	if (lf_blob_appendf(&canon, "%s\n\n\n%s\n\n\n\n\n%s\n\n\n\n", rq->method, len,
			    rq->if_match ? rq->if_match : "") != LF_OK ||
	    (rq->blob_type &&
	     lf_blob_appendf(&canon, "x-ms-blob-type:%s\n", rq->blob_type) != LF_OK) ||
	    lf_blob_appendf(&canon, "x-ms-date:%s\n", date) != LF_OK ||
	    (rq->has_range && lf_blob_appendf(&canon, "x-ms-range:%s\n", range) != LF_OK) ||
	    lf_blob_appendf(&canon, "x-ms-version:%s\n/%s%s", AZ_VERSION, s->account,
			    s->base_path) != LF_OK)
		goto cleanup;
	if (rq->path != NULL && (lf_blob_appendf(&canon, "/") != LF_OK ||
				 lf_blob_append_enc(&canon, rq->path, true) != LF_OK))
		goto cleanup;
	for (const char *const *q = rq->q; q != NULL && q[0] != NULL; q += 2) {
		if (lf_blob_appendf(&canon, "\n%s:%s", q[0], q[1]) != LF_OK ||
		    lf_blob_appendf(&query, "%s%s=", query ? "&" : "", q[0]) != LF_OK ||
		    lf_blob_append_enc(&query, q[1], false) != LF_OK)
			goto cleanup;
	}
	lf_blob_hmac(s->key, s->keylen, canon, strlen(canon), mac);
	sodium_bin2base64(sig, sizeof(sig), mac, sizeof(mac), sodium_base64_VARIANT_ORIGINAL);
	if (lf_blob_appendf(url, "%s", s->base_url) != LF_OK ||
	    (rq->path != NULL && (lf_blob_appendf(url, "/") != LF_OK ||
				  lf_blob_append_enc(url, rq->path, true) != LF_OK)) ||
	    (query != NULL && lf_blob_appendf(url, "?%s", query) != LF_OK))
		goto cleanup;
	if ((rq->blob_type &&
	     lf_blob_header(headers, "x-ms-blob-type: %s", rq->blob_type) != LF_OK) ||
	    lf_blob_header(headers, "x-ms-date: %s", date) != LF_OK ||
	    (rq->has_range && lf_blob_header(headers, "x-ms-range: %s", range) != LF_OK) ||
	    lf_blob_header(headers, "x-ms-version: %s", AZ_VERSION) != LF_OK ||
	    (rq->if_match && lf_blob_header(headers, "If-Match: %s", rq->if_match) != LF_OK) ||
	    lf_blob_header(headers, "Authorization: SharedKey %s:%s", s->account, sig) != LF_OK)
		goto cleanup;
	ret = LF_OK;
cleanup:
	free(canon);
	free(query);
	return ret;
}

static int az_call(az_store *s, const struct az_req *rq, lf_blob_http_resp *resp)
{
	char *url = NULL;
	struct curl_slist *headers = NULL;
	memset(resp, 0, sizeof(*resp));
	int ret = az_prepare(s, rq, &url, &headers);
	if (ret == LF_OK) {
		lf_blob_http_req req = {.method = rq->method,
					.url = url,
					.headers = headers,
					.has_body = rq->has_body,
					.body = rq->body,
					.body_len = rq->len};
		ret = lf_blob_http_do(s->http, &req, resp);
	}
	curl_slist_free_all(headers);
	free(url);
	return ret;
}

/* Lists one blob of the container, which fails the way every later
 * request would: no such host, no such container, key refused. */
static int az_check(az_store *s, bool create, char *err, size_t errlen)
{
	static const char *const list_q[] = {"comp",	"list",	     "maxresults", "1",
					     "restype", "container", NULL};
	static const char *const create_q[] = {"restype", "container", NULL};
	lf_blob_http_resp r;
	char code[64], msg[160];
	struct az_req rq = {.method = "GET", .q = list_q};
	int ret = az_call(s, &rq, &r);
	if (ret == LF_OK && r.status == 404 && create) {
		lf_blob_http_resp_free(&r);
		struct az_req mk = {.method = "PUT", .q = create_q, .has_body = true, .body = ""};
		ret = az_call(s, &mk, &r);
		if (ret == LF_OK && status_err(r.status) == LF_OK) {
			lf_blob_http_resp_free(&r);
			ret = az_call(s, &rq, &r);
		}
	}
	if (ret != LF_OK) {
		snprintf(err, errlen, "Azure container '%s' at %s: no answer (%s)", s->container,
			 s->base_url, lf_err_str(ret));
		goto cleanup;
	}
	ret = status_err(r.status);
	if (ret == LF_OK)
		goto cleanup;
	lf_blob_xml_find(r.body, r.len, "Code", code, sizeof(code));
	lf_blob_xml_find(r.body, r.len, "Message", msg, sizeof(msg));
	if (code[0] == '\0')
		snprintf(code, sizeof(code), "%s", r.error_code);
	/* Azure's message runs over lines (request id, time): keep the first. */
	msg[strcspn(msg, "\r\n")] = '\0';
	snprintf(err, errlen, "Azure container '%s' at %s%s: HTTP %ld%s%s%s%s%s", s->container,
		 s->base_url, ret == LF_ERR_AUTH ? " refused the account key" : "", r.status,
		 code[0] ? " " : "", code, msg[0] ? " (" : "", msg, msg[0] ? ")" : "");
cleanup:
	lf_blob_http_resp_free(&r);
	return ret;
}

static int az_head(az_store *s, const char *path, uint64_t *size, char *etag, size_t etaglen)
{
	lf_blob_http_resp r;
	struct az_req rq = {.method = "HEAD", .path = path};
	int ret = az_call(s, &rq, &r);
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

static char *full_path(const az_store *s, const char *key)
{
	char *p = NULL;
	lf_blob_appendf(&p, "%s%s", s->prefix, key);
	return p;
}

int lf_blob_azure_open(const char *account, const char *container, const char *prefix,
		       const lf_blob_opts *opts, lf_blob_store **out, char *err, size_t errlen)
{
	int ret = LF_ERR_NOMEM;
	char endpoint[512];
	az_store *s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto cleanup;
	s->base.ops = &az_ops;
	s->part_size = opts->part_size ? opts->part_size : LF_BLOB_PART_SIZE;
	s->account = strdup(account);
	s->container = strdup(container);
	s->prefix = strdup(prefix);
	if (s->account == NULL || s->container == NULL || s->prefix == NULL)
		goto cleanup;
	ret = parse_credentials(s, opts, endpoint, sizeof(endpoint), err, errlen);
	if (ret != LF_OK)
		goto cleanup;
	if ((ret = set_endpoint(s, endpoint)) != LF_OK) {
		if (ret == LF_ERR_INVALID)
			snprintf(err, errlen,
				 "Azure endpoint '%s' must be http(s)://HOST[:PORT][/PATH]",
				 endpoint);
		goto cleanup;
	}
	if ((ret = lf_blob_http_new(&s->http)) != LF_OK)
		goto cleanup;
	if (!opts->no_check && (ret = az_check(s, opts->create_bucket, err, errlen)) != LF_OK)
		goto cleanup;
	*out = &s->base;
	s = NULL;
	ret = LF_OK;
cleanup:
	if (ret == LF_ERR_NOMEM)
		snprintf(err, errlen, "out of memory");
	if (s != NULL)
		az_close(&s->base);
	return ret;
}

static void az_close(lf_blob_store *bs)
{
	az_store *s = (az_store *)bs;
	lf_blob_http_free(s->http);
	sodium_memzero(s->key, sizeof(s->key));
	free(s->account);
	free(s->base_url);
	free(s->base_path);
	free(s->container);
	free(s->prefix);
	free(s);
}

/* Ids of one blob's blocks must all have the same length. */
static void block_id(const az_writer *w, int n, char *out, size_t cap)
{
	char raw[BLOCK_TAG_LEN + 16];
	snprintf(raw, sizeof(raw), "%s%06d", w->tag, n);
	sodium_bin2base64(out, cap, (const unsigned char *)raw, strlen(raw),
			  sodium_base64_VARIANT_ORIGINAL);
}

static int az_create(lf_blob_store *bs, const char *key, lf_blob_writer **out)
{
	az_writer *w = calloc(1, sizeof(*w));
	unsigned char rnd[BLOCK_TAG_LEN / 2];
	if (w == NULL)
		return LF_ERR_NOMEM;
	w->base.ops = &az_ops;
	w->s = (az_store *)bs;
	w->path = full_path(w->s, key);
	if (w->path == NULL) {
		free(w);
		return LF_ERR_NOMEM;
	}
	randombytes_buf(rnd, sizeof(rnd));
	lf_blob_hex(rnd, sizeof(rnd), w->tag);
	*out = &w->base;
	return LF_OK;
}

static int az_write(lf_blob_writer *bw, const void *data, size_t len)
{
	az_writer *w = (az_writer *)bw;
	const char *p = data;
	size_t part = w->s->part_size;
	while (len > 0) {
		if (w->len == part) {
			int ret = put_block(w);
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

static int put_block(az_writer *w)
{
	char id[64];
	block_id(w, w->nblocks, id, sizeof(id));
	const char *const q[] = {"blockid", id, "comp", "block", NULL};
	struct az_req rq = {.method = "PUT",
			    .path = w->path,
			    .q = q,
			    .has_body = true,
			    .body = w->buf,
			    .len = w->len};
	lf_blob_http_resp r;
	int ret = az_call(w->s, &rq, &r);
	if (ret == LF_OK)
		ret = status_err(r.status);
	lf_blob_http_resp_free(&r);
	if (ret == LF_OK) {
		w->nblocks++;
		w->len = 0;
	}
	return ret;
}

static int az_commit(lf_blob_writer *bw)
{
	static const char *const q[] = {"comp", "blocklist", NULL};
	az_writer *w = (az_writer *)bw;
	lf_blob_http_resp r = {0};
	char *doc = NULL;
	int ret = LF_OK;
	if (w->nblocks == 0) {
		struct az_req rq = {.method = "PUT",
				    .path = w->path,
				    .blob_type = "BlockBlob",
				    .has_body = true,
				    .body = w->buf ? w->buf : "",
				    .len = w->len};
		ret = az_call(w->s, &rq, &r);
		goto done;
	}
	if (w->len > 0 && (ret = put_block(w)) != LF_OK)
		goto cleanup;
	ret = LF_ERR_NOMEM;
	if (lf_blob_appendf(&doc, "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>") != LF_OK)
		goto cleanup;
	for (int i = 0; i < w->nblocks; i++) {
		char id[64];
		block_id(w, i, id, sizeof(id));
		if (lf_blob_appendf(&doc, "<Latest>%s</Latest>", id) != LF_OK)
			goto cleanup;
	}
	if (lf_blob_appendf(&doc, "</BlockList>") != LF_OK)
		goto cleanup;
	struct az_req rq = {.method = "PUT",
			    .path = w->path,
			    .q = q,
			    .has_body = true,
			    .body = doc,
			    .len = strlen(doc)};
	ret = az_call(w->s, &rq, &r);
done:
	if (ret == LF_OK)
		ret = status_err(r.status);
cleanup:
	lf_blob_http_resp_free(&r);
	free(doc);
	az_abort(bw);
	return ret;
}

static void az_abort(lf_blob_writer *bw)
{
	az_writer *w = (az_writer *)bw;
	free(w->buf);
	free(w->path);
	free(w);
}

static int az_open_read(lf_blob_store *bs, const char *key, lf_blob_reader **out)
{
	int ret = LF_ERR_NOMEM;
	az_reader *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return ret;
	r->base.ops = &az_ops;
	r->s = (az_store *)bs;
	r->path = full_path(r->s, key);
	if (r->path == NULL)
		goto cleanup;
	ret = az_head(r->s, r->path, &r->rg.size, r->rg.etag, sizeof(r->rg.etag));
	if (ret != LF_OK)
		goto cleanup;
	*out = &r->base;
	r = NULL;
cleanup:
	if (r != NULL)
		az_close_read(&r->base);
	return ret;
}

/* The ranged GET of a read (lf_blob_http_ranged_open). */
static int az_open_range(void *ud, const lf_blob_http_ranged *rg, lf_blob_http_stream **out)
{
	az_reader *r = ud;
	char *url = NULL;
	struct curl_slist *headers = NULL;
	struct az_req rq = {.method = "GET",
			    .path = r->path,
			    .if_match = rg->etag[0] ? rg->etag : NULL,
			    .has_range = true,
			    .range_from = rg->pos};
	int ret = az_prepare(r->s, &rq, &url, &headers);
	if (ret != LF_OK) {
		curl_slist_free_all(headers);
		free(url);
		return ret;
	}
	lf_blob_http_req req = {.method = "GET", .url = url, .headers = headers};
	ret = lf_blob_http_stream_open(r->s->http, &req, out);
	free(url);
	return ret;
}

static int az_read(lf_blob_reader *br, void *buf, size_t cap, size_t *n)
{
	az_reader *r = (az_reader *)br;
	return lf_blob_http_ranged_read(&r->rg, az_open_range, r, buf, cap, n);
}

static int az_seek(lf_blob_reader *br, uint64_t offset)
{
	lf_blob_http_ranged_seek(&((az_reader *)br)->rg, offset);
	return LF_OK;
}

static int az_reader_size(lf_blob_reader *br, uint64_t *size)
{
	*size = ((az_reader *)br)->rg.size;
	return LF_OK;
}

static void az_close_read(lf_blob_reader *br)
{
	az_reader *r = (az_reader *)br;
	lf_blob_http_ranged_close(&r->rg);
	free(r->path);
	free(r);
}

static int az_size(lf_blob_store *bs, const char *key, uint64_t *size)
{
	char *path = full_path((az_store *)bs, key);
	if (path == NULL)
		return LF_ERR_NOMEM;
	int ret = az_head((az_store *)bs, path, size, NULL, 0);
	free(path);
	return ret;
}

static int az_del(lf_blob_store *bs, const char *key)
{
	lf_blob_http_resp r;
	char *path = full_path((az_store *)bs, key);
	if (path == NULL)
		return LF_ERR_NOMEM;
	struct az_req rq = {.method = "DELETE", .path = path};
	int ret = az_call((az_store *)bs, &rq, &r);
	if (ret == LF_OK)
		ret = status_err(r.status);
	lf_blob_http_resp_free(&r);
	free(path);
	return ret;
}

/* Blobs written by others under names that are not keys are skipped. */
static int list_item(void *ctx, void *node, lf_blob_xml_text text)
{
	struct list_ctx *l = ctx;
	char key[LF_BLOB_KEY_MAX * 2], num[32], bare[150], etag[160] = "";
	text(node, "Name", key, sizeof(key));
	text(node, "Properties/Content-Length", num, sizeof(num));
	/* Listed bare (0x8D...), sent quoted in the ETag header: quoted here
	 * too, so both compare and the listed one is a valid header value. */
	text(node, "Properties/Etag", bare, sizeof(bare));
	if (bare[0] != '\0')
		snprintf(etag, sizeof(etag), bare[0] == '"' ? "%s" : "\"%s\"", bare);
	size_t pl = strlen(l->s->prefix);
	if (strncmp(key, l->s->prefix, pl) != 0 || !lf_blob_key_valid(key + pl))
		return LF_OK;
	return l->fn(l->ctx, key + pl, strtoull(num, NULL, 10), etag[0] != '\0' ? etag : NULL);
}

static int az_list(lf_blob_store *bs, const char *prefix, const char *cursor, int limit,
		   lf_blob_list_fn fn, void *ctx, char **next_cursor)
{
	az_store *s = (az_store *)bs;
	lf_blob_http_resp r = {0};
	struct list_ctx l = {s, fn, ctx};
	char *full = NULL, max[16];
	snprintf(max, sizeof(max), "%d", limit);
	if (lf_blob_appendf(&full, "%s%s", s->prefix, prefix) != LF_OK)
		return LF_ERR_NOMEM;
	const char *with_marker[] = {"comp",   "list", "marker",  cursor,      "maxresults", max,
				     "prefix", full,   "restype", "container", NULL};
	const char *first[] = {"comp", "list",	  "maxresults", max, "prefix",
			       full,   "restype", "container",	NULL};
	struct az_req rq = {.method = "GET", .q = cursor != NULL ? with_marker : first};
	int ret = az_call(s, &rq, &r);
	if (ret == LF_OK)
		ret = status_err(r.status);
	if (ret == LF_OK)
		ret = lf_blob_xml_each(r.body, r.len, "Blobs/Blob", list_item, &l, "NextMarker",
				       next_cursor);
	lf_blob_http_resp_free(&r);
	free(full);
	return ret;
}

/*
 * A service SAS for reading one blob until now + ttl_s, in the string to
 * sign of versions 2018-11-09 up to 2020-12-06 (which added the
 * encryption scope): permissions, start, expiry, /blob/ACCOUNT/CONTAINER/
 * BLOB, identifier, IP, protocol, version, resource, snapshot time and
 * the five response-header overrides, of which only the content type
 * (rsct, the last) may be set.
 */
static int az_presign(lf_blob_store *bs, const char *key, int ttl_s, const char *content_type,
		      char **url)
{
	az_store *s = (az_store *)bs;
	char expiry[32];
	unsigned char mac[32];
	char sig[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
	char *path = full_path(s, key), *sts = NULL, *u = NULL;
	int ret = LF_ERR_NOMEM;
	time_t t = time(NULL) + ttl_s;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(expiry, sizeof(expiry), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (path == NULL ||
	    lf_blob_appendf(&sts, "r\n\n%s\n/blob/%s/%s/%s\n\n\n\n%s\nb\n\n\n\n\n\n%s", expiry,
			    s->account, s->container, path, SAS_VERSION,
			    content_type != NULL ? content_type : "") != LF_OK)
		goto cleanup;
	lf_blob_hmac(s->key, s->keylen, sts, strlen(sts), mac);
	sodium_bin2base64(sig, sizeof(sig), mac, sizeof(mac), sodium_base64_VARIANT_ORIGINAL);
	if (lf_blob_appendf(&u, "%s/", s->base_url) != LF_OK ||
	    lf_blob_append_enc(&u, path, true) != LF_OK ||
	    lf_blob_appendf(&u, "?sv=%s&sr=b&sp=r&se=", SAS_VERSION) != LF_OK ||
	    lf_blob_append_enc(&u, expiry, false) != LF_OK ||
	    lf_blob_appendf(&u, "&sig=") != LF_OK || lf_blob_append_enc(&u, sig, false) != LF_OK)
		goto cleanup;
	if (content_type != NULL && (lf_blob_appendf(&u, "&rsct=") != LF_OK ||
				     lf_blob_append_enc(&u, content_type, false) != LF_OK))
		goto cleanup;
	*url = u;
	u = NULL;
	ret = LF_OK;
cleanup:
	free(u);
	free(path);
	free(sts);
	return ret;
}
