/*
 * probe.c - what libavformat finds in a stored file: container, streams,
 * codecs, duration and dimensions.
 *
 * The file is read through the blob reader behind a custom AVIOContext,
 * so probing works on any storage adapter and reads only what the
 * demuxer asks for (headers, and a few packets for stream parameters).
 * Images go through the same path: libavformat's image demuxers
 * (png_pipe, jpeg_pipe...) report them as one video stream with width and
 * height.
 */
#include "media/media.h"

#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* The AVIOContext's buffer: what one read of the blob asks for. */
#define PROBE_IO_BUFFER (64 * 1024)

struct probe_io {
	lf_blob_reader *r;
	uint64_t pos, size;
};

static void quiet_logs(void);
static int io_read(void *opaque, uint8_t *buf, int len);
static int64_t io_seek(void *opaque, int64_t offset, int whence);
static int describe(AVFormatContext *fc, lf_media_info *out);

static pthread_once_t log_once = PTHREAD_ONCE_INIT;

/* A malformed upload is the client's problem, reported in its answer:
 * libav's own warnings on stderr would only flood the server's log. */
static void quiet_logs(void)
{
	av_log_set_level(AV_LOG_QUIET);
}

static int io_read(void *opaque, uint8_t *buf, int len)
{
	struct probe_io *io = opaque;
	size_t n = 0;
	if (lf_blob_read(io->r, buf, (size_t)len, &n) != LF_OK)
		return AVERROR(EIO);
	if (n == 0)
		return AVERROR_EOF;
	io->pos += n;
	return (int)n;
}

static int64_t io_seek(void *opaque, int64_t offset, int whence)
{
	struct probe_io *io = opaque;
	int64_t to;
	switch (whence & ~AVSEEK_FORCE) {
	case AVSEEK_SIZE: return (int64_t)io->size;
	case SEEK_SET: to = offset; break;
	case SEEK_CUR: to = (int64_t)io->pos + offset; break;
	case SEEK_END: to = (int64_t)io->size + offset; break;
	default: return AVERROR(EINVAL);
	}
	if (to < 0 || lf_blob_seek(io->r, (uint64_t)to) != LF_OK)
		return AVERROR(EINVAL);
	io->pos = (uint64_t)to;
	return to;
}

static int describe(AVFormatContext *fc, lf_media_info *out)
{
	json_t *streams = json_array();
	out->probe = json_pack("{s:s,s:o}", "format", fc->iformat->name, "streams", streams);
	if (out->probe == NULL)
		return LF_ERR_NOMEM;
	if (fc->duration != AV_NOPTS_VALUE && fc->duration > 0)
		out->duration_ms = fc->duration / (AV_TIME_BASE / 1000);
	for (unsigned i = 0; i < fc->nb_streams; i++) {
		const AVCodecParameters *cp = fc->streams[i]->codecpar;
		const char *type = av_get_media_type_string(cp->codec_type);
		json_t *st = json_pack("{s:s,s:s}", "type", type != NULL ? type : "unknown",
				       "codec", avcodec_get_name(cp->codec_id));
		if (st == NULL)
			return LF_ERR_NOMEM;
		if (cp->codec_type == AVMEDIA_TYPE_VIDEO) {
			json_object_set_new(st, "width", json_integer(cp->width));
			json_object_set_new(st, "height", json_integer(cp->height));
			if (!out->has_video && cp->width > 0 && cp->height > 0) {
				out->width = cp->width;
				out->height = cp->height;
			}
			out->has_video = 1;
		} else if (cp->codec_type == AVMEDIA_TYPE_AUDIO) {
			json_object_set_new(st, "sample_rate", json_integer(cp->sample_rate));
			json_object_set_new(st, "channels",
					    json_integer(cp->ch_layout.nb_channels));
			out->has_audio = 1;
		}
		json_array_append_new(streams, st);
	}
	return LF_OK;
}

int lf_media_probe(lf_blob_store *bs, const char *key, lf_media_info *out, char *err, size_t errlen)
{
	int ret, av;
	struct probe_io io = {.r = NULL};
	AVFormatContext *fc = NULL;
	AVIOContext *avio = NULL;
	unsigned char *buf = NULL;
	memset(out, 0, sizeof(*out));
	pthread_once(&log_once, quiet_logs);
	if ((ret = lf_blob_open_read(bs, key, &io.r)) != LF_OK ||
	    (ret = lf_blob_reader_size(io.r, &io.size)) != LF_OK)
		goto cleanup;
	ret = LF_ERR_NOMEM;
	if ((buf = av_malloc(PROBE_IO_BUFFER)) == NULL)
		goto cleanup;
	avio = avio_alloc_context(buf, PROBE_IO_BUFFER, 0, &io, io_read, NULL, io_seek);
	if (avio == NULL)
		goto cleanup;
	buf = NULL; /* the context owns it now (and may replace it) */
	if ((fc = avformat_alloc_context()) == NULL)
		goto cleanup;
	fc->pb = avio;
	fc->flags |= AVFMT_FLAG_CUSTOM_IO;
	ret = LF_ERR_INVALID;
	/* On failure avformat_open_input frees fc (not the custom pb). */
	if ((av = avformat_open_input(&fc, NULL, NULL, NULL)) < 0 ||
	    (av = avformat_find_stream_info(fc, NULL)) < 0) {
		char why[AV_ERROR_MAX_STRING_SIZE];
		av_strerror(av, why, sizeof(why));
		snprintf(err, errlen, "%s", why);
		goto cleanup;
	}
	ret = describe(fc, out);
cleanup:
	if (ret != LF_OK)
		lf_media_info_clear(out);
	avformat_close_input(&fc);
	if (avio != NULL)
		av_freep(&avio->buffer);
	avio_context_free(&avio);
	av_free(buf);
	lf_blob_close_read(io.r);
	return ret;
}

void lf_media_info_clear(lf_media_info *info)
{
	json_decref(info->probe);
	memset(info, 0, sizeof(*info));
}
