/*
 * labelcfg.h - project label configs (Label Studio XML) and annotation
 * results (Label Studio result JSON).
 *
 * The browser embeds the Label Studio frontend, so a project's label config
 * is the XML that frontend renders and an annotation's result is the array of
 * regions it produces. This module has two halves behind this one API:
 *
 *   parse.c     XML -> lf_labelcfg: parses and validates the XML when a
 *               project is saved, and describes the config to the exporters
 *               (COCO categories, YOLO classes, CoNLL tags) and to the UI;
 *   validate.c  lf_labelcfg_validate_result: checks every submitted result
 *               against the parsed config and the task's data.
 *
 * Tag and attribute names are matched case-insensitively, as the Label Studio
 * frontend does. DTDs are refused and no entity is ever expanded or fetched.
 *
 * A parsed config is immutable: after lf_labelcfg_parse returns, every
 * function here only reads it, so one config may be cached and shared by any
 * number of threads without locking.
 */
#ifndef LF_LABELCFG_H
#define LF_LABELCFG_H

#include "core/lf.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Configs larger than this are refused with LF_ERR_LIMIT before parsing. */
#define LF_LABELCFG_MAX_BYTES (1024 * 1024)
/* Most <Label>, <Choice> and <Relation> tags a config may have, together. */
#define LF_LABELCFG_MAX_LABELS 10000

/* What kind of media an object tag shows; decides how spans are located. */
typedef enum lf_labelcfg_media {
	LF_LABELCFG_MEDIA_TEXT,	      /* Text: spans are integer character offsets */
	LF_LABELCFG_MEDIA_HYPERTEXT,  /* HyperText: spans are xpath + offsets */
	LF_LABELCFG_MEDIA_PARAGRAPHS, /* Paragraphs: paragraph index + offsets */
	LF_LABELCFG_MEDIA_IMAGE,      /* Image: geometry in percent of the image */
	LF_LABELCFG_MEDIA_AUDIO,      /* Audio, AudioPlus: spans in seconds */
	LF_LABELCFG_MEDIA_VIDEO,      /* Video: frames, spans in seconds */
	LF_LABELCFG_MEDIA_TIMESERIES  /* TimeSeries: spans on the time axis */
} lf_labelcfg_media;

/* Shape of the "value" object a control produces in a result region. */
typedef enum lf_labelcfg_shape {
	LF_LABELCFG_SHAPE_SPAN,	    /* Labels, HyperTextLabels, ParagraphLabels, TimeSeriesLabels */
	LF_LABELCFG_SHAPE_RECT,	    /* RectangleLabels, Rectangle: x, y, width, height */
	LF_LABELCFG_SHAPE_POLYGON,  /* PolygonLabels, Polygon: points */
	LF_LABELCFG_SHAPE_KEYPOINT, /* KeyPointLabels, KeyPoint: x, y [, width] */
	LF_LABELCFG_SHAPE_ELLIPSE,  /* EllipseLabels, Ellipse: x, y, radiusX, radiusY */
	LF_LABELCFG_SHAPE_BRUSH,    /* BrushLabels, Brush: format, rle */
	LF_LABELCFG_SHAPE_VIDEORECT, /* VideoRectangle: sequence of keyframes */
	LF_LABELCFG_SHAPE_TIMELINE,  /* TimelineLabels: ranges of frames */
	LF_LABELCFG_SHAPE_CHOICES,   /* Choices: choices */
	LF_LABELCFG_SHAPE_TAXONOMY,  /* Taxonomy: taxonomy (paths of choices) */
	LF_LABELCFG_SHAPE_TEXTAREA,  /* TextArea: text */
	LF_LABELCFG_SHAPE_RATING,    /* Rating: rating */
	LF_LABELCFG_SHAPE_NUMBER,    /* Number: number */
	LF_LABELCFG_SHAPE_DATETIME   /* DateTime: datetime */
} lf_labelcfg_shape;

/* One <Label>, <Choice> or <Relation>. Optional attributes are NULL when
 * absent. parent is the index (within the same control's labels) of the
 * enclosing <Choice> in a Taxonomy, -1 at top level and everywhere else. */
typedef struct lf_labelcfg_label {
	const char *value;
	const char *background;
	const char *hotkey;
	const char *alias;
	int parent;
} lf_labelcfg_label;

/* A control tag: what annotators produce. tag is the canonical spelling
 * ("RectangleLabels"), type the result "type" it produces ("rectanglelabels").
 * labels are in config order (document order); label_count is 0 for controls
 * without label children (TextArea, Rating, ...). multiple is true when
 * choice="multiple" (more than one label per region). max_rating is set for
 * Rating (default 5); min/max bound Number when has_min/has_max. */
typedef struct lf_labelcfg_control {
	const char *name;
	const char *tag;
	const char *type;
	lf_labelcfg_shape shape;
	const char *const *to_names;
	size_t to_name_count;
	const lf_labelcfg_label *labels;
	size_t label_count;
	bool multiple;
	int max_rating;
	bool has_min, has_max;
	double min, max;
} lf_labelcfg_control;

/* An object tag: what is being labeled. value is the attribute as written,
 * normally a task data variable such as "$image". type is the lowercased
 * tag ("image", "audioplus"). text_in_value is true for a Text whose value
 * yields the text itself (a "$variable" holding it, or literal text), false
 * when the frontend fetches or decodes it (valueType="url", encoding). */
typedef struct lf_labelcfg_object {
	const char *name;
	const char *tag;
	const char *type;
	const char *value;
	lf_labelcfg_media media;
	bool text_in_value;
} lf_labelcfg_object;

typedef struct lf_labelcfg lf_labelcfg;

/* Parses and validates a label config of len bytes (need not be
 * NUL-terminated). The root must be <View>, every tag must be known, object
 * tags need name and value, control tags need name and a toName naming object
 * tags (comma-separated for several), names are unique, labels controls have
 * at least one <Label> (Choices/Taxonomy at least one <Choice>), no
 * duplicate values, and at most LF_LABELCFG_MAX_LABELS labels in all. Returns LF_OK and *out
 * (owner: caller, free with lf_labelcfg_free); LF_ERR_INVALID with a sentence naming the problem
 * written to err (errlen bytes, NUL-terminated; err may be NULL); LF_ERR_LIMIT when len exceeds
 * LF_LABELCFG_MAX_BYTES; LF_ERR_NOMEM. *out is NULL on failure. */
int lf_labelcfg_parse(const char *xml, size_t len, lf_labelcfg **out, char *err, size_t errlen);

/* Frees a config and everything it handed out. NULL is allowed. */
void lf_labelcfg_free(lf_labelcfg *cfg);

/* Validates an annotation result against the config: a JSON array of region
 * objects {"from_name","to_name","type","value",...} whose from_name names a
 * control, to_name one of its toName objects, type the control's type, and
 * value the shape that type requires with only labels defined in the control.
 * {"type":"relation","from_id","to_id"} regions are accepted when the config
 * has <Relations> and both ids name regions of the same result. An empty
 * array is valid.
 *
 * Regions must lie within their object: text spans are integer code-point
 * offsets with 0 <= start <= end <= the length of the object's text (when
 * data, the task's data object, holds it; data may be NULL); image geometry
 * is in percent, 0..100, an unrotated box with x + width and y + height at
 * most 100; audio and video times are >= 0 with start <= end; video frames
 * are >= 0 and, like keyframe times, within the framesCount and duration a
 * region records.
 *
 * Returns LF_OK, or LF_ERR_INVALID with a sentence starting "result[i]" (the
 * offending region) written to err; LF_ERR_NOMEM. */
int lf_labelcfg_validate_result(const lf_labelcfg *cfg, const json_t *result, const json_t *data,
				char *err, size_t errlen);

/* Number of control tags, and the i-th in config order (NULL when out of
 * range). Returned pointers are owned by cfg and live as long as it. */
size_t lf_labelcfg_control_count(const lf_labelcfg *cfg);
const lf_labelcfg_control *lf_labelcfg_control_at(const lf_labelcfg *cfg, size_t i);
/* The control named name, or NULL. Owned by cfg. */
const lf_labelcfg_control *lf_labelcfg_find_control(const lf_labelcfg *cfg, const char *name);

/* Number of object tags, and the i-th in config order (NULL when out of
 * range). Owned by cfg. */
size_t lf_labelcfg_object_count(const lf_labelcfg *cfg);
const lf_labelcfg_object *lf_labelcfg_object_at(const lf_labelcfg *cfg, size_t i);
/* The object named name, or NULL. Owned by cfg. */
const lf_labelcfg_object *lf_labelcfg_find_object(const lf_labelcfg *cfg, const char *name);

/* Whether the config has a <Relations> tag, so relation regions are allowed.
 * *count (may be NULL) receives the number of <Relation> labels, whose array
 * is returned (owned by cfg; NULL when there are none). */
bool lf_labelcfg_has_relations(const lf_labelcfg *cfg);
const lf_labelcfg_label *lf_labelcfg_relation_labels(const lf_labelcfg *cfg, size_t *count);

/* Describes the config for the UI and exporters:
 * {"controls":[{"name","tag","type","to_name":[...],"labels":[...],"multiple"}],
 *  "objects":[{"name","tag","type","value"}], "relations":[...]}
 * with labels as value strings in config order ("relations" only when the
 * config has <Relations>). Returns a new reference (owner: caller, release
 * with json_decref), or NULL when out of memory. */
json_t *lf_labelcfg_describe(const lf_labelcfg *cfg);

#endif
