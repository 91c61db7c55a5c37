/*
 * fuzz_labelcfg_validate.c - annotation results checked against a label
 * config (src/labelcfg/validate.c). The configs are the unit tests' (one
 * per kind of media and control); the first byte picks one and whether the
 * task has data, the rest is the result JSON an annotator would submit.
 * Whatever it holds, validation answers LF_OK or LF_ERR_INVALID with a
 * sentence naming the region ("result[i]..."), and a result it accepts is
 * accepted again with the task's data removed (data only narrows spans).
 */
#include "fuzz.h"
#include "labelcfg/labelcfg.h"

#include <string.h>

#define TEXT_CLS                                                                                   \
	"<View><Text name=\"text\" value=\"$text\"/>"                                              \
	"<Choices name=\"sentiment\" toName=\"text\">"                                             \
	"<Choice value=\"Positive\"/><Choice value=\"Negative\"/><Choice value=\"Neutral\"/>"      \
	"</Choices></View>"

#define NER                                                                                        \
	"<View><Labels name=\"label\" toName=\"text\">"                                            \
	"<Label value=\"PER\" background=\"red\" hotkey=\"p\"/><Label value=\"ORG\" alias=\"O\"/>" \
	"<Label value=\"LOC\"/></Labels>"                                                          \
	"<Text name=\"text\" value=\"$text\"/>"                                                    \
	"<Relations><Relation value=\"works_at\"/></Relations></View>"

#define IMG_CLS                                                                                    \
	"<View><Image name=\"image\" value=\"$image\"/>"                                           \
	"<Choices name=\"class\" toName=\"image\" choice=\"multiple\">"                            \
	"<Choice value=\"Cat\"/><Choice value=\"Dog\"/></Choices></View>"

#define BBOX                                                                                       \
	"<View><Image name=\"image\" value=\"$image\"/>"                                           \
	"<RectangleLabels name=\"label\" toName=\"image\">"                                        \
	"<Label value=\"Car\" background=\"#ff0000\"/><Label value=\"Person\"/>"                   \
	"</RectangleLabels></View>"

#define POLY                                                                                       \
	"<View><Image name=\"image\" value=\"$image\"/>"                                           \
	"<PolygonLabels name=\"poly\" toName=\"image\"><Label value=\"Road\"/>"                    \
	"<Label value=\"Building\"/></PolygonLabels></View>"

#define KEYPOINT                                                                                   \
	"<View><Image name=\"img\" value=\"$image\"/>"                                             \
	"<KeyPointLabels name=\"kp\" toName=\"img\"><Label value=\"Nose\"/>"                       \
	"<Label value=\"Eye\"/></KeyPointLabels></View>"

#define AUDIO                                                                                      \
	"<View><Labels name=\"speaker\" toName=\"audio\"><Label value=\"Alice\"/>"                 \
	"<Label value=\"Bob\"/></Labels><AudioPlus name=\"audio\" value=\"$audio\"/>"              \
	"<TextArea name=\"transcription\" toName=\"audio\" perRegion=\"true\"/></View>"

#define VIDEO                                                                                      \
	"<View><Header value=\"Label the video:\"/><Video name=\"video\" value=\"$video\"/>"       \
	"<VideoRectangle name=\"box\" toName=\"video\"/>"                                          \
	"<Labels name=\"videoLabels\" toName=\"video\"><Label value=\"Cell\"/>"                    \
	"<Label value=\"Bacteria\"/></Labels>"                                                     \
	"<TimelineLabels name=\"tl\" toName=\"video\"><Label value=\"Run\"/>"                      \
	"<Label value=\"Walk\"/></TimelineLabels></View>"

#define MISC                                                                                       \
	"<View><Style>.x { color: red; }</Style>"                                                  \
	"<Text name=\"caption\" value=\"Read carefully\"/><Text value=\"Static help text\"/>"      \
	"<Collapse><Panel value=\"More\"><HyperText name=\"html\" value=\"$html\"/></Panel>"       \
	"</Collapse><Paragraphs name=\"dialog\" value=\"$dialog\"/>"                               \
	"<HyperTextLabels name=\"hl\" toName=\"html\"><Label value=\"Title\"/></HyperTextLabels>"  \
	"<ParagraphLabels name=\"pl\" toName=\"dialog\"><Label value=\"Q\"/></ParagraphLabels>"    \
	"<Rating name=\"stars\" toName=\"html\" maxRating=\"10\"/>"                                \
	"<Number name=\"count\" toName=\"html\" min=\"0\" max=\"5\"/>"                             \
	"<DateTime name=\"when\" toName=\"html\"/>"                                                \
	"<Taxonomy name=\"tax\" toName=\"html\"><Choice value=\"Animal\">"                         \
	"<Choice value=\"Cat\"/><Choice value=\"Dog\"/></Choice>"                                  \
	"<Choice value=\"Plant\"><Choice value=\"Cat\"/></Choice></Taxonomy>"                      \
	"<Filter name=\"f\" toName=\"hl\"/></View>"

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

int LLVMFuzzerInitialize(int *argc, char ***argv)
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
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const lf_labelcfg *cfg;
	json_t *result;
	char err[256];
	int rc;

	if (size < 1)
		return 0;
	cfg = parsed[(data[0] & 0x7f) % LF_ARRAY_LEN(configs)];
	result = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, NULL);
	if (result == NULL)
		return 0;
	memset(err, 'x', sizeof(err));
	rc = lf_labelcfg_validate_result(cfg, result, (data[0] & 0x80) ? task_data : NULL, err,
					 sizeof(err));
	FUZZ_CHECK(rc == LF_OK || rc == LF_ERR_INVALID);
	FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	if (rc == LF_ERR_INVALID)
		FUZZ_CHECK(err[0] != '\0');
	if (rc == LF_OK && (data[0] & 0x80))
		FUZZ_CHECK(lf_labelcfg_validate_result(cfg, result, NULL, err, sizeof(err)) ==
			   LF_OK);
	json_decref(result);
	return 0;
}
