/*
 * media.h - images, audio and video as datasets: uploads turned into media
 * items (one task each), their type told by content, their properties
 * probed, and their bytes served by range to holders of a short-lived
 * signed URL.
 *
 * An upload is a batch (lf_media_batch): each file, or each entry of an
 * archive, is streamed to its own blob while its SHA-256 and first bytes
 * are taken; when it ends, libmagic names its type from those bytes (never
 * from its name) and libavformat probes it from the blob. A refusal names
 * the file, and the batch's blobs are deleted when it is freed unless
 * lf_media_import made them the database's. Nothing is held in memory but
 * a file's first bytes and the item being read: checked items wait in a
 * scratch file until they are imported and listed in the response.
 *
 * Archives (zip, tar, tar.gz) are read from their blob with libarchive and
 * never written to disk as such: an entry whose path is absolute or holds
 * a ".." segment, or that is a link or a device, refuses the whole upload
 * (the checks ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS, _NODOTDOT and
 * _SYMLINKS make on extraction), as does an archive past the entry count,
 * total size or compression ratio caps below.
 */
#ifndef LF_MEDIA_H
#define LF_MEDIA_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

#include "blob/blob.h"
#include "store/store.h"

typedef enum lf_media_kind {
	LF_MEDIA_NONE = 0,
	LF_MEDIA_IMAGE,
	LF_MEDIA_AUDIO,
	LF_MEDIA_VIDEO,
} lf_media_kind;

/* Caps of one upload: files (archive entries included), bytes unpacked
 * from archives, and unpacked bytes per byte of archive. */
#define LF_MEDIA_FILES_MAX	   10000
#define LF_MEDIA_ARCHIVE_BYTES_MAX ((uint64_t)4 << 30)
#define LF_MEDIA_ARCHIVE_RATIO_MAX 100
/* How long a signed URL from lf_media_sign_url stays valid. */
#define LF_MEDIA_URL_TTL_S 600
/* Where media item <id> is served, as task data names it: the path plus
 * the decimal id. */
#define LF_MEDIA_PATH "/api/v1/media/"

/* "image", "audio", "video" (NULL for LF_MEDIA_NONE). */
const char *lf_media_kind_name(lf_media_kind k);

/*
 * The MIME type of content from its first len bytes (libmagic,
 * MAGIC_MIME_TYPE; one magic_t per thread, opened on first use and closed
 * when the thread ends). Writes it to mime. LF_ERR_INTERNAL when libmagic
 * cannot load its database.
 */
int lf_media_sniff(const void *buf, size_t len, char *mime, size_t cap);
/* The kind of media a sniffed type is; LF_MEDIA_NONE for anything we do
 * not serve as media (text, SVG, archives...). */
lf_media_kind lf_media_kind_of_mime(const char *mime);
/* The kind a file name's extension promises; LF_MEDIA_NONE when it
 * promises nothing we know (or could be either audio or video). */
lf_media_kind lf_media_kind_of_name(const char *name);

/* Where a project's tasks put each kind: the data key of the label
 * config's Image/Audio/Video object ("$image" -> "image"); "" when the
 * config has no object of that kind. */
typedef struct lf_media_targets {
	char key[4][64]; /* indexed by lf_media_kind */
} lf_media_targets;

/* Reads the targets from a label config. An empty or NULL config takes
 * every kind under its own name. LF_ERR_INVALID (reason in err) when the
 * config does not parse. */
int lf_media_targets_of(const char *label_config, lf_media_targets *out, char *err, size_t errlen);

/* What probing found. */
typedef struct lf_media_info {
	int64_t width, height, duration_ms; /* 0 when none */
	int has_audio, has_video;
	json_t *probe; /* {"format": ..., "streams": [{type, codec, ...}]} (owned) */
} lf_media_info;

/*
 * Probes the blob key with libavformat: container, streams and codecs,
 * duration, the first video (or image) stream's dimensions. Reads the
 * blob through its reader, never whole. LF_ERR_INVALID with the
 * library's words in err when the content is not readable media (a
 * truncated MP4, say). On LF_OK release out with lf_media_info_clear.
 */
int lf_media_probe(lf_blob_store *bs, const char *key, lf_media_info *out, char *err,
		   size_t errlen);
/*
 * The same through r, an open reader (still the caller's) whose first
 * head_len bytes the caller has read into head: those bytes are not read
 * again (r is moved past them when more is needed). r NULL: head is the
 * whole blob, probed with no request to its store.
 */
int lf_media_probe_reader(lf_blob_reader *r, const void *head, size_t head_len, lf_media_info *out,
			  char *err, size_t errlen);
void lf_media_info_clear(lf_media_info *info);

/*
 * Segments: a project's segment_seconds L and segment_overlap_seconds O
 * (policy.h) cut long audio and video into tasks. Segment k starts at
 * k * (L - O) and ends L later or at the end D of the file, whichever
 * comes first; the one that reaches D is the last. A tail that would add
 * less than O of new material after a segment (D - end < O) is not a
 * segment of its own: that segment is stretched to D, so no sliver shorter
 * than the overlap is ever a task (and the last segment may be up to
 * L + O long). A file of at most L (or of less than L + O) is one segment,
 * [0, D], and is not cut. 95 s in 30 s with 2 s overlap: [0,30] [28,58]
 * [56,86] [84,95].
 */
typedef struct lf_media_span {
	int64_t start_ms, end_ms;
} lf_media_span;
/* Most segments one file is cut into (a 10,000-task upload of one file). */
#define LF_MEDIA_SEGMENTS_MAX 10000

/*
 * Computes the segments of a file of duration_ms by the rule above into
 * out (up to cap; *n is set to how many there are). LF_ERR_INVALID when
 * duration_ms or length_ms is not positive, overlap_ms negative or not
 * below length_ms; LF_ERR_LIMIT when there are more than cap. Pure.
 */
int lf_media_segments(int64_t duration_ms, int64_t length_ms, int64_t overlap_ms,
		      lf_media_span *out, int cap, int *n);

/* One stored, checked file of a batch. */
typedef struct lf_media_item {
	char key[LF_BLOB_KEY_MAX + 1];
	char *filename; /* as uploaded, or the archive's name + "/" + entry path */
	char mime[96];
	lf_media_kind kind;
	int64_t bytes;
	char sha256[65];
	int64_t width, height, duration_ms;
	char *probe;	 /* JSON text */
	char target[64]; /* the task data key that points at it */
	/* A segment: where on its source's timeline the cut file's 0 lies,
	 * and the segment's end there (ms). */
	int64_t segment_start_ms, segment_end_ms;
	/* A cut file: its segments, each an item of its own (blob, probe),
	 * which become the tasks; 0 when the file is one task. */
	struct lf_media_item *segments;
	int nsegments;
} lf_media_item;

typedef struct lf_media_batch lf_media_batch;

/* Starts a batch for project_id whose items go where targets say, its
 * scratch files (the checked items, the muxer's) in tmpdir, which must
 * outlive it. Owner: caller, lf_media_batch_free. */
int lf_media_batch_new(lf_blob_store *bs, int64_t project_id, const lf_media_targets *targets,
		       const char *tmpdir, lf_media_batch **out);
/* Cuts the audio and video files that follow into segments of seconds
 * with overlap_seconds (see lf_media_span; checked by the policy);
 * seconds 0 leaves files whole. */
void lf_media_batch_segment(lf_media_batch *b, int seconds, int overlap_seconds);
/* Starts the next file (ending the current one as lf_media_batch_end
 * does). name may be NULL ("upload"). */
int lf_media_batch_file(lf_media_batch *b, const char *name, lf_error *err);
/* Appends to the current file (one is started, nameless, if none is). */
int lf_media_batch_write(lf_media_batch *b, const void *data, size_t len, lf_error *err);
/*
 * Ends the current file, if any: commits its blob, then refuses it, or
 * keeps it as an item, or unpacks it when it is an archive (each entry
 * checked as a file of its own, then the archive's blob deleted).
 * Refusals are LF_ERR_INVALID in err, naming the file: "empty_file",
 * "unsupported_media" (not image/audio/video by content),
 * "media_type_mismatch" (the name promises another kind, or the project
 * has no object for it), "unreadable_media" (probing failed),
 * "unsafe_archive" (.., absolute path, link), "archive_too_large" (caps),
 * "empty_archive", "bad_archive", "unsegmentable_media" (segmenting is on
 * and the file cannot be cut: a container we do not write, or no
 * keyframe); LF_ERR_INVALID "too_many_files"; "storage_full" when the
 * scratch file cannot be written.
 */
int lf_media_batch_end(lf_media_batch *b, lf_error *err);
/* How many items were kept so far, and how many tasks they make (one
 * per item, or one per segment of a cut item). */
int lf_media_batch_count(const lf_media_batch *b);
int64_t lf_media_batch_tasks(const lf_media_batch *b);
/*
 * Reads the kept items back in upload order, one at a time, once the
 * batch has ended: lf_media_batch_rewind, then lf_media_batch_next up to
 * count times. *it is b's, valid until the next call. LF_ERR_IO when the
 * scratch file cannot be read (or there is no next item).
 */
int lf_media_batch_rewind(lf_media_batch *b);
int lf_media_batch_next(lf_media_batch *b, const lf_media_item **it);
/* The folder of the batch's blobs ("media/<project>/<ms>-<random>"). */
const char *lf_media_batch_prefix(const lf_media_batch *b);
/* Total bytes of the files as uploaded. */
int64_t lf_media_batch_bytes(const lf_media_batch *b);
/* The blobs now belong to the database: lf_media_batch_free keeps them. */
void lf_media_batch_keep(lf_media_batch *b);
/* Deletes every blob the batch has stored so far (unless kept) and drops
 * its items, leaving an empty batch. A failed upload calls it before its
 * refusal is sent, so a client that reads the refusal finds nothing left
 * behind; lf_media_batch_free would do it only after the response. */
void lf_media_batch_discard(lf_media_batch *b);
/* Discards the batch (lf_media_batch_discard) and frees it. NULL ok. */
void lf_media_batch_free(lf_media_batch *b);

/* A batch to import: every item becomes a media row and one task. */
typedef struct lf_media_import_rq {
	int64_t project_id;
	lf_media_batch *batch; /* read through (lf_media_batch_next) */
	const char *filename;  /* the upload's (first) file name, may be NULL */
	const char *task_type; /* given to every task, may be NULL */
	int64_t actor_id;
	const char *actor_role;
	/* Called inside the import's transaction with its n new tasks (the
	 * API queues their predictions, ml.h): what it queues commits or rolls
	 * back with them. May be NULL. */
	int (*on_tasks)(lf_tx *tx, int64_t project_id, const int64_t *ids, int n);
} lf_media_import_rq;

/* What lf_media_import created: the import, and per item (in upload
 * order) its media row and its first task; per task (in order) the task
 * and the media row it points at (the item's, or its segment's); item i's
 * tasks are first_task[i] .. first_task[i] + max(nsegments, 1) - 1. The
 * arrays are the arena's. */
typedef struct lf_media_imported {
	int64_t import_id, count, ntasks;
	int64_t *media_ids, *task_ids;
	int64_t *first_task, *all_task_ids, *task_media_ids;
} lf_media_imported;

/*
 * Imports a checked batch in one write transaction: an import row (format
 * "media", done), per item a media row and a task in queued_l1 whose data
 * is {"<target key>": "/api/v1/media/<id>"}, and one audit record
 * ("media.import"). A cut item's row has no task: each of its segments
 * gets a media row (source_id the item's) and the task, whose data adds
 * "segment_start" and "segment_end" (seconds on the source's timeline)
 * and "source_media" (the item's URL). Refuses a closed project (LF_ERR_CONFLICT
 * "project_closed") and an unknown one (LF_ERR_NOTFOUND) in err. The
 * caller keeps the batch's blobs (lf_media_batch_keep) once it returns
 * LF_OK, and deletes them otherwise.
 */
int lf_media_import(lf_store *s, lf_arena *a, const lf_media_import_rq *rq, lf_media_imported *out,
		    lf_error *err);

/*
 * A single-range Range header against a resource of size bytes:
 * "bytes=A-B", "bytes=A-", "bytes=-N". Sets *start and *len of the part
 * to send and returns LF_OK. *len == size and *partial == 0 mean the
 * whole resource: no header, a malformed one, or several ranges (which
 * RFC 9110 lets a server ignore). LF_ERR_RANGE when the range lies wholly
 * outside the resource (416). Pure.
 */
int lf_media_range_parse(const char *header, uint64_t size, uint64_t *start, uint64_t *len,
			 int *partial);

/* A byte range of a blob being sent, read in constant memory. */
typedef struct lf_media_part lf_media_part;
/* Opens len bytes of the blob key from start. Owner: caller, released
 * with lf_media_part_free. LF_ERR_NOTFOUND when the blob is gone. */
int lf_media_part_open(lf_blob_store *bs, const char *key, uint64_t start, uint64_t len,
		       lf_media_part **out);
/* lf_http_stream_body's read: up to max bytes at pos (from the range's
 * start) into buf; -1 at the end of the range or on a read error. */
ssize_t lf_media_part_read(void *part, uint64_t pos, char *buf, size_t max);
/* lf_http_stream_body's free. NULL ok. */
void lf_media_part_free(void *part);

/* The key that signs media URLs, derived from the server's JWT key (so
 * a leaked URL key cannot sign tokens, and every server agrees on it). */
void lf_media_url_key(const unsigned char jwt_key[32], unsigned char out[32]);
/* The hex HMAC-SHA256 under key of "media_id.exp.user_id". */
void lf_media_sign(const unsigned char key[32], int64_t media_id, int64_t exp, int64_t user_id,
		   char hex[65]);
/*
 * Writes origin (NULL or "": a relative link) + the path of media_id with
 * its signed query (expiry exp, seconds; issued to user_id) into out, len
 * bytes. LF_ERR_LIMIT when it does not fit: 200 bytes beyond the origin
 * always do.
 */
int lf_media_sign_url(const unsigned char key[32], const char *origin, int64_t media_id,
		      int64_t exp, int64_t user_id, char *out, size_t len);
/*
 * Checks the query parameters of a signed URL for media_id at time now
 * (seconds): exp and uid decimal, sig the matching hex HMAC (compared in
 * constant time), exp not past. Returns LF_OK with the signer's *user_id,
 * else LF_ERR_FORBIDDEN. Whether that user may still see the item is the
 * caller's question.
 */
int lf_media_sign_check(const unsigned char key[32], int64_t media_id, const char *exp,
			const char *uid, const char *sig, int64_t now, int64_t *user_id);

/*
 * The store's own URL of the blob key (an S3 or GCS presigned URL, an
 * Azure SAS URL) for a signed link of ours that expires at exp, at time
 * now (seconds): it expires when the link does (at least 1 s later, so a
 * link checked in its last second still works once), so handing it out
 * lengthens nothing a leaked link can fetch. The store answers with
 * content_type (the item's detected type). *url is a's. LF_ERR_INVALID
 * when the store cannot presign (local disk).
 */
int lf_media_store_url(lf_blob_store *bs, lf_arena *a, const char *key, const char *content_type,
		       int64_t exp, int64_t now, const char **url);

#endif
