/*
 * test_consensus.c - merging several annotators' results (src/quality/
 * consensus.c): every rule on hand-computed cases (votes, the quorum,
 * clusters of boxes, keypoints and polygons, character votes on text
 * spans, texts) and the refusals.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "labelcfg/labelcfg.h"
#include "quality/consensus.h"

#include "fixture.h"
#include "labelcfg_samples.h"

#define EPS 1e-9

#define assert_near(got, want, eps)                                                                \
	do {                                                                                       \
		double got_ = (got), want_ = (want);                                               \
		if (!(fabs(got_ - want_) <= (eps)))                                                \
			fail_msg("%s is %.17g, expected %.17g", #got, got_, want_);                \
	} while (0)

#define CLS_AND_BOXES                                                                              \
	"<View><Image name=\"image\" value=\"$image\"/>"                                           \
	"<Choices name=\"weather\" toName=\"image\"><Choice value=\"Sunny\"/>"                     \
	"<Choice value=\"Rainy\"/><Choice value=\"Snowy\"/></Choices>"                             \
	"<RectangleLabels name=\"label\" toName=\"image\"><Label value=\"Car\"/>"                  \
	"<Label value=\"Person\"/></RectangleLabels></View>"

#define TRANSCRIBE                                                                                 \
	"<View><Audio name=\"audio\" value=\"$audio\"/>"                                           \
	"<TextArea name=\"text\" toName=\"audio\"/></View>"

#define CHOICE(v)                                                                                  \
	"{\"from_name\":\"weather\",\"to_name\":\"image\",\"type\":\"choices\","                   \
	"\"value\":{\"choices\":[\"" v "\"]}}"

#define RECT(x, y, w, h, label)                                                                    \
	"{\"from_name\":\"label\",\"to_name\":\"image\",\"type\":\"rectanglelabels\","             \
	"\"original_width\":800,\"original_height\":600,"                                          \
	"\"value\":{\"x\":" #x ",\"y\":" #y ",\"width\":" #w ",\"height\":" #h                     \
	",\"rotation\":0,\"rectanglelabels\":[\"" label "\"]}}"

#define KP(x, y)                                                                                   \
	"{\"from_name\":\"kp\",\"to_name\":\"img\",\"type\":\"keypointlabels\","                   \
	"\"value\":{\"x\":" #x ",\"y\":" #y ",\"keypointlabels\":[\"Nose\"]}}"

#define SQUARE(x0, x1)                                                                             \
	"{\"from_name\":\"poly\",\"to_name\":\"image\",\"type\":\"polygonlabels\","                \
	"\"value\":{\"points\":[[" #x0 ",0],[" #x1 ",0],[" #x1 ",10],[" #x0 ",10]],"               \
	"\"polygonlabels\":[\"Road\"]}}"

/* "Alice met Bob in Paris": Alice 0-5, Bob 10-13, Paris 17-22. */
#define SENTENCE "Alice met Bob in Paris"
#define SPAN(s, e, label, text)                                                                    \
	"{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","                       \
	"\"value\":{\"start\":" #s ",\"end\":" #e ",\"text\":\"" text "\",\"labels\":[\"" label    \
	"\"]}}"

#define TEXTAREA(t)                                                                                \
	"{\"from_name\":\"text\",\"to_name\":\"audio\",\"type\":\"textarea\","                     \
	"\"value\":{\"text\":[\"" t "\"]}}"

static json_t *must_load(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);
	if (j == NULL)
		print_error("bad test JSON: %s in %s\n", jerr.text, text);
	assert_non_null(j);
	return j;
}

/*
 * Merges the n JSON texts, after checking that each is a result the server
 * would have accepted for the config (with data, a JSON text or NULL).
 * Returns lf_consensus_merge's code; *out holds the proposal on LF_OK.
 */
static int merge(const char *xml, const char *data, const char *const *texts, size_t n,
		 const lf_consensus_opts *opts, lf_consensus *out, lf_error *e)
{
	lf_labelcfg *cfg = lf_fx_labelcfg(xml);
	json_t *results[8], *d = data != NULL ? must_load(data) : NULL;
	char err[256] = "";
	int rc;

	assert_true(n <= 8);
	for (size_t i = 0; i < n; i++) {
		results[i] = must_load(texts[i]);
		if (lf_labelcfg_validate_result(cfg, results[i], d, err, sizeof(err)) != LF_OK)
			print_error("test result refused by the validator: %s\n", err);
		assert_string_equal(err, "");
	}
	rc = lf_consensus_merge(cfg, (const json_t *const *)results, n, opts, out, e);
	/* Whatever was merged is a result the validator accepts. */
	if (rc == LF_OK &&
	    lf_labelcfg_validate_result(cfg, out->result, d, err, sizeof(err)) != LF_OK)
		fail_msg("merged result refused: %s", err);
	for (size_t i = 0; i < n; i++)
		json_decref(results[i]);
	json_decref(d);
	lf_labelcfg_free(cfg);
	return rc;
}

/* The report of the control named name. */
static json_t *control(const lf_consensus *c, const char *name)
{
	for (size_t i = 0; i < json_array_size(c->controls); i++) {
		json_t *r = json_array_get(c->controls, i);
		if (strcmp(json_string_value(json_object_get(r, "name")), name) == 0)
			return r;
	}
	fail_msg("no report for control %s", name);
	return NULL;
}

static double num_at(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	if (!json_is_number(v))
		fail_msg("%s is not a number", key);
	return json_number_value(v);
}

/* The merged regions of one control, in result order. */
static size_t regions_of(const lf_consensus *c, const char *name, json_t **out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < json_array_size(c->result); i++) {
		json_t *r = json_array_get(c->result, i);
		if (strcmp(json_string_value(json_object_get(r, "from_name")), name) == 0 &&
		    k < max)
			out[k++] = r;
	}
	return k;
}

static void test_majority_wins(void **state)
{
	const char *in[] = {"[" CHOICE("Sunny") "]", "[" CHOICE("Rainy") "]",
			    "[" CHOICE("Sunny") "]"};
	lf_consensus c;
	json_t *r[4], *rep;

	(void)state;
	assert_int_equal(merge(CLS_AND_BOXES, NULL, in, 3, NULL, &c, NULL), LF_OK);
	assert_int_equal(c.annotators, 3);
	assert_int_equal(c.quorum, 2);
	assert_int_equal(regions_of(&c, "weather", r, 4), 1);
	assert_string_equal(json_string_value(json_array_get(
				json_object_get(json_object_get(r[0], "value"), "choices"), 0)),
			    "Sunny");
	assert_string_equal(json_string_value(json_object_get(r[0], "id")), "consensus_1");
	rep = control(&c, "weather");
	assert_string_equal(json_string_value(json_object_get(rep, "method")), "vote");
	assert_near(num_at(rep, "agreement"), 1, EPS);
	assert_int_equal(json_array_size(json_object_get(rep, "disagreements")), 0);
	lf_consensus_free(&c);
}

static void test_tie_is_no_quorum(void **state)
{
	const char *in[] = {"[" CHOICE("Sunny") "]", "[" CHOICE("Rainy") "]",
			    "[" CHOICE("Sunny") "]", "[" CHOICE("Rainy") "]"};
	lf_consensus c;
	json_t *r[4], *d, *votes;

	(void)state;
	assert_int_equal(merge(CLS_AND_BOXES, NULL, in, 4, NULL, &c, NULL), LF_OK);
	assert_int_equal(c.quorum, 3);
	assert_int_equal(regions_of(&c, "weather", r, 4), 0);
	d = json_array_get(json_object_get(control(&c, "weather"), "disagreements"), 0);
	assert_non_null(d);
	assert_string_equal(json_string_value(json_object_get(d, "reason")), "no_quorum");
	assert_string_equal(json_string_value(json_object_get(d, "to_name")), "image");
	votes = json_object_get(d, "votes");
	assert_int_equal(json_array_size(votes), 2);
	assert_int_equal(num_at(json_array_get(votes, 0), "count"), 2);
	assert_int_equal(num_at(json_array_get(votes, 1), "count"), 2);
	assert_string_equal(
	    json_string_value(json_array_get(
		json_object_get(json_object_get(json_array_get(votes, 0), "value"), "choices"), 0)),
	    "Sunny");
	assert_near(num_at(control(&c, "weather"), "agreement"), 0, EPS);
	lf_consensus_free(&c);
}

/* The quorum as a count: 2 of 3 is not enough for 3; a tie at the top is
 * no quorum even when both reach 1. An annotator who left the control out
 * counts against it. */
static void test_quorum_option(void **state)
{
	const char *two_of_three[] = {"[" CHOICE("Sunny") "]", "[" CHOICE("Rainy") "]",
				      "[" CHOICE("Sunny") "]"};
	const char *split[] = {"[" CHOICE("Sunny") "]", "[" CHOICE("Rainy") "]"};
	const char *abstain[] = {"[" CHOICE("Sunny") "]", "[]", "[]"};
	lf_consensus_opts o;
	lf_consensus c;
	json_t *r[4];

	(void)state;
	lf_consensus_opts_init(&o);
	o.quorum = 3;
	assert_int_equal(merge(CLS_AND_BOXES, NULL, two_of_three, 3, &o, &c, NULL), LF_OK);
	assert_int_equal(regions_of(&c, "weather", r, 4), 0);
	lf_consensus_free(&c);
	o.quorum = 1;
	assert_int_equal(merge(CLS_AND_BOXES, NULL, split, 2, &o, &c, NULL), LF_OK);
	assert_int_equal(regions_of(&c, "weather", r, 4), 0);
	assert_int_equal(json_array_size(json_object_get(control(&c, "weather"), "disagreements")),
			 1);
	lf_consensus_free(&c);
	assert_int_equal(merge(CLS_AND_BOXES, NULL, abstain, 3, NULL, &c, NULL), LF_OK);
	assert_int_equal(regions_of(&c, "weather", r, 4), 0);
	lf_consensus_free(&c);
}

/* Three boxes, two of which overlap: one merged box, the mean of the two,
 * and the third reported as drawn by one annotator. */
static void test_boxes_cluster(void **state)
{
	const char *in[] = {"[" RECT(10, 10, 20, 20, "Car") "]",
			    "[" RECT(12, 14, 20, 22, "Car") "]",
			    "[" RECT(60, 60, 10, 10, "Car") "]"};
	lf_consensus c;
	json_t *r[4], *v, *rep, *d;

	(void)state;
	assert_int_equal(merge(CLS_AND_BOXES, NULL, in, 3, NULL, &c, NULL), LF_OK);
	assert_int_equal(regions_of(&c, "label", r, 4), 1);
	v = json_object_get(r[0], "value");
	assert_near(num_at(v, "x"), 11, EPS);
	assert_near(num_at(v, "y"), 12, EPS);
	assert_near(num_at(v, "width"), 20, EPS);
	assert_near(num_at(v, "height"), 21, EPS);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(v, "rectanglelabels"), 0)), "Car");
	assert_near(num_at(r[0], "original_width"), 800, EPS);
	rep = control(&c, "label");
	assert_string_equal(json_string_value(json_object_get(rep, "method")), "cluster");
	assert_near(num_at(rep, "agreement"), 0.5, EPS);
	assert_int_equal(json_array_size(json_object_get(rep, "disagreements")), 1);
	d = json_array_get(json_object_get(rep, "disagreements"), 0);
	assert_string_equal(json_string_value(json_object_get(d, "reason")), "no_quorum");
	assert_int_equal(num_at(d, "annotators"), 1);
	assert_near(num_at(json_object_get(d, "value"), "x"), 60, EPS);
	lf_consensus_free(&c);
}

/* Overlapping boxes of different labels: one cluster, the majority's
 * label, the split reported against the merged region's id. Two boxes of
 * one annotator never share a cluster. */
static void test_box_labels_split(void **state)
{
	const char *in[] = {"[" RECT(10, 10, 20, 20, "Car") "," RECT(11, 10, 20, 20, "Car") "]",
			    "[" RECT(10, 10, 20, 20, "Person") "]",
			    "[" RECT(10, 11, 20, 20, "Car") "]"};
	lf_consensus c;
	json_t *r[4], *d, *labels;

	(void)state;
	assert_int_equal(merge(CLS_AND_BOXES, NULL, in, 3, NULL, &c, NULL), LF_OK);
	assert_int_equal(regions_of(&c, "label", r, 4), 1);
	assert_string_equal(
	    json_string_value(json_array_get(
		json_object_get(json_object_get(r[0], "value"), "rectanglelabels"), 0)),
	    "Car");
	d = json_array_get(json_object_get(control(&c, "label"), "disagreements"), 0);
	assert_string_equal(json_string_value(json_object_get(d, "reason")), "label_split");
	assert_string_equal(json_string_value(json_object_get(d, "id")),
			    json_string_value(json_object_get(r[0], "id")));
	labels = json_object_get(d, "labels");
	assert_int_equal(num_at(json_array_get(labels, 0), "count"), 2);
	assert_int_equal(num_at(json_array_get(labels, 1), "count"), 1);
	/* The first annotator's second box is left alone. */
	d = json_array_get(json_object_get(control(&c, "label"), "disagreements"), 1);
	assert_string_equal(json_string_value(json_object_get(d, "reason")), "no_quorum");
	assert_int_equal(num_at(d, "annotators"), 1);
	lf_consensus_free(&c);
}

/* A chain of boxes, each overlapping the next but the ends not each
 * other, does not become one cluster (complete linkage). */
static void test_chain_is_not_one_cluster(void **state)
{
	const char *in[] = {"[" RECT(0, 0, 10, 10, "Car") "]", "[" RECT(2, 0, 10, 10, "Car") "]",
			    "[" RECT(5, 0, 10, 10, "Car") "]"};
	lf_consensus c;
	json_t *r[4];

	(void)state;
	/* IoU 0->1 = 80/120, 1->2 = 70/130, 0->2 = 50/150. */
	assert_int_equal(merge(CLS_AND_BOXES, NULL, in, 3, NULL, &c, NULL), LF_OK);
	assert_int_equal(regions_of(&c, "label", r, 4), 1);
	assert_near(num_at(json_object_get(r[0], "value"), "x"), 1, EPS);
	assert_int_equal(json_array_size(json_object_get(control(&c, "label"), "disagreements")),
			 1);
	lf_consensus_free(&c);
}

/* Character votes: PER on Alice in pieces (every character by two or
 * three) merges whole; Bob by two for "Bo" and one for "b"; Paris by one. */
static void test_span_votes(void **state)
{
	const char *in[] = {"[" SPAN(0, 5, "PER", "Alice") "," SPAN(10, 13, "PER", "Bob") "," SPAN(
				17, 22, "LOC", "Paris") "]",
			    "[" SPAN(0, 3, "PER", "Ali") "," SPAN(10, 12, "PER", "Bo") "]",
			    "[" SPAN(2, 5, "PER", "ice") "]"};
	lf_consensus c;
	json_t *r[4], *v, *rep, *dis;

	(void)state;
	assert_int_equal(merge(NER, "{\"text\":\"" SENTENCE "\"}", in, 3, NULL, &c, NULL), LF_OK);
	assert_int_equal(regions_of(&c, "label", r, 4), 2);
	v = json_object_get(r[0], "value");
	assert_int_equal(num_at(v, "start"), 0);
	assert_int_equal(num_at(v, "end"), 5);
	assert_string_equal(json_string_value(json_object_get(v, "text")), "Alice");
	assert_string_equal(json_string_value(json_array_get(json_object_get(v, "labels"), 0)),
			    "PER");
	v = json_object_get(r[1], "value");
	assert_int_equal(num_at(v, "start"), 10);
	assert_int_equal(num_at(v, "end"), 12);
	assert_string_equal(json_string_value(json_object_get(v, "text")), "Bo");
	rep = control(&c, "label");
	assert_string_equal(json_string_value(json_object_get(rep, "method")), "span_vote");
	/* 7 of the 13 labeled characters have the quorum. */
	assert_near(num_at(rep, "agreement"), 7.0 / 13, EPS);
	dis = json_object_get(rep, "disagreements");
	assert_int_equal(json_array_size(dis), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(dis, 0), "label")),
			    "LOC");
	assert_int_equal(num_at(json_array_get(dis, 0), "start"), 17);
	assert_int_equal(num_at(json_array_get(dis, 0), "end"), 22);
	assert_int_equal(num_at(json_array_get(dis, 1), "start"), 12);
	assert_int_equal(num_at(json_array_get(dis, 1), "end"), 13);
	assert_int_equal(num_at(json_array_get(dis, 1), "annotators"), 1);
	lf_consensus_free(&c);
}

/* Spans without text are merged from their offsets, without text. */
static void test_spans_without_text(void **state)
{
	const char *in[] = {"[{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","
			    "\"value\":{\"start\":0,\"end\":5,\"labels\":[\"PER\"]}}]",
			    "[{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","
			    "\"value\":{\"start\":1,\"end\":5,\"labels\":[\"PER\"]}}]"};
	lf_consensus c;
	json_t *r[2], *v;

	(void)state;
	assert_int_equal(merge(NER, NULL, in, 2, NULL, &c, NULL), LF_OK);
	assert_int_equal(regions_of(&c, "label", r, 2), 1);
	v = json_object_get(r[0], "value");
	assert_int_equal(num_at(v, "start"), 1);
	assert_int_equal(num_at(v, "end"), 5);
	assert_null(json_object_get(v, "text"));
	lf_consensus_free(&c);
}

static void test_keypoints(void **state)
{
	const char *in[] = {"[" KP(10, 10) "]", "[" KP(11, 10.5) "]", "[" KP(30, 30) "]"};
	lf_consensus c;
	json_t *r[4], *v;

	(void)state;
	assert_int_equal(merge(KEYPOINT, NULL, in, 3, NULL, &c, NULL), LF_OK);
	assert_int_equal(regions_of(&c, "kp", r, 4), 1);
	v = json_object_get(r[0], "value");
	assert_near(num_at(v, "x"), 10.5, EPS);
	assert_near(num_at(v, "y"), 10.25, EPS);
	assert_int_equal(json_array_size(json_object_get(control(&c, "kp"), "disagreements")), 1);
	lf_consensus_free(&c);
}

/* Three squares shifted by 0, 1 and 2: IoU 90/110 between neighbours,
 * 80/120 between the ends; the middle one is the medoid and is kept as
 * drawn. */
static void test_polygon_medoid(void **state)
{
	const char *in[] = {"[" SQUARE(0, 10) "]", "[" SQUARE(2, 12) "]", "[" SQUARE(1, 11) "]"};
	lf_consensus c;
	json_t *r[4], *pts;

	(void)state;
	assert_int_equal(merge(POLY, NULL, in, 3, NULL, &c, NULL), LF_OK);
	assert_int_equal(regions_of(&c, "poly", r, 4), 1);
	pts = json_object_get(json_object_get(r[0], "value"), "points");
	assert_int_equal(json_array_size(pts), 4);
	assert_near(json_number_value(json_array_get(json_array_get(pts, 0), 0)), 1, EPS);
	assert_near(json_number_value(json_array_get(json_array_get(pts, 1), 0)), 11, EPS);
	assert_near(num_at(control(&c, "poly"), "agreement"), 1, EPS);
	lf_consensus_free(&c);
}

static void test_textarea(void **state)
{
	const char *agree[] = {"[" TEXTAREA("hello world") "]", "[" TEXTAREA("hello world") "]",
			       "[" TEXTAREA("hello word") "]"};
	const char *apart[] = {"[" TEXTAREA("hello world") "]", "[" TEXTAREA("hello word") "]",
			       "[" TEXTAREA("helo world") "]"};
	lf_consensus c;
	json_t *r[4];

	(void)state;
	assert_int_equal(merge(TRANSCRIBE, NULL, agree, 3, NULL, &c, NULL), LF_OK);
	assert_int_equal(regions_of(&c, "text", r, 4), 1);
	assert_string_equal(json_string_value(json_array_get(
				json_object_get(json_object_get(r[0], "value"), "text"), 0)),
			    "hello world");
	lf_consensus_free(&c);
	assert_int_equal(merge(TRANSCRIBE, NULL, apart, 3, NULL, &c, NULL), LF_OK);
	assert_int_equal(regions_of(&c, "text", r, 4), 0);
	assert_int_equal(
	    json_array_size(json_object_get(
		json_array_get(json_object_get(control(&c, "text"), "disagreements"), 0), "votes")),
	    3);
	lf_consensus_free(&c);
}

/* A per-region transcription (the id of the speaker span it belongs to)
 * cannot be tied to a merged span: left out and reported unsupported,
 * while the spans themselves are merged. */
static void test_per_region_left_out(void **state)
{
#define TURN(id, s, e, text)                                                                       \
	"{\"id\":\"" id "\",\"from_name\":\"speaker\",\"to_name\":\"audio\",\"type\":\"labels\","  \
	"\"value\":{\"start\":" #s ",\"end\":" #e ",\"labels\":[\"Alice\"]}},"                     \
	"{\"id\":\"" id "\",\"from_name\":\"transcription\",\"to_name\":\"audio\","                \
	"\"type\":\"textarea\",\"value\":{\"start\":" #s ",\"end\":" #e ",\"text\":[\"" text       \
	"\"]}}"
	const char *in[] = {"[" TURN("a", 1.0, 3.0, "hello") "]",
			    "[" TURN("b", 1.2, 3.0, "hello") "]"};
	lf_consensus c;
	json_t *r[4], *rep;

	(void)state;
	assert_int_equal(merge(AUDIO, NULL, in, 2, NULL, &c, NULL), LF_OK);
	assert_int_equal(regions_of(&c, "transcription", r, 4), 0);
	rep = control(&c, "transcription");
	assert_string_equal(json_string_value(json_object_get(rep, "method")), "unsupported");
	assert_true(json_is_null(json_object_get(rep, "agreement")));
	assert_int_equal(regions_of(&c, "speaker", r, 4), 1);
	assert_near(num_at(json_object_get(r[0], "value"), "start"), 1.1, EPS);
	assert_near(num_at(json_object_get(r[0], "value"), "end"), 3.0, EPS);
	lf_consensus_free(&c);
#undef TURN
}

static void test_refusals(void **state)
{
	lf_labelcfg *cfg = lf_fx_labelcfg(CLS_AND_BOXES);
	json_t *ok = must_load("[" CHOICE("Sunny") "]"), *obj = must_load("{}");
	json_t *unknown = must_load("[{\"from_name\":\"nope\",\"to_name\":\"image\","
				    "\"type\":\"choices\",\"value\":{\"choices\":[\"Sunny\"]}}]");
	json_t *nobox = must_load("[{\"from_name\":\"label\",\"to_name\":\"image\","
				  "\"type\":\"rectanglelabels\",\"value\":{\"x\":1,"
				  "\"rectanglelabels\":[\"Car\"]}}]");
	const json_t *one[] = {ok}, *not_array[] = {ok, obj}, *bad_name[] = {ok, unknown},
		     *bad_box[] = {ok, nobox};
	lf_consensus_opts o;
	lf_consensus c;
	lf_error e;

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_int_equal(lf_consensus_merge(cfg, one, 1, NULL, &c, &e), LF_ERR_INVALID);
	assert_non_null(strstr(e.message, "at least 2"));
	assert_null(c.result);
	assert_int_equal(lf_consensus_merge(cfg, not_array, 2, NULL, &c, &e), LF_ERR_INVALID);
	assert_string_equal(e.message, "results[1] must be a JSON array of regions");
	assert_int_equal(lf_consensus_merge(cfg, bad_name, 2, NULL, &c, &e), LF_ERR_INVALID);
	assert_string_equal(e.message,
			    "results[1][0]: from_name is not a control of the label config");
	assert_int_equal(lf_consensus_merge(cfg, bad_box, 2, NULL, &c, &e), LF_ERR_INVALID);
	assert_string_equal(e.message, "results[1][0]: a rectangle or ellipse needs its numbers");
	assert_null(c.result);
	assert_null(c.controls);
	lf_consensus_opts_init(&o);
	o.quorum = 3;
	assert_int_equal(lf_consensus_merge(cfg, bad_name, 2, &o, &c, &e), LF_ERR_INVALID);
	assert_non_null(strstr(e.message, "quorum of 3"));
	json_decref(ok);
	json_decref(obj);
	json_decref(unknown);
	json_decref(nobox);
	lf_labelcfg_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_majority_wins),
	    cmocka_unit_test(test_tie_is_no_quorum),
	    cmocka_unit_test(test_quorum_option),
	    cmocka_unit_test(test_boxes_cluster),
	    cmocka_unit_test(test_box_labels_split),
	    cmocka_unit_test(test_chain_is_not_one_cluster),
	    cmocka_unit_test(test_span_votes),
	    cmocka_unit_test(test_spans_without_text),
	    cmocka_unit_test(test_keypoints),
	    cmocka_unit_test(test_polygon_medoid),
	    cmocka_unit_test(test_textarea),
	    cmocka_unit_test(test_per_region_left_out),
	    cmocka_unit_test(test_refusals),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
