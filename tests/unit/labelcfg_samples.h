/*
 * labelcfg_samples.h - label configs covering every tag family the parser
 * knows, shared by the label-config unit test and the result-validation
 * fuzz target (which validates random results against each of them).
 */
#ifndef LF_TESTS_LABELCFG_SAMPLES_H
#define LF_TESTS_LABELCFG_SAMPLES_H

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

#endif
