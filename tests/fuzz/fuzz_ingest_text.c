/*
 * fuzz_ingest_text.c - the ingest parser of plain text lines uploads; see
 * ingest_common.h for the three parses that must agree.
 */
#include "ingest_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return ingest_fuzz(LF_INGEST_TEXT, data, size);
}
