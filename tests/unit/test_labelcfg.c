/*
 * test_labelcfg.c - label config parsing and result validation.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "labelcfg/labelcfg.h"

#include "fixture.h"
#include "labelcfg_samples.h"

static void refused(const char *xml, const char *needle)
{
	lf_labelcfg *cfg = (lf_labelcfg *)1;
	char err[256] = "";
	int rc = lf_labelcfg_parse(xml, strlen(xml), &cfg, err, sizeof(err));
	assert_int_equal(rc, LF_ERR_INVALID);
	assert_null(cfg);
	if (strstr(err, needle) == NULL)
		print_error("error \"%s\" does not mention \"%s\"\n", err, needle);
	assert_non_null(strstr(err, needle));
}

/* Validates the result json on a task whose data is the JSON text data
 * (NULL: no data). */
static int validate(const lf_labelcfg *cfg, const char *data, const char *json, char *err,
		    size_t errlen)
{
	json_error_t jerr;
	json_t *r = json_loads(json, 0, &jerr);
	json_t *d = data != NULL ? json_loads(data, 0, &jerr) : NULL;
	int rc;
	if (r == NULL || (data != NULL && d == NULL))
		print_error("bad test JSON: %s\n", jerr.text);
	assert_non_null(r);
	rc = lf_labelcfg_validate_result(cfg, r, d, err, errlen);
	json_decref(r);
	json_decref(d);
	return rc;
}

static void data_result_ok(const lf_labelcfg *cfg, const char *data, const char *json)
{
	char err[256] = "";
	int rc = validate(cfg, data, json, err, sizeof(err));
	if (rc != LF_OK)
		print_error("unexpected refusal: %s\n", err);
	assert_int_equal(rc, LF_OK);
}

static void data_result_bad(const lf_labelcfg *cfg, const char *data, const char *json,
			    const char *needle)
{
	char err[256] = "";
	int rc = validate(cfg, data, json, err, sizeof(err));
	assert_int_equal(rc, LF_ERR_INVALID);
	if (strstr(err, needle) == NULL)
		print_error("error \"%s\" does not mention \"%s\"\n", err, needle);
	assert_non_null(strstr(err, needle));
}

static void result_ok(const lf_labelcfg *cfg, const char *json)
{
	data_result_ok(cfg, NULL, json);
}

static void result_bad(const lf_labelcfg *cfg, const char *json, const char *needle)
{
	data_result_bad(cfg, NULL, json, needle);
}

/* ---- parsing -------------------------------------------------------------- */

static void test_parse_text_classification(void **state)
{
	lf_labelcfg *cfg = lf_fx_labelcfg(TEXT_CLS);
	const lf_labelcfg_control *c;
	const lf_labelcfg_object *o;

	assert_int_equal(lf_labelcfg_control_count(cfg), 1);
	c = lf_labelcfg_find_control(cfg, "sentiment");
	assert_non_null(c);
	assert_ptr_equal(c, lf_labelcfg_control_at(cfg, 0));
	assert_null(lf_labelcfg_control_at(cfg, 1));
	assert_string_equal(c->type, "choices");
	assert_string_equal(c->tag, "Choices");
	assert_int_equal(c->shape, LF_LABELCFG_SHAPE_CHOICES);
	assert_int_equal(c->to_name_count, 1);
	assert_string_equal(c->to_names[0], "text");
	assert_int_equal(c->label_count, 3);
	assert_string_equal(c->labels[0].value, "Positive");
	assert_string_equal(c->labels[2].value, "Neutral");
	assert_false(c->multiple);
	assert_int_equal(lf_labelcfg_object_count(cfg), 1);
	o = lf_labelcfg_find_object(cfg, "text");
	assert_non_null(o);
	assert_string_equal(o->type, "text");
	assert_string_equal(o->value, "$text");
	assert_int_equal(o->media, LF_LABELCFG_MEDIA_TEXT);
	assert_null(lf_labelcfg_find_object(cfg, "sentiment"));
	assert_false(lf_labelcfg_has_relations(cfg));
	lf_labelcfg_free(cfg);
}

static void test_parse_ner(void **state)
{
	lf_labelcfg *cfg = lf_fx_labelcfg(NER);
	const lf_labelcfg_control *c = lf_labelcfg_find_control(cfg, "label");
	const lf_labelcfg_label *rel;
	size_t nrel = 0;

	assert_non_null(c);
	assert_string_equal(c->type, "labels");
	assert_int_equal(c->label_count, 3);
	assert_string_equal(c->labels[0].value, "PER");
	assert_string_equal(c->labels[0].background, "red");
	assert_string_equal(c->labels[0].hotkey, "p");
	assert_null(c->labels[0].alias);
	assert_string_equal(c->labels[1].alias, "O");
	assert_null(c->labels[2].background);
	assert_int_equal(c->labels[2].parent, -1);
	assert_true(lf_labelcfg_has_relations(cfg));
	rel = lf_labelcfg_relation_labels(cfg, &nrel);
	assert_int_equal(nrel, 1);
	assert_string_equal(rel[0].value, "works_at");
	lf_labelcfg_free(cfg);
}

static void test_parse_all_kinds(void **state)
{
	const char *configs[] = {IMG_CLS, BBOX, POLY, KEYPOINT, AUDIO, VIDEO, MISC};
	for (size_t i = 0; i < LF_ARRAY_LEN(configs); i++)
		lf_labelcfg_free(lf_fx_labelcfg(configs[i]));
}

static void test_parse_details(void **state)
{
	lf_labelcfg *cfg = lf_fx_labelcfg(AUDIO);
	const lf_labelcfg_control *c = lf_labelcfg_find_control(cfg, "transcription");
	assert_non_null(c);
	assert_string_equal(c->type, "textarea");
	assert_int_equal(c->label_count, 0);
	assert_int_equal(lf_labelcfg_find_object(cfg, "audio")->media, LF_LABELCFG_MEDIA_AUDIO);
	lf_labelcfg_free(cfg);

	cfg = lf_fx_labelcfg(MISC);
	/* The nameless static <Text> is a caption, the named one an object. */
	assert_int_equal(lf_labelcfg_object_count(cfg), 3);
	assert_non_null(lf_labelcfg_find_object(cfg, "caption"));
	c = lf_labelcfg_find_control(cfg, "stars");
	assert_int_equal(c->max_rating, 10);
	c = lf_labelcfg_find_control(cfg, "count");
	assert_true(c->has_min && c->has_max);
	assert_true(c->min == 0 && c->max == 5);
	c = lf_labelcfg_find_control(cfg, "tax");
	assert_int_equal(c->label_count, 5);
	assert_int_equal(c->labels[0].parent, -1);
	assert_int_equal(c->labels[1].parent, 0);
	assert_int_equal(c->labels[3].parent, -1);
	assert_int_equal(c->labels[4].parent, 3);
	/* Filter is layout: its name counts for uniqueness, it is no control. */
	assert_null(lf_labelcfg_find_control(cfg, "f"));
	lf_labelcfg_free(cfg);

	cfg =
	    lf_fx_labelcfg("<view><image name=\"a\" value=\"$a\"/><image name=\"b\" value=\"$b\"/>"
			   "<rectanglelabels name=\"r\" toname=\"a, b\"><label value=\"X\"/>"
			   "</rectanglelabels></view>");
	c = lf_labelcfg_find_control(cfg, "r");
	assert_string_equal(c->tag, "RectangleLabels");
	assert_int_equal(c->to_name_count, 2);
	assert_string_equal(c->to_names[0], "a");
	assert_string_equal(c->to_names[1], "b");
	lf_labelcfg_free(cfg);
}

static void test_parse_errors(void **state)
{
	refused("", "empty");
	refused("this is not xml", "not well-formed");
	refused("<View><Text name=\"t\" value=\"$t\"></View>", "not well-formed");
	refused("<View>&undefined;</View>", "not well-formed");
	refused("<Choices name=\"c\" toName=\"t\"><Choice value=\"a\"/></Choices>",
		"root tag must be <View>");
	refused("<View><Text name=\"t\" value=\"$t\"/><Blink/>"
		"<Choices name=\"c\" toName=\"t\"><Choice value=\"a\"/></Choices></View>",
		"unknown tag <Blink>");
	refused("<View><Text name=\"t\" value=\"$t\"/>"
		"<Choices toName=\"t\"><Choice value=\"a\"/></Choices></View>",
		"<Choices> is missing the \"name\"");
	refused("<View><Text name=\"t\" value=\"$t\"/>"
		"<Choices name=\"c\"><Choice value=\"a\"/></Choices></View>",
		"missing the \"toName\"");
	refused("<View><Text name=\"t\" value=\"$t\"/>"
		"<Choices name=\"c\" toName=\"nope\"><Choice value=\"a\"/></Choices></View>",
		"toName \"nope\"");
	refused("<View><Text name=\"t\" value=\"$t\"/>"
		"<Choices name=\"c\" toName=\"t,missing\"><Choice value=\"a\"/></Choices></View>",
		"toName \"missing\"");
	refused("<View><Text name=\"t\" value=\"$t\"/>"
		"<Choices name=\"c\" toName=\"t\"><Choice value=\"a\"/></Choices>"
		"<TextArea name=\"ta\" toName=\"c\"/></View>",
		"toName \"c\" does not name an object");
	refused("<View><Text value=\"$t\"/>"
		"<Choices name=\"c\" toName=\"t\"><Choice value=\"a\"/></Choices></View>",
		"<Text> is missing the \"name\"");
	refused("<View><Image name=\"i\"/>"
		"<Choices name=\"c\" toName=\"i\"><Choice value=\"a\"/></Choices></View>",
		"<Image name=\"i\"> is missing the \"value\"");
	refused("<View><Text name=\"x\" value=\"$t\"/>"
		"<Choices name=\"x\" toName=\"x\"><Choice value=\"a\"/></Choices></View>",
		"duplicate name \"x\"");
	refused("<View><Text name=\"t\" value=\"$t\"/><Labels name=\"l\" toName=\"t\"/></View>",
		"<Labels name=\"l\"> has no <Label>");
	refused("<View><Text name=\"t\" value=\"$t\"/><Choices name=\"c\" toName=\"t\">"
		"</Choices></View>",
		"has no <Choice>");
	refused("<View><Text name=\"t\" value=\"$t\"/><Labels name=\"l\" toName=\"t\">"
		"<Label value=\"A\"/><Label value=\"B\"/><Label value=\"A\"/></Labels></View>",
		"<Labels name=\"l\"> defines the value \"A\" twice");
	refused("<View><Text name=\"t\" value=\"$t\"/><Label value=\"A\"/>"
		"<Choices name=\"c\" toName=\"t\"><Choice value=\"a\"/></Choices></View>",
		"<Label> must be inside");
	refused("<View><Text name=\"t\" value=\"$t\"/><Labels name=\"l\" toName=\"t\">"
		"<Label/></Labels></View>",
		"missing the \"value\"");
	refused("<View><Text name=\"t\" value=\"$t\"/><Labels name=\"l\" toName=\"t\">"
		"<Label value=\"A\"/><Choices name=\"c\" toName=\"t\"><Choice value=\"a\"/>"
		"</Choices></Labels></View>",
		"cannot be placed inside <Labels>");
	refused("<View><Text name=\"t\" value=\"$t\"/></View>", "no control tag");
	refused("<View><Image name=\"i\" value=\"$i\"/><Rating name=\"r\" toName=\"i\" "
		"maxRating=\"lots\"/></View>",
		"maxRating");
	refused("<View><Text name=\"t\" value=\"$t\"/><Relation value=\"r\"/>"
		"<Choices name=\"c\" toName=\"t\"><Choice value=\"a\"/></Choices></View>",
		"<Relation> must be inside <Relations>");
	refused("<View><Text name=\"t\" value=\"$t\"/><Choices name=\"c\" toName=\"t\">"
		"<Choice value=\"a\"/></Choices><Relations><Relation value=\"r\"/>"
		"<Relation value=\"r\"/></Relations></View>",
		"<Relations> defines the value \"r\" twice");
	/* Taxonomy values repeat legitimately under different parents, not
	 * under the same one. */
	refused("<View><Text name=\"t\" value=\"$t\"/><Taxonomy name=\"x\" toName=\"t\">"
		"<Choice value=\"A\"><Choice value=\"B\"/><Choice value=\"B\"/></Choice>"
		"</Taxonomy></View>",
		"defines the value \"B\" twice");
	refused("<View><Text name=\"t\" value=\"$t\"/><Choices name=\"c\" toName=\"t\">"
		"<Choice value=\"a\"><Choice value=\"b\"/></Choice></Choices></View>",
		"cannot be nested");
}

/* Entities are never expanded and DTDs never reach the walker: the classic
 * XXE and billion-laughs payloads are refused outright. */
static void test_parse_refuses_dtd(void **state)
{
	refused("<?xml version=\"1.0\"?><!DOCTYPE View [<!ENTITY xxe SYSTEM "
		"\"file:///etc/passwd\">]><View><Header value=\"&xxe;\"/></View>",
		"DTD");
	refused("<!DOCTYPE View [<!ENTITY a \"aaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;\">]>"
		"<View><Header value=\"&b;\"/></View>",
		"DTD");
	refused("<!DOCTYPE View SYSTEM \"http://example.com/x.dtd\"><View/>", "DTD");
}

static void test_parse_limits(void **state)
{
	size_t len = LF_LABELCFG_MAX_BYTES + 1;
	char *big = malloc(len);
	lf_labelcfg *cfg = NULL;
	char err[128];

	assert_non_null(big);
	memset(big, ' ', len);
	assert_int_equal(lf_labelcfg_parse(big, len, &cfg, err, sizeof(err)), LF_ERR_LIMIT);
	assert_null(cfg);
	free(big);
	/* Input need not be NUL-terminated: only len bytes are read. */
	assert_int_equal(lf_labelcfg_parse(TEXT_CLS "garbage", strlen(TEXT_CLS), &cfg, NULL, 0),
			 LF_OK);
	lf_labelcfg_free(cfg);
	lf_labelcfg_free(NULL);
}

/* A NER config with n labels named by number (the last one named dup when
 * dup is not NULL); malloc'ed. */
static char *many_labels(size_t n, const char *dup)
{
	char *s = malloc(n * 32 + 256);
	size_t k = 0;

	assert_non_null(s);
	k += (size_t)sprintf(
	    s, "<View><Text name=\"t\" value=\"$t\"/><Labels name=\"l\" toName=\"t\">");
	for (size_t i = 0; i < n; i++) {
		if (i + 1 == n && dup != NULL)
			k += (size_t)sprintf(s + k, "<Label value=\"%s\"/>", dup);
		else
			k += (size_t)sprintf(s + k, "<Label value=\"%zu\"/>", i);
	}
	sprintf(s + k, "</Labels></View>");
	return s;
}

/* Duplicate labels are found through a hash set and the label count is
 * capped: comparing every pair took seconds on 45,000 labels. */
static void test_parse_label_count(void **state)
{
	static const size_t too_many[] = {LF_LABELCFG_MAX_LABELS + 1, 45000};
	lf_labelcfg *cfg;
	char *xml;

	xml = many_labels(LF_LABELCFG_MAX_LABELS, NULL);
	cfg = lf_fx_labelcfg(xml);
	assert_int_equal(lf_labelcfg_control_at(cfg, 0)->label_count, LF_LABELCFG_MAX_LABELS);
	result_ok(cfg, "[{\"from_name\":\"l\",\"to_name\":\"t\",\"type\":\"labels\","
		       "\"value\":{\"start\":0,\"end\":1,\"labels\":[\"9999\"]}}]");
	lf_labelcfg_free(cfg);
	free(xml);

	xml = many_labels(LF_LABELCFG_MAX_LABELS, "17");
	refused(xml, "<Labels name=\"l\"> defines the value \"17\" twice");
	free(xml);

	for (size_t i = 0; i < LF_ARRAY_LEN(too_many); i++) {
		xml = many_labels(too_many[i], NULL);
		refused(xml, "the label config defines more than 10000 labels (Label, Choice and "
			     "Relation tags together), the limit");
		free(xml);
	}
	/* labels, choices and relations count together */
	xml = many_labels(LF_LABELCFG_MAX_LABELS, NULL);
	strcpy(strstr(xml, "</View>"), "<Relations><Relation value=\"r\"/></Relations></View>");
	refused(xml, "more than 10000 labels");
	free(xml);
	/* duplicate names among many tags */
	refused("<View><Text name=\"t\" value=\"$t\"/><Header name=\"h\"/><Header name=\"t\"/>"
		"<TextArea name=\"a\" toName=\"t\"/></View>",
		"duplicate name \"t\": used by <Text> and by <Header>");
}

static void test_describe(void **state)
{
	lf_labelcfg *cfg = lf_fx_labelcfg(NER);
	json_t *d = lf_labelcfg_describe(cfg);
	json_t *c, *o;

	assert_non_null(d);
	c = json_array_get(json_object_get(d, "controls"), 0);
	assert_string_equal(json_string_value(json_object_get(c, "name")), "label");
	assert_string_equal(json_string_value(json_object_get(c, "type")), "labels");
	assert_string_equal(json_string_value(json_array_get(json_object_get(c, "to_name"), 0)),
			    "text");
	assert_int_equal(json_array_size(json_object_get(c, "labels")), 3);
	assert_string_equal(json_string_value(json_array_get(json_object_get(c, "labels"), 1)),
			    "ORG");
	o = json_array_get(json_object_get(d, "objects"), 0);
	assert_string_equal(json_string_value(json_object_get(o, "name")), "text");
	assert_string_equal(json_string_value(json_object_get(o, "type")), "text");
	assert_string_equal(json_string_value(json_object_get(o, "value")), "$text");
	assert_string_equal(json_string_value(json_array_get(json_object_get(d, "relations"), 0)),
			    "works_at");
	json_decref(d);
	lf_labelcfg_free(cfg);

	cfg = lf_fx_labelcfg(BBOX);
	d = lf_labelcfg_describe(cfg);
	assert_null(json_object_get(d, "relations"));
	json_decref(d);
	lf_labelcfg_free(cfg);
}

/* ---- results -------------------------------------------------------------- */

static void test_result_generic(void **state)
{
	lf_labelcfg *cfg = lf_fx_labelcfg(TEXT_CLS);
	json_t *obj = json_object();

	result_ok(cfg, "[]");
	assert_int_equal(lf_labelcfg_validate_result(cfg, obj, NULL, NULL, 0), LF_ERR_INVALID);
	json_decref(obj);
	result_bad(cfg, "{\"choices\":[]}", "must be a JSON array");
	result_bad(cfg, "[1]", "result[0] must be an object");
	result_bad(cfg, "[{\"from_name\":\"sentiment\",\"to_name\":\"text\"}]", "\"type\"");
	result_bad(cfg,
		   "[{\"from_name\":\"sentiment\",\"to_name\":\"text\",\"type\":\"choices\","
		   "\"value\":{\"choices\":[\"Positive\"]}},"
		   "{\"from_name\":\"mood\",\"to_name\":\"text\",\"type\":\"choices\","
		   "\"value\":{\"choices\":[\"Positive\"]}}]",
		   "result[1]: from_name \"mood\"");
	result_bad(cfg,
		   "[{\"from_name\":\"sentiment\",\"to_name\":\"image\",\"type\":\"choices\","
		   "\"value\":{\"choices\":[\"Positive\"]}}]",
		   "to_name \"image\"");
	result_bad(cfg,
		   "[{\"from_name\":\"sentiment\",\"to_name\":\"text\",\"type\":\"labels\","
		   "\"value\":{\"choices\":[\"Positive\"]}}]",
		   "type \"labels\" does not match control \"sentiment\"");
	result_bad(cfg, "[{\"from_name\":\"sentiment\",\"to_name\":\"text\",\"type\":\"choices\"}]",
		   "\"value\"");
	result_bad(cfg,
		   "[{\"from_name\":\"sentiment\",\"to_name\":\"text\",\"type\":\"choices\","
		   "\"id\":7,\"value\":{\"choices\":[\"Positive\"]}}]",
		   "id must be a string");
	result_bad(cfg, "[{\"to_name\":\"text\",\"type\":\"choices\",\"value\":{}}]", "from_name");
	lf_labelcfg_free(cfg);
}

static void test_result_choices(void **state)
{
	lf_labelcfg *cfg = lf_fx_labelcfg(TEXT_CLS);

	result_ok(cfg, "[{\"id\":\"a1\",\"from_name\":\"sentiment\",\"to_name\":\"text\","
		       "\"type\":\"choices\",\"origin\":\"manual\","
		       "\"value\":{\"choices\":[\"Negative\"]}}]");
	result_bad(cfg,
		   "[{\"from_name\":\"sentiment\",\"to_name\":\"text\",\"type\":\"choices\","
		   "\"value\":{\"choices\":[\"Angry\"]}}]",
		   "choice \"Angry\" is not defined in control \"sentiment\"");
	result_bad(cfg,
		   "[{\"from_name\":\"sentiment\",\"to_name\":\"text\",\"type\":\"choices\","
		   "\"value\":{\"choices\":[\"Positive\",\"Negative\"]}}]",
		   "allows one choice");
	result_bad(cfg,
		   "[{\"from_name\":\"sentiment\",\"to_name\":\"text\",\"type\":\"choices\","
		   "\"value\":{\"choices\":[]}}]",
		   "value.choices is empty");
	result_bad(cfg,
		   "[{\"from_name\":\"sentiment\",\"to_name\":\"text\",\"type\":\"choices\","
		   "\"value\":{}}]",
		   "value.choices is missing");
	lf_labelcfg_free(cfg);

	cfg = lf_fx_labelcfg(IMG_CLS);
	result_ok(cfg, "[{\"from_name\":\"class\",\"to_name\":\"image\",\"type\":\"choices\","
		       "\"value\":{\"choices\":[\"Cat\",\"Dog\"]}}]");
	result_bad(cfg,
		   "[{\"from_name\":\"class\",\"to_name\":\"image\",\"type\":\"choices\","
		   "\"value\":{\"choices\":[\"Cat\",3]}}]",
		   "value.choices[1] is not a string");
	lf_labelcfg_free(cfg);
}

static void test_result_ner(void **state)
{
	lf_labelcfg *cfg = lf_fx_labelcfg(NER);

	result_ok(cfg, "[{\"id\":\"r1\",\"from_name\":\"label\",\"to_name\":\"text\","
		       "\"type\":\"labels\",\"value\":{\"start\":0,\"end\":5,\"text\":\"Alice\","
		       "\"labels\":[\"PER\"]}},"
		       "{\"id\":\"r2\",\"from_name\":\"label\",\"to_name\":\"text\","
		       "\"type\":\"labels\",\"value\":{\"start\":15,\"end\":19,"
		       "\"labels\":[\"ORG\"]}},"
		       "{\"type\":\"relation\",\"from_id\":\"r1\",\"to_id\":\"r2\","
		       "\"direction\":\"right\",\"labels\":[\"works_at\"]}]");
	result_bad(cfg,
		   "[{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","
		   "\"value\":{\"start\":0,\"end\":5,\"labels\":[\"PER\"]}},"
		   "{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","
		   "\"value\":{\"start\":0,\"end\":5,\"labels\":[\"PER\"]}},"
		   "{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","
		   "\"value\":{\"start\":0,\"end\":5,\"labels\":[\"ORGANIZATION\"]}}]",
		   "result[2]: label \"ORGANIZATION\" is not defined in control \"label\"");
	result_bad(cfg,
		   "[{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","
		   "\"value\":{\"start\":9,\"end\":5,\"labels\":[\"PER\"]}}]",
		   "start is after");
	result_bad(cfg,
		   "[{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","
		   "\"value\":{\"start\":1.5,\"end\":5,\"labels\":[\"PER\"]}}]",
		   "value.start must be an integer");
	result_bad(cfg,
		   "[{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","
		   "\"value\":{\"start\":-1,\"end\":5,\"labels\":[\"PER\"]}}]",
		   "value.start must be an integer >= 0");
	result_bad(cfg,
		   "[{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","
		   "\"value\":{\"end\":5,\"labels\":[\"PER\"]}}]",
		   "value.start is missing");
	result_bad(cfg,
		   "[{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","
		   "\"value\":{\"start\":0,\"end\":5}}]",
		   "value.labels is missing");
	result_bad(cfg,
		   "[{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","
		   "\"value\":{\"start\":0,\"end\":5,\"labels\":[\"PER\",\"LOC\"]}}]",
		   "allows one label");
	result_bad(cfg,
		   "[{\"id\":\"r1\",\"from_name\":\"label\",\"to_name\":\"text\","
		   "\"type\":\"labels\",\"value\":{\"start\":0,\"end\":5,\"labels\":[\"PER\"]}},"
		   "{\"type\":\"relation\",\"from_id\":\"r1\",\"to_id\":\"ghost\"}]",
		   "result[1]: to_id \"ghost\"");
	result_bad(cfg,
		   "[{\"id\":\"r1\",\"from_name\":\"label\",\"to_name\":\"text\","
		   "\"type\":\"labels\",\"value\":{\"start\":0,\"end\":5,\"labels\":[\"PER\"]}},"
		   "{\"type\":\"relation\",\"from_id\":\"r1\",\"to_id\":\"r1\","
		   "\"labels\":[\"married_to\"]}]",
		   "relation label \"married_to\"");
	lf_labelcfg_free(cfg);

	/* Without <Relations>, relation regions are refused. */
	cfg = lf_fx_labelcfg(TEXT_CLS);
	result_bad(cfg,
		   "[{\"id\":\"a\",\"from_name\":\"sentiment\",\"to_name\":\"text\","
		   "\"type\":\"choices\",\"value\":{\"choices\":[\"Positive\"]}},"
		   "{\"type\":\"relation\",\"from_id\":\"a\",\"to_id\":\"a\"}]",
		   "relations are not enabled");
	result_bad(cfg,
		   "[{\"type\":\"ellipse\",\"from_name\":\"sentiment\",\"to_name\":\"text\","
		   "\"value\":{}}]",
		   "does not match");
	lf_labelcfg_free(cfg);
}

#define SPAN(s, e)                                                                                 \
	"[{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","                      \
	"\"value\":{\"start\":" #s ",\"end\":" #e ",\"labels\":[\"PER\"]}}]"

/* A span must lie inside the task's text: offsets are code points, so the
 * 25 characters of this text (31 bytes, 26 UTF-16 units) end at 25. */
static void test_result_span_bounds(void **state)
{
	static const char data[] =
	    "{\"text\":\"Bob met Zo\xC3\xAB in K\xC3\xB6ln \xF0\x9F\x98\x80 ok.\"}";
	lf_labelcfg *cfg = lf_fx_labelcfg(NER);

	data_result_ok(cfg, data, SPAN(0, 3));
	data_result_ok(cfg, data, SPAN(8, 11));
	data_result_ok(cfg, data, SPAN(0, 25));
	data_result_ok(cfg, data, SPAN(25, 25));
	data_result_bad(cfg, data, SPAN(0, 26),
			"result[0]: value.end 26 is past the end of the text of \"text\" (25 "
			"characters)");
	data_result_bad(cfg, data, SPAN(0, 3000), "value.end 3000 is past the end");
	data_result_bad(cfg, data, SPAN(30, 40), "value.end 40 is past the end");
	data_result_bad(cfg, data, SPAN(-1, 3), "value.start must be an integer >= 0");
	data_result_bad(cfg, data, SPAN(4, 3), "value.start is after value.end");
	data_result_bad(cfg, data, SPAN(0, 3.0), "value.end must be an integer");
	/* the second region is the offending one, and value.text is not compared */
	data_result_bad(
	    cfg, data,
	    "[{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","
	    "\"value\":{\"start\":0,\"end\":3,\"text\":\"not Bob\",\"labels\":[\"PER\"]}},"
	    "{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","
	    "\"value\":{\"start\":20,\"end\":99,\"labels\":[\"PER\"]}}]",
	    "result[1]: value.end 99");
	data_result_ok(cfg, "{\"text\":\"\"}", SPAN(0, 0));
	data_result_bad(cfg, "{\"text\":\"\"}", SPAN(0, 1), "(0 characters)");
	/* the length is unknown without the text: data missing, or grouped items */
	result_ok(cfg, SPAN(0, 3000));
	data_result_ok(cfg, "{\"items\":[{\"text\":\"a\"}]}", SPAN(0, 3000));
	data_result_ok(cfg, "{\"text\":5}", SPAN(0, 3000));
	lf_labelcfg_free(cfg);

	/* text the frontend fetches or decodes is not in the data */
	cfg =
	    lf_fx_labelcfg("<View><Text name=\"text\" value=\"$url\" valueType=\"url\"/>"
			   "<Labels name=\"label\" toName=\"text\"><Label value=\"PER\"/></Labels>"
			   "</View>");
	data_result_ok(cfg, "{\"url\":\"http://x/a.txt\"}", SPAN(0, 3000));
	lf_labelcfg_free(cfg);
	/* literal text */
	cfg =
	    lf_fx_labelcfg("<View><Text name=\"text\" value=\"Fixed words\"/>"
			   "<Labels name=\"label\" toName=\"text\"><Label value=\"PER\"/></Labels>"
			   "</View>");
	data_result_ok(cfg, "{}", SPAN(6, 11));
	data_result_bad(cfg, "{}", SPAN(6, 12), "(11 characters)");
	lf_labelcfg_free(cfg);
}

static void test_result_bbox(void **state)
{
	lf_labelcfg *cfg = lf_fx_labelcfg(BBOX);

	result_ok(cfg,
		  "[{\"id\":\"b1\",\"from_name\":\"label\",\"to_name\":\"image\","
		  "\"type\":\"rectanglelabels\",\"original_width\":640,"
		  "\"original_height\":480,\"image_rotation\":0,\"score\":0.9,"
		  "\"value\":{\"x\":10.5,\"y\":20,\"width\":30,\"height\":40,\"rotation\":0,"
		  "\"rectanglelabels\":[\"Car\"]}},"
		  "{\"from_name\":\"label\",\"to_name\":\"image\",\"type\":\"rectanglelabels\","
		  "\"value\":{\"x\":0,\"y\":0,\"width\":100.00000000000001,\"height\":100,"
		  "\"rectanglelabels\":[\"Person\"]}}]");
	result_bad(cfg,
		   "[{\"from_name\":\"label\",\"to_name\":\"image\",\"type\":\"rectanglelabels\","
		   "\"value\":{\"x\":10,\"y\":120,\"width\":30,\"height\":40,"
		   "\"rectanglelabels\":[\"Car\"]}}]",
		   "value.y must be a number between 0 and 100");
	result_bad(cfg,
		   "[{\"from_name\":\"label\",\"to_name\":\"image\",\"type\":\"rectanglelabels\","
		   "\"value\":{\"x\":-3,\"y\":1,\"width\":30,\"height\":40,"
		   "\"rectanglelabels\":[\"Car\"]}}]",
		   "value.x must be a number between 0 and 100");
	result_bad(cfg,
		   "[{\"from_name\":\"label\",\"to_name\":\"image\",\"type\":\"rectanglelabels\","
		   "\"value\":{\"x\":10,\"y\":1,\"width\":\"30\",\"height\":40,"
		   "\"rectanglelabels\":[\"Car\"]}}]",
		   "value.width");
	result_bad(cfg,
		   "[{\"from_name\":\"label\",\"to_name\":\"image\",\"type\":\"rectanglelabels\","
		   "\"value\":{\"x\":10,\"y\":1,\"width\":30,"
		   "\"rectanglelabels\":[\"Car\"]}}]",
		   "value.height is missing");
	result_bad(cfg,
		   "[{\"from_name\":\"label\",\"to_name\":\"image\",\"type\":\"rectanglelabels\","
		   "\"value\":{\"x\":10,\"y\":1,\"width\":30,\"height\":40,"
		   "\"rectanglelabels\":[\"Truck\"]}}]",
		   "label \"Truck\" is not defined in control \"label\"");
	result_bad(cfg,
		   "[{\"from_name\":\"label\",\"to_name\":\"image\",\"type\":\"rectanglelabels\","
		   "\"original_width\":-5,\"value\":{\"x\":10,\"y\":1,\"width\":30,\"height\":40,"
		   "\"rectanglelabels\":[\"Car\"]}}]",
		   "original_width");
	result_bad(cfg,
		   "[{\"from_name\":\"label\",\"to_name\":\"image\",\"type\":\"polygonlabels\","
		   "\"value\":{\"points\":[[1,1],[2,2],[3,1]],\"polygonlabels\":[\"Car\"]}}]",
		   "expected \"rectanglelabels\"");
	/* the box must end inside the image, unless rotated */
	result_ok(cfg,
		  "[{\"from_name\":\"label\",\"to_name\":\"image\",\"type\":\"rectanglelabels\","
		  "\"value\":{\"x\":60,\"y\":70,\"width\":40.0000001,\"height\":30,"
		  "\"rectanglelabels\":[\"Car\"]}},"
		  "{\"from_name\":\"label\",\"to_name\":\"image\",\"type\":\"rectanglelabels\","
		  "\"value\":{\"x\":90,\"y\":10,\"width\":30,\"height\":20,\"rotation\":90,"
		  "\"rectanglelabels\":[\"Car\"]}}]");
	result_bad(cfg,
		   "[{\"from_name\":\"label\",\"to_name\":\"image\",\"type\":\"rectanglelabels\","
		   "\"value\":{\"x\":80,\"y\":1,\"width\":30,\"height\":40,"
		   "\"rectanglelabels\":[\"Car\"]}}]",
		   "result[0]: value.x + value.width is 110, past the right edge (100)");
	result_bad(cfg,
		   "[{\"from_name\":\"label\",\"to_name\":\"image\",\"type\":\"rectanglelabels\","
		   "\"value\":{\"x\":0,\"y\":70.5,\"width\":30,\"height\":30,\"rotation\":0,"
		   "\"rectanglelabels\":[\"Car\"]}}]",
		   "value.y + value.height is 100.5, past the bottom edge (100)");
	result_bad(cfg,
		   "[{\"from_name\":\"label\",\"to_name\":\"image\",\"type\":\"rectanglelabels\","
		   "\"value\":{\"x\":0,\"y\":0,\"width\":-1,\"height\":30,"
		   "\"rectanglelabels\":[\"Car\"]}}]",
		   "value.width must be a number between 0 and 100");
	result_bad(cfg,
		   "[{\"from_name\":\"label\",\"to_name\":\"image\",\"type\":\"rectanglelabels\","
		   "\"value\":{\"x\":0,\"y\":0,\"width\":1,\"height\":1,\"rotation\":\"9\","
		   "\"rectanglelabels\":[\"Car\"]}}]",
		   "value.rotation must be a number");
	lf_labelcfg_free(cfg);

	/* A plain <Labels> on an image, paired with a drawing tool. */
	cfg =
	    lf_fx_labelcfg("<View><Image name=\"img\" value=\"$i\"/><Rectangle name=\"r\" "
			   "toName=\"img\"/><Labels name=\"l\" toName=\"img\"><Label value=\"A\"/>"
			   "</Labels></View>");
	result_ok(cfg, "[{\"from_name\":\"l\",\"to_name\":\"img\",\"type\":\"rectanglelabels\","
		       "\"value\":{\"x\":1,\"y\":1,\"width\":2,\"height\":2,"
		       "\"rectanglelabels\":[\"A\"]}},"
		       "{\"from_name\":\"r\",\"to_name\":\"img\",\"type\":\"rectangle\","
		       "\"value\":{\"x\":1,\"y\":1,\"width\":2,\"height\":2}}]");
	result_bad(cfg,
		   "[{\"from_name\":\"l\",\"to_name\":\"img\",\"type\":\"labels\","
		   "\"value\":{\"start\":1,\"end\":2,\"labels\":[\"A\"]}}]",
		   "spans cannot be placed on <Image");
	lf_labelcfg_free(cfg);
}

static void test_result_polygon(void **state)
{
	lf_labelcfg *cfg = lf_fx_labelcfg(POLY);

	result_ok(cfg, "[{\"from_name\":\"poly\",\"to_name\":\"image\",\"type\":\"polygonlabels\","
		       "\"value\":{\"points\":[[10,10],[50.5,10],[30,40]],\"closed\":true,"
		       "\"polygonlabels\":[\"Road\"]}}]");
	result_bad(cfg,
		   "[{\"from_name\":\"poly\",\"to_name\":\"image\",\"type\":\"polygonlabels\","
		   "\"value\":{\"points\":[[10,10],[50,10]],\"polygonlabels\":[\"Road\"]}}]",
		   "at least 3");
	result_bad(cfg,
		   "[{\"from_name\":\"poly\",\"to_name\":\"image\",\"type\":\"polygonlabels\","
		   "\"value\":{\"points\":[[10,10],[50,10],[30,140]],"
		   "\"polygonlabels\":[\"Road\"]}}]",
		   "value.points[2]");
	result_bad(cfg,
		   "[{\"from_name\":\"poly\",\"to_name\":\"image\",\"type\":\"polygonlabels\","
		   "\"value\":{\"points\":[[10,10],[50,10],[30]],\"polygonlabels\":[\"Road\"]}}]",
		   "value.points[2]");
	result_bad(cfg,
		   "[{\"from_name\":\"poly\",\"to_name\":\"image\",\"type\":\"polygonlabels\","
		   "\"value\":{\"points\":[[10,10],[50,10],[30,40]],"
		   "\"polygonlabels\":[\"River\"]}}]",
		   "label \"River\"");
	lf_labelcfg_free(cfg);
}

static void test_result_keypoint(void **state)
{
	lf_labelcfg *cfg = lf_fx_labelcfg(KEYPOINT);

	result_ok(cfg, "[{\"from_name\":\"kp\",\"to_name\":\"img\",\"type\":\"keypointlabels\","
		       "\"value\":{\"x\":10,\"y\":20,\"width\":0.5,\"keypointlabels\":[\"Eye\"]}},"
		       "{\"from_name\":\"kp\",\"to_name\":\"img\",\"type\":\"keypointlabels\","
		       "\"value\":{\"x\":0,\"y\":100,\"keypointlabels\":[\"Nose\"]}}]");
	result_bad(cfg,
		   "[{\"from_name\":\"kp\",\"to_name\":\"img\",\"type\":\"keypointlabels\","
		   "\"value\":{\"x\":101,\"y\":20,\"keypointlabels\":[\"Eye\"]}}]",
		   "value.x");
	result_bad(cfg,
		   "[{\"from_name\":\"kp\",\"to_name\":\"img\",\"type\":\"keypointlabels\","
		   "\"value\":{\"y\":20,\"keypointlabels\":[\"Eye\"]}}]",
		   "value.x is missing");
	result_bad(cfg,
		   "[{\"from_name\":\"kp\",\"to_name\":\"img\",\"type\":\"keypointlabels\","
		   "\"value\":{\"x\":1,\"y\":20,\"keypointlabels\":[\"Ear\"]}}]",
		   "label \"Ear\" is not defined in control \"kp\"");
	lf_labelcfg_free(cfg);
}

static void test_result_audio(void **state)
{
	lf_labelcfg *cfg = lf_fx_labelcfg(AUDIO);

	result_ok(cfg, "[{\"id\":\"s1\",\"from_name\":\"speaker\",\"to_name\":\"audio\","
		       "\"type\":\"labels\",\"value\":{\"start\":1.25,\"end\":3.5,"
		       "\"labels\":[\"Alice\"]}},"
		       "{\"id\":\"s1\",\"from_name\":\"transcription\",\"to_name\":\"audio\","
		       "\"type\":\"textarea\",\"value\":{\"start\":1.25,\"end\":3.5,"
		       "\"text\":[\"hello there\"]}}]");
	result_bad(cfg,
		   "[{\"from_name\":\"speaker\",\"to_name\":\"audio\",\"type\":\"labels\","
		   "\"value\":{\"start\":4,\"end\":3.5,\"labels\":[\"Alice\"]}}]",
		   "start is after");
	result_bad(cfg,
		   "[{\"from_name\":\"speaker\",\"to_name\":\"audio\",\"type\":\"labels\","
		   "\"value\":{\"start\":-0.5,\"end\":3.5,\"labels\":[\"Alice\"]}}]",
		   "value.start must be a number >= 0");
	result_bad(cfg,
		   "[{\"from_name\":\"speaker\",\"to_name\":\"audio\",\"type\":\"labels\","
		   "\"value\":{\"start\":0,\"end\":3.5,\"labels\":[\"Carol\"]}}]",
		   "label \"Carol\"");
	result_bad(cfg,
		   "[{\"from_name\":\"transcription\",\"to_name\":\"audio\",\"type\":\"textarea\","
		   "\"value\":{\"text\":\"not an array\"}}]",
		   "value.text must be a non-empty array of strings");
	result_bad(cfg,
		   "[{\"from_name\":\"transcription\",\"to_name\":\"audio\",\"type\":\"textarea\","
		   "\"value\":{\"text\":[\"ok\",5]}}]",
		   "value.text[1]");
	lf_labelcfg_free(cfg);
}

static void test_result_video(void **state)
{
	lf_labelcfg *cfg = lf_fx_labelcfg(VIDEO);

	result_ok(cfg, "[{\"from_name\":\"box\",\"to_name\":\"video\",\"type\":\"videorectangle\","
		       "\"value\":{\"framesCount\":100,\"duration\":4,\"labels\":[\"Cell\"],"
		       "\"sequence\":[{\"frame\":1,\"enabled\":true,\"x\":1,\"y\":2,\"width\":3,"
		       "\"height\":4,\"time\":0.04,\"rotation\":0},{\"frame\":9,\"enabled\":false,"
		       "\"x\":5,\"y\":2,\"width\":3,\"height\":4,\"time\":0.36}]}},"
		       "{\"from_name\":\"tl\",\"to_name\":\"video\",\"type\":\"timelinelabels\","
		       "\"value\":{\"ranges\":[{\"start\":3,\"end\":30}],"
		       "\"timelinelabels\":[\"Run\"]}}]");
	result_bad(cfg,
		   "[{\"from_name\":\"box\",\"to_name\":\"video\",\"type\":\"videorectangle\","
		   "\"value\":{\"labels\":[\"Virus\"],\"sequence\":[{\"frame\":1,\"x\":1,\"y\":2,"
		   "\"width\":3,\"height\":4}]}}]",
		   "label \"Virus\" is not defined for object \"video\"");
	result_bad(cfg,
		   "[{\"from_name\":\"box\",\"to_name\":\"video\",\"type\":\"videorectangle\","
		   "\"value\":{\"sequence\":[{\"frame\":1,\"x\":1,\"y\":2,\"width\":300,"
		   "\"height\":4}]}}]",
		   "value.sequence[0].width must be a number between 0 and 100");
	result_bad(cfg,
		   "[{\"from_name\":\"box\",\"to_name\":\"video\",\"type\":\"videorectangle\","
		   "\"value\":{\"sequence\":[]}}]",
		   "value.sequence must be a non-empty array");
	result_bad(cfg,
		   "[{\"from_name\":\"tl\",\"to_name\":\"video\",\"type\":\"timelinelabels\","
		   "\"value\":{\"ranges\":[{\"start\":30,\"end\":3}],"
		   "\"timelinelabels\":[\"Run\"]}}]",
		   "value.ranges[0].start is after");
	result_bad(cfg,
		   "[{\"from_name\":\"tl\",\"to_name\":\"video\",\"type\":\"timelinelabels\","
		   "\"value\":{\"ranges\":[{\"start\":3,\"end\":30}],"
		   "\"timelinelabels\":[\"Fly\"]}}]",
		   "label \"Fly\" is not defined in control \"tl\"");
	result_bad(cfg,
		   "[{\"from_name\":\"tl\",\"to_name\":\"video\",\"type\":\"videorectangle\","
		   "\"value\":{\"sequence\":[{\"frame\":1,\"x\":1,\"y\":2,\"width\":3,"
		   "\"height\":4}]}}]",
		   "expected \"timelinelabels\"");
	/* frames and times within the framesCount and duration a region records */
	result_bad(
	    cfg,
	    "[{\"from_name\":\"box\",\"to_name\":\"video\",\"type\":\"videorectangle\","
	    "\"value\":{\"framesCount\":100,\"sequence\":[{\"frame\":100,\"x\":1,\"y\":2,"
	    "\"width\":3,\"height\":4},{\"frame\":101,\"x\":1,\"y\":2,\"width\":3,"
	    "\"height\":4}]}}]",
	    "result[0]: value.sequence[1].frame 101 is past the last frame (framesCount 100)");
	result_bad(cfg,
		   "[{\"from_name\":\"box\",\"to_name\":\"video\",\"type\":\"videorectangle\","
		   "\"value\":{\"duration\":4,\"sequence\":[{\"frame\":1,\"time\":4.5,\"x\":1,"
		   "\"y\":2,\"width\":3,\"height\":4}]}}]",
		   "value.sequence[0].time 4.5 is past the end of the video (duration 4)");
	result_bad(cfg,
		   "[{\"from_name\":\"box\",\"to_name\":\"video\",\"type\":\"videorectangle\","
		   "\"value\":{\"sequence\":[{\"frame\":-1,\"x\":1,\"y\":2,\"width\":3,"
		   "\"height\":4}]}}]",
		   "value.sequence[0].frame must be an integer >= 0");
	result_bad(cfg,
		   "[{\"from_name\":\"box\",\"to_name\":\"video\",\"type\":\"videorectangle\","
		   "\"value\":{\"sequence\":[{\"frame\":1,\"x\":90,\"y\":2,\"width\":30,"
		   "\"height\":4}]}}]",
		   "value.sequence[0].x + value.sequence[0].width is 120");
	result_bad(cfg,
		   "[{\"from_name\":\"box\",\"to_name\":\"video\",\"type\":\"videorectangle\","
		   "\"value\":{\"framesCount\":-3,\"sequence\":[{\"frame\":1,\"x\":1,\"y\":2,"
		   "\"width\":3,\"height\":4}]}}]",
		   "value.framesCount must be an integer >= 0");
	result_ok(cfg, "[{\"from_name\":\"tl\",\"to_name\":\"video\",\"type\":\"timelinelabels\","
		       "\"value\":{\"framesCount\":30,\"ranges\":[{\"start\":3,\"end\":30}],"
		       "\"timelinelabels\":[\"Run\"]}}]");
	result_bad(cfg,
		   "[{\"from_name\":\"tl\",\"to_name\":\"video\",\"type\":\"timelinelabels\","
		   "\"value\":{\"framesCount\":30,\"ranges\":[{\"start\":3,\"end\":31}],"
		   "\"timelinelabels\":[\"Run\"]}}]",
		   "value.ranges[0].end 31 is past the last frame (framesCount 30)");
	result_bad(cfg,
		   "[{\"from_name\":\"tl\",\"to_name\":\"video\",\"type\":\"timelinelabels\","
		   "\"value\":{\"ranges\":[{\"start\":-2,\"end\":3}],"
		   "\"timelinelabels\":[\"Run\"]}}]",
		   "value.ranges[0].start must be an integer >= 0");
	lf_labelcfg_free(cfg);
}

static void test_result_misc(void **state)
{
	lf_labelcfg *cfg = lf_fx_labelcfg(MISC);

	result_ok(cfg, "[{\"from_name\":\"hl\",\"to_name\":\"html\",\"type\":\"hypertextlabels\","
		       "\"value\":{\"start\":\"/div[1]/p[2]/text()[1]\",\"end\":\"/div[1]/p[4]\","
		       "\"startOffset\":2,\"endOffset\":81,\"htmllabels\":[\"Title\"]}},"
		       "{\"from_name\":\"pl\",\"to_name\":\"dialog\",\"type\":\"paragraphlabels\","
		       "\"value\":{\"start\":\"0\",\"end\":\"2\",\"startOffset\":4,\"endOffset\":1,"
		       "\"paragraphlabels\":[\"Q\"]}},"
		       "{\"from_name\":\"stars\",\"to_name\":\"html\",\"type\":\"rating\","
		       "\"value\":{\"rating\":10}},"
		       "{\"from_name\":\"count\",\"to_name\":\"html\",\"type\":\"number\","
		       "\"value\":{\"number\":4.5}},"
		       "{\"from_name\":\"when\",\"to_name\":\"html\",\"type\":\"datetime\","
		       "\"value\":{\"datetime\":\"2024-01-02T03:04\"}},"
		       "{\"from_name\":\"tax\",\"to_name\":\"html\",\"type\":\"taxonomy\","
		       "\"value\":{\"taxonomy\":[[\"Plant\",\"Cat\"]]}}]");
	result_bad(cfg,
		   "[{\"from_name\":\"stars\",\"to_name\":\"html\",\"type\":\"rating\","
		   "\"value\":{\"rating\":11}}]",
		   "between 1 and 10");
	result_bad(cfg,
		   "[{\"from_name\":\"stars\",\"to_name\":\"html\",\"type\":\"rating\","
		   "\"value\":{\"rating\":2.5}}]",
		   "value.rating must be an integer");
	result_bad(cfg,
		   "[{\"from_name\":\"count\",\"to_name\":\"html\",\"type\":\"number\","
		   "\"value\":{\"number\":6}}]",
		   "value.number must be a number between 0 and 5");
	result_bad(cfg,
		   "[{\"from_name\":\"count\",\"to_name\":\"html\",\"type\":\"number\","
		   "\"value\":{}}]",
		   "value.number is missing");
	result_bad(cfg,
		   "[{\"from_name\":\"when\",\"to_name\":\"html\",\"type\":\"datetime\","
		   "\"value\":{\"datetime\":\"\"}}]",
		   "value.datetime");
	result_bad(cfg,
		   "[{\"from_name\":\"tax\",\"to_name\":\"html\",\"type\":\"taxonomy\","
		   "\"value\":{\"taxonomy\":[[\"Plant\",\"Dog\"]]}}]",
		   "choice \"Dog\" is not defined under \"Plant\"");
	result_bad(cfg,
		   "[{\"from_name\":\"tax\",\"to_name\":\"html\",\"type\":\"taxonomy\","
		   "\"value\":{\"taxonomy\":[[\"Cat\"]]}}]",
		   "choice \"Cat\" is not defined at the top level");
	result_bad(cfg,
		   "[{\"from_name\":\"pl\",\"to_name\":\"dialog\",\"type\":\"paragraphlabels\","
		   "\"value\":{\"start\":\"3\",\"end\":\"2\",\"startOffset\":0,\"endOffset\":1,"
		   "\"paragraphlabels\":[\"Q\"]}}]",
		   "start is after");
	result_bad(cfg,
		   "[{\"from_name\":\"pl\",\"to_name\":\"dialog\",\"type\":\"paragraphlabels\","
		   "\"value\":{\"start\":\"x\",\"end\":\"2\",\"startOffset\":0,\"endOffset\":1,"
		   "\"paragraphlabels\":[\"Q\"]}}]",
		   "paragraph index");
	result_bad(cfg,
		   "[{\"from_name\":\"hl\",\"to_name\":\"html\",\"type\":\"hypertextlabels\","
		   "\"value\":{\"start\":3,\"end\":\"/div\",\"startOffset\":2,\"endOffset\":81,"
		   "\"hypertextlabels\":[\"Title\"]}}]",
		   "xpath");
	result_bad(cfg,
		   "[{\"from_name\":\"f\",\"to_name\":\"hl\",\"type\":\"choices\","
		   "\"value\":{\"choices\":[\"x\"]}}]",
		   "from_name \"f\" is not a control");
	lf_labelcfg_free(cfg);
}

struct shared {
	const lf_labelcfg *cfg;
	json_t *good, *bad;
	int failures;
};

static void *validate_many(void *arg)
{
	struct shared *sh = arg;
	char err[128];
	int failures = 0;

	for (int k = 0; k < 2000; k++) {
		if (lf_labelcfg_validate_result(sh->cfg, sh->good, NULL, err, sizeof(err)) != LF_OK)
			failures++;
		if (lf_labelcfg_validate_result(sh->cfg, sh->bad, NULL, err, sizeof(err)) !=
		    LF_ERR_INVALID)
			failures++;
	}
	return (void *)(intptr_t)failures;
}

/* Handlers cache one parsed config and validate from many threads. */
static void test_shared_between_threads(void **state)
{
	struct shared sh = {0};
	pthread_t th[4];
	void *rv;

	sh.cfg = lf_fx_labelcfg(BBOX);
	sh.good = json_loads("[{\"from_name\":\"label\",\"to_name\":\"image\","
			     "\"type\":\"rectanglelabels\",\"value\":{\"x\":1,\"y\":2,"
			     "\"width\":3,\"height\":4,\"rectanglelabels\":[\"Car\"]}}]",
			     0, NULL);
	sh.bad = json_loads("[{\"from_name\":\"label\",\"to_name\":\"image\","
			    "\"type\":\"rectanglelabels\",\"value\":{\"x\":1,\"y\":2,"
			    "\"width\":3,\"height\":4,\"rectanglelabels\":[\"Bus\"]}}]",
			    0, NULL);
	assert_non_null(sh.good);
	assert_non_null(sh.bad);
	for (size_t i = 0; i < LF_ARRAY_LEN(th); i++)
		assert_int_equal(pthread_create(&th[i], NULL, validate_many, &sh), 0);
	for (size_t i = 0; i < LF_ARRAY_LEN(th); i++) {
		assert_int_equal(pthread_join(th[i], &rv), 0);
		sh.failures += (int)(intptr_t)rv;
	}
	assert_int_equal(sh.failures, 0);
	json_decref(sh.good);
	json_decref(sh.bad);
	lf_labelcfg_free((lf_labelcfg *)sh.cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_text_classification),
	    cmocka_unit_test(test_parse_ner),
	    cmocka_unit_test(test_parse_all_kinds),
	    cmocka_unit_test(test_parse_details),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_parse_refuses_dtd),
	    cmocka_unit_test(test_parse_limits),
	    cmocka_unit_test(test_parse_label_count),
	    cmocka_unit_test(test_describe),
	    cmocka_unit_test(test_result_generic),
	    cmocka_unit_test(test_result_choices),
	    cmocka_unit_test(test_result_ner),
	    cmocka_unit_test(test_result_span_bounds),
	    cmocka_unit_test(test_result_bbox),
	    cmocka_unit_test(test_result_polygon),
	    cmocka_unit_test(test_result_keypoint),
	    cmocka_unit_test(test_result_audio),
	    cmocka_unit_test(test_result_video),
	    cmocka_unit_test(test_result_misc),
	    cmocka_unit_test(test_shared_between_threads),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
