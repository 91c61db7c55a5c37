/*
 * image.c - image regions of Label Studio results, shared by the coco, yolo
 * and voc writers.
 */
#include "export/image.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cats_has(const lf_export_img_cats *c, const char *name);
static double num_or(const json_t *o, const char *key, double dflt);
static int read_box(const json_t *value, lf_export_img_region *r, char *why, size_t whylen);
static int read_polygon(const json_t *value, lf_export_img_region *r, char *why, size_t whylen);
static int clip_box(lf_export_img_region *r);

static int cats_has(const lf_export_img_cats *c, const char *name)
{
	for (size_t i = 0; i < c->count; i++)
		if (strcmp(c->names[i], name) == 0)
			return 1;
	return 0;
}

int lf_export_img_cats_init(const lf_labelcfg *cfg, lf_export_img_cats *c)
{
	size_t total = 0, n = cfg ? lf_labelcfg_control_count(cfg) : 0;

	c->names = NULL;
	c->count = 0;
	for (size_t i = 0; i < n; i++) {
		const lf_labelcfg_control *ctl = lf_labelcfg_control_at(cfg, i);
		if (ctl->shape == LF_LABELCFG_SHAPE_RECT || ctl->shape == LF_LABELCFG_SHAPE_POLYGON)
			total += ctl->label_count;
	}
	if (total == 0)
		return LF_OK;
	c->names = calloc(total, sizeof(*c->names));
	if (!c->names)
		return LF_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		const lf_labelcfg_control *ctl = lf_labelcfg_control_at(cfg, i);
		if (ctl->shape != LF_LABELCFG_SHAPE_RECT && ctl->shape != LF_LABELCFG_SHAPE_POLYGON)
			continue;
		for (size_t j = 0; j < ctl->label_count; j++)
			if (!cats_has(c, ctl->labels[j].value))
				c->names[c->count++] = ctl->labels[j].value;
	}
	return LF_OK;
}

void lf_export_img_cats_free(lf_export_img_cats *c)
{
	free(c->names);
	c->names = NULL;
	c->count = 0;
}

const char *lf_export_img_url(const lf_labelcfg *cfg, const json_t *data)
{
	size_t n = cfg ? lf_labelcfg_object_count(cfg) : 0;

	for (size_t i = 0; i < n; i++) {
		const lf_labelcfg_object *o = lf_labelcfg_object_at(cfg, i);
		const char *v;
		if (o->media != LF_LABELCFG_MEDIA_IMAGE || !o->value)
			continue;
		if (o->value[0] != '$')
			return o->value;
		v = json_string_value(json_object_get(data, o->value + 1));
		return v ? v : "";
	}
	return "";
}

static double num_or(const json_t *o, const char *key, double dflt)
{
	const json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : dflt;
}

void lf_export_img_size(const json_t *result, int64_t *w, int64_t *h)
{
	size_t i;
	const json_t *reg;

	*w = *h = 0;
	json_array_foreach(result, i, reg)
	{
		double ow = num_or(reg, "original_width", 0),
		       oh = num_or(reg, "original_height", 0);
		if (ow > 0 && oh > 0) {
			*w = (int64_t)llround(ow);
			*h = (int64_t)llround(oh);
			return;
		}
	}
}

/* Clips the box to the image: training code rejects coordinates outside it,
 * and a box dragged past the edge means "up to the edge". Returns 0 when
 * nothing of the box is left. */
static int clip_box(lf_export_img_region *r)
{
	double x1 = fmax(r->x, 0), y1 = fmax(r->y, 0);
	double x2 = fmin(r->x + r->w, 100), y2 = fmin(r->y + r->h, 100);

	if (x2 <= x1 || y2 <= y1)
		return 0;
	r->x = x1;
	r->y = y1;
	r->w = x2 - x1;
	r->h = y2 - y1;
	return 1;
}

/* Label Studio rotates a rectangle clockwise (degrees, y pointing down)
 * around its top-left corner, in pixels; a percent-space rotation would shear
 * it on non-square images, hence the image size is needed. */
static int read_box(const json_t *value, lf_export_img_region *r, char *why, size_t whylen)
{
	double rot = num_or(value, "rotation", 0);

	r->x = num_or(value, "x", NAN);
	r->y = num_or(value, "y", NAN);
	r->w = num_or(value, "width", NAN);
	r->h = num_or(value, "height", NAN);
	if (isnan(r->x) || isnan(r->y) || isnan(r->w) || isnan(r->h)) {
		snprintf(why, whylen, "rectanglelabels without coordinates");
		return LF_ERR_INVALID;
	}
	if (fabs(fmod(rot, 360)) > 1e-9) {
		double a = rot * M_PI / 180, c = cos(a), s = sin(a);
		double x0 = r->x * r->ow / 100, y0 = r->y * r->oh / 100;
		double wp = r->w * r->ow / 100, hp = r->h * r->oh / 100;
		double cx[4] = {0, wp, wp, 0}, cy[4] = {0, 0, hp, hp};
		double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
		if (r->ow <= 0 || r->oh <= 0) {
			snprintf(why, whylen, "rotated rectanglelabels without original_width");
			return LF_ERR_INVALID;
		}
		for (int i = 0; i < 4; i++) {
			double px = x0 + cx[i] * c - cy[i] * s, py = y0 + cx[i] * s + cy[i] * c;
			minx = fmin(minx, px);
			maxx = fmax(maxx, px);
			miny = fmin(miny, py);
			maxy = fmax(maxy, py);
		}
		r->x = minx * 100 / r->ow;
		r->y = miny * 100 / r->oh;
		r->w = (maxx - minx) * 100 / r->ow;
		r->h = (maxy - miny) * 100 / r->oh;
	}
	if (!clip_box(r)) {
		snprintf(why, whylen, "empty or off-image rectanglelabels");
		return LF_ERR_INVALID;
	}
	return LF_OK;
}

static int read_polygon(const json_t *value, lf_export_img_region *r, char *why, size_t whylen)
{
	const json_t *pts = json_object_get(value, "points"), *p;
	double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
	size_t i;

	if (json_array_size(pts) < 3) {
		snprintf(why, whylen, "polygonlabels with fewer than 3 points");
		return LF_ERR_INVALID;
	}
	json_array_foreach(pts, i, p)
	{
		const json_t *px = json_array_get(p, 0), *py = json_array_get(p, 1);
		if (!json_is_number(px) || !json_is_number(py)) {
			snprintf(why, whylen, "polygonlabels with a malformed point");
			return LF_ERR_INVALID;
		}
		minx = fmin(minx, json_number_value(px));
		maxx = fmax(maxx, json_number_value(px));
		miny = fmin(miny, json_number_value(py));
		maxy = fmax(maxy, json_number_value(py));
	}
	r->points = pts;
	r->x = minx;
	r->y = miny;
	r->w = maxx - minx;
	r->h = maxy - miny;
	if (!clip_box(r)) {
		snprintf(why, whylen, "empty or off-image polygonlabels");
		return LF_ERR_INVALID;
	}
	return LF_OK;
}

int lf_export_img_region_read(const lf_export_img_cats *c, const json_t *region,
			      lf_export_img_region *r, char *why, size_t whylen)
{
	const char *type = json_string_value(json_object_get(region, "type"));
	const json_t *value = json_object_get(region, "value");

	memset(r, 0, sizeof(*r));
	if (!type) {
		snprintf(why, whylen, "regions without a type");
		return LF_ERR_INVALID;
	}
	if (strcmp(type, "rectanglelabels") == 0) {
		r->kind = LF_EXPORT_IMG_BOX;
	} else if (strcmp(type, "polygonlabels") == 0) {
		r->kind = LF_EXPORT_IMG_POLYGON;
	} else {
		snprintf(why, whylen, "%.60s results", type);
		return LF_ERR_INVALID;
	}
	r->label = json_string_value(json_array_get(json_object_get(value, type), 0));
	if (!r->label) {
		snprintf(why, whylen, "%s without a label", type);
		return LF_ERR_INVALID;
	}
	r->category = -1;
	for (size_t i = 0; i < c->count; i++)
		if (strcmp(c->names[i], r->label) == 0)
			r->category = (int)i;
	if (r->category < 0) {
		snprintf(why, whylen, "%s with a label not in the config", type);
		return LF_ERR_INVALID;
	}
	r->ow = num_or(region, "original_width", 0);
	r->oh = num_or(region, "original_height", 0);
	if (r->ow <= 0 || r->oh <= 0)
		r->ow = r->oh = 0;
	if (r->kind == LF_EXPORT_IMG_BOX)
		return read_box(value, r, why, whylen);
	return read_polygon(value, r, why, whylen);
}

void lf_export_img_basename(const char *url, char *buf, size_t len)
{
	size_t n = strcspn(url, "?#");
	size_t start = n;

	while (start > 0 && url[start - 1] != '/')
		start--;
	snprintf(buf, len, "%.*s", (int)(n - start), url + start);
}

void lf_export_img_skip(lf_export_writer *w, const lf_export_task *t, const json_t *region,
			const char *why, const char *format)
{
	char msg[sizeof(w->rep.skipped_why)];

	snprintf(msg, sizeof(msg), "%s in %s", why, format);
	lf_export_skip(w, t, region, msg);
}
