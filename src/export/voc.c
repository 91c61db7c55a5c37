/*
 * voc.c - Pascal VOC XML in a zip: Annotations/<task id>.xml per task, as
 * Label Studio exports it (folder, filename, source, size with depth 3,
 * segmented, one <object> per box with integer pixel corners). <path> keeps
 * the task's image URL, as the images are not copied. Pixel corners are
 * percent * original size / 100 rounded to the nearest integer (Label Studio
 * truncates, which shrinks boxes by up to a pixel).
 *
 * Pascal VOC detection holds boxes only: polygons, keypoints and
 * classifications are skipped and counted, as are boxes whose region lacks
 * the image size.
 */
#include "export/image.h"
#include "export/zip.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct voc {
	lf_export_img_cats cats;
	lf_export_zip *zip;
} voc;

static int voc_add(lf_export_writer *w, const lf_export_task *t);
static int voc_finish(lf_export_writer *w, lf_export_report *rep);
static void voc_free(lf_export_writer *w);
static int xml_text(lf_export_buf *b, const char *s);
static int voc_object(lf_export_buf *b, const lf_export_img_region *r);
static int voc_head(lf_export_buf *b, const char *url, int64_t width, int64_t height);

static const lf_export_vt voc_vt = {voc_add, voc_finish, voc_free};

/* Escapes markup characters and drops control characters XML 1.0 forbids
 * (they may come from task data), so every file parses. */
static int xml_text(lf_export_buf *b, const char *s)
{
	int ret = LF_OK;

	for (; *s && ret == LF_OK; s++) {
		unsigned char ch = (unsigned char)*s;
		switch (ch) {
		case '&': ret = lf_export_buf_adds(b, "&amp;"); break;
		case '<': ret = lf_export_buf_adds(b, "&lt;"); break;
		case '>': ret = lf_export_buf_adds(b, "&gt;"); break;
		case '"': ret = lf_export_buf_adds(b, "&quot;"); break;
		case '\'': ret = lf_export_buf_adds(b, "&apos;"); break;
		default:
			if (ch >= 0x20 || ch == '\t' || ch == '\n' || ch == '\r')
				ret = lf_export_buf_add(b, s, 1);
		}
	}
	return ret;
}

static int voc_object(lf_export_buf *b, const lf_export_img_region *r)
{
	int ret = lf_export_buf_adds(b, "\t<object>\n\t\t<name>");

	if (ret == LF_OK)
		ret = xml_text(b, r->label);
	if (ret == LF_OK)
		ret = lf_export_buf_printf(
		    b,
		    "</name>\n\t\t<pose>Unspecified</pose>\n\t\t<truncated>0</truncated>\n"
		    "\t\t<difficult>0</difficult>\n\t\t<bndbox>\n\t\t\t<xmin>%lld</xmin>\n"
		    "\t\t\t<ymin>%lld</ymin>\n\t\t\t<xmax>%lld</xmax>\n\t\t\t<ymax>%lld</ymax>\n"
		    "\t\t</bndbox>\n\t</object>\n",
		    llround(r->x * r->ow / 100), llround(r->y * r->oh / 100),
		    llround((r->x + r->w) * r->ow / 100), llround((r->y + r->h) * r->oh / 100));
	return ret;
}

/* The document up to the first <object>. */
static int voc_head(lf_export_buf *b, const char *url, int64_t width, int64_t height)
{
	char base[1024];
	int ret = lf_export_buf_adds(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotation>\n"
					"\t<folder>images</folder>\n\t<filename>");

	lf_export_img_basename(url, base, sizeof(base));
	if (ret == LF_OK)
		ret = xml_text(b, base);
	if (ret == LF_OK)
		ret = lf_export_buf_adds(b, "</filename>\n\t<path>");
	if (ret == LF_OK)
		ret = xml_text(b, url);
	if (ret == LF_OK)
		ret = lf_export_buf_printf(
		    b,
		    "</path>\n\t<source>\n\t\t<database>LabelFlow</database>\n\t</source>\n"
		    "\t<size>\n\t\t<width>%lld</width>\n\t\t<height>%lld</height>\n"
		    "\t\t<depth>3</depth>\n\t</size>\n\t<segmented>0</segmented>\n",
		    (long long)width, (long long)height);
	return ret;
}

int lf_export_new_voc(lf_export_writer *w, const char *format)
{
	int ret = LF_ERR_NOMEM;
	voc *v = calloc(1, sizeof(*v));

	if (!v)
		goto cleanup;
	w->impl = v;
	w->vt = &voc_vt;
	ret = lf_export_img_cats_init(w->opts.cfg, &v->cats);
	if (ret == LF_OK)
		ret = lf_export_zip_open(w, &v->zip);
cleanup:
	return ret;
}

static int voc_add(lf_export_writer *w, const lf_export_task *t)
{
	int ret;
	voc *v = w->impl;
	lf_export_buf b = {0};
	char name[64], why[120];
	size_t i;
	int64_t width, height, boxes = 0;
	const json_t *reg;

	lf_export_img_size(t->result, &width, &height);
	ret = voc_head(&b, lf_export_img_url(w->opts.cfg, t->data), width, height);
	if (ret != LF_OK)
		goto cleanup;
	json_array_foreach(t->result, i, reg)
	{
		lf_export_img_region r;
		if (lf_export_img_region_read(&v->cats, reg, &r, why, sizeof(why)) != LF_OK) {
			lf_export_img_skip(w, t, reg, why, "voc");
			continue;
		}
		if (r.kind != LF_EXPORT_IMG_BOX) {
			lf_export_img_skip(w, t, reg, "polygonlabels results", "voc");
			continue;
		}
		if (r.ow <= 0) {
			lf_export_img_skip(w, t, reg,
					   "regions without original_width/original_height", "voc");
			continue;
		}
		ret = voc_object(&b, &r);
		if (ret != LF_OK)
			goto cleanup;
		boxes++;
	}
	ret = lf_export_buf_adds(&b, "</annotation>\n");
	if (ret != LF_OK)
		goto cleanup;
	snprintf(name, sizeof(name), "Annotations/%lld.xml", (long long)t->id);
	ret = lf_export_zip_add(v->zip, name, b.p, b.len);
	if (ret != LF_OK)
		goto cleanup;
	w->rep.regions += boxes;
	w->rep.tasks++;
cleanup:
	lf_export_buf_free(&b);
	return ret;
}

static int voc_finish(lf_export_writer *w, lf_export_report *rep)
{
	voc *v = w->impl;

	return lf_export_zip_close(v->zip);
}

static void voc_free(lf_export_writer *w)
{
	voc *v = w->impl;

	if (!v)
		return;
	lf_export_zip_free(v->zip);
	lf_export_img_cats_free(&v->cats);
	free(v);
	w->impl = NULL;
}
