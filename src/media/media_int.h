/*
 * media_int.h - shared inside src/media/ only: a stored file opened for
 * libavformat, read through the blob reader (probing and cutting).
 */
#ifndef LF_MEDIA_INT_H
#define LF_MEDIA_INT_H

#include <libavformat/avformat.h>

#include "media/media.h"

typedef struct lf_media_input {
	AVFormatContext *fc; /* streams found (avformat_find_stream_info ran) */
	AVIOContext *avio;
	lf_blob_reader *r;
	int own_reader;	     /* closed with the input */
	uint64_t pos, size;  /* libavformat's position, the blob's size */
	uint64_t rpos;	     /* the reader's position (seeks are lazy) */
	const uint8_t *head; /* the blob's first head_len bytes, read already */
	size_t head_len;
} lf_media_input;

/*
 * Opens the blob key as in and reads its stream information. in must not
 * move until lf_media_input_close (its address is the reader's).
 * LF_ERR_INVALID with the library's words in err when the content is not
 * readable media; LF_ERR_NOTFOUND when the blob is gone. Close in either
 * way.
 */
int lf_media_input_open(lf_blob_store *bs, const char *key, lf_media_input *in, char *err,
			size_t errlen);
void lf_media_input_close(lf_media_input *in);

/*
 * Cuts span of the item src (audio or video) into the blob key without
 * re-encoding (see segment.c for where a cut can start and end), the
 * muxer's file in tmpdir. Fills out as an item of its own (probed; its
 * filename src's + "#t=start,end"; segment_start_ms where the cut file's
 * 0 lies on src's timeline). On failure nothing is left in storage and
 * err says why: LF_ERR_INVALID for a container we do not write or a
 * span with nothing to copy. Release out's strings with free.
 */
int lf_media_cut(lf_blob_store *bs, const lf_media_item *src, lf_media_span span,
		 const char *tmpdir, const char *key, lf_media_item *out, char *err, size_t errlen);

#endif
