/*
 * segment.c - long audio and video cut into segments (the rule is in
 * media.h, lf_media_span), each a file of its own.
 *
 * Why cut rather than serve the source with a time window: Label Studio's
 * canvas loads the whole file it is given (its audio view decodes all of
 * it to draw the waveform) and offers no way to confine the player to a
 * window, so a windowed source would show and play the full hour, put
 * region times on the source's timeline only sometimes, and send the
 * whole file to every annotator of every segment. A cut file is what the
 * annotator sees and hears, starts at 0, and is as small as the segment.
 *
 * Cutting copies packets (a remux with libavformat, never a re-encode): no
 * quality lost, and about as fast as reading the bytes. A packet copy can
 * only start where a decoder can: for video the cut starts at the last
 * keyframe at or before the segment's start (libavformat's backward
 * seek), and that keyframe's time is recorded as the segment's start, so
 * region times still map exactly (a video segment may begin up to a GOP
 * early). Audio packets all decode on their own; the cut starts at the
 * packet that holds the start (for PCM, as in WAV, exactly on it). The
 * cut ends with the last packet decoded before the end (by decode time,
 * so no kept frame refers to a dropped one); a PCM packet across the end
 * is shortened to it, other codecs end within one frame after it.
 *
 * The muxer writes to a temporary file (MP4 needs to seek back, and moves
 * its index to the front for playback before the download ends), which is
 * then streamed into the segment's blob and deleted.
 */
#include "media/media_int.h"

#include <libavcodec/avcodec.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COPY_BUF (64 * 1024)

/* A container we can write segments in, by the sniffed type of the source. */
typedef struct out_format {
	const char *mime, *muxer, *out_mime;
} out_format;

/* The state of one remux: which streams go out, where the cut begins. */
struct cut {
	AVFormatContext *in, *out;
	int *map;	     /* input stream -> output stream, -1 when dropped */
	unsigned char *done; /* input streams past the end */
	int ref;	     /* the stream whose first kept packet fixes the origin */
	int nout, ndone;
	int64_t t0_us; /* the source's start time, the timeline's 0 */
	int64_t start_us, end_us;
	int64_t origin_us; /* where the cut file's 0 lies; AV_NOPTS_VALUE until known */
};

static const out_format *format_of(const char *mime);
static int is_pcm(const AVCodecParameters *cp);
static int add_streams(struct cut *c);
static int take_packet(struct cut *c, AVPacket *pkt);
static int remux(AVFormatContext *in, const out_format *f, const char *path, int64_t start_us,
		 int64_t end_us, int64_t *origin_us);
static int store_file(lf_blob_store *bs, const char *path, const char *key, int64_t *bytes,
		      char sha256[65]);

static const out_format formats[] = {
    {"audio/x-wav", "wav", "audio/x-wav"},
    {"audio/wav", "wav", "audio/x-wav"},
    {"audio/mpeg", "mp3", "audio/mpeg"},
    {"audio/flac", "flac", "audio/flac"},
    {"audio/x-flac", "flac", "audio/flac"},
    {"audio/ogg", "ogg", "audio/ogg"},
    {"video/ogg", "ogg", "video/ogg"},
    {"audio/mp4", "mp4", "audio/mp4"},
    {"audio/x-m4a", "mp4", "audio/mp4"},
    {"video/mp4", "mp4", "video/mp4"},
    {"video/quicktime", "mp4", "video/mp4"},
    {"video/webm", "webm", "video/webm"},
    {"video/x-matroska", "matroska", "video/x-matroska"},
};

int lf_media_segments(int64_t duration_ms, int64_t length_ms, int64_t overlap_ms,
		      lf_media_span *out, int cap, int *n)
{
	int64_t start = 0, end;
	*n = 0;
	if (duration_ms <= 0 || length_ms <= 0 || overlap_ms < 0 || overlap_ms >= length_ms)
		return LF_ERR_INVALID;
	for (;;) {
		end = start + length_ms < duration_ms ? start + length_ms : duration_ms;
		if (end < duration_ms && duration_ms - end < overlap_ms)
			end = duration_ms;
		if (*n < cap)
			out[*n] = (lf_media_span){start, end};
		(*n)++;
		if (end >= duration_ms)
			break;
		start = end - overlap_ms;
	}
	return *n <= cap ? LF_OK : LF_ERR_LIMIT;
}

static const out_format *format_of(const char *mime)
{
	for (size_t i = 0; i < LF_ARRAY_LEN(formats); i++)
		if (strcmp(formats[i].mime, mime) == 0)
			return &formats[i];
	return NULL;
}

/* Raw PCM: every sample is block_align bytes, so a packet can be cut at
 * any sample. */
static int is_pcm(const AVCodecParameters *cp)
{
	return cp->codec_id >= AV_CODEC_ID_PCM_S16LE && cp->codec_id < AV_CODEC_ID_ADPCM_IMA_QT &&
	       cp->block_align > 0 && cp->sample_rate > 0;
}

/* Audio and video streams go out (cover art and subtitles do not); the
 * first video stream, else the first audio one, fixes the origin. */
static int add_streams(struct cut *c)
{
	int video = -1, audio = -1;
	for (unsigned i = 0; i < c->in->nb_streams; i++) {
		const AVStream *is = c->in->streams[i];
		enum AVMediaType type = is->codecpar->codec_type;
		c->map[i] = -1;
		if ((type != AVMEDIA_TYPE_AUDIO && type != AVMEDIA_TYPE_VIDEO) ||
		    (is->disposition & AV_DISPOSITION_ATTACHED_PIC))
			continue;
		AVStream *os = avformat_new_stream(c->out, NULL);
		if (os == NULL || avcodec_parameters_copy(os->codecpar, is->codecpar) < 0)
			return LF_ERR_NOMEM;
		os->codecpar->codec_tag = 0;
		os->time_base = is->time_base;
		c->map[i] = c->nout++;
		if (type == AVMEDIA_TYPE_VIDEO && video < 0)
			video = (int)i;
		if (type == AVMEDIA_TYPE_AUDIO && audio < 0)
			audio = (int)i;
	}
	c->ref = video >= 0 ? video : audio;
	return c->ref >= 0 ? LF_OK : LF_ERR_INVALID;
}

/*
 * Decides one packet: dropped (1), or shifted to the cut's timeline and
 * handed to the muxer (0, the muxer owns it then). Before the origin is
 * known only the reference stream's packets count: its first keyframe
 * (video) or the first packet reaching past the start (audio) is the
 * origin.
 */
static int take_packet(struct cut *c, AVPacket *pkt)
{
	int s = pkt->stream_index;
	if (s < 0 || (unsigned)s >= c->in->nb_streams || c->map[s] < 0 || c->done[s])
		return 1;
	AVStream *is = c->in->streams[s];
	AVStream *os = c->out->streams[c->map[s]];
	int64_t ts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
	if (ts == AV_NOPTS_VALUE)
		return 1;
	int64_t t_us = av_rescale_q(ts, is->time_base, AV_TIME_BASE_Q) - c->t0_us;
	int64_t d_us = pkt->dts != AV_NOPTS_VALUE
			   ? av_rescale_q(pkt->dts, is->time_base, AV_TIME_BASE_Q) - c->t0_us
			   : t_us;
	int64_t dur_us = av_rescale_q(pkt->duration, is->time_base, AV_TIME_BASE_Q);
	if (c->origin_us == AV_NOPTS_VALUE) {
		if (s != c->ref)
			return 1;
		if (is->codecpar->codec_type == AVMEDIA_TYPE_VIDEO
			? !(pkt->flags & AV_PKT_FLAG_KEY)
			: dur_us > 0 && t_us + dur_us <= c->start_us)
			return 1;
		c->origin_us = t_us;
	}
	if (d_us >= c->end_us) {
		c->done[s] = 1;
		c->ndone++;
		return 1;
	}
	if (t_us < c->origin_us && s != c->ref)
		return 1;
	if (is_pcm(is->codecpar) && t_us + dur_us > c->end_us) {
		const AVCodecParameters *cp = is->codecpar;
		int64_t samples = av_rescale(c->end_us - t_us, cp->sample_rate, AV_TIME_BASE);
		int64_t bytes = samples * cp->block_align;
		if (bytes > 0 && bytes < pkt->size) {
			pkt->size = (int)bytes;
			pkt->duration =
			    av_rescale_q(samples, (AVRational){1, cp->sample_rate}, is->time_base);
		}
	}
	int64_t shift = av_rescale_q(c->origin_us + c->t0_us, AV_TIME_BASE_Q, is->time_base);
	if (pkt->pts != AV_NOPTS_VALUE)
		pkt->pts -= shift;
	if (pkt->dts != AV_NOPTS_VALUE)
		pkt->dts -= shift;
	av_packet_rescale_ts(pkt, is->time_base, os->time_base);
	pkt->stream_index = c->map[s];
	pkt->pos = -1;
	return 0;
}

/* Copies [start_us, end_us) of in into a new file at path; *origin_us is
 * where that file's 0 lies on the source's timeline. LF_ERR_INVALID when
 * the muxer refuses or nothing decodable lies in the span. */
static int remux(AVFormatContext *in, const out_format *f, const char *path, int64_t start_us,
		 int64_t end_us, int64_t *origin_us)
{
	int ret = LF_ERR_NOMEM;
	AVDictionary *opts = NULL;
	AVPacket *pkt = av_packet_alloc();
	struct cut c = {.in = in,
			.start_us = start_us,
			.end_us = end_us,
			.origin_us = AV_NOPTS_VALUE,
			.t0_us = in->start_time != AV_NOPTS_VALUE ? in->start_time : 0};
	c.map = calloc(in->nb_streams, sizeof(*c.map));
	c.done = calloc(in->nb_streams, 1);
	if (pkt == NULL || c.map == NULL || c.done == NULL)
		goto cleanup;
	if (avformat_alloc_output_context2(&c.out, NULL, f->muxer, path) < 0 || c.out == NULL)
		goto cleanup;
	if ((ret = add_streams(&c)) != LF_OK)
		goto cleanup;
	ret = LF_ERR_INVALID;
	if (avio_open(&c.out->pb, path, AVIO_FLAG_WRITE) < 0)
		goto cleanup;
	if (strcmp(f->muxer, "mp4") == 0)
		av_dict_set(&opts, "movflags", "+faststart", 0);
	if (avformat_write_header(c.out, &opts) < 0)
		goto cleanup;
	/* A failed seek leaves the reader at the start: slower, still right. */
	if (start_us > 0)
		av_seek_frame(in, -1, start_us + c.t0_us, AVSEEK_FLAG_BACKWARD);
	while (c.ndone < c.nout && av_read_frame(in, pkt) >= 0) {
		if (take_packet(&c, pkt) != 0) {
			av_packet_unref(pkt);
			continue;
		}
		if (av_interleaved_write_frame(c.out, pkt) < 0)
			goto cleanup;
	}
	if (c.origin_us == AV_NOPTS_VALUE || av_write_trailer(c.out) < 0)
		goto cleanup;
	*origin_us = c.origin_us;
	ret = LF_OK;
cleanup:
	av_dict_free(&opts);
	av_packet_free(&pkt);
	if (c.out != NULL)
		avio_closep(&c.out->pb);
	avformat_free_context(c.out);
	free(c.map);
	free(c.done);
	return ret;
}

/* Streams the file at path into the blob key, hashing it. */
static int store_file(lf_blob_store *bs, const char *path, const char *key, int64_t *bytes,
		      char sha256[65])
{
	int ret = LF_ERR_NOMEM;
	lf_blob_writer *w = NULL;
	crypto_hash_sha256_state sha;
	unsigned char digest[crypto_hash_sha256_BYTES];
	char *buf = malloc(COPY_BUF);
	FILE *f = fopen(path, "rb");
	size_t n;
	*bytes = 0;
	if (buf == NULL || f == NULL)
		goto cleanup;
	if ((ret = lf_blob_create(bs, key, &w)) != LF_OK)
		goto cleanup;
	crypto_hash_sha256_init(&sha);
	while ((n = fread(buf, 1, COPY_BUF, f)) > 0) {
		if ((ret = lf_blob_write(w, buf, n)) != LF_OK)
			goto cleanup;
		crypto_hash_sha256_update(&sha, (const unsigned char *)buf, n);
		*bytes += (int64_t)n;
	}
	if (ferror(f)) {
		ret = LF_ERR_IO;
		goto cleanup;
	}
	ret = lf_blob_commit(w);
	w = NULL;
	crypto_hash_sha256_final(&sha, digest);
	sodium_bin2hex(sha256, 65, digest, sizeof(digest));
cleanup:
	lf_blob_abort(w);
	if (f != NULL)
		fclose(f);
	free(buf);
	return ret;
}

int lf_media_cut(lf_blob_store *bs, const lf_media_item *src, lf_media_span span,
		 const char *tmpdir, const char *key, lf_media_item *out, char *err, size_t errlen)
{
	int ret, fd;
	int64_t origin_us = 0;
	lf_media_input in;
	lf_media_info info = {.probe = NULL};
	char path[4096];
	const out_format *f = format_of(src->mime);
	memset(out, 0, sizeof(*out));
	if (f == NULL) {
		snprintf(err, errlen, "segments are not written as %s", src->mime);
		return LF_ERR_INVALID;
	}
	snprintf(path, sizeof(path), "%s/lf-segment-XXXXXX", tmpdir != NULL ? tmpdir : "/tmp");
	if ((fd = mkstemp(path)) < 0) {
		snprintf(err, errlen, "no temporary file in %s", tmpdir != NULL ? tmpdir : "/tmp");
		return LF_ERR_IO;
	}
	close(fd);
	if ((ret = lf_media_input_open(bs, src->key, &in, err, errlen)) == LF_OK) {
		ret = remux(in.fc, f, path, span.start_ms * 1000, span.end_ms * 1000, &origin_us);
		if (ret == LF_ERR_INVALID)
			snprintf(err, errlen, "no %s to copy between %.3f s and %.3f s",
				 src->kind == LF_MEDIA_VIDEO ? "keyframe" : "audio",
				 span.start_ms / 1000.0, span.end_ms / 1000.0);
	}
	lf_media_input_close(&in);
	if (ret != LF_OK)
		goto cleanup;
	snprintf(out->key, sizeof(out->key), "%s", key);
	if ((ret = store_file(bs, path, key, &out->bytes, out->sha256)) != LF_OK)
		goto cleanup;
	if ((ret = lf_media_probe(bs, key, &info, err, errlen)) != LF_OK)
		goto cleanup;
	snprintf(out->mime, sizeof(out->mime), "%s", f->out_mime);
	snprintf(out->target, sizeof(out->target), "%s", src->target);
	out->kind = src->kind;
	out->width = info.width;
	out->height = info.height;
	out->duration_ms = info.duration_ms;
	out->segment_start_ms = (origin_us + 500) / 1000;
	out->segment_end_ms = span.end_ms;
	out->probe = json_dumps(info.probe, JSON_COMPACT);
	if (asprintf(&out->filename, "%s#t=%.3f,%.3f", src->filename,
		     out->segment_start_ms / 1000.0, span.end_ms / 1000.0) < 0)
		out->filename = NULL;
	ret = out->probe != NULL && out->filename != NULL ? LF_OK : LF_ERR_NOMEM;
cleanup:
	lf_media_info_clear(&info);
	unlink(path);
	if (ret != LF_OK) {
		if (out->key[0] != '\0')
			lf_blob_delete(bs, out->key);
		free(out->probe);
		free(out->filename);
		memset(out, 0, sizeof(*out));
	}
	return ret;
}
