/*
 * zip.h - a zip archive written through an export writer's output as it
 * goes (libarchive), for the formats that ship several files (yolo, voc).
 * Internal to src/export/. Only the central directory is kept until close;
 * each entry is compressed and handed to lf_export_put when added.
 */
#ifndef LF_EXPORT_ZIP_H
#define LF_EXPORT_ZIP_H

#include <stddef.h>

#include "export/export_int.h"

typedef struct lf_export_zip lf_export_zip;

/* Starts an archive written to w's output. Returns LF_OK and *z (owner:
 * caller, release with lf_export_zip_free), LF_ERR_NOMEM or LF_ERR_IO. */
int lf_export_zip_open(lf_export_writer *w, lf_export_zip **z);
/* Adds the file name (a relative path) holding len bytes of buf. Returns
 * LF_OK, the output's error, or LF_ERR_IO. */
int lf_export_zip_add(lf_export_zip *z, const char *name, const void *buf, size_t len);
/* Writes the central directory: the archive is complete. An archive closed
 * without entries is a valid empty zip. */
int lf_export_zip_close(lf_export_zip *z);
/* Releases the archive (closed or abandoned). NULL is allowed. */
void lf_export_zip_free(lf_export_zip *z);

#endif
