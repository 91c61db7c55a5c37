/*
 * fuzz_range.c - the conditional and range headers of downloads: Range
 * against a resource's size (lf_media_range_parse, media and exports) and
 * If-None-Match against an ETag (lf_web_etag_matches, the web UI's files).
 *
 * Input: 8 bytes of size (the first byte's low bit set: a size below 256,
 * where edge cases live), then the Range header up to a newline, then the
 * If-None-Match header up to the next, then a tag. A range served is
 * never empty and never leaves the resource; a refusal (416) only comes
 * for a resource it misses wholly; a tag always matches itself, weak or
 * in a list, and "*" matches everything.
 */
#include "fuzz.h"
#include "media/media.h"
#include "web/web.h"

#include <string.h>

static void range(const char *header, uint64_t size)
{
	uint64_t start = 7, len = 7;
	int partial = 7;
	int rc = lf_media_range_parse(header, size, &start, &len, &partial);

	FUZZ_CHECK(rc == LF_OK || rc == LF_ERR_RANGE);
	if (rc == LF_ERR_RANGE) {
		FUZZ_CHECK(strstr(header, "bytes=") != NULL);
		return;
	}
	FUZZ_CHECK(partial == 0 || partial == 1);
	if (!partial) {
		FUZZ_CHECK(start == 0 && len == size);
		return;
	}
	FUZZ_CHECK(strstr(header, "bytes=") != NULL);
	FUZZ_CHECK(len >= 1 && start < size && len <= size - start);
}

static void conditional(const char *inm, const char *etag)
{
	size_t n = strlen(etag);
	char *buf = malloc(2 * n + 8);

	FUZZ_CHECK(buf != NULL);
	lf_web_etag_matches(inm, etag);
	FUZZ_CHECK(lf_web_etag_matches("*", etag) == 1);
	if (n > 0 && strpbrk(etag, ", \t") == NULL && strncmp(etag, "W/", 2) != 0) {
		FUZZ_CHECK(lf_web_etag_matches(etag, etag) == 1);
		snprintf(buf, 2 * n + 8, "W/%s", etag);
		FUZZ_CHECK(lf_web_etag_matches(buf, etag) == 1);
		snprintf(buf, 2 * n + 8, "x, %s", etag);
		FUZZ_CHECK(lf_web_etag_matches(buf, etag) == 1);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t res;
	char *text, *inm, *etag, *nl;

	if (size < 8)
		return 0;
	memcpy(&res, data, 8);
	if (data[0] & 1)
		res = data[1];
	text = strndup((const char *)data + 8, size - 8);
	FUZZ_CHECK(text != NULL);
	inm = etag = "";
	if ((nl = strchr(text, '\n')) != NULL) {
		*nl = '\0';
		inm = nl + 1;
		if ((nl = strchr(inm, '\n')) != NULL) {
			*nl = '\0';
			etag = nl + 1;
		}
	}
	range(text, res);
	conditional(inm, etag);
	free(text);
	return 0;
}
