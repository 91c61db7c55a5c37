/*
 * zip.c - streaming zip output over an export writer, with libarchive.
 */
#include "export/zip.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>

struct lf_export_zip {
	struct archive *a;
	lf_export_writer *w;
	time_t mtime;
	int err;    /* the output's error, kept across libarchive's -1 */
	int closed; /* archive_write_close ran: nothing more to write */
};

static la_ssize_t zip_write_cb(struct archive *a, void *ud, const void *buf, size_t len);
static int zip_err(lf_export_zip *z);

/* Once closed (or abandoned) output is dropped: archive_write_free closes an
 * open archive, and an abandoned export must not get a trailer.
 * libarchive only reports -1 for a failed write; keep the output's own
 * code so the caller sees e.g. a client disconnect, not a generic I/O error. */
static la_ssize_t zip_write_cb(struct archive *a, void *ud, const void *buf, size_t len)
{
	lf_export_zip *z = ud;
	int rc;

	if (z->closed)
		return (la_ssize_t)len;
	rc = lf_export_put(z->w, buf, len);
	if (rc != LF_OK) {
		z->err = rc;
		archive_set_error(a, EIO, "export output failed: %s", lf_err_str(rc));
		return -1;
	}
	return (la_ssize_t)len;
}

static int zip_err(lf_export_zip *z)
{
	return z->err != LF_OK ? z->err : LF_ERR_IO;
}

int lf_export_zip_open(lf_export_writer *w, lf_export_zip **out)
{
	int ret = LF_ERR_NOMEM;
	lf_export_zip *z = calloc(1, sizeof(*z));

	*out = NULL;
	if (!z)
		goto cleanup;
	z->w = w;
	z->mtime = (time_t)(lf_now_ms() / 1000);
	z->a = archive_write_new();
	if (!z->a)
		goto cleanup;
	ret = LF_ERR_IO;
	if (archive_write_set_format_zip(z->a) != ARCHIVE_OK)
		goto cleanup;
	/* Blocks batch libarchive's many small writes; the last block must not
	 * be padded, as zero bytes after the end record break strict readers. */
	if (archive_write_set_bytes_per_block(z->a, 16384) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(z->a, 1) != ARCHIVE_OK)
		goto cleanup;
	if (archive_write_open2(z->a, z, NULL, zip_write_cb, NULL, NULL) != ARCHIVE_OK) {
		ret = zip_err(z);
		goto cleanup;
	}
	*out = z;
	z = NULL;
	ret = LF_OK;
cleanup:
	lf_export_zip_free(z);
	return ret;
}

int lf_export_zip_add(lf_export_zip *z, const char *name, const void *buf, size_t len)
{
	int ret = LF_ERR_NOMEM;
	struct archive_entry *e = archive_entry_new();

	if (!e)
		goto cleanup;
	archive_entry_set_pathname_utf8(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, z->mtime, 0);
	if (archive_write_header(z->a, e) != ARCHIVE_OK) {
		ret = zip_err(z);
		goto cleanup;
	}
	if (len > 0 && archive_write_data(z->a, buf, len) != (la_ssize_t)len) {
		ret = zip_err(z);
		goto cleanup;
	}
	if (archive_write_finish_entry(z->a) != ARCHIVE_OK) {
		ret = zip_err(z);
		goto cleanup;
	}
	ret = LF_OK;
cleanup:
	archive_entry_free(e);
	return ret;
}

int lf_export_zip_close(lf_export_zip *z)
{
	int rc = archive_write_close(z->a);

	z->closed = 1;
	return rc == ARCHIVE_OK ? LF_OK : zip_err(z);
}

void lf_export_zip_free(lf_export_zip *z)
{
	if (!z)
		return;
	z->closed = 1;
	if (z->a)
		archive_write_free(z->a);
	free(z);
}
