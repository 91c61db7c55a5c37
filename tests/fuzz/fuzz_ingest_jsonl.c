/*
 * fuzz_ingest_jsonl.c - the ingest parser of JSON Lines uploads; see
 * ingest_common.h for the three parses that must agree.
 */
#include "ingest_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return ingest_fuzz(LF_INGEST_JSONL, data, size);
}
