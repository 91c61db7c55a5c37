/*
 * blob.c - the adapter-independent half of blob storage: store URLs, key
 * validation and dispatch to the adapter's operations.
 *
 * Keys are validated here, once, so no adapter can be handed a key that
 * escapes its root (a path adapter joins keys to a folder, an object
 * store would treat ".." literally: both stay safe).
 */
#include "blob/adapter.h"

#include <stdio.h>
#include <string.h>

static int is_key_char(char c);
static int has_scheme(const char *url, const char *scheme);

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

int lf_blob_open(const char *url, lf_blob_store **out, char *err, size_t errlen)
{
	static const char *const later[] = {"s3", "gs", "azure", "http", "https"};
	if (url == NULL || url[0] == '\0') {
		snprintf(err, errlen, "empty storage URL");
		return LF_ERR_INVALID;
	}
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
