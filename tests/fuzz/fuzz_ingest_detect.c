/*
 * fuzz_ingest_detect.c - how an upload's format is told (src/ingest/
 * detect.c) from what the client sends: a Content-Type, a file name and
 * the first bytes. Input: the content type up to a newline, the file name
 * up to the next, then the bytes. A format told is one of the six, and
 * names round-trip: lf_ingest_format_parse of a format's name is that
 * format, and a name it accepts names a real format.
 */
#include "fuzz.h"
#include "ingest/ingest.h"

#include <string.h>

static void check_format(lf_ingest_format f)
{
	lf_ingest_format back;

	FUZZ_CHECK(f >= LF_INGEST_CSV && f <= LF_INGEST_LABEL_STUDIO);
	FUZZ_CHECK(strcmp(lf_ingest_format_name(f), "unknown") != 0);
	FUZZ_CHECK(lf_ingest_format_parse(lf_ingest_format_name(f), &back) == LF_OK && back == f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	char *ct = text, *name = NULL, *bytes = NULL, *nl;
	size_t n = 0;
	lf_ingest_format f = (lf_ingest_format)-1;
	int rc;

	FUZZ_CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	if ((nl = memchr(text, '\n', size)) != NULL) {
		*nl = '\0';
		name = nl + 1;
		if ((nl = memchr(name, '\n', size - (size_t)(name - text))) != NULL) {
			*nl = '\0';
			bytes = nl + 1;
			n = size - (size_t)(bytes - text);
		}
	}
	rc = lf_ingest_detect(ct[0] != '\0' ? ct : NULL, name, bytes, n, &f);
	FUZZ_CHECK(rc == LF_OK || rc == LF_ERR_INVALID);
	if (rc == LF_OK)
		check_format(f);
	/* the whole input as a format name, as the API's "format" field */
	if (lf_ingest_format_parse(ct, &f) == LF_OK)
		check_format(f);
	free(text);
	return 0;
}
