/*
 * image.h - reading image regions of Label Studio results for the image
 * formats (coco, yolo, voc). Internal to src/export/.
 *
 * Label Studio stores geometry in percent of the image (x, y, width, height,
 * points) and the image's pixel size in every region (original_width,
 * original_height). These helpers turn a region into a labelled box or
 * polygon, so the three formats agree on categories and geometry.
 */
#ifndef LF_EXPORT_IMAGE_H
#define LF_EXPORT_IMAGE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "export/export_int.h"

/* The category list: label values of the config's RectangleLabels and
 * PolygonLabels controls in config order, a name listed twice kept once.
 * Ids are indexes from 0 (Label Studio's ids also start at 0; unlike Label
 * Studio, which sorts names, config order keeps ids stable when labels are
 * appended to a config). names are borrowed from the config. */
typedef struct lf_export_img_cats {
	const char **names;
	size_t count;
} lf_export_img_cats;

typedef enum lf_export_img_kind { LF_EXPORT_IMG_BOX, LF_EXPORT_IMG_POLYGON } lf_export_img_kind;

/* One exportable region. Boxes are axis-aligned: a rotated rectangle is
 * replaced by the box enclosing it, clipped to the image. ow/oh are 0 when
 * the region does not carry the image size. */
typedef struct lf_export_img_region {
	lf_export_img_kind kind;
	int category;	      /* index in the category list */
	const char *label;    /* borrowed from the region */
	double ow, oh;	      /* image size in pixels */
	double x, y, w, h;    /* enclosing box, percent of the image */
	const json_t *points; /* polygons: [[x, y], ...] in percent */
} lf_export_img_region;

/* Builds the category list of cfg (which may be NULL: no category). Returns
 * LF_OK or LF_ERR_NOMEM. Release with lf_export_img_cats_free. */
int lf_export_img_cats_init(const lf_labelcfg *cfg, lf_export_img_cats *c);
void lf_export_img_cats_free(lf_export_img_cats *c);

/* The image of a task: the data value named by the config's first Image
 * object ("$image" names data.image), or "" when there is none. Borrowed
 * from data. */
const char *lf_export_img_url(const lf_labelcfg *cfg, const json_t *data);

/* The image size carried by the first region of result that has one;
 * 0 x 0 when none has. */
void lf_export_img_size(const json_t *result, int64_t *w, int64_t *h);

/* Reads one region. Returns LF_OK and fills r for a rectanglelabels or
 * polygonlabels region with a label of the category list; otherwise
 * LF_ERR_INVALID with a short reason written to why ("keypointlabels
 * results", "rectanglelabels without coordinates"), to which callers append
 * " in <format>". */
int lf_export_img_region_read(const lf_export_img_cats *c, const json_t *region,
			      lf_export_img_region *r, char *why, size_t whylen);

/* The last component of a URL or path, without query or fragment; what
 * Pascal VOC expects in <filename>. Writes at most len bytes to buf. */
void lf_export_img_basename(const char *url, char *buf, size_t len);

/* Counts and names the skipped region of task t (lf_export_skip): reason
 * is "<why> in <format>". */
void lf_export_img_skip(lf_export_writer *w, const lf_export_task *t, const json_t *region,
			const char *why, const char *format);

#endif
