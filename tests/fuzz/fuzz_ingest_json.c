/*
 * fuzz_ingest_json.c - the ingest parser of JSON (an array, objects) uploads; see
 * ingest_common.h for the three parses that must agree.
 */
#include "ingest_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return ingest_fuzz(LF_INGEST_JSON, data, size);
}
