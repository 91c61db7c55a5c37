/*
 * batch.c - the files of one media upload, each streamed to its own blob
 * and checked when it ends; archives unpacked entry by entry from their
 * blob. See media.h for the contract; the refusals are all here.
 *
 * A checked item is not kept in memory: it is appended to a scratch file
 * (unlinked as soon as it is made) and read back one at a time by
 * lf_media_batch_next, so a batch of 10,000 files costs what a batch of
 * one does (bench/media-import.sh). Item records hold the lf_media_item
 * as it is in memory, then its two strings and its segments: the file is
 * this process's own, written and read by the same code.
 */
#include "media/media_int.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What libmagic is shown of each file: enough for every container we take
 * (their signatures sit in the first few KiB). */
#define HEAD_MAX (64 * 1024)
/* One read of an archive's blob, and one piece of an entry's data. */
#define IO_BUF (64 * 1024)

struct lf_media_batch {
	lf_blob_store *bs;
	lf_media_targets targets;
	char prefix[96]; /* media/<project>/<ms>-<random>: every blob's folder */
	int seq;
	/* the file being received */
	lf_blob_writer *w;
	char key[LF_BLOB_KEY_MAX + 1];
	char *name;
	const char *archive; /* the archive being unpacked, or NULL */
	uint64_t bytes;
	crypto_hash_sha256_state sha;
	unsigned char head[HEAD_MAX];
	size_t head_len;
	char display[512]; /* the file's name as refusals give it */
	/* the result: n item records in spill, read back into cur */
	FILE *spill; /* NULL until the first item */
	lf_media_item cur;
	int n;
	int64_t ntasks;
	int64_t upload_bytes;
	int kept;
	int swept; /* discard deleted the blobs below this seq */
	const char *tmpdir;
	/* segmenting (lf_media_batch_segment): 0 ms = off */
	int64_t seg_ms, overlap_ms;
};

/* libarchive's view of a blob. */
struct arc_io {
	lf_blob_reader *r;
	uint64_t pos, size;
	char buf[IO_BUF];
};

static int file_start(lf_media_batch *b, const char *name);
static int file_append(lf_media_batch *b, const void *data, size_t len);
static int file_finish(lf_media_batch *b, lf_error *err);
static const char *display_name(lf_media_batch *b);
static int is_archive(const char *mime);
static int check_media(lf_media_batch *b, const char *mime, lf_media_item *it, lf_error *err);
static int add_item(lf_media_batch *b, lf_media_item *it, lf_error *err);
static int spill_open(lf_media_batch *b);
static int spill_write(FILE *f, const lf_media_item *it);
static int spill_read(FILE *f, lf_media_item *it);
static int read_str(FILE *f, char **out);
static int cut_item(lf_media_batch *b, lf_media_item *it, lf_error *err);
static void item_release(lf_media_batch *b, lf_media_item *it, int delete_blobs);
static int unpack(lf_media_batch *b, const char *key, uint64_t size, lf_error *err);
static int unpack_entry(lf_media_batch *b, struct archive *a, struct archive_entry *e,
			uint64_t limit, uint64_t *unpacked, char *buf, lf_error *err);
static int entry_path_safe(const char *path);
static int entry_skipped(const char *path);
static la_ssize_t arc_read(struct archive *a, void *ud, const void **buf);
static la_int64_t arc_seek(struct archive *a, void *ud, la_int64_t offset, int whence);
static la_int64_t arc_skip(struct archive *a, void *ud, la_int64_t request);

int lf_media_batch_new(lf_blob_store *bs, int64_t project_id, const lf_media_targets *targets,
		       const char *tmpdir, lf_media_batch **out)
{
	unsigned char rnd[6];
	char hex[13];
	lf_media_batch *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return LF_ERR_NOMEM;
	b->bs = bs;
	b->targets = *targets;
	b->tmpdir = tmpdir;
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	snprintf(b->prefix, sizeof(b->prefix), "media/%lld/%lld-%s", (long long)project_id,
		 (long long)lf_now_ms(), hex);
	*out = b;
	return LF_OK;
}

void lf_media_batch_segment(lf_media_batch *b, int seconds, int overlap_seconds)
{
	b->seg_ms = (int64_t)seconds * 1000;
	b->overlap_ms = (int64_t)overlap_seconds * 1000;
}

static const char *display_name(lf_media_batch *b)
{
	if (b->archive != NULL)
		snprintf(b->display, sizeof(b->display), "%s in %s", b->name, b->archive);
	else
		snprintf(b->display, sizeof(b->display), "%s", b->name);
	return b->display;
}

static int file_start(lf_media_batch *b, const char *name)
{
	snprintf(b->key, sizeof(b->key), "%s/%d", b->prefix, b->seq++);
	free(b->name);
	b->name = strdup(name != NULL && name[0] != '\0' ? name : "upload");
	if (b->name == NULL)
		return LF_ERR_NOMEM;
	b->bytes = 0;
	b->head_len = 0;
	crypto_hash_sha256_init(&b->sha);
	return lf_blob_create(b->bs, b->key, &b->w);
}

static int file_append(lf_media_batch *b, const void *data, size_t len)
{
	int ret = lf_blob_write(b->w, data, len);
	if (ret != LF_OK)
		return ret;
	crypto_hash_sha256_update(&b->sha, data, len);
	if (b->head_len < HEAD_MAX) {
		size_t take = len < HEAD_MAX - b->head_len ? len : HEAD_MAX - b->head_len;
		memcpy(b->head + b->head_len, data, take);
		b->head_len += take;
	}
	b->bytes += len;
	if (b->archive == NULL)
		b->upload_bytes += (int64_t)len;
	return LF_OK;
}

static int is_archive(const char *mime)
{
	return strcmp(mime, "application/zip") == 0 || strcmp(mime, "application/x-tar") == 0 ||
	       strcmp(mime, "application/gzip") == 0 || strcmp(mime, "application/x-gzip") == 0;
}

/* Decides whether the committed file b->key is media the project takes,
 * and fills *it with what its content and probing say. */
static int check_media(lf_media_batch *b, const char *mime, lf_media_item *it, lf_error *err)
{
	char why[160] = "";
	lf_media_info info;
	const char *name = display_name(b);
	lf_media_kind kind = lf_media_kind_of_mime(mime);
	lf_media_kind named = lf_media_kind_of_name(b->name);
	if (kind == LF_MEDIA_NONE)
		return lf_error_set(
		    err, LF_ERR_INVALID, "unsupported_media",
		    "'%s' is not an image, audio or video file (its content is %s).", name, mime);
	if (named != LF_MEDIA_NONE && named != kind)
		return lf_error_set(err, LF_ERR_INVALID, "media_type_mismatch",
				    "'%s' is named like %s file but its content is %s.", name,
				    named == LF_MEDIA_IMAGE   ? "an image"
				    : named == LF_MEDIA_AUDIO ? "an audio"
							      : "a video",
				    mime);
	if (b->targets.key[kind][0] == '\0')
		return lf_error_set(err, LF_ERR_INVALID, "media_type_mismatch",
				    "'%s' is %s, but the project's label config has no %s object.",
				    name, lf_media_kind_name(kind),
				    kind == LF_MEDIA_IMAGE   ? "Image"
				    : kind == LF_MEDIA_AUDIO ? "Audio"
							     : "Video");
	if (lf_media_probe(b->bs, b->key, &info, why, sizeof(why)) != LF_OK)
		return lf_error_set(
		    err, LF_ERR_INVALID, "unreadable_media", "'%s' cannot be read as %s (%s): %s.",
		    name, lf_media_kind_name(kind), mime, why[0] ? why : "probing failed");
	int ok = kind == LF_MEDIA_AUDIO	  ? info.has_audio && info.duration_ms > 0
		 : kind == LF_MEDIA_VIDEO ? info.has_video && info.width > 0 && info.duration_ms > 0
					  : info.width > 0 && info.height > 0;
	if (!ok) {
		lf_media_info_clear(&info);
		return lf_error_set(
		    err, LF_ERR_INVALID, "unreadable_media",
		    "'%s' holds no playable %s (no %s found).", name, lf_media_kind_name(kind),
		    kind == LF_MEDIA_IMAGE ? "dimensions" : "stream with a duration");
	}
	snprintf(it->key, sizeof(it->key), "%s", b->key);
	snprintf(it->mime, sizeof(it->mime), "%s", mime);
	snprintf(it->target, sizeof(it->target), "%s", b->targets.key[kind]);
	it->kind = kind;
	it->bytes = (int64_t)b->bytes;
	it->width = info.width;
	it->height = info.height;
	it->duration_ms = kind == LF_MEDIA_IMAGE ? 0 : info.duration_ms;
	it->probe = json_dumps(info.probe, JSON_COMPACT);
	it->filename = strdup(b->name);
	lf_media_info_clear(&info);
	return it->probe != NULL && it->filename != NULL ? LF_OK : LF_ERR_NOMEM;
}

/* Appends the item's record to the scratch file; its strings and
 * segments stay the caller's (item_release). */
static int add_item(lf_media_batch *b, lf_media_item *it, lf_error *err)
{
	int ret;
	if (b->n >= LF_MEDIA_FILES_MAX)
		return lf_error_set(err, LF_ERR_INVALID, "too_many_files",
				    "An upload holds at most %d files.", LF_MEDIA_FILES_MAX);
	if ((ret = spill_open(b)) != LF_OK || (ret = spill_write(b->spill, it)) != LF_OK)
		return lf_error_set(err, ret, "storage_full",
				    "The list of checked files could not be written in %s.",
				    b->tmpdir);
	b->n++;
	b->ntasks += it->nsegments > 0 ? it->nsegments : 1;
	return LF_OK;
}

/* The scratch file is unlinked at once: nothing is left behind by a crash,
 * and nobody else can open it. */
static int spill_open(lf_media_batch *b)
{
	char path[4096];
	if (b->spill != NULL)
		return LF_OK;
	if (snprintf(path, sizeof(path), "%s/labelflow-media-XXXXXX", b->tmpdir) >=
	    (int)sizeof(path))
		return LF_ERR_IO;
	int fd = mkstemp(path);
	if (fd < 0)
		return LF_ERR_IO;
	unlink(path);
	if ((b->spill = fdopen(fd, "w+")) == NULL) {
		close(fd);
		return LF_ERR_IO;
	}
	return LF_OK;
}

static int spill_write(FILE *f, const lf_media_item *it)
{
	size_t fl = strlen(it->filename), pl = strlen(it->probe);
	if (fwrite(it, sizeof(*it), 1, f) != 1 || fwrite(&fl, sizeof(fl), 1, f) != 1 ||
	    fwrite(it->filename, 1, fl, f) != fl || fwrite(&pl, sizeof(pl), 1, f) != 1 ||
	    fwrite(it->probe, 1, pl, f) != pl)
		return LF_ERR_IO;
	for (int i = 0; i < it->nsegments; i++)
		if (spill_write(f, &it->segments[i]) != LF_OK)
			return LF_ERR_IO;
	return LF_OK;
}

static int read_str(FILE *f, char **out)
{
	size_t len;
	if (fread(&len, sizeof(len), 1, f) != 1 || (*out = malloc(len + 1)) == NULL)
		return LF_ERR_IO;
	(*out)[len] = '\0';
	return fread(*out, 1, len, f) == len ? LF_OK : LF_ERR_IO;
}

/* The inverse of spill_write into *it, which owns what it points at
 * afterwards (item_release) even when the read fails half-way. */
static int spill_read(FILE *f, lf_media_item *it)
{
	int n;
	if (fread(it, sizeof(*it), 1, f) != 1) {
		memset(it, 0, sizeof(*it));
		return LF_ERR_IO;
	}
	n = it->nsegments;
	it->filename = it->probe = NULL;
	it->segments = NULL;
	it->nsegments = 0;
	if (read_str(f, &it->filename) != LF_OK || read_str(f, &it->probe) != LF_OK)
		return LF_ERR_IO;
	if (n > 0 && (it->segments = calloc((size_t)n, sizeof(*it->segments))) == NULL)
		return LF_ERR_NOMEM;
	for (; it->nsegments < n; it->nsegments++)
		if (spill_read(f, &it->segments[it->nsegments]) != LF_OK) {
			it->nsegments++;
			return LF_ERR_IO;
		}
	return LF_OK;
}

/*
 * Cuts a checked audio or video item into its segments when segmenting
 * is on and it is long enough to have more than one; each segment is
 * stored as a blob of the batch. A file that cannot be cut refuses the
 * upload rather than becoming one task the project did not ask for.
 */
static int cut_item(lf_media_batch *b, lf_media_item *it, lf_error *err)
{
	int ret, n = 0;
	char why[200] = "";
	char key[LF_BLOB_KEY_MAX + 1];
	lf_media_span *spans = NULL;
	if (b->seg_ms == 0 || it->kind == LF_MEDIA_IMAGE)
		return LF_OK;
	lf_media_segments(it->duration_ms, b->seg_ms, b->overlap_ms, NULL, 0, &n);
	if (n <= 1)
		return LF_OK;
	if (n > LF_MEDIA_SEGMENTS_MAX)
		return lf_error_set(err, LF_ERR_INVALID, "too_many_segments",
				    "'%s' would make %d segments; at most %d per file.",
				    display_name(b), n, LF_MEDIA_SEGMENTS_MAX);
	spans = calloc((size_t)n, sizeof(*spans));
	it->segments = calloc((size_t)n, sizeof(*it->segments));
	ret = LF_ERR_NOMEM;
	if (spans == NULL || it->segments == NULL)
		goto cleanup;
	if ((ret = lf_media_segments(it->duration_ms, b->seg_ms, b->overlap_ms, spans, n, &n)) !=
	    LF_OK)
		goto cleanup;
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s/%d", b->prefix, b->seq++);
		ret = lf_media_cut(b->bs, it, spans[i], b->tmpdir, key, &it->segments[i], why,
				   sizeof(why));
		if (ret == LF_ERR_INVALID)
			ret = lf_error_set(err, LF_ERR_INVALID, "unsegmentable_media",
					   "'%s' cannot be cut into segments: %s.", display_name(b),
					   why);
		if (ret != LF_OK)
			goto cleanup;
		it->nsegments++;
	}
cleanup:
	free(spans);
	return ret;
}

/* Frees what an item owns, deleting its segments' blobs when asked (its
 * own blob is the caller's to delete). */
static void item_release(lf_media_batch *b, lf_media_item *it, int delete_blobs)
{
	for (int i = 0; i < it->nsegments; i++) {
		if (delete_blobs)
			lf_blob_delete(b->bs, it->segments[i].key);
		free(it->segments[i].filename);
		free(it->segments[i].probe);
	}
	free(it->segments);
	free(it->filename);
	free(it->probe);
	memset(it, 0, sizeof(*it));
}

/*
 * The blob is committed first, whatever it turns out to be: probing and
 * unpacking read it back through the storage adapter. A refused file's
 * blob is deleted here; an item's stays until the batch is freed (or for
 * good, once imported).
 */
static int file_finish(lf_media_batch *b, lf_error *err)
{
	int ret;
	char mime[96];
	char key[LF_BLOB_KEY_MAX + 1];
	unsigned char digest[crypto_hash_sha256_BYTES];
	lf_media_item it = {.filename = NULL};
	ret = lf_blob_commit(b->w);
	b->w = NULL;
	if (ret != LF_OK)
		return lf_error_set(err, LF_ERR_FULL, "storage_full", "'%s' could not be stored.",
				    display_name(b));
	snprintf(key, sizeof(key), "%s", b->key);
	if (b->bytes == 0) {
		ret = lf_error_set(err, LF_ERR_INVALID, "empty_file", "'%s' is empty (0 bytes).",
				   display_name(b));
		goto cleanup;
	}
	if ((ret = lf_media_sniff(b->head, b->head_len, mime, sizeof(mime))) != LF_OK)
		goto cleanup;
	if (is_archive(mime)) {
		if (b->archive != NULL) {
			ret = lf_error_set(err, LF_ERR_INVALID, "unsupported_media",
					   "'%s' is an archive inside an archive; upload it on its"
					   " own.",
					   display_name(b));
			goto cleanup;
		}
		ret = unpack(b, key, b->bytes, err);
		goto cleanup;
	}
	crypto_hash_sha256_final(&b->sha, digest);
	sodium_bin2hex(it.sha256, sizeof(it.sha256), digest, sizeof(digest));
	if ((ret = check_media(b, mime, &it, err)) != LF_OK ||
	    (ret = cut_item(b, &it, err)) != LF_OK || (ret = add_item(b, &it, err)) != LF_OK)
		goto cleanup;
	item_release(b, &it, 0);
	return LF_OK;
cleanup:
	item_release(b, &it, 1);
	lf_blob_delete(b->bs, key);
	return ret;
}

int lf_media_batch_file(lf_media_batch *b, const char *name, lf_error *err)
{
	int ret = lf_media_batch_end(b, err);
	if (ret != LF_OK)
		return ret;
	return file_start(b, name);
}

int lf_media_batch_write(lf_media_batch *b, const void *data, size_t len, lf_error *err)
{
	int ret;
	if (b->w == NULL && (ret = file_start(b, NULL)) != LF_OK)
		return ret;
	if (file_append(b, data, len) != LF_OK)
		return lf_error_set(err, LF_ERR_FULL, "storage_full", "'%s' could not be written.",
				    display_name(b));
	return LF_OK;
}

int lf_media_batch_end(lf_media_batch *b, lf_error *err)
{
	if (b->w == NULL)
		return LF_OK;
	return file_finish(b, err);
}

int lf_media_batch_count(const lf_media_batch *b)
{
	return b->n;
}

int64_t lf_media_batch_tasks(const lf_media_batch *b)
{
	return b->ntasks;
}

int lf_media_batch_rewind(lf_media_batch *b)
{
	item_release(b, &b->cur, 0);
	if (b->spill == NULL)
		return LF_OK;
	return fflush(b->spill) == 0 && fseek(b->spill, 0, SEEK_SET) == 0 ? LF_OK : LF_ERR_IO;
}

int lf_media_batch_next(lf_media_batch *b, const lf_media_item **it)
{
	item_release(b, &b->cur, 0);
	int ret = b->spill != NULL ? spill_read(b->spill, &b->cur) : LF_ERR_IO;
	*it = &b->cur;
	return ret;
}

const char *lf_media_batch_prefix(const lf_media_batch *b)
{
	return b->prefix;
}

int64_t lf_media_batch_bytes(const lf_media_batch *b)
{
	return b->upload_bytes;
}

void lf_media_batch_keep(lf_media_batch *b)
{
	b->kept = 1;
}

/* Every blob of the batch is <prefix>/<k> for a k below seq (files,
 * archive entries, segments), so they are deleted without reading the
 * scratch file back; a refused file's is gone already (LF_ERR_NOTFOUND). */
void lf_media_batch_discard(lf_media_batch *b)
{
	char key[LF_BLOB_KEY_MAX + 1];
	lf_blob_abort(b->w);
	b->w = NULL;
	for (; b->swept < b->seq && !b->kept; b->swept++) {
		snprintf(key, sizeof(key), "%s/%d", b->prefix, b->swept);
		lf_blob_delete(b->bs, key);
	}
	item_release(b, &b->cur, 0);
	if (b->spill != NULL)
		fclose(b->spill);
	b->spill = NULL;
	b->n = 0;
	b->ntasks = 0;
}

void lf_media_batch_free(lf_media_batch *b)
{
	if (b == NULL)
		return;
	lf_media_batch_discard(b);
	free(b->name);
	free(b);
}

/* ---- archives ---- */

/* The checks of ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS and _NODOTDOT, on
 * either separator (an archive made on Windows may use '\'). */
static int entry_path_safe(const char *path)
{
	if (path[0] == '/' || path[0] == '\\' || (path[0] != '\0' && path[1] == ':'))
		return 0;
	for (const char *s = path; *s != '\0';) {
		size_t n = strcspn(s, "/\\");
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return 0;
		s += n;
		if (*s != '\0')
			s++;
	}
	return 1;
}

/* Hidden files and macOS resource forks ride along in archives made by
 * file managers; they are not part of the dataset. */
static int entry_skipped(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	return base[0] == '.' || strncmp(path, "__MACOSX/", 9) == 0;
}

static la_ssize_t arc_read(struct archive *a, void *ud, const void **buf)
{
	struct arc_io *io = ud;
	size_t n = 0;
	if (lf_blob_read(io->r, io->buf, sizeof(io->buf), &n) != LF_OK) {
		archive_set_error(a, EIO, "cannot read the stored archive");
		return -1;
	}
	io->pos += n;
	*buf = io->buf;
	return (la_ssize_t)n;
}

static la_int64_t arc_seek(struct archive *a, void *ud, la_int64_t offset, int whence)
{
	struct arc_io *io = ud;
	la_int64_t to = whence == SEEK_SET   ? offset
			: whence == SEEK_CUR ? (la_int64_t)io->pos + offset
					     : (la_int64_t)io->size + offset;
	if (to < 0 || lf_blob_seek(io->r, (uint64_t)to) != LF_OK) {
		archive_set_error(a, EINVAL, "bad seek in the stored archive");
		return ARCHIVE_FATAL;
	}
	io->pos = (uint64_t)to;
	return to;
}

static la_int64_t arc_skip(struct archive *a, void *ud, la_int64_t request)
{
	struct arc_io *io = ud;
	uint64_t left = io->size > io->pos ? io->size - io->pos : 0;
	uint64_t n = (uint64_t)request < left ? (uint64_t)request : left;
	if (lf_blob_seek(io->r, io->pos + n) != LF_OK) {
		archive_set_error(a, EIO, "cannot skip in the stored archive");
		return ARCHIVE_FATAL;
	}
	io->pos += n;
	return (la_int64_t)n;
}

/* One regular entry becomes a file of the batch, its bytes counted
 * against the archive's caps as they come out of the decompressor. */
static int unpack_entry(lf_media_batch *b, struct archive *a, struct archive_entry *e,
			uint64_t limit, uint64_t *unpacked, char *buf, lf_error *err)
{
	int ret;
	la_ssize_t n;
	if ((ret = file_start(b, archive_entry_pathname(e))) != LF_OK)
		return ret;
	while ((n = archive_read_data(a, buf, IO_BUF)) > 0) {
		*unpacked += (uint64_t)n;
		if (*unpacked > LF_MEDIA_ARCHIVE_BYTES_MAX || *unpacked > limit)
			return lf_error_set(err, LF_ERR_INVALID, "archive_too_large",
					    "'%s' unpacks to more than %s; refused.", b->archive,
					    *unpacked > LF_MEDIA_ARCHIVE_BYTES_MAX
						? "4 GiB"
						: "100 times its size (a zip bomb?)");
		if (file_append(b, buf, (size_t)n) != LF_OK)
			return lf_error_set(err, LF_ERR_FULL, "storage_full",
					    "'%s' could not be written.", display_name(b));
	}
	if (n < 0)
		return lf_error_set(err, LF_ERR_INVALID, "bad_archive", "'%s' is damaged: %s.",
				    b->archive, archive_error_string(a));
	return file_finish(b, err);
}

/*
 * Reads the archive from its blob (seekable, so a zip is read from its
 * central directory) and checks each entry's name and type before its
 * data is read. An unsafe entry refuses the whole upload: the entries
 * unpacked before it go with the batch.
 */
static int unpack(lf_media_batch *b, const char *key, uint64_t size, lf_error *err)
{
	int ret, r;
	int entries = 0, first = b->n;
	uint64_t unpacked = 0;
	struct archive *a = NULL;
	struct archive_entry *e;
	struct arc_io *io = calloc(1, sizeof(*io));
	char *buf = malloc(IO_BUF);
	char *archive = strdup(b->name);
	ret = LF_ERR_NOMEM;
	if (io == NULL || buf == NULL || archive == NULL || (a = archive_read_new()) == NULL)
		goto cleanup;
	if ((ret = lf_blob_open_read(b->bs, key, &io->r)) != LF_OK)
		goto cleanup;
	io->size = size;
	b->archive = archive;
	archive_read_support_filter_gzip(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_tar(a);
	archive_read_set_read_callback(a, arc_read);
	archive_read_set_seek_callback(a, arc_seek);
	archive_read_set_skip_callback(a, arc_skip);
	archive_read_set_callback_data(a, io);
	if (archive_read_open1(a) != ARCHIVE_OK) {
		ret = lf_error_set(err, LF_ERR_INVALID, "bad_archive", "'%s' cannot be read: %s.",
				   archive, archive_error_string(a));
		goto cleanup;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *path = archive_entry_pathname(e);
		if (++entries > LF_MEDIA_FILES_MAX) {
			ret = lf_error_set(err, LF_ERR_INVALID, "archive_too_large",
					   "'%s' has more than %d entries.", archive,
					   LF_MEDIA_FILES_MAX);
			goto cleanup;
		}
		if (path == NULL || !lf_utf8_valid(path, strlen(path))) {
			ret = lf_error_set(err, LF_ERR_INVALID, "bad_archive",
					   "'%s' has an entry whose name is not UTF-8.", archive);
			goto cleanup;
		}
		if (!entry_path_safe(path)) {
			ret = lf_error_set(err, LF_ERR_INVALID, "unsafe_archive",
					   "'%s' has an entry outside the archive: '%s'.", archive,
					   path);
			goto cleanup;
		}
		mode_t type = archive_entry_filetype(e);
		if (type == AE_IFDIR)
			continue;
		if (type != AE_IFREG || archive_entry_symlink(e) != NULL ||
		    archive_entry_hardlink(e) != NULL) {
			ret = lf_error_set(err, LF_ERR_INVALID, "unsafe_archive",
					   "'%s' has an entry that is a link or a device: '%s'.",
					   archive, path);
			goto cleanup;
		}
		if (entry_skipped(path))
			continue;
		ret = unpack_entry(b, a, e, size * LF_MEDIA_ARCHIVE_RATIO_MAX, &unpacked, buf, err);
		if (ret != LF_OK)
			goto cleanup;
	}
	if (r != ARCHIVE_EOF) {
		ret = lf_error_set(err, LF_ERR_INVALID, "bad_archive", "'%s' is damaged: %s.",
				   archive, archive_error_string(a));
		goto cleanup;
	}
	ret = b->n > first ? LF_OK
			   : lf_error_set(err, LF_ERR_INVALID, "empty_archive",
					  "'%s' holds no image, audio or video files.", archive);
cleanup:
	b->archive = NULL;
	if (b->w != NULL) {
		lf_blob_abort(b->w);
		b->w = NULL;
	}
	archive_read_free(a);
	if (io != NULL)
		lf_blob_close_read(io->r);
	free(io);
	free(buf);
	free(archive);
	return ret;
}
