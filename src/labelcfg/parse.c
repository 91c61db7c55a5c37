/*
 * parse.c - Label Studio label configs: XML in, an lf_labelcfg model out.
 *
 * Parsing is separate from result validation (validate.c) because it runs
 * once per config save, touches libxml2 and builds the model, while
 * validation runs on every submit and only reads the finished model.
 *
 * Parsing walks the XML once, classifying every element through one table
 * (tag_specs) into layout, object, control or label tags. All memory of a
 * config comes from one arena owned by it: arrays are sized up front from the
 * element count, so pointers handed out never move, and nothing is written
 * after lf_labelcfg_parse returns, which is what makes sharing it between
 * threads safe. The accessors and lf_labelcfg_describe only read the model.
 */
#include "labelcfg/labelcfg_int.h"

#include "core/arena.h"
#include "core/strset.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
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
#define ITEM_LEAF	 -2
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

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
	xmlInitParser();
}

int lf_labelcfg_fail(char *err, size_t errlen, const char *fmt, ...)
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
		return lf_labelcfg_fail(b->err, b->errlen,
					"duplicate name \"%s\": used by <%s> and by <%s>", name,
					b->names[first].tag, tag);
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
		return lf_labelcfg_fail(b->err, b->errlen, "unknown tag <%s>",
					(const char *)node->name);
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
			return lf_labelcfg_fail(b->err, b->errlen,
						"<%s> cannot be placed inside <%s>", spec->tag,
						owner_tag(b, owner));
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
		return lf_labelcfg_fail(b->err, b->errlen, "<%s> is missing the \"name\" attribute",
					spec->tag);
	if (value == NULL || value[0] == '\0')
		return lf_labelcfg_fail(b->err, b->errlen,
					"<%s name=\"%s\"> is missing the \"value\" attribute",
					spec->tag, name);
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
		return lf_labelcfg_fail(b->err, b->errlen, "<%s> cannot be placed inside <%s>",
					spec->tag, owner_tag(b, owner));
	if ((ret = get_attr(cfg->arena, node, "name", &name)) != LF_OK ||
	    (ret = get_attr(cfg->arena, node, "toName", &to_name)) != LF_OK)
		return ret;
	if (name == NULL || name[0] == '\0')
		return lf_labelcfg_fail(b->err, b->errlen, "<%s> is missing the \"name\" attribute",
					spec->tag);
	if (to_name == NULL || to_name[0] == '\0')
		return lf_labelcfg_fail(b->err, b->errlen,
					"<%s name=\"%s\"> is missing the \"toName\" attribute",
					spec->tag, name);
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
		return lf_labelcfg_fail(b->err, b->errlen, "<%s name=\"%s\"> has no <%s> children",
					spec->tag, name,
					spec->child == C_LABEL ? "Label" : "Choice");
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
				return lf_labelcfg_fail(
				    b->err, b->errlen,
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
				return lf_labelcfg_fail(
				    b->err, b->errlen, "<Number name=\"%s\">: min must be a number",
				    c->name);
			c->has_min = true;
		}
		if (max != NULL) {
			c->max = strtod(max, &end);
			if (end == max || *end != '\0' || !isfinite(c->max))
				return lf_labelcfg_fail(
				    b->err, b->errlen, "<Number name=\"%s\">: max must be a number",
				    c->name);
			c->has_max = true;
		}
		if (c->has_min && c->has_max && c->min > c->max)
			return lf_labelcfg_fail(b->err, b->errlen,
						"<Number name=\"%s\">: min is above max", c->name);
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
			return lf_labelcfg_fail(
			    b->err, b->errlen,
			    "<%s name=\"%s\">: toName \"%s\" contains an empty name", c->tag,
			    c->name, to_name);
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
		return lf_labelcfg_fail(b->err, b->errlen, "<Relation> must be inside <Relations>");
	if (spec->kind == K_LABEL && (os == NULL || os->child != C_LABEL))
		return lf_labelcfg_fail(
		    b->err, b->errlen,
		    "<Label> must be inside a labels control such as <Labels> or "
		    "<RectangleLabels>");
	if (spec->kind == K_CHOICE && (os == NULL || os->child != C_CHOICE))
		return lf_labelcfg_fail(b->err, b->errlen,
					"<Choice> must be inside <Choices> or <Taxonomy>");
	where = owner >= 0 ? cfg->controls[owner].name : "Relations";
	if (parent == ITEM_LEAF)
		return lf_labelcfg_fail(b->err, b->errlen,
					"<%s> cannot be nested in another <%s> in \"%s\"",
					spec->tag, spec->tag, where);
	if ((ret = get_attr(cfg->arena, node, "value", &value)) != LF_OK)
		return ret;
	if (value == NULL || value[0] == '\0')
		return lf_labelcfg_fail(b->err, b->errlen,
					"a <%s> in \"%s\" is missing the \"value\" attribute",
					spec->tag, where);
	if (cfg->label_count == LF_LABELCFG_MAX_LABELS)
		return lf_labelcfg_fail(
		    b->err, b->errlen,
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
		return lf_labelcfg_fail(b->err, b->errlen,
					"<Relations> cannot be placed inside <%s>",
					owner_tag(b, owner));
	if (cfg->has_relations)
		return lf_labelcfg_fail(b->err, b->errlen, "only one <Relations> tag is allowed");
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
			ret = lf_labelcfg_fail(
			    b->err, b->errlen, "<%s%s%s%s> defines the value \"%s\" twice", tag,
			    name != NULL ? " name=\"" : "", name != NULL ? name : "",
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
				return lf_labelcfg_fail(
				    b->err, b->errlen,
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
		ret = lf_labelcfg_fail(err, errlen, "the label config is empty");
		goto cleanup;
	}
	if (len > LF_LABELCFG_MAX_BYTES) {
		lf_labelcfg_fail(err, errlen, "the label config is larger than %d bytes",
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
		ret = lf_labelcfg_fail(err, errlen,
				       "the label config must not contain a DTD (<!DOCTYPE>)");
		goto cleanup;
	}
	if (doc == NULL || !ctxt->wellFormed) {
		if (ps.have_error)
			ret = lf_labelcfg_fail(
			    err, errlen, "the label config is not well-formed XML (line %d: %s)",
			    ps.line, ps.message);
		else
			ret = lf_labelcfg_fail(err, errlen,
					       "the label config is not well-formed XML");
		goto cleanup;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || strcasecmp((const char *)root->name, "View") != 0) {
		ret = lf_labelcfg_fail(err, errlen, "the root tag must be <View>, not <%s>",
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
		ret = lf_labelcfg_fail(err, errlen,
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

/* A plain <Labels> on an <Image> paired with a drawing tool yields regions
 * typed after the tool ("rectanglelabels") but named after the Labels. */
bool lf_labelcfg_image_tool(const char *type, lf_labelcfg_shape *shape)
{
	for (size_t i = 0; i < LF_ARRAY_LEN(tag_specs); i++) {
		const struct tag_spec *s = &tag_specs[i];
		if (s->kind == K_CONTROL && s->child == C_LABEL &&
		    s->shape != LF_LABELCFG_SHAPE_SPAN && s->shape != LF_LABELCFG_SHAPE_TIMELINE &&
		    strcmp(s->type, type) == 0) {
			*shape = s->shape;
			return true;
		}
	}
	return false;
}
