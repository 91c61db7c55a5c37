/*
 * yolo.c - YOLO detection labels in a zip, as Label Studio exports them:
 * classes.txt (one class per line, the line number is the class id),
 * notes.json ({"categories":[{"id","name"}],"info"}) and labels/<task id>.txt
 * with one "class x_center y_center width height" line per box, normalized
 * to 0..1 with 6 decimals. Every task gets a label file, an empty one when
 * it has no box (YOLO's "background image").
 *
 * Classes are lf_export_img_cats, so ids match the coco export. Images are
 * not included (tasks reference them by URL). YOLO detection cannot express
 * polygons, keypoints or classifications: those regions are skipped and
 * counted.
 */
#include "export/image.h"
#include "export/zip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct yolo {
	lf_export_img_cats cats;
	lf_export_zip *zip;
} yolo;

static int yolo_add(lf_export_writer *w, const lf_export_task *t);
static int yolo_finish(lf_export_writer *w, lf_export_report *rep);
static void yolo_free(lf_export_writer *w);
static int yolo_classes(yolo *y);
static int yolo_notes(yolo *y);

static const lf_export_vt yolo_vt = {yolo_add, yolo_finish, yolo_free};

static int yolo_classes(yolo *y)
{
	int ret = LF_OK;
	lf_export_buf b = {0};

	for (size_t i = 0; i < y->cats.count && ret == LF_OK; i++)
		ret = lf_export_buf_printf(&b, "%s\n", y->cats.names[i]);
	if (ret == LF_OK)
		ret = lf_export_zip_add(y->zip, "classes.txt", b.p, b.len);
	lf_export_buf_free(&b);
	return ret;
}

static int yolo_notes(yolo *y)
{
	int ret = LF_ERR_NOMEM;
	time_t now = (time_t)(lf_now_ms() / 1000);
	struct tm tm;
	json_t *notes = NULL, *cats;
	char *s = NULL;

	gmtime_r(&now, &tm);
	notes = json_pack("{s:[], s:{s:i, s:s, s:s}}", "categories", "info", "year",
			  tm.tm_year + 1900, "version", "1.0", "contributor", "LabelFlow");
	if (!notes)
		goto cleanup;
	cats = json_object_get(notes, "categories");
	for (size_t i = 0; i < y->cats.count; i++)
		if (json_array_append_new(cats, json_pack("{s:I, s:s}", "id", (json_int_t)i, "name",
							  y->cats.names[i])))
			goto cleanup;
	s = json_dumps(notes, JSON_INDENT(2));
	if (!s)
		goto cleanup;
	ret = lf_export_zip_add(y->zip, "notes.json", s, strlen(s));
cleanup:
	free(s);
	json_decref(notes);
	return ret;
}

int lf_export_new_yolo(lf_export_writer *w, const char *format)
{
	int ret = LF_ERR_NOMEM;
	yolo *y = calloc(1, sizeof(*y));

	if (!y)
		goto cleanup;
	w->impl = y;
	w->vt = &yolo_vt;
	ret = lf_export_img_cats_init(w->opts.cfg, &y->cats);
	if (ret == LF_OK)
		ret = lf_export_zip_open(w, &y->zip);
	if (ret == LF_OK)
		ret = yolo_classes(y);
	if (ret == LF_OK)
		ret = yolo_notes(y);
cleanup:
	return ret;
}

static int yolo_add(lf_export_writer *w, const lf_export_task *t)
{
	int ret = LF_OK;
	yolo *y = w->impl;
	lf_export_buf b = {0};
	char name[64], why[120];
	size_t i;
	int64_t boxes = 0;
	const json_t *reg;

	json_array_foreach(t->result, i, reg)
	{
		lf_export_img_region r;
		if (lf_export_img_region_read(&y->cats, reg, &r, why, sizeof(why)) != LF_OK) {
			lf_export_img_skip(w, t, reg, why, "yolo");
			continue;
		}
		if (r.kind != LF_EXPORT_IMG_BOX) {
			lf_export_img_skip(w, t, reg, "polygonlabels results", "yolo");
			continue;
		}
		ret = lf_export_buf_printf(&b, "%d %.6f %.6f %.6f %.6f\n", r.category,
					   (r.x + r.w / 2) / 100, (r.y + r.h / 2) / 100, r.w / 100,
					   r.h / 100);
		if (ret != LF_OK)
			goto cleanup;
		boxes++;
	}
	snprintf(name, sizeof(name), "labels/%lld.txt", (long long)t->id);
	ret = lf_export_zip_add(y->zip, name, b.p, b.len);
	if (ret != LF_OK)
		goto cleanup;
	w->rep.regions += boxes;
	w->rep.tasks++;
cleanup:
	lf_export_buf_free(&b);
	return ret;
}

static int yolo_finish(lf_export_writer *w, lf_export_report *rep)
{
	yolo *y = w->impl;

	return lf_export_zip_close(y->zip);
}

static void yolo_free(lf_export_writer *w)
{
	yolo *y = w->impl;

	if (!y)
		return;
	lf_export_zip_free(y->zip);
	lf_export_img_cats_free(&y->cats);
	free(y);
	w->impl = NULL;
}
