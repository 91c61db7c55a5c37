/*
 * test_export_text.c - the text export formats: label_studio_json, jsonl,
 * csv, tsv, conll2003, webvtt, srt, and the format table. Golden outputs on
 * small fixed inputs; JSON is parsed back with jansson and subtitles are
 * checked with ffprobe when it is installed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "export/export.h"
#include "labelcfg/labelcfg.h"

#define NER_CFG                                                                                    \
	"<View><Labels name=\"label\" toName=\"text\"><Label value=\"PER\"/>"                      \
	"<Label value=\"LOC\"/><Label value=\"MISC ENT\"/></Labels>"                               \
	"<Text name=\"text\" value=\"$text\"/>"                                                    \
	"<Choices name=\"sentiment\" toName=\"text\"><Choice value=\"pos\"/>"                      \
	"<Choice value=\"neg\"/></Choices>"                                                        \
	"<TextArea name=\"notes\" toName=\"text\"/>"                                               \
	"<Rating name=\"quality\" toName=\"text\"/></View>"

#define AUDIO_CFG                                                                                  \
	"<View><Labels name=\"speaker\" toName=\"audio\"><Label value=\"Alice\"/>"                 \
	"<Label value=\"Bob\"/></Labels><AudioPlus name=\"audio\" value=\"$audio\"/>"              \
	"<TextArea name=\"transcription\" toName=\"audio\" perRegion=\"true\"/></View>"

typedef struct membuf {
	char *p;
	size_t len;
	int fail_after; /* calls before the sink starts failing, -1 never */
} membuf;

/* One task given as JSON text, owned by the test. */
typedef struct jtask {
	lf_export_task t;
	json_t *data, *result, *annotations, *predictions, *history;
} jtask;

static int sink(void *ud, const void *buf, size_t len);
static lf_labelcfg *cfg_of(const char *xml);
static json_t *load(const char *s);
static void jtask_init(jtask *j, int64_t id, const char *data, const char *result,
		       int64_t annotator);
static void jtask_clear(jtask *j);
static int run(const char *format, const lf_export_opts *o, jtask *tasks, size_t n, membuf *out,
	       lf_export_report *rep);

static int sink(void *ud, const void *buf, size_t len)
{
	membuf *m = ud;
	if (m->fail_after == 0)
		return LF_ERR_IO;
	if (m->fail_after > 0)
		m->fail_after--;
	m->p = realloc(m->p, m->len + len + 1);
	assert_non_null(m->p);
	memcpy(m->p + m->len, buf, len);
	m->len += len;
	m->p[m->len] = '\0';
	return LF_OK;
}

static lf_labelcfg *cfg_of(const char *xml)
{
	lf_labelcfg *cfg = NULL;
	char err[256] = "";
	int rc = lf_labelcfg_parse(xml, strlen(xml), &cfg, err, sizeof(err));
	if (rc != LF_OK)
		fail_msg("config: %s", err);
	return cfg;
}

static json_t *load(const char *s)
{
	json_error_t e;
	json_t *j;
	if (s == NULL)
		return NULL;
	j = json_loads(s, 0, &e);
	if (j == NULL)
		fail_msg("bad test JSON: %s", e.text);
	return j;
}

static void jtask_init(jtask *j, int64_t id, const char *data, const char *result,
		       int64_t annotator)
{
	memset(j, 0, sizeof(*j));
	j->data = load(data);
	j->result = load(result);
	j->t.id = id;
	j->t.state = "accepted";
	j->t.data = j->data;
	j->t.result = j->result;
	j->t.annotator_id = annotator;
	j->t.created_at = 0;
	j->t.updated_at = 1700000000123LL;
}

static void jtask_clear(jtask *j)
{
	json_decref(j->data);
	json_decref(j->result);
	json_decref(j->annotations);
	json_decref(j->predictions);
	json_decref(j->history);
}

static int run(const char *format, const lf_export_opts *o, jtask *tasks, size_t n, membuf *out,
	       lf_export_report *rep)
{
	lf_export_writer *w = NULL;
	int rc;
	memset(rep, 0, sizeof(*rep));
	rc = lf_export_writer_new(format, o, sink, out, &w);
	for (size_t i = 0; rc == LF_OK && i < n; i++)
		rc = lf_export_writer_add(w, &tasks[i].t);
	if (rc == LF_OK)
		rc = lf_export_writer_finish(w, rep);
	lf_export_writer_free(w);
	return rc;
}

static void test_format_table(void **state)
{
	lf_export_writer *w = (lf_export_writer *)1;
	membuf m = {NULL, 0, -1};
	const char *names[] = {"label_studio_json", "jsonl",  "csv", "tsv", "coco", "yolo", "voc",
			       "conll2003",	    "webvtt", "srt"};
	for (size_t i = 0; i < LF_ARRAY_LEN(names); i++) {
		assert_true(lf_export_format_valid(names[i]));
		assert_non_null(lf_export_content_type(names[i]));
		assert_non_null(lf_export_extension(names[i]));
	}
	assert_false(lf_export_format_valid("xml"));
	assert_false(lf_export_format_valid(NULL));
	assert_null(lf_export_extension("CSV"));
	assert_string_equal(lf_export_extension("yolo"), "zip");
	assert_string_equal(lf_export_content_type("voc"), "application/zip");
	assert_string_equal(lf_export_extension("webvtt"), "vtt");
	assert_string_equal(lf_export_extension("conll2003"), "conll");
	assert_int_equal(lf_export_writer_new("pdf", NULL, sink, &m, &w), LF_ERR_INVALID);
	assert_null(w);
	assert_int_equal(lf_export_writer_new("csv", NULL, NULL, &m, &w), LF_ERR_INVALID);
	lf_export_writer_free(NULL);
}

static void test_empty_exports(void **state)
{
	lf_labelcfg *cfg = cfg_of(NER_CFG);
	lf_export_opts o = {.cfg = cfg, .tmpdir = "/tmp"};
	struct {
		const char *format, *want;
	} cases[] = {
	    {"label_studio_json", "[]"},
	    {"jsonl", ""},
	    {"csv", "id,state,label,sentiment,notes,quality,annotator_id\r\n"},
	    {"tsv", "id\tstate\tlabel\tsentiment\tnotes\tquality\tannotator_id\n"},
	    {"conll2003", "-DOCSTART- -X- -X- O\n\n"},
	    {"webvtt", "WEBVTT\n\n"},
	    {"srt", ""},
	};
	for (size_t i = 0; i < LF_ARRAY_LEN(cases); i++) {
		membuf m = {NULL, 0, -1};
		lf_export_report rep;
		assert_int_equal(run(cases[i].format, &o, NULL, 0, &m, &rep), LF_OK);
		assert_string_equal(m.p ? m.p : "", cases[i].want);
		assert_int_equal(rep.tasks, 0);
		assert_int_equal(rep.skipped, 0);
		free(m.p);
	}
	lf_labelcfg_free(cfg);
}

static void test_ls_json_golden(void **state)
{
	lf_labelcfg *cfg = cfg_of(NER_CFG);
	lf_export_opts o = {.cfg = cfg};
	membuf m = {NULL, 0, -1};
	lf_export_report rep;
	jtask t[2];
	json_t *back;
	jtask_init(&t[0], 5, "{\"text\":\"hi\"}",
		   "[{\"id\":\"a\",\"from_name\":\"sentiment\",\"to_name\":\"text\","
		   "\"type\":\"choices\",\"value\":{\"choices\":[\"pos\"]}}]",
		   3);
	jtask_init(&t[1], 6, "{\"text\":\"yo\"}", NULL, 0);
	t[1].t.state = "skipped";
	assert_int_equal(run("label_studio_json", &o, t, 2, &m, &rep), LF_OK);
	assert_string_equal(
	    m.p, "[{\"id\":5,\"data\":{\"text\":\"hi\"},\"annotations\":[{\"id\":5,\"result\":"
		 "[{\"id\":\"a\",\"from_name\":\"sentiment\",\"to_name\":\"text\",\"type\":"
		 "\"choices\",\"value\":{\"choices\":[\"pos\"]}}],\"completed_by\":3,"
		 "\"was_cancelled\":false,\"ground_truth\":false,"
		 "\"created_at\":\"2023-11-14T22:13:20.123Z\","
		 "\"updated_at\":\"2023-11-14T22:13:20.123Z\",\"task\":5}],"
		 "\"meta\":{\"state\":\"accepted\"},\"created_at\":\"1970-01-01T00:00:00.000Z\","
		 "\"updated_at\":\"2023-11-14T22:13:20.123Z\"},"
		 "{\"id\":6,\"data\":{\"text\":\"yo\"},\"annotations\":[],"
		 "\"meta\":{\"state\":\"skipped\"},\"created_at\":\"1970-01-01T00:00:00.000Z\","
		 "\"updated_at\":\"2023-11-14T22:13:20.123Z\"}]");
	back = json_loads(m.p, 0, NULL);
	assert_non_null(back);
	assert_int_equal(json_array_size(back), 2);
	assert_null(json_object_get(json_array_get(back, 0), "predictions"));
	assert_int_equal(rep.tasks, 2);
	assert_int_equal(rep.regions, 1);
	json_decref(back);
	free(m.p);
	jtask_clear(&t[0]);
	jtask_clear(&t[1]);
	lf_labelcfg_free(cfg);
}

static void test_ls_json_versions(void **state)
{
	lf_labelcfg *cfg = cfg_of(NER_CFG);
	lf_export_opts o = {.cfg = cfg, .include_versions = 1, .include_predictions = 1};
	membuf m = {NULL, 0, -1};
	lf_export_report rep;
	jtask t;
	json_t *back, *anns, *a1;
	jtask_init(&t, 9, "{\"text\":\"x\"}", "[]", 4);
	t.annotations =
	    load("[{\"id\":11,\"version\":1,\"kind\":\"submit\",\"author_id\":4,"
		 "\"stage\":\"l1\",\"result\":[],\"created_at\":1000},"
		 "{\"id\":12,\"version\":2,\"kind\":\"fix\",\"author_id\":8,"
		 "\"stage\":\"l2\",\"result\":[{\"id\":\"r\"}],\"created_at\":86400000}]");
	t.history = load("[{\"user_id\":8,\"stage\":\"l2\",\"status\":\"done\","
			 "\"decision\":\"fix\",\"comment\":\"typo\"}]");
	t.predictions = load("[{\"model_version\":\"m1\",\"result\":[]}]");
	t.t.annotations = t.annotations;
	t.t.history = t.history;
	t.t.predictions = t.predictions;
	assert_int_equal(run("label_studio_json", &o, &t, 1, &m, &rep), LF_OK);
	back = json_loads(m.p, 0, NULL);
	assert_non_null(back);
	anns = json_object_get(json_array_get(back, 0), "annotations");
	assert_int_equal(json_array_size(anns), 2);
	a1 = json_array_get(anns, 1);
	assert_int_equal(json_integer_value(json_object_get(a1, "id")), 12);
	assert_int_equal(json_integer_value(json_object_get(a1, "version")), 2);
	assert_string_equal(json_string_value(json_object_get(a1, "kind")), "fix");
	assert_string_equal(json_string_value(json_object_get(a1, "stage")), "l2");
	assert_int_equal(json_integer_value(json_object_get(a1, "completed_by")), 8);
	assert_string_equal(json_string_value(json_object_get(a1, "created_at")),
			    "1970-01-02T00:00:00.000Z");
	assert_int_equal(json_array_size(json_object_get(a1, "result")), 1);
	assert_string_equal(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(json_array_get(back, 0), "review_history"), 0),
		"comment")),
	    "typo");
	assert_string_equal(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(json_array_get(back, 0), "predictions"), 0),
		"model_version")),
	    "m1");
	json_decref(back);
	free(m.p);
	jtask_clear(&t);
	lf_labelcfg_free(cfg);
}

static void test_jsonl(void **state)
{
	lf_export_opts o = {0};
	membuf m = {NULL, 0, -1};
	lf_export_report rep;
	jtask t[2];
	char *nl;
	json_t *l1, *l2;
	jtask_init(&t[0], 1, "{\"text\":\"a\\nb\"}", "[]", 1);
	jtask_init(&t[1], 2, "{\"text\":\"c\"}", "[{\"id\":\"x\"},{\"id\":\"y\"}]", 2);
	assert_int_equal(run("jsonl", &o, t, 2, &m, &rep), LF_OK);
	nl = strchr(m.p, '\n');
	assert_non_null(nl);
	assert_int_equal(m.p[m.len - 1], '\n');
	assert_ptr_equal(strchr(nl + 1, '\n'), m.p + m.len - 1);
	*nl = '\0';
	l1 = json_loads(m.p, 0, NULL);
	l2 = json_loads(nl + 1, 0, NULL);
	assert_non_null(l1);
	assert_non_null(l2);
	assert_int_equal(json_integer_value(json_object_get(l2, "id")), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(l1, "data"), "text")),
			    "a\nb");
	assert_int_equal(rep.regions, 2);
	json_decref(l1);
	json_decref(l2);
	free(m.p);
	jtask_clear(&t[0]);
	jtask_clear(&t[1]);
}

#define CSV_RESULT1                                                                                \
	"[{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","                      \
	"\"value\":{\"start\":0,\"end\":3,\"labels\":[\"PER\"]}},"                                 \
	"{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","                       \
	"\"value\":{\"start\":5,\"end\":7,\"labels\":[\"LOC\"]}},"                                 \
	"{\"from_name\":\"sentiment\",\"to_name\":\"text\",\"type\":\"choices\","                  \
	"\"value\":{\"choices\":[\"pos\"]}},"                                                      \
	"{\"from_name\":\"notes\",\"to_name\":\"text\",\"type\":\"textarea\","                     \
	"\"value\":{\"text\":[\"-2+3 is\",\"x\"]}},"                                               \
	"{\"from_name\":\"quality\",\"to_name\":\"text\",\"type\":\"rating\","                     \
	"\"value\":{\"rating\":4}},"                                                               \
	"{\"type\":\"relation\",\"from_id\":\"a\",\"to_id\":\"b\"}]"

static void csv_case(const char *format, const char *want)
{
	lf_labelcfg *cfg = cfg_of(NER_CFG);
	lf_export_opts o = {.cfg = cfg};
	membuf m = {NULL, 0, -1};
	lf_export_report rep;
	jtask t[2];
	jtask_init(&t[0], 1, "{\"text\":\"Bob, hi\",\"src\":\"=HYPERLINK()\"}", CSV_RESULT1, 7);
	jtask_init(&t[1], 2, "{\"text\":\"say \\\"yo\\\"\\nok\",\"extra\":5}",
		   "[{\"from_name\":\"quality\",\"to_name\":\"text\",\"type\":\"rating\","
		   "\"value\":{\"rating\":-1}}]",
		   0);
	assert_int_equal(run(format, &o, t, 2, &m, &rep), LF_OK);
	assert_string_equal(m.p, want);
	assert_int_equal(rep.tasks, 2);
	assert_int_equal(rep.regions, 6);
	assert_int_equal(rep.skipped, 1);
	assert_string_equal(rep.skipped_why, "relation results in csv");
	free(m.p);
	jtask_clear(&t[0]);
	jtask_clear(&t[1]);
	lf_labelcfg_free(cfg);
}

static void test_csv_golden(void **state)
{
	csv_case("csv",
		 "id,state,text,src,label,sentiment,notes,quality,annotator_id\r\n"
		 "1,accepted,\"Bob, hi\",'=HYPERLINK(),PER:0-3;LOC:5-7,pos,'-2+3 is x,4,7\r\n"
		 "2,accepted,\"say \"\"yo\"\"\nok\",,,,,-1,\r\n");
}

static void test_tsv_golden(void **state)
{
	csv_case("tsv",
		 "id\tstate\ttext\tsrc\tlabel\tsentiment\tnotes\tquality\tannotator_id\n"
		 "1\taccepted\tBob, hi\t'=HYPERLINK()\tPER:0-3;LOC:5-7\tpos\t'-2+3 is x\t4\t7\n"
		 "2\taccepted\tsay \"yo\" ok\t\t\t\t\t-1\t\n");
}

static void test_conll_golden(void **state)
{
	lf_labelcfg *cfg = cfg_of(NER_CFG);
	lf_export_opts o = {.cfg = cfg};
	membuf m = {NULL, 0, -1};
	lf_export_report rep;
	jtask t[3];
	jtask_init(&t[0], 1, "{\"text\":\"Barack Obama visited Paris, France.\"}",
		   "[{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","
		   "\"value\":{\"start\":28,\"end\":34,\"labels\":[\"LOC\"]}},"
		   "{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","
		   "\"value\":{\"start\":0,\"end\":12,\"labels\":[\"PER\"]}},"
		   "{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","
		   "\"value\":{\"start\":21,\"end\":26,\"labels\":[\"LOC\"]}}]",
		   1);
	/* Offsets count code points: "ë" and "ã" are two bytes each. */
	jtask_init(&t[1], 2, "{\"text\":\"Zo\\u00eb  visited\\tS\\u00e3o Paulo.\"}",
		   "[{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","
		   "\"value\":{\"start\":0,\"end\":3,\"labels\":[\"PER\"]}},"
		   "{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","
		   "\"value\":{\"start\":13,\"end\":22,\"labels\":[\"MISC ENT\"]}},"
		   "{\"from_name\":\"sentiment\",\"to_name\":\"text\",\"type\":\"choices\","
		   "\"value\":{\"choices\":[\"pos\"]}}]",
		   1);
	jtask_init(&t[2], 3, "{\"other\":1}",
		   "[{\"from_name\":\"label\",\"to_name\":\"text\",\"type\":\"labels\","
		   "\"value\":{\"start\":0,\"end\":1,\"labels\":[\"PER\"]}}]",
		   1);
	assert_int_equal(run("conll2003", &o, t, 3, &m, &rep), LF_OK);
	assert_string_equal(m.p,
			    "-DOCSTART- -X- -X- O\n\n"
			    "Barack -X- _ B-PER\nObama -X- _ I-PER\nvisited -X- _ O\n"
			    "Paris -X- _ B-LOC\n, -X- _ O\nFrance -X- _ B-LOC\n. -X- _ O\n\n"
			    "Zo\xc3\xab -X- _ B-PER\nvisited -X- _ O\n"
			    "S\xc3\xa3o -X- _ B-MISC_ENT\nPaulo -X- _ I-MISC_ENT\n. -X- _ O\n\n");
	assert_int_equal(rep.tasks, 2);
	assert_int_equal(rep.regions, 5);
	assert_int_equal(rep.skipped, 2);
	assert_string_equal(rep.skipped_why, "choices results in conll2003");
	free(m.p);
	for (size_t i = 0; i < 3; i++)
		jtask_clear(&t[i]);
	lf_labelcfg_free(cfg);
}

#define SEG1                                                                                       \
	"[{\"id\":\"r2\",\"from_name\":\"transcription\",\"to_name\":\"audio\",\"type\":"          \
	"\"textarea\",\"value\":{\"start\":5.5,\"end\":7.25,\"text\":[\"second\"]}},"              \
	"{\"id\":\"r1\",\"from_name\":\"speaker\",\"to_name\":\"audio\",\"type\":\"labels\","      \
	"\"value\":{\"start\":1.0,\"end\":2.0004,\"labels\":[\"Alice\"]}},"                        \
	"{\"id\":\"r1\",\"from_name\":\"transcription\",\"to_name\":\"audio\",\"type\":"           \
	"\"textarea\",\"value\":{\"start\":1.0,\"end\":2.0004,"                                    \
	"\"text\":[\"Hello <world> & co\",\"\",\"line two\"]}},"                                   \
	"{\"id\":\"b\",\"from_name\":\"x\",\"to_name\":\"audio\",\"type\":\"rectanglelabels\","    \
	"\"value\":{}}]"

#define SEG2                                                                                       \
	"[{\"id\":\"q\",\"from_name\":\"transcription\",\"to_name\":\"audio\",\"type\":"           \
	"\"textarea\",\"value\":{\"start\":0.1234,\"end\":1.9996,\"text\":[\"third\"]}}]"

static void subtitle_case(const char *format, const char *want, const char *ext)
{
	lf_labelcfg *cfg = cfg_of(AUDIO_CFG);
	lf_export_opts o = {.cfg = cfg};
	membuf m = {NULL, 0, -1};
	lf_export_report rep;
	char path[64], cmd[256];
	jtask t[2];
	FILE *f, *p;
	jtask_init(&t[0], 1, "{\"audio\":\"https://x/a.mp3\",\"segment_start\":0}", SEG1, 1);
	jtask_init(&t[1], 2, "{\"audio\":\"https://x/a.mp3\",\"segment_start\":3600.5}", SEG2, 1);
	assert_int_equal(run(format, &o, t, 2, &m, &rep), LF_OK);
	assert_string_equal(m.p, want);
	assert_int_equal(rep.tasks, 2);
	assert_int_equal(rep.regions, 4);
	assert_int_equal(rep.skipped, 1);
	assert_string_equal(rep.skipped_why, strcmp(format, "srt") == 0
						 ? "rectanglelabels results in srt"
						 : "rectanglelabels results in webvtt");
	/* A real demuxer must read the file and see three cues, the last on
	 * the second segment's place in the source timeline. */
	if (system("command -v ffprobe >/dev/null 2>&1") == 0) {
		char line[128], last[128] = "";
		int count = 0;
		snprintf(path, sizeof(path), "/tmp/test_export_text_%d.%s", (int)getpid(), ext);
		f = fopen(path, "w");
		assert_non_null(f);
		fwrite(m.p, 1, m.len, f);
		fclose(f);
		snprintf(cmd, sizeof(cmd),
			 "ffprobe -v error -show_entries packet=pts_time -of csv=p=0 %s", path);
		p = popen(cmd, "r");
		assert_non_null(p);
		while (fgets(line, sizeof(line), p) != NULL) {
			count++;
			snprintf(last, sizeof(last), "%s", line);
		}
		assert_int_equal(pclose(p), 0);
		unlink(path);
		assert_int_equal(count, 3);
		assert_string_equal(last, "3600.623000\n");
	}
	free(m.p);
	jtask_clear(&t[0]);
	jtask_clear(&t[1]);
	lf_labelcfg_free(cfg);
}

static void test_webvtt_golden(void **state)
{
	subtitle_case("webvtt",
		      "WEBVTT\n\n"
		      "00:00:01.000 --> 00:00:02.000\n<v Alice>Hello &lt;world&gt; &amp; co\n"
		      "line two\n\n"
		      "00:00:05.500 --> 00:00:07.250\nsecond\n\n"
		      "01:00:00.623 --> 01:00:02.500\nthird\n\n",
		      "vtt");
}

static void test_srt_golden(void **state)
{
	subtitle_case("srt",
		      "1\n00:00:01,000 --> 00:00:02,000\nAlice: Hello <world> & co\nline two\n\n"
		      "2\n00:00:05,500 --> 00:00:07,250\nsecond\n\n"
		      "3\n01:00:00,623 --> 01:00:02,500\nthird\n\n",
		      "srt");
}

/* A failing output aborts the export with the sink's own error. */
static void test_output_error(void **state)
{
	const char *formats[] = {"label_studio_json", "jsonl", "csv", "conll2003", "webvtt"};
	lf_labelcfg *cfg = cfg_of(NER_CFG);
	lf_export_opts o = {.cfg = cfg};
	for (size_t i = 0; i < LF_ARRAY_LEN(formats); i++) {
		membuf m = {NULL, 0, 0};
		lf_export_report rep;
		jtask t;
		jtask_init(&t, 1, "{\"text\":\"a b\"}", "[]", 1);
		assert_int_equal(run(formats[i], &o, &t, 1, &m, &rep), LF_ERR_IO);
		assert_int_equal(rep.tasks, 0);
		free(m.p);
		jtask_clear(&t);
	}
	lf_labelcfg_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format_table),   cmocka_unit_test(test_empty_exports),
	    cmocka_unit_test(test_ls_json_golden), cmocka_unit_test(test_ls_json_versions),
	    cmocka_unit_test(test_jsonl),	   cmocka_unit_test(test_csv_golden),
	    cmocka_unit_test(test_tsv_golden),	   cmocka_unit_test(test_conll_golden),
	    cmocka_unit_test(test_webvtt_golden),  cmocka_unit_test(test_srt_golden),
	    cmocka_unit_test(test_output_error),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
