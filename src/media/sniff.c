/*
 * sniff.c - what a file is, told by its content (libmagic) and promised by
 * its name, and where a project's label config wants each kind.
 *
 * A magic_t is not safe to share between threads, and opening one loads
 * the whole magic database (milliseconds), so each thread opens its own on
 * first use and keeps it until the thread ends (a pthread key's
 * destructor closes it).
 */
#include "media/media.h"

#include <magic.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "labelcfg/labelcfg.h"

static void magic_key_make(void);
static void magic_release(void *m);
static magic_t thread_magic(void);

static pthread_once_t magic_once = PTHREAD_ONCE_INIT;
static pthread_key_t magic_key;

/* Images a browser shows in <img> and libavformat can probe. SVG is left
 * out on purpose: served from our origin it could run script. */
static const char *const image_types[] = {"image/png",	"image/jpeg", "image/gif",
					  "image/webp", "image/bmp",  "image/tiff"};

static const struct {
	const char *ext;
	lf_media_kind kind;
} name_kinds[] = {
    {"png", LF_MEDIA_IMAGE},  {"jpg", LF_MEDIA_IMAGE},	{"jpeg", LF_MEDIA_IMAGE},
    {"gif", LF_MEDIA_IMAGE},  {"webp", LF_MEDIA_IMAGE}, {"bmp", LF_MEDIA_IMAGE},
    {"tif", LF_MEDIA_IMAGE},  {"tiff", LF_MEDIA_IMAGE}, {"wav", LF_MEDIA_AUDIO},
    {"mp3", LF_MEDIA_AUDIO},  {"flac", LF_MEDIA_AUDIO}, {"m4a", LF_MEDIA_AUDIO},
    {"opus", LF_MEDIA_AUDIO}, {"aac", LF_MEDIA_AUDIO},	{"mp4", LF_MEDIA_VIDEO},
    {"mov", LF_MEDIA_VIDEO},  {"mkv", LF_MEDIA_VIDEO},	{"avi", LF_MEDIA_VIDEO},
};

static void magic_release(void *m)
{
	magic_close(m);
}

static void magic_key_make(void)
{
	pthread_key_create(&magic_key, magic_release);
}

static magic_t thread_magic(void)
{
	pthread_once(&magic_once, magic_key_make);
	magic_t m = pthread_getspecific(magic_key);
	if (m != NULL)
		return m;
	m = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
	if (m == NULL)
		return NULL;
	if (magic_load(m, NULL) != 0 || pthread_setspecific(magic_key, m) != 0) {
		magic_close(m);
		return NULL;
	}
	return m;
}

int lf_media_sniff(const void *buf, size_t len, char *mime, size_t cap)
{
	magic_t m = thread_magic();
	if (m == NULL)
		return LF_ERR_INTERNAL;
	const char *t = magic_buffer(m, buf, len);
	snprintf(mime, cap, "%s", t != NULL ? t : "application/octet-stream");
	return LF_OK;
}

const char *lf_media_kind_name(lf_media_kind k)
{
	switch (k) {
	case LF_MEDIA_IMAGE: return "image";
	case LF_MEDIA_AUDIO: return "audio";
	case LF_MEDIA_VIDEO: return "video";
	default: return NULL;
	}
}

lf_media_kind lf_media_kind_of_mime(const char *mime)
{
	for (size_t i = 0; i < LF_ARRAY_LEN(image_types); i++)
		if (strcmp(mime, image_types[i]) == 0)
			return LF_MEDIA_IMAGE;
	if (strncmp(mime, "audio/", 6) == 0)
		return LF_MEDIA_AUDIO;
	if (strncmp(mime, "video/", 6) == 0)
		return LF_MEDIA_VIDEO;
	return LF_MEDIA_NONE;
}

lf_media_kind lf_media_kind_of_name(const char *name)
{
	const char *dot = name != NULL ? strrchr(name, '.') : NULL;
	if (dot == NULL)
		return LF_MEDIA_NONE;
	for (size_t i = 0; i < LF_ARRAY_LEN(name_kinds); i++)
		if (strcasecmp(dot + 1, name_kinds[i].ext) == 0)
			return name_kinds[i].kind;
	return LF_MEDIA_NONE;
}

int lf_media_targets_of(const char *label_config, lf_media_targets *out, char *err, size_t errlen)
{
	lf_labelcfg *cfg = NULL;
	memset(out, 0, sizeof(*out));
	if (label_config == NULL || label_config[0] == '\0') {
		for (int k = LF_MEDIA_IMAGE; k <= LF_MEDIA_VIDEO; k++)
			snprintf(out->key[k], sizeof(out->key[k]), "%s", lf_media_kind_name(k));
		return LF_OK;
	}
	int ret = lf_labelcfg_parse(label_config, strlen(label_config), &cfg, err, errlen);
	if (ret != LF_OK)
		return ret;
	for (size_t i = 0; i < lf_labelcfg_object_count(cfg); i++) {
		const lf_labelcfg_object *o = lf_labelcfg_object_at(cfg, i);
		lf_media_kind k = o->media == LF_LABELCFG_MEDIA_IMAGE	? LF_MEDIA_IMAGE
				  : o->media == LF_LABELCFG_MEDIA_AUDIO ? LF_MEDIA_AUDIO
				  : o->media == LF_LABELCFG_MEDIA_VIDEO ? LF_MEDIA_VIDEO
									: LF_MEDIA_NONE;
		/* The first object of a kind wins; only "$variable" values name
		 * a data key we can fill. */
		if (k == LF_MEDIA_NONE || out->key[k][0] != '\0' || o->value == NULL ||
		    o->value[0] != '$' || o->value[1] == '\0')
			continue;
		snprintf(out->key[k], sizeof(out->key[k]), "%s", o->value + 1);
	}
	lf_labelcfg_free(cfg);
	return LF_OK;
}
