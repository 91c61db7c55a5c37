/*
 * test_export_images.c - the image exporters (coco, yolo, voc): golden
 * outputs on small fixed tasks, read back with real parsers (jansson and
 * Python's json for COCO, libarchive's reader for the zips, libxml2 for VOC).
 */
#include <archive.h>
#include <archive_entry.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "export/export.h"

#define CONFIG                                                                                     \
	"<View><Image name=\"image\" value=\"$image\"/>"                                           \
	"<RectangleLabels name=\"box\" toName=\"image\">"                                          \
	"<Label value=\"Cat\"/><Label value=\"Dog &amp; Co\"/></RectangleLabels>"                  \
	"<PolygonLabels name=\"poly\" toName=\"image\">"                                           \
	"<Label value=\"Cat\"/><Label value=\"Tree\"/></PolygonLabels>"                            \
	"<KeyPointLabels name=\"kp\" toName=\"image\"><Label value=\"Eye\"/></KeyPointLabels>"     \
	"<Choices name=\"cls\" toName=\"image\"><Choice value=\"Indoor\"/></Choices></View>"

/* Task 7: two boxes, a polygon, a keypoint and a choice on a 200x100 image. */
static const char result7[] =
    "[{\"type\":\"rectanglelabels\",\"original_width\":200,\"original_height\":100,"
    "\"value\":{\"x\":10,\"y\":20,\"width\":30,\"height\":40,\"rectanglelabels\":[\"Cat\"]}},"
    "{\"type\":\"rectanglelabels\",\"original_width\":200,\"original_height\":100,"
    "\"value\":{\"x\":50,\"y\":50,\"width\":25,\"height\":50,\"rectanglelabels\":[\"Dog & Co\"]}},"
    "{\"type\":\"polygonlabels\",\"original_width\":200,\"original_height\":100,"
    "\"value\":{\"points\":[[10,10],[50,10],[50,50]],\"polygonlabels\":[\"Tree\"]}},"
    "{\"type\":\"keypointlabels\",\"original_width\":200,\"original_height\":100,"
    "\"value\":{\"x\":1,\"y\":2,\"keypointlabels\":[\"Eye\"]}},"
    "{\"type\":\"choices\",\"value\":{\"choices\":[\"Indoor\"]}}]";

/* Task 11 (100x100): a box rotated by 90 degrees, one dragged past the right
 * edge, one without the image size. */
static const char result11[] =
    "[{\"type\":\"rectanglelabels\",\"original_width\":100,\"original_height\":100,"
    "\"value\":{\"x\":50,\"y\":0,\"width\":10,\"height\":20,\"rotation\":90,"
    "\"rectanglelabels\":[\"Cat\"]}},"
    "{\"type\":\"rectanglelabels\",\"original_width\":100,\"original_height\":100,"
    "\"value\":{\"x\":90,\"y\":10,\"width\":20,\"height\":10,\"rectanglelabels\":[\"Dog & Co\"]}},"
    "{\"type\":\"rectanglelabels\","
    "\"value\":{\"x\":0,\"y\":0,\"width\":50,\"height\":50,\"rectanglelabels\":[\"Cat\"]}}]";

#define COCO_GOLDEN                                                                                \
	"{\"images\":[{\"id\":7,\"file_name\":\"https://x/img/a.jpg?sig=1\",\"width\":200,"        \
	"\"height\":100},{\"id\":9,\"file_name\":\"b&<c>.png\",\"width\":0,\"height\":0},"         \
	"{\"id\":11,\"file_name\":\"c.jpg\",\"width\":100,\"height\":100}],"                       \
	"\"annotations\":["                                                                        \
	"{\"id\":1,\"image_id\":7,\"category_id\":0,\"bbox\":[20.0,20.0,60.0,40.0],"               \
	"\"area\":2400.0,\"segmentation\":[],\"iscrowd\":0,\"ignore\":0},"                         \
	"{\"id\":2,\"image_id\":7,\"category_id\":1,\"bbox\":[100.0,50.0,50.0,50.0],"              \
	"\"area\":2500.0,\"segmentation\":[],\"iscrowd\":0,\"ignore\":0},"                         \
	"{\"id\":3,\"image_id\":7,\"category_id\":2,\"bbox\":[20.0,10.0,80.0,40.0],"               \
	"\"area\":1600.0,\"segmentation\":[[20.0,10.0,100.0,10.0,100.0,50.0]],\"iscrowd\":0,"      \
	"\"ignore\":0},"                                                                           \
	"{\"id\":4,\"image_id\":11,\"category_id\":0,\"bbox\":[30.0,0.0,20.0,10.0],"               \
	"\"area\":200.0,\"segmentation\":[],\"iscrowd\":0,\"ignore\":0},"                          \
	"{\"id\":5,\"image_id\":11,\"category_id\":1,\"bbox\":[90.0,10.0,10.0,10.0],"              \
	"\"area\":100.0,\"segmentation\":[],\"iscrowd\":0,\"ignore\":0}],"                         \
	"\"categories\":[{\"id\":0,\"name\":\"Cat\"},{\"id\":1,\"name\":\"Dog & Co\"},"            \
	"{\"id\":2,\"name\":\"Tree\"}]}"

#define VOC7_GOLDEN                                                                                \
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotation>\n"                               \
	"\t<folder>images</folder>\n\t<filename>a.jpg</filename>\n"                                \
	"\t<path>https://x/img/a.jpg?sig=1</path>\n"                                               \
	"\t<source>\n\t\t<database>LabelFlow</database>\n\t</source>\n"                            \
	"\t<size>\n\t\t<width>200</width>\n\t\t<height>100</height>\n\t\t<depth>3</depth>\n"       \
	"\t</size>\n\t<segmented>0</segmented>\n"                                                  \
	"\t<object>\n\t\t<name>Cat</name>\n\t\t<pose>Unspecified</pose>\n"                         \
	"\t\t<truncated>0</truncated>\n\t\t<difficult>0</difficult>\n\t\t<bndbox>\n"               \
	"\t\t\t<xmin>20</xmin>\n\t\t\t<ymin>20</ymin>\n\t\t\t<xmax>80</xmax>\n"                    \
	"\t\t\t<ymax>60</ymax>\n\t\t</bndbox>\n\t</object>\n"                                      \
	"\t<object>\n\t\t<name>Dog &amp; Co</name>\n\t\t<pose>Unspecified</pose>\n"                \
	"\t\t<truncated>0</truncated>\n\t\t<difficult>0</difficult>\n\t\t<bndbox>\n"               \
	"\t\t\t<xmin>100</xmin>\n\t\t\t<ymin>50</ymin>\n\t\t\t<xmax>150</xmax>\n"                  \
	"\t\t\t<ymax>100</ymax>\n\t\t</bndbox>\n\t</object>\n"                                     \
	"</annotation>\n"

typedef struct membuf {
	char *p;
	size_t len, cap;
	int fail_with; /* nonzero: every write fails with this code */
} membuf;

typedef struct entry {
	char name[64];
	char *data;
	size_t len;
} entry;

typedef struct fixture {
	lf_labelcfg *cfg;
	json_t *data[3];
	json_t *result[3];
	lf_export_task tasks[3];
} fixture;

static int mem_write(void *ud, const void *buf, size_t len)
{
	membuf *m = ud;
	if (m->fail_with)
		return m->fail_with;
	if (m->len + len > m->cap) {
		m->cap = (m->len + len) * 2;
		m->p = realloc(m->p, m->cap);
		assert_non_null(m->p);
	}
	memcpy(m->p + m->len, buf, len);
	m->len += len;
	return LF_OK;
}

static int setup(void **state)
{
	static const char *images[3] = {"https://x/img/a.jpg?sig=1", "b&<c>.png", "c.jpg"};
	static const char *results[3] = {result7, "[]", result11};
	static const int64_t ids[3] = {7, 9, 11};
	fixture *f = calloc(1, sizeof(*f));
	char err[200];

	assert_non_null(f);
	assert_int_equal(lf_labelcfg_parse(CONFIG, strlen(CONFIG), &f->cfg, err, sizeof(err)),
			 LF_OK);
	for (int i = 0; i < 3; i++) {
		f->data[i] = json_pack("{s:s}", "image", images[i]);
		f->result[i] = json_loads(results[i], 0, NULL);
		assert_non_null(f->result[i]);
		f->tasks[i].id = ids[i];
		f->tasks[i].state = "accepted";
		f->tasks[i].data = f->data[i];
		f->tasks[i].result = f->result[i];
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	for (int i = 0; i < 3; i++) {
		json_decref(f->data[i]);
		json_decref(f->result[i]);
	}
	lf_labelcfg_free(f->cfg);
	free(f);
	return 0;
}

/* Runs a whole export of n tasks into m. */
static void run_export(const fixture *f, const char *format, size_t n, membuf *m,
		       lf_export_report *rep)
{
	lf_export_writer *w = NULL;
	lf_export_opts o = {.cfg = f->cfg, .tmpdir = "/tmp"};

	memset(m, 0, sizeof(*m));
	assert_int_equal(lf_export_writer_new(format, &o, mem_write, m, &w), LF_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(lf_export_writer_add(w, &f->tasks[i]), LF_OK);
	assert_int_equal(lf_export_writer_finish(w, rep), LF_OK);
	lf_export_writer_free(w);
}

/* Reads every entry of a zip held in memory, in archive order. */
static size_t unzip_all(const membuf *m, entry *out, size_t max)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	size_t n = 0;
	int rc;

	assert_non_null(a);
	archive_read_support_format_zip(a);
	assert_int_equal(archive_read_open_memory(a, m->p, m->len), ARCHIVE_OK);
	while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		la_int64_t size = archive_entry_size(e);
		assert_true(n < max);
		snprintf(out[n].name, sizeof(out[n].name), "%s", archive_entry_pathname(e));
		out[n].len = (size_t)size;
		out[n].data = calloc(1, out[n].len + 1);
		assert_non_null(out[n].data);
		assert_int_equal(archive_read_data(a, out[n].data, out[n].len + 1),
				 (la_ssize_t)out[n].len);
		n++;
	}
	assert_int_equal(rc, ARCHIVE_EOF);
	archive_read_free(a);
	return n;
}

static void entries_free(entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].data);
}

/* Also checks the archive with Python's zipfile, an independent reader
 * (CRCs included). */
static void python_check(const membuf *m, const char *script)
{
	char path[] = "/tmp/test_export_images_XXXXXX", cmd[8192];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, m->p, m->len), (ssize_t)m->len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "python3 -c '%s' %s", script, path);
	assert_int_equal(system(cmd), 0);
	unlink(path);
}

static void test_coco_golden(void **state)
{
	fixture *f = *state;
	membuf m;
	lf_export_report rep;
	json_t *got, *want, *info;
	json_error_t jerr;

	run_export(f, "coco", 3, &m, &rep);
	got = json_loadb(m.p, m.len, 0, &jerr);
	assert_non_null(got);
	info = json_object_get(got, "info");
	assert_string_equal(json_string_value(json_object_get(info, "contributor")), "LabelFlow");
	assert_true(json_integer_value(json_object_get(info, "year")) >= 2024);
	json_object_del(got, "info");
	want = json_loads(COCO_GOLDEN, 0, NULL);
	assert_non_null(want);
	if (!json_equal(got, want)) {
		char *s = json_dumps(got, JSON_COMPACT);
		fail_msg("coco output differs: %s", s);
	}
	assert_int_equal(rep.tasks, 3);
	assert_int_equal(rep.regions, 5);
	assert_int_equal(rep.skipped, 3);
	assert_string_equal(rep.skipped_why, "keypointlabels results in coco");
	json_decref(got);
	json_decref(want);

	python_check(&m,
		     "import json,sys\n"
		     "d=json.load(open(sys.argv[1]))\n"
		     "imgs={i[\"id\"]:i for i in d[\"images\"]}\n"
		     "cats={c[\"id\"] for c in d[\"categories\"]}\n"
		     "assert len(imgs)==len(d[\"images\"])==3\n"
		     "ids=[a[\"id\"] for a in d[\"annotations\"]]\n"
		     "assert len(set(ids))==len(ids)==5 and min(ids)>=1\n"
		     "for a in d[\"annotations\"]:\n"
		     " i=imgs[a[\"image_id\"]]; x,y,w,h=a[\"bbox\"]\n"
		     " assert a[\"category_id\"] in cats and w>0 and h>0\n"
		     " assert x>=0 and y>=0 and x+w<=i[\"width\"] and y+h<=i[\"height\"]\n"
		     "assert d[\"annotations\"][0][\"bbox\"]==[10*200/100,20*100/100,30*200/100,"
		     "40*100/100]\n");
	free(m.p);
}

static void test_coco_empty(void **state)
{
	fixture *f = *state;
	membuf m;
	lf_export_report rep;
	json_t *got;

	run_export(f, "coco", 0, &m, &rep);
	got = json_loadb(m.p, m.len, 0, NULL);
	assert_non_null(got);
	assert_int_equal(json_array_size(json_object_get(got, "images")), 0);
	assert_true(json_is_array(json_object_get(got, "annotations")));
	assert_int_equal(json_array_size(json_object_get(got, "annotations")), 0);
	assert_int_equal(json_array_size(json_object_get(got, "categories")), 3);
	assert_int_equal(rep.tasks, 0);
	assert_int_equal(rep.skipped, 0);
	json_decref(got);
	free(m.p);
}

static void test_yolo_golden(void **state)
{
	fixture *f = *state;
	membuf m;
	lf_export_report rep;
	entry e[8];
	size_t n;
	json_t *notes;

	run_export(f, "yolo", 3, &m, &rep);
	n = unzip_all(&m, e, 8);
	assert_int_equal(n, 5);
	assert_string_equal(e[0].name, "classes.txt");
	assert_string_equal(e[0].data, "Cat\nDog & Co\nTree\n");
	assert_string_equal(e[1].name, "notes.json");
	notes = json_loads(e[1].data, 0, NULL);
	assert_non_null(notes);
	assert_int_equal(json_array_size(json_object_get(notes, "categories")), 3);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(notes, "categories"), 2), "name")),
			    "Tree");
	json_decref(notes);
	assert_string_equal(e[2].name, "labels/7.txt");
	assert_string_equal(e[2].data, "0 0.250000 0.400000 0.300000 0.400000\n"
				       "1 0.625000 0.750000 0.250000 0.500000\n");
	assert_string_equal(e[3].name, "labels/9.txt");
	assert_int_equal(e[3].len, 0);
	assert_string_equal(e[4].name, "labels/11.txt");
	assert_string_equal(e[4].data, "0 0.400000 0.050000 0.200000 0.100000\n"
				       "1 0.950000 0.150000 0.100000 0.100000\n"
				       "0 0.250000 0.250000 0.500000 0.500000\n");
	assert_int_equal(rep.tasks, 3);
	assert_int_equal(rep.regions, 5);
	assert_int_equal(rep.skipped, 3);
	assert_string_equal(rep.skipped_why, "polygonlabels results in yolo");
	entries_free(e, n);
	python_check(&m, "import zipfile,sys\n"
			 "z=zipfile.ZipFile(sys.argv[1])\n"
			 "assert z.testzip() is None\n"
			 "assert z.namelist()==[\"classes.txt\",\"notes.json\",\"labels/7.txt\","
			 "\"labels/9.txt\",\"labels/11.txt\"]\n");
	free(m.p);
}

static const char *xml_child(xmlNode *n, const char *name)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
			return c->children ? (const char *)c->children->content : "";
	return NULL;
}

static xmlNode *xml_find(xmlNode *n, const char *name, int nth)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0 &&
		    nth-- == 0)
			return c;
	return NULL;
}

static void test_voc_golden(void **state)
{
	fixture *f = *state;
	membuf m;
	lf_export_report rep;
	entry e[8];
	size_t n;
	xmlDoc *doc;
	xmlNode *root, *obj, *box;

	run_export(f, "voc", 3, &m, &rep);
	n = unzip_all(&m, e, 8);
	assert_int_equal(n, 3);
	assert_string_equal(e[0].name, "Annotations/7.xml");
	assert_string_equal(e[0].data, VOC7_GOLDEN);
	assert_string_equal(e[1].name, "Annotations/9.xml");
	assert_string_equal(e[2].name, "Annotations/11.xml");

	doc = xmlReadMemory(e[1].data, (int)e[1].len, "9.xml", NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	root = xmlDocGetRootElement(doc);
	assert_string_equal((const char *)root->name, "annotation");
	assert_string_equal(xml_child(root, "filename"), "b&<c>.png");
	assert_null(xml_find(root, "object", 0));
	xmlFreeDoc(doc);

	doc = xmlReadMemory(e[2].data, (int)e[2].len, "11.xml", NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	root = xmlDocGetRootElement(doc);
	assert_string_equal(xml_child(xml_find(root, "size", 0), "width"), "100");
	assert_string_equal(xml_child(xml_find(root, "size", 0), "depth"), "3");
	obj = xml_find(root, "object", 0);
	assert_string_equal(xml_child(obj, "name"), "Cat");
	box = xml_find(obj, "bndbox", 0);
	assert_string_equal(xml_child(box, "xmin"), "30");
	assert_string_equal(xml_child(box, "ymin"), "0");
	assert_string_equal(xml_child(box, "xmax"), "50");
	assert_string_equal(xml_child(box, "ymax"), "10");
	obj = xml_find(root, "object", 1);
	assert_string_equal(xml_child(obj, "name"), "Dog & Co");
	assert_string_equal(xml_child(xml_find(obj, "bndbox", 0), "xmax"), "100");
	assert_null(xml_find(root, "object", 2));
	xmlFreeDoc(doc);

	assert_int_equal(rep.tasks, 3);
	assert_int_equal(rep.regions, 4);
	assert_int_equal(rep.skipped, 4);
	assert_string_equal(rep.skipped_why, "polygonlabels results in voc");
	entries_free(e, n);
	free(m.p);
}

static void test_zip_empty(void **state)
{
	fixture *f = *state;
	membuf m;
	lf_export_report rep;
	entry e[4];

	run_export(f, "voc", 0, &m, &rep);
	assert_true(m.len > 0);
	assert_int_equal(unzip_all(&m, e, 4), 0);
	python_check(&m, "import zipfile,sys\n"
			 "assert zipfile.ZipFile(sys.argv[1]).namelist()==[]\n");
	assert_int_equal(rep.tasks, 0);
	free(m.p);

	run_export(f, "yolo", 0, &m, &rep);
	assert_int_equal(unzip_all(&m, e, 4), 2);
	assert_string_equal(e[0].name, "classes.txt");
	assert_string_equal(e[1].name, "notes.json");
	entries_free(e, 2);
	free(m.p);
}

/* The output's own error code comes back from the writer, whichever call
 * first hits the output. */
static void test_output_error(void **state)
{
	fixture *f = *state;
	membuf m = {.fail_with = LF_ERR_LIMIT};
	lf_export_writer *w = NULL;
	lf_export_opts o = {.cfg = f->cfg, .tmpdir = "/tmp"};
	lf_export_report rep;

	assert_int_equal(lf_export_writer_new("coco", &o, mem_write, &m, &w), LF_ERR_LIMIT);
	assert_null(w);

	assert_int_equal(lf_export_writer_new("yolo", &o, mem_write, &m, &w), LF_OK);
	assert_int_equal(lf_export_writer_add(w, &f->tasks[0]), LF_OK);
	assert_int_equal(lf_export_writer_finish(w, &rep), LF_ERR_LIMIT);
	lf_export_writer_free(w);
}

/* An abandoned zip export writes nothing more: no trailer after free. */
static void test_zip_abandon(void **state)
{
	fixture *f = *state;
	membuf m = {0};
	lf_export_writer *w = NULL;
	lf_export_opts o = {.cfg = f->cfg, .tmpdir = "/tmp"};
	size_t before;

	assert_int_equal(lf_export_writer_new("voc", &o, mem_write, &m, &w), LF_OK);
	for (int i = 0; i < 200; i++)
		assert_int_equal(lf_export_writer_add(w, &f->tasks[0]), LF_OK);
	before = m.len;
	assert_true(before > 0);
	lf_export_writer_free(w);
	assert_int_equal(m.len, before);
	free(m.p);
}

/* A tmpdir where the spool cannot be created fails the export cleanly. */
static void test_coco_tmpdir(void **state)
{
	fixture *f = *state;
	membuf m = {0};
	lf_export_writer *w = NULL;
	lf_export_opts o = {.cfg = f->cfg, .tmpdir = "/nonexistent/dir"};

	assert_int_equal(lf_export_writer_new("coco", &o, mem_write, &m, &w), LF_ERR_IO);
	assert_null(w);
	free(m.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_coco_golden), cmocka_unit_test(test_coco_empty),
	    cmocka_unit_test(test_yolo_golden), cmocka_unit_test(test_voc_golden),
	    cmocka_unit_test(test_zip_empty),	cmocka_unit_test(test_output_error),
	    cmocka_unit_test(test_zip_abandon), cmocka_unit_test(test_coco_tmpdir),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
