/*
 * probe.c - what libavformat finds in a stored file: container, streams,
 * codecs, duration and dimensions.
 *
 * The file is read through the blob reader behind a custom AVIOContext,
 * so probing works on any storage adapter and reads only what the
 * demuxer asks for (headers, and a few packets for stream parameters).
 * Images go through the same path: libavformat's image demuxers
 * (png_pipe, jpeg_pipe...) report them as one video stream with width and
 * height. A caller that has read the first bytes already (to sniff them)
 * hands them over, and they are not fetched again: a small object of a
 * bucket is then probed with no request of its own.
 */
#include "media/media_int.h"

#include <libavutil/avutil.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* The AVIOContext's buffer: what one read of the blob asks for. */
#define PROBE_IO_BUFFER (64 * 1024)

static void quiet_logs(void);
static int io_read(void *opaque, uint8_t *buf, int len);
static int64_t io_seek(void *opaque, int64_t offset, int whence);
static int describe(AVFormatContext *fc, lf_media_info *out);
static int input_start(lf_media_input *in, char *err, size_t errlen);

static pthread_once_t log_once = PTHREAD_ONCE_INIT;

/* A malformed upload is the client's problem, reported in its answer:
 * libav's own warnings on stderr would only flood the server's log. */
static void quiet_logs(void)
{
	av_log_set_level(AV_LOG_QUIET);
}

static int io_read(void *opaque, uint8_t *buf, int len)
{
	lf_media_input *io = opaque;
	size_t n = 0;
	if (io->pos < io->head_len) {
		n = io->head_len - io->pos < (size_t)len ? io->head_len - io->pos : (size_t)len;
		memcpy(buf, io->head + io->pos, n);
		io->pos += n;
		return (int)n;
	}
	if (io->r == NULL)
		return AVERROR_EOF;
	if (io->rpos != io->pos) {
		if (lf_blob_seek(io->r, io->pos) != LF_OK)
			return AVERROR(EIO);
		io->rpos = io->pos;
	}
	if (lf_blob_read(io->r, buf, (size_t)len, &n) != LF_OK)
		return AVERROR(EIO);
	if (n == 0)
		return AVERROR_EOF;
	io->pos += n;
	io->rpos += n;
	return (int)n;
}

static int64_t io_seek(void *opaque, int64_t offset, int whence)
{
	lf_media_input *io = opaque;
	int64_t to;
	switch (whence & ~AVSEEK_FORCE) {
	case AVSEEK_SIZE: return (int64_t)io->size;
	case SEEK_SET: to = offset; break;
	case SEEK_CUR: to = (int64_t)io->pos + offset; break;
	case SEEK_END: to = (int64_t)io->size + offset; break;
	default: return AVERROR(EINVAL);
	}
	/* The reader follows on the next read past the head: a seek back
	 * into the head costs no request. */
	if (to < 0)
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

/* Sets up libavformat on in's reader and reads the stream information. */
static int input_start(lf_media_input *in, char *err, size_t errlen)
{
	int ret = LF_ERR_NOMEM, av;
	unsigned char *buf = NULL;
	pthread_once(&log_once, quiet_logs);
	if ((buf = av_malloc(PROBE_IO_BUFFER)) == NULL)
		goto cleanup;
	in->avio = avio_alloc_context(buf, PROBE_IO_BUFFER, 0, in, io_read, NULL, io_seek);
	if (in->avio == NULL)
		goto cleanup;
	buf = NULL; /* the context owns it now (and may replace it) */
	if ((in->fc = avformat_alloc_context()) == NULL)
		goto cleanup;
	in->fc->pb = in->avio;
	in->fc->flags |= AVFMT_FLAG_CUSTOM_IO;
	ret = LF_ERR_INVALID;
	/* On failure avformat_open_input frees fc (not the custom pb). */
	if ((av = avformat_open_input(&in->fc, NULL, NULL, NULL)) < 0 ||
	    (av = avformat_find_stream_info(in->fc, NULL)) < 0) {
		char why[AV_ERROR_MAX_STRING_SIZE];
		av_strerror(av, why, sizeof(why));
		snprintf(err, errlen, "%s", why);
		goto cleanup;
	}
	ret = LF_OK;
cleanup:
	av_free(buf);
	return ret;
}

int lf_media_input_open(lf_blob_store *bs, const char *key, lf_media_input *in, char *err,
			size_t errlen)
{
	int ret;
	memset(in, 0, sizeof(*in));
	in->own_reader = 1;
	if ((ret = lf_blob_open_read(bs, key, &in->r)) != LF_OK ||
	    (ret = lf_blob_reader_size(in->r, &in->size)) != LF_OK)
		return ret;
	return input_start(in, err, errlen);
}

void lf_media_input_close(lf_media_input *in)
{
	avformat_close_input(&in->fc);
	if (in->avio != NULL)
		av_freep(&in->avio->buffer);
	avio_context_free(&in->avio);
	if (in->own_reader)
		lf_blob_close_read(in->r);
	in->r = NULL;
}

int lf_media_probe(lf_blob_store *bs, const char *key, lf_media_info *out, char *err, size_t errlen)
{
	lf_media_input in;
	memset(out, 0, sizeof(*out));
	int ret = lf_media_input_open(bs, key, &in, err, errlen);
	if (ret == LF_OK)
		ret = describe(in.fc, out);
	if (ret != LF_OK)
		lf_media_info_clear(out);
	lf_media_input_close(&in);
	return ret;
}

int lf_media_probe_reader(lf_blob_reader *r, const void *head, size_t head_len, lf_media_info *out,
			  char *err, size_t errlen)
{
	lf_media_input in;
	memset(out, 0, sizeof(*out));
	memset(&in, 0, sizeof(in));
	in.r = r;
	in.head = head;
	in.head_len = head_len;
	in.rpos = UINT64_MAX; /* unknown: the first read past the head seeks */
	in.size = head_len;
	int ret = r != NULL ? lf_blob_reader_size(r, &in.size) : LF_OK;
	if (ret == LF_OK)
		ret = input_start(&in, err, errlen);
	if (ret == LF_OK)
		ret = describe(in.fc, out);
	if (ret != LF_OK)
		lf_media_info_clear(out);
	lf_media_input_close(&in);
	return ret;
}

void lf_media_info_clear(lf_media_info *info)
{
	json_decref(info->probe);
	memset(info, 0, sizeof(*info));
}
