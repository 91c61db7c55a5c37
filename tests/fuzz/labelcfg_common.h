/*
 * labelcfg_common.h - the label configs the labelcfg fuzz targets run
 * results against (the unit tests' samples plus one of every drawing
 * shape), parsed once, and a task's data with every media field; for one
 * target file each (static definitions).
 */
#ifndef LF_FUZZ_LABELCFG_COMMON_H
#define LF_FUZZ_LABELCFG_COMMON_H

#include "fuzz.h"
#include "labelcfg/labelcfg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/labelcfg_samples.h"

#define SHAPES                                                                                     \
	"<View><Image name=\"img\" value=\"$image\"/>"                                             \
	"<EllipseLabels name=\"el\" toName=\"img\"><Label value=\"Eye\"/></EllipseLabels>"         \
	"<BrushLabels name=\"br\" toName=\"img\"><Label value=\"Sky\"/></BrushLabels>"             \
	"<Rectangle name=\"rect\" toName=\"img\"/><Polygon name=\"pg\" toName=\"img\"/>"           \
	"<KeyPoint name=\"kp\" toName=\"img\"/><Labels name=\"lab\" toName=\"img\">"               \
	"<Label value=\"Car\"/></Labels>"                                                          \
	"<TimeSeries name=\"ts\" value=\"$csv\"><Channel column=\"v\"/></TimeSeries>"              \
	"<TimeSeriesLabels name=\"tsl\" toName=\"ts\"><Label value=\"Up\"/></TimeSeriesLabels>"    \
	"<Relations><Relation value=\"near\"/></Relations></View>"

static const char *const configs[] = {TEXT_CLS, NER,   IMG_CLS, BBOX, POLY,
				      KEYPOINT, AUDIO, VIDEO,	MISC, SHAPES};
static lf_labelcfg *parsed[LF_ARRAY_LEN(configs)];
static json_t *task_data;

/* Parses the configs and builds the data; aborts when a config no longer
 * parses. */
static void labelcfg_fuzz_init(void)
{
	char err[256];
	size_t i;

	for (i = 0; i < LF_ARRAY_LEN(configs); i++) {
		if (lf_labelcfg_parse(configs[i], strlen(configs[i]), &parsed[i], err,
				      sizeof(err)) != LF_OK) {
			fprintf(stderr, "config %zu: %s\n", i, err);
			abort();
		}
	}
	task_data =
	    json_pack("{s:s, s:s, s:s, s:s, s:[{s:s}]}", "text",
		      "Bob met Zo\xC3\xAB in K\xC3\xB6ln \xF0\x9F\x98\x80 ok.", "image", "/a.png",
		      "audio", "/a.mp3", "html", "<p>x</p>", "dialog", "text", "hi");
	FUZZ_CHECK(task_data != NULL);
}

#endif
