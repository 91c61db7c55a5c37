/*
 * labelcfg.c - parsing Label Studio label configs and validating results.
 *
 * Parsing walks the XML once, classifying every element through one table
 * (tag_specs) into layout, object, control or label tags. All memory of a
 * config comes from one arena owned by it: arrays are sized up front from the
 * element count, so pointers handed out never move, and nothing is written
 * after lf_labelcfg_parse returns, which is what makes sharing it between
 * threads safe.
 *
 * Result validation is driven by the control a region names: the control's
 * shape decides which keys "value" must carry, and the object it targets
 * decides how a span is located (character offsets on Text, seconds on
 * Audio, xpath on HyperText, ...).
 */
#include "labelcfg/labelcfg.h"

#include "core/arena.h"
#include "core/strset.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Owners of the element being walked, besides a control index (>= 0). */
#define OWNER_NONE	-1
#define OWNER_RELATIONS -2
/* parent value for items nested in a non-Taxonomy item, which is refused. */
#define ITEM_LEAF -2
/* Slack for percent coordinates: the frontend's float arithmetic produces
 * values like 100.00000000000001 that are meant as 100. */
#define PCT_EPS		 1e-6
#define MAX_RATING_LIMIT 100

enum tag_kind { K_LAYOUT, K_OBJECT, K_CONTROL, K_LABEL, K_CHOICE, K_RELATIONS, K_RELATION };
enum child_kind { C_NONE, C_LABEL, C_CHOICE };

struct tag_spec {
	const char *tag;
	enum tag_kind kind;
	const char *type; /* result type for controls, lowercased tag for objects */
	lf_labelcfg_shape shape;
	lf_labelcfg_media media;
	enum child_kind child;
};

/*
 * Every tag the Label Studio frontend 1.4 renders that LabelFlow supports.
 * Layout (visual) tags may appear anywhere; Filter and Shortcut are layout
 * because they only help the annotator and never produce results.
 */
static const struct tag_spec tag_specs[] = {
    {"View", K_LAYOUT, NULL, 0, 0, C_NONE},
    {"Header", K_LAYOUT, NULL, 0, 0, C_NONE},
    {"Style", K_LAYOUT, NULL, 0, 0, C_NONE},
    {"Filter", K_LAYOUT, NULL, 0, 0, C_NONE},
    {"Collapse", K_LAYOUT, NULL, 0, 0, C_NONE},
    {"Panel", K_LAYOUT, NULL, 0, 0, C_NONE},
    {"Tab", K_LAYOUT, NULL, 0, 0, C_NONE},
    {"Tabs", K_LAYOUT, NULL, 0, 0, C_NONE},
    {"Table", K_LAYOUT, NULL, 0, 0, C_NONE},
    {"Shortcut", K_LAYOUT, NULL, 0, 0, C_NONE},
    {"Channel", K_LAYOUT, NULL, 0, 0, C_NONE},
    {"Hint", K_LAYOUT, NULL, 0, 0, C_NONE},
    {"Text", K_OBJECT, "text", 0, LF_LABELCFG_MEDIA_TEXT, C_NONE},
    {"HyperText", K_OBJECT, "hypertext", 0, LF_LABELCFG_MEDIA_HYPERTEXT, C_NONE},
    {"Paragraphs", K_OBJECT, "paragraphs", 0, LF_LABELCFG_MEDIA_PARAGRAPHS, C_NONE},
    {"Image", K_OBJECT, "image", 0, LF_LABELCFG_MEDIA_IMAGE, C_NONE},
    {"Audio", K_OBJECT, "audio", 0, LF_LABELCFG_MEDIA_AUDIO, C_NONE},
    {"AudioPlus", K_OBJECT, "audioplus", 0, LF_LABELCFG_MEDIA_AUDIO, C_NONE},
    {"Video", K_OBJECT, "video", 0, LF_LABELCFG_MEDIA_VIDEO, C_NONE},
    {"TimeSeries", K_OBJECT, "timeseries", 0, LF_LABELCFG_MEDIA_TIMESERIES, C_NONE},
    {"Labels", K_CONTROL, "labels", LF_LABELCFG_SHAPE_SPAN, 0, C_LABEL},
    {"HyperTextLabels", K_CONTROL, "hypertextlabels", LF_LABELCFG_SHAPE_SPAN, 0, C_LABEL},
    {"ParagraphLabels", K_CONTROL, "paragraphlabels", LF_LABELCFG_SHAPE_SPAN, 0, C_LABEL},
    {"TimeSeriesLabels", K_CONTROL, "timeserieslabels", LF_LABELCFG_SHAPE_SPAN, 0, C_LABEL},
    {"RectangleLabels", K_CONTROL, "rectanglelabels", LF_LABELCFG_SHAPE_RECT, 0, C_LABEL},
    {"Rectangle", K_CONTROL, "rectangle", LF_LABELCFG_SHAPE_RECT, 0, C_NONE},
    {"PolygonLabels", K_CONTROL, "polygonlabels", LF_LABELCFG_SHAPE_POLYGON, 0, C_LABEL},
    {"Polygon", K_CONTROL, "polygon", LF_LABELCFG_SHAPE_POLYGON, 0, C_NONE},
    {"KeyPointLabels", K_CONTROL, "keypointlabels", LF_LABELCFG_SHAPE_KEYPOINT, 0, C_LABEL},
    {"KeyPoint", K_CONTROL, "keypoint", LF_LABELCFG_SHAPE_KEYPOINT, 0, C_NONE},
    {"EllipseLabels", K_CONTROL, "ellipselabels", LF_LABELCFG_SHAPE_ELLIPSE, 0, C_LABEL},
    {"Ellipse", K_CONTROL, "ellipse", LF_LABELCFG_SHAPE_ELLIPSE, 0, C_NONE},
    {"BrushLabels", K_CONTROL, "brushlabels", LF_LABELCFG_SHAPE_BRUSH, 0, C_LABEL},
    {"Brush", K_CONTROL, "brush", LF_LABELCFG_SHAPE_BRUSH, 0, C_NONE},
    {"VideoRectangle", K_CONTROL, "videorectangle", LF_LABELCFG_SHAPE_VIDEORECT, 0, C_NONE},
    {"TimelineLabels", K_CONTROL, "timelinelabels", LF_LABELCFG_SHAPE_TIMELINE, 0, C_LABEL},
    {"Choices", K_CONTROL, "choices", LF_LABELCFG_SHAPE_CHOICES, 0, C_CHOICE},
    {"Taxonomy", K_CONTROL, "taxonomy", LF_LABELCFG_SHAPE_TAXONOMY, 0, C_CHOICE},
    {"TextArea", K_CONTROL, "textarea", LF_LABELCFG_SHAPE_TEXTAREA, 0, C_NONE},
    {"Rating", K_CONTROL, "rating", LF_LABELCFG_SHAPE_RATING, 0, C_NONE},
    {"Number", K_CONTROL, "number", LF_LABELCFG_SHAPE_NUMBER, 0, C_NONE},
    {"DateTime", K_CONTROL, "datetime", LF_LABELCFG_SHAPE_DATETIME, 0, C_NONE},
    {"Label", K_LABEL, NULL, 0, 0, C_NONE},
    {"Choice", K_CHOICE, NULL, 0, 0, C_NONE},
    {"Relations", K_RELATIONS, NULL, 0, 0, C_NONE},
    {"Relation", K_RELATION, NULL, 0, 0, C_NONE},
};

struct lf_labelcfg {
	lf_arena *arena;
	lf_labelcfg_control *controls;
	size_t control_count;
	lf_labelcfg_object *objects;
	size_t object_count;
	lf_labelcfg_label *labels; /* pool: each control's labels are a slice */
	size_t label_count;
	const lf_labelcfg_label *relations;
	size_t relation_count;
	bool has_relations;
};

/* Parse state reachable from libxml callbacks through ctxt->_private. */
struct parse_state {
	bool dtd; /* a <!DOCTYPE> was seen */
	bool have_error;
	int line;
	char message[160]; /* the first error: later ones are consequences */
};

struct named {
	const char *name;
	const char *tag;
};

struct builder {
	lf_labelcfg *cfg;
	const struct tag_spec **ctl_specs; /* spec of each control, by index */
	struct named *names;
	size_t name_count;
	lf_strset name_set; /* names, for the duplicate check */
	char *err;
	size_t errlen;
};

static void xml_init(void);
static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void refuse_dtd(void *ctx, const xmlChar *name, const xmlChar *eid, const xmlChar *sid);
static void first_error(void *ctx, xmlErrorPtr e);
static size_t count_elements(const xmlNode *node);
static const struct tag_spec *find_spec(const char *tag);
static const char *owner_tag(const struct builder *b, int owner);
static int get_attr(lf_arena *a, const xmlNode *node, const char *name, const char **out);
static int register_name(struct builder *b, const char *name, const char *tag);
static int walk_children(struct builder *b, const xmlNode *node, int owner, int parent);
static int element(struct builder *b, const xmlNode *node, int owner, int parent);
static int add_object(struct builder *b, const xmlNode *node, const struct tag_spec *spec,
		      const char *name, const char *value);
static int add_control(struct builder *b, const xmlNode *node, const struct tag_spec *spec,
		       int owner);
static int control_attrs(struct builder *b, const xmlNode *node, lf_labelcfg_control *c);
static int split_to_names(struct builder *b, lf_labelcfg_control *c, const char *to_name);
static int add_item(struct builder *b, const xmlNode *node, const struct tag_spec *spec, int owner,
		    int parent);
static int add_relations(struct builder *b, const xmlNode *node, int owner);
static int check_duplicates(struct builder *b, const lf_labelcfg_label *items, size_t n,
			    const char *tag, const char *name);
static int resolve_to_names(struct builder *b);
static json_t *describe_control(const lf_labelcfg_control *c);

static int cmp_str(const void *a, const void *b);
static int collect_ids(const json_t *result, const char ***ids, size_t *n);
static bool has_id(const char *const *ids, size_t n, const char *id);
static int check_region(const lf_labelcfg *cfg, json_t *r, size_t i, const json_t *data, char *err,
			size_t errlen);
static int check_relation(const lf_labelcfg *cfg, json_t *r, size_t i, const char *const *ids,
			  size_t nids, char *err, size_t errlen);
static int check_common(json_t *r, size_t i, char *err, size_t errlen);
static bool to_name_ok(const lf_labelcfg_control *c, const char *to_name);
static const struct tag_spec *image_labels_spec(const char *type);
static int check_labels(const lf_labelcfg_control *c, json_t *value, const char *key, size_t i,
			char *err, size_t errlen);
static int check_object_labels(const lf_labelcfg *cfg, const lf_labelcfg_object *obj, json_t *value,
			       size_t i, char *err, size_t errlen);
static int check_taxonomy(const lf_labelcfg_control *c, json_t *value, size_t i, char *err,
			  size_t errlen);
static int check_span(const lf_labelcfg_object *obj, json_t *value, size_t i, const json_t *data,
		      char *err, size_t errlen);
static const char *object_text(const lf_labelcfg_object *obj, const json_t *data);
static size_t code_points(const char *s);
static int check_paragraph_span(json_t *value, size_t i, char *err, size_t errlen);
static int check_shape(const lf_labelcfg_control *c, lf_labelcfg_shape shape,
		       const lf_labelcfg_object *obj, json_t *value, size_t i, const json_t *data,
		       char *err, size_t errlen);
static int check_rect(json_t *obj, const char *where, size_t i, char *err, size_t errlen);
static int check_polygon(json_t *value, size_t i, char *err, size_t errlen);
static int check_videorect(json_t *value, size_t i, char *err, size_t errlen);
static int check_timeline(json_t *value, size_t i, char *err, size_t errlen);
static int video_bounds(json_t *value, size_t i, json_int_t *frames, double *duration, char *err,
			size_t errlen);
static int need_number(json_t *obj, const char *where, const char *key, double lo, double hi,
		       bool optional, size_t i, double *out, char *err, size_t errlen);
static int need_int(json_t *obj, const char *where, const char *key, json_int_t lo, size_t i,
		    json_int_t *out, char *err, size_t errlen);
static int need_string_array(json_t *value, const char *key, size_t i, char *err, size_t errlen);

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
	xmlInitParser();
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return LF_ERR_INVALID;
}

/* SAX hook for <!DOCTYPE ...>: a DTD is how entity expansion attacks and
 * external fetches get in, and a label config never needs one, so the parse
 * is stopped the moment one appears. */
static void refuse_dtd(void *ctx, const xmlChar *name, const xmlChar *eid, const xmlChar *sid)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse_state *ps = ctxt->_private;

	ps->dtd = true;
	xmlStopParser(ctxt);
}

/* Structured error hook: keeps the first message, which names the real
 * mistake ("Opening and ending tag mismatch"), where the last one usually
 * reports its fallout ("Premature end of data"). */
static void first_error(void *ctx, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse_state *ps = ctxt->_private;

	if (ps->have_error || e == NULL || e->message == NULL)
		return;
	ps->have_error = true;
	ps->line = e->line;
	snprintf(ps->message, sizeof(ps->message), "%.*s", (int)strcspn(e->message, "\n"),
		 e->message);
}

static size_t count_elements(const xmlNode *node)
{
	size_t n = 0;

	for (const xmlNode *c = node; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE)
			n += 1 + count_elements(c->children);
	}
	return n;
}

static const struct tag_spec *find_spec(const char *tag)
{
	for (size_t i = 0; i < LF_ARRAY_LEN(tag_specs); i++) {
		if (strcasecmp(tag_specs[i].tag, tag) == 0)
			return &tag_specs[i];
	}
	return NULL;
}

static const char *owner_tag(const struct builder *b, int owner)
{
	if (owner == OWNER_RELATIONS)
		return "Relations";
	return b->ctl_specs[owner]->tag;
}

/* Attribute lookup ignoring case, as the frontend does ("toName" and
 * "toname" both appear in Label Studio's own examples). *out is an arena copy,
 * or NULL when the attribute is absent. */
static int get_attr(lf_arena *a, const xmlNode *node, const char *name, const char **out)
{
	int ret = LF_OK;
	xmlChar *v = NULL;

	*out = NULL;
	for (const xmlAttr *p = node->properties; p != NULL; p = p->next) {
		if (strcasecmp((const char *)p->name, name) != 0)
			continue;
		v = xmlNodeListGetString(node->doc, p->children, 1);
		*out = lf_arena_strdup(a, v != NULL ? (const char *)v : "");
		if (*out == NULL)
			ret = LF_ERR_NOMEM;
		break;
	}
	xmlFree(v);
	return ret;
}

static int register_name(struct builder *b, const char *name, const char *tag)
{
	size_t first;
	int ret = lf_strset_add(&b->name_set, name, strlen(name), 0, b->name_count, &first);

	if (ret == LF_ERR_CONFLICT)
		return fail(b->err, b->errlen, "duplicate name \"%s\": used by <%s> and by <%s>",
			    name, b->names[first].tag, tag);
	if (ret != LF_OK)
		return ret;
	b->names[b->name_count].name = name;
	b->names[b->name_count].tag = tag;
	b->name_count++;
	return LF_OK;
}

static int walk_children(struct builder *b, const xmlNode *node, int owner, int parent)
{
	int ret = LF_OK;

	for (const xmlNode *c = node->children; c != NULL && ret == LF_OK; c = c->next) {
		if (c->type == XML_ELEMENT_NODE)
			ret = element(b, c, owner, parent);
	}
	return ret;
}

static int element(struct builder *b, const xmlNode *node, int owner, int parent)
{
	lf_arena *a = b->cfg->arena;
	const struct tag_spec *spec = find_spec((const char *)node->name);
	const char *name = NULL, *value = NULL;
	int ret;

	if (spec == NULL)
		return fail(b->err, b->errlen, "unknown tag <%s>", (const char *)node->name);
	if ((ret = get_attr(a, node, "name", &name)) != LF_OK)
		return ret;
	if ((ret = get_attr(a, node, "value", &value)) != LF_OK)
		return ret;

	switch (spec->kind) {
	case K_LAYOUT:
		if (name != NULL && (ret = register_name(b, name, spec->tag)) != LF_OK)
			return ret;
		return walk_children(b, node, owner, parent);
	case K_OBJECT:
		/* A <Text> without a name showing fixed text is a caption, not
		 * something to label. */
		if (spec->media == LF_LABELCFG_MEDIA_TEXT && name == NULL && value != NULL &&
		    strchr(value, '$') == NULL)
			return walk_children(b, node, owner, parent);
		if (owner != OWNER_NONE)
			return fail(b->err, b->errlen, "<%s> cannot be placed inside <%s>",
				    spec->tag, owner_tag(b, owner));
		if ((ret = add_object(b, node, spec, name, value)) != LF_OK)
			return ret;
		return walk_children(b, node, owner, parent);
	case K_CONTROL: return add_control(b, node, spec, owner);
	case K_LABEL:
	case K_CHOICE:
	case K_RELATION: return add_item(b, node, spec, owner, parent);
	case K_RELATIONS: return add_relations(b, node, owner);
	}
	lf_fatal("labelcfg: tag kind %d", (int)spec->kind);
}

static int add_object(struct builder *b, const xmlNode *node, const struct tag_spec *spec,
		      const char *name, const char *value)
{
	lf_labelcfg *cfg = b->cfg;
	lf_labelcfg_object *o;
	const char *value_type = NULL, *encoding = NULL;
	int ret;

	if (name == NULL || name[0] == '\0')
		return fail(b->err, b->errlen, "<%s> is missing the \"name\" attribute", spec->tag);
	if (value == NULL || value[0] == '\0')
		return fail(b->err, b->errlen,
			    "<%s name=\"%s\"> is missing the \"value\" attribute", spec->tag, name);
	if ((ret = register_name(b, name, spec->tag)) != LF_OK)
		return ret;
	if ((ret = get_attr(cfg->arena, node, "valueType", &value_type)) != LF_OK ||
	    (ret = get_attr(cfg->arena, node, "encoding", &encoding)) != LF_OK)
		return ret;
	o = &cfg->objects[cfg->object_count++];
	o->name = name;
	o->tag = spec->tag;
	o->type = spec->type;
	o->value = value;
	o->media = spec->media;
	o->text_in_value = spec->media == LF_LABELCFG_MEDIA_TEXT &&
			   (value_type == NULL || strcasecmp(value_type, "text") == 0) &&
			   (encoding == NULL || strcasecmp(encoding, "none") == 0) &&
			   (value[0] == '$' ? strchr(value + 1, '$') == NULL && value[1] != '\0'
					    : strchr(value, '$') == NULL);
	return LF_OK;
}

static int add_control(struct builder *b, const xmlNode *node, const struct tag_spec *spec,
		       int owner)
{
	lf_labelcfg *cfg = b->cfg;
	lf_labelcfg_control *c;
	const char *name = NULL, *to_name = NULL;
	size_t start = cfg->label_count;
	int idx, ret;

	if (owner != OWNER_NONE)
		return fail(b->err, b->errlen, "<%s> cannot be placed inside <%s>", spec->tag,
			    owner_tag(b, owner));
	if ((ret = get_attr(cfg->arena, node, "name", &name)) != LF_OK ||
	    (ret = get_attr(cfg->arena, node, "toName", &to_name)) != LF_OK)
		return ret;
	if (name == NULL || name[0] == '\0')
		return fail(b->err, b->errlen, "<%s> is missing the \"name\" attribute", spec->tag);
	if (to_name == NULL || to_name[0] == '\0')
		return fail(b->err, b->errlen,
			    "<%s name=\"%s\"> is missing the \"toName\" attribute", spec->tag,
			    name);
	if ((ret = register_name(b, name, spec->tag)) != LF_OK)
		return ret;

	idx = (int)cfg->control_count++;
	b->ctl_specs[idx] = spec;
	c = &cfg->controls[idx];
	c->name = name;
	c->tag = spec->tag;
	c->type = spec->type;
	c->shape = spec->shape;
	c->labels = cfg->labels + start;
	if ((ret = split_to_names(b, c, to_name)) != LF_OK)
		return ret;
	if ((ret = control_attrs(b, node, c)) != LF_OK)
		return ret;
	if ((ret = walk_children(b, node, idx, -1)) != LF_OK)
		return ret;
	c->label_count = cfg->label_count - start;

	if (spec->child != C_NONE && c->label_count == 0)
		return fail(b->err, b->errlen, "<%s name=\"%s\"> has no <%s> children", spec->tag,
			    name, spec->child == C_LABEL ? "Label" : "Choice");
	return check_duplicates(b, c->labels, c->label_count, c->tag, c->name);
}

/* Reads the attributes that change what a valid result looks like. */
static int control_attrs(struct builder *b, const xmlNode *node, lf_labelcfg_control *c)
{
	lf_arena *a = b->cfg->arena;
	const char *choice = NULL, *max_rating = NULL, *min = NULL, *max = NULL;
	char *end;
	long r;
	int ret;

	if ((ret = get_attr(a, node, "choice", &choice)) != LF_OK ||
	    (ret = get_attr(a, node, "maxRating", &max_rating)) != LF_OK ||
	    (ret = get_attr(a, node, "min", &min)) != LF_OK ||
	    (ret = get_attr(a, node, "max", &max)) != LF_OK)
		return ret;
	c->multiple = choice != NULL && strcasecmp(choice, "multiple") == 0;

	if (c->shape == LF_LABELCFG_SHAPE_RATING) {
		c->max_rating = 5;
		if (max_rating != NULL) {
			r = strtol(max_rating, &end, 10);
			if (end == max_rating || *end != '\0' || r < 1 || r > MAX_RATING_LIMIT)
				return fail(b->err, b->errlen,
					    "<Rating name=\"%s\">: maxRating must be an integer "
					    "between 1 and %d",
					    c->name, MAX_RATING_LIMIT);
			c->max_rating = (int)r;
		}
	}
	if (c->shape == LF_LABELCFG_SHAPE_NUMBER) {
		if (min != NULL) {
			c->min = strtod(min, &end);
			if (end == min || *end != '\0' || !isfinite(c->min))
				return fail(b->err, b->errlen,
					    "<Number name=\"%s\">: min must be a number", c->name);
			c->has_min = true;
		}
		if (max != NULL) {
			c->max = strtod(max, &end);
			if (end == max || *end != '\0' || !isfinite(c->max))
				return fail(b->err, b->errlen,
					    "<Number name=\"%s\">: max must be a number", c->name);
			c->has_max = true;
		}
		if (c->has_min && c->has_max && c->min > c->max)
			return fail(b->err, b->errlen, "<Number name=\"%s\">: min is above max",
				    c->name);
	}
	return LF_OK;
}

/* toName may list several objects ("img1,img2"); spaces around commas are
 * tolerated as the frontend tolerates them. */
static int split_to_names(struct builder *b, lf_labelcfg_control *c, const char *to_name)
{
	lf_arena *a = b->cfg->arena;
	const char **names;
	size_t n = 1, k = 0;
	const char *p = to_name;

	for (const char *q = to_name; *q != '\0'; q++)
		n += *q == ',';
	names = lf_arena_alloc(a, n * sizeof(*names));
	if (names == NULL)
		return LF_ERR_NOMEM;
	while (k < n) {
		const char *e = strchr(p, ',');
		size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
		while (len > 0 && *p == ' ') {
			p++;
			len--;
		}
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == 0)
			return fail(b->err, b->errlen,
				    "<%s name=\"%s\">: toName \"%s\" contains an empty name",
				    c->tag, c->name, to_name);
		names[k] = lf_arena_strndup(a, p, len);
		if (names[k] == NULL)
			return LF_ERR_NOMEM;
		k++;
		p = e != NULL ? e + 1 : p + len;
	}
	c->to_names = names;
	c->to_name_count = n;
	return LF_OK;
}

/* <Label>, <Choice> and <Relation>. Items go to the shared pool, so the items
 * of one control are contiguous (controls cannot nest). parent is relative to
 * the owning control's first item. */
static int add_item(struct builder *b, const xmlNode *node, const struct tag_spec *spec, int owner,
		    int parent)
{
	lf_labelcfg *cfg = b->cfg;
	lf_labelcfg_label *l;
	const char *value = NULL, *where;
	const struct tag_spec *os = owner >= 0 ? b->ctl_specs[owner] : NULL;
	int ret, rel, next_parent;

	if (spec->kind == K_RELATION && owner != OWNER_RELATIONS)
		return fail(b->err, b->errlen, "<Relation> must be inside <Relations>");
	if (spec->kind == K_LABEL && (os == NULL || os->child != C_LABEL))
		return fail(b->err, b->errlen,
			    "<Label> must be inside a labels control such as <Labels> or "
			    "<RectangleLabels>");
	if (spec->kind == K_CHOICE && (os == NULL || os->child != C_CHOICE))
		return fail(b->err, b->errlen, "<Choice> must be inside <Choices> or <Taxonomy>");
	where = owner >= 0 ? cfg->controls[owner].name : "Relations";
	if (parent == ITEM_LEAF)
		return fail(b->err, b->errlen, "<%s> cannot be nested in another <%s> in \"%s\"",
			    spec->tag, spec->tag, where);
	if ((ret = get_attr(cfg->arena, node, "value", &value)) != LF_OK)
		return ret;
	if (value == NULL || value[0] == '\0')
		return fail(b->err, b->errlen,
			    "a <%s> in \"%s\" is missing the \"value\" attribute", spec->tag,
			    where);
	if (cfg->label_count == LF_LABELCFG_MAX_LABELS)
		return fail(b->err, b->errlen,
			    "the label config defines more than %d labels (Label, Choice and "
			    "Relation tags together), the limit",
			    LF_LABELCFG_MAX_LABELS);

	l = &cfg->labels[cfg->label_count];
	rel = owner >= 0 ? (int)(l - cfg->controls[owner].labels) : 0;
	cfg->label_count++;
	l->value = value;
	l->parent = parent;
	if ((ret = get_attr(cfg->arena, node, "background", &l->background)) != LF_OK ||
	    (ret = get_attr(cfg->arena, node, "hotkey", &l->hotkey)) != LF_OK ||
	    (ret = get_attr(cfg->arena, node, "alias", &l->alias)) != LF_OK)
		return ret;
	next_parent = os != NULL && os->shape == LF_LABELCFG_SHAPE_TAXONOMY ? rel : ITEM_LEAF;
	return walk_children(b, node, owner, next_parent);
}

static int add_relations(struct builder *b, const xmlNode *node, int owner)
{
	lf_labelcfg *cfg = b->cfg;
	size_t start = cfg->label_count;
	int ret;

	if (owner != OWNER_NONE)
		return fail(b->err, b->errlen, "<Relations> cannot be placed inside <%s>",
			    owner_tag(b, owner));
	if (cfg->has_relations)
		return fail(b->err, b->errlen, "only one <Relations> tag is allowed");
	cfg->has_relations = true;
	if ((ret = walk_children(b, node, OWNER_RELATIONS, -1)) != LF_OK)
		return ret;
	cfg->relation_count = cfg->label_count - start;
	cfg->relations = cfg->relation_count > 0 ? cfg->labels + start : NULL;
	return check_duplicates(b, cfg->relations, cfg->relation_count, "Relations", NULL);
}

/* Two items with the same value under the same parent would be
 * indistinguishable in a result, so one of them could never be chosen. The
 * parent is the set's namespace; a hash set keeps this linear (comparing
 * every pair took seconds on 45,000 labels). */
static int check_duplicates(struct builder *b, const lf_labelcfg_label *items, size_t n,
			    const char *tag, const char *name)
{
	lf_strset seen;
	int ret = lf_strset_init(&seen, n);

	for (size_t i = 0; i < n && ret == LF_OK; i++) {
		ret = lf_strset_add(&seen, items[i].value, strlen(items[i].value), items[i].parent,
				    i, NULL);
		if (ret == LF_ERR_CONFLICT)
			ret = fail(b->err, b->errlen, "<%s%s%s%s> defines the value \"%s\" twice",
				   tag, name != NULL ? " name=\"" : "", name != NULL ? name : "",
				   name != NULL ? "\"" : "", items[i].value);
	}
	lf_strset_free(&seen);
	return ret;
}

/* Runs after the walk because a control may come before its object. */
static int resolve_to_names(struct builder *b)
{
	const lf_labelcfg *cfg = b->cfg;

	for (size_t i = 0; i < cfg->control_count; i++) {
		const lf_labelcfg_control *c = &cfg->controls[i];
		for (size_t k = 0; k < c->to_name_count; k++) {
			if (lf_labelcfg_find_object(cfg, c->to_names[k]) == NULL)
				return fail(b->err, b->errlen,
					    "<%s name=\"%s\">: toName \"%s\" does not name an "
					    "object tag (Text, Image, Audio, Video, ...)",
					    c->tag, c->name, c->to_names[k]);
		}
	}
	return LF_OK;
}

int lf_labelcfg_parse(const char *xml, size_t len, lf_labelcfg **out, char *err, size_t errlen)
{
	int ret = LF_ERR_INVALID;
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	xmlNodePtr root;
	lf_arena *arena = NULL;
	lf_labelcfg *cfg = NULL;
	struct builder b = {.err = err, .errlen = errlen};
	struct parse_state ps = {0};
	size_t n;

	*out = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (xml == NULL || len == 0) {
		ret = fail(err, errlen, "the label config is empty");
		goto cleanup;
	}
	if (len > LF_LABELCFG_MAX_BYTES) {
		fail(err, errlen, "the label config is larger than %d bytes",
		     LF_LABELCFG_MAX_BYTES);
		ret = LF_ERR_LIMIT;
		goto cleanup;
	}

	pthread_once(&xml_once, xml_init);
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL) {
		ret = LF_ERR_NOMEM;
		goto cleanup;
	}
	ctxt->_private = &ps;
	ctxt->sax->internalSubset = refuse_dtd;
	ctxt->sax->serror = first_error;
	/* No XML_PARSE_NOENT (entities stay unexpanded), no DTDLOAD, no network;
	 * errors are reported through err, never printed. */
	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (ps.dtd) {
		ret = fail(err, errlen, "the label config must not contain a DTD (<!DOCTYPE>)");
		goto cleanup;
	}
	if (doc == NULL || !ctxt->wellFormed) {
		if (ps.have_error)
			ret = fail(err, errlen,
				   "the label config is not well-formed XML (line %d: %s)", ps.line,
				   ps.message);
		else
			ret = fail(err, errlen, "the label config is not well-formed XML");
		goto cleanup;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || strcasecmp((const char *)root->name, "View") != 0) {
		ret = fail(err, errlen, "the root tag must be <View>, not <%s>",
			   root != NULL ? (const char *)root->name : "");
		goto cleanup;
	}

	ret = LF_ERR_NOMEM;
	arena = lf_arena_create();
	if (arena == NULL)
		goto cleanup;
	n = count_elements(root);
	cfg = lf_arena_calloc(arena, sizeof(*cfg));
	if (cfg == NULL)
		goto cleanup;
	cfg->arena = arena;
	cfg->controls = lf_arena_calloc(arena, n * sizeof(*cfg->controls));
	cfg->objects = lf_arena_calloc(arena, n * sizeof(*cfg->objects));
	cfg->labels = lf_arena_calloc(arena, n * sizeof(*cfg->labels));
	b.cfg = cfg;
	b.ctl_specs = lf_arena_calloc(arena, n * sizeof(*b.ctl_specs));
	b.names = lf_arena_calloc(arena, n * sizeof(*b.names));
	if (!cfg->controls || !cfg->objects || !cfg->labels || !b.ctl_specs || !b.names)
		goto cleanup;
	if ((ret = lf_strset_init(&b.name_set, n)) != LF_OK)
		goto cleanup;

	if ((ret = element(&b, root, OWNER_NONE, -1)) != LF_OK)
		goto cleanup;
	if ((ret = resolve_to_names(&b)) != LF_OK)
		goto cleanup;
	if (cfg->control_count == 0) {
		ret = fail(err, errlen,
			   "the label config has no control tag (Labels, Choices, "
			   "RectangleLabels, TextArea, ...)");
		goto cleanup;
	}
	*out = cfg;
	arena = NULL;
	ret = LF_OK;

cleanup:
	lf_strset_free(&b.name_set);
	lf_arena_destroy(arena);
	if (doc != NULL)
		xmlFreeDoc(doc);
	if (ctxt != NULL)
		xmlFreeParserCtxt(ctxt);
	return ret;
}

void lf_labelcfg_free(lf_labelcfg *cfg)
{
	if (cfg != NULL)
		lf_arena_destroy(cfg->arena);
}

size_t lf_labelcfg_control_count(const lf_labelcfg *cfg)
{
	return cfg->control_count;
}

const lf_labelcfg_control *lf_labelcfg_control_at(const lf_labelcfg *cfg, size_t i)
{
	return i < cfg->control_count ? &cfg->controls[i] : NULL;
}

const lf_labelcfg_control *lf_labelcfg_find_control(const lf_labelcfg *cfg, const char *name)
{
	for (size_t i = 0; name != NULL && i < cfg->control_count; i++) {
		if (strcmp(cfg->controls[i].name, name) == 0)
			return &cfg->controls[i];
	}
	return NULL;
}

size_t lf_labelcfg_object_count(const lf_labelcfg *cfg)
{
	return cfg->object_count;
}

const lf_labelcfg_object *lf_labelcfg_object_at(const lf_labelcfg *cfg, size_t i)
{
	return i < cfg->object_count ? &cfg->objects[i] : NULL;
}

const lf_labelcfg_object *lf_labelcfg_find_object(const lf_labelcfg *cfg, const char *name)
{
	for (size_t i = 0; name != NULL && i < cfg->object_count; i++) {
		if (strcmp(cfg->objects[i].name, name) == 0)
			return &cfg->objects[i];
	}
	return NULL;
}

bool lf_labelcfg_has_relations(const lf_labelcfg *cfg)
{
	return cfg->has_relations;
}

const lf_labelcfg_label *lf_labelcfg_relation_labels(const lf_labelcfg *cfg, size_t *count)
{
	if (count != NULL)
		*count = cfg->relation_count;
	return cfg->relations;
}

/* {"name","tag","type","to_name":[...],"labels":[...],"multiple"} for one
 * control; NULL when out of memory. */
static json_t *describe_control(const lf_labelcfg_control *c)
{
	json_t *ret = NULL, *to = json_array(), *labels = json_array();

	if (to == NULL || labels == NULL)
		goto cleanup;
	for (size_t k = 0; k < c->to_name_count; k++) {
		if (json_array_append_new(to, json_string(c->to_names[k])) != 0)
			goto cleanup;
	}
	for (size_t k = 0; k < c->label_count; k++) {
		if (json_array_append_new(labels, json_string(c->labels[k].value)) != 0)
			goto cleanup;
	}
	ret = json_pack("{s:s,s:s,s:s,s:O,s:O,s:b}", "name", c->name, "tag", c->tag, "type",
			c->type, "to_name", to, "labels", labels, "multiple", c->multiple);

cleanup:
	json_decref(to);
	json_decref(labels);
	return ret;
}

json_t *lf_labelcfg_describe(const lf_labelcfg *cfg)
{
	json_t *ret = NULL, *root, *controls, *objects, *relations;

	root = json_pack("{s:[],s:[]}", "controls", "objects");
	if (root == NULL)
		goto cleanup;
	controls = json_object_get(root, "controls");
	objects = json_object_get(root, "objects");
	for (size_t i = 0; i < cfg->control_count; i++) {
		if (json_array_append_new(controls, describe_control(&cfg->controls[i])) != 0)
			goto cleanup;
	}
	for (size_t i = 0; i < cfg->object_count; i++) {
		const lf_labelcfg_object *o = &cfg->objects[i];
		if (json_array_append_new(objects, json_pack("{s:s,s:s,s:s,s:s}", "name", o->name,
							     "tag", o->tag, "type", o->type,
							     "value", o->value)) != 0)
			goto cleanup;
	}
	if (cfg->has_relations) {
		relations = json_array();
		if (json_object_set_new(root, "relations", relations) != 0)
			goto cleanup;
		for (size_t k = 0; k < cfg->relation_count; k++) {
			if (json_array_append_new(relations,
						  json_string(cfg->relations[k].value)) != 0)
				goto cleanup;
		}
	}
	ret = root;
	root = NULL;

cleanup:
	json_decref(root);
	return ret;
}

/* ---- results ------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Region ids, sorted, so relations can be checked in O(n log n) whatever the
 * number of regions. *ids is malloc'ed (caller frees) and borrows the strings
 * from result. */
static int collect_ids(const json_t *result, const char ***ids, size_t *n)
{
	size_t size = json_array_size(result), k = 0;
	const char **v;

	*ids = NULL;
	*n = 0;
	if (size == 0)
		return LF_OK;
	v = malloc(size * sizeof(*v));
	if (v == NULL)
		return LF_ERR_NOMEM;
	for (size_t i = 0; i < size; i++) {
		json_t *id = json_object_get(json_array_get(result, i), "id");
		if (json_is_string(id))
			v[k++] = json_string_value(id);
	}
	qsort(v, k, sizeof(*v), cmp_str);
	*ids = v;
	*n = k;
	return LF_OK;
}

static bool has_id(const char *const *ids, size_t n, const char *id)
{
	return n > 0 && bsearch(&id, ids, n, sizeof(*ids), cmp_str) != NULL;
}

int lf_labelcfg_validate_result(const lf_labelcfg *cfg, const json_t *result, const json_t *data,
				char *err, size_t errlen)
{
	int ret = LF_ERR_INVALID;
	const char **ids = NULL;
	size_t nids = 0;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (!json_is_array(result)) {
		ret = fail(err, errlen, "result must be a JSON array of regions");
		goto cleanup;
	}
	if ((ret = collect_ids(result, &ids, &nids)) != LF_OK)
		goto cleanup;
	for (size_t i = 0; i < json_array_size(result); i++) {
		/* Regions are only read: the result stays untouched. */
		json_t *r = json_array_get(result, i);
		const char *type = json_string_value(json_object_get(r, "type"));
		if (!json_is_object(r)) {
			ret = fail(err, errlen, "result[%zu] must be an object", i);
			goto cleanup;
		}
		if (type == NULL) {
			ret = fail(err, errlen, "result[%zu]: \"type\" is missing or not a string",
				   i);
			goto cleanup;
		}
		if (strcmp(type, "relation") == 0)
			ret = check_relation(cfg, r, i, ids, nids, err, errlen);
		else
			ret = check_region(cfg, r, i, data, err, errlen);
		if (ret != LF_OK)
			goto cleanup;
	}
	ret = LF_OK;

cleanup:
	free(ids);
	return ret;
}

static int check_relation(const lf_labelcfg *cfg, json_t *r, size_t i, const char *const *ids,
			  size_t nids, char *err, size_t errlen)
{
	static const char *const ends[] = {"from_id", "to_id"};
	json_t *dir = json_object_get(r, "direction"), *labels = json_object_get(r, "labels");

	if (!cfg->has_relations)
		return fail(err, errlen,
			    "result[%zu]: relations are not enabled in the label config (no "
			    "<Relations>)",
			    i);
	for (size_t k = 0; k < LF_ARRAY_LEN(ends); k++) {
		const char *id = json_string_value(json_object_get(r, ends[k]));
		if (id == NULL)
			return fail(err, errlen, "result[%zu]: \"%s\" is missing or not a string",
				    i, ends[k]);
		if (!has_id(ids, nids, id))
			return fail(err, errlen,
				    "result[%zu]: %s \"%s\" does not match the id of any region", i,
				    ends[k], id);
	}
	if (dir != NULL && (!json_is_string(dir) || (strcmp(json_string_value(dir), "left") != 0 &&
						     strcmp(json_string_value(dir), "right") != 0 &&
						     strcmp(json_string_value(dir), "bi") != 0)))
		return fail(err, errlen,
			    "result[%zu]: direction must be \"left\", \"right\" or \"bi\"", i);
	if (labels == NULL)
		return LF_OK;
	if (!json_is_array(labels))
		return fail(err, errlen, "result[%zu]: labels must be an array of strings", i);
	for (size_t k = 0; k < json_array_size(labels); k++) {
		const char *v = json_string_value(json_array_get(labels, k));
		size_t j = 0;
		if (v == NULL)
			return fail(err, errlen, "result[%zu]: labels must be an array of strings",
				    i);
		while (j < cfg->relation_count && strcmp(cfg->relations[j].value, v) != 0)
			j++;
		if (j == cfg->relation_count)
			return fail(
			    err, errlen,
			    "result[%zu]: relation label \"%s\" is not defined in <Relations>", i,
			    v);
	}
	return LF_OK;
}

static int check_common(json_t *r, size_t i, char *err, size_t errlen)
{
	static const char *const positive[] = {"original_width", "original_height"};
	static const char *const numbers[] = {"image_rotation", "score"};
	json_t *v;

	v = json_object_get(r, "id");
	if (v != NULL && !json_is_string(v))
		return fail(err, errlen, "result[%zu]: id must be a string", i);
	v = json_object_get(r, "origin");
	if (v != NULL && !json_is_string(v))
		return fail(err, errlen, "result[%zu]: origin must be a string", i);
	for (size_t k = 0; k < LF_ARRAY_LEN(positive); k++) {
		v = json_object_get(r, positive[k]);
		if (v != NULL && (!json_is_number(v) || json_number_value(v) <= 0))
			return fail(err, errlen, "result[%zu]: %s must be a positive number", i,
				    positive[k]);
	}
	for (size_t k = 0; k < LF_ARRAY_LEN(numbers); k++) {
		v = json_object_get(r, numbers[k]);
		if (v != NULL && !json_is_number(v))
			return fail(err, errlen, "result[%zu]: %s must be a number", i, numbers[k]);
	}
	return LF_OK;
}

static bool to_name_ok(const lf_labelcfg_control *c, const char *to_name)
{
	for (size_t k = 0; k < c->to_name_count; k++) {
		if (strcmp(c->to_names[k], to_name) == 0)
			return true;
	}
	return false;
}

/* A plain <Labels> on an <Image> paired with a drawing tool yields regions
 * typed after the tool ("rectanglelabels") but named after the Labels. */
static const struct tag_spec *image_labels_spec(const char *type)
{
	for (size_t i = 0; i < LF_ARRAY_LEN(tag_specs); i++) {
		const struct tag_spec *s = &tag_specs[i];
		if (s->kind == K_CONTROL && s->child == C_LABEL &&
		    s->shape != LF_LABELCFG_SHAPE_SPAN && s->shape != LF_LABELCFG_SHAPE_TIMELINE &&
		    strcmp(s->type, type) == 0)
			return s;
	}
	return NULL;
}

static int check_region(const lf_labelcfg *cfg, json_t *r, size_t i, const json_t *data, char *err,
			size_t errlen)
{
	const char *from = json_string_value(json_object_get(r, "from_name"));
	const char *to = json_string_value(json_object_get(r, "to_name"));
	const char *type = json_string_value(json_object_get(r, "type"));
	json_t *value = json_object_get(r, "value");
	const lf_labelcfg_control *c;
	const lf_labelcfg_object *obj;
	const struct tag_spec *alt;
	lf_labelcfg_shape shape;
	int ret;

	if (from == NULL)
		return fail(err, errlen, "result[%zu]: \"from_name\" is missing or not a string",
			    i);
	if (to == NULL)
		return fail(err, errlen, "result[%zu]: \"to_name\" is missing or not a string", i);
	c = lf_labelcfg_find_control(cfg, from);
	if (c == NULL)
		return fail(err, errlen,
			    "result[%zu]: from_name \"%s\" is not a control in the label config", i,
			    from);
	if (!to_name_ok(c, to))
		return fail(err, errlen,
			    "result[%zu]: to_name \"%s\" is not an object of control \"%s\"", i, to,
			    from);
	obj = lf_labelcfg_find_object(cfg, to);
	if (obj == NULL)
		lf_fatal("labelcfg: control %s targets missing object %s", from, to);

	shape = c->shape;
	alt = NULL;
	if (strcmp(type, c->type) != 0) {
		alt = strcmp(c->type, "labels") == 0 && obj->media == LF_LABELCFG_MEDIA_IMAGE
			  ? image_labels_spec(type)
			  : NULL;
		if (alt == NULL)
			return fail(err, errlen,
				    "result[%zu]: type \"%s\" does not match control \"%s\" "
				    "(expected \"%s\")",
				    i, type, from, c->type);
		shape = alt->shape;
	}
	if ((ret = check_common(r, i, err, errlen)) != LF_OK)
		return ret;
	if (!json_is_object(value))
		return fail(err, errlen, "result[%zu]: \"value\" is missing or not an object", i);
	if ((ret = check_shape(c, shape, obj, value, i, data, err, errlen)) != LF_OK)
		return ret;

	if (alt != NULL)
		return check_labels(c, value, type, i, err, errlen);
	if (shape == LF_LABELCFG_SHAPE_CHOICES)
		return check_labels(c, value, "choices", i, err, errlen);
	if (c->label_count > 0 && shape != LF_LABELCFG_SHAPE_TAXONOMY) {
		/* The Label Studio frontend writes HyperTextLabels' labels under
		 * "htmllabels"; its docs say "hypertextlabels". Take either. */
		const char *key = c->type;
		if (strcmp(key, "hypertextlabels") == 0 && json_object_get(value, key) == NULL)
			key = "htmllabels";
		return check_labels(c, value, key, i, err, errlen);
	}
	if (json_object_get(value, "labels") != NULL)
		return check_object_labels(cfg, obj, value, i, err, errlen);
	return LF_OK;
}

static int check_labels(const lf_labelcfg_control *c, json_t *value, const char *key, size_t i,
			char *err, size_t errlen)
{
	json_t *arr = json_object_get(value, key);
	const char *noun = c->shape == LF_LABELCFG_SHAPE_CHOICES ? "choice" : "label";
	size_t n = json_array_size(arr);

	if (!json_is_array(arr))
		return fail(err, errlen, "result[%zu]: value.%s is missing or not an array", i,
			    key);
	if (n == 0)
		return fail(err, errlen, "result[%zu]: value.%s is empty", i, key);
	if (n > 1 && !c->multiple)
		return fail(err, errlen,
			    "result[%zu]: control \"%s\" allows one %s per region (set "
			    "choice=\"multiple\" for more)",
			    i, c->name, noun);
	for (size_t k = 0; k < n; k++) {
		const char *v = json_string_value(json_array_get(arr, k));
		size_t j = 0;
		if (v == NULL)
			return fail(err, errlen, "result[%zu]: value.%s[%zu] is not a string", i,
				    key, k);
		while (j < c->label_count && strcmp(c->labels[j].value, v) != 0)
			j++;
		if (j == c->label_count)
			return fail(err, errlen,
				    "result[%zu]: %s \"%s\" is not defined in control \"%s\"", i,
				    noun, v, c->name);
	}
	return LF_OK;
}

/* Tools without labels of their own (VideoRectangle, Rectangle, ...) carry
 * the labels picked in a <Labels> on the same object. */
static int check_object_labels(const lf_labelcfg *cfg, const lf_labelcfg_object *obj, json_t *value,
			       size_t i, char *err, size_t errlen)
{
	json_t *arr = json_object_get(value, "labels");

	if (!json_is_array(arr))
		return fail(err, errlen, "result[%zu]: value.labels must be an array", i);
	for (size_t k = 0; k < json_array_size(arr); k++) {
		const char *v = json_string_value(json_array_get(arr, k));
		bool found = false;
		if (v == NULL)
			return fail(err, errlen, "result[%zu]: value.labels[%zu] is not a string",
				    i, k);
		for (size_t ci = 0; ci < cfg->control_count && !found; ci++) {
			const lf_labelcfg_control *c = &cfg->controls[ci];
			if (c->shape == LF_LABELCFG_SHAPE_CHOICES ||
			    c->shape == LF_LABELCFG_SHAPE_TAXONOMY || !to_name_ok(c, obj->name))
				continue;
			for (size_t j = 0; j < c->label_count && !found; j++)
				found = strcmp(c->labels[j].value, v) == 0;
		}
		if (!found)
			return fail(err, errlen,
				    "result[%zu]: label \"%s\" is not defined for object \"%s\"", i,
				    v, obj->name);
	}
	return LF_OK;
}

/* Each entry of value.taxonomy is a path from a top-level <Choice> down the
 * tree; every step must be a child of the previous one. */
static int check_taxonomy(const lf_labelcfg_control *c, json_t *value, size_t i, char *err,
			  size_t errlen)
{
	json_t *paths = json_object_get(value, "taxonomy");
	size_t n = json_array_size(paths);

	if (!json_is_array(paths) || n == 0)
		return fail(err, errlen, "result[%zu]: value.taxonomy must be a non-empty array",
			    i);
	if (n > 1 && !c->multiple)
		return fail(err, errlen, "result[%zu]: control \"%s\" allows one choice", i,
			    c->name);
	for (size_t k = 0; k < n; k++) {
		json_t *path = json_array_get(paths, k);
		int parent = -1;
		if (!json_is_array(path) || json_array_size(path) == 0)
			return fail(err, errlen,
				    "result[%zu]: value.taxonomy[%zu] must be a non-empty array of "
				    "strings",
				    i, k);
		for (size_t s = 0; s < json_array_size(path); s++) {
			const char *v = json_string_value(json_array_get(path, s));
			size_t j = 0;
			if (v == NULL)
				return fail(err, errlen,
					    "result[%zu]: value.taxonomy[%zu][%zu] is not a string",
					    i, k, s);
			while (j < c->label_count && (c->labels[j].parent != parent ||
						      strcmp(c->labels[j].value, v) != 0))
				j++;
			if (j == c->label_count)
				return fail(err, errlen,
					    "result[%zu]: choice \"%s\" is not defined %s%s%s in "
					    "control \"%s\"",
					    i, v, parent < 0 ? "at the top level" : "under \"",
					    parent < 0 ? "" : c->labels[parent].value,
					    parent < 0 ? "" : "\"", c->name);
			parent = (int)j;
		}
	}
	return LF_OK;
}

/*
 * Text spans are [start, end) offsets counted in Unicode code points, as
 * Label Studio stores them: its frontend (1.4, the one web/ embeds) turns
 * the browser's UTF-16 offsets into code points (charsToCodePoints), and
 * conll.c reads them the same way. They are checked against the length of
 * the object's text when the task data holds it. value.text is not compared
 * with the text: the frontend takes it from the rendered selection, which
 * collapses whitespace, so it legitimately differs (Label Studio issue
 * #3078); the offsets are what exporters use.
 */
static int check_span(const lf_labelcfg_object *obj, json_t *value, size_t i, const json_t *data,
		      char *err, size_t errlen)
{
	json_int_t si, ei;
	double sd, ed;
	json_t *text = json_object_get(value, "text");
	const char *content;
	size_t len;
	int ret;

	if (text != NULL && !json_is_string(text))
		return fail(err, errlen, "result[%zu]: value.text must be a string", i);
	switch (obj->media) {
	case LF_LABELCFG_MEDIA_TEXT:
		if ((ret = need_int(value, "value", "start", 0, i, &si, err, errlen)) != LF_OK ||
		    (ret = need_int(value, "value", "end", 0, i, &ei, err, errlen)) != LF_OK)
			return ret;
		if (si > ei)
			return fail(err, errlen, "result[%zu]: value.start is after value.end", i);
		content = object_text(obj, data);
		if (content == NULL)
			return LF_OK;
		len = code_points(content);
		if ((json_int_t)len < ei)
			return fail(err, errlen,
				    "result[%zu]: value.end %" JSON_INTEGER_FORMAT
				    " is past the end of the text of \"%s\" (%zu characters)",
				    i, ei, obj->name, len);
		return LF_OK;
	case LF_LABELCFG_MEDIA_HYPERTEXT:
		if (!json_is_string(json_object_get(value, "start")) ||
		    !json_is_string(json_object_get(value, "end")))
			return fail(err, errlen,
				    "result[%zu]: value.start and value.end must be xpath strings",
				    i);
		if ((ret = need_int(value, "value", "startOffset", 0, i, &si, err, errlen)) !=
			LF_OK ||
		    (ret = need_int(value, "value", "endOffset", 0, i, &ei, err, errlen)) != LF_OK)
			return ret;
		return LF_OK;
	case LF_LABELCFG_MEDIA_PARAGRAPHS: return check_paragraph_span(value, i, err, errlen);
	case LF_LABELCFG_MEDIA_AUDIO:
	case LF_LABELCFG_MEDIA_VIDEO:
	case LF_LABELCFG_MEDIA_TIMESERIES:
		/* Audio and video spans are seconds from the start; time series
		 * spans are positions on the series' own axis, negative allowed. */
		sd = obj->media == LF_LABELCFG_MEDIA_TIMESERIES ? -HUGE_VAL : 0;
		if ((ret = need_number(value, "value", "start", sd, HUGE_VAL, false, i, &sd, err,
				       errlen)) != LF_OK)
			return ret;
		ed = obj->media == LF_LABELCFG_MEDIA_TIMESERIES ? -HUGE_VAL : 0;
		if ((ret = need_number(value, "value", "end", ed, HUGE_VAL, false, i, &ed, err,
				       errlen)) != LF_OK)
			return ret;
		if (sd > ed)
			return fail(err, errlen, "result[%zu]: value.start is after value.end", i);
		return LF_OK;
	case LF_LABELCFG_MEDIA_IMAGE: break;
	}
	return fail(err, errlen, "result[%zu]: spans cannot be placed on <%s name=\"%s\">", i,
		    obj->tag, obj->name);
}

/* The text a Text object shows for this task: its "$variable" looked up at
 * the top of the task data, or its literal value. NULL when that is not
 * known here: no data, a variable the data lacks (tasks of several items),
 * or text the frontend fetches or decodes (valueType="url", encoding). */
static const char *object_text(const lf_labelcfg_object *obj, const json_t *data)
{
	if (!obj->text_in_value)
		return NULL;
	if (obj->value[0] != '$')
		return obj->value;
	return json_string_value(json_object_get(data, obj->value + 1));
}

/* The number of code points of a valid UTF-8 string: its bytes that do not
 * continue a sequence. */
static size_t code_points(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* Paragraph spans name paragraphs by index, which the frontend writes as a
 * string ("0") and older versions as a number. */
static int check_paragraph_span(json_t *value, size_t i, char *err, size_t errlen)
{
	static const char *const keys[] = {"start", "end"};
	long long idx[2];
	json_int_t so, eo;
	int ret;

	for (size_t k = 0; k < 2; k++) {
		json_t *v = json_object_get(value, keys[k]);
		char *end;
		if (json_is_integer(v)) {
			idx[k] = json_integer_value(v);
		} else if (json_is_string(v) && json_string_value(v)[0] != '\0') {
			idx[k] = strtoll(json_string_value(v), &end, 10);
			if (*end != '\0')
				idx[k] = -1;
		} else {
			idx[k] = -1;
		}
		if (idx[k] < 0)
			return fail(err, errlen,
				    "result[%zu]: value.%s must be a paragraph index >= 0", i,
				    keys[k]);
	}
	if ((ret = need_int(value, "value", "startOffset", 0, i, &so, err, errlen)) != LF_OK ||
	    (ret = need_int(value, "value", "endOffset", 0, i, &eo, err, errlen)) != LF_OK)
		return ret;
	if (idx[0] > idx[1] || (idx[0] == idx[1] && so > eo))
		return fail(err, errlen, "result[%zu]: value.start is after value.end", i);
	return LF_OK;
}

static int check_shape(const lf_labelcfg_control *c, lf_labelcfg_shape shape,
		       const lf_labelcfg_object *obj, json_t *value, size_t i, const json_t *data,
		       char *err, size_t errlen)
{
	json_t *v;
	json_int_t rating;
	double d;
	int ret;

	switch (shape) {
	case LF_LABELCFG_SHAPE_SPAN: return check_span(obj, value, i, data, err, errlen);
	case LF_LABELCFG_SHAPE_RECT: return check_rect(value, "value", i, err, errlen);
	case LF_LABELCFG_SHAPE_POLYGON: return check_polygon(value, i, err, errlen);
	case LF_LABELCFG_SHAPE_KEYPOINT:
		if ((ret = need_number(value, "value", "x", 0, 100, false, i, &d, err, errlen)) !=
			LF_OK ||
		    (ret = need_number(value, "value", "y", 0, 100, false, i, &d, err, errlen)) !=
			LF_OK)
			return ret;
		return need_number(value, "value", "width", 0, 100, true, i, &d, err, errlen);
	case LF_LABELCFG_SHAPE_ELLIPSE:
		if ((ret = need_number(value, "value", "x", 0, 100, false, i, &d, err, errlen)) !=
			LF_OK ||
		    (ret = need_number(value, "value", "y", 0, 100, false, i, &d, err, errlen)) !=
			LF_OK ||
		    (ret = need_number(value, "value", "radiusX", 0, HUGE_VAL, false, i, &d, err,
				       errlen)) != LF_OK ||
		    (ret = need_number(value, "value", "radiusY", 0, HUGE_VAL, false, i, &d, err,
				       errlen)) != LF_OK)
			return ret;
		return need_number(value, "value", "rotation", -HUGE_VAL, HUGE_VAL, true, i, &d,
				   err, errlen);
	case LF_LABELCFG_SHAPE_BRUSH:
		v = json_object_get(value, "format");
		if (!json_is_string(v))
			return fail(err, errlen, "result[%zu]: value.format must be a string", i);
		v = json_object_get(value, "rle");
		if (strcmp(json_string_value(json_object_get(value, "format")), "rle") == 0 &&
		    (!json_is_array(v) || json_array_size(v) == 0))
			return fail(err, errlen,
				    "result[%zu]: value.rle must be a non-empty array of integers",
				    i);
		for (size_t k = 0; k < json_array_size(v); k++) {
			if (!json_is_integer(json_array_get(v, k)))
				return fail(err, errlen,
					    "result[%zu]: value.rle[%zu] is not an integer", i, k);
		}
		return LF_OK;
	case LF_LABELCFG_SHAPE_VIDEORECT: return check_videorect(value, i, err, errlen);
	case LF_LABELCFG_SHAPE_TIMELINE: return check_timeline(value, i, err, errlen);
	case LF_LABELCFG_SHAPE_CHOICES:
		return LF_OK; /* the caller checks value.choices against the control */
	case LF_LABELCFG_SHAPE_TAXONOMY: return check_taxonomy(c, value, i, err, errlen);
	case LF_LABELCFG_SHAPE_TEXTAREA: return need_string_array(value, "text", i, err, errlen);
	case LF_LABELCFG_SHAPE_RATING:
		if ((ret = need_int(value, "value", "rating", 1, i, &rating, err, errlen)) != LF_OK)
			return ret;
		if (rating > c->max_rating)
			return fail(err, errlen,
				    "result[%zu]: value.rating must be between 1 and %d", i,
				    c->max_rating);
		return LF_OK;
	case LF_LABELCFG_SHAPE_NUMBER:
		return need_number(value, "value", "number", c->has_min ? c->min : -HUGE_VAL,
				   c->has_max ? c->max : HUGE_VAL, false, i, &d, err, errlen);
	case LF_LABELCFG_SHAPE_DATETIME:
		v = json_object_get(value, "datetime");
		if (!json_is_string(v) || json_string_length(v) == 0)
			return fail(err, errlen,
				    "result[%zu]: value.datetime must be a non-empty string", i);
		return LF_OK;
	}
	lf_fatal("labelcfg: shape %d", (int)shape);
}

/* x, y, width and height in percent of the image (or video frame), the
 * box inside it. A rotated box turns about its (x, y) corner, so its
 * unrotated extent may pass the edge while the drawn box does not; the
 * frontend keeps rotated boxes inside the image itself, so only unrotated
 * ones are held to x + width <= 100 and y + height <= 100. */
static int check_rect(json_t *obj, const char *where, size_t i, char *err, size_t errlen)
{
	static const char *const keys[] = {"x", "y", "width", "height"};
	double d[4];
	double rotation = 0;
	int ret;

	for (size_t k = 0; k < LF_ARRAY_LEN(keys); k++) {
		if ((ret = need_number(obj, where, keys[k], 0, 100, false, i, &d[k], err,
				       errlen)) != LF_OK)
			return ret;
	}
	if ((ret = need_number(obj, where, "rotation", -HUGE_VAL, HUGE_VAL, true, i, &rotation, err,
			       errlen)) != LF_OK)
		return ret;
	if (rotation != 0)
		return LF_OK;
	if (d[0] + d[2] > 100 + PCT_EPS)
		return fail(err, errlen,
			    "result[%zu]: %s.x + %s.width is %g, past the right edge (100)", i,
			    where, where, d[0] + d[2]);
	if (d[1] + d[3] > 100 + PCT_EPS)
		return fail(err, errlen,
			    "result[%zu]: %s.y + %s.height is %g, past the bottom edge (100)", i,
			    where, where, d[1] + d[3]);
	return LF_OK;
}

static int check_polygon(json_t *value, size_t i, char *err, size_t errlen)
{
	json_t *points = json_object_get(value, "points"), *closed;
	size_t n = json_array_size(points);

	if (!json_is_array(points) || n < 3)
		return fail(
		    err, errlen,
		    "result[%zu]: value.points must be an array of at least 3 [x, y] points", i);
	for (size_t k = 0; k < n; k++) {
		json_t *p = json_array_get(points, k);
		json_t *x = json_array_get(p, 0), *y = json_array_get(p, 1);
		if (!json_is_array(p) || json_array_size(p) != 2 || !json_is_number(x) ||
		    !json_is_number(y) || json_number_value(x) < -PCT_EPS ||
		    json_number_value(x) > 100 + PCT_EPS || json_number_value(y) < -PCT_EPS ||
		    json_number_value(y) > 100 + PCT_EPS)
			return fail(
			    err, errlen,
			    "result[%zu]: value.points[%zu] must be [x, y] with both between "
			    "0 and 100",
			    i, k);
	}
	closed = json_object_get(value, "closed");
	if (closed != NULL && !json_is_boolean(closed))
		return fail(err, errlen, "result[%zu]: value.closed must be a boolean", i);
	return LF_OK;
}

/* The frontend records the video's length in its regions (framesCount,
 * duration in seconds); when a region carries them, its frames and times
 * must lie within. *frames and *duration are left alone when absent. */
static int video_bounds(json_t *value, size_t i, json_int_t *frames, double *duration, char *err,
			size_t errlen)
{
	int ret = LF_OK;

	if (json_object_get(value, "framesCount") != NULL)
		ret = need_int(value, "value", "framesCount", 0, i, frames, err, errlen);
	if (ret == LF_OK)
		ret = need_number(value, "value", "duration", 0, HUGE_VAL, true, i, duration, err,
				  errlen);
	return ret;
}

/* Object tracking: keyframes with a frame number and a box each. */
static int check_videorect(json_t *value, size_t i, char *err, size_t errlen)
{
	json_t *seq = json_object_get(value, "sequence");
	size_t n = json_array_size(seq);
	json_int_t frame, frames = LLONG_MAX;
	double time = 0, duration = HUGE_VAL;
	char where[48];
	int ret;

	if ((ret = video_bounds(value, i, &frames, &duration, err, errlen)) != LF_OK)
		return ret;
	if (!json_is_array(seq) || n == 0)
		return fail(err, errlen, "result[%zu]: value.sequence must be a non-empty array",
			    i);
	for (size_t k = 0; k < n; k++) {
		json_t *kf = json_array_get(seq, k), *enabled;
		snprintf(where, sizeof(where), "value.sequence[%zu]", k);
		if (!json_is_object(kf))
			return fail(err, errlen, "result[%zu]: %s must be an object", i, where);
		if ((ret = need_int(kf, where, "frame", 0, i, &frame, err, errlen)) != LF_OK ||
		    (ret = check_rect(kf, where, i, err, errlen)) != LF_OK ||
		    (ret = need_number(kf, where, "time", 0, HUGE_VAL, true, i, &time, err,
				       errlen)) != LF_OK)
			return ret;
		if (frame > frames)
			return fail(err, errlen,
				    "result[%zu]: %s.frame %" JSON_INTEGER_FORMAT
				    " is past the last frame (framesCount %" JSON_INTEGER_FORMAT
				    ")",
				    i, where, frame, frames);
		if (time > duration)
			return fail(err, errlen,
				    "result[%zu]: %s.time %g is past the end of the video "
				    "(duration %g)",
				    i, where, time, duration);
		enabled = json_object_get(kf, "enabled");
		if (enabled != NULL && !json_is_boolean(enabled))
			return fail(err, errlen, "result[%zu]: %s.enabled must be a boolean", i,
				    where);
	}
	return LF_OK;
}

/* Video segments: frame ranges, inclusive. */
static int check_timeline(json_t *value, size_t i, char *err, size_t errlen)
{
	json_t *ranges = json_object_get(value, "ranges");
	size_t n = json_array_size(ranges);
	json_int_t s, e, frames = LLONG_MAX;
	double duration = HUGE_VAL;
	char where[48];
	int ret;

	if ((ret = video_bounds(value, i, &frames, &duration, err, errlen)) != LF_OK)
		return ret;
	if (!json_is_array(ranges) || n == 0)
		return fail(err, errlen, "result[%zu]: value.ranges must be a non-empty array", i);
	for (size_t k = 0; k < n; k++) {
		json_t *rg = json_array_get(ranges, k);
		snprintf(where, sizeof(where), "value.ranges[%zu]", k);
		if (!json_is_object(rg))
			return fail(err, errlen, "result[%zu]: %s must be an object", i, where);
		if ((ret = need_int(rg, where, "start", 0, i, &s, err, errlen)) != LF_OK ||
		    (ret = need_int(rg, where, "end", 0, i, &e, err, errlen)) != LF_OK)
			return ret;
		if (s > e)
			return fail(err, errlen, "result[%zu]: %s.start is after %s.end", i, where,
				    where);
		if (e > frames)
			return fail(err, errlen,
				    "result[%zu]: %s.end %" JSON_INTEGER_FORMAT
				    " is past the last frame (framesCount %" JSON_INTEGER_FORMAT
				    ")",
				    i, where, e, frames);
	}
	return LF_OK;
}

/* Reads obj[key] as a number within [lo, hi] (percent bounds get PCT_EPS of
 * slack). A missing key is an error unless optional, in which case *out is
 * left alone. where names obj in the message ("value",
 * "value.sequence[3]"). */
static int need_number(json_t *obj, const char *where, const char *key, double lo, double hi,
		       bool optional, size_t i, double *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);
	double d, eps = hi == 100 ? PCT_EPS : 0;

	if (v == NULL && optional)
		return LF_OK;
	if (v == NULL)
		return fail(err, errlen, "result[%zu]: %s.%s is missing", i, where, key);
	d = json_number_value(v);
	if (!json_is_number(v) || d < lo - eps || d > hi + eps) {
		if (lo == -HUGE_VAL && hi == HUGE_VAL)
			return fail(err, errlen, "result[%zu]: %s.%s must be a number", i, where,
				    key);
		if (hi == HUGE_VAL)
			return fail(err, errlen, "result[%zu]: %s.%s must be a number >= %g", i,
				    where, key, lo);
		if (lo == -HUGE_VAL)
			return fail(err, errlen, "result[%zu]: %s.%s must be a number <= %g", i,
				    where, key, hi);
		return fail(err, errlen, "result[%zu]: %s.%s must be a number between %g and %g", i,
			    where, key, lo, hi);
	}
	*out = d;
	return LF_OK;
}

static int need_int(json_t *obj, const char *where, const char *key, json_int_t lo, size_t i,
		    json_int_t *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return fail(err, errlen, "result[%zu]: %s.%s is missing", i, where, key);
	if (!json_is_integer(v) || json_integer_value(v) < lo)
		return fail(err, errlen,
			    "result[%zu]: %s.%s must be an integer >= %" JSON_INTEGER_FORMAT, i,
			    where, key, lo);
	*out = json_integer_value(v);
	return LF_OK;
}

static int need_string_array(json_t *value, const char *key, size_t i, char *err, size_t errlen)
{
	json_t *arr = json_object_get(value, key);

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return fail(err, errlen,
			    "result[%zu]: value.%s must be a non-empty array of strings", i, key);
	for (size_t k = 0; k < json_array_size(arr); k++) {
		if (!json_is_string(json_array_get(arr, k)))
			return fail(err, errlen, "result[%zu]: value.%s[%zu] is not a string", i,
				    key, k);
	}
	return LF_OK;
}
