/*
 * coco.c - COCO object detection JSON, as Label Studio exports it:
 * {"info", "images", "annotations", "categories"}.
 *
 * Image ids are task ids; file_name is the task's image (a URL or path, the
 * images are not copied). Categories are lf_export_img_cats (ids from 0).
 * rectanglelabels become bbox annotations with an empty segmentation,
 * polygonlabels a segmentation polygon with its enclosing bbox and area;
 * pixel coordinates are percent * original size / 100, rounded to 2
 * decimals. Every other region type is skipped and counted.
 *
 * COCO wants images and annotations in separate arrays: images are written
 * as tasks arrive while annotations go to a spool file in opts.tmpdir that is
 * copied to the output at finish, so memory stays constant.
 */
#include "export/image.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define COCO_JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

typedef struct coco {
	lf_export_img_cats cats;
	FILE *spool;
	int64_t images;
	int64_t annotations;
} coco;

static int coco_add(lf_export_writer *w, const lf_export_task *t);
static int coco_finish(lf_export_writer *w, lf_export_report *rep);
static void coco_free(lf_export_writer *w);
static int coco_header(lf_export_writer *w);
static int put_json(lf_export_writer *w, const json_t *j);
static json_t *annotation_new(const lf_export_img_region *r, int64_t id, int64_t image_id);
static int spool_annotation(coco *c, const json_t *ann);
static double round2(double v);
static FILE *spool_open(const char *tmpdir);

static const lf_export_vt coco_vt = {coco_add, coco_finish, coco_free};

static double round2(double v)
{
	return round(v * 100) / 100;
}

/* The spool is unlinked at once so it disappears with the process, whatever
 * happens to the export. */
static FILE *spool_open(const char *tmpdir)
{
	char path[4096];
	FILE *f = NULL;
	int fd;

	snprintf(path, sizeof(path), "%s/lf-coco-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	unlink(path);
	f = fdopen(fd, "w+");
	if (!f)
		close(fd);
	return f;
}

static int put_json(lf_export_writer *w, const json_t *j)
{
	int ret;
	char *s = json_dumps(j, COCO_JSON_FLAGS);

	if (!s)
		return LF_ERR_NOMEM;
	ret = lf_export_puts(w, s);
	free(s);
	return ret;
}

static int coco_header(lf_export_writer *w)
{
	int ret;
	char date[32];
	time_t now = (time_t)(lf_now_ms() / 1000);
	struct tm tm;
	json_t *info;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	info = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s}", "year", tm.tm_year + 1900, "version",
			 "1.0", "description", "", "contributor", "LabelFlow", "url", "",
			 "date_created", date);
	if (!info)
		return LF_ERR_NOMEM;
	ret = lf_export_puts(w, "{\"info\":");
	if (ret == LF_OK)
		ret = put_json(w, info);
	if (ret == LF_OK)
		ret = lf_export_puts(w, ",\n\"images\":[");
	json_decref(info);
	return ret;
}

int lf_export_new_coco(lf_export_writer *w, const char *format)
{
	int ret = LF_ERR_NOMEM;
	coco *c = calloc(1, sizeof(*c));

	if (!c)
		goto cleanup;
	w->impl = c;
	w->vt = &coco_vt;
	ret = lf_export_img_cats_init(w->opts.cfg, &c->cats);
	if (ret != LF_OK)
		goto cleanup;
	c->spool = spool_open(w->opts.tmpdir);
	if (!c->spool) {
		ret = LF_ERR_IO;
		goto cleanup;
	}
	ret = coco_header(w);
cleanup:
	return ret;
}

/* Annotation ids start at 1: pycocotools' evaluation marks unmatched
 * detections with id 0, so a ground-truth annotation 0 would never match. */
static json_t *annotation_new(const lf_export_img_region *r, int64_t id, int64_t image_id)
{
	json_t *ann = NULL, *seg = json_array(), *poly = NULL;
	double area;
	size_t i, n;
	const json_t *p;

	if (!seg)
		goto cleanup;
	if (r->kind == LF_EXPORT_IMG_POLYGON) {
		poly = json_array();
		if (!poly)
			goto cleanup;
		area = 0;
		n = json_array_size(r->points);
		json_array_foreach(r->points, i, p)
		{
			const json_t *q = json_array_get(r->points, (i + 1) % n);
			double x = json_number_value(json_array_get(p, 0)) * r->ow / 100;
			double y = json_number_value(json_array_get(p, 1)) * r->oh / 100;
			double qx = json_number_value(json_array_get(q, 0)) * r->ow / 100;
			double qy = json_number_value(json_array_get(q, 1)) * r->oh / 100;
			area += x * qy - qx * y;
			if (json_array_append_new(poly, json_real(round2(x))) ||
			    json_array_append_new(poly, json_real(round2(y))))
				goto cleanup;
		}
		area = fabs(area) / 2;
		if (json_array_append(seg, poly))
			goto cleanup;
	} else {
		area = (r->w * r->ow / 100) * (r->h * r->oh / 100);
	}
	ann = json_pack("{s:I, s:I, s:i, s:[f,f,f,f], s:f, s:O, s:i, s:i}", "id", (json_int_t)id,
			"image_id", (json_int_t)image_id, "category_id", r->category, "bbox",
			round2(r->x * r->ow / 100), round2(r->y * r->oh / 100),
			round2(r->w * r->ow / 100), round2(r->h * r->oh / 100), "area",
			round2(area), "segmentation", seg, "iscrowd", 0, "ignore", 0);
cleanup:
	json_decref(poly);
	json_decref(seg);
	return ann;
}

static int spool_annotation(coco *c, const json_t *ann)
{
	int ret = LF_ERR_NOMEM;
	char *s = json_dumps(ann, COCO_JSON_FLAGS);

	if (!s)
		goto cleanup;
	ret = LF_ERR_IO;
	if (fputs(c->annotations ? ",\n" : "\n", c->spool) == EOF || fputs(s, c->spool) == EOF)
		goto cleanup;
	c->annotations++;
	ret = LF_OK;
cleanup:
	free(s);
	return ret;
}

static int coco_add(lf_export_writer *w, const lf_export_task *t)
{
	int ret = LF_ERR_NOMEM;
	coco *c = w->impl;
	int64_t width, height;
	json_t *img = NULL, *ann = NULL;
	const json_t *reg;
	size_t i;
	char why[120];

	lf_export_img_size(t->result, &width, &height);
	img = json_pack("{s:I, s:s, s:I, s:I}", "id", (json_int_t)t->id, "file_name",
			lf_export_img_url(w->opts.cfg, t->data), "width", (json_int_t)width,
			"height", (json_int_t)height);
	if (!img)
		goto cleanup;
	ret = lf_export_puts(w, c->images ? ",\n" : "\n");
	if (ret == LF_OK)
		ret = put_json(w, img);
	if (ret != LF_OK)
		goto cleanup;
	c->images++;
	json_array_foreach(t->result, i, reg)
	{
		lf_export_img_region r;
		if (lf_export_img_region_read(&c->cats, reg, &r, why, sizeof(why)) != LF_OK) {
			lf_export_img_skip(w, t, reg, why, "coco");
			continue;
		}
		if (r.ow <= 0) {
			lf_export_img_skip(
			    w, t, reg, "regions without original_width/original_height", "coco");
			continue;
		}
		ann = annotation_new(&r, c->annotations + 1, t->id);
		ret = ann ? spool_annotation(c, ann) : LF_ERR_NOMEM;
		json_decref(ann);
		ann = NULL;
		if (ret != LF_OK)
			goto cleanup;
		w->rep.regions++;
	}
	w->rep.tasks++;
	ret = LF_OK;
cleanup:
	json_decref(img);
	return ret;
}

static int coco_finish(lf_export_writer *w, lf_export_report *rep)
{
	int ret;
	coco *c = w->impl;
	char buf[65536];
	size_t n;
	json_t *cats = NULL;

	ret = lf_export_puts(w, c->images ? "\n],\n\"annotations\":[" : "],\n\"annotations\":[");
	if (ret != LF_OK)
		goto cleanup;
	ret = LF_ERR_IO;
	if (fflush(c->spool) != 0 || fseek(c->spool, 0, SEEK_SET) != 0)
		goto cleanup;
	while ((n = fread(buf, 1, sizeof(buf), c->spool)) > 0) {
		ret = lf_export_put(w, buf, n);
		if (ret != LF_OK)
			goto cleanup;
	}
	ret = LF_ERR_IO;
	if (ferror(c->spool))
		goto cleanup;
	ret = LF_ERR_NOMEM;
	cats = json_array();
	if (!cats)
		goto cleanup;
	for (size_t i = 0; i < c->cats.count; i++)
		if (json_array_append_new(cats, json_pack("{s:I, s:s}", "id", (json_int_t)i, "name",
							  c->cats.names[i])))
			goto cleanup;
	ret = lf_export_puts(w, c->annotations ? "\n],\n\"categories\":" : "],\n\"categories\":");
	if (ret == LF_OK)
		ret = put_json(w, cats);
	if (ret == LF_OK)
		ret = lf_export_puts(w, "}\n");
cleanup:
	json_decref(cats);
	return ret;
}

static void coco_free(lf_export_writer *w)
{
	coco *c = w->impl;

	if (!c)
		return;
	if (c->spool)
		fclose(c->spool);
	lf_export_img_cats_free(&c->cats);
	free(c);
	w->impl = NULL;
}
