/*
 * blob.c - the adapter-independent half of blob storage: store URLs, key
 * validation and dispatch to the adapter's operations.
 *
 * Keys, list prefixes and the names in a store URL are validated here,
 * once, so no adapter can be handed a key that escapes its root (a path
 * adapter joins keys to a folder, an object store would treat ".."
 * literally: both stay safe) nor a bucket name that changes the host or
 * path of the URLs it builds.
 */
#include "blob/adapter.h"

#include <stdio.h>
#include <string.h>

#define NAME_MAX_LEN 63
#define LIST_MAX     1000
#define PRESIGN_MAX  604800

static int is_key_char(char c);
static int has_scheme(const char *url, const char *scheme);
static int prefix_valid(const char *prefix);
static int take_name(const char **p, char *name, const char *what, const char *url, char *err,
		     size_t errlen);
static int take_prefix(const char *p, char *prefix, const char *url, char *err, size_t errlen);
static int open_object_store(const char *url, const lf_blob_opts *opts, lf_blob_store **out,
			     char *err, size_t errlen);

static int is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

static int has_scheme(const char *url, const char *scheme)
{
	size_t n = strlen(scheme);
	return strncmp(url, scheme, n) == 0 && url[n] == ':';
}

int lf_blob_key_valid(const char *key)
{
	if (key == NULL)
		return 0;
	size_t len = strnlen(key, LF_BLOB_KEY_MAX + 1);
	if (len == 0 || len > LF_BLOB_KEY_MAX)
		return 0;
	const char *seg = key;
	for (const char *p = key;; p++) {
		if (*p == '/' || *p == '\0') {
			size_t n = (size_t)(p - seg);
			if (n == 0 || (n == 1 && seg[0] == '.') ||
			    (n == 2 && seg[0] == '.' && seg[1] == '.'))
				return 0;
			if (*p == '\0')
				return 1;
			seg = p + 1;
		} else if (!is_key_char(*p)) {
			return 0;
		}
	}
}

/* Any beginning of a valid key: "", "a/b", "a/b/" or "a/b/pa". */
static int prefix_valid(const char *prefix)
{
	size_t n = strnlen(prefix, LF_BLOB_KEY_MAX + 1);
	if (n == 0)
		return 1;
	if (n > LF_BLOB_KEY_MAX)
		return 0;
	char key[LF_BLOB_KEY_MAX + 1];
	memcpy(key, prefix, n + 1);
	if (key[n - 1] == '/')
		key[n - 1] = '\0';
	return lf_blob_key_valid(key);
}

/* A bucket, account or container name: lower-case letters, digits, '-',
 * '.' and '_' (each service is stricter; the service says how). */
static int take_name(const char **p, char *name, const char *what, const char *url, char *err,
		     size_t errlen)
{
	size_t n = strcspn(*p, "/");
	bool ok = n > 0 && n <= NAME_MAX_LEN;
	for (size_t i = 0; ok && i < n; i++) {
		char c = (*p)[i];
		ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		     c == '_';
	}
	if (!ok) {
		snprintf(err, errlen,
			 "storage URL '%s' needs a %s name of 1..%d lower-case letters, digits, "
			 "'-', '.', '_'",
			 url, what, NAME_MAX_LEN);
		return LF_ERR_INVALID;
	}
	memcpy(name, *p, n);
	name[n] = '\0';
	*p += n + ((*p)[n] == '/');
	return LF_OK;
}

/* The rest of the URL as a key prefix: "" or a valid key and a '/'. */
static int take_prefix(const char *p, char *prefix, const char *url, char *err, size_t errlen)
{
	size_t n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	if (n > LF_BLOB_KEY_MAX / 2) {
		snprintf(err, errlen, "storage URL '%s' has a prefix over %d bytes", url,
			 LF_BLOB_KEY_MAX / 2);
		return LF_ERR_INVALID;
	}
	memcpy(prefix, p, n);
	prefix[n] = '\0';
	if (n > 0 && !lf_blob_key_valid(prefix)) {
		snprintf(err, errlen, "storage URL '%s' has a prefix that is not a valid key", url);
		return LF_ERR_INVALID;
	}
	if (n > 0)
		memcpy(prefix + n, "/", 2);
	return LF_OK;
}

static int open_object_store(const char *url, const lf_blob_opts *opts, lf_blob_store **out,
			     char *err, size_t errlen)
{
	static const lf_blob_opts none;
	char bucket[NAME_MAX_LEN + 1], container[NAME_MAX_LEN + 1];
	char prefix[LF_BLOB_KEY_MAX / 2 + 2];
	bool azure = has_scheme(url, "azure");
	const char *p = strstr(url, "://");
	int ret = LF_ERR_INVALID;
	if (p == NULL) {
		snprintf(err, errlen, "storage URL '%s' must start with scheme://", url);
		return ret;
	}
	p += 3;
	if (opts == NULL)
		opts = &none;
	if ((ret = take_name(&p, bucket, azure ? "account" : "bucket", url, err, errlen)) != LF_OK)
		return ret;
	if (azure && (ret = take_name(&p, container, "container", url, err, errlen)) != LF_OK)
		return ret;
	if ((ret = take_prefix(p, prefix, url, err, errlen)) != LF_OK)
		return ret;
	if (azure)
		return lf_blob_azure_open(bucket, container, prefix, opts, out, err, errlen);
	return lf_blob_s3_open(has_scheme(url, "gs"), bucket, prefix, opts, out, err, errlen);
}

int lf_blob_open(const char *url, lf_blob_store **out, char *err, size_t errlen)
{
	return lf_blob_open_opts(url, NULL, out, err, errlen);
}

int lf_blob_open_opts(const char *url, const lf_blob_opts *opts, lf_blob_store **out, char *err,
		      size_t errlen)
{
	static const char *const later[] = {"http", "https"};
	if (url == NULL || url[0] == '\0') {
		snprintf(err, errlen, "empty storage URL");
		return LF_ERR_INVALID;
	}
	if (has_scheme(url, "s3") || has_scheme(url, "gs") || has_scheme(url, "azure"))
		return open_object_store(url, opts, out, err, errlen);
	for (size_t i = 0; i < LF_ARRAY_LEN(later); i++) {
		if (has_scheme(url, later[i])) {
			snprintf(err, errlen, "storage scheme '%s:' is not supported yet",
				 later[i]);
			return LF_ERR_INVALID;
		}
	}
	const char *dir = url;
	if (strncmp(url, "file://", 7) == 0)
		dir = url + 7;
	else if (has_scheme(url, "file"))
		dir = url + 5;
	else if (strstr(url, "://") != NULL) {
		snprintf(err, errlen, "unknown storage URL scheme in '%s'", url);
		return LF_ERR_INVALID;
	}
	if (dir[0] == '\0') {
		snprintf(err, errlen, "storage URL '%s' names no folder", url);
		return LF_ERR_INVALID;
	}
	return lf_blob_local_open(dir, out, err, errlen);
}

void lf_blob_close(lf_blob_store *bs)
{
	if (bs != NULL)
		bs->ops->close(bs);
}

int lf_blob_create(lf_blob_store *bs, const char *key, lf_blob_writer **out)
{
	if (!lf_blob_key_valid(key))
		return LF_ERR_INVALID;
	return bs->ops->create(bs, key, out);
}

int lf_blob_write(lf_blob_writer *w, const void *data, size_t len)
{
	if (len == 0)
		return LF_OK;
	return w->ops->write(w, data, len);
}

int lf_blob_commit(lf_blob_writer *w)
{
	return w->ops->commit(w);
}

void lf_blob_abort(lf_blob_writer *w)
{
	if (w != NULL)
		w->ops->abort(w);
}

int lf_blob_open_read(lf_blob_store *bs, const char *key, lf_blob_reader **out)
{
	if (!lf_blob_key_valid(key))
		return LF_ERR_INVALID;
	return bs->ops->open_read(bs, key, out);
}

int lf_blob_read(lf_blob_reader *r, void *buf, size_t cap, size_t *n)
{
	return r->ops->read(r, buf, cap, n);
}

int lf_blob_seek(lf_blob_reader *r, uint64_t offset)
{
	return r->ops->seek(r, offset);
}

int lf_blob_reader_size(lf_blob_reader *r, uint64_t *size)
{
	return r->ops->reader_size(r, size);
}

int lf_blob_reader_fd(lf_blob_reader *r)
{
	return r->ops->reader_fd != NULL ? r->ops->reader_fd(r) : -1;
}

void lf_blob_close_read(lf_blob_reader *r)
{
	if (r != NULL)
		r->ops->close_read(r);
}

int lf_blob_read_head(lf_blob_store *bs, const char *key, void *buf, size_t cap, size_t *n)
{
	lf_blob_reader *r = NULL;
	size_t got = 0, k = 0;
	if (!lf_blob_key_valid(key))
		return LF_ERR_INVALID;
	if (bs->ops->read_head != NULL)
		return bs->ops->read_head(bs, key, buf, cap, n);
	int ret = bs->ops->open_read(bs, key, &r);
	while (ret == LF_OK && got < cap &&
	       (ret = lf_blob_read(r, (char *)buf + got, cap - got, &k)) == LF_OK && k > 0)
		got += k;
	lf_blob_close_read(r);
	*n = got;
	return ret;
}

int lf_blob_size(lf_blob_store *bs, const char *key, uint64_t *size)
{
	if (!lf_blob_key_valid(key))
		return LF_ERR_INVALID;
	return bs->ops->size(bs, key, size);
}

int lf_blob_delete(lf_blob_store *bs, const char *key)
{
	if (!lf_blob_key_valid(key))
		return LF_ERR_INVALID;
	return bs->ops->del(bs, key);
}

int lf_blob_list(lf_blob_store *bs, const char *prefix, const char *cursor, int limit,
		 lf_blob_list_fn fn, void *ctx, char **next_cursor)
{
	*next_cursor = NULL;
	if (prefix == NULL || !prefix_valid(prefix) || limit < 1 || limit > LIST_MAX ||
	    (cursor != NULL && cursor[0] == '\0') || bs->ops->list == NULL)
		return LF_ERR_INVALID;
	return bs->ops->list(bs, prefix, cursor, limit, fn, ctx, next_cursor);
}

int lf_blob_presign(lf_blob_store *bs, const char *key, int ttl_s, const char *content_type,
		    char **url)
{
	if (!lf_blob_key_valid(key) || ttl_s < 1 || ttl_s > PRESIGN_MAX || bs->ops->presign == NULL)
		return LF_ERR_INVALID;
	return bs->ops->presign(bs, key, ttl_s, content_type, url);
}
