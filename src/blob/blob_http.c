/*
 * blob_http.c - HTTP for the object-store adapters: requests read whole,
 * bodies streamed, and the hashing, encoding and XML reading their
 * protocols need.
 *
 * Idle curl handles are kept in a small pool because a handle keeps its
 * connections: a store talking to one endpoint then reuses them instead
 * of paying a TCP and TLS handshake per request. (A CURLSH connection
 * cache shared between threads is documented as unsafe in libcurl.)
 * Streams run on a multi handle of their own and pause the transfer when
 * their buffer is full, which is how a body of any size is served with
 * STREAM_BUF bytes of memory.
 */
#include "blob/blob_http.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/lf.h"

#define POOL_MAX	  8
#define STREAM_BUF	  (256u << 10)
#define CONNECT_TIMEOUT_S 10L
/* A request that moves less than one byte a second for this long is dead. */
#define STALL_TIMEOUT_S 60L

struct lf_blob_http {
	pthread_mutex_t lock;
	CURL *idle[POOL_MAX];
	int nidle;
};

struct lf_blob_http_stream {
	CURLM *multi;
	CURL *easy;
	struct curl_slist *headers;
	char *buf;
	size_t off, len;
	bool paused, done;
	CURLcode result;
};

static void libs_init(void);
static CURL *handle_get(lf_blob_http *h);
static void handle_put(lf_blob_http *h, CURL *c);
static void setup(CURL *c, const lf_blob_http_req *req, const char **body_cursor);
static size_t body_read(char *p, size_t size, size_t n, void *ud);
static size_t resp_write(char *p, size_t size, size_t n, void *ud);
static size_t resp_header(char *p, size_t size, size_t n, void *ud);
static size_t stream_write(char *p, size_t size, size_t n, void *ud);
static int status_err(long status);
static int vappendf(char **dst, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static xmlNode *xml_child(xmlNode *n, const char *name);
static xmlNode *xml_path(xmlNode *n, const char *path);
static const char *xml_text(void *node, const char *path, char *buf, size_t cap);

struct body_src {
	const char *p;
	size_t left;
};

struct resp_sink {
	lf_blob_http_resp *resp;
	size_t cap;
	bool too_large;
};

static pthread_once_t libs_once = PTHREAD_ONCE_INIT;
static bool libs_ok;

/* curl_global_init and xmlInitParser are not thread-safe; the first store
 * opens before the server's threads start. Never undone: stores may live
 * until exit. */
static void libs_init(void)
{
	xmlInitParser();
	libs_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK && sodium_init() >= 0;
}

int lf_blob_http_new(lf_blob_http **out)
{
	pthread_once(&libs_once, libs_init);
	if (!libs_ok)
		return LF_ERR_INTERNAL;
	lf_blob_http *h = calloc(1, sizeof(*h));
	if (h == NULL)
		return LF_ERR_NOMEM;
	pthread_mutex_init(&h->lock, NULL);
	*out = h;
	return LF_OK;
}

void lf_blob_http_free(lf_blob_http *h)
{
	if (h == NULL)
		return;
	for (int i = 0; i < h->nidle; i++)
		curl_easy_cleanup(h->idle[i]);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

static CURL *handle_get(lf_blob_http *h)
{
	CURL *c = NULL;
	pthread_mutex_lock(&h->lock);
	if (h->nidle > 0)
		c = h->idle[--h->nidle];
	pthread_mutex_unlock(&h->lock);
	if (c != NULL)
		curl_easy_reset(c);
	else
		c = curl_easy_init();
	return c;
}

static void handle_put(lf_blob_http *h, CURL *c)
{
	pthread_mutex_lock(&h->lock);
	if (h->nidle < POOL_MAX) {
		h->idle[h->nidle++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&h->lock);
	if (c != NULL)
		curl_easy_cleanup(c);
}

/* The options every request shares. Redirects are not followed: an object
 * store answers where it is asked, and a signature is for one URL. */
static void setup(CURL *c, const lf_blob_http_req *req, const char **body_cursor)
{
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, req->headers);
	if (req->sigv4 != NULL) {
		curl_easy_setopt(c, CURLOPT_AWS_SIGV4, req->sigv4);
		curl_easy_setopt(c, CURLOPT_USERPWD, req->userpwd);
	}
	if (strcmp(req->method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(req->method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	if (req->has_body) {
		*body_cursor = req->body;
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->body_len);
	}
}

static size_t body_read(char *p, size_t size, size_t n, void *ud)
{
	struct body_src *src = ud;
	size_t k = size * n < src->left ? size * n : src->left;
	memcpy(p, src->p, k);
	src->p += k;
	src->left -= k;
	return k;
}

static size_t resp_write(char *p, size_t size, size_t n, void *ud)
{
	struct resp_sink *sink = ud;
	lf_blob_http_resp *r = sink->resp;
	size_t k = size * n;
	if (r->len + k > LF_BLOB_HTTP_BODY_MAX) {
		sink->too_large = true;
		return 0;
	}
	if (r->len + k + 1 > sink->cap) {
		size_t cap = sink->cap ? sink->cap : 4096;
		while (cap < r->len + k + 1)
			cap *= 2;
		char *b = realloc(r->body, cap);
		if (b == NULL)
			return 0;
		r->body = b;
		sink->cap = cap;
	}
	memcpy(r->body + r->len, p, k);
	r->len += k;
	r->body[r->len] = '\0';
	return k;
}

/* Keeps the few headers the adapters read; the status line of a 100
 * Continue or a redirect resets nothing that matters. */
static size_t resp_header(char *p, size_t size, size_t n, void *ud)
{
	lf_blob_http_resp *r = ((struct resp_sink *)ud)->resp;
	size_t k = size * n, len = k;
	while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\n'))
		len--;
	const char *colon = memchr(p, ':', len);
	if (colon == NULL)
		return k;
	size_t nl = (size_t)(colon - p);
	const char *v = colon + 1;
	while (v < p + len && *v == ' ')
		v++;
	int vl = (int)(p + len - v);
	if (nl == 4 && strncasecmp(p, "etag", 4) == 0 && (size_t)vl < sizeof(r->etag))
		snprintf(r->etag, sizeof(r->etag), "%.*s", vl, v);
	else if (nl == 15 && strncasecmp(p, "x-ms-error-code", 15) == 0)
		snprintf(r->error_code, sizeof(r->error_code), "%.*s", vl, v);
	else if (nl == 14 && strncasecmp(p, "content-length", 14) == 0) {
		char num[32];
		snprintf(num, sizeof(num), "%.*s", vl, v);
		char *end;
		unsigned long long cl = strtoull(num, &end, 10);
		r->has_length = end != num && *end == '\0';
		r->content_length = cl;
	}
	return k;
}

int lf_blob_http_do(lf_blob_http *h, const lf_blob_http_req *req, lf_blob_http_resp *resp)
{
	int ret = LF_ERR_NOMEM;
	memset(resp, 0, sizeof(*resp));
	struct resp_sink sink = {.resp = resp};
	struct body_src src = {.left = req->body_len};
	CURL *c = handle_get(h);
	if (c == NULL)
		return ret;
	setup(c, req, &src.p);
	if (req->has_body) {
		curl_easy_setopt(c, CURLOPT_READFUNCTION, body_read);
		curl_easy_setopt(c, CURLOPT_READDATA, &src);
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, resp_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, resp_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, STALL_TIMEOUT_S);
	CURLcode rc = curl_easy_perform(c);
	ret = LF_OK;
	if (sink.too_large)
		ret = LF_ERR_TOO_LARGE;
	else if (rc != CURLE_OK)
		ret = rc == CURLE_OUT_OF_MEMORY ? LF_ERR_NOMEM : LF_ERR_IO;
	else
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	handle_put(h, c);
	return ret;
}

void lf_blob_http_resp_free(lf_blob_http_resp *resp)
{
	free(resp->body);
	resp->body = NULL;
}

static int status_err(long status)
{
	switch (status) {
	case 404: return LF_ERR_NOTFOUND;
	case 401:
	case 403: return LF_ERR_AUTH;
	case 412: return LF_ERR_CONFLICT;
	default: return LF_ERR_IO;
	}
}

static size_t stream_write(char *p, size_t size, size_t n, void *ud)
{
	lf_blob_http_stream *s = ud;
	size_t k = size * n;
	long status = 0;
	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
	/* An error document is not part of the object: drop it. */
	if (status >= 300)
		return k;
	if (k > STREAM_BUF - s->len) {
		s->paused = true;
		return CURL_WRITEFUNC_PAUSE;
	}
	memcpy(s->buf + s->len, p, k);
	s->len += k;
	return k;
}

int lf_blob_http_stream_open(lf_blob_http *h, lf_blob_http_req *req, lf_blob_http_stream **out)
{
	int ret = LF_ERR_NOMEM;
	lf_blob_http_stream *s = calloc(1, sizeof(*s));
	const char *unused;
	if (s == NULL) {
		curl_slist_free_all(req->headers);
		return ret;
	}
	s->headers = req->headers;
	s->buf = malloc(STREAM_BUF);
	s->multi = curl_multi_init();
	s->easy = curl_easy_init();
	if (s->buf == NULL || s->multi == NULL || s->easy == NULL)
		goto cleanup;
	setup(s->easy, req, &unused);
	curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, stream_write);
	curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
	ret = LF_ERR_INTERNAL;
	if (curl_multi_add_handle(s->multi, s->easy) != CURLM_OK)
		goto cleanup;
	*out = s;
	s = NULL;
	ret = LF_OK;
cleanup:
	lf_blob_http_stream_close(s);
	return ret;
}

int lf_blob_http_stream_read(lf_blob_http_stream *s, void *buf, size_t cap, size_t *n)
{
	while (s->off == s->len) {
		s->off = s->len = 0;
		if (s->done) {
			long status = 0;
			curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
			if (s->result != CURLE_OK)
				return LF_ERR_IO;
			if (status >= 300)
				return status_err(status);
			*n = 0;
			return LF_OK;
		}
		if (s->paused) {
			/* May deliver the held-back bytes right away, into the
			 * buffer just emptied. */
			s->paused = false;
			curl_easy_pause(s->easy, CURLPAUSE_CONT);
			continue;
		}
		int running = 0, left;
		if (curl_multi_perform(s->multi, &running) != CURLM_OK)
			return LF_ERR_IO;
		CURLMsg *m;
		while ((m = curl_multi_info_read(s->multi, &left)) != NULL) {
			if (m->msg == CURLMSG_DONE) {
				s->done = true;
				s->result = m->data.result;
			}
		}
		if (s->len == 0 && !s->done && !s->paused &&
		    curl_multi_poll(s->multi, NULL, 0, 1000, NULL) != CURLM_OK)
			return LF_ERR_IO;
	}
	size_t k = s->len - s->off < cap ? s->len - s->off : cap;
	memcpy(buf, s->buf + s->off, k);
	s->off += k;
	*n = k;
	return LF_OK;
}

void lf_blob_http_stream_close(lf_blob_http_stream *s)
{
	if (s == NULL)
		return;
	if (s->multi != NULL && s->easy != NULL)
		curl_multi_remove_handle(s->multi, s->easy);
	if (s->easy != NULL)
		curl_easy_cleanup(s->easy);
	if (s->multi != NULL)
		curl_multi_cleanup(s->multi);
	curl_slist_free_all(s->headers);
	free(s->buf);
	free(s);
}

void lf_blob_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void lf_blob_sha256_hex(const void *in, size_t n, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, in, n);
	lf_blob_hex(h, sizeof(h), out);
}

void lf_blob_hmac(const void *key, size_t keylen, const void *msg, size_t n, unsigned char mac[32])
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, msg, n);
	crypto_auth_hmacsha256_final(&st, mac);
}

static int vappendf(char **dst, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int add = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	size_t have = *dst != NULL ? strlen(*dst) : 0;
	char *p = add < 0 ? NULL : realloc(*dst, have + (size_t)add + 1);
	if (p == NULL) {
		free(*dst);
		*dst = NULL;
		return LF_ERR_NOMEM;
	}
	vsnprintf(p + have, (size_t)add + 1, fmt, ap);
	*dst = p;
	return LF_OK;
}

int lf_blob_appendf(char **dst, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int ret = vappendf(dst, fmt, ap);
	va_end(ap);
	return ret;
}

int lf_blob_append_enc(char **dst, const char *s, bool keep_slash)
{
	size_t have = *dst != NULL ? strlen(*dst) : 0;
	char *p = realloc(*dst, have + 3 * strlen(s) + 1);
	if (p == NULL) {
		free(*dst);
		*dst = NULL;
		return LF_ERR_NOMEM;
	}
	char *o = p + have;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		    (*c >= '0' && *c <= '9') || *c == '-' || *c == '.' || *c == '_' || *c == '~' ||
		    (*c == '/' && keep_slash))
			*o++ = (char)*c;
		else
			o += sprintf(o, "%%%02X", *c);
	}
	*o = '\0';
	*dst = p;
	return LF_OK;
}

int lf_blob_header(struct curl_slist **list, const char *fmt, ...)
{
	char *line = NULL;
	va_list ap;
	va_start(ap, fmt);
	int ret = vappendf(&line, fmt, ap);
	va_end(ap);
	if (ret != LF_OK)
		return ret;
	struct curl_slist *l = curl_slist_append(*list, line);
	free(line);
	if (l == NULL)
		return LF_ERR_NOMEM;
	*list = l;
	return LF_OK;
}

/* Element names compare without their namespace: S3 puts its documents
 * in one, Azure does not. */
static xmlNode *xml_child(xmlNode *n, const char *name)
{
	for (xmlNode *c = n != NULL ? n->children : NULL; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

static xmlNode *xml_path(xmlNode *n, const char *path)
{
	char name[64];
	while (n != NULL && *path) {
		size_t k = strcspn(path, "/");
		if (k >= sizeof(name))
			return NULL;
		memcpy(name, path, k);
		name[k] = '\0';
		n = xml_child(n, name);
		path += k + (path[k] == '/');
	}
	return n;
}

static const char *xml_text(void *node, const char *path, char *buf, size_t cap)
{
	xmlNode *n = xml_path(node, path);
	xmlChar *t = n != NULL ? xmlNodeGetContent(n) : NULL;
	snprintf(buf, cap, "%s", t != NULL ? (const char *)t : "");
	xmlFree(t);
	return buf;
}

int lf_blob_xml_each(const char *body, size_t len, const char *item,
		     int (*fn)(void *ctx, void *node, lf_blob_xml_text text), void *ctx,
		     const char *next, char **next_out)
{
	int ret = LF_ERR_IO;
	/* No network, no entity expansion: the document comes from afar. */
	xmlDoc *doc = xmlReadMemory(body, (int)len, NULL, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlNode *root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	if (root == NULL)
		goto cleanup;
	const char *last = strrchr(item, '/');
	xmlNode *parent = root;
	if (last != NULL) {
		char ppath[64];
		snprintf(ppath, sizeof(ppath), "%.*s", (int)(last - item), item);
		parent = xml_path(root, ppath);
		last++;
	} else {
		last = item;
	}
	ret = LF_OK;
	for (xmlNode *c = parent != NULL ? parent->children : NULL; c != NULL && ret == LF_OK;
	     c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, last) == 0)
			ret = fn(ctx, c, xml_text);
	if (ret != LF_OK || next == NULL)
		goto cleanup;
	xmlNode *nn = xml_path(root, next);
	xmlChar *t = nn != NULL ? xmlNodeGetContent(nn) : NULL;
	if (t != NULL && t[0] != '\0') {
		*next_out = strdup((const char *)t);
		if (*next_out == NULL)
			ret = LF_ERR_NOMEM;
	}
	xmlFree(t);
cleanup:
	xmlFreeDoc(doc);
	return ret;
}

void lf_blob_xml_find(const char *body, size_t len, const char *path, char *buf, size_t cap)
{
	buf[0] = '\0';
	if (body == NULL || len == 0)
		return;
	xmlDoc *doc = xmlReadMemory(body, (int)len, NULL, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlNode *root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	if (root != NULL)
		xml_text(root, path, buf, cap);
	xmlFreeDoc(doc);
}

int lf_blob_http_ranged_read(lf_blob_http_ranged *r, lf_blob_http_ranged_open open, void *ud,
			     void *buf, size_t cap, size_t *n)
{
	int ret;
	*n = 0;
	if (r->pos >= r->size || cap == 0)
		return LF_OK;
	if (r->stream == NULL && (ret = open(ud, r, &r->stream)) != LF_OK)
		return ret;
	ret = lf_blob_http_stream_read(r->stream, buf, cap, n);
	if (ret == LF_OK && *n == 0)
		ret = LF_ERR_IO; /* the body ended before the size HEAD gave */
	if (ret != LF_OK) {
		lf_blob_http_ranged_close(r);
		*n = 0;
		return ret;
	}
	r->pos += *n;
	return LF_OK;
}

void lf_blob_http_ranged_seek(lf_blob_http_ranged *r, uint64_t offset)
{
	if (offset != r->pos) {
		lf_blob_http_ranged_close(r);
		r->pos = offset;
	}
}

void lf_blob_http_ranged_close(lf_blob_http_ranged *r)
{
	lf_blob_http_stream_close(r->stream);
	r->stream = NULL;
}
